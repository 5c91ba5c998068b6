/* The report (report/load.c, summary.c) from run directories that no
 * run wrote: `perftests report DIR` takes any folder, so what it reads is
 * untrusted.  The cases come from tests/fuzz/fuzz_report_load.c. */
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

/* Writes <tmpdir>/<name>/metadata.json and trials.csv and loads them. */
static void load(const char *name, const char *meta, const char *trials,
                 struct report *r)
{
    struct strbuf err = STRBUF_INIT;
    char *dir = xasprintf("%s/%s", tmpdir, name);

    free(tmpdir_put(name, "metadata.json", meta));
    free(tmpdir_put(name, "trials.csv", trials));
    assert_int_equal(report_load(r, dir, &err), 0);
    strbuf_dispose(&err);
    free(dir);
}

/* load(), then the summary. */
static void summarize(const char *name, const char *trials,
                      struct report *r)
{
    struct strbuf err = STRBUF_INIT;

    load(name, metadata, trials, r);
    assert_int_equal(report_summary.make(r, &err), 0);
    assert_int_equal(err.len, 0);
    strbuf_dispose(&err);
}

/* A row whose phase is no name (a number, in a trials.csv someone
 * edited) belongs to no phase: it is left out, and nothing of it is kept
 * (its copy leaked before). */
static void test_report_untrusted__trial_without_phase_name(void **state)
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

/* A step that is no number, or no step a run counts (a cast of NaN or
 * 1e300 to int was undefined): the trial is in its phase, and no
 * collector's step figures are taken for it. */
static void test_report_untrusted__step_that_is_no_count(void **state)
{
    struct report r;
    json_t *steps;

    free(tmpdir_put("odd-steps", "collectors.json",
                    "{\"steps\": [{\"phase\": \"test_throughput\", "
                    "\"step\": 1.0, \"cpu_mean_pct\": 40}]}"));
    summarize("odd-steps", "phase,step,rate\n"
                           "test_throughput,x,1000\n"
                           "test_throughput,1e300,2000\n"
                           "test_throughput,-5,2500\n"
                           "test_throughput,1,3000\n", &r);
    steps = json_object_get(json_array_get(json_object_get(r.summary,
                                                           "phases"), 0),
                            "steps");
    assert_int_equal(json_array_size(steps), 4);
    assert_null(json_object_get(json_array_get(steps, 0), "cpu_mean_pct"));
    assert_null(json_object_get(json_array_get(steps, 1), "cpu_mean_pct"));
    assert_null(json_object_get(json_array_get(steps, 2), "cpu_mean_pct"));
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(steps, 3), "cpu_mean_pct")), 40);
    report_release(&r);
}

/* Graph sizes out of the settings table's range are the defaults: a
 * file no run wrote could ask librrd for a 1e9-pixel graph, and a cast of
 * 1e300 to int was undefined. */
static void test_report_untrusted__graph_size_out_of_range(void **state)
{
    struct report r;

    load("huge-graphs", "{\"settings\": {\"GRAPH_WIDTH\": {\"value\": "
         "1e300}, \"GRAPH_HEIGHT\": {\"value\": 1000000000}}}", "", &r);
    assert_int_equal(r.width, 1400);
    assert_int_equal(r.height, 500);
    report_release(&r);
    load("small-graphs", "{\"settings\": {\"GRAPH_WIDTH\": {\"value\": "
         "640}, \"GRAPH_HEIGHT\": {\"value\": 100}}}", "", &r);
    assert_int_equal(r.width, 640);
    assert_int_equal(r.height, 100);
    report_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_untrusted__trial_without_phase_name),
        cmocka_unit_test(test_report_untrusted__step_that_is_no_count),
        cmocka_unit_test(test_report_untrusted__graph_size_out_of_range),
    };
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
