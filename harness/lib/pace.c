#include "lib/pace.h"

#include <sys/prctl.h>
#include <time.h>

uint64_t pace_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void pace_init(struct pace *p, double rate, uint64_t t0)
{
    p->t0 = t0;
    p->gap_ns = 1e9 / rate;
    /* A sleeping thread wakes up to its timer slack late (50 us by
     * default): more than the spin covers.  The pacing thread needs 1 ns. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
}

uint64_t pace_wait(uint64_t due)
{
    uint64_t now = pace_now_ns();

    if (now + PACE_SPIN_NS < due) {
        uint64_t wake = due - PACE_SPIN_NS;
        struct timespec ts = { (time_t)(wake / 1000000000u),
                               (long)(wake % 1000000000u) };
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        now = pace_now_ns();
    }
    while (now < due)
        now = pace_now_ns();
    return now;
}
