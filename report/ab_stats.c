/* The A/B statistics of one metric (ab.h): each side's median and spread,
 * B's change against A in %, its confidence interval, the verdict and the
 * per-patch gate.  Pure, so that test_ab checks them on seeded samples.
 *
 * Why Welch's t-interval and not a bootstrap: an A/B has 2 to 10 rounds a
 * side, and a bootstrap of so few figures has fewer distinct resamples
 * than it needs and an interval that is too narrow (it covers well under
 * 95 %); the t-interval is exact for normal noise and errs wide with
 * fewer degrees of freedom, which is the side a gate must err on. */
#include "report/ab.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ab_outcome_to_text(enum ab_outcome o)
{
    switch (o) {
    case AB_TOO_FEW:  return "too few rounds";
    case AB_SAME:     return "no significant difference";
    case AB_B_BETTER: return "B better";
    case AB_B_WORSE:  return "B worse";
    }
    return "?";
}

/* The finite figures of 'v' into 'out' (as many); how many. */
static size_t keep_finite(const double *v, size_t n, double *out)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]))
            out[k++] = v[i];
    return k;
}

static void describe(const double *v, size_t n, struct ab_side *s)
{
    double *w = xcalloc(n ? n : 1, sizeof *w);

    memset(s, 0, sizeof *s);
    s->n = keep_finite(v, n, w);
    s->median = s->spread = s->mean = s->sd = s->min = s->max = NAN;
    if (s->n) {
        s->mean = gsl_stats_mean(w, 1, s->n);
        s->sd = s->n > 1 ? gsl_stats_sd_m(w, 1, s->n, s->mean) : NAN;
        regress_median_spread(w, s->n, &s->median, &s->spread);
        s->min = w[0];              /* sorted by regress_median_spread */
        s->max = w[s->n - 1];
    }
    free(w);
}

/* The variance of a side's mean: its figures' own, over their count,
 * but at least that of a uniform error over 'resolution_pct' of the mean
 * (the width squared over 12), not divided by the count: a search that
 * lands on the same bounds every round errs the same way every round, so
 * more rounds do not average it away. */
static double mean_variance(const struct ab_side *s, double resolution_pct)
{
    double w = resolution_pct / 100 * fabs(s->mean);
    double v = s->sd * s->sd / (double)s->n, floor = w * w / 12;

    return v > floor ? v : floor;
}

/* Welch's interval of mean(b) - mean(a), as a percentage of |mean(a)|. */
static void welch(struct ab_stat *st, double resolution_pct)
{
    double va = mean_variance(&st->a, resolution_pct);
    double vb = mean_variance(&st->b, resolution_pct);
    double se = sqrt(va + vb), diff = st->b.mean - st->a.mean, half = 0;
    double scale = 100 / fabs(st->a.mean);

    if (se > 0) {
        /* A side of variance 0 (no spread and no resolution) has none
         * to estimate: it adds no uncertainty and no degrees of freedom. */
        st->df = (va + vb) * (va + vb)
                 / ((va > 0 ? va * va / (double)(st->a.n - 1) : 0)
                    + (vb > 0 ? vb * vb / (double)(st->b.n - 1) : 0));
        half = gsl_cdf_tdist_Pinv(1 - (1 - AB_CONFIDENCE) / 2, st->df) * se;
    } else {
        st->df = (double)(st->a.n + st->b.n - 2);
    }
    st->change_pct = diff * scale;
    st->ci_low_pct = (diff - half) * scale;
    st->ci_high_pct = (diff + half) * scale;
}

void ab_compare(const double *a, size_t na, const double *b, size_t nb,
                enum regress_better better, const char *unit,
                double threshold_pct, double resolution_pct,
                struct ab_stat *st)
{
    bool memory = unit && !strncmp(unit, "MiB", 3);
    double worse_near;      /* the interval's bound nearest to "same",
                               as a worsening in % */

    memset(st, 0, sizeof *st);
    describe(a, na, &st->a);
    describe(b, nb, &st->b);
    st->change_pct = st->ci_low_pct = st->ci_high_pct = st->df = NAN;
    if (st->a.n < 2 || st->b.n < 2 || st->a.mean == 0) {
        st->outcome = AB_TOO_FEW;
        if (st->a.n >= 2 && st->b.n >= 2)
            snprintf(st->text, sizeof st->text, "no change in %%: A's mean "
                     "is 0");
        else
            snprintf(st->text, sizeof st->text, "too few rounds (A %zu, B "
                     "%zu): at least 2 a side", st->a.n, st->b.n);
        return;
    }
    welch(st, resolution_pct > 0 ? resolution_pct : 0);   /* NaN: 0 */
    if (better == REGRESS_HIGHER_IS_BETTER) {
        st->outcome = st->ci_low_pct > 0    ? AB_B_BETTER
                      : st->ci_high_pct < 0 ? AB_B_WORSE
                                            : AB_SAME;
        worse_near = -st->ci_high_pct;
    } else {
        st->outcome = st->ci_high_pct < 0  ? AB_B_BETTER
                      : st->ci_low_pct > 0 ? AB_B_WORSE
                                           : AB_SAME;
        worse_near = st->ci_low_pct;
    }
    st->gate_failed = st->outcome == AB_B_WORSE && worse_near > threshold_pct;
    if (st->outcome == AB_SAME)
        snprintf(st->text, sizeof st->text, "no significant difference "
                 "(%+.1f %%, %.0f %% CI %+.1f .. %+.1f %%)", st->change_pct,
                 100 * AB_CONFIDENCE, st->ci_low_pct, st->ci_high_pct);
    else
        snprintf(st->text, sizeof st->text, "B %s by %.1f %% (%.0f %% CI "
                 "%+.1f .. %+.1f %%)", st->outcome == AB_B_BETTER
                     ? (memory ? "better" : "faster")
                     : (memory ? "worse" : "slower"),
                 fabs(st->change_pct), 100 * AB_CONFIDENCE, st->ci_low_pct,
                 st->ci_high_pct);
}
