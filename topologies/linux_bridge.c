/* linux_bridge: the basic topology's shape on the kernel's own bridge, to
 * compare a software datapath with the kernel datapath on the same host. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/ledger.h"
#include "lib/links.h"
#include "topologies/topology.h"

static int lb_setup(struct topology_ctx *ctx, struct strbuf *err)
{
    const char *ports[] = { ctx->source_binding, ctx->dest_binding };
    int rc;

    snprintf(ctx->bridge, sizeof ctx->bridge, "pt-lb-%s", ctx->short_id);
    rc = ledger_record(ctx->ledger, "link", ctx->bridge, ctx->dp_ns);
    if (!rc)
        rc = netns_bridge_add(ctx->dp_ns, ctx->bridge);
    if (rc) {
        strbuf_addf(err, "cannot create bridge '%s': %s", ctx->bridge,
                    strerror(-rc));
        return rc;
    }
    for (size_t i = 0; i < 2; i++) {
        rc = netns_link_set_master(ctx->dp_ns, ports[i], ctx->bridge);
        if (rc) {
            strbuf_addf(err, "cannot add '%s' to bridge '%s': %s", ports[i],
                        ctx->bridge, strerror(-rc));
            return rc;
        }
    }
    rc = netns_link_set_up(ctx->dp_ns, ctx->bridge, true);
    if (rc)
        strbuf_addf(err, "cannot set bridge '%s' up: %s", ctx->bridge,
                    strerror(-rc));
    return rc;
}

static int lb_teardown(struct topology_ctx *ctx, struct strbuf *err)
{
    int rc;

    if (!ctx->bridge[0])
        return 0;
    rc = netns_link_del(ctx->dp_ns, ctx->bridge);
    if (rc == -ENOENT || rc == -ENODEV)
        return 0;
    if (rc)
        strbuf_addf(err, "cannot delete bridge '%s': %s", ctx->bridge,
                    strerror(-rc));
    return rc;
}

static int lb_print(struct topology_ctx *ctx, FILE *out)
{
    fprintf(out,
            "linux_bridge: L2 forwarding through the kernel's bridge\n"
            "  pt-src-%s (198.18.0.1/24)       pt-dst-%s (198.18.0.2/24)\n"
            "    | veth                             | veth\n"
            "  pt-sb-%s --- [ Linux bridge pt-lb-%s ] --- pt-db-%s\n",
            ctx->short_id, ctx->short_id, ctx->short_id, ctx->short_id,
            ctx->short_id);
    return 0;
}

const struct topology_ops topology_linux_bridge_ops = {
    .name = "linux_bridge",
    .description = "the same shape on the kernel's Linux bridge, for "
                   "comparison",
    .setup = lb_setup,
    .teardown = lb_teardown,
    .print = lb_print,
};
