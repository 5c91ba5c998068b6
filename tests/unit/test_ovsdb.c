/* OVSDB without ovsdb-server: the operations each call builds, compared
 * with the JSON RFC 7047 wants; how a transaction's results are read; and
 * the whole calls against a fake server on a unix socket, for the errors
 * they turn failed operations into. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The file itself, for its static builders; the library's ovsdb.o is then
 * never pulled from the archive, as this defines all it exports. */
#include "lib/ovsdb.c"
#include "tmpdir.h"

/* JSON written with ' for ", to keep the expectations readable. */
static json_t *J(const char *text)
{
    char *s = xstrdup(text);
    json_error_t jerr;
    json_t *j;

    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    j = json_loads(s, JSON_DECODE_ANY, &jerr);
    if (!j)
        fail_msg("bad expectation (%s): %s", jerr.text, s);
    free(s);
    return j;
}

/* Checks 'got' against 'want' (both owned) with json_equal(): key order
 * does not matter. */
static void assert_json_equal(json_t *got, json_t *want)
{
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS
                             | JSON_ENCODE_ANY);
        char *w = json_dumps(want, JSON_COMPACT | JSON_SORT_KEYS
                             | JSON_ENCODE_ANY);
        print_error("got  %s\nwant %s\n", g, w);
        free(g);
        free(w);
        fail();
    }
    json_decref(got);
    json_decref(want);
}

/* The same with 'want' in J's syntax. */
static void assert_json(json_t *got, const char *want)
{
    assert_json_equal(got, J(want));
}

#define ASSERT_ROOT(until) \
    "{'op':'wait','table':'Open_vSwitch','where':[],'columns':[]," \
    "'until':'" until "','rows':[],'timeout':0}"
#define ASSERT_NAME(table, name, until) \
    "{'op':'wait','table':'" table "','where':[['name','==','" name "']]," \
    "'columns':['name'],'until':'" until "','rows':[],'timeout':0}"
#define BUMP_CFG "['next_cfg','+=',1]"

/* ---- the operations ---- */

static void test_ovsdb__transact_params(void **state)
{
    (void)state;
    assert_json(transact_params(J("[{'op':'comment','comment':'x'}]")),
                "['Open_vSwitch',{'op':'comment','comment':'x'}]");
    assert_json(transact_params(json_array()), "['Open_vSwitch']");
}

static void test_ovsdb__init_ops(void **state)
{
    (void)state;
    assert_json(init_ops(),
                "[" ASSERT_ROOT("==") ","
                " {'op':'insert','table':'Open_vSwitch','row':{}}]");
}

static void test_ovsdb__add_bridge_ops(void **state)
{
    const char *kernel =
        "[" ASSERT_ROOT("!=") "," ASSERT_NAME("Bridge", "br0", "==") ","
        " {'op':'insert','table':'Interface',"
        "  'row':{'name':'br0','type':'internal'},'uuid-name':'iface'},"
        " {'op':'insert','table':'Port',"
        "  'row':{'name':'br0','interfaces':['named-uuid','iface']},"
        "  'uuid-name':'port'},"
        " {'op':'insert','table':'Bridge',"
        "  'row':{'name':'br0','ports':['named-uuid','port']},"
        "  'uuid-name':'bridge'},"
        " {'op':'mutate','table':'Open_vSwitch','where':[],"
        "  'mutations':[" BUMP_CFG ","
        "               ['bridges','insert',['named-uuid','bridge']]]}]";
    json_t *netdev = J(kernel);

    (void)state;
    assert_json(add_bridge_ops("br0", NULL), kernel);
    assert_json(add_bridge_ops("br0", ""), kernel);
    json_object_set_new(json_object_get(json_array_get(netdev, 4), "row"),
                        "datapath_type", json_string("netdev"));
    assert_json_equal(add_bridge_ops("br0", "netdev"), netdev);
}

static void test_ovsdb__del_bridge_ops(void **state)
{
    json_t *uuid = J("['uuid','2a5e0f57-0000-4000-8000-000000000001']");

    (void)state;
    assert_json(del_bridge_ops(uuid),
                "[{'op':'mutate','table':'Open_vSwitch','where':[],"
                "  'mutations':[" BUMP_CFG ",['bridges','delete',"
                "    ['uuid','2a5e0f57-0000-4000-8000-000000000001']]]}]");
    json_decref(uuid);
}

static void test_ovsdb__add_port_ops(void **state)
{
#define ADD_PORT(type) \
        "[" ASSERT_NAME("Bridge", "br0", "!=") "," \
        ASSERT_NAME("Port", "p0", "==") "," \
        " {'op':'insert','table':'Interface','row':{'name':'p0'" type "}," \
        "  'uuid-name':'iface'}," \
        " {'op':'insert','table':'Port'," \
        "  'row':{'name':'p0','interfaces':['named-uuid','iface']}," \
        "  'uuid-name':'port'}," \
        " {'op':'mutate','table':'Bridge','where':[['name','==','br0']]," \
        "  'mutations':[['ports','insert',['named-uuid','port']]]}," \
        " {'op':'mutate','table':'Open_vSwitch','where':[]," \
        "  'mutations':[" BUMP_CFG "]}]"
    (void)state;
    assert_json(add_port_ops("br0", "p0", "internal"),
                ADD_PORT(",'type':'internal'"));
    /* A system device: no type at all, not an empty one. */
    assert_json(add_port_ops("br0", "p0", ""), ADD_PORT(""));
    assert_json(add_port_ops("br0", "p0", NULL), ADD_PORT(""));
#undef ADD_PORT
}

static void test_ovsdb__del_port_ops(void **state)
{
#define DEL_PORT(where) \
        "[{'op':'wait','table':'Bridge','where':" where "," \
        "  'columns':['name'],'until':'!=','rows':[],'timeout':0}," \
        " {'op':'mutate','table':'Bridge','where':" where "," \
        "  'mutations':[['ports','delete',['uuid','u-1']]]}," \
        " {'op':'mutate','table':'Open_vSwitch','where':[]," \
        "  'mutations':[" BUMP_CFG "]}]"
    json_t *uuid = J("['uuid','u-1']");

    (void)state;
    assert_json(del_port_ops("br0", uuid),
                DEL_PORT("[['ports','includes',['uuid','u-1']],"
                         "['name','==','br0']]"));
    assert_json(del_port_ops(NULL, uuid),
                DEL_PORT("[['ports','includes',['uuid','u-1']]]"));
    json_decref(uuid);
#undef DEL_PORT
}

static void test_ovsdb__select_and_cfg_ops(void **state)
{
    (void)state;
    assert_json(op_select_by_name("Interface", "p0",
                                  json_pack("[s]", "ofport")),
                "{'op':'select','table':'Interface',"
                " 'where':[['name','==','p0']],'columns':['ofport']}");
    assert_json(op_select_root(json_pack("[s,s]", "next_cfg", "cur_cfg")),
                "{'op':'select','table':'Open_vSwitch','where':[],"
                " 'columns':['next_cfg','cur_cfg']}");
    assert_json(bump_cfg_ops(),
                "[" ASSERT_ROOT("!=") ","
                " {'op':'mutate','table':'Open_vSwitch','where':[],"
                "  'mutations':[" BUMP_CFG "]},"
                " {'op':'select','table':'Open_vSwitch','where':[],"
                "  'columns':['next_cfg']}]");
}

/* ---- reading results ---- */

static void test_ovsdb__check_results(void **state)
{
    struct strbuf err = STRBUF_INIT;
    json_t *r;
    int failed_op = -1;

    (void)state;
    r = J("[{'rows':[]},{'count':1}]");
    assert_int_equal(check_results(r, 2, &failed_op, &err), 0);
    assert_int_equal(failed_op, -1);
    assert_int_equal(err.len, 0);
    json_decref(r);

    /* RFC 7047 4.1.3: the failed operation, nulls after it. */
    r = J("[{'count':1},{'error':'constraint violation',"
          "'details':'ofport_request 0 out of range'},null]");
    strbuf_addstr(&err, "kept; ");
    assert_int_equal(check_results(r, 3, &failed_op, &err), -EREMOTEIO);
    assert_int_equal(failed_op, 1);
    assert_string_equal(err.buf, "kept; ovsdb: transaction failed: "
                        "constraint violation: ofport_request 0 out of "
                        "range");
    json_decref(r);

    /* A commit that failed: one element more than operations. */
    strbuf_reset(&err);
    r = J("[{},{},{'error':'timed out'}]");
    assert_int_equal(check_results(r, 2, &failed_op, &err), -EREMOTEIO);
    assert_int_equal(failed_op, 2);
    assert_string_equal(err.buf, "ovsdb: transaction failed: timed out");
    json_decref(r);

    strbuf_reset(&err);
    r = J("[{'error':{'not':'a string'},'details':''}]");
    assert_int_equal(check_results(r, 1, NULL, &err), -EREMOTEIO);
    assert_string_equal(err.buf, "ovsdb: transaction failed: unknown error");
    assert_int_equal(check_results(r, 1, NULL, NULL), -EREMOTEIO);
    json_decref(r);
    strbuf_dispose(&err);
}

static void test_ovsdb__check_results_malformed(void **state)
{
    struct strbuf err = STRBUF_INIT;
    json_t *r = J("[{}]");
    json_t *o = J("{'rows':[]}");

    (void)state;
    assert_int_equal(check_results(r, 2, NULL, &err), -EPROTO);
    assert_string_equal(err.buf, "ovsdb: malformed reply to a transaction");
    assert_int_equal(check_results(o, 0, NULL, NULL), -EPROTO);
    assert_int_equal(check_results(NULL, 0, NULL, NULL), -EPROTO);
    json_decref(r);
    json_decref(o);
    strbuf_dispose(&err);
}

static void test_ovsdb__optional_int(void **state)
{
    json_t *set = J("['set',[]]");
    json_t *n = json_integer(65534);

    (void)state;
    assert_int_equal(optional_int(n), 65534);
    assert_int_equal(optional_int(set), 0);
    assert_int_equal(optional_int(NULL), 0);
    json_decref(set);
    json_decref(n);
}

/* ---- whole calls against a fake ovsdb-server ---- */

/* The server's side of one connection: the client connects, the test
 * accepts and writes the replies in advance (the client reads them in
 * order), runs the call, then reads what the client sent. */
struct fake {
    char *path;
    int listen_fd, fd;
    struct jsonrpc *db;
    char sent[16384];
    size_t sent_len, sent_pos;
};

static void fake_open(struct fake *f)
{
    static int serial;
    struct sockaddr_un sun = { .sun_family = AF_UNIX };

    memset(f, 0, sizeof *f);
    f->path = xasprintf("%s/db%d.sock", tmpdir, serial++);
    assert_true(strlen(f->path) < sizeof sun.sun_path);
    strcpy(sun.sun_path, f->path);
    f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(f->listen_fd >= 0);
    assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sun,
                          sizeof sun), 0);
    assert_int_equal(listen(f->listen_fd, 1), 0);
    assert_int_equal(jsonrpc_open(f->path, 1000, &f->db), 0);
    f->fd = accept(f->listen_fd, NULL, NULL);
    assert_true(f->fd >= 0);
}

static void fake_close(struct fake *f)
{
    jsonrpc_close(f->db);
    if (f->fd >= 0)
        close(f->fd);
    close(f->listen_fd);
    unlink(f->path);
    free(f->path);
}

static void fake_send(struct fake *f, const char *text)
{
    assert_int_equal(write(f->fd, text, strlen(text)),
                     (ssize_t)strlen(text));
}

/* Queues the reply to request 'id': 'result' in J's syntax. */
static void fake_reply(struct fake *f, int id, const char *result)
{
    json_t *reply = json_pack("{s:o, s:n, s:i}", "result", J(result),
                              "error", "id", id);
    char *text = json_dumps(reply, JSON_COMPACT);

    fake_send(f, text);
    free(text);
    json_decref(reply);
}

/* The next request the client sent: its method and params. */
static json_t *fake_request(struct fake *f, const char *method)
{
    json_error_t jerr;
    json_t *req, *params;

    if (f->sent_pos == f->sent_len) {
        ssize_t n = read(f->fd, f->sent, sizeof f->sent);
        assert_true(n > 0);
        f->sent_len = (size_t)n;
        f->sent_pos = 0;
    }
    req = json_loadb(f->sent + f->sent_pos, f->sent_len - f->sent_pos,
                     JSON_DISABLE_EOF_CHECK, &jerr);
    assert_non_null(req);
    f->sent_pos += jerr.position;
    assert_string_equal(json_string_value(json_object_get(req, "method")),
                        method);
    params = json_incref(json_object_get(req, "params"));
    json_decref(req);
    return params;
}

/* The params of the next "transact", without the database name. */
static json_t *fake_ops(struct fake *f)
{
    json_t *params = fake_request(f, "transact");

    assert_string_equal(json_string_value(json_array_get(params, 0)),
                        OVSDB_DATABASE);
    json_array_remove(params, 0);
    return params;
}

/* Checks a call's return code 'rc' and the message it left in 'err',
 * then empties 'err' for the next call. */
static void assert_err(struct strbuf *err, int rc, int want_rc,
                       const char *want_msg)
{
    assert_int_equal(rc, want_rc);
    assert_string_equal(err->buf, want_msg);
    strbuf_reset(err);
}

#define FAILED_AT_1 "[{},{'error':'timed out','details':'\\'wait\\' " \
                    "timed out after 0 ms'},null,null,null,null]"

static void test_ovsdb__add_bridge(void **state)
{
    struct strbuf err = STRBUF_INIT;
    struct fake f;

    (void)state;
    fake_open(&f);
    fake_reply(&f, 1, "[{},{},{'uuid':['uuid','i']},{'uuid':['uuid','p']},"
                      "{'uuid':['uuid','b']},{'count':1}]");
    assert_int_equal(ovsdb_add_bridge(f.db, "br0", "netdev", &err), 0);
    assert_int_equal(err.len, 0);
    assert_json_equal(fake_ops(&f), add_bridge_ops("br0", "netdev"));

    /* The bridge exists: the assertion (op 1) said so. */
    fake_reply(&f, 2, FAILED_AT_1);
    strbuf_addstr(&err, "first; ");
    assert_err(&err, ovsdb_add_bridge(f.db, "br0", "netdev", &err), -EEXIST,
               "first; bridge 'br0' already exists");

    /* No root row (op 0). */
    fake_reply(&f, 3, "[{'error':'timed out'},null,null,null,null,null]");
    assert_err(&err, ovsdb_add_bridge(f.db, "br0", NULL, &err), -ENOENT,
               "cannot add bridge 'br0': the database has no Open_vSwitch "
               "row (not initialized)");

    /* Any other failure keeps the server's words. */
    fake_reply(&f, 4, "[{},{},{'error':'constraint violation'},null,null,"
                      "null]");
    assert_err(&err, ovsdb_add_bridge(f.db, "br0", NULL, &err), -EREMOTEIO,
               "ovsdb: transaction failed: constraint violation");
    fake_close(&f);
    strbuf_dispose(&err);
}

static void test_ovsdb__add_port_errors(void **state)
{
    struct strbuf err = STRBUF_INIT;
    struct fake f;

    (void)state;
    fake_open(&f);
    fake_reply(&f, 1, "[{'error':'timed out'},null,null,null,null,null]");
    assert_err(&err, ovsdb_add_port(f.db, "br9", "p0", "internal", &err),
               -ENOENT, "cannot add port 'p0': bridge 'br9' does not exist");
    fake_reply(&f, 2, FAILED_AT_1);
    assert_err(&err, ovsdb_add_port(f.db, "br0", "p0", "internal", &err),
               -EEXIST, "cannot add port 'p0' to bridge 'br0': a port of "
               "that name already exists");
    fake_close(&f);
    strbuf_dispose(&err);
}

static void test_ovsdb__del_port(void **state)
{
    struct strbuf err = STRBUF_INIT;
    struct fake f;

    (void)state;
    fake_open(&f);
    /* Found, but not on that bridge. */
    fake_reply(&f, 1, "[{'rows':[{'_uuid':['uuid','u-1']}]}]");
    fake_reply(&f, 2, "[{'error':'timed out'},null,null]");
    assert_err(&err, ovsdb_del_port(f.db, "br1", "p0", &err), -ENOENT,
               "port 'p0' is not on bridge 'br1'");
    assert_json(fake_ops(&f),
                "[{'op':'select','table':'Port','where':[['name','==','p0']],"
                "  'columns':['_uuid']}]");
    assert_json(fake_ops(&f), "[{'op':'wait','table':'Bridge','where':"
                "[['ports','includes',['uuid','u-1']],['name','==','br1']],"
                "'columns':['name'],'until':'!=','rows':[],'timeout':0},"
                "{'op':'mutate','table':'Bridge','where':"
                "[['ports','includes',['uuid','u-1']],['name','==','br1']],"
                "'mutations':[['ports','delete',['uuid','u-1']]]},"
                "{'op':'mutate','table':'Open_vSwitch','where':[],"
                "'mutations':[" BUMP_CFG "]}]");

    /* Not there at all. */
    fake_reply(&f, 3, "[{'rows':[]}]");
    assert_err(&err, ovsdb_del_port(f.db, NULL, "p0", &err), -ENOENT,
               "port 'p0' does not exist");
    fake_close(&f);
    strbuf_dispose(&err);
}

static void test_ovsdb__init_is_idempotent(void **state)
{
    struct strbuf err = STRBUF_INIT;
    struct fake f;

    (void)state;
    fake_open(&f);
    fake_reply(&f, 1, "[{'error':'timed out'},null]");
    assert_int_equal(ovsdb_init(f.db, &err), 0);
    assert_int_equal(err.len, 0);
    fake_reply(&f, 2, "[{},{'error':'constraint violation'}]");
    assert_err(&err, ovsdb_init(f.db, &err), -EREMOTEIO,
               "ovsdb: transaction failed: constraint violation");
    fake_close(&f);
    strbuf_dispose(&err);
}

static void test_ovsdb__cfg(void **state)
{
    struct strbuf err = STRBUF_INIT;
    int64_t next = 0, cur = 0;
    struct fake f;

    (void)state;
    fake_open(&f);
    fake_reply(&f, 1, "[{},{'count':1},{'rows':[{'next_cfg':8}]}]");
    assert_int_equal(ovsdb_bump_cfg(f.db, &next, &err), 0);
    assert_int_equal(next, 8);
    fake_reply(&f, 2, "[{'rows':[{'next_cfg':8,'cur_cfg':['set',[]]}]}]");
    assert_int_equal(ovsdb_get_cfg(f.db, &next, &cur, &err), 0);
    assert_int_equal(next, 8);
    assert_int_equal(cur, 0);
    fake_reply(&f, 3, "[{'rows':[]}]");
    assert_err(&err, ovsdb_get_cfg(f.db, &next, &cur, &err), -ENOENT,
               "the database has no Open_vSwitch row (not initialized)");
    fake_reply(&f, 4, "[{'error':'timed out'},null,null]");
    assert_int_equal(ovsdb_bump_cfg(f.db, NULL, NULL), -ENOENT);
    fake_close(&f);
    strbuf_dispose(&err);
}

static void test_ovsdb__rejected_and_gone(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *want;
    struct fake f;
    json_t *dbs;

    (void)state;
    fake_open(&f);
    fake_send(&f, "{\"id\":1,\"result\":null,\"error\":"
              "{\"error\":\"unknown database\"}}");
    assert_err(&err, ovsdb_list_dbs(f.db, &dbs, &err), -EREMOTEIO,
               "ovsdb: list_dbs rejected: {\"error\":\"unknown database\"}");
    assert_null(dbs);
    fake_reply(&f, 2, "{'not':'an array'}");
    assert_err(&err, ovsdb_list_dbs(f.db, &dbs, &err), -EPROTO,
               "ovsdb: malformed reply to list_dbs");

    /* The server goes away. */
    close(f.fd);
    f.fd = -1;
    want = xasprintf("ovsdb: no answer from '%s': %s", f.path,
                     strerror(ECONNRESET));
    assert_err(&err, ovsdb_init(f.db, &err), -ECONNRESET, want);
    free(want);
    fake_close(&f);
    strbuf_dispose(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ovsdb__transact_params),
        cmocka_unit_test(test_ovsdb__init_ops),
        cmocka_unit_test(test_ovsdb__add_bridge_ops),
        cmocka_unit_test(test_ovsdb__del_bridge_ops),
        cmocka_unit_test(test_ovsdb__add_port_ops),
        cmocka_unit_test(test_ovsdb__del_port_ops),
        cmocka_unit_test(test_ovsdb__select_and_cfg_ops),
        cmocka_unit_test(test_ovsdb__check_results),
        cmocka_unit_test(test_ovsdb__check_results_malformed),
        cmocka_unit_test(test_ovsdb__optional_int),
        cmocka_unit_test(test_ovsdb__add_bridge),
        cmocka_unit_test(test_ovsdb__add_port_errors),
        cmocka_unit_test(test_ovsdb__del_port),
        cmocka_unit_test(test_ovsdb__init_is_idempotent),
        cmocka_unit_test(test_ovsdb__cfg),
        cmocka_unit_test(test_ovsdb__rejected_and_gone),
    };
    return cmocka_run_group_tests_name("ovsdb", tests, tmpdir_create,
                                       tmpdir_remove);
}
