/* system: the host's CPU (from /proc/stat) and available memory. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"

struct cpu_ticks {
    unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
};

/* The first line, "cpu  user nice system idle iowait irq softirq steal". */
static int parse_proc_stat(const char *text, struct cpu_ticks *t)
{
    memset(t, 0, sizeof *t);
    return sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
                  &t->user, &t->nice, &t->sys, &t->idle, &t->iowait, &t->irq,
                  &t->softirq, &t->steal) >= 4 ? 0 : -EINVAL;
}

static int parse_meminfo(const char *text, double *avail)
{
    const char *p = strstr(text, "MemAvailable:");
    unsigned long long kb;

    if (!p || sscanf(p, "MemAvailable: %llu kB", &kb) != 1)
        return -EINVAL;
    *avail = (double)kb * 1024;
    return 0;
}

struct system_state {
    struct cpu_ticks prev;
    bool have_prev;
};

static int system_init(const struct collector_cfg *cfg, void **state,
                       struct metric_set *ms, struct strbuf *err)
{
    *state = xcalloc(1, sizeof(struct system_state));
    metric_set_add(ms, METRIC_GAUGE, "cpu_user_pct");
    metric_set_add(ms, METRIC_GAUGE, "cpu_sys_pct");
    metric_set_add(ms, METRIC_GAUGE, "cpu_softirq_pct");
    metric_set_add(ms, METRIC_GAUGE, "cpu_idle_pct");
    metric_set_add(ms, METRIC_GAUGE, "mem_avail_bytes");
    return 0;
}

static unsigned long long total(const struct cpu_ticks *t)
{
    return t->user + t->nice + t->sys + t->idle + t->iowait + t->irq
           + t->softirq + t->steal;
}

static int system_sample(void *state, uint64_t now_ns, double *v,
                         struct strbuf *err)
{
    struct system_state *s = state;
    struct strbuf text = STRBUF_INIT;
    struct cpu_ticks t;
    int rc;

    for (int i = 0; i < 5; i++)
        v[i] = NAN;
    rc = strbuf_read_file(&text, "/proc/stat");
    if (!rc)
        rc = parse_proc_stat(text.buf, &t);
    if (!rc) {
        /* Percent of all CPUs over the interval: the first sample has no
         * interval yet. */
        double d = (double)(total(&t) - total(&s->prev));
        if (s->have_prev && d > 0) {
            v[0] = 100.0 * (double)(t.user + t.nice - s->prev.user
                                    - s->prev.nice) / d;
            v[1] = 100.0 * (double)(t.sys - s->prev.sys) / d;
            v[2] = 100.0 * (double)(t.softirq - s->prev.softirq) / d;
            v[3] = 100.0 * (double)(t.idle - s->prev.idle) / d;
        }
        s->prev = t;
        s->have_prev = true;
    }
    strbuf_reset(&text);
    if (!strbuf_read_file(&text, "/proc/meminfo"))
        parse_meminfo(text.buf, &v[4]);
    strbuf_dispose(&text);
    return 0;
}

static void system_close(void *state)
{
    free(state);
}

const struct collector_ops collector_system = {
    .name = "system",
    .description = "host CPU (user, system, softirq, idle) and memory",
    .init = system_init,
    .sample = system_sample,
    .close = system_close,
};
