#include "report/regress.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"

/* MAD x this estimates the standard deviation of normal noise. */
#define MAD_TO_SD 1.4826

void regress_rule_defaults(struct regress_rule *r)
{
    r->threshold_pct = 5;
    r->spread_k = 3;
    r->confidence = 0.999;
    r->baseline_runs = 10;
    r->min_runs = 5;
}

const char *regress_outcome_to_text(enum regress_outcome o)
{
    switch (o) {
    case REGRESS_NOT_ENOUGH: return "not enough history";
    case REGRESS_SAME:       return "same";
    case REGRESS_WORSE:      return "regressed";
    case REGRESS_BETTER:     return "improved";
    }
    return "?";
}

/* The baseline: newest first, the passing runs with a figure, at most
 * baseline_runs, none before the last acknowledged step.  Returns how
 * many it put in 'out'. */
static size_t baseline(const struct regress_rule *rule,
                       const struct regress_run *h, size_t n, double *out)
{
    size_t k = 0;

    for (size_t i = n; i-- > 0 && k < (size_t)rule->baseline_runs;) {
        if (h[i].passed && isfinite(h[i].value))
            out[k++] = h[i].value;
        if (h[i].acked)
            break;
    }
    return k;
}

void regress_median_spread(double *v, size_t n, double *median,
                           double *spread)
{
    double *dev = xcalloc(n, sizeof *dev);

    gsl_sort(v, 1, n);
    *median = gsl_stats_median_from_sorted_data(v, 1, n);
    for (size_t i = 0; i < n; i++)
        dev[i] = fabs(v[i] - *median);
    gsl_sort(dev, 1, n);
    *spread = MAD_TO_SD * gsl_stats_median_from_sorted_data(dev, 1, n);
    free(dev);
}

void regress_judge(const struct regress_rule *rule, const char *name,
                   enum regress_better better,
                   const struct regress_run *history, size_t n,
                   double value, struct regress_verdict *v)
{
    double *base = xcalloc(n ? n : 1, sizeof *base);
    double worse_pct, spread_pct, k;

    memset(v, 0, sizeof *v);
    v->n_baseline = (int)baseline(rule, history, n, base);
    if (v->n_baseline < rule->min_runs || !isfinite(value)) {
        v->outcome = REGRESS_NOT_ENOUGH;
        snprintf(v->why, sizeof v->why, "%s: not enough history (%d of %d "
                 "runs)%s", name, v->n_baseline, rule->min_runs,
                 isfinite(value) ? "" : "; this run has no figure");
        free(base);
        return;
    }
    regress_median_spread(base, (size_t)v->n_baseline, &v->median,
                          &v->spread);
    free(base);
    if (v->median != 0)
        v->change_pct = 100 * (value - v->median) / fabs(v->median);
    else
        v->change_pct = value == 0 ? 0 : copysign(INFINITY, value);
    /* How many spreads count: a one-sided prediction bound for one new
     * run from n earlier ones (Student's t with n - 1 degrees of
     * freedom, widened by sqrt(1 + 1/n)), never fewer than spread_k.  Ten
     * runs pin their spread down poorly: a plain 3 spreads failed 1 to 2
     * nights in 100 on noise alone. */
    k = fmax(rule->spread_k,
             gsl_cdf_tdist_Pinv(rule->confidence, v->n_baseline - 1)
                 * sqrt(1 + 1.0 / v->n_baseline));
    spread_pct = v->median != 0 ? 100 * k * v->spread / fabs(v->median)
                                : (v->spread > 0 ? INFINITY : 0);
    v->limit_pct = fmax(rule->threshold_pct, spread_pct);
    worse_pct = better == REGRESS_HIGHER_IS_BETTER ? -v->change_pct
                                                   : v->change_pct;
    v->outcome = worse_pct > v->limit_pct    ? REGRESS_WORSE
                 : -worse_pct > v->limit_pct ? REGRESS_BETTER
                                             : REGRESS_SAME;
    snprintf(v->why, sizeof v->why, "%s %g is %+.1f %% against the baseline "
             "median %g (spread %g, %d runs); more than %.1f %% %s counts: "
             "%s", name, value, v->change_pct, v->median, v->spread,
             v->n_baseline, v->limit_pct,
             better == REGRESS_HIGHER_IS_BETTER ? "lower" : "higher",
             regress_outcome_to_text(v->outcome));
}
