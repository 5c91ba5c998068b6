/* Where samples go (collectd's writers): the sampler hands every sample
 * of every collector to every sink.  The RRD writer is one sink, the
 * in-memory series the report uses another. */
#ifndef PT_SINK_H
#define PT_SINK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "collectors/collector.h"
#include "lib/strbuf.h"

/* When a sample was taken, and what the traffic was doing then. */
struct sample_time {
    double real;            /* seconds since the epoch (RRD's clock) */
    uint64_t mono_ns;       /* CLOCK_MONOTONIC */
    const char *phase;      /* "warm_up", ... or "" between phases */
    int step;               /* trial number within the phase, 0: none */
    double rate;            /* the trial's rate, pps; 0: none */
};

struct sink_ops {
    const char *name;
    /* Collector number 'idx' joins with its metrics ('m' stays valid
     * until close).  0 or a negative errno with the reason in 'err'. */
    int (*add)(void *priv, size_t idx, const char *collector,
               const struct metric *m, size_t n, struct strbuf *err);
    /* One sample of collector 'idx': one value per metric, NaN a gap. */
    void (*write)(void *priv, size_t idx, const struct sample_time *t,
                  const double *values);
    void (*close)(void *priv);
};

struct sink {
    const struct sink_ops *ops;
    void *priv;
};

/* The RRD writer: one file per collector, <dir>/<collector>.rrd, a data
 * source per metric (the archives of lib/rrdfile.h), a 'step' second step,
 * the first sample at 'start' or later (0: now).  NULL with the reason. */
struct sink *rrd_sink_create(const char *dir, int step, time_t start,
                             struct strbuf *err);

#endif
