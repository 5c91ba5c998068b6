/* A trial: N frames at rate R through the topology, and what came out
 * (DESIGN.md "Contracts: Trial"). */
#ifndef PT_TRIAL_H
#define PT_TRIAL_H

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "run/settings.h"
#include "lib/strbuf.h"
#include "topologies/topology.h"

struct trial_result {
    double rate;                /* requested, pps */
    uint64_t offered;           /* frames asked for */
    uint64_t sent, received, lost, duplicates, reordered;
    double loss_pct;            /* lost / sent */
    double tx_rate, rx_rate;    /* achieved, pps */
    double duration;            /* s, first send to last send */
    /* One-way latency, microseconds. */
    double lat_min, lat_p50, lat_p90, lat_p99, lat_p999, lat_max;
    /* How late packets left against the schedule, microseconds. */
    double gap_p50, gap_p99;
    uint64_t pushback;          /* sends refused by a full queue */
    uint64_t kernel_drops;      /* the receiver's own drops */
    uint64_t source_drops;      /* refused or dropped by the source
                                   namespace's interface (its peer's backlog
                                   full): the injector sends refused frames
                                   again (pushback); never the datapath's
                                   loss */
    bool valid;
    bool short_of_rate;         /* achieved more than 1 % below requested */
    char note[160];             /* why invalid, or what to know */
};

struct traffic;

/* Opens the injector in the source namespace and the receiver in the
 * destination one, and builds the frame (FRAME_SIZE, PROTOCOL,
 * FLOW_PATTERN) addressed to the destination's MAC.  NULL, reason in
 * 'err'. */
struct traffic *traffic_open(const struct topology_ctx *ctx,
                             const struct settings *s, uint32_t run_tag,
                             struct strbuf *err);
void traffic_close(struct traffic *t);
/* Runs the injector (the calling thread, which runs the trials) and the
 * receiver on these CPUs; NULL leaves one where it is.  0, or the
 * injector's negative errno (the receiver's is applied per trial). */
int traffic_set_cpus(struct traffic *t, const cpu_set_t *injector,
                     const cpu_set_t *receiver);
/* The tag the frames of trial 'trial' (1, 2, ...) of the run tagged
 * 'run_tag' (20 bits) carry; the receiver counts only frames with its
 * trial's tag, so a late frame of an earlier trial never counts.  Never
 * 0 (the receiver's "count nothing"). */
uint32_t traffic_trial_tag(uint32_t run_tag, uint32_t trial);
/* Runs one trial.  0, or a negative errno with the reason in 'err'. */
int traffic_trial(struct traffic *t, double rate, uint64_t count,
                  volatile sig_atomic_t *stop, struct trial_result *res,
                  struct strbuf *err);

#endif
