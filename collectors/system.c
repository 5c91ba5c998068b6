/* system: the host's CPU (from /proc/stat) and available memory. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "collectors/procfs.h"

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
        rc = procfs_parse_cpu(text.buf, &t);
    if (!rc) {
        /* Percent of all CPUs over the interval: the first sample has no
         * interval yet. */
        double d = (double)(procfs_cpu_total(&t) - procfs_cpu_total(&s->prev));
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
        procfs_parse_meminfo(text.buf, &v[4]);
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
