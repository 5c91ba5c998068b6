/* The regression rule of the history (issue 15): a metric regresses when
 * it is worse than its baseline's median by more than both
 * REGRESSION_THRESHOLD % and a multiple of the baseline's robust spread
 * (the MAD, scaled to a standard deviation), so that noise alone never
 * fails a build.  The baseline is the last REGRESSION_BASELINE_RUNS
 * passing runs of the series, from the last acknowledged step on; with
 * fewer than REGRESSION_MIN_RUNS there is "not enough history" and the
 * check passes.  Improvements are said too.  Medians and spreads by GSL.
 *
 * Pure: the history is given, oldest first, so that the rule is tested on
 * synthetic series; the store (SQLite) hands it over. */
#ifndef PT_REGRESS_H
#define PT_REGRESS_H

#include <stdbool.h>
#include <stddef.h>

enum regress_better { REGRESS_HIGHER_IS_BETTER, REGRESS_LOWER_IS_BETTER };

struct regress_rule {
    double threshold_pct;   /* REGRESSION_THRESHOLD, default 5 */
    double spread_k;        /* how many robust spreads at least, default 3 */
    double confidence;      /* of the prediction bound that sets how many
                               spreads count for the baseline's size,
                               default 0.999 */
    int baseline_runs;      /* REGRESSION_BASELINE_RUNS, default 10 */
    int min_runs;           /* REGRESSION_MIN_RUNS, default 5 */
};

/* One earlier run of the series, for one metric. */
struct regress_run {
    double value;           /* NaN: the run has no such figure */
    bool passed;            /* only passing runs make a baseline */
    bool acked;             /* an acknowledged step: the baseline restarts
                               with this run */
};

enum regress_outcome {
    REGRESS_NOT_ENOUGH,     /* too little history: passes, and says so */
    REGRESS_SAME,
    REGRESS_WORSE,          /* a regression: the run fails */
    REGRESS_BETTER,
};

struct regress_verdict {
    enum regress_outcome outcome;
    int n_baseline;         /* runs in the baseline */
    double median;          /* the baseline's */
    double spread;          /* its MAD x 1.4826 (a standard deviation for
                               normal noise) */
    double change_pct;      /* (value - median) / |median|, percent */
    double limit_pct;       /* the change that counts: the larger of the
                               threshold and spread_k spreads */
    char why[256];          /* for people and JUnit */
};

void regress_rule_defaults(struct regress_rule *r);
/* Median of v[0..n-1] (n > 0; sorted in place) and its robust spread as
 * a standard deviation (the MAD x 1.4826); A/B reports them too. */
void regress_median_spread(double *v, size_t n, double *median,
                           double *spread);
const char *regress_outcome_to_text(enum regress_outcome o);
/* Judges 'value' of metric 'name' against the baseline 'history' (oldest
 * first, 'n' runs) gives; fills *v. */
void regress_judge(const struct regress_rule *rule, const char *name,
                   enum regress_better better,
                   const struct regress_run *history, size_t n,
                   double value, struct regress_verdict *v);

#endif
