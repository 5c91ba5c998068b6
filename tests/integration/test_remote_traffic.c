/* Trials through two real agents (`perftests agent` in two namespaces of
 * our own joined by a veth pair, spoken to over a socket as ssh would
 * carry it) with the traffic engine's agents provider: the figures of a
 * clean trial, RTT-derived latency from ICMP round trips, a stop, an
 * agent killed mid-run (the trial fails naming its host), a TCP test
 * (iperf3's server and client on the agents: clean, stopped, either
 * agent killed under it), and what the
 * agents added removed: by cleanup, and for the killed one by the next
 * agent in its namespace.  The source's agent runs in this namespace and
 * its endpoint in another (the hosts file's `namespace`), the
 * destination's runs in its endpoint's namespace (a host's own, as a
 * session of an sshd there).  Root; everything is named pt-q<pid>... */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/links.h"
#include "lib/netns.h"
#include "lib/util.h"
#include "remote/remote_tcp.h"
#include "remote/remote_traffic.h"
#include "run/settings.h"
#include "tests/unit/tmpdir.h"

#define SRC_ADDR "198.18.6.1/24"
#define DST_ADDR "198.18.6.2/24"

static struct topology_ctx ctx;
static struct settings settings;
static struct remote_pair pair;
static struct traffic *traffic;

/* `perftests agent` in namespace 'ns' (NULL: this one), as host
 * 'name'. */
static struct peer *agent_in(const char *name, const char *ns)
{
    struct strbuf err = STRBUF_INIT;
    char *log = xasprintf("%s/%s.log", tmpdir, name);
    char *argv[] = { "ip", "netns", "exec", (char *)ns, "./perftests",
                     "agent", "-d", tmpdir, NULL };
    struct peer *p = peer_spawn(name, ns ? argv : argv + 4, log, NULL,
                                &err);

    if (p && peer_hello(p, &err)) {
        fprintf(stderr, "%s\n", err.buf);
        peer_close(p, 1000);
        p = NULL;
    }
    free(log);
    strbuf_dispose(&err);
    return p;
}

/* An endpoint in 'ns': its agent there, or, with 'ns_param', here and
 * told the namespace. */
static int endpoint(struct remote_endpoint *ep, const char *name,
                    const char *ns, bool ns_param, const char *ifname,
                    const char *cidr)
{
    struct strbuf err = STRBUF_INIT;
    json_t *res = NULL, *params;
    int rc;

    if (!(ep->peer = agent_in(name, ns_param ? NULL : ns)))
        return -1;
    rc = peer_measure_clock(ep->peer, 4, &ep->clock, &err);
    params = json_pack("{s:s, s:s}", "interface", ifname, "address", cidr);
    if (ns_param)
        json_object_set_new(params, "namespace", json_string(ns));
    if (!rc)
        rc = peer_call(ep->peer, "prepare", params, &res, &err);
    else
        json_decref(params);
    if (rc)
        fprintf(stderr, "%s\n", err.buf);
    else
        snprintf(ep->mac, sizeof ep->mac, "%s",
                 json_string_value(json_object_get(res, "mac")));
    snprintf(ep->ip, sizeof ep->ip, "%.*s", (int)strcspn(cidr, "/"), cidr);
    json_decref(res);
    strbuf_dispose(&err);
    return rc;
}

static int group_setup(void **state)
{
    struct strbuf err = STRBUF_INIT;
    int pid = (int)getpid();

    if (geteuid() != 0) {
        fprintf(stderr, "test_remote_traffic: needs root\n");
        return -1;
    }
    if (tmpdir_create(state))
        return -1;
    snprintf(ctx.source_ns, sizeof ctx.source_ns, "pt-q%d-s", pid);
    snprintf(ctx.dest_ns, sizeof ctx.dest_ns, "pt-q%d-d", pid);
    snprintf(ctx.source_if, sizeof ctx.source_if, "pt-q%ds", pid);
    snprintf(ctx.dest_if, sizeof ctx.dest_if, "pt-q%dd", pid);
    if (netns_add(ctx.source_ns) || netns_add(ctx.dest_ns)
        || netns_veth_add(ctx.source_if, ctx.dest_if, ctx.dest_ns)
        || netns_link_move(NULL, ctx.source_if, ctx.source_ns))
        return -1;
    /* The agents add the addresses and set the links up. */
    if (endpoint(&pair.src, "src", ctx.source_ns, true, ctx.source_if,
                 SRC_ADDR)
        || endpoint(&pair.dst, "dst", ctx.dest_ns, false, ctx.dest_if,
                    DST_ADDR))
        return -1;
    settings_init(&settings);
    settings_set_text(&settings, SETTING_FLOW_PATTERN, "single",
                      SOURCE_CMDLINE, NULL, 0, &err);
    traffic = traffic_open_with(&remote_traffic_ops, &pair, &ctx, &settings,
                                0x321, &err);
    if (!traffic)
        fprintf(stderr, "test_remote_traffic: %s\n", err.buf);
    strbuf_dispose(&err);
    return traffic ? 0 : -1;
}

static int group_teardown(void **state)
{
    traffic_close(traffic);
    settings_release(&settings);
    peer_close(pair.src.peer, 5000);
    peer_close(pair.dst.peer, 5000);
    netns_link_del(ctx.source_ns, ctx.source_if);
    netns_del(ctx.source_ns);
    netns_del(ctx.dest_ns);
    tmpdir_remove(state);
    return netns_exists(ctx.source_ns) || netns_exists(ctx.dest_ns) ? -1 : 0;
}

static void test_remote_traffic__clean_trial(void **state)
{
    volatile sig_atomic_t stop = 0;
    struct trial_result r;
    struct strbuf err = STRBUF_INIT;

    (void)state;
    assert_int_equal(netns_addr_has(ctx.dest_ns, ctx.dest_if, DST_ADDR), 1);
    /* Another address of the same network is not the agent's: were it
     * taken for it, an agent would skip adding its own. */
    assert_int_equal(netns_addr_has(ctx.dest_ns, ctx.dest_if,
                                    "198.18.6.77/24"), 0);
    assert_int_equal(netns_addr_has(ctx.dest_ns, ctx.dest_if,
                                    "198.18.6.2/25"), 0);
    assert_int_equal(traffic_trial(traffic, 20000, 4000, &stop, &r, &err),
                     0);
    assert_true(r.valid);
    assert_int_equal(r.sent, 4000);
    assert_int_equal(r.received, 4000);
    assert_int_equal(r.lost, 0);
    /* Paced, never faster than asked; how close below is the machine's
     * load, not this code's (no timed assertions in tests). */
    assert_true(r.tx_rate > 10000 && r.tx_rate < 21000);
    /* One-way, one kernel, one clock: microseconds when quiet, more on a
     * loaded machine.  A clock offset applied wrongly gives seconds (the
     * agents' uptimes) or nothing at all: that is what this bound is for. */
    if (!(r.lat_p50 > 0 && r.lat_p50 < 1e6))
        fprintf(stderr, "latency p50 %g min %g max %g us, note '%s'\n",
                r.lat_p50, r.lat_min, r.lat_max, r.note);
    assert_true(r.lat_p50 > 0 && r.lat_p50 < 1e6);
    assert_true(r.lat_p50 <= r.lat_p99 && r.lat_p99 <= r.lat_max);
    strbuf_dispose(&err);
}

static void test_remote_traffic__rtt_derived(void **state)
{
    volatile sig_atomic_t stop = 0;
    struct trial_result r;
    struct strbuf err = STRBUF_INIT;

    (void)state;
    pair.rtt_hz = 200;
    assert_int_equal(traffic_trial(traffic, 20000, 6000, &stop, &r, &err),
                     0);
    pair.rtt_hz = 0;
    assert_true(r.valid);
    assert_int_equal(r.received, 6000);
    /* Half of ICMP round trips timed in user space on one clock. */
    assert_true(r.lat_min > 0 && r.lat_p50 >= r.lat_min);
    assert_true(r.lat_p50 <= r.lat_max && r.lat_max < 1e6);
    strbuf_dispose(&err);
}

/* A stop (Ctrl-C) reaches the sending agent: it stops, and says so. */
static void test_remote_traffic__stop(void **state)
{
    volatile sig_atomic_t stop = 1;
    struct trial_result r;
    struct strbuf err = STRBUF_INIT;

    (void)state;
    assert_int_equal(traffic_trial(traffic, 1000, 100000, &stop, &r, &err),
                     0);
    assert_false(r.valid);
    assert_true(r.sent < 100000);
    assert_non_null(strstr(r.note, "invalid: stopped after"));
    strbuf_dispose(&err);
}

/* The children of process 'pid' (of every thread of it), up to 'max';
 * how many. */
static int children_of(pid_t pid, pid_t *out, int max)
{
    char *dir = xasprintf("/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    while (d && (de = readdir(d))) {
        struct strbuf sb = STRBUF_INIT;
        char *path = xasprintf("%s/%s/children", dir, de->d_name);
        if (de->d_name[0] != '.' && !strbuf_read_file(&sb, path))
            for (char *p = sb.buf, *end; *p; p = end) {
                long v = strtol(p, &end, 10);
                if (end == p)
                    break;
                if (n < max)
                    out[n] = (pid_t)v;
                n++;
            }
        strbuf_dispose(&sb);
        free(path);
    }
    if (d)
        closedir(d);
    free(dir);
    return n;
}

/* Whether 'pid' ends within two seconds (reaped by whoever has it). */
static bool ends(pid_t pid)
{
    for (int i = 0; i < 200; i++) {
        if (kill(pid, 0) && errno == ESRCH)
            return true;
        usleep(10000);
    }
    return false;
}

/* One TCP test through the agents as the tcp_throughput phase runs it. */
static int tcp_test(volatile sig_atomic_t *stop, struct strbuf *json,
                    struct tcp_result *res, struct strbuf *err)
{
    char *slog = xasprintf("%s/iperf3-server.log", tmpdir);
    char *clog = xasprintf("%s/iperf3-client.log", tmpdir);
    struct tcp_test t = {
        .src_ip = pair.src.ip, .dst_ip = pair.dst.ip, .streams = 2,
        .duration_s = 2, .server_log = slog, .client_log = clog,
        .stop = stop,
    };
    int rc;

    unlink(slog);
    unlink(clog);
    rc = remote_tcp_ops.run(&pair, &t, json, res, err);
    if (!rc)
        assert_true(t.port > 0 && t.port < 65536);
    free(slog);
    free(clog);
    return rc;
}

static void test_remote_traffic__tcp(void **state)
{
    volatile sig_atomic_t stop = 0;
    struct strbuf err = STRBUF_INIT, json = STRBUF_INIT, log = STRBUF_INIT;
    struct tcp_result res;
    pid_t kids[4];

    (void)state;
    assert_int_equal(remote_tcp_check(&pair, &err), 0);
    int rc = tcp_test(&stop, &json, &res, &err);
    if (rc)
        fprintf(stderr, "tcp: %s\n", err.buf);
    assert_int_equal(rc, 0);
    assert_int_equal(res.streams, 2);
    assert_true(res.bits_per_second > 1e6);
    assert_true(res.duration_s > 1.5 && res.duration_s < 3);
    assert_true(res.bytes_received > 0
                && res.bytes_received <= res.bytes_sent);
    /* iperf3's JSON as the client wrote it, for tcp/iperf3.json. */
    assert_non_null(strstr(json.buf, "\"sum_received\""));
    /* The server's text came back from its agent. */
    char *path = xasprintf("%s/iperf3-server.log", tmpdir);
    assert_int_equal(strbuf_read_file(&log, path), 0);
    assert_non_null(strstr(log.buf, "Server listening on"));
    free(path);
    /* Nothing of iperf3 runs on either agent any more. */
    assert_int_equal(children_of(peer_pid(pair.src.peer), kids, 4), 0);
    assert_int_equal(children_of(peer_pid(pair.dst.peer), kids, 4), 0);
    strbuf_dispose(&log);
    strbuf_dispose(&json);
    strbuf_dispose(&err);
}

/* A stop (Ctrl-C) reaches the client on its agent; the server is
 * stopped too. */
static void test_remote_traffic__tcp_stop(void **state)
{
    volatile sig_atomic_t stop = 1;
    struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
    struct tcp_result res;
    pid_t kids[4];

    (void)state;
    assert_int_equal(tcp_test(&stop, &json, &res, &err), -EINTR);
    assert_non_null(strstr(err.buf, "src: the iperf3 client was stopped"));
    assert_int_equal(children_of(peer_pid(pair.src.peer), kids, 4), 0);
    assert_int_equal(children_of(peer_pid(pair.dst.peer), kids, 4), 0);
    strbuf_dispose(&json);
    strbuf_dispose(&err);
}

/* Kills the agent 'victim' once the source's iperf3 client runs;
 * 'client' gets the client's pid. */
struct killer {
    pid_t victim, client;
};

static void *kill_agent_in_tcp(void *arg)
{
    struct killer *k = arg;
    pid_t src = peer_pid(pair.src.peer);

    for (int i = 0; i < 500 && !children_of(src, &k->client, 1); i++)
        usleep(10000);
    kill(k->victim, SIGKILL);
    return NULL;
}

/* A TCP test during which the agent of 'ep' is killed: it fails naming
 * 'name', nothing of iperf3 runs any more, and a new agent takes its
 * place (it cleans up after the dead one first, then prepares). */
static void tcp_with_agent_killed(struct remote_endpoint *ep,
                                  const char *name, const char *ns,
                                  bool ns_param, const char *ifname,
                                  const char *cidr)
{
    volatile sig_atomic_t stop = 0;
    struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
    struct tcp_result res;
    struct killer k = { .victim = peer_pid(ep->peer) };
    struct remote_endpoint *other = ep == &pair.src ? &pair.dst : &pair.src;
    pid_t kids[4];
    pthread_t th;
    char *gone = xasprintf("the agent on %s is gone during ", name);

    assert_int_equal(pthread_create(&th, NULL, kill_agent_in_tcp, &k), 0);
    assert_int_equal(tcp_test(&stop, &json, &res, &err), -ECONNRESET);
    pthread_join(th, NULL);
    assert_non_null(strstr(err.buf, gone));
    assert_true(k.client > 0);
    assert_true(ends(k.client));
    assert_int_equal(children_of(peer_pid(other->peer), kids, 4), 0);
    peer_close(ep->peer, 5000);
    assert_int_equal(netns_addr_has(ns, ifname, cidr), 1);
    struct peer *next = agent_in("next", ns_param ? NULL : ns);
    assert_non_null(next);
    assert_int_equal(netns_addr_has(ns, ifname, cidr), 0);
    peer_close(next, 5000);
    assert_int_equal(endpoint(ep, name, ns, ns_param, ifname, cidr), 0);
    free(gone);
    strbuf_dispose(&json);
    strbuf_dispose(&err);
}

/* The source's agent killed while its client runs: its client ends with
 * it, the destination's server is stopped. */
static void test_remote_traffic__tcp_source_killed(void **state)
{
    (void)state;
    tcp_with_agent_killed(&pair.src, "src", ctx.source_ns, true,
                          ctx.source_if, SRC_ADDR);
}

/* The destination's agent killed under a running test: its server ends
 * with it, the source's client is stopped at once. */
static void test_remote_traffic__tcp_dest_killed(void **state)
{
    (void)state;
    tcp_with_agent_killed(&pair.dst, "dst", ctx.dest_ns, false, ctx.dest_if,
                          DST_ADDR);
}

/* The receiving agent killed: the trial fails at once, naming it; the
 * next agent in its namespace removes the address it had added. */
static void test_remote_traffic__agent_killed(void **state)
{
    volatile sig_atomic_t stop = 0;
    struct trial_result r;
    struct strbuf err = STRBUF_INIT;
    int st;

    (void)state;
    assert_int_equal(kill(peer_pid(pair.dst.peer), SIGKILL), 0);
    assert_int_equal(waitpid(peer_pid(pair.dst.peer), &st, 0),
                     peer_pid(pair.dst.peer));
    assert_int_equal(traffic_trial(traffic, 1000, 100000, &stop, &r, &err),
                     -ECONNRESET);
    assert_non_null(strstr(err.buf, "the agent on dst is gone during "));
    assert_int_equal(netns_addr_has(ctx.dest_ns, ctx.dest_if, DST_ADDR), 1);
    struct peer *next = agent_in("dst2", ctx.dest_ns);
    assert_non_null(next);
    assert_int_equal(netns_addr_has(ctx.dest_ns, ctx.dest_if, DST_ADDR), 0);
    assert_int_equal(peer_close(next, 5000), 0);
    /* The source's agent, told to clean up, takes its address off. */
    json_t *res;
    strbuf_reset(&err);
    assert_int_equal(peer_call(pair.src.peer, "cleanup", NULL, &res, &err),
                     0);
    json_decref(res);
    assert_int_equal(netns_addr_has(ctx.source_ns, ctx.source_if, SRC_ADDR),
                     0);
    strbuf_dispose(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remote_traffic__clean_trial),
        cmocka_unit_test(test_remote_traffic__rtt_derived),
        cmocka_unit_test(test_remote_traffic__stop),
        cmocka_unit_test(test_remote_traffic__tcp),
        cmocka_unit_test(test_remote_traffic__tcp_stop),
        cmocka_unit_test(test_remote_traffic__tcp_source_killed),
        cmocka_unit_test(test_remote_traffic__tcp_dest_killed),
        cmocka_unit_test(test_remote_traffic__agent_killed),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
