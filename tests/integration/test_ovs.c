/* Integration test of the OVS layer against a real, private Open vSwitch
 * (ovsdb-server + ovs-vswitchd, userspace "netdev" datapath) started in a
 * temporary directory.  Needs root and openvswitch-switch.  The tests run
 * in order on one instance; the group teardown removes everything even
 * when a test failed. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/jsonrpc.h"
#include "lib/ledger.h"
#include "sut/ovs_instance.h"
#include "lib/ovsdb.h"
#include "lib/proc.h"
#include "lib/strbuf.h"
#include "lib/unixctl.h"

#define WAIT_MS 10000

static struct {
    char dir[64];
    struct ledger *ledger;
    struct ovs_instance *ovs;
    struct jsonrpc *db;
    /* pt-t<pid>..., unique per test process, <= 15 characters. */
    char prefix[16], bridge[16], bridge2[16], port[16], nodev[16],
         missing[16], kbridge[16], kport[16];
    pid_t ovsdb_pid, vswitchd_pid;
    unsigned long long ovsdb_start, vswitchd_start;
    /* The netdev datapath's own tap, not ours if it predates the test. */
    bool had_ovs_netdev;
} fx;

/* `ip -o link` output. */
static char *ip_links(void)
{
    struct strbuf sb = STRBUF_INIT;
    char buf[4096];
    size_t n;
    FILE *f = popen("ip -o link show", "r");

    assert_non_null(f);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&sb, buf, n);
    assert_int_equal(pclose(f), 0);
    return strbuf_detach(&sb);
}

static int link_exists(const char *name)
{
    char *links = ip_links();
    char *pat = xasprintf(": %s:", name);
    int found = strstr(links, pat) != NULL;

    free(pat);
    free(links);
    return found;
}

static int make_dir(const char *dir)
{
    char *argv[] = { "mkdir", "-p", (char *)dir, NULL };

    return proc_run(argv, NULL);
}

static void remove_dir(const char *dir)
{
    char *argv[] = { "rm", "-rf", (char *)dir, NULL };

    if (dir[0])
        proc_run(argv, NULL);
}

static int group_teardown(void **state)
{
    (void)state;
    if (fx.db) {
        ovsdb_del_bridge(fx.db, fx.bridge, NULL);
        ovsdb_del_bridge(fx.db, fx.bridge2, NULL);
        ovsdb_del_bridge(fx.db, fx.kbridge, NULL);
        ovsdb_wait_reconfigured(fx.db, WAIT_MS, NULL);
        jsonrpc_close(fx.db);
        fx.db = NULL;
    }
    ovs_instance_destroy(fx.ovs);
    fx.ovs = NULL;
    if (fx.ledger) {
        /* Whatever the instance did not stop, the ledger does. */
        ledger_teardown(fx.ledger);
        ledger_destroy(fx.ledger);
        fx.ledger = NULL;
    }
    remove_dir(fx.dir);
    return 0;
}

static int group_setup(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *ledger_dir, *ovs_dir;
    int pid = (int)getpid();

    (void)state;
    snprintf(fx.prefix, sizeof fx.prefix, "pt-t%d", pid);
    snprintf(fx.bridge, sizeof fx.bridge, "pt-t%dbr", pid);
    snprintf(fx.bridge2, sizeof fx.bridge2, "pt-t%db2", pid);
    snprintf(fx.port, sizeof fx.port, "pt-t%dp0", pid);
    snprintf(fx.nodev, sizeof fx.nodev, "pt-t%dnd", pid);
    snprintf(fx.missing, sizeof fx.missing, "pt-t%dzz", pid);
    snprintf(fx.kbridge, sizeof fx.kbridge, "pt-t%dkb", pid);
    snprintf(fx.kport, sizeof fx.kport, "pt-t%dkp", pid);
    fx.had_ovs_netdev = link_exists("ovs-netdev");
    strcpy(fx.dir, "/tmp/pt-ovs-XXXXXX");
    if (!mkdtemp(fx.dir)) {
        fx.dir[0] = '\0';
        return -1;
    }

    ledger_dir = xasprintf("%s/ledger", fx.dir);
    fx.ledger = ledger_create(ledger_dir, "test_ovs");
    free(ledger_dir);
    if (!fx.ledger) {
        fprintf(stderr, "cannot create ledger: %s\n", strerror(errno));
        goto fail;
    }
    ovs_dir = xasprintf("%s/ovs", fx.dir);
    fx.ovs = ovs_instance_start(ovs_dir, NULL, fx.ledger, &err);
    free(ovs_dir);
    if (!fx.ovs) {
        fprintf(stderr, "cannot start OVS: %s\n", err.buf);
        goto fail;
    }
    fx.ovsdb_pid = ovs_instance_ovsdb_pid(fx.ovs);
    fx.ovsdb_start = ovs_instance_ovsdb_starttime(fx.ovs);
    fx.vswitchd_pid = ovs_instance_vswitchd_pid(fx.ovs);
    fx.vswitchd_start = ovs_instance_vswitchd_starttime(fx.ovs);
    if (ovs_instance_db_open(fx.ovs, &fx.db))
        goto fail;
    if (ovsdb_add_bridge(fx.db, fx.bridge, "netdev", &err)
        || ovsdb_wait_reconfigured(fx.db, WAIT_MS, &err)) {
        fprintf(stderr, "cannot add bridge: %s\n", err.buf);
        goto fail;
    }
    strbuf_dispose(&err);
    return 0;

fail:
    strbuf_dispose(&err);
    group_teardown(state);
    return -1;
}

static void test_ovs__jsonrpc_list_dbs(void **state)
{
    struct jsonrpc *rpc;
    json_t *result, *error, *name;
    size_t i;
    int found = 0;

    (void)state;
    assert_int_equal(jsonrpc_open(ovs_instance_db_socket(fx.ovs), WAIT_MS,
                                  &rpc), 0);
    assert_int_equal(jsonrpc_transact(rpc, "list_dbs", NULL, &result,
                                      &error), 0);
    assert_null(error);
    assert_true(json_is_array(result));
    json_array_foreach(result, i, name)
        if (!strcmp(json_string_value(name), "Open_vSwitch"))
            found = 1;
    assert_true(found);
    json_decref(result);

    /* An error reply is an answer, not a transport failure. */
    assert_int_equal(jsonrpc_transact(rpc, "no_such_method", NULL, &result,
                                      &error), 0);
    assert_null(result);
    assert_non_null(error);
    json_decref(error);

    /* The connection still works after it. */
    assert_int_equal(jsonrpc_transact(rpc, "echo", json_pack("[s]", "hi"),
                                      &result, &error), 0);
    assert_string_equal(json_string_value(json_array_get(result, 0)), "hi");
    json_decref(result);
    jsonrpc_close(rpc);
}

static void test_ovs__jsonrpc_no_socket(void **state)
{
    struct jsonrpc *rpc;
    char *path = xasprintf("%s/nothing.sock", fx.dir);

    (void)state;
    assert_int_equal(jsonrpc_open(path, 100, &rpc), -ENOENT);
    assert_null(rpc);
    free(path);
}

static void test_ovs__jsonrpc_long_path(void **state)
{
    /* Deeper than sun_path's 108 bytes: reached through /proc/self/fd. */
    struct strbuf deep = STRBUF_INIT;
    struct jsonrpc *rpc;
    json_t *result, *error;
    char *link;

    (void)state;
    strbuf_addf(&deep, "%s/", fx.dir);
    for (int i = 0; i < 12; i++)
        strbuf_addstr(&deep, "a-rather-long-dir/");
    assert_int_equal(make_dir(deep.buf), 0);
    link = xasprintf("%sdb.sock", deep.buf);
    assert_true(strlen(link) > 108);
    assert_int_equal(symlink(ovs_instance_db_socket(fx.ovs), link), 0);
    assert_int_equal(jsonrpc_open(link, WAIT_MS, &rpc), 0);
    assert_int_equal(jsonrpc_transact(rpc, "list_dbs", NULL, &result,
                                      &error), 0);
    assert_true(json_is_array(result));
    json_decref(result);
    jsonrpc_close(rpc);
    free(link);
    strbuf_dispose(&deep);
}

/* A fake JSON-RPC server on a socket: it answers one request the hard
 * way (an echo request first, a notification, a stale reply, then the
 * real reply cut into pieces, with braces and quotes inside strings) and
 * keeps what the client sent in answer to the echo. */
struct fake_server {
    int listen_fd;
    char echo_reply[512];
};

/* Runs in the server thread, where a cmocka assert must not jump: a short
 * write shows up as a failed transaction in the test instead. */
static void write_str(int fd, const char *s)
{
    ssize_t n = write(fd, s, strlen(s));

    (void)n;
    usleep(20000);      /* separate segments for the reader */
}

static void *fake_server_main(void *arg)
{
    struct fake_server *srv = arg;
    char buf[512];
    json_error_t jerr;
    json_t *req;
    ssize_t n;
    char *reply_tail;
    int fd = accept(srv->listen_fd, NULL, NULL);

    if (fd < 0)
        return NULL;
    n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = '\0';
    req = json_loads(buf, JSON_DISABLE_EOF_CHECK, &jerr);
    write_str(fd, "{\"method\":\"echo\",\"params\":[\"x\"],"
              "\"id\":\"echo\"}");
    write_str(fd, " \n{\"method\":\"update\",\"params\":[null,{}],"
              "\"id\":null}{\"result\":\"stale\",\"error\":null,"
              "\"id\":999}\n");
    write_str(fd, "{\"result\":[\"a}b\", \"c\\\"{");
    write_str(fd, "d\", {\"e\": [1, 2]}], \"er");
    reply_tail = xasprintf("ror\":null,\"id\":%lld}",
                           (long long)json_integer_value(
                               json_object_get(req, "id")));
    write_str(fd, reply_tail);
    free(reply_tail);
    json_decref(req);
    n = read(fd, srv->echo_reply, sizeof srv->echo_reply - 1);
    srv->echo_reply[n > 0 ? n : 0] = '\0';
    close(fd);
    return NULL;
}

static void test_ovs__jsonrpc_framing_and_echo(void **state)
{
    struct fake_server srv = { .listen_fd = -1 };
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct jsonrpc *rpc;
    json_t *result, *error, *echo;
    pthread_t thread;

    (void)state;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s/fake.sock", fx.dir);
    srv.listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(srv.listen_fd >= 0);
    assert_int_equal(bind(srv.listen_fd, (struct sockaddr *)&sun,
                          sizeof sun), 0);
    assert_int_equal(listen(srv.listen_fd, 1), 0);
    assert_int_equal(pthread_create(&thread, NULL, fake_server_main, &srv),
                     0);

    assert_int_equal(jsonrpc_open(sun.sun_path, WAIT_MS, &rpc), 0);
    assert_int_equal(jsonrpc_transact(rpc, "anything", NULL, &result,
                                      &error), 0);
    jsonrpc_close(rpc);
    pthread_join(thread, NULL);
    close(srv.listen_fd);

    assert_null(error);
    assert_string_equal(json_string_value(json_array_get(result, 0)), "a}b");
    assert_string_equal(json_string_value(json_array_get(result, 1)),
                        "c\"{d");
    json_decref(result);
    echo = json_loads(srv.echo_reply, 0, NULL);
    assert_non_null(echo);
    assert_string_equal(json_string_value(json_object_get(echo, "id")),
                        "echo");
    assert_string_equal(json_string_value(
        json_array_get(json_object_get(echo, "result"), 0)), "x");
    json_decref(echo);
}

static void test_ovs__version(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *reply = NULL;

    (void)state;
    assert_non_null(strstr(ovs_instance_version(fx.ovs), "Open vSwitch"));
    assert_int_equal(unixctl_call(ovs_instance_vswitchd_ctl(fx.ovs),
                                  "version", NULL, &reply, &err), 0);
    assert_int_equal(err.len, 0);
    assert_non_null(strstr(reply, "ovs-vswitchd"));
    free(reply);

    assert_int_equal(unixctl_call(ovs_instance_ovsdb_ctl(fx.ovs), "version",
                                  NULL, &reply, &err), 0);
    assert_non_null(strstr(reply, "ovsdb-server"));
    free(reply);
    strbuf_dispose(&err);
}

static void test_ovs__memory_show(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *reply = NULL;

    (void)state;
    assert_int_equal(ovs_instance_appctl(fx.ovs, "memory/show", NULL,
                                         &reply, &err), 0);
    assert_non_null(strstr(reply, "handlers:"));
    free(reply);
    strbuf_dispose(&err);
}

static void test_ovs__unixctl_unknown_command(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *reply = NULL;

    (void)state;
    assert_int_equal(ovs_instance_appctl(fx.ovs, "no/such-command", NULL,
                                         &reply, &err), -EREMOTEIO);
    assert_null(reply);
    assert_non_null(strstr(err.buf, "no/such-command"));
    strbuf_dispose(&err);
}

static void test_ovs__dpctl_show(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *reply = NULL;

    (void)state;
    assert_int_equal(ovs_instance_appctl(fx.ovs, "dpctl/show", NULL, &reply,
                                         &err), 0);
    assert_non_null(strstr(reply, "netdev@"));
    assert_non_null(strstr(reply, fx.bridge));
    free(reply);
    strbuf_dispose(&err);
    /* The bridge's internal port is a tap device of the same name. */
    assert_true(link_exists(fx.bridge));
}

static void test_ovs__pmd_stats_show(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *reply = NULL;

    (void)state;
    assert_int_equal(ovs_instance_appctl(fx.ovs, "dpif-netdev/pmd-stats-show",
                                         NULL, &reply, &err), 0);
    assert_non_null(strstr(reply, "main thread"));
    free(reply);
    strbuf_dispose(&err);
}

static void test_ovs__bridge_ofport(void **state)
{
    struct strbuf err = STRBUF_INIT;
    int64_t ofport;

    (void)state;
    /* The bridge's own interface is OpenFlow's LOCAL port. */
    assert_int_equal(ovsdb_wait_ofport(fx.db, fx.bridge, WAIT_MS, &ofport,
                                       &err), 0);
    assert_int_equal(ofport, 65534);
    strbuf_dispose(&err);
}

static void test_ovs__add_bridge_twice(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *want = xasprintf("bridge '%s' already exists", fx.bridge);

    (void)state;
    assert_int_equal(ovsdb_add_bridge(fx.db, fx.bridge, "netdev", &err),
                     -EEXIST);
    assert_string_equal(err.buf, want);
    strbuf_dispose(&err);
    free(want);
}

static void test_ovs__add_port_missing_bridge(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *want = xasprintf("bridge '%s' does not exist", fx.missing);
    int64_t ofport;

    (void)state;
    assert_int_equal(ovsdb_add_port(fx.db, fx.missing, fx.port, "internal",
                                    &err), -ENOENT);
    assert_non_null(strstr(err.buf, want));
    strbuf_dispose(&err);
    free(want);
    /* Nothing half-made stays behind. */
    assert_int_equal(ovsdb_get_ofport(fx.db, fx.port, &ofport, NULL),
                     -ENOENT);
}

static void test_ovs__add_del_internal_port(void **state)
{
    struct strbuf err = STRBUF_INIT;
    int64_t ofport;

    (void)state;
    assert_int_equal(ovsdb_add_port(fx.db, fx.bridge, fx.port, "internal",
                                    &err), 0);
    assert_int_equal(ovsdb_wait_ofport(fx.db, fx.port, WAIT_MS, &ofport,
                                       &err), 0);
    assert_true(ofport > 0 && ofport < 65280);
    assert_true(link_exists(fx.port));

    assert_int_equal(ovsdb_add_port(fx.db, fx.bridge, fx.port, "internal",
                                    &err), -EEXIST);
    assert_non_null(strstr(err.buf, fx.port));
    strbuf_reset(&err);

    assert_int_equal(ovsdb_del_port(fx.db, fx.missing, fx.port, &err),
                     -ENOENT);
    assert_non_null(strstr(err.buf, fx.missing));
    strbuf_reset(&err);
    assert_int_equal(ovsdb_del_port(fx.db, fx.bridge, fx.port, &err), 0);
    assert_int_equal(ovsdb_wait_reconfigured(fx.db, WAIT_MS, &err), 0);
    assert_int_equal(ovsdb_get_ofport(fx.db, fx.port, &ofport, NULL),
                     -ENOENT);
    assert_false(link_exists(fx.port));
    assert_int_equal(ovsdb_del_port(fx.db, NULL, fx.port, &err), -ENOENT);
    strbuf_dispose(&err);
}

static void test_ovs__add_port_missing_device(void **state)
{
    struct strbuf err = STRBUF_INIT;
    int64_t ofport;

    (void)state;
    /* A system port whose device does not exist: accepted by the
     * database, refused by ovs-vswitchd, which says why. */
    assert_int_equal(ovsdb_add_port(fx.db, fx.bridge, fx.nodev, "", &err),
                     0);
    assert_int_equal(ovsdb_wait_ofport(fx.db, fx.nodev, WAIT_MS, &ofport,
                                       &err), -EIO);
    assert_int_equal(ofport, -1);
    assert_non_null(strstr(err.buf, fx.nodev));
    assert_non_null(strstr(err.buf, "No such device"));
    strbuf_reset(&err);
    assert_int_equal(ovsdb_del_port(fx.db, NULL, fx.nodev, &err), 0);
    strbuf_dispose(&err);
}

static void test_ovs__transact_error_message(void **state)
{
    struct strbuf err = STRBUF_INIT;
    int failed_op;
    /* ofport_request must be 1..65279. */
    json_t *ops = json_pack("[{s:s, s:s, s:{s:s, s:i}}]", "op", "insert",
                            "table", "Interface", "row", "name", fx.missing,
                            "ofport_request", 0);

    (void)state;
    assert_int_equal(ovsdb_transact(fx.db, ops, NULL, &failed_op, &err),
                     -EREMOTEIO);
    assert_int_equal(failed_op, 0);
    assert_non_null(strstr(err.buf, "ovsdb: transaction failed: "
                                    "constraint violation: "));
    strbuf_dispose(&err);
}

static void test_ovs__add_del_bridge(void **state)
{
    struct strbuf err = STRBUF_INIT;

    (void)state;
    assert_int_equal(ovsdb_add_bridge(fx.db, fx.bridge2, "netdev", &err), 0);
    assert_int_equal(ovsdb_wait_reconfigured(fx.db, WAIT_MS, &err), 0);
    assert_true(link_exists(fx.bridge2));
    assert_int_equal(ovsdb_del_bridge(fx.db, fx.bridge2, &err), 0);
    assert_int_equal(ovsdb_wait_reconfigured(fx.db, WAIT_MS, &err), 0);
    assert_false(link_exists(fx.bridge2));
    assert_int_equal(ovsdb_del_bridge(fx.db, fx.bridge2, &err), -ENOENT);
    assert_non_null(strstr(err.buf, fx.bridge2));
    strbuf_dispose(&err);
}

/* What a run does with an OVS that is not its own, up to a SIGKILL: its
 * ledger names the bridge and the port, then they are added.  Exit code
 * 1..3 says which step failed. */
static void killed_run(const char *ledger_dir)
{
    const char *sock = ovs_instance_db_socket(fx.ovs);
    struct ledger *l = ledger_create(ledger_dir, "killed");
    struct jsonrpc *db;

    if (!l || ledger_record(l, "ovs-bridge", fx.kbridge, sock)
        || ledger_record(l, "ovs-port", fx.kport, sock))
        _exit(1);
    if (jsonrpc_open(sock, WAIT_MS, &db)
        || ovsdb_add_bridge(db, fx.kbridge, "netdev", NULL)
        || ovsdb_add_port(db, fx.kbridge, fx.kport, "internal", NULL))
        _exit(2);
    if (ovsdb_wait_reconfigured(db, WAIT_MS, NULL))
        _exit(3);
    raise(SIGKILL);
}

static void test_ovs__ledger_removes_rows_of_killed_run(void **state)
{
    char *dir = xasprintf("%s/killed-ledgers", fx.dir);
    int64_t ofport;
    size_t n = 0;
    int status;
    pid_t pid;

    (void)state;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        killed_run(dir);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_true(link_exists(fx.kbridge));
    assert_int_equal(ovsdb_get_ofport(fx.db, fx.kport, &ofport, NULL), 0);

    /* The run is gone: its ledger is stale and the rows go through
     * OVSDB; the OVS and the rows no ledger names stay. */
    assert_int_equal(ledger_cleanup_stale(dir, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ovsdb_del_bridge(fx.db, fx.kbridge, NULL), -ENOENT);
    assert_int_equal(ovsdb_get_ofport(fx.db, fx.kport, &ofport, NULL),
                     -ENOENT);
    assert_false(link_exists(fx.kbridge));
    assert_false(link_exists(fx.kport));
    assert_int_equal(ovsdb_wait_ofport(fx.db, fx.bridge, WAIT_MS, &ofport,
                                       NULL), 0);
    assert_true(link_exists(fx.bridge));
    assert_true(proc_is_same(fx.vswitchd_pid, fx.vswitchd_start));
    assert_true(proc_is_same(fx.ovsdb_pid, fx.ovsdb_start));
    free(dir);
}

static void test_ovs__attach(void **state)
{
    struct strbuf err = STRBUF_INIT;
    struct ovs_instance *other;

    (void)state;
    other = ovs_instance_attach(ovs_instance_rundir(fx.ovs), &err);
    assert_non_null(other);
    assert_false(ovs_instance_is_owned(other));
    assert_string_equal(ovs_instance_version(other),
                        ovs_instance_version(fx.ovs));
    assert_int_equal(ovs_instance_vswitchd_pid(other), fx.vswitchd_pid);
    assert_string_equal(ovs_instance_vswitchd_ctl(other),
                        ovs_instance_vswitchd_ctl(fx.ovs));
    /* Never stopped by us. */
    assert_int_equal(ovs_instance_stop(other), 0);
    ovs_instance_destroy(other);
    assert_true(proc_is_same(fx.vswitchd_pid, fx.vswitchd_start));
    assert_true(proc_is_same(fx.ovsdb_pid, fx.ovsdb_start));

    assert_null(ovs_instance_attach(fx.dir, &err));
    assert_non_null(strstr(err.buf, "db.sock"));
    strbuf_dispose(&err);
}

static void test_ovs__start_in_used_dir(void **state)
{
    struct strbuf err = STRBUF_INIT;

    (void)state;
    /* A second instance on the same database must fail cleanly, without
     * disturbing the first. */
    assert_null(ovs_instance_start(ovs_instance_rundir(fx.ovs), NULL, NULL, &err));
    assert_non_null(strstr(err.buf, "conf.db' exists already"));
    strbuf_dispose(&err);
    assert_true(proc_is_same(fx.vswitchd_pid, fx.vswitchd_start));
    assert_true(proc_is_same(fx.ovsdb_pid, fx.ovsdb_start));
}

static void test_ovs__stop(void **state)
{
    char *links;

    (void)state;
    assert_true(proc_is_same(fx.vswitchd_pid, fx.vswitchd_start));
    assert_true(proc_is_same(fx.ovsdb_pid, fx.ovsdb_start));
    /* The bridge stays: stopping must remove its tap device, which a
     * plain SIGTERM would leave behind. */
    assert_true(link_exists(fx.bridge));
    jsonrpc_close(fx.db);
    fx.db = NULL;

    assert_int_equal(ovs_instance_stop(fx.ovs), 0);
    assert_false(proc_is_same(fx.vswitchd_pid, fx.vswitchd_start));
    assert_false(proc_is_same(fx.ovsdb_pid, fx.ovsdb_start));
    assert_int_equal(ovs_instance_vswitchd_pid(fx.ovs), 0);
    assert_int_equal(ovs_instance_stop(fx.ovs), 0);

    links = ip_links();
    assert_null(strstr(links, fx.prefix));
    free(links);
    if (!fx.had_ovs_netdev)
        assert_false(link_exists("ovs-netdev"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ovs__jsonrpc_list_dbs),
        cmocka_unit_test(test_ovs__jsonrpc_no_socket),
        cmocka_unit_test(test_ovs__jsonrpc_long_path),
        cmocka_unit_test(test_ovs__jsonrpc_framing_and_echo),
        cmocka_unit_test(test_ovs__version),
        cmocka_unit_test(test_ovs__memory_show),
        cmocka_unit_test(test_ovs__unixctl_unknown_command),
        cmocka_unit_test(test_ovs__dpctl_show),
        cmocka_unit_test(test_ovs__pmd_stats_show),
        cmocka_unit_test(test_ovs__bridge_ofport),
        cmocka_unit_test(test_ovs__add_bridge_twice),
        cmocka_unit_test(test_ovs__add_port_missing_bridge),
        cmocka_unit_test(test_ovs__add_del_internal_port),
        cmocka_unit_test(test_ovs__add_port_missing_device),
        cmocka_unit_test(test_ovs__transact_error_message),
        cmocka_unit_test(test_ovs__add_del_bridge),
        cmocka_unit_test(test_ovs__ledger_removes_rows_of_killed_run),
        cmocka_unit_test(test_ovs__attach),
        cmocka_unit_test(test_ovs__start_in_used_dir),
        cmocka_unit_test(test_ovs__stop),
    };

    if (geteuid() != 0) {
        fprintf(stderr, "test_ovs: skipped, needs root\n");
        return 77;
    }
    return cmocka_run_group_tests_name("ovs", tests, group_setup,
                                       group_teardown);
}
