/* Pacing on an absolute schedule: packet i is due at t0 + i / rate, so an
 * early or late packet never shifts the ones after it (no drift).  Long
 * gaps sleep with clock_nanosleep(TIMER_ABSTIME); the last microseconds
 * spin, because a sleeping thread wakes up tens of microseconds late. */
#ifndef PT_PACE_H
#define PT_PACE_H

#include <stdint.h>

/* Below this much time left, spin instead of sleeping. */
#define PACE_SPIN_NS 60000

struct pace {
    uint64_t t0;            /* CLOCK_MONOTONIC ns of packet 0 */
    double gap_ns;          /* 1e9 / rate */
};

uint64_t pace_now_ns(void);
void pace_init(struct pace *p, double rate, uint64_t t0);
/* When packet 'i' is due. */
static inline uint64_t pace_due(const struct pace *p, uint64_t i)
{
    return p->t0 + (uint64_t)((double)i * p->gap_ns + 0.5);
}
/* Waits until 'due'; returns the time it got to (>= due). */
uint64_t pace_wait(uint64_t due);

#endif
