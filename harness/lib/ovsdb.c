#include "lib/ovsdb.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/strbuf.h"
#include "lib/util.h"

static void set_error(char **errp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(char **errp, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;

    if (!errp)
        return;
    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    *errp = strbuf_detach(&sb);
}



/* The message for an operation result {"error": E, "details": D}. */
static char *op_error_text(const json_t *r)
{
    const char *error = json_string_value(json_object_get(r, "error"));
    const char *details = json_string_value(json_object_get(r, "details"));
    struct strbuf sb = STRBUF_INIT;

    strbuf_addf(&sb, "ovsdb: transaction failed: %s",
                error ? error : "unknown error");
    if (details && details[0])
        strbuf_addf(&sb, ": %s", details);
    return strbuf_detach(&sb);
}

/* One request; a missing answer or a refused request (unknown database,
 * bad syntax) becomes the error text.  Takes ownership of 'params'; on 0
 * the caller owns *result. */
static int call(struct jsonrpc *db, const char *method, json_t *params,
                json_t **result, char **errp)
{
    json_t *error;
    int err = jsonrpc_transact(db, method, params, result, &error);

    if (err) {
        set_error(errp, "ovsdb: no answer from '%s': %s", jsonrpc_path(db),
                  err == -ETIMEDOUT ? "timed out" : strerror(-err));
        return err;
    }
    if (error) {
        char *text = jsonrpc_error_text(error);
        set_error(errp, "ovsdb: %s rejected: %s", method, text);
        free(text);
        json_decref(error);
        return -EREMOTEIO;
    }
    return 0;
}

int ovsdb_transact(struct jsonrpc *db, json_t *ops, json_t **resultp,
                   int *failed_op, char **errp)
{
    size_t n_ops = json_array_size(ops);
    json_t *params = json_array();
    json_t *result = NULL;
    int err;

    if (resultp)
        *resultp = NULL;
    if (failed_op)
        *failed_op = -1;
    json_array_append_new(params, json_string(OVSDB_DATABASE));
    json_array_extend(params, ops);
    json_decref(ops);

    err = call(db, "transact", params, &result, errp);
    if (err)
        return err;
    if (!json_is_array(result) || json_array_size(result) < n_ops) {
        set_error(errp, "ovsdb: malformed reply to a transaction");
        json_decref(result);
        return -EPROTO;
    }
    /* RFC 7047 4.1.3: the failed operation's result holds the error and
     * those after it are null; a commit failure is an extra element. */
    for (size_t i = 0; i < json_array_size(result); i++) {
        json_t *r = json_array_get(result, i);
        json_t *e = json_object_get(r, "error");

        if (e && !json_is_null(e)) {
            char *text = op_error_text(r);
            set_error(errp, "%s", text);
            free(text);
            if (failed_op)
                *failed_op = (int)i;
            json_decref(result);
            return -EREMOTEIO;
        }
    }
    if (resultp)
        *resultp = result;
    else
        json_decref(result);
    return 0;
}

int ovsdb_list_dbs(struct jsonrpc *db, json_t **dbsp, char **errp)
{
    json_t *result;
    int err = call(db, "list_dbs", NULL, &result, errp);

    *dbsp = NULL;
    if (err)
        return err;
    if (!json_is_array(result)) {
        set_error(errp, "ovsdb: malformed reply to list_dbs");
        json_decref(result);
        return -EPROTO;
    }
    *dbsp = result;
    return 0;
}

/* [["name", "==", name]] */
static json_t *where_name(const char *name)
{
    return json_pack("[[s,s,s]]", "name", "==", name);
}

/* A "wait" operation with timeout 0, i.e. an assertion checked when the
 * transaction runs: with until "==" it fails unless no row of 'table' is
 * named 'name', with "!=" unless one is.  Checking inside the transaction
 * closes the gap between a separate lookup and the change. */
static json_t *op_assert_name(const char *table, const char *name,
                              const char *until)
{
    return json_pack("{s:s, s:s, s:o, s:[s], s:s, s:[], s:i}",
                     "op", "wait", "table", table,
                     "where", where_name(name), "columns", "name",
                     "until", until, "rows", "timeout", 0);
}

/* Asserts the root Open_vSwitch row exists.  Rows projected on no
 * columns are {}: one row gives [{}], which differs from []. */
static json_t *op_assert_root(void)
{
    return json_pack("{s:s, s:s, s:[], s:[], s:s, s:[], s:i}",
                     "op", "wait", "table", "Open_vSwitch", "where",
                     "columns", "until", "!=", "rows", "timeout", 0);
}

/* Increments next_cfg, with 'mutation' (may be NULL) on the same row. */
static json_t *op_mutate_root(json_t *mutation)
{
    json_t *mutations = json_pack("[[s,s,i]]", "next_cfg", "+=", 1);

    if (mutation)
        json_array_append_new(mutations, mutation);
    return json_pack("{s:s, s:s, s:[], s:o}", "op", "mutate",
                     "table", "Open_vSwitch", "where",
                     "mutations", mutations);
}

/* Selects the rows of 'table' named 'name' (columns: a JSON array, owned)
 * and returns the first one in *rowp (caller json_decref), or -ENOENT. */
static int select_by_name(struct jsonrpc *db, const char *table,
                          const char *name, json_t *columns, json_t **rowp,
                          char **errp)
{
    json_t *ops = json_pack("[{s:s, s:s, s:o, s:o}]", "op", "select",
                            "table", table, "where", where_name(name),
                            "columns", columns);
    json_t *result, *row;
    int err;

    *rowp = NULL;
    err = ovsdb_transact(db, ops, &result, NULL, errp);
    if (err)
        return err;
    row = json_array_get(json_object_get(json_array_get(result, 0), "rows"),
                         0);
    if (row)
        *rowp = json_incref(row);
    json_decref(result);
    return row ? 0 : -ENOENT;
}

/* Reads an optional integer column: an integer, or the empty set
 * ["set", []] while unset (then 0). */
static int64_t optional_int(const json_t *v)
{
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

int ovsdb_init(struct jsonrpc *db, char **errp)
{
    /* Insert only if the table is empty, in one transaction, so two
     * callers cannot both insert: the assertion fails for the second. */
    json_t *ops = json_pack("[{s:s, s:s, s:[], s:[], s:s, s:[], s:i},"
                            " {s:s, s:s, s:{}}]",
                            "op", "wait", "table", "Open_vSwitch", "where",
                            "columns", "until", "==", "rows", "timeout", 0,
                            "op", "insert", "table", "Open_vSwitch", "row");
    char *msg = NULL;
    int failed_op;
    int err = ovsdb_transact(db, ops, NULL, &failed_op, &msg);

    if (err == -EREMOTEIO && failed_op == 0)
        err = 0;                    /* the row is there already */
    if (err && errp) {
        *errp = msg;
        msg = NULL;
    }
    free(msg);
    return err;
}

int ovsdb_add_bridge(struct jsonrpc *db, const char *name,
                     const char *datapath_type, char **errp)
{
    json_t *ops = json_array();
    json_t *bridge_row;
    char *msg = NULL;
    int failed_op, err;

    json_array_append_new(ops, op_assert_root());
    json_array_append_new(ops, op_assert_name("Bridge", name, "=="));
    json_array_append_new(ops, json_pack(
        "{s:s, s:s, s:{s:s, s:s}, s:s}", "op", "insert", "table",
        "Interface", "row", "name", name, "type", "internal",
        "uuid-name", "iface"));
    json_array_append_new(ops, json_pack(
        "{s:s, s:s, s:{s:s, s:[s,s]}, s:s}", "op", "insert", "table", "Port",
        "row", "name", name, "interfaces", "named-uuid", "iface",
        "uuid-name", "port"));
    bridge_row = json_pack("{s:s, s:[s,s]}", "name", name,
                           "ports", "named-uuid", "port");
    if (datapath_type && datapath_type[0])
        json_object_set_new(bridge_row, "datapath_type",
                            json_string(datapath_type));
    json_array_append_new(ops, json_pack(
        "{s:s, s:s, s:o, s:s}", "op", "insert", "table", "Bridge",
        "row", bridge_row, "uuid-name", "bridge"));
    json_array_append_new(ops, op_mutate_root(json_pack(
        "[s,s,[s,s]]", "bridges", "insert", "named-uuid", "bridge")));

    err = ovsdb_transact(db, ops, NULL, &failed_op, &msg);
    if (err == -EREMOTEIO && failed_op == 0) {
        err = -ENOENT;
        free(msg);
        set_error(&msg, "cannot add bridge '%s': the database has no "
                  "Open_vSwitch row (not initialized)", name);
    } else if (err == -EREMOTEIO && failed_op == 1) {
        err = -EEXIST;
        free(msg);
        set_error(&msg, "bridge '%s' already exists", name);
    }
    if (err && errp) {
        *errp = msg;
        msg = NULL;
    }
    free(msg);
    return err;
}

int ovsdb_del_bridge(struct jsonrpc *db, const char *name, char **errp)
{
    json_t *row, *ops;
    int err = select_by_name(db, "Bridge", name, json_pack("[s]", "_uuid"),
                             &row, errp);

    if (err == -ENOENT)
        set_error(errp, "bridge '%s' does not exist", name);
    if (err)
        return err;
    /* Only the root row references a bridge: once it is out of
     * Open_vSwitch.bridges the server collects the bridge, its ports and
     * their interfaces. */
    ops = json_pack("[o]", op_mutate_root(json_pack(
        "[s,s,O]", "bridges", "delete", json_object_get(row, "_uuid"))));
    json_decref(row);
    return ovsdb_transact(db, ops, NULL, NULL, errp);
}

int ovsdb_add_port(struct jsonrpc *db, const char *bridge, const char *port,
                   const char *iface_type, char **errp)
{
    json_t *ops = json_array();
    json_t *iface_row = json_pack("{s:s}", "name", port);
    char *msg = NULL;
    int failed_op, err;

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

    err = ovsdb_transact(db, ops, NULL, &failed_op, &msg);
    if (err == -EREMOTEIO && failed_op == 0) {
        err = -ENOENT;
        free(msg);
        set_error(&msg, "cannot add port '%s': bridge '%s' does not exist",
                  port, bridge);
    } else if (err == -EREMOTEIO && failed_op == 1) {
        err = -EEXIST;
        free(msg);
        set_error(&msg, "cannot add port '%s' to bridge '%s': a port of "
                  "that name already exists", port, bridge);
    }
    if (err && errp) {
        *errp = msg;
        msg = NULL;
    }
    free(msg);
    return err;
}

int ovsdb_del_port(struct jsonrpc *db, const char *bridge, const char *port,
                   char **errp)
{
    json_t *row, *uuid, *where, *ops;
    char *msg = NULL;
    int failed_op, err;

    err = select_by_name(db, "Port", port, json_pack("[s]", "_uuid"), &row,
                         errp);
    if (err == -ENOENT)
        set_error(errp, "port '%s' does not exist", port);
    if (err)
        return err;
    uuid = json_object_get(row, "_uuid");
    where = json_pack("[[s,s,O]]", "ports", "includes", uuid);
    if (bridge)
        json_array_append_new(where, json_pack("[s,s,s]", "name", "==",
                                               bridge));
    ops = json_array();
    /* Assert that a bridge (that bridge) has the port, so that a wrong
     * bridge name fails instead of silently changing nothing. */
    json_array_append_new(ops, json_pack(
        "{s:s, s:s, s:O, s:[s], s:s, s:[], s:i}", "op", "wait", "table",
        "Bridge", "where", where, "columns", "name", "until", "!=", "rows",
        "timeout", 0));
    json_array_append_new(ops, json_pack(
        "{s:s, s:s, s:o, s:[[s,s,O]]}", "op", "mutate", "table", "Bridge",
        "where", where, "mutations", "ports", "delete", uuid));
    json_array_append_new(ops, op_mutate_root(NULL));
    json_decref(row);

    err = ovsdb_transact(db, ops, NULL, &failed_op, &msg);
    if (err == -EREMOTEIO && failed_op == 0) {
        err = -ENOENT;
        free(msg);
        set_error(&msg, "port '%s' is not on bridge '%s'", port,
                  bridge ? bridge : "(any)");
    }
    if (err && errp) {
        *errp = msg;
        msg = NULL;
    }
    free(msg);
    return err;
}

int ovsdb_get_ofport(struct jsonrpc *db, const char *iface, int64_t *ofport,
                     char **errp)
{
    json_t *row;
    int err = select_by_name(db, "Interface", iface,
                             json_pack("[s]", "ofport"), &row, errp);

    *ofport = 0;
    if (err == -ENOENT)
        set_error(errp, "interface '%s' does not exist", iface);
    if (err)
        return err;
    *ofport = optional_int(json_object_get(row, "ofport"));
    json_decref(row);
    return 0;
}

int ovsdb_get_iface_error(struct jsonrpc *db, const char *iface,
                          char **iface_error, char **errp)
{
    json_t *row;
    const char *text;
    int err = select_by_name(db, "Interface", iface,
                             json_pack("[s]", "error"), &row, errp);

    *iface_error = NULL;
    if (err == -ENOENT)
        set_error(errp, "interface '%s' does not exist", iface);
    if (err)
        return err;
    /* An optional string: the string, or ["set", []] when empty. */
    text = json_string_value(json_object_get(row, "error"));
    if (text)
        *iface_error = xstrdup(text);
    json_decref(row);
    return 0;
}

int ovsdb_wait_ofport(struct jsonrpc *db, const char *iface, int timeout_ms,
                      int64_t *ofport, char **errp)
{
    long long deadline = monotonic_ms() + timeout_ms;
    int interval = 5;

    /* ovs-vswitchd writes ofport when it has added the interface to the
     * datapath, or -1 with Interface.error when it could not: the port is
     * ready exactly when the column is set, whatever time that takes. */
    for (;;) {
        int err = ovsdb_get_ofport(db, iface, ofport, errp);

        if (err)
            return err;
        if (*ofport > 0)
            return 0;
        if (*ofport < 0) {
            char *why = NULL;
            ovsdb_get_iface_error(db, iface, &why, NULL);
            set_error(errp, "interface '%s' did not come up: %s", iface,
                      why ? why : "ovs-vswitchd gave no reason");
            free(why);
            return -EIO;
        }
        if (monotonic_ms() >= deadline) {
            set_error(errp, "interface '%s' got no OpenFlow port within "
                      "%d ms", iface, timeout_ms);
            return -ETIMEDOUT;
        }
        sleep_ms(interval);
        if (interval < 100)
            interval *= 2;
    }
}

int ovsdb_get_cfg(struct jsonrpc *db, int64_t *next_cfg, int64_t *cur_cfg,
                  char **errp)
{
    json_t *ops = json_pack("[{s:s, s:s, s:[], s:[s,s]}]", "op", "select",
                            "table", "Open_vSwitch", "where", "columns",
                            "next_cfg", "cur_cfg");
    json_t *result, *row;
    int err = ovsdb_transact(db, ops, &result, NULL, errp);

    if (err)
        return err;
    row = json_array_get(json_object_get(json_array_get(result, 0), "rows"),
                         0);
    if (!row) {
        set_error(errp, "the database has no Open_vSwitch row "
                  "(not initialized)");
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

int ovsdb_bump_cfg(struct jsonrpc *db, int64_t *next_cfg, char **errp)
{
    json_t *ops = json_pack("[o,o,{s:s, s:s, s:[], s:[s]}]",
                            op_assert_root(), op_mutate_root(NULL),
                            "op", "select", "table", "Open_vSwitch",
                            "where", "columns", "next_cfg");
    json_t *result, *row;
    char *msg = NULL;
    int failed_op;
    int err = ovsdb_transact(db, ops, &result, &failed_op, &msg);

    if (err == -EREMOTEIO && failed_op == 0) {
        err = -ENOENT;
        free(msg);
        set_error(&msg, "the database has no Open_vSwitch row "
                  "(not initialized)");
    }
    if (err) {
        if (errp) {
            *errp = msg;
        } else {
            free(msg);
        }
        return err;
    }
    row = json_array_get(json_object_get(json_array_get(result, 2), "rows"),
                         0);
    if (next_cfg)
        *next_cfg = optional_int(json_object_get(row, "next_cfg"));
    json_decref(result);
    return 0;
}

int ovsdb_wait_reconfigured(struct jsonrpc *db, int timeout_ms, char **errp)
{
    long long deadline = monotonic_ms() + timeout_ms;
    int64_t target, cur;
    int interval = 5;
    int err = ovsdb_get_cfg(db, &target, &cur, errp);

    while (!err && cur < target) {
        if (monotonic_ms() >= deadline) {
            set_error(errp, "ovs-vswitchd did not apply configuration %lld "
                      "within %d ms (it is at %lld)", (long long)target,
                      timeout_ms, (long long)cur);
            return -ETIMEDOUT;
        }
        sleep_ms(interval);
        if (interval < 50)
            interval *= 2;
        err = ovsdb_get_cfg(db, NULL, &cur, errp);
    }
    return err;
}
