/* Rate selection for the throughput phase: the original's stepped scan,
 * and an NDR/PDR search in the style of RFC 2544 and FD.io CSIT's
 * MLRsearch.  Pure logic: the trials are run through a callback, so the
 * search is tested against a simulated datapath of known capacity. */
#ifndef PT_SEARCH_H
#define PT_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The rates of the stepped scan: start, start+step, ... while <= max.
 * Returns how many; *rates is malloc'ed (caller frees).  0 and NULL when
 * start > max. */
size_t search_steps(long start, long step, long max, long **rates);

/* What a trial reports back to the search. */
struct search_trial {
    double rate;            /* requested (offered) rate, pps */
    double duration;        /* requested duration, s */
    uint64_t sent, received;
    double tx_rate;         /* achieved send rate, pps */
    double rx_rate;         /* received / duration actually taken, pps */
    bool valid;             /* false: the harness itself dropped (not the
                               datapath); the search repeats or stops */
};

/* Runs one trial of 'duration' seconds at 'rate' pps; fills *out.
 * Returns 0, or a negative errno to abort the search (e.g. interrupted). */
typedef int search_trial_fn(void *arg, double rate, double duration,
                            struct search_trial *out);

struct search_config {
    double max_rate;        /* where the search starts, pps */
    double min_rate;        /* below this the search gives up, pps */
    double pdr_loss;        /* loss ratio accepted for PDR, e.g. 0.005 */
    double width;           /* relative width to stop at, e.g. 0.005 */
    int max_trials;         /* hard bound on trials */
    double short_duration;  /* s: the first, coarse trials */
    double final_duration;  /* s: trials that confirm a bound */
};

struct search_bound {
    double rate;            /* the loss-free (or <= pdr_loss) rate found:
                               never above what was sent and received */
    int trial;              /* index of the trial that decided it, -1: none */
    double loss;            /* loss ratio measured at that trial */
    /* Filled by the strategies that know them (ndr), else 0/false. */
    double lower, upper;    /* the relevant bounds, pps; 0: none */
    bool generator_limited; /* the figure is the generator's ceiling, not
                               the datapath's: "at least 'rate'" */
    char limit[96];         /* why it is limited, for people; "" if not */
};

struct search_result {
    struct search_bound ndr, pdr;
    int n_trials;
    bool converged;         /* bounds within width, else max_trials hit */
};

/* Runs the search.  Every trial goes through 'fn' in order (its index is
 * the trial number the result refers to).  Returns 0 or what 'fn'
 * returned. */
int search_run(const struct search_config *cfg, search_trial_fn *fn,
               void *arg, struct search_result *result);

#endif
