/* A/B of two builds (`perftests ab`, README "A/B of two builds"): the
 * statistics of one headline metric measured on both sides in interleaved
 * rounds (ab_stats.c, pure, so that they are tested on synthetic samples),
 * and the A/B report made from the rounds' run directories (ab.c):
 * index.html, summary.json with an "ab" section, junit.xml. */
#ifndef PT_AB_H
#define PT_AB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"
#include "report/regress.h"

/* The confidence of the interval of a difference. */
#define AB_CONFIDENCE 0.95

enum ab_outcome {
    AB_TOO_FEW,         /* fewer than 2 figures on a side, or A's mean is
                           0: no interval, no verdict */
    AB_SAME,            /* the interval holds 0: no significant difference */
    AB_B_BETTER,
    AB_B_WORSE,
};

/* One side's figures of a metric. */
struct ab_side {
    size_t n;
    double median;
    double spread;      /* MAD x 1.4826: a standard deviation for normal
                           noise, robust to one odd round */
    double mean, sd;
    double min, max;
};

struct ab_stat {
    struct ab_side a, b;
    /* B's mean against A's, in % of A's mean, and its AB_CONFIDENCE
     * interval (Welch's t: the two sides' variances may differ, a build
     * that is slower is often noisier too).  NaN when AB_TOO_FEW. */
    double change_pct, ci_low_pct, ci_high_pct;
    double df;          /* Welch-Satterthwaite degrees of freedom */
    enum ab_outcome outcome;
    /* The per-patch gate: B is worse than A by more than the threshold
     * with AB_CONFIDENCE, i.e. the whole interval lies beyond it on the
     * worse side.  A point estimate beyond it is not enough: with the few
     * rounds an A/B has, noise alone would fail patches. */
    bool gate_failed;
    char text[192];     /* "B slower by 49.8 % (95 % CI -50.3 .. -49.3 %)" */
};

/* Compares the figures 'b' (nb of them) with 'a' (na) of one metric whose
 * direction is 'better'; 'threshold_pct' is REGRESSION_THRESHOLD.  NaN
 * figures are left out.  'unit' picks the words: "faster"/"slower", or
 * "better"/"worse" for memory (MiB...).  'resolution_pct' (0: exact) is
 * how finely a figure is known (a search's bounds): the variance of each
 * side's mean is at least that of a uniform error over it, however many
 * rounds, so figures that repeat exactly give an interval as wide as what
 * they can tell apart, never a point.  Fills *st. */
void ab_compare(const double *a, size_t na, const double *b, size_t nb,
                enum regress_better better, const char *unit,
                double threshold_pct, double resolution_pct,
                struct ab_stat *st);
const char *ab_outcome_to_text(enum ab_outcome o);

/* What the A/B report is made from. */
struct ab_input {
    const char *dir;            /* the A/B report directory (exists) */
    const char *topology;
    const char *spec_a, *spec_b;    /* as given, "default" for the default */
    double threshold_pct;       /* REGRESSION_THRESHOLD */
    /* Each run in the order it ran: its directory and side ('A', 'B'). */
    char **runs;
    const char *sides;
    const double *seconds;      /* how long each took */
    size_t n_runs;
    const char *start, *end;    /* ISO 8601 */
};

/* Writes summary.json ({"ab": ...}), junit.xml and index.html into
 * in->dir, and copies the graphs of A's and B's first runs beside them
 * (a/NAME.png, b/NAME.png).  *gate_failed tells whether a metric failed
 * the gate.  0, or -errno with the file in 'err' (what could be written
 * is). */
int ab_report_make(const struct ab_input *in, bool *gate_failed,
                   struct strbuf *err);

#endif
