/* What the agents and the harness share (remote/wire.c) and the clock
 * offset estimate (remote/peer.c): base64 both ways and its bad input, a
 * trial's halves through JSON, MAC text, and the offset from the round
 * trip of least delay. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <signal.h>
#include <unistd.h>

#include "lib/util.h"
#include "remote/peer.h"
#include "remote/remote_tcp.h"
#include "remote/remote_traffic.h"
#include "remote/wire.h"
#include "tmpdir.h"
#include "fake_agent.h"

static void test_remote__base64(void **state)
{
    static const char *const plain[] = { "", "f", "fo", "foo", "foob",
                                         "fooba", "foobar" };
    static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v",
                                         "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
    uint8_t bin[256];
    void *out;
    size_t len;

    (void)state;
    /* RFC 4648's test vectors. */
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++) {
        char *t = wire_base64_encode(plain[i], strlen(plain[i]));
        assert_string_equal(t, coded[i]);
        assert_int_equal(wire_base64_decode(t, &out, &len), 0);
        assert_int_equal(len, strlen(plain[i]));
        assert_memory_equal(out, plain[i], len);
        free(out);
        free(t);
    }
    /* Every byte value: an RRD file is binary. */
    for (int i = 0; i < 256; i++)
        bin[i] = (uint8_t)(255 - i);
    char *t = wire_base64_encode(bin, sizeof bin);
    assert_int_equal(wire_base64_decode(t, &out, &len), 0);
    assert_int_equal(len, sizeof bin);
    assert_memory_equal(out, bin, sizeof bin);
    free(out);
    free(t);
    /* Not base64: a length that is no multiple of 4, a stray character,
     * padding in the middle or three of it. */
    assert_int_equal(wire_base64_decode("Zm9", &out, &len), -EINVAL);
    assert_int_equal(wire_base64_decode("Zm9*", &out, &len), -EINVAL);
    assert_int_equal(wire_base64_decode("Zg==Zm9v", &out, &len), -EINVAL);
    assert_int_equal(wire_base64_decode("Z===", &out, &len), -EINVAL);
    assert_int_equal(wire_base64_decode("Zm=v", &out, &len), -EINVAL);
    assert_null(out);
}

/* Each side sends its half only, and the harness puts them together. */
static void test_remote__trial_halves(void **state)
{
    struct trial_result tx = { .sent = 1000, .tx_rate = 999.5,
                               .duration = 1.0, .pushback = 3,
                               .source_drops = 2, .received = 7,
                               .lat_p50 = 4.0 };
    struct trial_result rx = { .received = 990, .duplicates = 1,
                               .lat_p50 = 12.5, .lat_p999 = 80,
                               .kernel_drops = 4, .sent = 5 };
    struct trial_result both;
    struct strbuf err = STRBUF_INIT;
    json_t *jt = wire_trial_to_json(&tx, WIRE_TX);
    json_t *jr = wire_trial_to_json(&rx, WIRE_RX);

    (void)state;
    assert_null(json_object_get(jt, "received"));
    assert_null(json_object_get(jr, "sent"));
    memset(&both, 0, sizeof both);
    assert_int_equal(wire_trial_from_json(jt, WIRE_TX, &both, &err), 0);
    assert_int_equal(wire_trial_from_json(jr, WIRE_RX, &both, &err), 0);
    assert_int_equal(both.sent, 1000);
    assert_true(both.tx_rate == 999.5);
    assert_int_equal(both.pushback, 3);
    assert_int_equal(both.source_drops, 2);
    assert_int_equal(both.received, 990);
    assert_int_equal(both.duplicates, 1);
    assert_true(both.lat_p50 == 12.5 && both.lat_p999 == 80);
    assert_int_equal(both.kernel_drops, 4);
    /* A member of the wrong type is said by name. */
    json_object_set_new(jr, "received", json_string("many"));
    assert_int_equal(wire_trial_from_json(jr, WIRE_RX, &both, &err),
                     -EPROTO);
    assert_string_equal(err.buf, "'received' is not a number");
    json_decref(jt);
    json_decref(jr);
    strbuf_dispose(&err);
}

static void test_remote__mac(void **state)
{
    uint8_t mac[6] = { 0x02, 0xab, 0, 0x10, 0xff, 0x7 };
    char text[18];

    (void)state;
    wire_mac_text(mac, text);
    assert_string_equal(text, "02:ab:00:10:ff:07");
    memset(mac, 0, sizeof mac);
    assert_int_equal(wire_mac_parse(text, mac), 0);
    assert_int_equal(mac[1], 0xab);
    assert_int_equal(wire_mac_parse("02:ab:00:10:ff", mac), -EINVAL);
    assert_int_equal(wire_mac_parse("02:ab:00:10:ff:07:01", mac), -EINVAL);
    assert_int_equal(wire_mac_parse(NULL, mac), -EINVAL);
}

/* An agent 5 ms ahead; the fastest exchange is symmetric, the slow ones
 * are not: the estimate is that one's midpoint, within half its trip. */
static void test_remote__clock_estimate(void **state)
{
    const int64_t ahead = 5000000;
    struct clock_sample s[] = {
        /* 300 us out, 100 us back */
        { 1000000, 1000000 + 300000 + ahead, 1400000 },
        /* 40 us each way: the best */
        { 2000000, 2000000 + 40000 + ahead, 2080000 },
        /* 50 out, 250 back */
        { 3000000, 3000000 + 50000 + ahead, 3300000 },
        /* t1 before t0: not sound, never chosen however short */
        { 4000000, 4000000 + ahead, 3999000 },
    };
    struct clock_offset o;

    (void)state;
    assert_int_equal(clock_estimate(s, 4, &o), 0);
    assert_int_equal(o.rtt_ns, 80000);
    assert_int_equal(o.offset_ns, ahead);
    assert_int_equal(o.uncertainty_ns, 40000);
    assert_int_equal(o.samples, 3);
    /* From a slow, lopsided one alone the error shows, within bounds. */
    assert_int_equal(clock_estimate(s, 1, &o), 0);
    assert_int_equal(o.offset_ns, ahead + 100000);
    assert_true(llabs(o.offset_ns - ahead) <= o.uncertainty_ns);
    /* An agent behind: a negative offset. */
    struct clock_sample behind = { 10000, 10000 + 500 - 7000000, 11000 };
    assert_int_equal(clock_estimate(&behind, 1, &o), 0);
    assert_int_equal(o.offset_ns, -7000000);
    assert_int_equal(clock_estimate(&s[3], 1, &o), -EINVAL);
    assert_int_equal(clock_estimate(s, 0, &o), -EINVAL);
    /* The start of a trial waits out twice the trip, and 2 ms. */
    assert_int_equal(remote_start_margin_ns(80000), 2160000);
}

/* The bound on an agent's trial: the expected length and a margin, or a
 * grace after a stop that asking again does not move. */
static void test_remote__wait_bound(void **state)
{
    struct strbuf err = STRBUF_INIT;
    struct remote_wait w;

    (void)state;
    remote_wait_init(&w, 50, 50, 10000);
    assert_false(remote_wait_over(&w, false, "hv1", "the sender", &err));
    sleep_ms(120);
    assert_true(remote_wait_over(&w, false, "hv1", "the sender", &err));
    assert_string_equal(err.buf, "hv1: the sender did not finish within "
                                 "1 s");
    strbuf_reset(&err);
    remote_wait_init(&w, 0, 60000, 100);
    long long t0 = monotonic_ms();
    while (!remote_wait_over(&w, true, "hv1", "the sender", &err))
        sleep_ms(10);
    assert_true(monotonic_ms() - t0 >= 100 && monotonic_ms() - t0 < 2000);
    assert_string_equal(err.buf, "hv1: the sender did not finish within "
                                 "1 s of the stop");
    strbuf_dispose(&err);
}

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* Agents whose iperf3 client never ends, answering "not done" for ever:
 * a stop ends the test after the grace, with the host named (it polled
 * for ever, Ctrl-C or not). */
static void test_remote__tcp_client_never_done(void **state)
{
    struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
    char *log = xasprintf("%s/agent.log", tmpdir);
    static const char body[] =
        "case \"$l\" in *'\"method\":\"hello\"'*) " FAKE_REPLY(
        "{\"protocol\":" STRINGIFY(WIRE_PROTOCOL) ",\"version\":\"0\","
        "\"capabilities\":[\"tcp_server\",\"tcp_client\",\"tcp_wait\"]}")
        ";; *'\"method\":\"tcp_server\"'*) " FAKE_REPLY("{\"port\":5201}")
        ";; *) " FAKE_REPLY("{\"done\":false}") ";; esac";
    struct remote_pair pair = { 0 };
    volatile sig_atomic_t stop = 1;
    struct tcp_test t = { .streams = 1, .duration_s = 600, .stop = &stop };
    struct tcp_result res;

    (void)state;
    pair.src.peer = fake_agent("hv-src", body, log, NULL, &err);
    pair.dst.peer = fake_agent("hv-dst", body, log, NULL, &err);
    assert_non_null(pair.src.peer);
    assert_non_null(pair.dst.peer);
    assert_int_equal(peer_hello(pair.src.peer, &err), 0);
    assert_int_equal(peer_hello(pair.dst.peer, &err), 0);
    long long t0 = monotonic_ms();
    assert_int_equal(remote_tcp_ops.run(&pair, &t, &json, &res, &err),
                     -ETIMEDOUT);
    assert_true(monotonic_ms() - t0 < REMOTE_STOP_GRACE_MS + 5000);
    assert_string_equal(err.buf, "hv-src: the iperf3 client did not finish "
                                 "within 5 s of the stop");
    peer_close(pair.src.peer, 1000);
    peer_close(pair.dst.peer, 1000);
    free(log);
    strbuf_dispose(&json);
    strbuf_dispose(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_remote__base64),
        cmocka_unit_test(test_remote__trial_halves),
        cmocka_unit_test(test_remote__mac),
        cmocka_unit_test(test_remote__clock_estimate),
        cmocka_unit_test(test_remote__wait_bound),
        cmocka_unit_test(test_remote__tcp_client_never_done),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
