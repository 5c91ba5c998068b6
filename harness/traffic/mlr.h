/* MLRsearch (draft-ietf-bmwg-mlrsearch, after FD.io CSIT's
 * implementation): several goals searched in one pass, each load
 * classified from the sum of its trials, never from one lucky trial.
 *
 * A goal has a loss ratio (NDR 0, PDR PDR_LOSS), a final trial duration,
 * a duration sum, an exceed ratio and a width.  At a load, the trials
 * whose loss ratio is above the goal's are "bad", the others "good"; the
 * duration the sum still misses could go either way.  The load is an
 * upper bound when even with every missing second good the bad share
 * exceeds the exceed ratio, a lower bound when even with every missing
 * second bad it does not, and undecided otherwise (it needs more trials).
 * The goal is done when its relevant lower and upper bounds are within
 * its width.
 *
 * Short trials first: each goal is preceded by coarser ones (the width
 * doubled, one initial-length trial deciding a load), so the long, costly
 * trials are spent only near the answer.
 *
 * Pure logic: trials run through a callback, so the search is tested on a
 * simulated datapath with noise. */
#ifndef PT_MLR_H
#define PT_MLR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MLR_MAX_GOALS 4
/* A goal whose relevant upper bound is one the generator could not reach
 * is done when its bounds are within this (or its own width, if wider):
 * it is reported as ">= lower bound, limited by the generator", and
 * refining it further would measure the generator's ceiling, which
 * varies more than this from trial to trial, at a duration sum a load. */
#define MLR_GENERATOR_WIDTH 0.02

struct mlr_goal {
    double loss_ratio;          /* a trial losing more is bad: 0, 0.005 */
    double final_duration;      /* s: trials this long count fully */
    double duration_sum;        /* s of trials that decide a load */
    double exceed_ratio;        /* bad share of the sum still allowed */
    double width;               /* relative: (upper - lower) / upper */
};

struct mlr_config {
    double min_load, max_load;  /* pps */
    double initial_duration;    /* s: the coarse phases' trials */
    int max_trials;             /* hard bound, valid trials */
    int max_invalid;            /* invalid trials in a row: give up */
    struct mlr_goal goals[MLR_MAX_GOALS];
    size_t n_goals;
};

/* What one trial did, as the callback reports it. */
struct mlr_trial {
    uint64_t sent, received;
    double tx_rate;             /* achieved, pps */
    bool valid;                 /* false: the harness dropped (repeated,
                                   never counted) */
    bool short_of_rate;         /* sent more than 1 % below the load: the
                                   load was not reached, never a pass */
};

/* Runs one trial of 'duration' s at 'load' pps; fills *out.  0, or a
 * negative errno to stop the search (interrupted). */
typedef int mlr_trial_fn(void *arg, double load, double duration,
                         struct mlr_trial *out);

struct mlr_goal_result {
    double lower_bound;         /* pps, the relevant lower bound; 0: none */
    double upper_bound;         /* pps, the relevant upper bound; 0: none */
    double conditional_throughput; /* pps forwarded at the lower bound, at
                                      the exceed ratio's quantile */
    double loss_ratio;          /* at that quantile */
    bool found;                 /* lower and upper within the width, or
                                   the lower bound at max_load */
    bool at_max_load;           /* no upper bound below max_load */
    bool generator_limited;     /* the upper bound is one the generator
                                   could not reach (short of rate) */
};

struct mlr_result {
    struct mlr_goal_result goal[MLR_MAX_GOALS];
    int n_trials;               /* valid trials run */
    int n_invalid;              /* invalid trials, repeated */
    double trial_seconds;       /* sum of the valid trials' durations */
    bool converged;             /* every goal found before max_trials */
};

/* The settings' defaults, after CSIT: 1 s trials, a 21 s sum, 50 % exceed
 * ratio, 0.5 % width. */
void mlr_goal_defaults(struct mlr_goal *g, double loss_ratio);

/* Checks the configuration; -EINVAL with why in 'why' (may be NULL). */
struct strbuf;
int mlr_check(const struct mlr_config *cfg, struct strbuf *why);

/* Runs the search.  0, or what 'fn' returned to stop it (the result then
 * holds what was found so far). */
int mlr_search(const struct mlr_config *cfg, mlr_trial_fn *fn, void *arg,
               struct mlr_result *res);

#endif
