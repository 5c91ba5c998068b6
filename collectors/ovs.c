/* ovs: ovs-vswitchd's datapath, per-thread and memory figures, asked over
 * its unixctl socket (what `ovs-appctl dpctl/show` etc. print), parsed by
 * ovs_text.c. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "collectors/ovs_text.h"
#include "lib/unixctl.h"

struct ovs_state {
    char *ctl;
    int timeout_ms;
};

/* The metrics in the order sample() fills them. */
static const struct {
    const char *name;
    enum metric_kind kind;
} ovs_metrics[] = {
    { "dp_hit", METRIC_COUNTER },       /* dpctl/show */
    { "dp_missed", METRIC_COUNTER },
    { "dp_lost", METRIC_COUNTER },
    { "dp_flows", METRIC_GAUGE },
    { "pkts_rx", METRIC_COUNTER },      /* dpif-netdev/pmd-stats-show */
    { "recirc", METRIC_COUNTER },
    { "emc_hits", METRIC_COUNTER },
    { "smc_hits", METRIC_COUNTER },
    { "megaflow_hits", METRIC_COUNTER },
    { "simple_hits", METRIC_COUNTER },
    { "upcalls", METRIC_COUNTER },
    { "upcalls_failed", METRIC_COUNTER },
    { "mem_handlers", METRIC_GAUGE },   /* memory/show */
    { "mem_revalidators", METRIC_GAUGE },
    { "mem_ports", METRIC_GAUGE },
    { "mem_rules", METRIC_GAUGE },
    { "mem_udpif_keys", METRIC_GAUGE },
    { "mem_idl_cells", METRIC_GAUGE },
};
#define N_OVS_METRICS (sizeof ovs_metrics / sizeof *ovs_metrics)

static int ovs_init(const struct collector_cfg *cfg, void **state,
                    struct metric_set *ms, struct strbuf *err)
{
    struct ovs_state *s;

    if (!cfg->ovs_ctl)
        return -ENOTSUP;
    s = xcalloc(1, sizeof *s);
    s->ctl = xstrdup(cfg->ovs_ctl);
    /* Three calls must fit in one interval with room for the others. */
    s->timeout_ms = (int)(cfg->interval * 1000 / 4);
    if (s->timeout_ms < 50)
        s->timeout_ms = 50;
    for (size_t i = 0; i < N_OVS_METRICS; i++)
        metric_set_add(ms, ovs_metrics[i].kind, "%s", ovs_metrics[i].name);
    *state = s;
    return 0;
}

/* Runs 'cmd' and hands its text to 'parse'; on failure the reason goes to
 * 'err' (the first one only) and the figures stay NaN. */
static int ask(struct ovs_state *s, const char *cmd, struct strbuf *err,
               int (*parse)(const char *, void *), void *out)
{
    struct strbuf why = STRBUF_INIT;
    char *reply = NULL;
    int rc = unixctl_call_timeout(s->ctl, cmd, NULL, s->timeout_ms, &reply,
                                  &why);

    if (!rc && (rc = parse(reply, out)) && !err->len)
        strbuf_addf(err, "%s: unrecognised reply", cmd);
    else if (rc && !err->len)
        strbuf_addf(err, "%s: %s", cmd, why.len ? why.buf : strerror(-rc));
    free(reply);
    strbuf_dispose(&why);
    return rc;
}

/* The parsers, with the signature ask() takes. */
static int parse_dp(const char *t, void *o) { return ovs_parse_dpctl_show(t, o); }
static int parse_pmd(const char *t, void *o) { return ovs_parse_pmd_stats(t, o); }
static int parse_mem(const char *t, void *o) { return ovs_parse_memory_show(t, o); }

static int ovs_sample(void *state, uint64_t now_ns, double *v,
                      struct strbuf *err)
{
    struct ovs_state *s = state;
    struct ovs_dp_stats dp;
    struct ovs_pmd_stats pmd;
    struct ovs_mem_stats mem;
    int failed = 0;

    /* What a call that failed leaves: gaps. */
    ovs_parse_dpctl_show("", &dp);
    ovs_parse_pmd_stats("", &pmd);
    ovs_parse_memory_show("", &mem);

    failed += !!ask(s, "dpctl/show", err, parse_dp, &dp);
    failed += !!ask(s, "dpif-netdev/pmd-stats-show", err, parse_pmd, &pmd);
    failed += !!ask(s, "memory/show", err, parse_mem, &mem);
    if (failed == 3)
        return -EIO;
    {
        const double vals[N_OVS_METRICS] = {
            dp.hit, dp.missed, dp.lost, dp.flows,
            pmd.packets, pmd.recirc, pmd.emc_hits, pmd.smc_hits,
            pmd.megaflow_hits, pmd.simple_hits, pmd.upcalls,
            pmd.upcalls_failed,
            mem.handlers, mem.revalidators, mem.ports, mem.rules,
            mem.udpif_keys, mem.idl_cells,
        };
        memcpy(v, vals, sizeof vals);
    }
    /* Part of it missing: still a sample, the reason in 'err'. */
    return 0;
}

static void ovs_close(void *state)
{
    struct ovs_state *s = state;

    free(s->ctl);
    free(s);
}

const struct collector_ops collector_ovs = {
    .name = "ovs",
    .description = "ovs-vswitchd: datapath lookups and flows, per-thread "
                   "cache hits and upcalls, memory",
    .init = ovs_init,
    .sample = ovs_sample,
    .close = ovs_close,
};
