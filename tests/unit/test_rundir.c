/* Run ids, UUIDs and the results folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "run/rundir.h"

static void test_rundir__id_format(void **state)
{
    const unsigned char rnd[3] = { 0xab, 0x01, 0xff };
    /* 2026-11-23 02:57:34 UTC */
    char *id = rundir_make_id("lab-host", 1795402654, rnd);
    (void)state;

    assert_string_equal(id, "lab-host-20261123-025734-ab01ff");
    assert_true(rundir_id_valid(id));
    free(id);
    id = rundir_make_id("we ird/name", 0, rnd);
    assert_string_equal(id, "we_ird_name-19700101-000000-ab01ff");
    assert_true(rundir_id_valid(id));
    free(id);
}

static void test_rundir__id_validation(void **state)
{
    (void)state;
    assert_false(rundir_id_valid("-20261123-025734-ab01ff"));
    assert_false(rundir_id_valid("h-20261123-025734-ab01fg"));
    assert_false(rundir_id_valid("h-2026112-0257340-ab01ff"));
    assert_false(rundir_id_valid("../x-20261123-025734-ab01ff"));
    assert_true(rundir_id_valid("h-20261123-025734-ab01ff"));
}

static void test_rundir__uuid(void **state)
{
    char a[37], b[37];
    (void)state;

    assert_int_equal(rundir_make_uuid(a), 0);
    assert_int_equal(rundir_make_uuid(b), 0);
    assert_int_equal(strlen(a), 36);
    assert_true(a[8] == '-' && a[13] == '-' && a[18] == '-' && a[23] == '-');
    assert_int_equal(a[14], '4');
    assert_non_null(strchr("89ab", a[19]));
    assert_string_not_equal(a, b);
}

static void test_rundir__results_dir(void **state)
{
    (void)state;
    unsetenv("PERFTEST_RESULTSDIR");
    assert_string_equal(rundir_results_dir(NULL), "results");
    setenv("PERFTEST_RESULTSDIR", "/srv/perf", 1);
    assert_string_equal(rundir_results_dir(NULL), "/srv/perf");
    assert_string_equal(rundir_results_dir("mine"), "mine");
    unsetenv("PERFTEST_RESULTSDIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rundir__id_format),
        cmocka_unit_test(test_rundir__id_validation),
        cmocka_unit_test(test_rundir__uuid),
        cmocka_unit_test(test_rundir__results_dir),
    };
    return cmocka_run_group_tests_name("rundir", tests, NULL, NULL);
}
