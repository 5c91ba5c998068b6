/* traffic/tcp: iperf3's JSON into the figures (fixtures captured from
 * real iperf3 3.12 runs: two streams over loopback, and a client that
 * found no server), and the engine itself over this namespace's loopback:
 * a real libiperf server and client in children of ours, the server's
 * readiness, its own end when no client comes, and the ledger entries
 * made before the children did anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "lib/ledger.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "tmpdir.h"
#include "traffic/tcp.h"

static void test_tcp__parse_two_streams(void **state)
{
    char *text = fixture("iperf3-client-2streams.json");
    struct strbuf err = STRBUF_INIT;
    struct tcp_result r;

    (void)state;
    assert_int_equal(tcp_result_parse(text, &r, &err), 0);
    assert_int_equal(r.streams, 2);
    /* The receiver's count, not the sender's (24458128318.96). */
    assert_true(fabs(r.bits_per_second - 24368758858.080532) < 1e-3);
    assert_true(fabs(r.sender_bits_per_second - 24458128318.955353) < 1e-3);
    assert_int_equal(r.retransmits, 0);
    assert_true(fabs(r.sender_cpu_pct - 47.271604507900776) < 1e-9);
    assert_true(fabs(r.receiver_cpu_pct - 51.67397512336754) < 1e-9);
    assert_true(fabs(r.duration_s - 1.001068) < 1e-9);
    assert_int_equal(r.bytes_sent, 3060531200ULL);
    assert_int_equal(r.bytes_received, 3059220480ULL);
    assert_string_equal(r.version, "iperf 3.12");
    assert_string_equal(r.congestion, "bbr");

    json_t *j = tcp_result_json(&r);
    assert_true(json_number_value(json_object_get(j, "bits_per_second"))
                > 2e10);
    assert_int_equal(json_integer_value(json_object_get(j, "retransmits")),
                     0);
    assert_int_equal(json_integer_value(json_object_get(j, "streams")), 2);
    json_decref(j);
    strbuf_dispose(&err);
    free(text);
}

/* iperf3 ends its JSON with an "error" when the test failed: that is the
 * reason given, and there are no figures. */
static void test_tcp__parse_error(void **state)
{
    char *text = fixture("iperf3-client-refused.json");
    struct strbuf err = STRBUF_INIT;
    struct tcp_result r;

    (void)state;
    assert_int_equal(tcp_result_parse(text, &r, &err), -EPROTO);
    assert_non_null(strstr(err.buf, "iperf3: unable to connect to server: "
                                    "Connection refused"));
    json_t *j = tcp_result_json(&r);
    assert_true(json_is_null(json_object_get(j, "bits_per_second")));
    assert_true(json_is_null(json_object_get(j, "retransmits")));
    json_decref(j);
    strbuf_dispose(&err);
    free(text);
}

/* A long string is cut where a character starts, bytes beyond what JSON
 * holds are clamped, negative counts are unknown: the figures still make
 * JSON. */
static void test_tcp__parse_hostile(void **state)
{
    struct strbuf err = STRBUF_INIT, text = STRBUF_INIT;
    struct tcp_result r;

    (void)state;
    strbuf_addstr(&text, "{\"start\": {\"version\": \"");
    for (int i = 0; i < 40; i++)
        strbuf_addstr(&text, "\\u00e9");      /* 2 bytes each in UTF-8 */
    strbuf_addstr(&text, "\", \"test_start\": {\"num_streams\": 1}}, "
                         "\"end\": {\"sum_sent\": {\"bytes\": 1e300, "
                         "\"retransmits\": -4}, \"sum_received\": "
                         "{\"bits_per_second\": 5}, "
                         "\"cpu_utilization_percent\": {\"host_total\": "
                         "-3}}}");
    assert_int_equal(tcp_result_parse(text.buf, &r, &err), 0);
    assert_int_equal(strlen(r.version), 30);    /* 15 whole characters */
    assert_int_equal(r.retransmits, -1);
    assert_true(isnan(r.sender_cpu_pct));
    json_t *j = tcp_result_json(&r);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "bytes_sent")),
                     INT64_MAX);
    json_decref(j);
    strbuf_dispose(&text);
    strbuf_dispose(&err);
}

static void test_tcp__parse_bad(void **state)
{
    static const char *const bad[] = {
        "", "not json", "{\"start\": {}}", "[1, 2]",
        "{\"end\": {\"sum_sent\": {}, \"sum_received\": "
        "{\"bits_per_second\": \"fast\"}}}",
        /* From another host: figures out of their range are no figures. */
        "{\"start\": {\"test_start\": {\"num_streams\": 129}}, \"end\": "
        "{\"sum_sent\": {}, \"sum_received\": {\"bits_per_second\": 1}}}",
        "{\"start\": {\"test_start\": {\"num_streams\": 1}}, \"end\": "
        "{\"sum_sent\": {}, \"sum_received\": {\"bits_per_second\": -1}}}",
    };

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct strbuf err = STRBUF_INIT;
        struct tcp_result r;
        assert_int_equal(tcp_result_parse(bad[i], &r, &err), -EPROTO);
        assert_true(err.len > 0);
        strbuf_dispose(&err);
    }
}

/* True when the ledger file names a process 'label' with 'pid' (0:
 * any). */
static bool ledger_has(struct ledger *l, const char *label, pid_t pid)
{
    struct strbuf sb = STRBUF_INIT;
    char *line = xasprintf("process\t%s\t", label);
    char *pidtext = xasprintf("\t%d\t", (int)pid);
    bool found = false;

    assert_int_equal(strbuf_read_file(&sb, ledger_path(l)), 0);
    for (char *p = strstr(sb.buf, line); p && !found;
         p = strstr(p + 1, line)) {
        char *eol = strchr(p, '\n');
        char *hit = strstr(p, pidtext);
        found = !pid || (hit && (!eol || hit < eol));
    }
    free(line);
    free(pidtext);
    strbuf_dispose(&sb);
    return found;
}

/* A real test over loopback: the server says it listens before the
 * client starts, the client's figures are real, the server ends after
 * its one test, and both were in the ledger. */
static void test_tcp__loopback(void **state)
{
    char *ldir = xasprintf("%s/ledger", tmpdir);
    char *slog = xasprintf("%s/server.log", tmpdir);
    struct ledger *l = ledger_create(ldir, "tcp-loopback");
    struct tcp_server_opts so = { .address = "127.0.0.1", .timeout_s = 30,
                                  .log_path = slog, .ledger = l };
    struct strbuf err = STRBUF_INIT, json = STRBUF_INIT, log = STRBUF_INIT;
    struct tcp_server *s = NULL;
    struct tcp_result r;

    (void)state;
    assert_non_null(l);
    assert_int_equal(tcp_server_start(&so, &s, &err), 0);
    assert_true(tcp_server_port(s) > 0);
    assert_true(ledger_has(l, "pt-iperf3-server", tcp_server_pid(s)));

    struct tcp_client_opts co = {
        .bind_address = "127.0.0.1", .server = "127.0.0.1",
        .port = tcp_server_port(s), .streams = 2, .duration_s = 1,
        .ledger = l, .stop = &pt_interrupted,
    };
    int rc = tcp_client_run(&co, &json, &r, &err);
    if (rc)
        fail_msg("client: %s", err.buf);
    assert_int_equal(r.streams, 2);
    assert_true(r.bits_per_second > 0);
    assert_true(r.bytes_received > 0);
    assert_true(r.sender_cpu_pct > 0);
    assert_true(r.duration_s >= 1);
    assert_int_equal(json.buf[0], '{');
    assert_int_equal(tcp_server_wait(s, 10000, &err), 0);
    tcp_server_destroy(s);

    /* What iperf3 said went to its log. */
    assert_int_equal(strbuf_read_file(&log, slog), 0);
    assert_non_null(strstr(log.buf, "Server listening on"));
    assert_non_null(strstr(log.buf, "Accepted connection from 127.0.0.1"));
    assert_true(ledger_has(l, "pt-iperf3-client", 0));
    assert_int_equal(ledger_teardown(l), 0);
    ledger_destroy(l);
    strbuf_dispose(&log);
    strbuf_dispose(&json);
    strbuf_dispose(&err);
    free(ldir);
    free(slog);
}

/* A server that never gets a client ends on its own at its timeout:
 * nothing waits for it beyond that. */
static void test_tcp__server_without_client(void **state)
{
    struct tcp_server_opts so = { .address = "127.0.0.1", .timeout_s = 1 };
    struct strbuf err = STRBUF_INIT;
    struct tcp_server *s = NULL;
    long long t0;

    (void)state;
    assert_int_equal(tcp_server_start(&so, &s, &err), 0);
    t0 = monotonic_ms();
    assert_int_equal(tcp_server_wait(s, 10000, &err), -ECHILD);
    assert_true(monotonic_ms() - t0 < 5000);
    assert_non_null(strstr(err.buf, "ended at its 1 s timeout"));
    tcp_server_destroy(s);
    strbuf_dispose(&err);
}

/* A port nobody listens on: iperf3's own reason, and its JSON kept. */
static void test_tcp__client_refused(void **state)
{
    struct tcp_server_opts so = { .address = "127.0.0.1", .timeout_s = 5 };
    struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
    struct tcp_server *s = NULL;
    struct tcp_result r;
    int port;

    (void)state;
    /* A port that was free a moment ago: the server's, once it is gone. */
    assert_int_equal(tcp_server_start(&so, &s, &err), 0);
    port = tcp_server_port(s);
    tcp_server_destroy(s);
    struct tcp_client_opts co = { .server = "127.0.0.1", .port = port,
                                  .streams = 1, .duration_s = 1 };
    assert_int_equal(tcp_client_run(&co, &json, &r, &err), -EPROTO);
    assert_non_null(strstr(err.buf, "Connection refused"));
    assert_non_null(strstr(json.buf, "\"error\""));
    strbuf_dispose(&json);
    strbuf_dispose(&err);
}

/* A server that cannot listen (an address this host does not have) says
 * why before tcp_server_start() returns. */
static void test_tcp__server_cannot_listen(void **state)
{
    struct tcp_server_opts so = { .address = "198.18.255.254",
                                  .timeout_s = 5 };
    struct strbuf err = STRBUF_INIT;
    struct tcp_server *s = NULL;

    (void)state;
    assert_int_equal(tcp_server_start(&so, &s, &err), -ECHILD);
    assert_null(s);
    assert_non_null(strstr(err.buf, "did not start"));
    assert_non_null(strstr(err.buf, "198.18.255.254"));
    strbuf_dispose(&err);
}

static void test_tcp__bad_options(void **state)
{
    struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
    struct tcp_client_opts co = { .server = "127.0.0.1", .port = 5201,
                                  .streams = TCP_MAX_STREAMS + 1,
                                  .duration_s = 1 };
    struct tcp_result r;

    (void)state;
    assert_int_equal(tcp_client_run(&co, &json, &r, &err), -EINVAL);
    co.streams = 1;
    co.duration_s = 0;
    assert_int_equal(tcp_client_run(&co, &json, &r, &err), -EINVAL);
    strbuf_dispose(&json);
    strbuf_dispose(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp__parse_two_streams),
        cmocka_unit_test(test_tcp__parse_error),
        cmocka_unit_test(test_tcp__parse_bad),
        cmocka_unit_test(test_tcp__parse_hostile),
        cmocka_unit_test(test_tcp__loopback),
        cmocka_unit_test(test_tcp__server_without_client),
        cmocka_unit_test(test_tcp__client_refused),
        cmocka_unit_test(test_tcp__server_cannot_listen),
        cmocka_unit_test(test_tcp__bad_options),
    };
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
