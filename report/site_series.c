/* A series' page on the lab site (site.h): the trend of each headline
 * metric over the series' runs, drawn by report/trend.c exactly as a
 * run's own page draws it, and the runs that regressed when they were
 * judged (on their host, against its history; the bundle's summary.json
 * carried the verdict of each metric). */
#include "report/site.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "report/history.h"
#include "report/report.h"

/* The runs a series page's graphs span: a year of nightly runs, and
 * still a readable line at the page's width. */
#define SITE_TREND_RUNS 365
#define SITE_MAX_METRICS 32
#define SITE_GRAPH_WIDTH 900
#define SITE_GRAPH_HEIGHT 240
/* Later than any run's start (ISO 8601 UTC): the trend up to now. */
#define SITE_END_OF_TIME "9999-12-31T23:59:59Z"

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The runs of 'series' among 'runs' (new references) and the names of
 * their metrics, [{"name"}], only names fit for a file and an rrdtool
 * argument (a history may hold runs imported from anywhere). */
static json_t *series_runs(const json_t *runs, const char *series,
                           json_t *metrics)
{
    json_t *mine = json_array(), *names = json_object(), *r, *v;
    const char *name;
    size_t i;

    json_array_foreach(runs, i, r) {
        if (strcmp(str(r, "series") ?: "", series))
            continue;
        json_array_append(mine, r);
        json_object_foreach(json_object_get(r, "metrics"), name, v)
            if (site_name_safe(name) && !strchr(name, '.'))
                json_object_set_new(names, name, json_true());
    }
    json_object_foreach(names, name, v)
        if (json_array_size(metrics) < SITE_MAX_METRICS)
            json_array_append_new(metrics, json_pack("{s:s}", "name", name));
    json_decref(names);
    return mine;
}

/* The runs whose metric regressed when judged, a row each. */
static void regressions(struct strbuf *h, const char *site,
                        const json_t *metrics, json_t *const *trend,
                        size_t n)
{
    size_t k, i, found = 0;
    json_t *t;

    strbuf_addstr(h, "<h2>Regressions</h2><table><tr><th class=l>metric"
                     "</th><th class=l>run</th><th>value</th></tr>\n");
    for (k = 0; k < n; k++)
        json_array_foreach(trend[k], i, t) {
            const char *id = str(t, "run_id");
            char *dir;
            if (strcmp(str(t, "outcome") ?: "", "regressed"))
                continue;
            found++;
            strbuf_addstr(h, "<tr class=bad><td class=l>");
            report_escape(h, str(json_array_get(metrics, k), "name"));
            strbuf_addstr(h, "</td><td class=l>");
            dir = id && site_name_safe(id)
                      ? xasprintf("%s/runs/%s", site, id) : NULL;
            if (dir && path_is_dir(dir))
                strbuf_addf(h, "<a href=\"../runs/%s/index.html\">%s</a>", id,
                            id);
            else
                report_escape(h, id ?: "?");
            free(dir);
            strbuf_addf(h, "</td><td>%.1f</td></tr>\n", json_number_value(
                            json_object_get(t, "value")));
        }
    strbuf_addstr(h, "</table>\n");
    if (!found)
        strbuf_addstr(h, "<p>No run of this series regressed.</p>\n");
}

int site_series_page(const char *site, struct history *hist,
                     const char *series, const json_t *runs,
                     struct strbuf *err)
{
    struct strbuf h = STRBUF_INIT, why = STRBUF_INIT;
    json_t *metrics = json_array(), *trend[SITE_MAX_METRICS] = { NULL }, *g;
    json_t *mine = series_runs(runs, series, metrics);
    char hash[17], *name, *title;
    struct report r;
    size_t i, n = 0;
    int rc = 0;

    site_hash_name(series, hash);
    memset(&r, 0, sizeof r);
    r.dir = xasprintf("%s/series/%s", site, hash);
    r.width = SITE_GRAPH_WIDTH;
    r.height = SITE_GRAPH_HEIGHT;
    r.trends = json_array();
    for (n = 0; n < json_array_size(metrics) && !rc; n++)
        if (!(trend[n] = history_trend(hist, series, SITE_END_OF_TIME,
                                       str(json_array_get(metrics, n),
                                           "name"),
                                       SITE_TREND_RUNS, err)))
            rc = -EIO;
    if (rc)
        n--;
    else if ((rc = mkdir_p(r.dir, 0755)))
        strbuf_addf(err, "cannot create '%s': %s", r.dir, strerror(-rc));
    /* A graph librrd would not draw is said on the page; the rest of the
     * site still gets built. */
    else
        report_trend_draw(&r, metrics, trend, n, "newest run", &why);

    title = xasprintf("perftests: %s on %s", str(json_array_get(mine, 0),
                                                 "topology") ?: "?",
                      str(json_array_get(mine, 0), "host") ?: "?");
    site_page_begin(&h, title, "../");
    strbuf_addstr(&h, "<p>series: <code>");
    report_escape(&h, series);
    strbuf_addf(&h, "</code>, %zu runs</p>\n<h2>Trends</h2>\n",
                json_array_size(mine));
    if (why.len) {
        strbuf_addstr(&h, "<p>Some graphs could not be drawn: ");
        report_escape(&h, why.buf);
        strbuf_addstr(&h, "</p>\n");
    }
    if (!json_array_size(r.trends))
        strbuf_addstr(&h, "<p>One run is no trend.</p>\n");
    json_array_foreach(r.trends, i, g) {
        strbuf_addf(&h, "<img src=\"%s/%s\" alt=\"", hash, str(g, "file"));
        report_escape(&h, str(g, "title"));
        strbuf_addstr(&h, "\">\n");
    }
    regressions(&h, site, metrics, trend, n);
    strbuf_addstr(&h, "<h2>Runs</h2>\n");
    site_runs_table(&h, site, mine, "../", false);
    site_page_end(&h);
    name = xasprintf("series/%s.html", hash);
    if (!rc)
        rc = site_write(site, name, &h, err);
    for (i = 0; i < n; i++)
        json_decref(trend[i]);
    free(name);
    free(title);
    free(r.dir);
    json_decref(r.trends);
    json_decref(mine);
    json_decref(metrics);
    strbuf_dispose(&why);
    strbuf_dispose(&h);
    return rc;
}
