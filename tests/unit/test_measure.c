/* What the measuring phases conclude from their rows, without traffic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_measure__one_frame_proves_no_rate),
        cmocka_unit_test(test_measure__loss_free_is_what_was_sent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
