/* librrd wrapped once.  The _r functions are thread-safe for files, but
 * librrd's error text is per thread and some of its paths (the graph's
 * option parser, fonts) share state: one lock around every call, the
 * error cleared before and read after. */
#include "lib/rrdfile.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <rrd.h>
#include <stdlib.h>
#include <string.h>

/* 4 h at one sample a step, as the original's 14400 rows; then 2 days of
 * minutes for nightly runs. */
#define ROWS_FINE 14400
#define ROWS_MINUTES 2880
/* How long before 'start' a file begins: librrd refuses an update at or
 * before the file's start. */
#define START_SLACK 10

static pthread_mutex_t rrd_lock = PTHREAD_MUTEX_INITIALIZER;

struct rrdfile {
    char *path;
    size_t n;
    bool *counter;          /* DERIVE takes integers only */
    double last;            /* the last update librrd took (or the start) */
};

/* Runs a librrd call that returns 0 or -1 under the lock; on failure
 * appends librrd's error to 'why'. */
#define RRD_CALL(why, call)                                              \
    ({                                                                   \
        int rc_;                                                         \
        pthread_mutex_lock(&rrd_lock);                                   \
        rrd_clear_error();                                               \
        rc_ = (call);                                                    \
        if (rc_)                                                         \
            strbuf_addstr((why), rrd_get_error());                       \
        pthread_mutex_unlock(&rrd_lock);                                 \
        rc_;                                                             \
    })

struct rrdfile *rrdfile_create(const char *path, int step, time_t start,
                               const struct rrdfile_ds *ds, size_t n,
                               struct strbuf *err)
{
    /* The data sources, then 5 archives. */
    size_t argc = n + 5;
    char **argv;
    struct strbuf why = STRBUF_INIT;
    struct rrdfile *f = NULL;
    int per_minute, rc;

    if (step <= 0) {
        strbuf_addf(err, "cannot create '%s': a step of %d s", path, step);
        return NULL;
    }
    per_minute = 60 / step ? 60 / step : 1;
    argv = xcalloc(argc, sizeof *argv);
    for (size_t i = 0; i < n; i++)
        argv[i] = xasprintf("DS:%s:%s:%d:%s:U", ds[i].name,
                            ds[i].counter ? "DERIVE" : "GAUGE", 5 * step,
                            ds[i].counter ? "0" : "U");
    argv[n] = xasprintf("RRA:AVERAGE:0.5:1:%d", ROWS_FINE);
    argv[n + 1] = xasprintf("RRA:MIN:0.5:1:%d", ROWS_FINE);
    argv[n + 2] = xasprintf("RRA:MAX:0.5:1:%d", ROWS_FINE);
    argv[n + 3] = xasprintf("RRA:AVERAGE:0.5:%d:%d", per_minute,
                            ROWS_MINUTES);
    argv[n + 4] = xasprintf("RRA:MAX:0.5:%d:%d", per_minute, ROWS_MINUTES);
    rc = RRD_CALL(&why, rrd_create_r(path, (unsigned long)step,
                                     start - START_SLACK, (int)argc,
                                     (const char **)argv));
    if (rc) {
        /* librrd's text does not name the file. */
        strbuf_addf(err, "cannot create '%s': %s", path, why.buf);
    } else {
        f = xcalloc(1, sizeof *f);
        f->path = xstrdup(path);
        f->n = n;
        f->last = (double)(start - START_SLACK);
        f->counter = xcalloc(n ? n : 1, sizeof *f->counter);
        for (size_t i = 0; i < n; i++)
            f->counter[i] = ds[i].counter;
    }
    for (size_t i = 0; i < argc; i++)
        free(argv[i]);
    free(argv);
    strbuf_dispose(&why);
    return f;
}

void rrdfile_destroy(struct rrdfile *f)
{
    if (!f)
        return;
    free(f->path);
    free(f->counter);
    free(f);
}

int rrdfile_update(struct rrdfile *f, double t, const double *values,
                   struct strbuf *err)
{
    struct strbuf line = STRBUF_INIT, why = STRBUF_INIT;
    const char *argv[1];
    int rc;

    strbuf_addf(&line, "%.3f", t);
    for (size_t i = 0; i < f->n; i++) {
        if (isnan(values[i]))
            strbuf_addstr(&line, ":U");
        else
            strbuf_addf(&line, ":%.*f", f->counter[i] ? 0 : 3, values[i]);
    }
    argv[0] = line.buf;
    rc = RRD_CALL(&why, rrd_update_r(f->path, NULL, 1, argv));
    if (rc)
        strbuf_addf(err, "cannot update '%s': %s", f->path, why.buf);
    else
        f->last = t;
    strbuf_dispose(&line);
    strbuf_dispose(&why);
    return rc ? -EIO : 0;
}

double rrdfile_last_update(const struct rrdfile *f)
{
    return f->last;
}

const char *rrdfile_path(const struct rrdfile *f)
{
    return f->path;
}

int rrdfile_graph(const char *const *argv, int argc, struct strbuf *err)
{
    rrd_info_t *info;
    int rc;

    /* There is no rrd_graph_r, and librrd's option parser (getopt)
     * reorders argv: it gets a copy. */
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
