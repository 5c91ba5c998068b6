/* The sampler (DESIGN.md steps 8 and 12): one thread that, on an absolute
 * SAMPLE_INTERVAL schedule, asks every enabled collector for its values
 * and hands them to every sink. */
#ifndef PT_SAMPLER_H
#define PT_SAMPLER_H

#include <signal.h>
#include <stdint.h>

#include "collectors/collector.h"
#include "collectors/sink.h"
#include "lib/strbuf.h"

struct sampler;

struct sampler_cfg {
    const char *collectors;         /* COLLECTORS: "proc,system,..." */
    struct collector_cfg ccfg;
    /* NULL-terminated.  The sampler closes them when it stops (or fails
     * to start): the RRD sink is freed then, the series keeps its data. */
    struct sink *const *sinks;
    /* Set when a collector finds the SUT gone, so the traffic stops. */
    volatile sig_atomic_t *sut_gone;
};

/* Starts the collectors (one that cannot start is a warning naming it)
 * and the thread.  NULL with the reason in 'err' only when nothing could
 * be started at all. */
struct sampler *sampler_start(const struct sampler_cfg *cfg,
                              struct strbuf *err);
/* What the traffic is doing now: samples carry it. 'phase' is a string
 * that outlives the sampler ("" between phases). */
void sampler_mark(struct sampler *s, const char *phase, int step,
                  double rate);
/* Stops the thread and closes the collectors and sinks.  0, or -ESRCH with
 * the reason ("SUT process 12 (ovs-vswitchd) exited") in 'why'.  NULL is
 * fine. */
int sampler_stop(struct sampler *s, struct strbuf *why);

struct sampler_stats {
    uint64_t ticks;
    uint64_t gaps;                  /* failed samples, all collectors */
    /* The sampler thread's CPU over its life and that life, so the
     * collectors' own cost is cpu_ns / wall_ns. */
    uint64_t cpu_ns, wall_ns;
    uint64_t late_p50_ns, late_p99_ns, late_max_ns;
};
/* Valid after sampler_stop() too, until sampler_destroy(). */
void sampler_get_stats(const struct sampler *s, struct sampler_stats *st);
/* One collector's figures: fills 'st' for collector 'i' when there is
 * one; returns how many there are (those that started, then those that
 * failed to). */
struct sampler_collector_stat {
    const char *name;
    size_t metrics;
    uint64_t gaps, cpu_ns;          /* cpu_ns: in its sample() calls */
    const char *failed;             /* why it failed, or NULL */
    const struct metric *m;         /* its metrics (m[i].label: the full
                                     * name of a shortened one) */
};
size_t sampler_collector_stats(const struct sampler *s, size_t i,
                               struct sampler_collector_stat *st);
void sampler_destroy(struct sampler *s);

#endif
