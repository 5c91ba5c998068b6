/* junit.xml for Jenkins: a testsuite per phase with a testcase per trial
 * (an invalid trial is a failure), and a testsuite "verdict" with a
 * testcase per check and the end of run.log in its system-out. */
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void report_junit_suite(struct strbuf *x, const char *name, size_t tests,
                        size_t failures, double secs)
{
    strbuf_addstr(x, "  <testsuite name=\"");
    report_escape(x, name);
    strbuf_addf(x, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" "
                   "time=\"%.3f\">\n", tests, failures, secs);
}

void report_junit_testcase(struct strbuf *x, const char *classname,
                           const char *name, double secs,
                           const char *failure)
{
    strbuf_addstr(x, "    <testcase classname=\"");
    report_escape(x, classname);
    strbuf_addstr(x, "\" name=\"");
    report_escape(x, name);
    strbuf_addf(x, "\" time=\"%.3f\"", isnan(secs) ? 0 : secs);
    if (!failure) {
        strbuf_addstr(x, "/>\n");
        return;
    }
    strbuf_addstr(x, ">\n      <failure message=\"");
    report_escape(x, failure);
    strbuf_addstr(x, "\"/>\n    </testcase>\n");
}

/* The trials of phase 'phase' (they are contiguous in trials.csv). */
static void phase_suite(struct strbuf *x, const struct report *r,
                        const char *topology, size_t from, size_t to)
{
    const char *phase = json_string_value(json_object_get(
        json_array_get(r->trials, from), "phase"));
    char *classname = xasprintf("perftests.%s.%s", topology, phase);
    size_t failures = 0;
    double secs = 0;

    for (size_t i = from; i < to; i++) {
        json_t *t = json_array_get(r->trials, i);
        failures += report_num(t, "valid") != 1;
        secs += isnan(report_num(t, "duration_s")) ? 0
                                                   : report_num(t, "duration_s");
    }
    report_junit_suite(x, phase, to - from, failures, secs);
    for (size_t i = from; i < to; i++) {
        json_t *t = json_array_get(r->trials, i);
        char name[96], why[512];
        bool valid = report_num(t, "valid") == 1;
        /* A TCP row (tcp_throughput) is a stream set: named by its
         * streams, which stay the same from run to run. */
        if (json_is_number(json_object_get(t, "bits_per_second")))
            snprintf(name, sizeof name, "%.0f stream%s",
                     report_num(t, "streams"),
                     report_num(t, "streams") == 1 ? "" : "s");
        else
            snprintf(name, sizeof name, "step %.0f: %.0f pps",
                     report_num(t, "step"), report_num(t, "rate"));
        snprintf(why, sizeof why, "invalid trial: %s",
                 json_string_value(json_object_get(t, "note")) ?: "");
        report_junit_testcase(x, classname, name,
                              report_num(t, "duration_s"),
                              valid ? NULL : why);
    }
    strbuf_addstr(x, "  </testsuite>\n");
    free(classname);
}

/* The search's figures, one testcase each under a stable name (Jenkins
 * keeps a history per name): the figure in its output, and "skipped" when
 * the generator, not the datapath, set it, so that it is never read as
 * the datapath's. */
static void figures_suite(struct strbuf *x, const struct report *r,
                          const char *topology)
{
    static const char *const keys[][2] = { { "ndr", "NDR" },
                                           { "pdr", "PDR" } };
    json_t *res = json_object_get(r->summary, "result");
    char *classname;

    if (!json_object_get(res, "ndr"))
        return;
    classname = xasprintf("perftests.%s.figures", topology);
    strbuf_addstr(x, "  <testsuite name=\"figures\" tests=\"2\" "
                     "failures=\"0\" errors=\"0\" time=\"0\">\n");
    for (size_t i = 0; i < 2; i++) {
        json_t *b = json_object_get(res, keys[i][0]);
        struct strbuf text = STRBUF_INIT;
        report_bound_text(b, &text);
        strbuf_addstr(x, "    <testcase classname=\"");
        report_escape(x, classname);
        strbuf_addf(x, "\" name=\"%s\" time=\"0\">\n", keys[i][1]);
        if (json_is_true(json_object_get(b, "generator_limited"))) {
            strbuf_addstr(x, "      <skipped message=\"");
            report_escape(x, text.buf);
            strbuf_addstr(x, "\"/>\n");
        }
        strbuf_addstr(x, "      <system-out>");
        report_escape(x, text.buf);
        strbuf_addstr(x, "</system-out>\n    </testcase>\n");
        strbuf_dispose(&text);
    }
    strbuf_addstr(x, "  </testsuite>\n");
    free(classname);
}

/* One testcase per metric checked against the history, its failure
 * message the figure, the baseline's median and spread, the change and
 * the limit. */
static void regression_suite(struct strbuf *x, const struct report *r,
                             const char *topology)
{
    json_t *reg = json_object_get(r->summary, "regression"), *m;
    json_t *ms = json_object_get(reg, "metrics");
    char *classname;
    size_t i;

    if (!json_is_true(json_object_get(reg, "checked")))
        return;
    classname = xasprintf("perftests.%s.regression", topology);
    report_junit_suite(x, "regression", json_array_size(ms),
        (size_t)json_integer_value(json_object_get(reg, "regressed")), 0);
    json_array_foreach(ms, i, m) {
        bool bad = !strcmp(json_string_value(json_object_get(m, "outcome"))
                           ?: "", "regressed");
        report_junit_testcase(
            x, classname, json_string_value(json_object_get(m, "name")), 0,
            bad ? json_string_value(json_object_get(m, "why")) : NULL);
    }
    strbuf_addstr(x, "  </testsuite>\n");
    free(classname);
}

static void verdict_suite(struct strbuf *x, const struct report *r,
                          const char *topology)
{
    json_t *checks = json_object_get(json_object_get(r->summary, "verdict"),
                                     "checks"), *c;
    char *classname = xasprintf("perftests.%s.verdict", topology);
    size_t i, failures = 0;

    json_array_foreach(checks, i, c)
        failures += !json_is_true(json_object_get(c, "pass"));
    report_junit_suite(x, "verdict", json_array_size(checks), failures, 0);
    json_array_foreach(checks, i, c)
        report_junit_testcase(
            x, classname, json_string_value(json_object_get(c, "name")), 0,
            json_is_true(json_object_get(c, "pass"))
                ? NULL : json_string_value(json_object_get(c, "why")));
    /* The run's log, where Jenkins shows a suite's output. */
    strbuf_addstr(x, "    <system-out>");
    report_escape(x, r->log_tail);
    strbuf_addstr(x, "</system-out>\n  </testsuite>\n");
    free(classname);
}

static int junit_make(struct report *r, struct strbuf *err)
{
    const char *topology = json_string_value(json_object_get(r->meta,
                                                             "topology"));
    struct strbuf x = STRBUF_INIT;
    size_t n = json_array_size(r->trials), from = 0;
    int rc;

    topology = topology ? topology : "unknown";
    strbuf_addstr(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<testsuites name=\"perftests\">\n");
    for (size_t i = 1; i <= n; i++) {
        const char *a = json_string_value(json_object_get(
            json_array_get(r->trials, from), "phase"));
        const char *b = i < n ? json_string_value(json_object_get(
            json_array_get(r->trials, i), "phase")) : NULL;
        if (!b || !a || strcmp(a, b)) {
            phase_suite(&x, r, topology, from, i);
            from = i;
        }
    }
    figures_suite(&x, r, topology);
    regression_suite(&x, r, topology);
    verdict_suite(&x, r, topology);
    strbuf_addstr(&x, "</testsuites>\n");
    rc = report_write_file(r, "junit.xml", x.buf, x.len, err);
    strbuf_dispose(&x);
    return rc;
}

const struct report_output report_junit = {
    .name = "junit.xml",
    .make = junit_make,
};
