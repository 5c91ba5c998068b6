/* Configuration of Open vSwitch through its database (RFC 7047), what
 * ovs-vsctl does, spoken directly over a jsonrpc connection to
 * ovsdb-server: Debian has no libopenvswitch-dev to link against.
 *
 * Every function takes an open connection ('db', see jsonrpc_open()) to
 * ovsdb-server and works on database "Open_vSwitch".  They return 0 or a
 * negative errno and, on failure, append a message to 'err' (which may be
 * NULL: no message; 'err' is not touched on success).  They do not log.
 *     -ENOENT      a bridge, port or interface named in the call is missing
 *     -EEXIST      what should be created exists already
 *     -EREMOTEIO   ovsdb-server refused the transaction; the message says
 *                  "ovsdb: transaction failed: <error>: <details>"
 *     -EPROTO      the reply does not have the shape RFC 7047 promises
 *     other        the connection failed (see jsonrpc.h)
 *
 * Changes bump Open_vSwitch.next_cfg; ovs-vswitchd copies it to cur_cfg
 * once it has applied them, so ovsdb_wait_reconfigured() after a change is
 * `ovs-vsctl --wait=vswitchd`: a bridge exists in the datapath when it
 * returns, not merely in the database. */
#ifndef PT_OVSDB_H
#define PT_OVSDB_H

#include <stdint.h>

#include <jansson.h>

#include "lib/jsonrpc.h"
#include "lib/ledger.h"
#include "lib/strbuf.h"

#define OVSDB_DATABASE "Open_vSwitch"

/* Runs "transact" with the operations in the JSON array 'ops' (RFC 7047
 * 5.2; the database name is prepended here).  Takes ownership of 'ops'.
 * Returns 0 and, when 'resultp' is non-NULL, the array of per-operation
 * results in *resultp (the caller must json_decref it).  When an operation
 * or the commit failed, returns -EREMOTEIO and, when 'failed_op' is
 * non-NULL, the index of the failed operation in *failed_op (the number of
 * operations when the commit itself failed). */
int ovsdb_transact(struct jsonrpc *db, json_t *ops, json_t **resultp,
                   int *failed_op, struct strbuf *err);

/* The databases the server holds, as a JSON array of strings in *dbsp (the
 * caller must json_decref it). */
int ovsdb_list_dbs(struct jsonrpc *db, json_t **dbsp, struct strbuf *err);

/* Inserts the root Open_vSwitch row when there is none, as `ovs-vsctl
 * init` does: `ovsdb-tool create` gives an empty database, and
 * ovs-vswitchd does nothing until that row exists.  Idempotent. */
int ovsdb_init(struct jsonrpc *db, struct strbuf *err);

/* Adds bridge 'name' with its internal port and interface of the same name
 * (the port ovs-vswitchd turns into a network device 'name').
 * 'datapath_type' is "netdev" for the userspace datapath, "" or NULL for
 * the kernel one.  No fail_mode and no controller: the bridge does normal
 * L2 switching.  -EEXIST when a bridge 'name' exists. */
int ovsdb_add_bridge(struct jsonrpc *db, const char *name,
                     const char *datapath_type, struct strbuf *err);
/* Removes bridge 'name' with all its ports.  -ENOENT when it is missing. */
int ovsdb_del_bridge(struct jsonrpc *db, const char *name,
                     struct strbuf *err);

/* Adds port 'port' with one interface of the same name and type
 * 'iface_type' ("" or NULL: the system network device of that name;
 * "internal", "tap", "patch", ...) to 'bridge'.  -ENOENT with "bridge 'X'
 * does not exist" when 'bridge' is missing, -EEXIST when a port 'port'
 * exists.  Whether ovs-vswitchd could open the device shows later in the
 * interface's ofport (see ovsdb_wait_ofport()). */
int ovsdb_add_port(struct jsonrpc *db, const char *bridge, const char *port,
                   const char *iface_type, struct strbuf *err);
/* Removes port 'port' from 'bridge' (NULL: from whichever bridge has it).
 * -ENOENT when there is no such port on it. */
int ovsdb_del_port(struct jsonrpc *db, const char *bridge, const char *port,
                   struct strbuf *err);

/* Reads Interface 'iface': *ofport is its OpenFlow port number, 0 while
 * ovs-vswitchd has not handled it yet, -1 when it failed to add it (then
 * ovsdb_get_iface_error() says why).  -ENOENT when there is no such
 * interface. */
int ovsdb_get_ofport(struct jsonrpc *db, const char *iface, int64_t *ofport,
                     struct strbuf *err);
/* Reads Interface 'iface''s "error" column into *iface_error (malloc'ed,
 * the caller frees; NULL when the column is empty). */
int ovsdb_get_iface_error(struct jsonrpc *db, const char *iface,
                          char **iface_error, struct strbuf *err);
/* Waits up to 'timeout_ms' for ovs-vswitchd to give 'iface' an OpenFlow
 * port number, and returns it in *ofport.  -EIO with the interface's own
 * error ("interface 'X' did not come up: could not open network device X
 * (No such device)") when ovs-vswitchd failed to add it, -ETIMEDOUT when
 * it did not decide in time. */
int ovsdb_wait_ofport(struct jsonrpc *db, const char *iface, int timeout_ms,
                      int64_t *ofport, struct strbuf *err);

/* Reads Open_vSwitch.next_cfg and cur_cfg. */
int ovsdb_get_cfg(struct jsonrpc *db, int64_t *next_cfg, int64_t *cur_cfg,
                  struct strbuf *err);
/* Increments next_cfg, which makes ovs-vswitchd reconfigure and report it
 * in cur_cfg; the new value goes to *next_cfg when it is non-NULL. */
int ovsdb_bump_cfg(struct jsonrpc *db, int64_t *next_cfg,
                   struct strbuf *err);
/* Waits up to 'timeout_ms' for cur_cfg to reach the current next_cfg, i.e.
 * for ovs-vswitchd to have applied every change made so far.
 * -ETIMEDOUT when it did not (ovs-vswitchd is not running, or stuck). */
int ovsdb_wait_reconfigured(struct jsonrpc *db, int timeout_ms,
                            struct strbuf *err);

/* --- Cleanup ledger removers (see ledger.h) --- */

/* Kinds "ovs-bridge" and "ovs-port": entry->name is the Bridge (Port) row
 * and entry->location the absolute path of the database socket of the OVS
 * that holds it (what `ovs-vsctl --db=unix:PATH del-br NAME` would reach).
 * A row already gone, or a socket that is gone or refuses connections (its
 * OVS is gone, and the row with it), is success; a name without
 * LEDGER_PREFIX or a relative path is refused with -EPERM. */
extern const struct ledger_kind_ops ledger_kind_ovs_bridge;
extern const struct ledger_kind_ops ledger_kind_ovs_port;

#endif
