/* Metric sets and counters: what every collector uses. */
#include "collector.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void metric_set_add(struct metric_set *ms, enum metric_kind kind,
                    const char *fmt, ...)
{
    struct metric *m;
    va_list ap;

    if (ms->n == ms->alloc) {
        ms->alloc = ms->alloc ? 2 * ms->alloc : 16;
        ms->m = xrealloc(ms->m, ms->alloc * sizeof *ms->m);
    }
    m = &ms->m[ms->n++];
    m->kind = kind;
    va_start(ap, fmt);
    vsnprintf(m->name, sizeof m->name, fmt, ap);
    va_end(ap);
    /* RRD allows only these in a data source name. */
    for (char *c = m->name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
              || (*c >= '0' && *c <= '9') || *c == '_'))
            *c = '_';
}

void metric_set_release(struct metric_set *ms)
{
    free(ms->m);
    memset(ms, 0, sizeof *ms);
}

uint64_t counter_delta(uint64_t prev, uint64_t cur)
{
    if (cur >= prev)
        return cur - prev;
    /* Went down: a wrap.  A 32-bit counter wraps at 2^32. */
    if (prev <= UINT32_MAX)
        return (uint64_t)UINT32_MAX - prev + 1 + cur;
    return UINT64_MAX - prev + 1 + cur;
}
