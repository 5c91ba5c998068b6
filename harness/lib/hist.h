/* A log-linear latency histogram (HdrHistogram's idea): exact below
 * 256 ns, then 128 sub-buckets per power of two, so any value from 1 ns to
 * 17 s is kept within 0.8 % relative error in 30 KiB, and recording is a
 * few instructions (no allocation, no sorting) in the packet path. */
#ifndef PT_HIST_H
#define PT_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_MAX_EXP 34                 /* 2^34 ns = 17.2 s */
#define HIST_BUCKETS (256 + (HIST_MAX_EXP - 8 + 1) * (1 << HIST_SUB_BITS))

struct hist {
    uint64_t count;
    uint64_t min, max;                  /* exact */
    double sum;
    uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_record(struct hist *h, uint64_t value);
/* The value at percentile 'p' (0 < p <= 100): at least p % of the
 * recorded values are <= it, within the relative error.  0 when empty. */
uint64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);
/* Adds 'src' into 'dst'. */
void hist_merge(struct hist *dst, const struct hist *src);

#endif
