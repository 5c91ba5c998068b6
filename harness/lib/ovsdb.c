#include "lib/ovsdb.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "lib/util.h"

/* ---------------------------------------------------------------------
 * Error messages
 * ------------------------------------------------------------------- */

static void add_error(struct strbuf *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* strbuf_addf() to an 'err' that may be NULL. */
static void add_error(struct strbuf *err, const char *fmt, ...)
{
    va_list ap;

    if (!err)
        return;
    va_start(ap, fmt);
    strbuf_vaddf(err, fmt, ap);
    va_end(ap);
}

static int replace_error(struct strbuf *msg, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Puts a message that knows what the failed operation meant in place of
 * the generic one in 'msg'; returns 'rc'. */
static int replace_error(struct strbuf *msg, int rc, const char *fmt, ...)
{
    va_list ap;

    strbuf_reset(msg);
    va_start(ap, fmt);
    strbuf_vaddf(msg, fmt, ap);
    va_end(ap);
    return rc;
}

/* Ends a function that built its message in 'msg' to be able to replace
 * it: on failure the message goes to 'err' (may be NULL).  Frees 'msg';
 * returns 'rc'. */
static int finish(int rc, struct strbuf *msg, struct strbuf *err)
{
    if (rc && err)
        strbuf_add(err, msg->buf, msg->len);
    strbuf_dispose(msg);
    return rc;
}

/* ---------------------------------------------------------------------
 * Operations (RFC 7047 5.2), built apart from the transaction that sends
 * them so that the unit tests can compare them with the JSON they expect.
 * ------------------------------------------------------------------- */

/* [["name", "==", name]] */
static json_t *where_name(const char *name)
{
    return json_pack("[[s,s,s]]", "name", "==", name);
}

/* A "wait" operation with timeout 0, i.e. an assertion checked when the
 * transaction runs: with until "==" it fails unless no row of 'table'
 * matches 'where', with "!=" unless one does.  Checking inside the
 * transaction closes the gap between a separate lookup and the change.
 * Takes ownership of 'where' and 'columns'; rows projected on no columns
 * are {}, so even then one row ([{}]) differs from none ([]). */
static json_t *op_wait(const char *table, json_t *where, json_t *columns,
                       const char *until)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:s, s:[], s:i}",
                     "op", "wait", "table", table, "where", where,
                     "columns", columns, "until", until, "rows",
                     "timeout", 0);
}

/* Asserts that a row of 'table' is named 'name' ("!=") or none is
 * ("=="). */
static json_t *op_assert_name(const char *table, const char *name,
                              const char *until)
{
    return op_wait(table, where_name(name), json_pack("[s]", "name"),
                   until);
}

/* Asserts that the root Open_vSwitch row exists ("!=") or not ("=="). */
static json_t *op_assert_root(const char *until)
{
    return op_wait("Open_vSwitch", json_array(), json_array(), until);
}

/* Increments next_cfg, with 'mutation' (may be NULL; owned) on the same
 * row. */
static json_t *op_mutate_root(json_t *mutation)
{
    json_t *mutations = json_pack("[[s,s,i]]", "next_cfg", "+=", 1);

    if (mutation)
        json_array_append_new(mutations, mutation);
    return json_pack("{s:s, s:s, s:[], s:o}", "op", "mutate",
                     "table", "Open_vSwitch", "where",
                     "mutations", mutations);
}

/* Selects 'columns' (a JSON array, owned) of the root row. */
static json_t *op_select_root(json_t *columns)
{
    return json_pack("{s:s, s:s, s:[], s:o}", "op", "select",
                     "table", "Open_vSwitch", "where", "columns", columns);
}

/* Selects 'columns' (owned) of the rows of 'table' named 'name'. */
static json_t *op_select_by_name(const char *table, const char *name,
                                 json_t *columns)
{
    return json_pack("{s:s, s:s, s:o, s:o}", "op", "select", "table", table,
                     "where", where_name(name), "columns", columns);
}

/* The params of "transact": the database, then the operations.  Takes
 * ownership of 'ops'. */
static json_t *transact_params(json_t *ops)
{
    json_t *params = json_pack("[s]", OVSDB_DATABASE);

    json_array_extend(params, ops);
    json_decref(ops);
    return params;
}

/* ovsdb_init(): the root row, inserted only if the table is empty, in one
 * transaction, so two callers cannot both insert: the assertion (op 0)
 * fails for the second. */
static json_t *init_ops(void)
{
    return json_pack("[o, {s:s, s:s, s:{}}]", op_assert_root("=="),
                     "op", "insert", "table", "Open_vSwitch", "row");
}

/* ovsdb_add_bridge(): op 0 fails without a root row, op 1 when the bridge
 * exists. */
static json_t *add_bridge_ops(const char *name, const char *datapath_type)
{
    json_t *ops = json_array();
    json_t *bridge_row = json_pack("{s:s, s:[s,s]}", "name", name,
                                   "ports", "named-uuid", "port");

    json_array_append_new(ops, op_assert_root("!="));
    json_array_append_new(ops, op_assert_name("Bridge", name, "=="));
    json_array_append_new(ops, json_pack(
        "{s:s, s:s, s:{s:s, s:s}, s:s}", "op", "insert", "table",
        "Interface", "row", "name", name, "type", "internal",
        "uuid-name", "iface"));
    json_array_append_new(ops, json_pack(
        "{s:s, s:s, s:{s:s, s:[s,s]}, s:s}", "op", "insert", "table", "Port",
        "row", "name", name, "interfaces", "named-uuid", "iface",
        "uuid-name", "port"));
    if (datapath_type && datapath_type[0])
        json_object_set_new(bridge_row, "datapath_type",
                            json_string(datapath_type));
    json_array_append_new(ops, json_pack(
        "{s:s, s:s, s:o, s:s}", "op", "insert", "table", "Bridge",
        "row", bridge_row, "uuid-name", "bridge"));
    json_array_append_new(ops, op_mutate_root(json_pack(
        "[s,s,[s,s]]", "bridges", "insert", "named-uuid", "bridge")));
    return ops;
}

/* ovsdb_del_bridge(): only the root row references a bridge, so once it
 * is out of Open_vSwitch.bridges the server collects the bridge, its ports
 * and their interfaces.  'uuid' is the bridge's ["uuid", "..."]. */
static json_t *del_bridge_ops(const json_t *uuid)
{
    return json_pack("[o]", op_mutate_root(json_pack(
        "[s,s,O]", "bridges", "delete", uuid)));
}

/* ovsdb_add_port(): op 0 fails when 'bridge' is missing, op 1 when the
 * port exists. */
static json_t *add_port_ops(const char *bridge, const char *port,
                            const char *iface_type)
{
    json_t *ops = json_array();
    json_t *iface_row = json_pack("{s:s}", "name", port);

    json_array_append_new(ops, op_assert_name("Bridge", bridge, "!="));
    json_array_append_new(ops, op_assert_name("Port", port, "=="));
    if (iface_type && iface_type[0])
        json_object_set_new(iface_row, "type", json_string(iface_type));
    json_array_append_new(ops, json_pack(
        "{s:s, s:s, s:o, s:s}", "op", "insert", "table", "Interface",
        "row", iface_row, "uuid-name", "iface"));
    json_array_append_new(ops, json_pack(
        "{s:s, s:s, s:{s:s, s:[s,s]}, s:s}", "op", "insert", "table", "Port",
        "row", "name", port, "interfaces", "named-uuid", "iface",
        "uuid-name", "port"));
    json_array_append_new(ops, json_pack(
        "{s:s, s:s, s:o, s:[[s,s,[s,s]]]}", "op", "mutate", "table",
        "Bridge", "where", where_name(bridge), "mutations",
        "ports", "insert", "named-uuid", "port"));
    json_array_append_new(ops, op_mutate_root(NULL));
    return ops;
}

/* ovsdb_del_port(): the port 'uuid' out of 'bridge' (NULL: whichever has
 * it).  Op 0 asserts that a bridge (that bridge) has the port, so that a
 * wrong bridge name fails instead of silently changing nothing. */
static json_t *del_port_ops(const char *bridge, const json_t *uuid)
{
    json_t *where = json_pack("[[s,s,O]]", "ports", "includes", uuid);

    if (bridge)
        json_array_append_new(where, json_pack("[s,s,s]", "name", "==",
                                               bridge));
    return json_pack("[o, {s:s, s:s, s:o, s:[[s,s,O]]}, o]",
                     op_wait("Bridge", json_incref(where),
                             json_pack("[s]", "name"), "!="),
                     "op", "mutate", "table", "Bridge", "where", where,
                     "mutations", "ports", "delete", uuid,
                     op_mutate_root(NULL));
}

/* ovsdb_bump_cfg(): op 0 fails without a root row; op 2 reads the new
 * next_cfg. */
static json_t *bump_cfg_ops(void)
{
    return json_pack("[o, o, o]", op_assert_root("!="), op_mutate_root(NULL),
                     op_select_root(json_pack("[s]", "next_cfg")));
}

/* ---------------------------------------------------------------------
 * Transactions
 * ------------------------------------------------------------------- */

/* One request; a missing answer or a refused request (unknown database,
 * bad syntax) becomes the error text.  Takes ownership of 'params'; on 0
 * the caller owns *result. */
static int call(struct jsonrpc *db, const char *method, json_t *params,
                json_t **result, struct strbuf *err)
{
    json_t *error;
    int rc = jsonrpc_transact(db, method, params, result, &error);

    if (rc) {
        add_error(err, "ovsdb: no answer from '%s': %s", jsonrpc_path(db),
                  rc == -ETIMEDOUT ? "timed out" : strerror(-rc));
        return rc;
    }
    if (error) {
        if (err) {
            strbuf_addf(err, "ovsdb: %s rejected: ", method);
            jsonrpc_error_text(error, err);
        }
        json_decref(error);
        return -EREMOTEIO;
    }
    return 0;
}

/* Checks the reply 'result' to a transaction of 'n_ops' operations.
 * RFC 7047 4.1.3: the failed operation's result holds the error, those
 * after it are null, and a commit failure is an extra element.  Returns 0,
 * -EPROTO, or -EREMOTEIO with the index of the failed operation in
 * *failed_op (may be NULL). */
static int check_results(const json_t *result, size_t n_ops, int *failed_op,
                         struct strbuf *err)
{
    if (!json_is_array(result) || json_array_size(result) < n_ops) {
        add_error(err, "ovsdb: malformed reply to a transaction");
        return -EPROTO;
    }
    for (size_t i = 0; i < json_array_size(result); i++) {
        const json_t *r = json_array_get(result, i);
        const json_t *e = json_object_get(r, "error");
        const char *error, *details;

        if (!e || json_is_null(e))
            continue;
        error = json_string_value(e);
        details = json_string_value(json_object_get(r, "details"));
        add_error(err, "ovsdb: transaction failed: %s",
                  error ? error : "unknown error");
        if (details && details[0])
            add_error(err, ": %s", details);
        if (failed_op)
            *failed_op = (int)i;
        return -EREMOTEIO;
    }
    return 0;
}

int ovsdb_transact(struct jsonrpc *db, json_t *ops, json_t **resultp,
                   int *failed_op, struct strbuf *err)
{
    size_t n_ops = json_array_size(ops);
    json_t *result = NULL;
    int rc;

    if (resultp)
        *resultp = NULL;
    if (failed_op)
        *failed_op = -1;
    rc = call(db, "transact", transact_params(ops), &result, err);
    if (!rc)
        rc = check_results(result, n_ops, failed_op, err);
    if (!rc && resultp)
        *resultp = result;
    else
        json_decref(result);
    return rc;
}

int ovsdb_list_dbs(struct jsonrpc *db, json_t **dbsp, struct strbuf *err)
{
    json_t *result;
    int rc = call(db, "list_dbs", NULL, &result, err);

    *dbsp = NULL;
    if (rc)
        return rc;
    if (!json_is_array(result)) {
        add_error(err, "ovsdb: malformed reply to list_dbs");
        json_decref(result);
        return -EPROTO;
    }
    *dbsp = result;
    return 0;
}

/* Selects 'columns' (a JSON array, owned) of the rows of 'table' named
 * 'name' and returns the first one in *rowp (caller json_decref), or
 * -ENOENT with "<table> 'name' does not exist" ("bridge 'br0' ...": the
 * tables are named like the things, capitalized). */
static int select_by_name(struct jsonrpc *db, const char *table,
                          const char *name, json_t *columns, json_t **rowp,
                          struct strbuf *err)
{
    json_t *ops = json_pack("[o]", op_select_by_name(table, name, columns));
    json_t *result, *row;
    int rc;

    *rowp = NULL;
    rc = ovsdb_transact(db, ops, &result, NULL, err);
    if (rc)
        return rc;
    row = json_array_get(json_object_get(json_array_get(result, 0), "rows"),
                         0);
    if (row)
        *rowp = json_incref(row);
    else
        add_error(err, "%c%s '%s' does not exist", tolower(table[0]),
                  table + 1, name);
    json_decref(result);
    return row ? 0 : -ENOENT;
}

/* Reads an optional integer column: an integer, or the empty set
 * ["set", []] while unset (then 0). */
static int64_t optional_int(const json_t *v)
{
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

#define NOT_INITIALIZED "the database has no Open_vSwitch row " \
                        "(not initialized)"

int ovsdb_init(struct jsonrpc *db, struct strbuf *err)
{
    struct strbuf msg = STRBUF_INIT;
    int failed_op;
    int rc = ovsdb_transact(db, init_ops(), NULL, &failed_op, &msg);

    if (rc == -EREMOTEIO && failed_op == 0)
        rc = 0;                     /* the row is there already */
    return finish(rc, &msg, err);
}

int ovsdb_add_bridge(struct jsonrpc *db, const char *name,
                     const char *datapath_type, struct strbuf *err)
{
    struct strbuf msg = STRBUF_INIT;
    int failed_op;
    int rc = ovsdb_transact(db, add_bridge_ops(name, datapath_type), NULL,
                            &failed_op, &msg);

    if (rc == -EREMOTEIO && failed_op == 0)
        rc = replace_error(&msg, -ENOENT, "cannot add bridge '%s': "
                           NOT_INITIALIZED, name);
    else if (rc == -EREMOTEIO && failed_op == 1)
        rc = replace_error(&msg, -EEXIST, "bridge '%s' already exists",
                           name);
    return finish(rc, &msg, err);
}

int ovsdb_del_bridge(struct jsonrpc *db, const char *name,
                     struct strbuf *err)
{
    json_t *row;
    int rc = select_by_name(db, "Bridge", name, json_pack("[s]", "_uuid"),
                            &row, err);

    if (rc)
        return rc;
    rc = ovsdb_transact(db, del_bridge_ops(json_object_get(row, "_uuid")),
                        NULL, NULL, err);
    json_decref(row);
    return rc;
}

int ovsdb_add_port(struct jsonrpc *db, const char *bridge, const char *port,
                   const char *iface_type, struct strbuf *err)
{
    struct strbuf msg = STRBUF_INIT;
    int failed_op;
    int rc = ovsdb_transact(db, add_port_ops(bridge, port, iface_type), NULL,
                            &failed_op, &msg);

    if (rc == -EREMOTEIO && failed_op == 0)
        rc = replace_error(&msg, -ENOENT, "cannot add port '%s': bridge "
                           "'%s' does not exist", port, bridge);
    else if (rc == -EREMOTEIO && failed_op == 1)
        rc = replace_error(&msg, -EEXIST, "cannot add port '%s' to bridge "
                           "'%s': a port of that name already exists", port,
                           bridge);
    return finish(rc, &msg, err);
}

int ovsdb_del_port(struct jsonrpc *db, const char *bridge, const char *port,
                   struct strbuf *err)
{
    struct strbuf msg = STRBUF_INIT;
    json_t *row;
    int failed_op;
    int rc = select_by_name(db, "Port", port, json_pack("[s]", "_uuid"),
                            &row, err);

    if (rc)
        return rc;
    rc = ovsdb_transact(db, del_port_ops(bridge,
                                         json_object_get(row, "_uuid")),
                        NULL, &failed_op, &msg);
    json_decref(row);
    if (rc == -EREMOTEIO && failed_op == 0)
        rc = replace_error(&msg, -ENOENT, "port '%s' is not on bridge '%s'",
                           port, bridge ? bridge : "(any)");
    return finish(rc, &msg, err);
}

int ovsdb_get_ofport(struct jsonrpc *db, const char *iface, int64_t *ofport,
                     struct strbuf *err)
{
    json_t *row;
    int rc = select_by_name(db, "Interface", iface,
                            json_pack("[s]", "ofport"), &row, err);

    *ofport = 0;
    if (rc)
        return rc;
    *ofport = optional_int(json_object_get(row, "ofport"));
    json_decref(row);
    return 0;
}

int ovsdb_get_iface_error(struct jsonrpc *db, const char *iface,
                          char **iface_error, struct strbuf *err)
{
    json_t *row;
    const char *text;
    int rc = select_by_name(db, "Interface", iface,
                            json_pack("[s]", "error"), &row, err);

    *iface_error = NULL;
    if (rc)
        return rc;
    /* An optional string: the string, or ["set", []] when empty. */
    text = json_string_value(json_object_get(row, "error"));
    if (text)
        *iface_error = xstrdup(text);
    json_decref(row);
    return 0;
}

int ovsdb_wait_ofport(struct jsonrpc *db, const char *iface, int timeout_ms,
                      int64_t *ofport, struct strbuf *err)
{
    long long deadline = monotonic_ms() + timeout_ms;
    int interval = 5;

    /* ovs-vswitchd writes ofport when it has added the interface to the
     * datapath, or -1 with Interface.error when it could not: the port is
     * ready exactly when the column is set, whatever time that takes. */
    for (;;) {
        int rc = ovsdb_get_ofport(db, iface, ofport, err);

        if (rc)
            return rc;
        if (*ofport > 0)
            return 0;
        if (*ofport < 0) {
            char *why = NULL;
            ovsdb_get_iface_error(db, iface, &why, NULL);
            add_error(err, "interface '%s' did not come up: %s", iface,
                      why ? why : "ovs-vswitchd gave no reason");
            free(why);
            return -EIO;
        }
        if (monotonic_ms() >= deadline) {
            add_error(err, "interface '%s' got no OpenFlow port within "
                      "%d ms", iface, timeout_ms);
            return -ETIMEDOUT;
        }
        sleep_ms(interval);
        if (interval < 100)
            interval *= 2;
    }
}

int ovsdb_get_cfg(struct jsonrpc *db, int64_t *next_cfg, int64_t *cur_cfg,
                  struct strbuf *err)
{
    json_t *ops = json_pack("[o]", op_select_root(json_pack(
        "[s,s]", "next_cfg", "cur_cfg")));
    json_t *result, *row;
    int rc = ovsdb_transact(db, ops, &result, NULL, err);

    if (rc)
        return rc;
    row = json_array_get(json_object_get(json_array_get(result, 0), "rows"),
                         0);
    if (!row) {
        add_error(err, NOT_INITIALIZED);
        json_decref(result);
        return -ENOENT;
    }
    if (next_cfg)
        *next_cfg = optional_int(json_object_get(row, "next_cfg"));
    if (cur_cfg)
        *cur_cfg = optional_int(json_object_get(row, "cur_cfg"));
    json_decref(result);
    return 0;
}

int ovsdb_bump_cfg(struct jsonrpc *db, int64_t *next_cfg, struct strbuf *err)
{
    struct strbuf msg = STRBUF_INIT;
    json_t *result, *row;
    int failed_op;
    int rc = ovsdb_transact(db, bump_cfg_ops(), &result, &failed_op, &msg);

    if (rc == -EREMOTEIO && failed_op == 0)
        rc = replace_error(&msg, -ENOENT, NOT_INITIALIZED);
    if ((rc = finish(rc, &msg, err)))
        return rc;
    row = json_array_get(json_object_get(json_array_get(result, 2), "rows"),
                         0);
    if (next_cfg)
        *next_cfg = optional_int(json_object_get(row, "next_cfg"));
    json_decref(result);
    return 0;
}

int ovsdb_wait_reconfigured(struct jsonrpc *db, int timeout_ms,
                            struct strbuf *err)
{
    long long deadline = monotonic_ms() + timeout_ms;
    int64_t target, cur;
    int interval = 5;
    int rc = ovsdb_get_cfg(db, &target, &cur, err);

    while (!rc && cur < target) {
        if (monotonic_ms() >= deadline) {
            add_error(err, "ovs-vswitchd did not apply configuration %lld "
                      "within %d ms (it is at %lld)", (long long)target,
                      timeout_ms, (long long)cur);
            return -ETIMEDOUT;
        }
        sleep_ms(interval);
        if (interval < 50)
            interval *= 2;
        rc = ovsdb_get_cfg(db, NULL, &cur, err);
    }
    return rc;
}

/* ---------------------------------------------------------------------
 * Cleanup ledger removers
 * ------------------------------------------------------------------- */

/* How long a replay waits for an OVS: one that does not answer in this
 * time keeps its ledger for the next cleanup. */
#define LEDGER_OVSDB_TIMEOUT_MS 5000

/* Deletes the Bridge (or Port) row e->name from the OVS whose database
 * socket is e->location.  A socket that is gone, or that nobody listens
 * on, means that OVS is gone and the row with it: success. */
static int remove_row(const struct ledger_entry *e, bool bridge)
{
    struct jsonrpc *db;
    int rc;

    if (!ledger_name_is_ours(e->name) || e->location[0] != '/')
        return -EPERM;
    rc = jsonrpc_open(e->location, LEDGER_OVSDB_TIMEOUT_MS, &db);
    if (rc == -ENOENT || rc == -ECONNREFUSED)
        return 0;
    if (rc)
        return rc;
    rc = bridge ? ovsdb_del_bridge(db, e->name, NULL)
                : ovsdb_del_port(db, NULL, e->name, NULL);
    /* The row is gone from the database; waiting for ovs-vswitchd to
     * apply it means its tap is gone too when the link entries are
     * replayed.  A vswitchd that is not there does not make it fail. */
    if (!rc)
        ovsdb_wait_reconfigured(db, LEDGER_OVSDB_TIMEOUT_MS, NULL);
    jsonrpc_close(db);
    return rc == -ENOENT ? 0 : rc;
}

static int remove_bridge(const struct ledger_entry *e)
{
    return remove_row(e, true);
}

static int remove_port(const struct ledger_entry *e)
{
    return remove_row(e, false);
}

const struct ledger_kind_ops ledger_kind_ovs_bridge = {
    .kind = "ovs-bridge",
    .location_is_path = true,
    .remove = remove_bridge,
};

const struct ledger_kind_ops ledger_kind_ovs_port = {
    .kind = "ovs-port",
    .location_is_path = true,
    .remove = remove_port,
};
