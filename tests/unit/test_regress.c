/* The regression rule on synthetic series: noise never fails, a step
 * does, an acknowledged step restarts the baseline, too little history
 * passes and says so, and each metric's direction is respected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/regress.h"

/* splitmix64: a seeded uniform in [0, 1). */
static double uniform(uint64_t *seed)
{
    uint64_t z = (*seed += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (double)((z ^ (z >> 31)) >> 11) / (double)(1ULL << 53);
}

/* 'n' passing runs around 'level' with noise of standard deviation
 * 'noise' (a ratio): the sum of three uniforms, near enough to normal. */
static void series(struct regress_run *h, size_t n, double level,
                   double noise, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        double u = uniform(&seed) + uniform(&seed) + uniform(&seed) - 1.5;
        h[i] = (struct regress_run){ .value = level * (1 + noise * 2 * u),
                                     .passed = true };
    }
}

static struct regress_rule rule(void)
{
    struct regress_rule r;

    regress_rule_defaults(&r);
    return r;
}

/* 200 nightly runs of steady noise (2 % standard deviation: a run in
 * twenty is beyond the 5 % threshold): none is called a regression. */
static void test_regress__steady_noise_never_fails(void **state)
{
    struct regress_rule r = rule();
    struct regress_run h[220];
    struct regress_verdict v;

    series(h, 220, 100000, 0.02, 42);
    for (size_t i = 20; i < 220; i++) {
        regress_judge(&r, "NDR", REGRESS_HIGHER_IS_BETTER, h, i, h[i].value,
                      &v);
        assert_int_not_equal(v.outcome, REGRESS_WORSE);
        assert_int_equal(v.n_baseline, 10);
    }
}

/* Noisier than the threshold (8 %): the spread, not the threshold, sets
 * the limit, and the noise still does not fail. */
static void test_regress__wide_noise_raises_the_limit(void **state)
{
    struct regress_rule r = rule();
    struct regress_run h[120];
    struct regress_verdict v;

    series(h, 120, 100000, 0.08, 7);
    for (size_t i = 20; i < 120; i++) {
        regress_judge(&r, "PDR", REGRESS_HIGHER_IS_BETTER, h, i, h[i].value,
                      &v);
        assert_int_not_equal(v.outcome, REGRESS_WORSE);
        assert_true(v.limit_pct > r.threshold_pct);
    }
}

static void test_regress__a_20_percent_step_fails(void **state)
{
    struct regress_rule r = rule();
    struct regress_run h[12];
    struct regress_verdict v;

    series(h, 12, 100000, 0.01, 3);
    regress_judge(&r, "NDR", REGRESS_HIGHER_IS_BETTER, h, 12, 80000, &v);
    assert_int_equal(v.outcome, REGRESS_WORSE);
    assert_true(fabs(v.change_pct + 20) < 2.5);
    assert_true(v.median > 98000 && v.median < 102000);
    assert_non_null(strstr(v.why, "NDR 80000 is -"));
    assert_non_null(strstr(v.why, "regressed"));
    /* Up 20 %: an improvement, said, not a failure. */
    regress_judge(&r, "NDR", REGRESS_HIGHER_IS_BETTER, h, 12, 120000, &v);
    assert_int_equal(v.outcome, REGRESS_BETTER);
}

/* Lower is better for latency and memory: up is the regression. */
static void test_regress__directions(void **state)
{
    struct regress_rule r = rule();
    struct regress_run h[12];
    struct regress_verdict v;

    series(h, 12, 200, 0.01, 9);
    regress_judge(&r, "p99_us", REGRESS_LOWER_IS_BETTER, h, 12, 400, &v);
    assert_int_equal(v.outcome, REGRESS_WORSE);
    regress_judge(&r, "p99_us", REGRESS_LOWER_IS_BETTER, h, 12, 100, &v);
    assert_int_equal(v.outcome, REGRESS_BETTER);
    regress_judge(&r, "p99_us", REGRESS_LOWER_IS_BETTER, h, 12, 203, &v);
    assert_int_equal(v.outcome, REGRESS_SAME);
}

/* A known step acknowledged: the baseline starts there, so the lower
 * level is the norm and no longer a regression. */
static void test_regress__ack_restarts_the_baseline(void **state)
{
    struct regress_rule r = rule();
    struct regress_run h[18];
    struct regress_verdict v;

    series(h, 10, 100000, 0.01, 5);
    series(h + 10, 8, 80000, 0.01, 6);
    regress_judge(&r, "NDR", REGRESS_HIGHER_IS_BETTER, h, 18, 80000, &v);
    assert_int_equal(v.outcome, REGRESS_SAME);  /* 8 of 10 are at 80k */
    regress_judge(&r, "NDR", REGRESS_HIGHER_IS_BETTER, h, 12, 80000, &v);
    assert_int_equal(v.outcome, REGRESS_WORSE); /* 8 of 10 still at 100k */
    h[10].acked = true;
    regress_judge(&r, "NDR", REGRESS_HIGHER_IS_BETTER, h, 12, 80000, &v);
    assert_int_equal(v.outcome, REGRESS_NOT_ENOUGH);
    assert_int_equal(v.n_baseline, 2);
    regress_judge(&r, "NDR", REGRESS_HIGHER_IS_BETTER, h, 16, 80000, &v);
    assert_int_equal(v.outcome, REGRESS_SAME);
    assert_int_equal(v.n_baseline, 6);
    assert_true(v.median < 82000);
}

/* Fewer than REGRESSION_MIN_RUNS passing runs: passes, and says so; failed
 * runs and runs without the figure make no baseline. */
static void test_regress__not_enough_history(void **state)
{
    struct regress_rule r = rule();
    struct regress_run h[8];
    struct regress_verdict v;

    series(h, 8, 100000, 0.005, 1);
    h[1].passed = h[3].passed = false;
    h[5].value = NAN;
    h[6].passed = false;
    regress_judge(&r, "NDR", REGRESS_HIGHER_IS_BETTER, h, 8, 10, &v);
    assert_int_equal(v.outcome, REGRESS_NOT_ENOUGH);
    assert_int_equal(v.n_baseline, 4);
    assert_string_equal(v.why, "NDR: not enough history (4 of 5 runs)");
    regress_judge(&r, "NDR", REGRESS_HIGHER_IS_BETTER, h, 0, 10, &v);
    assert_string_equal(v.why, "NDR: not enough history (0 of 5 runs)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regress__steady_noise_never_fails),
        cmocka_unit_test(test_regress__wide_noise_raises_the_limit),
        cmocka_unit_test(test_regress__a_20_percent_step_fails),
        cmocka_unit_test(test_regress__directions),
        cmocka_unit_test(test_regress__ack_restarts_the_baseline),
        cmocka_unit_test(test_regress__not_enough_history),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
