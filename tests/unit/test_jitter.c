/* The host-stall probe: a CPU shared with another busy thread shows the
 * time it was taken away; an idle one spins the whole time asked; bad
 * CPU sets are errors; the JSON takes the worst CPU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "lib/cpus.h"

static double mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The first CPU this process may run on (a CI container may not have 0). */
static int first_cpu(void)
{
    cpu_set_t mine;

    assert_int_equal(sched_getaffinity(0, sizeof mine, &mine), 0);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &mine))
            return c;
    fail();
    return -1;
}

static void test_jitter__spins_as_long_as_asked(void **state)
{
    struct jitter_cpu out[JITTER_MAX_CPUS];
    cpu_set_t set;
    size_t n = 99;

    (void)state;
    CPU_ZERO(&set);
    CPU_SET(first_cpu(), &set);
    assert_int_equal(jitter_probe(&set, 0.3, out, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(out[0].cpu, first_cpu());
    assert_true(out[0].seconds >= 0.3 && out[0].seconds < 5);
    assert_true(out[0].lost_pct >= 0 && out[0].lost_pct <= 100);
    assert_true(out[0].over_1ms <= out[0].over_100us);
    assert_true(out[0].longest_ms >= 0);
}

struct hog {
    double until;
};

static void *hog(void *arg)
{
    struct hog *h = arg;
    cpu_set_t one;

    CPU_ZERO(&one);
    CPU_SET(first_cpu(), &one);
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
    while (mono() < h->until)
        ;
    return NULL;
}

/* Another thread spinning on the same CPU takes about half of it: the
 * probe must see that as time lost, in gaps the scheduler's slices long. */
static void test_jitter__sees_a_cpu_shared(void **state)
{
    struct jitter_cpu out[JITTER_MAX_CPUS];
    struct hog h = { .until = mono() + 1.5 };
    pthread_t t;
    cpu_set_t set;
    size_t n;

    (void)state;
    assert_int_equal(pthread_create(&t, NULL, hog, &h), 0);
    CPU_ZERO(&set);
    CPU_SET(first_cpu(), &set);
    assert_int_equal(jitter_probe(&set, 1.0, out, &n), 0);
    pthread_join(t, NULL);
    assert_int_equal(n, 1);
    assert_true(out[0].lost_pct > 20);
    assert_true(out[0].over_100us > 0);
    assert_true(out[0].longest_ms > 0.1);
}

static void test_jitter__bad_sets(void **state)
{
    struct jitter_cpu out[JITTER_MAX_CPUS];
    cpu_set_t set;
    size_t n = 99;

    (void)state;
    CPU_ZERO(&set);
    assert_int_equal(jitter_probe(&set, 0.1, out, &n), -EINVAL);
    assert_int_equal(n, 0);
    /* A CPU this host does not have cannot be pinned to. */
    CPU_SET(CPU_SETSIZE - 1, &set);
    assert_true(jitter_probe(&set, 0.1, out, &n) < 0);
}

static void test_jitter__json_takes_the_worst(void **state)
{
    struct jitter_cpu c[2] = {
        { .cpu = 1, .seconds = 2, .over_100us = 40, .over_1ms = 10,
          .longest_ms = 3.5, .lost_pct = 4 },
        { .cpu = 2, .seconds = 2, .over_100us = 9, .over_1ms = 4,
          .longest_ms = 7.25, .lost_pct = 1 },
    };
    json_t *j = jitter_json(c, 2, 2);

    (void)state;
    assert_non_null(j);
    assert_true(json_real_value(json_object_get(j, "over_1ms_per_s")) == 5);
    assert_true(json_real_value(json_object_get(j, "longest_ms")) == 7.25);
    assert_int_equal(json_array_size(json_object_get(j, "cpus")), 2);
    assert_int_equal(json_integer_value(json_object_get(
        json_array_get(json_object_get(j, "cpus"), 1), "over_1ms")), 4);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jitter__spins_as_long_as_asked),
        cmocka_unit_test(test_jitter__sees_a_cpu_shared),
        cmocka_unit_test(test_jitter__bad_sets),
        cmocka_unit_test(test_jitter__json_takes_the_worst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
