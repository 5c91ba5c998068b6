/* The RRD writer: librrd wrapped once, as collectd's srrd_update does.
 * The _r functions are thread-safe for files, but librrd's error text is
 * per thread and some of its paths share state: one lock around every
 * call, the error cleared before and read after. */
#include "collectors/sink.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <pthread.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

LOG_MODULE("rrd");

/* 4 h at one sample a step, as the original's 14400 rows; then 2 days of
 * minutes for nightly runs. */
#define ROWS_FINE 14400
#define ROWS_MINUTES 2880

static pthread_mutex_t rrd_lock = PTHREAD_MUTEX_INITIALIZER;

struct rrd_file {
    char *path;
    size_t n;
    bool *counter;          /* DERIVE takes integers only */
    bool broken;            /* an update failed: said once, then quiet */
};

struct rrd_sink {
    struct sink sink;
    char *dir;
    int step;
    time_t start;           /* the files begin just before it */
    struct rrd_file *files;
    size_t n_files;
};

/* Runs a librrd call under the lock; on failure copies its error. */
#define RRD_CALL(err, call)                                              \
    ({                                                                   \
        int rc_;                                                         \
        pthread_mutex_lock(&rrd_lock);                                   \
        rrd_clear_error();                                               \
        rc_ = (call);                                                    \
        if (rc_)                                                         \
            strbuf_addstr((err), rrd_get_error());                       \
        pthread_mutex_unlock(&rrd_lock);                                 \
        rc_;                                                             \
    })

static int rrd_add(void *priv, size_t idx, const char *collector,
                   const struct metric *m, size_t n, struct strbuf *err)
{
    struct rrd_sink *s = priv;
    size_t argc = n + 6;
    const char **argv = xcalloc(argc, sizeof *argv);
    char **owned = xcalloc(argc, sizeof *owned);
    struct rrd_file *f;
    int rc;

    if (idx >= s->n_files) {
        s->files = xrealloc(s->files, (idx + 1) * sizeof *s->files);
        memset(s->files + s->n_files, 0,
               (idx + 1 - s->n_files) * sizeof *s->files);
        s->n_files = idx + 1;
    }
    f = &s->files[idx];
    f->path = xasprintf("%s/%s.rrd", s->dir, collector);
    f->n = n;
    f->counter = xcalloc(n ? n : 1, sizeof *f->counter);
    for (size_t i = 0; i < n; i++)
        f->counter[i] = m[i].kind == METRIC_COUNTER;
    /* Counters as DERIVE with a minimum of 0: a counter that resets (a
     * restarted daemon) is a gap, not a huge spike. */
    for (size_t i = 0; i < n; i++) {
        bool counter = m[i].kind == METRIC_COUNTER;
        argv[i] = owned[i] = xasprintf("DS:%s:%s:%d:%s:U", m[i].name,
                                       counter ? "DERIVE" : "GAUGE",
                                       5 * s->step, counter ? "0" : "U");
    }
    argv[n] = owned[n] = xasprintf("RRA:AVERAGE:0.5:1:%d", ROWS_FINE);
    argv[n + 1] = owned[n + 1] = xasprintf("RRA:MIN:0.5:1:%d", ROWS_FINE);
    argv[n + 2] = owned[n + 2] = xasprintf("RRA:MAX:0.5:1:%d", ROWS_FINE);
    argv[n + 3] = owned[n + 3] = xasprintf("RRA:AVERAGE:0.5:%d:%d",
                                           60 / s->step ? 60 / s->step : 1,
                                           ROWS_MINUTES);
    argv[n + 4] = owned[n + 4] = xasprintf("RRA:MAX:0.5:%d:%d",
                                           60 / s->step ? 60 / s->step : 1,
                                           ROWS_MINUTES);
    rc = RRD_CALL(err, rrd_create_r(f->path, (unsigned long)s->step,
                                    s->start - 10, (int)n + 5, argv));
    if (rc) {
        /* librrd's text does not name the file. */
        char *why = strbuf_detach(err);
        strbuf_addf(err, "cannot create '%s': %s", f->path, why);
        free(why);
    }
    for (size_t i = 0; i < argc; i++)
        free(owned[i]);
    free(owned);
    free(argv);
    return rc ? -EIO : 0;
}

static void rrd_write(void *priv, size_t idx, const struct sample_time *t,
                      const double *v)
{
    struct rrd_sink *s = priv;
    struct rrd_file *f = idx < s->n_files ? &s->files[idx] : NULL;
    struct strbuf line = STRBUF_INIT, err = STRBUF_INIT;
    const char *argv[1];

    if (!f || !f->path || f->broken)
        return;
    /* Sub-second time stamps keep ticks that are a little late apart. */
    strbuf_addf(&line, "%.3f", t->real);
    for (size_t i = 0; i < f->n; i++) {
        if (isnan(v[i]))
            strbuf_addstr(&line, ":U");
        else
            strbuf_addf(&line, ":%.*f", f->counter[i] ? 0 : 3, v[i]);
    }
    argv[0] = line.buf;
    if (RRD_CALL(&err, rrd_update_r(f->path, NULL, 1, argv))) {
        LOG_WARN("cannot update '%s': %s; no more samples go there", f->path,
                 err.buf);
        f->broken = true;
    }
    strbuf_dispose(&line);
    strbuf_dispose(&err);
}

static void rrd_close(void *priv)
{
    struct rrd_sink *s = priv;

    for (size_t i = 0; i < s->n_files; i++)
        free(s->files[i].path), free(s->files[i].counter);
    free(s->files);
    free(s->dir);
    free(s);
}

static const struct sink_ops rrd_sink_ops = {
    .name = "rrd",
    .add = rrd_add,
    .write = rrd_write,
    .close = rrd_close,
};

struct sink *rrd_sink_create(const char *dir, int step, time_t start,
                             struct strbuf *err)
{
    struct rrd_sink *s;
    int rc = mkdir_p(dir, 0755);

    if (rc) {
        strbuf_addf(err, "cannot create '%s': %s", dir, strerror(-rc));
        return NULL;
    }
    s = xcalloc(1, sizeof *s);
    s->dir = xstrdup(dir);
    s->step = step > 0 ? step : 1;
    s->start = start ? start : time(NULL);
    s->sink.ops = &rrd_sink_ops;
    s->sink.priv = s;
    return &s->sink;
}

int rrd_graph_png(const char *const *argv, int argc, struct strbuf *err)
{
    rrd_info_t *info;
    int rc;

    /* librrd's option parser reorders argv: it gets a copy. */
    char **copy = xcalloc((size_t)argc + 1, sizeof *copy);
    for (int i = 0; i < argc; i++)
        copy[i] = (char *)argv[i];
    pthread_mutex_lock(&rrd_lock);
    rrd_clear_error();
    info = rrd_graph_v(argc, copy);
    rc = info && !rrd_test_error() ? 0 : -EIO;
    if (rc)
        strbuf_addstr(err, rrd_get_error());
    rrd_info_free(info);
    pthread_mutex_unlock(&rrd_lock);
    free(copy);
    return rc;
}
