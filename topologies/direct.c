/* direct: the two namespaces joined by one veth pair, no datapath at all.
 * It measures the harness's own ceiling and calibrates the injector.
 *
 * The harness gives every topology two veth pairs; this one deletes the
 * destination pair and moves the source pair's root end into the
 * destination namespace, where it takes the destination address. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/links.h"
#include "topologies/topology.h"

static int direct_setup(struct topology_ctx *ctx, struct strbuf *err)
{
    const char *step;
    int rc;

    step = "delete the destination pair";
    rc = netns_link_del(ctx->dest_ns, ctx->dest_if);
    if (rc && rc != -ENOENT && rc != -ENODEV)
        goto fail;
    step = "move the source pair's end into the destination namespace";
    rc = netns_link_move(ctx->dp_ns, ctx->source_binding, ctx->dest_ns);
    if (rc)
        goto fail;
    /* From here on the destination interface is the moved end. */
    snprintf(ctx->dest_if, sizeof ctx->dest_if, "%s", ctx->source_binding);
    ctx->source_binding[0] = ctx->dest_binding[0] = '\0';

    char cidr[80];
    const char *slash = strchr(ctx->dest_net, '/');
    snprintf(cidr, sizeof cidr, "%s%s", ctx->dest_host, slash ? slash : "/24");
    step = "address the destination end";
    rc = netns_addr_add(ctx->dest_ns, ctx->dest_if, cidr);
    if (rc)
        goto fail;
    step = "set the destination end up";
    rc = netns_link_set_up(ctx->dest_ns, ctx->dest_if, true);
    if (rc)
        goto fail;
    return 0;
fail:
    strbuf_addf(err, "cannot %s: %s", step, strerror(-rc));
    return rc;
}

/* Deleting the namespaces removes the pair; nothing of ours is left. */
static int direct_teardown(struct topology_ctx *ctx, struct strbuf *err)
{
    (void)ctx;
    (void)err;
    return 0;
}

static int direct_print(struct topology_ctx *ctx, FILE *out)
{
    fprintf(out,
            "direct: one veth pair between the namespaces, no datapath\n"
            "  pt-src-%s (198.18.0.1/24) ---- veth ---- pt-dst-%s "
            "(198.18.0.2/24)\n"
            "  the harness's own ceiling: use it to calibrate the injector\n",
            ctx->short_id, ctx->short_id);
    return 0;
}

const struct topology_ops topology_direct_ops = {
    .name = "direct",
    .description = "one veth pair between the namespaces, no datapath: the "
                   "harness's own ceiling",
    .no_datapath = true,
    .setup = direct_setup,
    .teardown = direct_teardown,
    .print = direct_print,
};
