/* Metrics (collectors/metric.c): counter wrap, and names that fit an RRD
 * data source, a set that grows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "collectors/collector.h"

static void test_metric__counter_wrap(void **state)
{
    assert_int_equal(counter_delta(10, 15), 5);
    assert_int_equal(counter_delta(7, 7), 0);
    /* A 32-bit counter wraps at 2^32. */
    assert_int_equal(counter_delta(UINT32_MAX - 2, 4), 7);
    /* A 64-bit one at 2^64. */
    assert_int_equal(counter_delta(UINT64_MAX - 1, 3), 5);
    assert_int_equal(counter_delta((uint64_t)UINT32_MAX + 10, 20),
                     UINT64_MAX - ((uint64_t)UINT32_MAX + 10) + 1 + 20);
}

static void test_metric__names_fit_rrd(void **state)
{
    struct metric_set ms = { 0 };

    metric_set_add(&ms, METRIC_GAUGE, "heap used-%s", "G1 Old.Gen");
    metric_set_add(&ms, METRIC_COUNTER, "ok_name_1");
    assert_int_equal(ms.n, 2);
    assert_string_equal(ms.m[0].name, "heap_used_G1_Old_Ge");
    assert_int_equal(strlen(ms.m[0].name), 19);
    assert_int_equal(ms.m[0].kind, METRIC_GAUGE);
    assert_string_equal(ms.m[1].name, "ok_name_1");
    assert_int_equal(ms.m[1].kind, METRIC_COUNTER);
    metric_set_release(&ms);
}

/* The set grows past its first allocation and keeps what it had. */
static void test_metric__set_grows(void **state)
{
    struct metric_set ms = { 0 };
    char name[METRIC_NAME_MAX];

    for (int i = 0; i < 40; i++)
        metric_set_add(&ms, i % 2 ? METRIC_COUNTER : METRIC_GAUGE, "m%d", i);
    assert_int_equal(ms.n, 40);
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "m%d", i);
        assert_string_equal(ms.m[i].name, name);
        assert_int_equal(ms.m[i].kind, i % 2 ? METRIC_COUNTER : METRIC_GAUGE);
        assert_string_equal(metric_label(&ms.m[i]), name);
    }
    metric_set_release(&ms);
    assert_null(ms.m);
    assert_int_equal(ms.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metric__counter_wrap),
        cmocka_unit_test(test_metric__names_fit_rrd),
        cmocka_unit_test(test_metric__set_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
