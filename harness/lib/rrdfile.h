/* librrd wrapped once (collectd's srrd_update): every call under one lock,
 * librrd's error cleared before and read after, the text in a strbuf.
 * The collectors' RRD sink and the report's trials file both write
 * through it, so every RRD file of a run has the same archives.
 *
 * Named rrdfile.h, not rrd.h: the system's <rrd.h> must stay reachable. */
#ifndef PT_RRDFILE_H
#define PT_RRDFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/strbuf.h"

/* A data source of a new file. */
struct rrdfile_ds {
    const char *name;       /* 1..19 of [A-Za-z0-9_] */
    /* DERIVE with a minimum of 0 (a counter that resets is a gap, not a
     * huge spike), written as integers; else GAUGE. */
    bool counter;
};

struct rrdfile;

/* Creates (or overwrites) the RRD file 'path' with the data sources
 * 'ds[0..n)', a 'step' second step (> 0), a heartbeat of 5 steps, and
 * the archives: AVERAGE, MIN and MAX of every step for 14400 steps, then
 * AVERAGE and MAX of a minute (or of a step, when longer) for 2880 rows.  The file begins just before
 * 'start', so that the first update may be at 'start'.  The folder must
 * exist.  Copies what it needs of 'path' and 'ds'.  NULL with
 * "cannot create '<path>': <why>" in 'err'. */
struct rrdfile *rrdfile_create(const char *path, int step, time_t start,
                               const struct rrdfile_ds *ds, size_t n,
                               struct strbuf *err);
/* Closes the handle; the file stays.  'f' may be NULL. */
void rrdfile_destroy(struct rrdfile *f);

/* Adds one sample at 't' (seconds since the epoch, kept to the
 * millisecond so that ticks a little late stay apart): one value per data
 * source, NaN unknown.  Times must increase.  0, or -EIO with
 * "cannot update '<path>': <why>" in 'err'. */
int rrdfile_update(struct rrdfile *f, double t, const double *values,
                   struct strbuf *err);

/* The time of the last update the file took (before any: just before
 * the file's start).  librrd refuses any sample at or before it. */
double rrdfile_last_update(const struct rrdfile *f);
/* The file's path, for messages. */
const char *rrdfile_path(const struct rrdfile *f);

/* Draws a graph: argv as `rrdtool graph` takes it, argv[0] "graph",
 * argv[1] the image's path; 'argv' is not changed.  0, or -EIO with
 * librrd's reason in 'err'. */
int rrdfile_graph(const char *const *argv, int argc, struct strbuf *err);

#endif
