/* The collector contract (DESIGN.md "Contracts: Collector"), shaped like a
 * collectd plugin: a collector declares its metrics once, then on every
 * tick of the sampler fills one value per metric; the sampler hands the
 * values to every sink (the RRD writer, the in-memory series).
 *
 * Implementers: one file per collector in collectors/, static helpers
 * first, one `const struct collector_ops` at the bottom, added to the
 * table in collectors/registry.c. */
#ifndef PT_COLLECTOR_H
#define PT_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/strbuf.h"

struct ledger;

enum metric_kind {
    METRIC_GAUGE,       /* a level: CPU %, bytes of memory, threads */
    METRIC_COUNTER,     /* only grows (may wrap): packets, bytes, ticks */
};

/* RRD data source names: 1..19 of [A-Za-z0-9_]. */
#define METRIC_NAME_MAX 20
#define METRIC_LABEL_MAX 128

struct metric {
    char name[METRIC_NAME_MAX];
    enum metric_kind kind;
    /* The full name when 'name' had to be shortened (a JMX attribute such
     * as "PacketPipelineHistogram.simulationLatency.99thPercentile"),
     * else "". */
    char label[METRIC_LABEL_MAX];
};

/* A growable list of metrics a collector declares in init(). */
struct metric_set {
    struct metric *m;
    size_t n, alloc;
};

/* Appends a metric; the name is truncated to 19 characters and anything
 * outside [A-Za-z0-9_] becomes '_'. */
void metric_set_add(struct metric_set *ms, enum metric_kind kind,
                    const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends a metric known by a long name: its data source name is 'label'
 * with runs of other characters made one '_'; when that is longer than
 * 19 characters or taken already, its first 14 characters, '_' and 4 hex
 * digits of a hash of the label.  The label is kept in m->label. */
void metric_set_add_label(struct metric_set *ms, enum metric_kind kind,
                          const char *label);
/* The metric's full name: its label, else its name. */
const char *metric_label(const struct metric *m);
void metric_set_release(struct metric_set *ms);

/* An interface by where it lives: 'netns' "" is the harness's own. */
struct collector_iface {
    const char *prefix;             /* its metrics' prefix: "src", "db" */
    const char *netns;
    const char *ifname;
};

/* What a collector may look at; everything may be NULL/0 when the run
 * has no such thing. */
struct collector_cfg {
    const pid_t *pids;              /* the SUT's processes */
    size_t n_pids;
    const char *ovs_ctl;            /* ovs-vswitchd's unixctl socket */
    /* The interfaces the netdev collector reads: the namespace ends
     * (src, dst) and the datapath's bindings (sb, db).  The run copies
     * them from the topology, so collectors need not know topologies. */
    const struct collector_iface *ifaces;
    size_t n_ifaces;
    double interval;                /* seconds between samples */
    const char *run_dir;            /* a collector's own logs go there */
    struct ledger *ledger;          /* processes a collector starts */
    const char *jmx_url;            /* JMX_URL, JMX_CONFIG */
    const char *jmx_config;
};

struct collector_ops {
    const char *name;               /* "proc", "system", "netdev", "ovs" */
    const char *description;
    /* Allocates the state in *state and declares the metrics in 'ms'.
     * 0; -ENOTSUP when the run has nothing for it (no OVS, no pid): it is
     * skipped with a note; any other -errno with the reason in 'err'. */
    int (*init)(const struct collector_cfg *cfg, void **state,
                struct metric_set *ms, struct strbuf *err);
    /* Fills values[i] for every declared metric i: NaN for a value it
     * could not read (a gap, never a zero).  'now_ns' is CLOCK_MONOTONIC.
     * 0 (with a reason in 'err' when some values are NaN: a partial
     * gap); -ESRCH when the SUT process is gone (the run fails, the reason
     * in 'err'); -EPIPE when the collector cannot go on (it is reported
     * failed with the reason in 'err' and not asked again); another
     * -errno: this whole sample is a gap. */
    int (*sample)(void *state, uint64_t now_ns, double *values,
                  struct strbuf *err);
    void (*close)(void *state);
};

/* The built-in collectors, NULL-terminated. */
extern const struct collector_ops *const collector_table[];
const struct collector_ops *collector_find(const char *name);

/* The increase of a counter from 'prev' to 'cur', allowing for one wrap:
 * at 2^32 when both fit in 32 bits, else at 2^64. */
uint64_t counter_delta(uint64_t prev, uint64_t cur);

#endif
