/* The A/B report (ab.h): every round's run directory is a whole run with
 * its own report; this reads their summary.json, compares each headline
 * metric (report_metrics) across the two sides by ab_compare(), and
 * writes one directory with both sides: summary.json ({"ab": ...}),
 * junit.xml (a testcase per metric, a failure where B failed the gate)
 * and index.html (the verdicts, the rounds, the first round's graphs of
 * A and B side by side, copied beside it so the folder stands alone). */
#include "report/ab.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "report/report.h"

/* The headline metrics of each run, in the order they ran:
 * [{"dir", "side", "run_id", "seconds", "metrics": [...]}].  A run without a
 * summary.json (it failed before its report) has no metrics. */
static json_t *load_runs(const struct ab_input *in)
{
    json_t *runs = json_array();

    for (size_t i = 0; i < in->n_runs; i++) {
        char *path = xasprintf("%s/summary.json", in->runs[i]);
        json_t *s = json_load_file(path, 0, NULL);
        char *copy = xstrdup(in->runs[i]);
        char side[2] = { in->sides[i], 0 };

        json_array_append_new(runs, json_pack(
            "{s:s, s:s, s:s, s:f, s:o}", "dir", basename(copy), "side", side,
            "run_id", json_string_value(json_object_get(json_object_get(
                s, "run"), "id")) ?: basename(copy), "seconds",
            in->seconds[i], "metrics",
            report_metrics(json_object_get(s, "result"))));
        json_decref(s);
        free(copy);
        free(path);
    }
    return runs;
}

/* The figures of metric 'name' on side 'side', one per run (NaN where a
 * run has none); 'out' holds n_runs.  How many runs of that side.  The
 * coarsest resolution_pct any of them has raises *resolution. */
static size_t figures(const json_t *runs, const char *name, char side,
                      double *out, json_t **unit, json_t **better,
                      double *resolution)
{
    size_t n = 0, i, j;
    json_t *run, *m;

    json_array_foreach(runs, i, run) {
        if (json_string_value(json_object_get(run, "side"))[0] != side)
            continue;
        out[n] = NAN;
        json_array_foreach(json_object_get(run, "metrics"), j, m) {
            if (strcmp(json_string_value(json_object_get(m, "name")), name))
                continue;
            double res = json_number_value(json_object_get(
                m, "resolution_pct"));
            out[n] = json_number_value(json_object_get(m, "value"));
            if (res > *resolution)
                *resolution = res;
            *unit = json_object_get(m, "unit");
            *better = json_object_get(m, "better");
        }
        n++;
    }
    return n;
}

/* A number, or null for NaN (JSON has no NaN). */
static json_t *real_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *side_json(const struct ab_side *s, const double *v, size_t n)
{
    json_t *values = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(values, real_or_null(v[i]));
    return json_pack("{s:o, s:i, s:o, s:o, s:o, s:o, s:o}", "values", values,
                     "n", (json_int_t)s->n, "median", real_or_null(s->median),
                     "spread", real_or_null(s->spread), "mean",
                     real_or_null(s->mean), "min", real_or_null(s->min),
                     "max", real_or_null(s->max));
}

/* Every metric any run has, judged: [{"name", "unit", "better", "a", "b",
 * "change_pct", "ci_low_pct", "ci_high_pct", "outcome", "verdict",
 * "gate_failed"}]. */
static json_t *judge(const struct ab_input *in, const json_t *runs,
                     size_t *worse, size_t *gated)
{
    json_t *out = json_array(), *seen = json_object(), *run, *m;
    double *a = xcalloc(in->n_runs + 1, sizeof *a);
    double *b = xcalloc(in->n_runs + 1, sizeof *b);
    size_t i, j;

    /* In the order the runs first name them. */
    json_array_foreach(runs, i, run) {
        json_array_foreach(json_object_get(run, "metrics"), j, m) {
            const char *name = json_string_value(json_object_get(m, "name"));
            json_t *unit = NULL, *better = NULL;
            double resolution = 0;
            struct ab_stat st;
            if (json_object_get(seen, name))
                continue;
            json_object_set_new(seen, name, json_true());
            size_t na = figures(runs, name, 'A', a, &unit, &better,
                                &resolution);
            size_t nb = figures(runs, name, 'B', b, &unit, &better,
                                &resolution);
            ab_compare(a, na, b, nb,
                       strcmp(json_string_value(better), "higher")
                           ? REGRESS_LOWER_IS_BETTER
                           : REGRESS_HIGHER_IS_BETTER,
                       json_string_value(unit), in->threshold_pct,
                       resolution, &st);
            *worse += st.outcome == AB_B_WORSE;
            *gated += st.gate_failed;
            json_array_append_new(out, json_pack(
                "{s:s, s:O, s:O, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:b}",
                "name", name, "unit", unit, "better", better,
                "a", side_json(&st.a, a, na), "b", side_json(&st.b, b, nb),
                "change_pct", real_or_null(st.change_pct),
                "ci_low_pct", real_or_null(st.ci_low_pct),
                "ci_high_pct", real_or_null(st.ci_high_pct),
                "outcome", ab_outcome_to_text(st.outcome), "verdict",
                st.text, "gate_failed", st.gate_failed));
        }
    }
    json_decref(seen);
    free(a);
    free(b);
    return out;
}

static int write_junit(const struct report *r, const json_t *ab,
                       struct strbuf *err)
{
    json_t *ms = json_object_get(ab, "metrics"), *m;
    char *classname = xasprintf("perftests.%s.ab",
        json_string_value(json_object_get(ab, "topology")));
    struct strbuf x = STRBUF_INIT;
    size_t i;
    int rc;

    strbuf_addstr(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<testsuites name=\"perftests\">\n");
    report_junit_suite(&x, "ab", json_array_size(ms),
                       (size_t)json_integer_value(json_object_get(ab,
                                                                  "gated")),
                       0);
    json_array_foreach(ms, i, m) {
        char *why = xasprintf("%s: %s; fails when B is worse by more than "
                              "REGRESSION_THRESHOLD %g %% across the whole "
                              "interval", json_string_value(json_object_get(
                                  m, "name")),
                              json_string_value(json_object_get(m, "verdict")),
                              json_number_value(json_object_get(
                                  ab, "threshold_pct")));
        report_junit_testcase(&x, classname, json_string_value(
                                  json_object_get(m, "name")), 0,
                              json_is_true(json_object_get(m, "gate_failed"))
                                  ? why : NULL);
        free(why);
    }
    strbuf_addstr(&x, "  </testsuite>\n</testsuites>\n");
    rc = report_write_file(r, "junit.xml", x.buf, x.len, err);
    strbuf_dispose(&x);
    free(classname);
    return rc;
}

static int png(const struct dirent *e)
{
    size_t n = strlen(e->d_name);

    return n > 4 && !strcmp(e->d_name + n - 4, ".png")
           && strncmp(e->d_name, "trend-", 6);
}

/* The graphs of run 'run' (a directory beside in->dir; NULL: none) into
 * 'sub/'; their names as a JSON array. */
static json_t *copy_graphs(const struct ab_input *in, const char *run,
                           const char *sub)
{
    if (!run)
        return json_array();
    char *from = xasprintf("%s/../%s", in->dir, run);
    char *to = xasprintf("%s/%s", in->dir, sub);
    json_t *names = json_array();
    struct dirent **list;
    int n = scandir(from, &list, png, alphasort);

    mkdir_p(to, 0755);
    for (int i = 0; i < n; i++) {
        char *f = xasprintf("%s/%s", from, list[i]->d_name);
        char *t = xasprintf("%s/%s", to, list[i]->d_name);
        if (!copy_file(f, t))
            json_array_append_new(names, json_string(list[i]->d_name));
        free(f);
        free(t);
        free(list[i]);
    }
    if (n >= 0)
        free(list);
    free(from);
    free(to);
    return names;
}

static void cell(struct strbuf *h, const char *cls, const char *text)
{
    strbuf_addf(h, "<td%s>", cls);
    report_escape(h, text);
    strbuf_addstr(h, "</td>");
}

static void side_cell(struct strbuf *h, const json_t *s)
{
    if (json_is_null(json_object_get(s, "median")))
        strbuf_addstr(h, "<td></td>");
    else
        strbuf_addf(h, "<td>%.4g &plusmn; %.2g (%lld)</td>",
                    json_number_value(json_object_get(s, "median")),
                    json_number_value(json_object_get(s, "spread")),
                    json_integer_value(json_object_get(s, "n")));
}

static void page_metrics(struct strbuf *h, const json_t *ab)
{
    json_t *m;
    size_t i;

    strbuf_addstr(h, "<h2>B against A</h2><table><tr><th class=l>metric"
                     "</th><th>A median &plusmn; spread (runs)</th><th>B "
                     "median &plusmn; spread (runs)</th><th class=l>verdict"
                     "</th></tr>\n");
    json_array_foreach(json_object_get(ab, "metrics"), i, m) {
        strbuf_addstr(h, json_is_true(json_object_get(m, "gate_failed"))
                             ? "<tr class=bad>" : "<tr>");
        cell(h, " class=l", json_string_value(json_object_get(m, "name")));
        side_cell(h, json_object_get(m, "a"));
        side_cell(h, json_object_get(m, "b"));
        cell(h, " class=l", json_string_value(json_object_get(m,
                                                              "verdict")));
        strbuf_addstr(h, "</tr>\n");
    }
    strbuf_addstr(h, "</table>\n");
}

static void page_rounds(struct strbuf *h, const json_t *runs)
{
    json_t *run;
    size_t i;

    strbuf_addstr(h, "<h2>Runs, in the order they ran</h2><table><tr><th>"
                     "round</th><th>side</th><th class=l>run</th><th>"
                     "seconds</th></tr>\n");
    json_array_foreach(runs, i, run) {
        const char *dir = json_string_value(json_object_get(run, "dir"));
        strbuf_addf(h, "<tr><td>%zu</td>", i / 2 + 1);
        cell(h, "", json_string_value(json_object_get(run, "side")));
        strbuf_addstr(h, "<td class=l><a href=\"../");
        report_escape(h, dir);
        strbuf_addstr(h, "/index.html\">");
        report_escape(h, dir);
        strbuf_addf(h, "</a></td><td>%.0f</td></tr>\n",
                    json_number_value(json_object_get(run, "seconds")));
    }
    strbuf_addstr(h, "</table>\n");
}

/* The first run of each side's graphs, a row per graph. */
static void page_graphs(struct strbuf *h, const json_t *ga, const json_t *gb)
{
    json_t *g;
    size_t i;

    strbuf_addstr(h, "<h2>Graphs of the first round</h2><table><tr><th>A"
                     "</th><th>B</th></tr>\n");
    json_array_foreach(ga, i, g) {
        const char *name = json_string_value(g);
        strbuf_addstr(h, "<tr><td><img alt=\"A ");
        report_escape(h, name);
        strbuf_addstr(h, "\" src=\"a/");
        report_escape(h, name);
        strbuf_addstr(h, "\"></td><td>");
        for (size_t j = 0; j < json_array_size(gb); j++)
            if (!strcmp(json_string_value(json_array_get(gb, j)), name)) {
                strbuf_addstr(h, "<img alt=\"B ");
                report_escape(h, name);
                strbuf_addstr(h, "\" src=\"b/");
                report_escape(h, name);
                strbuf_addstr(h, "\">");
            }
        strbuf_addstr(h, "</td></tr>\n");
    }
    strbuf_addstr(h, "</table>\n");
}

static int write_page(const struct report *r, const json_t *ab,
                      const json_t *ga, const json_t *gb, struct strbuf *err)
{
    bool pass = !json_integer_value(json_object_get(ab, "gated"));
    struct strbuf h = STRBUF_INIT;
    int rc;

    strbuf_addf(&h, "<!DOCTYPE html>\n<html lang=en><head><meta charset="
                    "utf-8><title>perftests ab</title><style>%s</style>"
                    "</head><body>\n<header class=%s><h1>%s: A/B of ",
                report_html_css, pass ? "pass" : "fail",
                pass ? "PASS" : "FAIL");
    report_escape(&h, json_string_value(json_object_get(ab, "topology")));
    strbuf_addstr(&h, "</h1><div>A: ");
    report_escape(&h, json_string_value(json_object_get(ab, "a")));
    strbuf_addstr(&h, " &middot; B: ");
    report_escape(&h, json_string_value(json_object_get(ab, "b")));
    strbuf_addf(&h, " &middot; %lld rounds &middot; ",
                json_integer_value(json_object_get(ab, "rounds")));
    report_escape(&h, json_string_value(json_object_get(ab, "start")));
    strbuf_addstr(&h, " &ndash; ");
    report_escape(&h, json_string_value(json_object_get(ab, "end")));
    strbuf_addf(&h, "</div><div>fails when B is worse than A by more than "
                    "%g %% (REGRESSION_THRESHOLD) across the whole %.0f %% "
                    "confidence interval</div></header>\n<main>\n",
                json_number_value(json_object_get(ab, "threshold_pct")),
                100 * AB_CONFIDENCE);
    page_metrics(&h, ab);
    page_rounds(&h, json_object_get(ab, "runs"));
    page_graphs(&h, ga, gb);
    strbuf_addstr(&h, "<p>Files: <a href=\"summary.json\">summary.json</a>, "
                      "<a href=\"junit.xml\">junit.xml</a></p>\n</main>"
                      "</body></html>\n");
    rc = report_write_file(r, "index.html", h.buf, h.len, err);
    strbuf_dispose(&h);
    return rc;
}

/* The directory of the first run of 'side' that made one, or NULL. */
static const char *first_run(const json_t *runs, char side)
{
    json_t *run;
    size_t i;

    json_array_foreach(runs, i, run)
        if (json_string_value(json_object_get(run, "side"))[0] == side
            && *json_string_value(json_object_get(run, "dir")))
            return json_string_value(json_object_get(run, "dir"));
    return NULL;
}

int ab_report_make(const struct ab_input *in, bool *gate_failed,
                   struct strbuf *err)
{
    struct report r = { .dir = (char *)in->dir };
    json_t *runs = load_runs(in), *ga, *gb, *ab, *doc;
    size_t worse = 0, gated = 0;
    char *text;
    int rc;

    ab = json_pack("{s:s, s:s, s:s, s:i, s:f, s:f, s:s?, s:s?}", "topology",
                   in->topology, "a", in->spec_a, "b", in->spec_b, "rounds",
                   (json_int_t)((in->n_runs + 1) / 2), "threshold_pct",
                   in->threshold_pct, "confidence", AB_CONFIDENCE, "start",
                   in->start, "end", in->end);
    json_object_set_new(ab, "metrics", judge(in, runs, &worse, &gated));
    json_object_set_new(ab, "worse", json_integer((json_int_t)worse));
    json_object_set_new(ab, "gated", json_integer((json_int_t)gated));
    json_object_set_new(ab, "pass", json_boolean(!gated));
    json_object_set(ab, "runs", runs);
    ga = copy_graphs(in, first_run(runs, 'A'), "a");
    gb = copy_graphs(in, first_run(runs, 'B'), "b");
    doc = json_pack("{s:o}", "ab", ab);
    text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    rc = report_write_file(&r, "summary.json", text, strlen(text), err);
    free(text);
    if (!rc)
        rc = write_junit(&r, ab, err);
    if (!rc)
        rc = write_page(&r, ab, ga, gb, err);
    *gate_failed = gated > 0;
    json_decref(doc);
    json_decref(runs);
    json_decref(ga);
    json_decref(gb);
    return rc;
}
