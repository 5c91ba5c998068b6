#include "lib/hist.h"

#include <string.h>

void hist_init(struct hist *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

static unsigned bucket_of(uint64_t v)
{
    if (v < 256)
        return (unsigned)v;
    if (v >> (HIST_MAX_EXP + 1))
        v = (UINT64_C(1) << (HIST_MAX_EXP + 1)) - 1;   /* clamp */
    unsigned e = 63u - (unsigned)__builtin_clzll(v);  /* 8..HIST_MAX_EXP */
    unsigned shift = e - HIST_SUB_BITS;
    unsigned sub = (unsigned)(v >> shift) & ((1u << HIST_SUB_BITS) - 1);
    return 256 + (e - 8) * (1u << HIST_SUB_BITS) + sub;
}

/* The middle of a bucket's range: halves the worst-case error. */
static uint64_t value_of(unsigned b)
{
    if (b < 256)
        return b;
    unsigned e = 8 + (b - 256) / (1u << HIST_SUB_BITS);
    unsigned sub = (b - 256) % (1u << HIST_SUB_BITS);
    unsigned shift = e - HIST_SUB_BITS;
    uint64_t low = (uint64_t)((1u << HIST_SUB_BITS) + sub) << shift;
    return low + ((UINT64_C(1) << shift) >> 1);
}

void hist_record(struct hist *h, uint64_t v)
{
    h->buckets[bucket_of(v)]++;
    h->count++;
    h->sum += (double)v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
    uint64_t rank, seen = 0;

    if (!h->count)
        return 0;
    if (p >= 100)
        return h->max;
    rank = (uint64_t)(p / 100.0 * (double)h->count);
    if ((double)rank < p / 100.0 * (double)h->count)
        rank++;                             /* ceil */
    if (rank < 1)
        rank = 1;
    for (unsigned b = 0; b < HIST_BUCKETS; b++) {
        seen += h->buckets[b];
        if (seen >= rank) {
            uint64_t v = value_of(b);
            return v < h->min ? h->min : v > h->max ? h->max : v;
        }
    }
    return h->max;
}

double hist_mean(const struct hist *h)
{
    return h->count ? h->sum / (double)h->count : 0;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
    for (unsigned b = 0; b < HIST_BUCKETS; b++)
        dst->buckets[b] += src->buckets[b];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}
