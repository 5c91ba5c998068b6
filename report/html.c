/* index.html: one self-contained page (inline CSS, the PNGs beside it, no
 * external requests): the verdict, the result, the steps, the graphs, the
 * settings and where the run ran. */
#include "report/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char report_html_css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;"
    "background:#fafafa}"
    "header{padding:16px 24px;color:#fff}"
    "header.pass{background:#2e7d32}header.fail{background:#c62828}"
    "header h1{margin:0;font-size:22px}main{padding:8px 24px}"
    "table{border-collapse:collapse;margin:8px 0 16px;background:#fff}"
    "th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}"
    "th{background:#eee}td.l,th.l{text-align:left}tr.bad td{background:#fde0e0}"
    "img{max-width:100%;border:1px solid #ddd;margin:4px 0 12px;"
    "background:#fff}h2{margin:20px 0 4px;font-size:17px}"
    ".kv td:first-child{text-align:left;color:#555}";

static void text(struct strbuf *h, const char *s)
{
    report_escape(h, s);
}

/* A number cell; blank for a missing one. */
static void num_cell(struct strbuf *h, double v, int decimals)
{
    if (isnan(v))
        strbuf_addstr(h, "<td></td>");
    else
        strbuf_addf(h, "<td>%.*f</td>", decimals, v);
}

static void num(struct strbuf *h, const json_t *o, const char *key,
                int decimals)
{
    num_cell(h, report_num(o, key), decimals);
}

static void kv(struct strbuf *h, const char *k, const char *v)
{
    strbuf_addstr(h, "<tr><td>");
    text(h, k);
    strbuf_addstr(h, "</td><td class=l>");
    text(h, v ? v : "");
    strbuf_addstr(h, "</td></tr>");
}

static void header(struct strbuf *h, const struct report *r)
{
    json_t *s = r->summary, *run = json_object_get(s, "run");
    json_t *v = json_object_get(s, "verdict"), *c, *err;
    bool pass = json_is_true(json_object_get(v, "pass"));
    size_t i;

    strbuf_addf(h, "<header class=%s><h1>%s: ", pass ? "pass" : "fail",
                pass ? "PASS" : "FAIL");
    text(h, json_string_value(json_object_get(run, "topology")));
    strbuf_addstr(h, " on ");
    text(h, json_string_value(json_object_get(json_object_get(run, "host"),
                                              "hostname")));
    strbuf_addstr(h, "</h1><div>");
    text(h, json_string_value(json_object_get(run, "id")));
    strbuf_addstr(h, " &middot; ");
    text(h, json_string_value(json_object_get(run, "start")));
    strbuf_addstr(h, " &ndash; ");
    text(h, json_string_value(json_object_get(run, "end")));
    strbuf_addstr(h, "</div>");
    json_array_foreach(json_object_get(v, "checks"), i, c) {
        strbuf_addstr(h, "<div>");
        strbuf_addstr(h, json_is_true(json_object_get(c, "pass")) ? "&#10003; "
                                                                   : "&#10007; ");
        text(h, json_string_value(json_object_get(c, "name")));
        strbuf_addstr(h, ": ");
        text(h, json_string_value(json_object_get(c, "why")));
        strbuf_addstr(h, "</div>");
    }
    if ((err = json_object_get(s, "error")) && json_is_object(err)) {
        strbuf_addstr(h, "<div><b>failed in ");
        text(h, json_string_value(json_object_get(err, "phase")));
        strbuf_addstr(h, ":</b> ");
        text(h, json_string_value(json_object_get(err, "reason")));
        strbuf_addstr(h, "</div>");
    }
    strbuf_addstr(h, "</header>\n<main>\n");
}

static void result(struct strbuf *h, const struct report *r)
{
    json_t *res = json_object_get(r->summary, "result");
    char v[64];

    strbuf_addstr(h, "<h2>Result</h2><table class=kv>");
    json_t *limit = json_object_get(res, "loss_free_limit");
    struct strbuf lf = STRBUF_INIT;

    strbuf_addf(&lf, "%s%.0f pps", limit ? "≥ " : "",
                json_number_value(json_object_get(res, "loss_free_pps")));
    if (limit)
        strbuf_addf(&lf, ", limited by the generator (%s)",
                    json_string_value(limit));
    kv(h, "highest loss-free rate", lf.buf);
    strbuf_dispose(&lf);
    if (json_object_get(res, "ndr")) {
        struct strbuf b = STRBUF_INIT;
        report_bound_text(json_object_get(res, "ndr"), &b);
        kv(h, "NDR (no drop rate)", b.buf);
        strbuf_reset(&b);
        report_bound_text(json_object_get(res, "pdr"), &b);
        kv(h, "PDR (partial drop rate)", b.buf);
        strbuf_dispose(&b);
    }
    if (json_object_get(res, "harness_ceiling")) {
        json_t *c = json_object_get(res, "harness_ceiling");
        snprintf(v, sizeof v, "%.0f pps (calibrated %s)",
                 report_num(c, "rate_pps"),
                 json_string_value(json_object_get(c, "date")) ?: "?");
        kv(h, "the harness's own ceiling", v);
    }
    if (json_object_get(res, "host_jitter")) {
        json_t *j = json_object_get(res, "host_jitter");
        struct strbuf b = STRBUF_INIT;
        strbuf_addf(&b, "%.0f a second over 1 ms, the longest %.2f ms "
                    "(measured for %.1f s before the first trial): a "
                    "datapath away that long loses what its receive buffer "
                    "cannot hold", report_num(j, "over_1ms_per_s"),
                    report_num(j, "longest_ms"), report_num(j, "seconds"));
        kv(h, "the host's stalls on the SUT's CPUs", b.buf);
        strbuf_dispose(&b);
    }
    if (json_object_get(res, "cross_cpu")) {
        json_t *x = json_object_get(res, "cross_cpu");
        struct strbuf b = STRBUF_INIT;
        strbuf_addf(&b, "%.0f ns median, %.0f-%.0f ns over %.0f trials%s",
                    report_num(x, "p50_ns"), report_num(x, "min_ns"),
                    report_num(x, "max_ns"), report_num(x, "trials"),
                    json_is_true(json_object_get(x, "moved"))
                        ? ": the host moved these CPUs during the run, and "
                          "trials on either side are not comparable"
                        : "");
        kv(h, "a cache line's round trip, injector's CPU to SUT's", b.buf);
        strbuf_dispose(&b);
    }
    json_t *clock = json_object_get(res, "latency_clock");
    if (clock) {
        struct strbuf c = STRBUF_INIT;
        bool one_way = !strcmp(json_string_value(json_object_get(
            clock, "mode")) ?: "", "one-way");
        if (one_way)
            strbuf_addf(&c, "one-way: the hosts' clocks agree within "
                        "%.1f µs", report_num(clock, "uncertainty_us"));
        else
            strbuf_addf(&c, "RTT-derived, not one-way: half of ICMP round "
                        "trips from the source through the datapath, as "
                        "the hosts' clocks agree to %.1f µs only "
                        "(CLOCK_OFFSET_MAX_US %.0f)",
                        report_num(clock, "uncertainty_us"),
                        report_num(clock, "bound_us"));
        kv(h, "latency", c.buf);
        strbuf_dispose(&c);
    }
    if (json_object_get(res, "rss_peak_bytes")) {
        snprintf(v, sizeof v, "%.1f MiB", json_number_value(json_object_get(
            res, "rss_peak_bytes")) / 1048576.0);
        kv(h, "SUT RSS at its peak", v);
    }
    if (json_object_get(res, "rss_slope_mib_per_hour")) {
        snprintf(v, sizeof v, "%.2f MiB/hour", json_number_value(
            json_object_get(res, "rss_slope_mib_per_hour")));
        kv(h, "SUT RSS slope in the long run", v);
    }
    strbuf_addstr(h, "</table>\n");
}

/* The PNGs of 'list' ([{"file", "title"}]), one under another. */
static void images(struct strbuf *h, const json_t *list)
{
    json_t *g;
    size_t i;

    json_array_foreach(list, i, g) {
        strbuf_addstr(h, "<div><img alt=\"");
        text(h, json_string_value(json_object_get(g, "title")));
        strbuf_addstr(h, "\" src=\"");
        text(h, json_string_value(json_object_get(g, "file")));
        strbuf_addstr(h, "\"></div>\n");
    }
}

/* The run against its history: a row per metric, red where it
 * regressed. */
static void regression(struct strbuf *h, const struct report *r)
{
    json_t *reg = json_object_get(r->summary, "regression"), *m;
    size_t i;

    if (!reg)
        return;
    strbuf_addstr(h, "<h2>Against the history</h2>");
    if (!json_is_true(json_object_get(reg, "checked"))) {
        strbuf_addstr(h, "<p>");
        text(h, json_string_value(json_object_get(reg, "note")));
        strbuf_addstr(h, "</p>\n");
        return;
    }
    strbuf_addstr(h, "<table><tr><th class=l>metric</th><th>this run</th>"
                     "<th>baseline median</th><th>spread</th><th>change %"
                     "</th><th>limit %</th><th>runs</th><th class=l>verdict"
                     "</th></tr>");
    json_array_foreach(json_object_get(reg, "metrics"), i, m) {
        const char *outcome = json_string_value(json_object_get(m,
                                                                "outcome"));
        strbuf_addf(h, "<tr%s><td class=l>",
                    outcome && !strcmp(outcome, "regressed") ? " class=bad"
                                                             : "");
        text(h, json_string_value(json_object_get(m, "name")));
        strbuf_addstr(h, "</td>");
        num(h, m, "value", 1);
        num(h, m, "baseline_median", 1);
        num(h, m, "baseline_spread", 1);
        num(h, m, "change_pct", 1);
        num(h, m, "limit_pct", 1);
        num(h, m, "baseline_runs", 0);
        strbuf_addstr(h, "<td class=l>");
        text(h, outcome);
        strbuf_addstr(h, "</td></tr>");
    }
    strbuf_addstr(h, "</table>\n");
    images(h, r->trends);
}

static void steps(struct strbuf *h, const struct report *r)
{
    /* The numeric columns, between the phase and the note: one table for
     * the header and the cells, so the two cannot drift apart. */
    static const struct { const char *head, *key; int decimals; } cols[] = {
        { "step", "step", 0 }, { "rate pps", "rate", 0 },
        { "sent", "sent", 0 }, { "received", "received", 0 },
        { "loss %", "loss_pct", 3 }, { "tx pps", "tx_rate", 0 },
        { "rx pps", "rx_rate", 0 }, { "p50 &micro;s", "lat_p50_us", 1 },
        { "p99 &micro;s", "lat_p99_us", 1 },
        { "p99.9 &micro;s", "lat_p999_us", 1 },
        { "SUT CPU mean %", "cpu_mean_pct", 1 },
        { "SUT CPU max %", "cpu_max_pct", 1 },
    };
    json_t *p, *t;
    size_t i, k;

    strbuf_addstr(h, "<h2>Steps</h2><table><tr><th class=l>phase</th>");
    for (i = 0; i < sizeof cols / sizeof *cols; i++)
        strbuf_addf(h, "<th>%s</th>", cols[i].head);
    strbuf_addstr(h, "<th class=l>note</th></tr>\n");
    json_array_foreach(json_object_get(r->summary, "phases"), i, p)
        json_array_foreach(json_object_get(p, "steps"), k, t) {
            bool bad = report_num(t, "valid") != 1 || report_num(t, "lost") > 0;
            strbuf_addf(h, "<tr%s><td class=l>", bad ? " class=bad" : "");
            text(h, json_string_value(json_object_get(p, "name")));
            strbuf_addstr(h, "</td>");
            for (size_t c = 0; c < sizeof cols / sizeof *cols; c++)
                num(h, t, cols[c].key, cols[c].decimals);
            strbuf_addstr(h, "<td class=l>");
            text(h, json_string_value(json_object_get(t, "note")));
            strbuf_addstr(h, "</td></tr>\n");
        }
    strbuf_addstr(h, "</table>\n");
}

/* The tcp_throughput phase: iperf3's figures, and its JSON beside. */
static void tcp(struct strbuf *h, const struct report *r)
{
    json_t *t = json_object_get(json_object_get(r->summary, "result"),
                                "tcp");
    static const struct { const char *head, *key; int decimals;
                          double scale; } cols[] = {
        { "streams", "streams", 0, 1 }, { "seconds", "duration_s", 2, 1 },
        { "Gbit/s", "bits_per_second", 3, 1e9 },
        { "sender Gbit/s", "sender_bits_per_second", 3, 1e9 },
        { "retransmits", "retransmits", 0, 1 },
        { "sender CPU %", "sender_cpu_pct", 1, 1 },
        { "receiver CPU %", "receiver_cpu_pct", 1, 1 },
        { "SUT CPU mean %", "sut_cpu_mean_pct", 1, 1 },
    };

    if (!json_is_object(t))
        return;
    strbuf_addstr(h, "<h2>TCP throughput</h2><table><tr>");
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
        strbuf_addf(h, "<th>%s</th>", cols[i].head);
    strbuf_addstr(h, "<th class=l>congestion control</th><th class=l>"
                     "</th></tr>\n<tr>");
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
        num_cell(h, report_num(t, cols[i].key) / cols[i].scale,
                 cols[i].decimals);
    strbuf_addstr(h, "<td class=l>");
    text(h, json_string_value(json_object_get(t, "congestion")));
    strbuf_addstr(h, "</td><td class=l><a href=\"tcp/iperf3.json\">"
                     "iperf3.json</a></td></tr>\n</table>\n");
    if (json_is_string(json_object_get(t, "limit"))) {
        strbuf_addstr(h, "<p>Not the datapath's: ");
        text(h, json_string_value(json_object_get(t, "limit")));
        strbuf_addstr(h, ".</p>\n");
    }
}

static void graphs(struct strbuf *h, const struct report *r)
{
    strbuf_addstr(h, "<h2>Graphs</h2>\n");
    images(h, r->graphs);
}

static void settings_and_host(struct strbuf *h, const struct report *r)
{
    json_t *v, *run = json_object_get(r->summary, "run");
    json_t *host = json_object_get(run, "host");
    const char *k;

    strbuf_addstr(h, "<h2>Settings</h2><table class=kv>");
    json_object_foreach(json_object_get(r->summary, "settings"), k, v) {
        char *val = json_dumps(v, JSON_ENCODE_ANY);
        kv(h, k, val);
        free(val);
    }
    strbuf_addstr(h, "</table>\n<h2>Run</h2><table class=kv>");
    json_object_foreach(host, k, v) {
        char *val = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
        kv(h, k, val ? val : json_string_value(v));
        free(val);
    }
    kv(h, "profile", json_string_value(json_object_get(
        json_object_get(run, "profile"), "name")));
    kv(h, "perftests", json_string_value(json_object_get(
        json_object_get(run, "versions"), "perftests")));
    kv(h, "system under test", json_string_value(json_object_get(
        json_object_get(run, "versions"), "sut")));
    kv(h, "uuid", json_string_value(json_object_get(run, "uuid")));
    strbuf_addstr(h, "</table>\n<p>Files: <a href=\"summary.json\">summary."
                     "json</a>, <a href=\"trials.csv\">trials.csv</a>, <a "
                     "href=\"junit.xml\">junit.xml</a>, <a href=\"run.log\">"
                     "run.log</a>, <a href=\"metadata.json\">metadata.json"
                     "</a></p>\n");
}

static int html_make(struct report *r, struct strbuf *err)
{
    struct strbuf h = STRBUF_INIT;
    int rc;

    strbuf_addstr(&h, "<!DOCTYPE html>\n<html lang=en><head><meta charset="
                      "utf-8><title>perftests ");
    text(&h, json_string_value(json_object_get(r->meta, "run_id")));
    strbuf_addf(&h, "</title><style>%s</style></head><body>\n",
                report_html_css);
    header(&h, r);
    result(&h, r);
    report_html_latency(&h, r);
    tcp(&h, r);
    regression(&h, r);
    steps(&h, r);
    graphs(&h, r);
    settings_and_host(&h, r);
    strbuf_addstr(&h, "</main></body></html>\n");
    rc = report_write_file(r, "index.html", h.buf, h.len, err);
    strbuf_dispose(&h);
    return rc;
}

const struct report_output report_html = {
    .name = "index.html",
    .make = html_make,
};
