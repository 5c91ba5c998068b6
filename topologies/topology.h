/* The topology contract.  A topology binds the two root-side veth ends the
 * harness made (TOPOLOGY_SOURCE_BINDING, TOPOLOGY_DEST_BINDING) to the
 * datapath under test, so that traffic from the source namespace reaches
 * the destination namespace through it.
 *
 * Users include this file and call topology_find()/topology_list();
 * implementers fill a const struct topology_ops and add it to the table in
 * topologies/registry.c. */
#ifndef PT_TOPOLOGY_H
#define PT_TOPOLOGY_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/strbuf.h"

struct ledger;

/* What the harness gives a topology, and what the topology fills in.
 * Names follow the original's shell variables. */
struct topology_ctx {
    /* Set by the harness before prepare(). */
    const char *run_id;
    const char *short_id;           /* 6 hex: makes pt-... names unique */
    struct ledger *ledger;          /* record anything created, first */
    const char *ovs_rundir;         /* the SUT's OVS run dir, or NULL */
    const char *ovs_db_socket;      /* its OVSDB unix socket, or NULL */
    const char *script;             /* shell topologies: the script path */
    const char *log_path;           /* where child output goes */
    /* datapath_type of the OVS bridges a topology makes: "netdev" (the
     * userspace datapath) or "system" (the kernel module); NULL: netdev.
     * Shell topologies get it as OVS_DATAPATH. */
    const char *ovs_datapath;
    /* Folders a shell topology finds its OVS tools in first (an
     * ovs-build: SUT's own ovs-vsctl); NULL: PATH as it is. */
    const char *tool_path;

    /* Where the bindings and the datapath live: a pt-dp-<id> namespace
     * of the run's own when the harness started the SUT, so that nothing
     * of a run (not even the taps OVS makes) is in the root namespace;
     * "" (the root namespace) for an OVS or process that runs there. */
    char dp_ns[32];

    /* Set by the harness before setup(). */
    char source_ns[32], dest_ns[32];            /* pt-src-<id>, pt-dst-<id> */
    char source_binding[16], dest_binding[16];  /* root-side veth ends */
    char source_if[16], dest_if[16];            /* namespace-side ends */

    /* Filled by prepare() (or harness defaults when prepare is NULL). */
    char source_host[64], dest_host[64];    /* TOPOLOGY_SOURCE_HOST ... */
    char source_net[64], dest_net[64];      /* ... as CIDR, e.g. /24 */
    char bridge[16];                /* a pt- bridge the topology made */

    void *priv;                     /* the topology's own state */
};

struct topology_ops {
    const char *name;
    const char *description;
    /* True when the topology needs an OVS SUT (ovs_rundir set). */
    bool needs_ovs;
    /* True when traffic goes from source to destination with no datapath
     * between: what it measures is the harness itself (its figures are
     * reported as the generator's, and `perftests calibrate` uses it). */
    bool no_datapath;
    /* True when the endpoints live on other hosts (--hosts FILE), reached
     * through agents: the harness makes no namespace for them, and
     * setup/teardown only see the addresses. */
    bool on_hosts;
    /* Fills the four TOPOLOGY_* addresses.  May be NULL: the harness then
     * uses 198.18.0.1 and 198.18.0.2 in 198.18.0.0/24.  0 or -errno. */
    int (*prepare)(struct topology_ctx *ctx, struct strbuf *err);
    /* Binds the two bindings to the datapath.  0 or a negative errno with
     * the reason in 'err'. */
    int (*setup)(struct topology_ctx *ctx, struct strbuf *err);
    /* Undoes setup(); must be idempotent and tolerate a half-done setup. */
    int (*teardown)(struct topology_ctx *ctx, struct strbuf *err);
    /* Describes the topology for `perftests print`. */
    int (*print)(struct topology_ctx *ctx, FILE *out);
    /* Frees priv.  May be NULL. */
    void (*release)(struct topology_ctx *ctx);
};

/* Finds a built-in topology by name, or a shell topology: NAME.sh in the
 * topologies folder, or a path to a script.  On success *ops is set and,
 * for a shell topology, *script the malloc'ed script path (else NULL).
 * Returns 0 or -ENOENT. */
int topology_find(const char *name, const struct topology_ops **ops,
                  char **script);
/* Lists built-in and shell topologies, one "name  description" a line. */
void topology_list(FILE *out);

extern const struct topology_ops topology_script_ops;

#endif
