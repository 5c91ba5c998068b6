/* netdev: packets, bytes, drops and errors of the run's interfaces: both
 * ends of the source and destination veths, each read with libnl inside
 * the namespace it lives in. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "lib/links.h"

/* One interface and the prefix of its metrics. */
struct netdev_if {
    const char *prefix;     /* a string literal of the run's */
    char netns[32], ifname[16];
};

struct netdev_state {
    struct netdev_if ifs[4];
    size_t n;
};

/* The eight figures of struct netns_link_stats, in its order. */
static const char *const stat_names[] = {
    "rx_pkts", "tx_pkts", "rx_bytes", "tx_bytes",
    "rx_drop", "tx_drop", "rx_err", "tx_err",
};
#define N_STATS (sizeof stat_names / sizeof *stat_names)

static void add_if(struct netdev_state *s, const char *prefix,
                   const char *netns, const char *ifname)
{
    struct netdev_if *i = &s->ifs[s->n];

    if (!ifname || !ifname[0] || s->n == sizeof s->ifs / sizeof *s->ifs)
        return;
    i->prefix = prefix;
    snprintf(i->netns, sizeof i->netns, "%s", netns ? netns : "");
    snprintf(i->ifname, sizeof i->ifname, "%s", ifname);
    s->n++;
}

static int netdev_init(const struct collector_cfg *cfg, void **state,
                       struct metric_set *ms, struct strbuf *err)
{
    struct netdev_state *s;

    if (!cfg->n_ifaces)
        return -ENOTSUP;
    s = xcalloc(1, sizeof *s);
    for (size_t i = 0; i < cfg->n_ifaces; i++)
        add_if(s, cfg->ifaces[i].prefix, cfg->ifaces[i].netns,
               cfg->ifaces[i].ifname);
    if (!s->n) {
        free(s);
        return -ENOTSUP;
    }
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < N_STATS; k++)
            metric_set_add(ms, METRIC_COUNTER, "%s_%s", s->ifs[i].prefix,
                           stat_names[k]);
    *state = s;
    return 0;
}

static int netdev_sample(void *state, uint64_t now_ns, double *v,
                         struct strbuf *err)
{
    struct netdev_state *s = state;
    size_t bad = 0;

    for (size_t i = 0; i < s->n; i++) {
        struct netns_link_stats st;
        const uint64_t *f = &st.rx_packets;
        int rc = netns_link_stats(s->ifs[i].netns, s->ifs[i].ifname, &st);
        for (size_t k = 0; k < N_STATS; k++)
            v[i * N_STATS + k] = rc ? NAN : (double)f[k];
        if (rc && !bad++)
            strbuf_addf(err, "%s%s%s: %s", s->ifs[i].netns,
                        s->ifs[i].netns[0] ? "/" : "", s->ifs[i].ifname,
                        strerror(-rc));
    }
    return bad == s->n ? -EIO : 0;
}

static void netdev_close(void *state)
{
    free(state);
}

const struct collector_ops collector_netdev = {
    .name = "netdev",
    .description = "the run's interfaces: packets, bytes, drops, errors",
    .init = netdev_init,
    .sample = netdev_sample,
    .close = netdev_close,
};
