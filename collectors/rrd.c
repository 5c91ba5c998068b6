/* The RRD sink: one file per collector, written through the librrd
 * wrapper (lib/rrdfile.h), a data source per metric. */
#include "collectors/sink.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/rrdfile.h"
#include "lib/util.h"

LOG_MODULE("rrd");

struct rrd_slot {
    struct rrdfile *file;   /* NULL: its creation failed (add said so) */
    bool behind;            /* the clock went back: said once, skipping */
    bool failing;           /* an update failed: said once, still tried */
};

struct rrd_sink {
    struct sink sink;
    char *dir;
    int step;
    time_t start;           /* the files begin just before it */
    struct rrd_slot *slots; /* by collector number */
    size_t n_slots;
};

static int rrd_add(void *priv, size_t idx, const char *collector,
                   const struct metric *m, size_t n, struct strbuf *err)
{
    struct rrd_sink *s = priv;
    struct rrdfile_ds *ds = xcalloc(n ? n : 1, sizeof *ds);
    char *path = xasprintf("%s/%s.rrd", s->dir, collector);

    if (idx >= s->n_slots) {
        s->slots = xrealloc(s->slots, (idx + 1) * sizeof *s->slots);
        memset(s->slots + s->n_slots, 0,
               (idx + 1 - s->n_slots) * sizeof *s->slots);
        s->n_slots = idx + 1;
    }
    for (size_t i = 0; i < n; i++) {
        ds[i].name = m[i].name;
        ds[i].counter = m[i].kind == METRIC_COUNTER;
    }
    s->slots[idx].file = rrdfile_create(path, s->step, s->start, ds, n, err);
    free(path);
    free(ds);
    return s->slots[idx].file ? 0 : -EIO;
}

/* librrd refuses a sample at or before the file's last update for good
 * measure, so a wall clock that steps back (NTP, a resumed VM) would end
 * the file's samples.  Such samples are skipped until the clock passes
 * the last update; any other failure is said once and the next sample is
 * tried all the same: a file is never given up. */
static void rrd_write(void *priv, size_t idx, const struct sample_time *t,
                      const double *v)
{
    struct rrd_sink *s = priv;
    struct rrd_slot *f = idx < s->n_slots ? &s->slots[idx] : NULL;
    struct strbuf err = STRBUF_INIT;
    double last;

    if (!f || !f->file)
        return;
    last = rrdfile_last_update(f->file);
    if (t->real <= last) {
        if (!f->behind)
            LOG_WARN("the clock went back %.3f s behind the last sample of "
                     "'%s': samples skipped until it passes that again",
                     last - t->real, rrdfile_path(f->file));
        f->behind = true;
        return;
    }
    if (rrdfile_update(f->file, t->real, v, &err)) {
        if (!f->failing)
            LOG_WARN("%s; trying again with the next sample", err.buf);
        f->failing = true;
    } else {
        if (f->behind || f->failing)
            LOG_INFO("'%s' takes samples again", rrdfile_path(f->file));
        f->behind = f->failing = false;
    }
    strbuf_dispose(&err);
}

static void rrd_close(void *priv)
{
    struct rrd_sink *s = priv;

    for (size_t i = 0; i < s->n_slots; i++)
        rrdfile_destroy(s->slots[i].file);
    free(s->slots);
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
