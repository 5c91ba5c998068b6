/* The cross-CPU probe: two CPUs give a round trip no faster than a cache
 * line can move and no slower than the give-up time, also when the
 * partner's CPU is busy with another thread; the caller keeps its
 * affinity; one CPU twice, a CPU out of range and a CPU this machine
 * lacks are errors, never a figure or a hang. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <unistd.h>

#include "lib/xcpu.h"

/* The first two CPUs this process may run on; false with fewer. */
static bool two_cpus(int *a, int *b)
{
    cpu_set_t mine;
    int n = 0;

    assert_int_equal(sched_getaffinity(0, sizeof mine, &mine), 0);
    for (int c = 0; c < CPU_SETSIZE && n < 2; c++)
        if (CPU_ISSET(c, &mine))
            *(n++ ? b : a) = c;
    return n == 2;
}

static void test_xcpu__two_cpus(void **state)
{
    cpu_set_t before, after;
    double ns = -1, again = -1;
    int a, b;

    (void)state;
    if (!two_cpus(&a, &b))
        skip();
    assert_int_equal(sched_getaffinity(0, sizeof before, &before), 0);
    assert_int_equal(xcpu_round_trip(a, b, &ns), 0);
    /* A line cannot cross cores in under a few ns, and a round trip of
     * 100 us would be the scheduler, not the cache (cross-socket is
     * well under 1 us). */
    assert_true(isfinite(ns));
    assert_true(ns > 5 && ns < 100000);
    assert_int_equal(xcpu_round_trip(b, a, &again), 0);
    assert_true(again > 5 && again < 100000);
    assert_int_equal(sched_getaffinity(0, sizeof after, &after), 0);
    assert_true(CPU_EQUAL(&before, &after));
}

struct hog {
    int cpu, stop;
    int spinning;               /* 1 pinned and spinning, -1 not pinned */
};

static void *hog(void *arg)
{
    struct hog *h = arg;
    cpu_set_t one;

    CPU_ZERO(&one);
    CPU_SET(h->cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one)) {
        __atomic_store_n(&h->spinning, -1, __ATOMIC_RELEASE);
        return NULL;
    }
    __atomic_store_n(&h->spinning, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&h->stop, __ATOMIC_RELAXED))
        ;
    return NULL;
}

/* The partner's CPU busy with another thread, as the SUT's is between
 * trials that left a queue: the partner gets its share and the probe
 * still has a figure. */
static void test_xcpu__a_busy_partner_cpu(void **state)
{
    struct hog h;
    pthread_t t;
    double ns = -1;
    int a, b;

    (void)state;
    if (!two_cpus(&a, &b))
        skip();
    h.cpu = b;
    h.stop = h.spinning = 0;
    assert_int_equal(pthread_create(&t, NULL, hog, &h), 0);
    while (!__atomic_load_n(&h.spinning, __ATOMIC_ACQUIRE))
        sched_yield();
    int rc = xcpu_round_trip(a, b, &ns);
    __atomic_store_n(&h.stop, 1, __ATOMIC_RELAXED);
    pthread_join(t, NULL);
    assert_int_equal(h.spinning, 1);
    assert_int_equal(rc, 0);
    assert_true(ns > 5 && ns < 100000);
}

static void test_xcpu__bad_cpus(void **state)
{
    double ns = 42;
    long online = sysconf(_SC_NPROCESSORS_CONF);

    (void)state;
    assert_int_equal(xcpu_round_trip(0, 0, &ns), -EINVAL);
    assert_int_equal(xcpu_round_trip(-1, 0, &ns), -EINVAL);
    assert_int_equal(xcpu_round_trip(0, CPU_SETSIZE, &ns), -EINVAL);
    /* In range but not on this machine: pinning refuses it, on either
     * side, and the probe says so instead of waiting for it. */
    if (online > 0 && online < CPU_SETSIZE - 1) {
        assert_int_equal(xcpu_round_trip(0, CPU_SETSIZE - 1, &ns), -EINVAL);
        assert_int_equal(xcpu_round_trip(CPU_SETSIZE - 1, 0, &ns), -EINVAL);
    }
    assert_true(ns == 42);          /* no figure on an error */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xcpu__two_cpus),
        cmocka_unit_test(test_xcpu__a_busy_partner_cpu),
        cmocka_unit_test(test_xcpu__bad_cpus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
