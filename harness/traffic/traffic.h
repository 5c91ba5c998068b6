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
#include "traffic/flow.h"
#include "traffic/frame.h"
#include "traffic/injector.h"
#include "traffic/receiver.h"

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

/* Where trials run: the one extension point between the measuring
 * phases (measure.c and every strategy, which see only traffic_trial())
 * and the frames.  Two providers: the local one (injector and receiver
 * in this host's namespaces, below) and the agents' (remote/, endpoints
 * on other hosts).  traffic_trial() tags the trial and judges its
 * figures the same way for both. */
struct traffic_ops {
    const char *name;
    /* Opens the engine on 'ctx'; 'arg' is the provider's own (the local
     * one takes NULL) and the state goes to traffic_set_priv().  0 or a
     * negative errno with the reason in 'err'. */
    int (*open)(struct traffic *t, void *arg, const struct topology_ctx *ctx,
                const struct settings *s, struct strbuf *err);
    /* Frees the state; a half-open engine too. */
    void (*close)(struct traffic *t);
    /* Pins the injector and the receiver.  May be NULL: nothing to pin
     * here (agents run elsewhere). */
    int (*set_cpus)(struct traffic *t, const cpu_set_t *injector,
                    const cpu_set_t *receiver);
    /* Sends 'count' frames tagged 'tag' at 'rate' pps and fills what was
     * measured in *res: the injector's half (traffic_fill_tx(), and
     * source_drops) and the receiver's (traffic_fill_rx()); *stalled when
     * the source interface stopped taking frames.  0 or a negative errno
     * with the reason in 'err'. */
    int (*run)(struct traffic *t, uint32_t tag, double rate, uint64_t count,
               volatile sig_atomic_t *stop, struct trial_result *res,
               bool *stalled, struct strbuf *err);
};

extern const struct traffic_ops traffic_local_ops;

/* Opens the engine of 'ops' (NULL: the local one) with its 'arg'.  NULL,
 * reason in 'err'. */
struct traffic *traffic_open_with(const struct traffic_ops *ops, void *arg,
                                  const struct topology_ctx *ctx,
                                  const struct settings *s, uint32_t run_tag,
                                  struct strbuf *err);
/* For providers: their state. */
void traffic_set_priv(struct traffic *t, void *priv);
void *traffic_priv(const struct traffic *t);
/* For providers: the frame FRAME_SIZE, PROTOCOL and FLOW_PATTERN ask for
 * (ports and protocol; the caller sets the addresses) and its flows.  0
 * or -EINVAL with the reason. */
int traffic_frame_spec(const struct settings *s, struct frame_spec *spec,
                       struct flow_pattern *flows, struct strbuf *err);
/* A frame_init() that says what went wrong. */
int traffic_frame_init(struct frame *f, const struct frame_spec *spec,
                       struct strbuf *err);
/* For providers: the injector's and the receiver's figures into *res. */
void traffic_fill_tx(struct trial_result *res, const struct inject_stats *tx);
void traffic_fill_rx(struct trial_result *res, const struct recv_stats *rx);
/* After the last frame, the receiver waits this long without one before
 * counting the rest lost, and never longer than the second in all. */
#define TRAFFIC_DRAIN_QUIET_MS 200
#define TRAFFIC_DRAIN_MAX_MS 3000

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
