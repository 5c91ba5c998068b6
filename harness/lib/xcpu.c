#include "lib/xcpu.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cpus.h"
#include "lib/pace.h"
#include "lib/util.h"

/* The line the two threads bounce, alone in its cache line so that
 * nothing else rides along; the flags live in another. */
struct bounce {
    _Alignas(64) uint64_t line;     /* even: the ping's turn; odd: pong's */
    _Alignas(64) int ready;         /* pong: 1 running, -1 cannot pin */
    int stop;
    int owners;                     /* the caller and the pong: the last
                                       to let go frees it */
    int cpu_a, cpu_b;
    int ping_rc, pong_rc;
    double best_ns;
};

/* The caller does not wait for the pong to end: on a CPU taken by a
 * real-time thread (a SUT polling at such a priority) it may not run
 * again for long, and the probe must not stall the run.  So the bounce
 * is on the heap, and whichever of the two lets go last frees it. */
static void let_go(struct bounce *b)
{
    if (__atomic_sub_fetch(&b->owners, 1, __ATOMIC_ACQ_REL) == 0)
        free(b);
}

static void *pong(void *arg)
{
    struct bounce *b = arg;

    if ((b->pong_rc = cpus_pin_self_to(b->cpu_b))) {
        __atomic_store_n(&b->ready, -1, __ATOMIC_RELEASE);
        let_go(b);
        return NULL;
    }
    __atomic_store_n(&b->ready, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE)) {
        uint64_t v = __atomic_load_n(&b->line, __ATOMIC_ACQUIRE);
        if (v & 1)
            __atomic_store_n(&b->line, v + 1, __ATOMIC_RELEASE);
    }
    let_go(b);
    return NULL;
}

/* Waits for the pong to run.  0, its pinning error, or -ETIMEDOUT. */
static int await_pong(struct bounce *b)
{
    uint64_t start = pace_now_ns();
    int ready;

    while (!(ready = __atomic_load_n(&b->ready, __ATOMIC_ACQUIRE)))
        if (pace_now_ns() - start > XCPU_WAIT_NS)
            return -ETIMEDOUT;
    return ready < 0 ? b->pong_rc : 0;
}

/* Waits while the line holds 'v'; false when XCPU_WAIT_NS passed since
 * 't0' first. */
static bool await_change(struct bounce *b, uint64_t v, uint64_t t0)
{
    unsigned spins = 0;

    while (__atomic_load_n(&b->line, __ATOMIC_ACQUIRE) == v)
        /* The clock is read rarely: it costs more than a trip. */
        if (!(++spins & 1023) && pace_now_ns() - t0 > XCPU_WAIT_NS)
            return false;
    return true;
}

/* One batch of XCPU_TRIPS round trips: its mean in ns, or -1 when the
 * pong did not answer within XCPU_WAIT_NS.  Only the ping makes the line
 * odd and only the pong even again, so a batch starts once an answer
 * that came late (after a batch gave up) is in. */
static double batch(struct bounce *b)
{
    uint64_t t0 = pace_now_ns(), v = __atomic_load_n(&b->line,
                                                       __ATOMIC_ACQUIRE);

    if ((v & 1) && !await_change(b, v, t0))
        return -1;
    t0 = pace_now_ns();
    for (int k = 0; k < XCPU_TRIPS; k++) {
        v = __atomic_load_n(&b->line, __ATOMIC_ACQUIRE) + 1;
        __atomic_store_n(&b->line, v, __ATOMIC_RELEASE);
        if (!await_change(b, v, t0))
            return -1;
    }
    return (double)(pace_now_ns() - t0) / XCPU_TRIPS;
}

static void *ping(void *arg)
{
    struct bounce *b = arg;

    b->best_ns = INFINITY;
    if ((b->ping_rc = cpus_pin_self_to(b->cpu_a))
        || (b->ping_rc = await_pong(b)))
        goto out;
    /* A batch the pong was scheduled out of for long (its CPU busy) is
     * dropped, not the probe: the next one may well go through. */
    for (int i = 0; i < XCPU_BATCHES; i++) {
        double ns = batch(b);
        if (ns >= 0 && ns < b->best_ns)
            b->best_ns = ns;
    }
    if (!isfinite(b->best_ns))
        b->ping_rc = -ETIMEDOUT;
out:
    __atomic_store_n(&b->stop, 1, __ATOMIC_RELEASE);
    return NULL;
}

int xcpu_round_trip(int cpu_a, int cpu_b, double *ns)
{
    struct bounce *b;
    pthread_t tp, tq;
    int e, rc;

    if (cpu_a == cpu_b || cpu_a < 0 || cpu_b < 0 || cpu_a >= CPU_SETSIZE
        || cpu_b >= CPU_SETSIZE)
        return -EINVAL;
    b = xcalloc(1, sizeof *b);
    b->cpu_a = cpu_a;
    b->cpu_b = cpu_b;
    b->owners = 2;
    if ((e = pthread_create(&tq, NULL, pong, b))) {
        free(b);
        return -e;
    }
    pthread_detach(tq);
    if ((e = pthread_create(&tp, NULL, ping, b))) {
        __atomic_store_n(&b->stop, 1, __ATOMIC_RELEASE);
        let_go(b);
        return -e;
    }
    pthread_join(tp, NULL);         /* ping set 'stop' */
    rc = b->ping_rc;
    if (!rc)
        *ns = b->best_ns;
    let_go(b);
    return rc;
}
