/* What the measuring phases conclude from their rows, without traffic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "report/report.h"
#include "traffic/measure.h"
#include "traffic/tcp.h"

static struct measure_row row(double rate, uint64_t sent, uint64_t received,
                              double tx_rate)
{
    struct measure_row r = { .phase = "test_throughput" };

    r.r.rate = rate;
    r.r.offered = sent;
    r.r.sent = sent;
    r.r.received = received;
    r.r.lost = sent - received;
    r.r.tx_rate = tx_rate;
    r.r.valid = true;
    return r;
}

/* A trial of one frame has no rate: THROUGHPUT_SCAN_BURST=1 must not
 * "prove" whatever rate was asked. */
static void test_measure__one_frame_proves_no_rate(void **state)
{
    struct measure_row rows[] = {
        row(1000, 5000, 5000, 1000),
        row(1000000, 1, 1, 0),
    };
    struct measure m;

    (void)state;
    memset(&m, 0, sizeof m);
    m.rows = rows;
    m.n_rows = 2;
    assert_true(measure_loss_free_rate(&m) == 1000);
}

/* Never more than was sent: a step that fell short counts at what it sent. */
static void test_measure__loss_free_is_what_was_sent(void **state)
{
    struct measure_row rows[] = {
        row(1000, 5000, 5000, 1000),
        row(400000, 5000, 5000, 130000),
        row(200000, 5000, 4990, 200000),
    };
    struct measure m;

    (void)state;
    memset(&m, 0, sizeof m);
    m.rows = rows;
    m.n_rows = 3;
    assert_true(measure_loss_free_rate(&m) == 130000);
}

/* A best step that fell short of its rate is the generator's figure, not
 * the datapath's; one that reached its rate is the datapath's. */
static void test_measure__short_step_is_generator_limited(void **state)
{
    struct measure_row rows[] = {
        row(1000, 5000, 5000, 1000),
        row(400000, 5000, 5000, 130000),
    };
    struct measure m;
    char why[96];

    (void)state;
    memset(&m, 0, sizeof m);
    m.rows = rows;
    m.n_rows = 2;
    assert_false(measure_loss_free_limit(&m, why, sizeof why));
    rows[1].r.short_of_rate = true;
    assert_true(measure_loss_free_limit(&m, why, sizeof why));
    assert_non_null(strstr(why, "sent 130000 of the 400000 pps asked"));
    /* Only the best step counts: a short one below it says nothing. */
    rows[1].r.short_of_rate = false;
    rows[0].r.short_of_rate = true;
    assert_false(measure_loss_free_limit(&m, why, sizeof why));
    m.harness_only = true;
    assert_true(measure_loss_free_limit(&m, why, sizeof why));
    assert_non_null(strstr(why, "no datapath"));
}

/* A trials.csv that cannot be written (here: a full device, /dev/full)
 * is an error naming it, before any trial runs: rows that never reach
 * the disk must not make a report that passes (issue 16 item 5). */
static void test_measure__a_full_disk_is_an_error(void **state)
{
    char dir[] = "/tmp/pt-unit-XXXXXX";
    struct strbuf err = STRBUF_INIT;
    struct topology_ctx ctx;
    struct measure m;
    char *csv;

    memset(&ctx, 0, sizeof ctx);
    assert_non_null(mkdtemp(dir));
    csv = xasprintf("%s/trials.csv", dir);
    assert_int_equal(symlink("/dev/full", csv), 0);
    assert_int_equal(measure_open(&m, dir, NULL, &ctx, NULL, NULL, 1, &err), -ENOSPC);
    assert_non_null(strstr(err.buf, "cannot write trials.csv"));
    assert_int_equal(measure_close(&m), 0);
    unlink(csv);
    rmdir(dir);
    free(csv);
    strbuf_dispose(&err);
}

/* A tcp_throughput row (iperf3's figures from a real run's JSON) has as
 * many fields as the header, its figures under the TCP columns and the
 * packet columns empty, as the report reads it back. */
static void test_measure__tcp_row(void **state)
{
    char *text = fixture("iperf3-client-2streams.json");
    char path[] = "/tmp/pt-unit-XXXXXX";
    struct strbuf err = STRBUF_INIT, csv = STRBUF_INIT;
    struct measure m;
    struct tcp_result res;
    size_t torn;
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    memset(&m, 0, sizeof m);
    m.csv = fdopen(fd, "w");
    assert_int_equal(tcp_result_parse(text, &res, &err), 0);
    fputs(measure_csv_header, m.csv);
    assert_int_equal(measure_tcp_row(&m, "tcp_throughput", 1, 2, &res,
                                     1795417200.5, 1795417201.5), 0);
    /* What iperf3 did not report is a gap, never "nan" or -1. */
    res.sender_cpu_pct = NAN;
    res.retransmits = -1;
    assert_int_equal(measure_tcp_row(&m, "tcp_throughput", 2, 2, &res,
                                     1795417202.5, 1795417203.5), 0);
    fclose(m.csv);
    assert_int_equal(strbuf_read_file(&csv, path), 0);
    json_t *rows = report_parse_csv(csv.buf, &torn, &err);
    assert_int_equal(torn, 0);
    assert_int_equal(json_array_size(rows), 2);
    json_t *t = json_array_get(rows, 0);
    assert_string_equal(json_string_value(json_object_get(t, "phase")),
                        "tcp_throughput");
    assert_true(report_num(t, "streams") == 2);
    assert_true(report_num(t, "bits_per_second") == 24368758858);
    assert_true(report_num(t, "retransmits") == 0);
    assert_true(report_num(t, "sender_cpu_pct") == 47.27);
    assert_true(report_num(t, "duration_s") == 1.001);
    assert_true(report_num(t, "valid") == 1);
    assert_true(report_num(t, "start_time") == 1795417200.5);
    assert_string_equal(json_string_value(json_object_get(t, "rate")), "");
    assert_string_equal(json_string_value(json_object_get(t, "lat_p99_us")),
                        "");
    assert_non_null(strstr(json_string_value(json_object_get(t, "note")),
                           "TCP, 2 streams: 24.369 Gbit/s, 0 retransmits, sender CPU 47.27 %"));
    t = json_array_get(rows, 1);
    assert_string_equal(json_string_value(json_object_get(t,
                                                          "sender_cpu_pct")),
                        "");
    assert_string_equal(json_string_value(json_object_get(t, "retransmits")),
                        "");
    assert_non_null(strstr(json_string_value(json_object_get(t, "note")),
                           "unknown retransmits, sender CPU unknown"));
    json_decref(rows);
    unlink(path);
    strbuf_dispose(&csv);
    strbuf_dispose(&err);
    free(text);
}

/* CROSS_CPU_PROBE's summary: over the trials that have a round trip,
 * its least, median and most, and "moved" when the most is twice the
 * least; trials without one count for nothing, and none means no key. */
static void test_measure__cross_cpu(void **state)
{
    struct measure_row rows[5] = {
        { .phase = "test_throughput", .cross_cpu_ns = 61.4 },
        { .phase = "test_throughput", .cross_cpu_ns = NAN },
        { .phase = "test_throughput", .cross_cpu_ns = 64 },
        { .phase = "test_throughput", .cross_cpu_ns = 118 },
        { .phase = "test_throughput", .cross_cpu_ns = 310 },
    };
    struct measure m;
    json_t *o, *x;

    (void)state;
    memset(&m, 0, sizeof m);
    m.rows = rows;
    m.n_rows = 5;
    m.xcpu_a = 0;
    m.xcpu_b = 1;
    m.xcpu_failed = 1;
    o = measure_result_json(&m);
    x = json_object_get(o, "cross_cpu");
    assert_non_null(x);
    assert_int_equal(json_integer_value(json_object_get(x, "failed")), 1);
    assert_int_equal(json_integer_value(json_array_get(
                         json_object_get(x, "cpus"), 1)), 1);
    assert_int_equal(json_integer_value(json_object_get(x, "trials")), 4);
    assert_int_equal(json_integer_value(json_object_get(x, "min_ns")), 61);
    assert_int_equal(json_integer_value(json_object_get(x, "p50_ns")), 64);
    assert_int_equal(json_integer_value(json_object_get(x, "max_ns")), 310);
    assert_true(json_is_true(json_object_get(x, "moved")));
    json_decref(o);
    /* Within one placement: batches differ, the CPUs did not move. */
    rows[4].cross_cpu_ns = 120;
    o = measure_result_json(&m);
    assert_true(json_is_false(json_object_get(json_object_get(o,
                                                              "cross_cpu"),
                                              "moved")));
    json_decref(o);
    /* Rows no probe wrote (zeroed, as other code makes them) are no
     * 0 ns figures, nor is anything when the run did not probe. */
    rows[0].cross_cpu_ns = 0;
    o = measure_result_json(&m);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(
                         o, "cross_cpu"), "min_ns")), 64);
    json_decref(o);
    m.xcpu_a = m.xcpu_b = -1;
    o = measure_result_json(&m);
    assert_null(json_object_get(o, "cross_cpu"));
    json_decref(o);
    m.xcpu_a = 0;
    m.xcpu_b = 1;
    for (size_t i = 0; i < 5; i++)
        rows[i].cross_cpu_ns = NAN;
    o = measure_result_json(&m);
    assert_null(json_object_get(o, "cross_cpu"));
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_measure__one_frame_proves_no_rate),
        cmocka_unit_test(test_measure__loss_free_is_what_was_sent),
        cmocka_unit_test(test_measure__short_step_is_generator_limited),
        cmocka_unit_test(test_measure__a_full_disk_is_an_error),
        cmocka_unit_test(test_measure__tcp_row),
        cmocka_unit_test(test_measure__cross_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
