/* Metric sets and counters: what every collector uses. */
#include "collectors/collector.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RRD allows only these in a data source name. */
static bool ds_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_';
}

static struct metric *grow(struct metric_set *ms, enum metric_kind kind)
{
    struct metric *m;

    if (ms->n == ms->alloc) {
        ms->alloc = ms->alloc ? 2 * ms->alloc : 16;
        ms->m = xrealloc(ms->m, ms->alloc * sizeof *ms->m);
    }
    m = &ms->m[ms->n++];
    memset(m, 0, sizeof *m);
    m->kind = kind;
    return m;
}

void metric_set_add(struct metric_set *ms, enum metric_kind kind,
                    const char *fmt, ...)
{
    struct metric *m = grow(ms, kind);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m->name, sizeof m->name, fmt, ap);
    va_end(ap);
    for (char *c = m->name; *c; c++)
        if (!ds_char(*c))
            *c = '_';
}

static bool name_taken(const struct metric_set *ms, const char *name)
{
    /* The new metric is ms->m[ms->n - 1]: compare with the others. */
    for (size_t i = 0; i + 1 < ms->n; i++)
        if (!strcmp(ms->m[i].name, name))
            return true;
    return false;
}

/* FNV-1a: a short, stable tag that keeps shortened names apart. */
static uint32_t fnv1a(const char *s, uint32_t salt)
{
    uint32_t h = 2166136261u ^ salt;

    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

void metric_set_add_label(struct metric_set *ms, enum metric_kind kind,
                          const char *label)
{
    struct metric *m = grow(ms, kind);
    char full[METRIC_LABEL_MAX];
    size_t n = 0;

    snprintf(m->label, sizeof m->label, "%s", label);
    for (const char *c = label; *c && n + 1 < sizeof full; c++) {
        if (ds_char(*c) && *c != '_')
            full[n++] = *c;
        else if (n && full[n - 1] != '_')
            full[n++] = '_';
    }
    while (n && full[n - 1] == '_')
        n--;
    full[n] = '\0';
    snprintf(m->name, sizeof m->name, "%.*s", METRIC_NAME_MAX - 1, full);
    for (uint32_t salt = 0; n >= METRIC_NAME_MAX || !n
                            || name_taken(ms, m->name); salt++) {
        snprintf(m->name, sizeof m->name, "%.14s_%04x", full,
                 fnv1a(label, salt) & 0xffff);
        n = strlen(m->name);
        if (!name_taken(ms, m->name))
            break;
    }
    if (!strcmp(m->name, label))
        m->label[0] = '\0';
}

const char *metric_label(const struct metric *m)
{
    return m->label[0] ? m->label : m->name;
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
