#include "run/scenario.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ledger.h"
#include "lib/links.h"
#include "lib/log.h"
#include "lib/netns.h"

LOG_MODULE("scenario");

bool scenario_address_allowed(const char *ip)
{
    struct in_addr a;

    if (inet_pton(AF_INET, ip, &a) != 1)
        return false;
    return (ntohl(a.s_addr) & 0xfffe0000u) == 0xc6120000u;
}

/* "198.18.0.0/24" -> 24; a bare network means /24, as the original's
 * example topologies used.  -1: not an address of the benchmarking range
 * with a prefix from /8 to /30. */
static int prefix_len(const char *net)
{
    const char *slash = strchr(net, '/');
    char addr[INET_ADDRSTRLEN];
    char *end;
    long n = 24;

    if (slash) {
        n = strtol(slash + 1, &end, 10);
        if (slash == net || !isdigit((unsigned char)slash[1]) || *end
            || n < 8 || n > 30)
            return -1;
    }
    if (snprintf(addr, sizeof addr, "%.*s",
                 (int)(slash ? slash - net : (ptrdiff_t)strlen(net)), net)
            >= (int)sizeof addr
        || !scenario_address_allowed(addr))
        return -1;
    return (int)n;
}

static int check_addresses(const struct topology_ctx *ctx, struct strbuf *err)
{
    /* The names of the shell topology contract, which is where a wrong
     * one comes from (the built-in topologies' are fixed). */
    static const char *const host_vars[] = { "TOPOLOGY_SOURCE_HOST",
                                              "TOPOLOGY_DEST_HOST" };
    static const char *const net_vars[] = { "TOPOLOGY_SOURCE_NET",
                                             "TOPOLOGY_DEST_NET" };
    const char *hosts[] = { ctx->source_host, ctx->dest_host };
    const char *nets[] = { ctx->source_net, ctx->dest_net };
    const char *from = ctx->script ? ctx->script : "the topology";

    for (size_t i = 0; i < 2; i++) {
        if (!scenario_address_allowed(hosts[i])) {
            strbuf_addf(err, "%s: %s '%s' is outside the benchmarking "
                             "range 198.18.0.0/15 (RFC 2544), the only one "
                             "perftests uses: expected an address such as "
                             "198.18.1.1", from, host_vars[i], hosts[i]);
            return -EINVAL;
        }
        if (prefix_len(nets[i]) < 0) {
            strbuf_addf(err, "%s: %s '%s' is not a network of 198.18.0.0/15 "
                             "with a prefix from /8 to /30: expected such "
                             "as 198.18.1.0/24", from, net_vars[i], nets[i]);
            return -EINVAL;
        }
    }
    return 0;
}

/* One side: namespace, veth pair (binding in root, ifname inside),
 * address, links up, and no transmit checksum offload: the userspace
 * datapath reads the bindings with AF_PACKET and would forward frames
 * whose checksum was left for hardware that is not there. */
static int create_side(struct topology_ctx *ctx, const char *ns,
                       const char *binding, const char *ifname,
                       const char *host, const char *net, struct strbuf *err)
{
    char cidr[96];
    const char *what;
    int rc;

    what = "record";
    if ((rc = ledger_record(ctx->ledger, "netns", ns, NULL))
        || (rc = ledger_record(ctx->ledger, "link", binding, ctx->dp_ns)))
        goto fail;
    what = "create namespace";
    if ((rc = netns_add(ns)))
        goto fail;
    what = "create veth pair";
    if ((rc = netns_veth_add(binding, ifname, ns)))
        goto fail;
    what = "move the binding of";
    if (ctx->dp_ns[0] && (rc = netns_link_move(NULL, binding, ctx->dp_ns)))
        goto fail;
    what = "configure";
    snprintf(cidr, sizeof cidr, "%s/%d", host, prefix_len(net));
    if ((rc = netns_addr_add(ns, ifname, cidr))
        || (rc = netns_link_set_up(ns, "lo", true))
        || (rc = netns_link_set_tx_csum(ns, ifname, false))
        || (rc = netns_link_set_tx_csum(ctx->dp_ns, binding, false))
        || (rc = netns_link_set_up(ns, ifname, true))
        || (rc = netns_link_set_up(ctx->dp_ns, binding, true)))
        goto fail;
    return 0;
fail:
    strbuf_addf(err, "cannot %s '%s' (%s <-> %s): %s", what, ns, binding,
                ifname, strerror(-rc));
    return rc;
}

int scenario_create(const struct topology_ops *ops, struct topology_ctx *ctx,
                    struct strbuf *err)
{
    const char *id = ctx->short_id;
    int rc;

    snprintf(ctx->source_ns, sizeof ctx->source_ns, "pt-src-%s", id);
    snprintf(ctx->dest_ns, sizeof ctx->dest_ns, "pt-dst-%s", id);
    snprintf(ctx->source_binding, sizeof ctx->source_binding, "pt-sb-%s", id);
    snprintf(ctx->dest_binding, sizeof ctx->dest_binding, "pt-db-%s", id);
    snprintf(ctx->source_if, sizeof ctx->source_if, "pt-s-%s", id);
    snprintf(ctx->dest_if, sizeof ctx->dest_if, "pt-d-%s", id);
    if (ops->prepare) {
        if ((rc = ops->prepare(ctx, err)))
            return rc;
    } else {
        strcpy(ctx->source_host, "198.18.0.1");
        strcpy(ctx->dest_host, "198.18.0.2");
        strcpy(ctx->source_net, "198.18.0.0/24");
        strcpy(ctx->dest_net, "198.18.0.0/24");
    }
    if ((rc = check_addresses(ctx, err)))
        return rc;
    if ((rc = create_side(ctx, ctx->source_ns, ctx->source_binding,
                          ctx->source_if, ctx->source_host, ctx->source_net,
                          err))
        || (rc = create_side(ctx, ctx->dest_ns, ctx->dest_binding,
                             ctx->dest_if, ctx->dest_host, ctx->dest_net,
                             err)))
        return rc;
    LOG_DBG("namespaces %s and %s ready; bindings %s and %s in %s",
            ctx->source_ns, ctx->dest_ns, ctx->source_binding,
            ctx->dest_binding, ctx->dp_ns[0] ? ctx->dp_ns : "the root");
    return ops->setup(ctx, err);
}

int scenario_destroy(const struct topology_ops *ops, struct topology_ctx *ctx,
                     struct strbuf *err)
{
    const char *nss[] = { ctx->source_ns, ctx->dest_ns };
    int first = 0;
    int rc = ops->teardown(ctx, err);

    if (rc)
        first = rc;
    for (size_t i = 0; i < 2; i++) {
        if (!nss[i][0])
            continue;
        rc = netns_del(nss[i]);
        if (rc && rc != -ENOENT) {
            if (!first)
                first = rc;
            strbuf_addf(err, "%scannot delete namespace '%s': %s",
                        err->len ? "; " : "", nss[i], strerror(-rc));
        } else if (!rc) {
            LOG_DBG("deleted namespace '%s'", nss[i]);
        }
    }
    return first;
}
