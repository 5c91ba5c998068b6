/* What the measuring phases conclude from their rows, without traffic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "lib/util.h"
#include "traffic/measure.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_measure__one_frame_proves_no_rate),
        cmocka_unit_test(test_measure__loss_free_is_what_was_sent),
        cmocka_unit_test(test_measure__short_step_is_generator_limited),
        cmocka_unit_test(test_measure__a_full_disk_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
