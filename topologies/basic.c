/* basic_topology: the original's basic L2 topology.  One OVS bridge on the
 * userspace (netdev) datapath with both bindings as ports; no flows are
 * added, so the bridge does NORMAL L2 learning and forwarding. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/jsonrpc.h"
#include "lib/ledger.h"
#include "lib/ovsdb.h"
#include "topologies/topology.h"

static int open_db(const struct topology_ctx *ctx, struct jsonrpc **db,
                   struct strbuf *err)
{
    int rc = jsonrpc_open(ctx->ovs_db_socket, 5000, db);

    if (rc)
        strbuf_addf(err, "cannot connect to OVSDB at '%s': %s",
                    ctx->ovs_db_socket, strerror(-rc));
    return rc;
}

/* Adds "<what>: <why>" to 'err', 'why' being what OVSDB said. */
static int db_fail(int rc, const struct strbuf *why, const char *what,
                   struct strbuf *err)
{
    strbuf_addf(err, "%s: %s", what, why->len ? why->buf : strerror(-rc));
    return rc ? rc : -EIO;
}

/* Records 'name' of 'kind' in the ledger, before it is created. */
static int record(const struct topology_ctx *ctx, const char *kind,
                  const char *name, const char *where, struct strbuf *err)
{
    int rc = ledger_record(ctx->ledger, kind, name, where);

    if (rc)
        strbuf_addf(err, "cannot record %s '%s' in the ledger: %s", kind,
                    name, strerror(-rc));
    return rc;
}

static int basic_setup(struct topology_ctx *ctx, struct strbuf *err)
{
    const char *ports[] = { ctx->source_binding, ctx->dest_binding };
    struct strbuf why = STRBUF_INIT;
    struct jsonrpc *db;
    int rc;

    snprintf(ctx->bridge, sizeof ctx->bridge, "pt-br-%s", ctx->short_id);
    rc = open_db(ctx, &db, err);
    if (rc)
        return rc;
    /* The netdev datapath makes the bridge's internal port a tap device.
     * The rows go into the ledger too: an OVS that is not the run's own
     * (--sut ovs-rundir:) outlives the run, and would keep them. */
    rc = record(ctx, "link", ctx->bridge, ctx->dp_ns, err);
    if (!rc)
        rc = record(ctx, "ovs-bridge", ctx->bridge, ctx->ovs_db_socket, err);
    if (rc)
        goto out;
    rc = ovsdb_add_bridge(db, ctx->bridge, ctx->ovs_datapath
                                           ? ctx->ovs_datapath : "netdev",
                          &why);
    if (rc) {
        rc = db_fail(rc, &why, "cannot add bridge", err);
        goto out;
    }
    for (size_t i = 0; i < 2; i++) {
        int64_t ofport;
        rc = record(ctx, "ovs-port", ports[i], ctx->ovs_db_socket, err);
        if (rc)
            goto out;
        rc = ovsdb_add_port(db, ctx->bridge, ports[i], "", &why);
        if (!rc)
            rc = ovsdb_wait_ofport(db, ports[i], 10000, &ofport, &why);
        if (rc) {
            rc = db_fail(rc, &why, ports[i], err);
            goto out;
        }
    }
out:
    strbuf_dispose(&why);
    jsonrpc_close(db);
    return rc;
}

static int basic_teardown(struct topology_ctx *ctx, struct strbuf *err)
{
    struct strbuf why = STRBUF_INIT;
    struct jsonrpc *db;
    int rc;

    if (!ctx->bridge[0] || !ctx->ovs_db_socket)
        return 0;
    rc = open_db(ctx, &db, err);
    if (rc)
        return rc;
    rc = ovsdb_del_bridge(db, ctx->bridge, &why);
    if (rc == -ENOENT)
        rc = 0;
    else if (rc)
        rc = db_fail(rc, &why, "cannot delete bridge", err);
    strbuf_dispose(&why);
    jsonrpc_close(db);
    return rc;
}

static int basic_print(struct topology_ctx *ctx, FILE *out)
{
    fprintf(out,
            "basic_topology: L2 forwarding through one Open vSwitch bridge\n"
            "  %s (198.18.0.1/24)              %s (198.18.0.2/24)\n"
            "    | veth                             | veth\n"
            "  pt-sb-%s --- [ OVS bridge pt-br-%s, netdev ] --- pt-db-%s\n"
            "  datapath: userspace (netdev), NORMAL action: MAC learning\n",
            ctx->source_ns[0] ? ctx->source_ns : "pt-src-<id>",
            ctx->dest_ns[0] ? ctx->dest_ns : "pt-dst-<id>", ctx->short_id,
            ctx->short_id, ctx->short_id);
    return 0;
}

const struct topology_ops topology_basic_ops = {
    .name = "basic_topology",
    .description = "one OVS bridge (userspace netdev datapath), L2 "
                   "forwarding between the two namespaces",
    .needs_ovs = true,
    .setup = basic_setup,
    .teardown = basic_teardown,
    .print = basic_print,
};
