/* The measuring phases (DESIGN.md steps 9-11): warm_up, test_throughput
 * (run by the strategy THROUGHPUT_SEARCH names, strategy.h) and
 * long_running_tests.  Every trial is
 * a row of trials.csv, written and flushed as it ends, and a progress line. */
#ifndef PT_MEASURE_H
#define PT_MEASURE_H

#include <stdbool.h>
#include <jansson.h>
#include <stdio.h>

#include "traffic/search.h"
#include "run/settings.h"
#include "lib/strbuf.h"
#include "topologies/topology.h"
#include "traffic/traffic.h"

struct measure_row {
    const char *phase;
    int step, steps;
    double start, end;          /* wall clock, Unix seconds */
    double cross_cpu_ns;        /* CROSS_CPU_PROBE before it; NAN: none */
    struct trial_result r;
};

struct measure {
    const struct settings *s;
    struct traffic *traffic;
    FILE *csv;
    bool tty;                   /* progress rewrites one line */
    struct measure_row *rows;
    size_t n_rows, alloc;
    bool searched;              /* a search strategy filled 'search' */
    /* Told which trial runs, and "" and 0 when it ends (the run points it
     * at its collectors, which label samples with it); may be NULL. */
    void (*mark)(void *arg, const char *phase, int step, double rate);
    void *mark_arg;
    /* Asked after every trial whether the SUT still runs and answers;
     * 0, else why not in 'why'.  The trial is then invalid (the loss is
     * not the datapath's) and measure_trial() says -ESRCH.  The run
     * checks itself, whatever collectors run.  May be NULL. */
    int (*check)(void *arg, struct strbuf *why);
    void *check_arg;
    struct search_result search;
    /* Set by the run before test_throughput, to tell the datapath's
     * figures from the generator's. */
    double ceiling;             /* the harness's loss-free ceiling on this
                                   host, pps (perftests calibrate); 0:
                                   unknown */
    char ceiling_date[32];      /* when it was measured */
    bool harness_only;          /* no datapath (direct): every figure is
                                   the harness's own */
    /* CROSS_CPU_PROBE: before each trial, the round trip of a cache line
     * between the injector's CPU and the SUT's (lib/xcpu.h says why);
     * -1: not probed (measure_open's default). */
    int xcpu_a, xcpu_b;
    unsigned xcpu_failed;       /* probes without a figure, and in a row */
    unsigned xcpu_failed_run;
    /* After a search: a latency trial at each of LATENCY_LOADS. */
    struct latency_point *latency;
    size_t n_latency;
};

/* A latency trial at a share of the PDR. */
struct latency_point {
    double load_pct, rate_pps;
    double p50_us, p90_us, p99_us, p999_us, max_us;
    double loss_pct;
    bool valid;
};

/* trials.csv's first line: its readers go by these names. */
extern const char measure_csv_header[];

/* Opens the traffic engine of 'ops' (NULL: the local one, traffic.h)
 * with its 'ops_arg' on 'ctx', and trials.csv in 'run_dir'.  0 or
 * -errno, reason in 'err'. */
int measure_open(struct measure *m, const char *run_dir,
                 const struct settings *s, const struct topology_ctx *ctx,
                 const struct traffic_ops *ops, void *ops_arg,
                 uint32_t run_tag, struct strbuf *err);
/* 0, or -errno when trials.csv could not be written whole (fflush,
 * fsync, fclose). */
int measure_close(struct measure *m);

int measure_warm_up(struct measure *m, struct strbuf *err);
/* The strategy of THROUGHPUT_SEARCH runs the phase; after a search, the
 * latency trials at LATENCY_LOADS (latency.c); then every figure near the
 * harness's own ceiling, or bounded by its shortfall, is marked as the
 * generator's. */
int measure_throughput(struct measure *m, struct strbuf *err);
/* The latency trials at LATENCY_LOADS percent of the PDR.  0 or what a
 * trial returned. */
int measure_latency_at_loads(struct measure *m, struct strbuf *err);
/* [{"load_pct", "rate_pps", "p50_us", ...}], one per latency trial. */
json_t *measure_latency_json(const struct measure *m);
int measure_long_run(struct measure *m, struct strbuf *err);

/* For the phases and the strategies: one trial of 'count' frames at
 * 'rate' pps, step 'step' of 'steps' of 'phase', about 'eta' seconds of
 * the phase left after it (0: unknown).  Writes its row of trials.csv and
 * its progress line, and copies its result to *out (may be NULL).  0, or a
 * negative errno with the reason in 'err': the trial failed, -EINTR the
 * run was interrupted, -ESRCH the SUT is gone. */
int measure_trial(struct measure *m, const char *phase, int step, int steps,
                  double rate, uint64_t count, double eta,
                  struct trial_result *out, struct strbuf *err);
/* Now, Unix seconds: trials.csv's start_time and end_time. */
double measure_wall_time(void);
/* A row of trials.csv for a TCP test of 'phase' (tcp_throughput), step
 * 'step' of 'steps' (a row per stream set), from 'start' to 'end' (Unix
 * seconds): its duration, the figures in the TCP columns and a note.
 * 0, or -errno (the row is then not in the file). */
struct tcp_result;
int measure_tcp_row(struct measure *m, const char *phase, int step,
                    int steps, const struct tcp_result *res, double start,
                    double end);
/* A search's trials: what a strategy's trial callback needs. */
struct measure_search {
    struct measure *m;
    struct strbuf *err;
    int max_trials;             /* the progress line's "step i/n" */
};
/* One test_throughput trial of 'duration' s at 'rate' pps (two frames at
 * least: one frame has no rate to prove).  As measure_trial(). */
int measure_search_trial(struct measure_search *c, double rate,
                         double duration, struct trial_result *out);
/* Sleeps 'seconds' between trials, waking early when the traffic must
 * stop. */
void measure_pause(double seconds);

/* What the measurement found, for metadata.json: {"loss_free_pps",
 * "trials", and with a search "search": {"ndr", "pdr": {"rate_pps",
 * "trial", "loss_pct"}, "trials", "converged"}; with CROSS_CPU_PROBE
 * "cross_cpu": {"cpus": [injector's, SUT's], "trials", "failed",
 * "min_ns", "p50_ns", "max_ns", "moved"}}. */
json_t *measure_result_json(const struct measure *m);
/* The final table of the steps, the highest loss-free rate, and the
 * cross-CPU round trips (a warning when the host moved the CPUs apart
 * or together during the run). */
void measure_print_table(const struct measure *m, FILE *out);
/* The highest rate of the throughput phase with no loss, as sent (never
 * above what was sent and received); 0 when none. */
double measure_loss_free_rate(const struct measure *m);
/* Whether the stepped scan's loss-free rate is the generator's, not the
 * datapath's (its step fell short of its rate, no datapath, or near the
 * harness's ceiling); then why, in 'why'.  Searches mark their bounds. */
bool measure_loss_free_limit(const struct measure *m, char *why, size_t len);

#endif
