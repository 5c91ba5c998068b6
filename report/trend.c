/* The trend graphs (issue 15): each headline metric over the last
 * TREND_RUNS runs of the run's series, drawn by librrd as the other
 * graphs are, this run and the runs that regressed marked.
 *
 * Runs are nightly, hourly or seconds apart, so the time between them
 * says nothing: the x axis is the run's place in the series, oldest on
 * the left.  Each run gets a slot of TREND_STEP seconds of a made-up
 * clock in rrd/trend.rrd, one data source per metric. */
#include "report/report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/rrdfile.h"
#include "lib/util.h"
#include "report/history.h"


#define TREND_T0 1000000000         /* the made-up clock's origin */
#define TREND_STEP 2                /* seconds a run: a VRULE in the middle */
#define TREND_MAX_METRICS 32

/* The end of run i's slot, where its sample is written. */
static time_t slot(size_t i)
{
    return TREND_T0 + (time_t)(TREND_STEP * (i + 1));
}

/* rrd/trend.rrd: data source m<k> is metric k, a sample per run. */
static int write_rrd(const struct report *r, json_t *const *trend,
                     size_t n_metrics, size_t n_runs, struct strbuf *err)
{
    struct rrdfile_ds ds[TREND_MAX_METRICS];
    char names[TREND_MAX_METRICS][24];
    double v[TREND_MAX_METRICS];
    struct rrdfile *f;
    char *path;
    int rc = 0;

    for (size_t k = 0; k < n_metrics; k++) {
        snprintf(names[k], sizeof names[k], "m%zu", k);
        ds[k] = (struct rrdfile_ds){ .name = names[k], .counter = false };
    }
    path = xasprintf("%s/rrd", r->dir);
    rc = mkdir_p(path, 0755);
    free(path);
    if (rc) {
        strbuf_addf(err, "cannot create '%s/rrd': %s", r->dir,
                    strerror(-rc));
        return -EIO;
    }
    path = xasprintf("%s/rrd/trend.rrd", r->dir);
    f = rrdfile_create(path, TREND_STEP, slot(0), ds, n_metrics, err);
    free(path);
    if (!f)
        return -EIO;
    for (size_t i = 0; !rc && i < n_runs; i++) {
        for (size_t k = 0; k < n_metrics; k++) {
            json_t *val = json_object_get(json_array_get(trend[k], i),
                                          "value");
            v[k] = json_is_number(val) ? json_number_value(val) : NAN;
        }
        rc = rrdfile_update(f, (double)slot(i), v, err);
    }
    rrdfile_destroy(f);
    return rc;
}

/* One metric's graph: its line, the baseline's median, a rule at this
 * run and at each run that regressed or was acknowledged. */
static int draw(struct report *r, const json_t *m, const json_t *trend,
                size_t k, size_t n_runs, const char *last_label,
                struct strbuf *err)
{
    const char *name = json_string_value(json_object_get(m, "name"));
    json_t *median = json_object_get(m, "baseline_median"), *t;
    struct report_graph g;
    int said_regressed = 0, said_acked = 0;
    char *file = xasprintf("trend-%s.png", name);
    char *title = xasprintf("%s over the last %zu runs of the series", name,
                            n_runs);
    size_t i;
    int rc;

    report_graph_begin(&g, r, file, title,
                       json_string_value(json_object_get(m, "unit")) ?: "",
                       TREND_T0, slot(n_runs - 1));
    strbuf_addstr(report_graph_arg(&g), "--lower-limit=0");
    strbuf_addstr(report_graph_arg(&g), "--x-grid=none");
    strbuf_addf(report_graph_arg(&g), "DEF:v=%s/rrd/trend.rrd:m%zu:AVERAGE",
                r->dir, k);
    strbuf_addf(report_graph_arg(&g), "LINE2:v#1f77b4:%-30s", name);
    strbuf_addstr(report_graph_arg(&g), "GPRINT:v:MIN:min %8.1lf%s");
    strbuf_addstr(report_graph_arg(&g), "GPRINT:v:MAX:max %8.1lf%s\\l");
    if (json_is_number(median))
        strbuf_addf(report_graph_arg(&g), "HRULE:%g#7f7f7f:baseline "
                    "median %.1f\\l", json_number_value(median),
                    json_number_value(median));
    json_array_foreach(trend, i, t) {
        const char *outcome = json_string_value(json_object_get(t,
                                                                "outcome"));
        /* The middle of the run's slot: the rule sits on its step. */
        long long at = (long long)slot(i) - TREND_STEP / 2;
        if (outcome && !strcmp(outcome, "regressed"))
            strbuf_addf(report_graph_arg(&g), "VRULE:%lld#d62728%s", at,
                        said_regressed++ ? "" : ":regressed");
        else if (json_is_true(json_object_get(t, "acked")))
            strbuf_addf(report_graph_arg(&g), "VRULE:%lld#9467bd%s:dashes",
                        at, said_acked++ ? "" : ":acknowledged step");
    }
    strbuf_addf(report_graph_arg(&g), "VRULE:%lld#2ca02c:%s\\l",
                (long long)slot(n_runs - 1) - TREND_STEP / 2, last_label);
    strbuf_addf(report_graph_arg(&g), "COMMENT:runs of the series, oldest "
                                      "on the left, %s on the right\\l",
                last_label);
    rc = report_graph_end(&g, true, err);
    if (!rc)
        json_array_append_new(r->trends, json_pack("{s:s, s:s}", "file", file,
                                                   "title", title));
    free(file);
    free(title);
    return rc;
}

int report_trend_draw(struct report *r, const json_t *metrics,
                      json_t *const *trend, size_t n, const char *last_label,
                      struct strbuf *err)
{
    size_t i, n_runs = 0;
    int rc = 0;

    for (i = 0; i < n && i < TREND_MAX_METRICS; i++)
        if (json_array_size(trend[i]) > n_runs)
            n_runs = json_array_size(trend[i]);
    n = i;
    /* One run is no trend; the page says why there is none. */
    if (n_runs < 2)
        return 0;
    rc = write_rrd(r, trend, n, n_runs, err);
    for (i = 0; !rc && i < n; i++) {
        struct strbuf why = STRBUF_INIT;
        if (draw(r, json_array_get(metrics, i), trend[i], i, n_runs,
                 last_label, &why) < 0 && !err->len)
            strbuf_addf(err, "trend-%s.png: %s", json_string_value(
                            json_object_get(json_array_get(metrics, i),
                                            "name")), why.buf);
        strbuf_dispose(&why);
    }
    return rc || err->len ? -EIO : 0;
}

static int trends_make(struct report *r, struct strbuf *err)
{
    json_t *sec = json_object_get(r->summary, "regression"), *m;
    json_t *metrics = json_object_get(sec, "metrics");
    json_t *trend[TREND_MAX_METRICS] = { NULL };
    const char *db = json_string_value(json_object_get(sec, "db"));
    int last = (int)report_setting_num(r, "TREND_RUNS", 30);
    size_t i, n = 0;
    struct history *h;
    int rc = 0;

    if (!db || last < 2 || !json_array_size(metrics))
        return 0;
    h = history_open(db, true, err);
    if (!h)
        return -EIO;
    json_array_foreach(metrics, i, m) {
        if (n == TREND_MAX_METRICS)
            break;
        trend[n] = history_trend(
            h, json_string_value(json_object_get(sec, "series")) ?: "",
            json_string_value(json_object_get(r->meta, "start")) ?: "",
            json_string_value(json_object_get(m, "name")) ?: "", last, err);
        if (!trend[n]) {
            rc = -EIO;
            break;
        }
        n++;
    }
    history_close(h);
    if (!rc)
        rc = report_trend_draw(r, metrics, trend, n, "this run", err);
    for (i = 0; i < n; i++)
        json_decref(trend[i]);
    return rc;
}

const struct report_output report_trends = {
    .name = "trend graphs",
    .make = trends_make,
};
