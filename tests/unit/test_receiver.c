/* The receiver's drain decision, on the monotonic clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "traffic/receiver.h"

#define MS 1000000ULL

static void test_receiver__quiet_after_last_arrival(void **state)
{
    uint64_t start = 1000 * MS;

    assert_false(receiver_quiet(start + 250 * MS, start + 100 * MS, start,
                                200 * MS));
    assert_true(receiver_quiet(start + 300 * MS, start + 100 * MS, start,
                               200 * MS));
}

static void test_receiver__quiet_from_start_when_nothing_came(void **state)
{
    uint64_t start = 1000 * MS;

    assert_false(receiver_quiet(start + 150 * MS, 0, start, 200 * MS));
    assert_true(receiver_quiet(start + 200 * MS, 0, start, 200 * MS));
}

/* An arrival stamped just after 'now' was read (another thread) is not a
 * long silence: an unsigned 'now - last' would wrap and end the drain
 * with frames still coming. */
static void test_receiver__arrival_after_now_is_not_quiet(void **state)
{
    uint64_t start = 1000 * MS;

    assert_false(receiver_quiet(start + 10 * MS, start + 10 * MS + 1, start,
                                200 * MS));
    assert_false(receiver_quiet(start + 10 * MS, start + 10 * MS, start,
                                200 * MS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_receiver__quiet_after_last_arrival),
        cmocka_unit_test(test_receiver__quiet_from_start_when_nothing_came),
        cmocka_unit_test(test_receiver__arrival_after_now_is_not_quiet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
