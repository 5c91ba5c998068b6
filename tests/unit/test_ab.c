/* The A/B statistics on synthetic samples: two sides drawn from one
 * distribution are "no significant difference" in at least 95 % of seeded
 * trials (the interval's promise), a 20 % shift is found with the right
 * sign in each metric direction and fails the gate only when B is the
 * worse side, and the edges (too few rounds, no spread, A's mean 0, NaN
 * figures) say what they are. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "report/ab.h"

#define TRIALS 4000

/* splitmix64: a seeded uniform in (0, 1). */
static double uniform(uint64_t *seed)
{
    uint64_t z = (*seed += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return ((double)((z ^ (z >> 31)) >> 11) + 0.5) / (double)(1ULL << 53);
}

/* 'n' figures, normal around 'level' with standard deviation 'sd'
 * (Box-Muller). */
static void sample(double *v, size_t n, double level, double sd,
                   uint64_t *seed)
{
    for (size_t i = 0; i < n; i++) {
        double u1 = uniform(seed), u2 = uniform(seed);
        v[i] = level + sd * sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
    }
}

/* Out of TRIALS seeded A/Bs of 'n' rounds, how many had each outcome and
 * how many failed the gate (5 %). */
static void trials(size_t n, double a_level, double b_level, double sd,
                   enum regress_better better, int counts[4], int *gated)
{
    uint64_t seed = 20240917;
    double a[16], b[16];
    struct ab_stat st;

    memset(counts, 0, 4 * sizeof *counts);
    *gated = 0;
    for (int t = 0; t < TRIALS; t++) {
        sample(a, n, a_level, sd, &seed);
        sample(b, n, b_level, sd, &seed);
        ab_compare(a, n, b, n, better, "pps", 5, 0, &st);
        counts[st.outcome]++;
        *gated += st.gate_failed;
    }
}

static void test_ab__identical_sides_are_the_same(void **state)
{
    static const size_t rounds[] = { 2, 3, 5, 10 };
    int counts[4], gated;

    for (size_t i = 0; i < sizeof rounds / sizeof *rounds; i++) {
        trials(rounds[i], 100000, 100000, 5000, REGRESS_HIGHER_IS_BETTER,
               counts, &gated);
        print_message("%zu rounds: %d of %d the same, %d better, %d worse, "
                      "%d gated\n", rounds[i], counts[AB_SAME], TRIALS,
                      counts[AB_B_BETTER], counts[AB_B_WORSE], gated);
        assert_true(counts[AB_SAME] >= TRIALS * 95 / 100);
        assert_int_equal(counts[AB_TOO_FEW], 0);
        /* Worse by more than 5 % for sure, on noise of 5 %: hardly ever. */
        assert_true(gated <= TRIALS / 100);
    }
}

/* NDR 20 % lower on B (higher is better): B slower, gated. */
static void test_ab__a_drop_of_throughput_is_found(void **state)
{
    int counts[4], gated;

    trials(5, 100000, 80000, 3000, REGRESS_HIGHER_IS_BETTER, counts, &gated);
    assert_true(counts[AB_B_WORSE] >= TRIALS * 99 / 100);
    assert_int_equal(counts[AB_B_BETTER], 0);
    assert_true(gated >= TRIALS * 95 / 100);
    trials(5, 100000, 120000, 3000, REGRESS_HIGHER_IS_BETTER, counts, &gated);
    assert_true(counts[AB_B_BETTER] >= TRIALS * 99 / 100);
    assert_int_equal(counts[AB_B_WORSE], 0);
    assert_int_equal(gated, 0);
}

/* Latency 20 % higher on B (lower is better): B slower, gated; 20 %
 * lower: B faster, never gated. */
static void test_ab__direction_of_latency_is_respected(void **state)
{
    int counts[4], gated;

    trials(5, 100, 120, 3, REGRESS_LOWER_IS_BETTER, counts, &gated);
    assert_true(counts[AB_B_WORSE] >= TRIALS * 99 / 100);
    assert_true(gated >= TRIALS * 95 / 100);
    trials(5, 100, 80, 3, REGRESS_LOWER_IS_BETTER, counts, &gated);
    assert_true(counts[AB_B_BETTER] >= TRIALS * 99 / 100);
    assert_int_equal(gated, 0);
}

static void test_ab__figures_and_words(void **state)
{
    const double a[] = { 100, 102, 98, NAN }, b[] = { 50, 51, 49 };
    struct ab_stat st;

    ab_compare(a, 4, b, 3, REGRESS_HIGHER_IS_BETTER, "pps", 5, 0, &st);
    assert_int_equal(st.a.n, 3);
    assert_true(st.a.median == 100 && st.a.min == 98 && st.a.max == 102);
    assert_true(fabs(st.change_pct + 50) < 1e-9);
    assert_true(st.ci_low_pct < -50 && st.ci_high_pct > -50
                && st.ci_high_pct < -40);
    assert_int_equal(st.outcome, AB_B_WORSE);
    assert_true(st.gate_failed);
    assert_non_null(strstr(st.text, "B slower by 50.0 %"));

    ab_compare(b, 3, a, 3, REGRESS_LOWER_IS_BETTER, "MiB", 5, 0, &st);
    assert_int_equal(st.outcome, AB_B_WORSE);
    assert_non_null(strstr(st.text, "B worse by 100.0 %"));
}

/* The gate wants the whole interval beyond the threshold: a point
 * estimate beyond it whose interval holds 0 fails nothing, nor does a
 * significant worsening whose interval reaches inside the threshold. */
static void test_ab__gate_needs_the_whole_interval(void **state)
{
    const double a[] = { 100, 110, 90 }, b[] = { 92, 100, 84 };
    const double a2[] = { 100, 101, 99 }, b2[] = { 97, 98, 96 };
    struct ab_stat st;

    ab_compare(a, 3, b, 3, REGRESS_HIGHER_IS_BETTER, "pps", 5, 0, &st);
    assert_true(st.change_pct < -5);
    assert_int_equal(st.outcome, AB_SAME);
    assert_false(st.gate_failed);
    ab_compare(a2, 3, b2, 3, REGRESS_HIGHER_IS_BETTER, "pps", 5, 0, &st);
    assert_int_equal(st.outcome, AB_B_WORSE);
    assert_true(st.ci_high_pct > -5);
    assert_false(st.gate_failed);
    ab_compare(a2, 3, b2, 3, REGRESS_HIGHER_IS_BETTER, "pps", 0, 0, &st);
    assert_true(st.gate_failed);
}

static void test_ab__edges(void **state)
{
    const double one[] = { 100 }, two[] = { 100, 100 }, three[] = { 90, 90 };
    const double zero[] = { 0, 0, 0 }, nan2[] = { NAN, 100, NAN };
    struct ab_stat st;

    ab_compare(one, 1, two, 2, REGRESS_HIGHER_IS_BETTER, "pps", 5, 0, &st);
    assert_int_equal(st.outcome, AB_TOO_FEW);
    assert_true(isnan(st.change_pct));
    assert_non_null(strstr(st.text, "too few rounds (A 1, B 2)"));
    ab_compare(two, 2, nan2, 3, REGRESS_HIGHER_IS_BETTER, "pps", 5, 0, &st);
    assert_int_equal(st.outcome, AB_TOO_FEW);
    ab_compare(zero, 3, two, 2, REGRESS_LOWER_IS_BETTER, "MiB/h", 5, 0, &st);
    assert_int_equal(st.outcome, AB_TOO_FEW);
    assert_non_null(strstr(st.text, "A's mean is 0"));
    /* No spread on either side: the difference is what it is. */
    ab_compare(two, 2, two, 2, REGRESS_HIGHER_IS_BETTER, "pps", 5, 0, &st);
    assert_int_equal(st.outcome, AB_SAME);
    assert_true(st.change_pct == 0 && st.ci_low_pct == 0);
    ab_compare(two, 2, three, 2, REGRESS_HIGHER_IS_BETTER, "pps", 5, 0, &st);
    assert_int_equal(st.outcome, AB_B_WORSE);
    assert_true(st.gate_failed);
    assert_string_equal(ab_outcome_to_text(AB_SAME),
                        "no significant difference");
}

/* Search figures known within 1 % (their bounds) that repeat exactly on
 * each side: a 0.3 % difference is inside what they can tell apart, so
 * no verdict, with 3 rounds or 10; a 10 % one still is a verdict and
 * fails the gate.  Without a resolution the same 0.3 % was "B slower",
 * on an interval of width 0. */
static void test_ab__resolution_widens_exact_figures(void **state)
{
    const double a[] = { 300000, 300000, 300000 };
    const double b[] = { 299100, 299100, 299100 };
    const double c[] = { 270000, 270000, 270000 };
    struct ab_stat st;

    ab_compare(a, 3, b, 3, REGRESS_HIGHER_IS_BETTER, "pps", 5, 0, &st);
    assert_int_equal(st.outcome, AB_B_WORSE);
    assert_true(st.ci_low_pct == st.ci_high_pct);
    ab_compare(a, 3, b, 3, REGRESS_HIGHER_IS_BETTER, "pps", 5, 1, &st);
    assert_int_equal(st.outcome, AB_SAME);
    assert_true(st.ci_low_pct < -0.3 && st.ci_high_pct > 0);
    assert_true(st.ci_high_pct - st.ci_low_pct < 3);
    ab_compare(a, 3, c, 3, REGRESS_HIGHER_IS_BETTER, "pps", 5, 1, &st);
    assert_int_equal(st.outcome, AB_B_WORSE);
    assert_true(st.gate_failed);
    /* More rounds of the same bounds tell no finer: still no verdict. */
    const double a10[] = { 300000, 300000, 300000, 300000, 300000, 300000,
                           300000, 300000, 300000, 300000 };
    const double b10[] = { 299100, 299100, 299100, 299100, 299100, 299100,
                           299100, 299100, 299100, 299100 };
    ab_compare(a10, 10, b10, 10, REGRESS_HIGHER_IS_BETTER, "pps", 5, 1, &st);
    assert_int_equal(st.outcome, AB_SAME);
    /* Noisier than the resolution: the figures' own spread decides. */
    const double n1[] = { 100, 110, 90 }, n2[] = { 100, 111, 89 };
    struct ab_stat wide;
    ab_compare(n1, 3, n2, 3, REGRESS_HIGHER_IS_BETTER, "pps", 5, 0, &st);
    ab_compare(n1, 3, n2, 3, REGRESS_HIGHER_IS_BETTER, "pps", 5, 1, &wide);
    assert_true(st.ci_low_pct == wide.ci_low_pct
                && st.ci_high_pct == wide.ci_high_pct);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ab__identical_sides_are_the_same),
        cmocka_unit_test(test_ab__a_drop_of_throughput_is_found),
        cmocka_unit_test(test_ab__direction_of_latency_is_respected),
        cmocka_unit_test(test_ab__figures_and_words),
        cmocka_unit_test(test_ab__gate_needs_the_whole_interval),
        cmocka_unit_test(test_ab__edges),
        cmocka_unit_test(test_ab__resolution_widens_exact_figures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
