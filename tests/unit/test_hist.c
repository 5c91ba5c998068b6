/* The latency histogram against sorted data, and the pacing schedule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "lib/hist.h"
#include "lib/pace.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The exact percentile of sorted data: the smallest value with at least
 * p % of the data at or below it. */
static uint64_t exact(const uint64_t *sorted, size_t n, double p)
{
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    return sorted[(rank ? rank : 1) - 1];
}

static void test_hist__percentiles_within_one_percent(void **state)
{
    static const double ps[] = { 1, 10, 50, 90, 99, 99.9, 100 };
    enum { N = 200000 };
    uint64_t *v = malloc(N * sizeof *v);
    struct hist *h = malloc(sizeof *h);
    (void)state;

    hist_init(h);
    srand(42);
    for (size_t i = 0; i < N; i++) {
        /* Log-uniform from 1 us to 10 s: every decade of the range. */
        double e = 3.0 + 7.0 * rand() / (double)RAND_MAX;
        v[i] = (uint64_t)pow(10, e);
        hist_record(h, v[i]);
    }
    qsort(v, N, sizeof *v, cmp_u64);
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        double want = (double)exact(v, N, ps[i]);
        double got = (double)hist_percentile(h, ps[i]);
        assert_true(fabs(got - want) / want <= 0.01);
    }
    assert_int_equal(h->min, v[0]);
    assert_int_equal(h->max, v[N - 1]);
    assert_int_equal(h->count, N);
    free(v);
    free(h);
}

static void test_hist__small_and_edge_values(void **state)
{
    struct hist h;
    (void)state;

    hist_init(&h);
    assert_int_equal(hist_percentile(&h, 50), 0);
    for (uint64_t i = 1; i <= 100; i++)
        hist_record(&h, i);
    assert_int_equal(hist_percentile(&h, 50), 50);      /* exact < 256 */
    assert_int_equal(hist_percentile(&h, 99), 99);
    assert_int_equal(hist_percentile(&h, 100), 100);
    assert_true(fabs(hist_mean(&h) - 50.5) < 1e-9);
    hist_record(&h, UINT64_C(1) << 40);                 /* clamped bucket */
    assert_int_equal(hist_percentile(&h, 100), UINT64_C(1) << 40);

    struct hist a, b;
    hist_init(&a);
    hist_init(&b);
    hist_record(&a, 1000);
    hist_record(&b, 3000);
    hist_merge(&a, &b);
    assert_int_equal(a.count, 2);
    assert_int_equal(a.min, 1000);
    assert_int_equal(a.max, 3000);
}

static void test_pace__schedule_has_no_drift(void **state)
{
    struct pace p;
    (void)state;

    pace_init(&p, 3.0, 1000);            /* 333333333.3 ns apart */
    assert_int_equal(pace_due(&p, 0), 1000);
    assert_int_equal(pace_due(&p, 1), 1000 + 333333333);
    assert_int_equal(pace_due(&p, 3), 1000 + 1000000000);
    /* A million packets at 1 Mpps end exactly one second later. */
    pace_init(&p, 1e6, 0);
    assert_int_equal(pace_due(&p, 1000000), 1000000000);
    pace_init(&p, 7e5, 0);
    assert_int_equal(pace_due(&p, 7000000), 10000000000ULL);
}

static void test_pace__wait_reaches_the_deadline(void **state)
{
    (void)state;
    uint64_t due = pace_now_ns() + 2000000;
    uint64_t got = pace_wait(due);
    assert_true(got >= due);
    got = pace_wait(due - 1000);                       /* already past */
    assert_true(got >= due);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hist__percentiles_within_one_percent),
        cmocka_unit_test(test_hist__small_and_edge_values),
        cmocka_unit_test(test_pace__schedule_has_no_drift),
        cmocka_unit_test(test_pace__wait_reaches_the_deadline),
    };
    return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}
