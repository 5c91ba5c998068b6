/* summary.json (report/summary.c) from run directories that are not what
 * a run writes: `perftests report DIR` takes any folder, so what it reads
 * is untrusted.  The cases come from tests/fuzz/fuzz_report_load.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "report/report.h"
#include "tmpdir.h"

static const char metadata[] =
    "{\"run_id\": \"lab-20261123-070000-abcdef\", \"settings\": "
    "{\"HISTORY_DB\": {\"value\": \"\"}}}";

/* Loads <tmpdir>/<name> after writing its metadata.json and trials.csv,
 * and makes its summary. */
static void summarize(const char *name, const char *trials,
                      struct report *r)
{
    struct strbuf err = STRBUF_INIT;
    char *dir = xasprintf("%s/%s", tmpdir, name);

    free(tmpdir_put(name, "metadata.json", metadata));
    free(tmpdir_put(name, "trials.csv", trials));
    assert_int_equal(report_load(r, dir, &err), 0);
    assert_int_equal(report_summary.make(r, &err), 0);
    assert_int_equal(err.len, 0);
    strbuf_dispose(&err);
    free(dir);
}

/* A row whose phase is no name (a number, in a trials.csv someone
 * edited) belongs to no phase: it is left out, and nothing of it is kept
 * (its copy leaked before). */
static void test_summary__trial_without_phase_name(void **state)
{
    struct report r;
    json_t *phases, *steps;

    summarize("numeric-phase", "phase,step,rate\n"
                               "test_throughput,1,1000\n"
                               "7,1,2000\n"
                               "test_throughput,2,3000\n", &r);
    phases = json_object_get(r.summary, "phases");
    assert_int_equal(json_array_size(phases), 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(phases, 0), "name")),
                        "test_throughput");
    steps = json_object_get(json_array_get(phases, 0), "steps");
    assert_int_equal(json_array_size(steps), 2);
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(steps, 1), "rate")), 3000);
    report_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary__trial_without_phase_name),
    };
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
