/* The run against its history: its headline metrics, the series it
 * belongs to, a verdict per metric by the regression rule (regress.h), and
 * the run recorded in HISTORY_DB.  A history that cannot be opened is an
 * error naming the file, and the check is "not done": nothing measured is
 * lost, the report is made all the same. */
#include "report/report.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "report/history.h"
#include "report/regress.h"
#include "report/site.h"

LOG_MODULE("history");

/* The settings that shape the traffic, and those that decide what the
 * SUT's CPUs and receive queue do (issue 14: placement raised figures by a
 * third, the SUT's socket buffer and RPS by half): runs differing in one
 * of them are not comparable, so a change of them starts a series rather
 * than reading as a regression.  The SUT's version is never here:
 * comparing builds is the point. */
static const char *const series_keys[] = {
    "FRAME_SIZE", "FLOW_PATTERN", "PROTOCOL", "THROUGHPUT_SEARCH",
    "PDR_LOSS", "SEARCH_WIDTH", "SEARCH_DURATION_SUM", "SEARCH_EXCEED_RATIO",
    "SEARCH_FINAL_DURATION", "THROUGHPUT_SCAN_START_RATE",
    "THROUGHPUT_SCAN_STEP", "THROUGHPUT_MAX_SCAN_RATE",
    "THROUGHPUT_SCAN_BURST", "LONG_RUNNING_SCAN_RATE", "LATENCY_LOADS",
    "SUT_CPUS", "INJECTOR_CPUS", "RECEIVER_CPUS", "RECEIVER_RPS", "SUT_RPS",
    "SUT_RCVBUF_KB",
};

static const char *const tcp_keys[] = { "TCP_STREAMS", "TCP_DURATION" };

/* " KEY=value" for each of 'keys', "-" for a setting the run lacks. */
static void add_settings(struct strbuf *sb, const struct report *r,
                         const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *v = report_setting(r, keys[i]);
        char *text = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
        strbuf_addf(sb, " %s=%s", keys[i], text ? text : "-");
        free(text);
    }
}

char *report_series_key(const struct report *r)
{
    json_t *host = json_object_get(r->meta, "host");
    struct strbuf sb = STRBUF_INIT;

    strbuf_addf(&sb, "host=%s cpu=%s cores=%lld topology=%s",
                json_string_value(json_object_get(host, "hostname")) ?: "?",
                json_string_value(json_object_get(host, "cpu_model")) ?: "?",
                json_integer_value(json_object_get(host, "cpu_count")),
                json_string_value(json_object_get(r->meta, "topology")) ?: "?");
    add_settings(&sb, r, series_keys,
                 sizeof series_keys / sizeof *series_keys);
    /* The TCP phase's settings shape its figure; a run without the phase
     * keeps the series it had before the phase existed. */
    json_t *tcp = report_setting(r, "TCP_PHASE");
    if (json_is_string(tcp) && !strcmp(json_string_value(tcp), "yes"))
        add_settings(&sb, r, tcp_keys, sizeof tcp_keys / sizeof *tcp_keys);
    /* A run of `perftests ab` (metadata.json's "ab") is a series of its
     * own per side, so that patches tried out never enter the baseline of
     * the nightly runs. */
    if (json_object_get(r->meta, "ab"))
        strbuf_addf(&sb, " ab=%s", json_string_value(json_object_get(
                        json_object_get(r->meta, "ab"), "side")) ?: "?");
    return strbuf_detach(&sb);
}

/* Appends the metric unless its value is not finite; the metric (owned
 * by 'ms'), or NULL. */
static json_t *metric(json_t *ms, const char *name, double value,
                      const char *unit, enum regress_better better)
{
    json_t *m;

    if (!isfinite(value))
        return NULL;
    m = json_pack("{s:s, s:f, s:s, s:s}", "name", name, "value", value,
                  "unit", unit, "better", better == REGRESS_HIGHER_IS_BETTER
                                              ? "higher"
                                              : "lower");
    json_array_append_new(ms, m);
    return m;
}

/* A search figure counts when it is the datapath's, not the generator's.
 * It is known only within its bounds: their width, in % of the figure, is
 * its "resolution_pct" (an A/B of figures that repeat exactly must not
 * call a difference inside it significant). */
static void rate_metric(json_t *ms, const json_t *res, const char *key,
                        const char *name)
{
    json_t *b = json_object_get(res, key), *m;
    double rate = report_num(b, "rate_pps");
    double width = report_num(b, "upper_bound_pps")
                   - report_num(b, "lower_bound_pps");

    if (!b || json_is_true(json_object_get(b, "generator_limited")))
        return;
    m = metric(ms, name, rate, "pps", REGRESS_HIGHER_IS_BETTER);
    if (m && rate > 0 && isfinite(width) && width > 0)
        json_object_set_new(m, "resolution_pct", json_real(100 * width
                                                           / rate));
}

json_t *report_metrics(const json_t *res)
{
    json_t *ms = json_array(), *p, *peak = json_object_get(res, "peak");
    size_t i;
    char name[48];

    if (json_object_get(res, "ndr")) {
        rate_metric(ms, res, "ndr", "ndr_pps");
        rate_metric(ms, res, "pdr", "pdr_pps");
    } else if (report_num(res, "loss_free_pps") > 0
               && !json_object_get(res, "loss_free_limit")) {
        metric(ms, "loss_free_pps", report_num(res, "loss_free_pps"), "pps",
               REGRESS_HIGHER_IS_BETTER);
    }
    json_array_foreach(json_object_get(res, "latency_at_load"), i, p) {
        snprintf(name, sizeof name, "p50_us_at_%.0f", report_num(p,
                                                                "load_pct"));
        metric(ms, name, report_num(p, "p50_us"), "us",
               REGRESS_LOWER_IS_BETTER);
        snprintf(name, sizeof name, "p99_us_at_%.0f", report_num(p,
                                                                "load_pct"));
        metric(ms, name, report_num(p, "p99_us"), "us",
               REGRESS_LOWER_IS_BETTER);
    }
    if (report_num(peak, "rate") > 0)
        metric(ms, "sut_cpu_pct_per_kpps", report_num(peak, "cpu_mean_pct")
               / (report_num(peak, "rate") / 1000), "%/kpps",
               REGRESS_LOWER_IS_BETTER);
    /* As a search figure: only when it is the datapath's. */
    if (!json_object_get(json_object_get(res, "tcp"), "limit"))
        metric(ms, "tcp_bps", report_num(json_object_get(res, "tcp"),
                                         "bits_per_second"), "bit/s",
               REGRESS_HIGHER_IS_BETTER);
    metric(ms, "rss_peak_mib", report_num(res, "rss_peak_bytes") / 1048576.0,
           "MiB", REGRESS_LOWER_IS_BETTER);
    metric(ms, "rss_slope_mib_h", report_num(res, "rss_slope_mib_per_hour"),
           "MiB/h", REGRESS_LOWER_IS_BETTER);
    return ms;
}

/* The history: the caller's (r->history_db), else HISTORY_DB as the run
 * recorded it when that was "<results>/...", the folder the run directory
 * is in.  NULL: history is off, the run is older than the history
 * (`perftests history import` is how those get in), or the run named a
 * path of its own; why in 'note'. */
static char *db_path(const struct report *r, const char **note)
{
    json_t *v = report_setting(r, "HISTORY_DB");
    const char *s = r->history_db ? r->history_db
                                  : v ? json_string_value(v) : NULL;
    char *dir, *path;

    *note = "HISTORY_DB is empty: no history";
    if (!s || !*s)
        return NULL;
    if (strncmp(s, "<results>", 9)) {
        if (r->history_db)
            return xstrdup(s);
        LOG_WARN("the run's HISTORY_DB '%s' is not opened by a report made "
                 "from its directory: --db FILE names the history", s);
        *note = "the run's own HISTORY_DB is not used here: --db FILE";
        return NULL;
    }
    dir = xstrdup(r->dir);
    path = xasprintf("%s%s", dirname(dir), s + 9);
    free(dir);
    return path;
}

static void rule_from(const struct report *r, struct regress_rule *rule)
{
    regress_rule_defaults(rule);
    rule->threshold_pct = report_setting_num(r, "REGRESSION_THRESHOLD",
                                             rule->threshold_pct);
    rule->baseline_runs = (int)report_setting_num(r,
        "REGRESSION_BASELINE_RUNS", rule->baseline_runs);
    rule->min_runs = (int)report_setting_num(r, "REGRESSION_MIN_RUNS",
                                             rule->min_runs);
}

static json_t *judged(const struct regress_verdict *v, const json_t *m)
{
    json_t *o = json_deep_copy(m);

    json_object_set_new(o, "outcome",
                        json_string(regress_outcome_to_text(v->outcome)));
    json_object_set_new(o, "baseline_runs", json_integer(v->n_baseline));
    json_object_set_new(o, "why", json_string(v->why));
    if (v->outcome != REGRESS_NOT_ENOUGH) {
        json_object_set_new(o, "baseline_median", json_real(v->median));
        json_object_set_new(o, "baseline_spread", json_real(v->spread));
        json_object_set_new(o, "change_pct", json_real(
            isfinite(v->change_pct) ? v->change_pct : 0));
        json_object_set_new(o, "limit_pct", json_real(v->limit_pct));
    }
    return o;
}

json_t *report_regression(const struct report *r, const json_t *res)
{
    json_t *sec = json_object(), *ms = report_metrics(res), *out, *m;
    json_t *check = report_setting(r, "REGRESSION_CHECK");
    struct strbuf err = STRBUF_INIT;
    struct regress_rule rule;
    const char *off;
    char *path = db_path(r, &off), *series = report_series_key(r);
    struct history *h = NULL;
    size_t i, regressed = 0, improved = 0;

    json_object_set_new(sec, "series", json_string(series));
    json_object_set_new(sec, "metrics", ms);
    json_object_set_new(sec, "db", path ? json_string(path) : json_null());
    if (!path || (check && !strcmp(json_string_value(check) ?: "", "no"))) {
        json_object_set_new(sec, "checked", json_false());
        json_object_set_new(sec, "note", json_string(
            path ? "REGRESSION_CHECK is no" : off));
        goto out;
    }
    h = history_open(path, true, &err);
    if (!h) {
        LOG_ERR("%s", err.buf);
        json_object_set_new(sec, "checked", json_false());
        json_object_set_new(sec, "note", json_sprintf("not done: %s", err.buf));
        goto out;
    }
    rule_from(r, &rule);
    out = json_array();
    json_array_foreach(ms, i, m) {
        struct regress_run *runs;
        struct regress_verdict v;
        size_t n;
        strbuf_reset(&err);
        if (history_series(h, series, json_string_value(json_object_get(
                               r->meta, "start")) ?: "",
                           json_string_value(json_object_get(r->meta, "uuid"))
                               ?: "", json_string_value(json_object_get(
                               m, "name")), &runs, &n, &err)) {
            LOG_ERR("%s", err.buf);
            break;
        }
        regress_judge(&rule, json_string_value(json_object_get(m, "name")),
                      !strcmp(json_string_value(json_object_get(m, "better")),
                              "higher") ? REGRESS_HIGHER_IS_BETTER
                                        : REGRESS_LOWER_IS_BETTER,
                      runs, n, json_number_value(json_object_get(m, "value")),
                      &v);
        free(runs);
        regressed += v.outcome == REGRESS_WORSE;
        improved += v.outcome == REGRESS_BETTER;
        json_array_append_new(out, judged(&v, m));
    }
    json_object_set_new(sec, "checked", json_boolean(!err.len));
    if (err.len)
        json_object_set_new(sec, "note", json_sprintf("not done: %s",
                                                      err.buf));
    json_object_set_new(sec, "metrics", out);
    json_object_set_new(sec, "regressed", json_integer((json_int_t)regressed));
    json_object_set_new(sec, "improved", json_integer((json_int_t)improved));
out:
    history_close(h);
    strbuf_dispose(&err);
    free(path);
    free(series);
    return sec;
}

/* The uuid is what the history and the site key a run by: the site's
 * rule (a safe name) for both, so that a run the history takes is one the
 * site would too. */
const char *report_uuid(const struct report *r)
{
    const char *uuid = json_string_value(json_object_get(r->meta, "uuid"));

    return uuid && site_name_safe(uuid) ? uuid : NULL;
}

int report_history_record(const struct report *r, const json_t *section,
                          bool passed)
{
    const json_t *db = json_object_get(section, "db");
    json_t *host = json_object_get(r->meta, "host");
    const char *uuid = report_uuid(r);
    struct strbuf err = STRBUF_INIT;
    struct history *h;
    json_t *metrics, *m;
    size_t i;
    int rc = 0;

    if (!json_is_string(db))
        return 0;
    /* Without one, runs would replace each other under one key. */
    if (!uuid) {
        LOG_ERR("%s/metadata.json: no uuid: the run is not in the history",
                r->dir);
        return -EINVAL;
    }
    metrics = json_array();
    /* What the store keeps of a metric: its figure, and its verdict for
     * the trend graphs to mark (not judged: none). */
    json_array_foreach(json_object_get(section, "metrics"), i, m)
        json_array_append_new(metrics, json_pack(
            "{s:O, s:O, s:O, s:O, s:O*}", "name", json_object_get(m, "name"),
            "value", json_object_get(m, "value"), "unit",
            json_object_get(m, "unit"), "better", json_object_get(m,
                                                                  "better"),
            "outcome", json_object_get(m, "outcome")));
    struct history_run run = {
        .uuid = uuid,
        .run_id = json_string_value(json_object_get(r->meta, "run_id")),
        .start = json_string_value(json_object_get(r->meta, "start")),
        .series = json_string_value(json_object_get(section, "series")),
        .host = json_string_value(json_object_get(host, "hostname")),
        .topology = json_string_value(json_object_get(r->meta, "topology")),
        .sut_version = json_string_value(json_object_get(
            json_object_get(r->meta, "sut"), "version")),
        .perftests_version = json_string_value(json_object_get(
            r->meta, "perftests_version")),
        .passed = passed,
        .metrics = metrics,
        .trials = r->trials,
    };
    h = history_open(json_string_value(db), true, &err);
    if (!h || history_add(h, &run, &err)) {
        LOG_ERR("the run is not in the history: %s", err.buf);
        rc = -EIO;
    }
    history_close(h);
    json_decref(metrics);
    strbuf_dispose(&err);
    return rc;
}
