/* summary.json: fixed sections, iperf3's habit -- run, settings, phases,
 * result, verdict, error -- always valid JSON, also for a failed run;
 * and "snapshot" (snapshot/snapshot.json) when the run took one. */
#include "report/report.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The collectors' figures of one phase (step 0) or step, or NULL. */
static json_t *collected(const struct report *r, const char *phase,
                         int step)
{
    json_t *list = json_object_get(r->collectors, step ? "steps" : "phases");
    size_t i;
    json_t *e;

    json_array_foreach(list, i, e) {
        json_t *s = json_object_get(e, "step");
        if (!strcmp(json_string_value(json_object_get(e, "phase")) ?: "",
                    phase)
            && (!step || json_integer_value(s) == step
                || (json_is_real(s) && trunc(json_real_value(s)) == step)))
            return e;
    }
    return NULL;
}

/* A trial's step, -1 when it has none that is a step (a trials.csv that
 * no run wrote): a cast of NaN or 1e300 to int is undefined. */
static int trial_step(const json_t *t)
{
    double v = report_num(t, "step");

    return v >= 0 && v <= INT_MAX ? (int)v : -1;
}

/* Copies the collectors' keys into 'dst': not phase and step, nor the
 * rate they were told (the trial's own is the rate; a TCP test has none
 * in packets). */
static void merge_figures(json_t *dst, const json_t *src)
{
    const char *k;
    json_t *v;

    json_object_foreach((json_t *)src, k, v)
        if (strcmp(k, "phase") && strcmp(k, "step") && strcmp(k, "rate"))
            json_object_set(dst, k, v);
}

/* A row fills the columns of its kind only (trials.csv has the packet
 * columns and the TCP ones): the empty ones are left out, the note
 * stays. */
static void drop_empty(json_t *step)
{
    const char *k;
    json_t *v;
    void *tmp;

    json_object_foreach_safe(step, tmp, k, v)
        if (json_is_string(v) && !*json_string_value(v) && strcmp(k, "note"))
            json_object_del(step, k);
}

static json_t *phases_section(const struct report *r)
{
    json_t *phases = json_array(), *cur = NULL, *t;
    size_t i;

    json_array_foreach(r->trials, i, t) {
        const char *name = json_string_value(json_object_get(t, "phase"));
        json_t *step;
        if (!name)
            continue;
        step = json_deep_copy(t);
        drop_empty(step);
        if (!cur || strcmp(name, json_string_value(json_object_get(cur,
                                                                   "name")))) {
            cur = json_pack("{s:s, s:[]}", "name", name, "steps");
            merge_figures(cur, collected(r, name, 0));
            json_array_append_new(phases, cur);
        }
        merge_figures(step, collected(r, name, trial_step(t)));
        json_object_del(step, "phase");
        json_array_append_new(json_object_get(cur, "steps"), step);
    }
    return phases;
}

/* The throughput trial with the highest rate: the peak. */
static const json_t *peak_trial(const struct report *r)
{
    const json_t *best = NULL, *t;
    size_t i;

    json_array_foreach(r->trials, i, t)
        if (!strcmp(json_string_value(json_object_get(t, "phase")) ?: "",
                    "test_throughput")
            && (!best || report_num(t, "rate") > report_num(best, "rate")))
            best = t;
    return best;
}

static json_t *result_section(const struct report *r)
{
    json_t *res = json_object(), *lat = json_array(), *t;
    json_t *measured = json_object_get(r->meta, "result");
    json_t *search = json_object_get(measured, "search");
    const json_t *peak = peak_trial(r);
    double rss_peak = NAN;
    size_t i;

    json_object_set_new(res, "loss_free_pps", json_real(json_number_value(
        json_object_get(measured, "loss_free_pps"))));
    if (json_is_string(json_object_get(measured, "loss_free_limit")))
        json_object_set(res, "loss_free_limit",
                        json_object_get(measured, "loss_free_limit"));
    if (search) {
        json_object_set(res, "ndr", json_object_get(search, "ndr"));
        json_object_set(res, "pdr", json_object_get(search, "pdr"));
    }
    if (json_is_array(json_object_get(measured, "latency_at_load")))
        json_object_set(res, "latency_at_load",
                        json_object_get(measured, "latency_at_load"));
    /* Endpoints on two hosts: whether latency is one-way, or rests on an
     * offset of their clocks known too roughly (run_hosts.c). */
    if (json_is_object(json_object_get(r->meta, "latency_clock")))
        json_object_set(res, "latency_clock",
                        json_object_get(r->meta, "latency_clock"));
    /* How often the host took the SUT's CPUs away before the first trial
     * (JITTER_PROBE): what zero-loss figures here are bounded by. */
    if (json_is_object(json_object_get(r->meta, "host_jitter")))
        json_object_set(res, "host_jitter",
                        json_object_get(r->meta, "host_jitter"));
    /* How far apart the host had put the injector's and the SUT's CPUs,
     * trial by trial (CROSS_CPU_PROBE): on a VM that moves figures. */
    if (json_is_object(json_object_get(measured, "cross_cpu")))
        json_object_set(res, "cross_cpu",
                        json_object_get(measured, "cross_cpu"));
    if (json_is_object(json_object_get(measured, "harness_ceiling")))
        json_object_set(res, "harness_ceiling",
                        json_object_get(measured, "harness_ceiling"));
    json_array_foreach(r->trials, i, t)
        /* A TCP row has no packets, so no latency of its own. */
        if (json_is_number(json_object_get(t, "rate")))
            json_array_append_new(lat, json_pack(
                "{s:O, s:O, s:O, s:O, s:O, s:O}", "phase",
                json_object_get(t, "phase"), "step",
                json_object_get(t, "step"),
                "rate", json_object_get(t, "rate"), "p50_us",
                json_object_get(t, "lat_p50_us"), "p99_us",
                json_object_get(t, "lat_p99_us"), "p999_us",
                json_object_get(t, "lat_p999_us")));
    json_object_set_new(res, "latency", lat);
    /* The tcp_throughput phase's figures (metadata.json's "tcp"), and
     * what the SUT's CPU was meanwhile: the datapath's cost of them. */
    t = json_object_get(r->meta, "tcp");
    if (json_is_object(t)) {
        json_t *tcp = json_copy(t), *c = collected(r, "tcp_throughput", 1);
        if (json_is_number(json_object_get(c, "cpu_mean_pct")))
            json_object_set(tcp, "sut_cpu_mean_pct",
                            json_object_get(c, "cpu_mean_pct"));
        json_object_set_new(res, "tcp", tcp);
    }
    if (peak) {
        json_t *c = collected(r, "test_throughput", trial_step(peak));
        json_object_set_new(res, "peak", json_pack(
            "{s:f, s:O?, s:O?}", "rate", report_num(peak, "rate"),
            "cpu_mean_pct", json_object_get(c, "cpu_mean_pct"),
            "cpu_max_pct", json_object_get(c, "cpu_max_pct")));
    }
    json_array_foreach(json_object_get(r->collectors, "steps"), i, t) {
        double v = json_number_value(json_object_get(t, "rss_end_bytes"));
        if (isnan(rss_peak) || v > rss_peak)
            rss_peak = v;
    }
    if (!isnan(rss_peak))
        json_object_set_new(res, "rss_peak_bytes", json_real(rss_peak));
    t = json_object_get(collected(r, "long_running_tests", 0),
                        "rss_slope_mib_per_hour");
    if (t)
        json_object_set(res, "rss_slope_mib_per_hour", t);
    return res;
}

static void check(json_t *checks, const char *name, bool pass,
                  const char *why)
{
    json_array_append_new(checks, json_pack("{s:s, s:b, s:s}", "name", name,
                                            "pass", pass, "why", why));
}

/* A collector that failed (the JMX sidecar died twice, could not attach)
 * left figures out: said as a failed check, never a silent gap. */
static void collectors_check(json_t *checks, const struct report *r)
{
    json_t *per = json_object_get(json_object_get(r->collectors, "sampler"),
                                  "collectors"), *c;
    struct strbuf why = STRBUF_INIT;
    const char *name;

    if (!per)
        return;
    json_object_foreach(per, name, c) {
        const char *f = json_string_value(json_object_get(c, "failed"));
        if (f)
            strbuf_addf(&why, "%s%s: %s", why.len ? "; " : "", name, f);
    }
    check(checks, "collectors worked", !why.len,
          why.len ? why.buf : "every collector that started kept sampling");
    strbuf_dispose(&why);
}

/* The checks a run must pass; Jenkins sees each as a testcase. */
/* Against the history: a metric that regressed fails the run; a check
 * that could not be done (the history unreadable) is said, and passes:
 * the measurements are not lost for it. */
static void regression_check(json_t *checks, const json_t *reg)
{
    struct strbuf why = STRBUF_INIT;
    json_t *m;
    size_t i;

    if (!json_is_true(json_object_get(reg, "checked"))) {
        const char *note = json_string_value(json_object_get(reg, "note"));
        /* Off (no HISTORY_DB, REGRESSION_CHECK=no): no check at all. */
        if (note && !strncmp(note, "not done", 8))
            check(checks, "no regression", true, note);
        return;
    }
    json_array_foreach(json_object_get(reg, "metrics"), i, m)
        if (!strcmp(json_string_value(json_object_get(m, "outcome")) ?: "",
                    "regressed"))
            strbuf_addf(&why, "%s%s", why.len ? "; " : "",
                        json_string_value(json_object_get(m, "why")));
    if (!why.len)
        strbuf_addf(&why, "%zu metrics against the series' history, %lld "
                    "improved", json_array_size(json_object_get(reg,
                                                                "metrics")),
                    json_integer_value(json_object_get(reg, "improved")));
    check(checks, "no regression",
          !json_integer_value(json_object_get(reg, "regressed")), why.buf);
    strbuf_dispose(&why);
}

/* The figures the fixed limits bound; NaN when the run has none. */
static double ndr_figure(const json_t *res)
{
    json_t *ndr = json_object_get(res, "ndr");

    return ndr ? report_num(ndr, "rate_pps")
               : report_num(res, "loss_free_pps");
}

static double worst_p99(const json_t *res)
{
    double v = NAN;
    json_t *p;
    size_t i;

    json_array_foreach(json_object_get(res, "latency_at_load"), i, p)
        v = isnan(v) ? report_num(p, "p99_us")
                     : fmax(v, report_num(p, "p99_us"));
    return v;
}

static double peak_cpu(const json_t *res)
{
    return report_num(json_object_get(res, "peak"), "cpu_mean_pct");
}

static double rss_slope(const json_t *res)
{
    return report_num(res, "rss_slope_mib_per_hour");
}

/* Fixed floors and ceilings, each set one a check: a limit is a limit,
 * whatever the history says. */
static void limit_checks(json_t *checks, const struct report *r,
                         const json_t *res)
{
    static const struct {
        const char *key, *what;
        bool floor;
        double (*figure)(const json_t *res);
    } limits[] = {
        { "MIN_NDR_PPS", "NDR (pps)", true, ndr_figure },
        { "MAX_P99_US", "p99 latency under load (us)", false, worst_p99 },
        { "MAX_SUT_CPU_PCT", "SUT CPU at the peak step (%)", false,
          peak_cpu },
        { "MAX_RSS_SLOPE_MIB_H", "SUT RSS slope in the long run (MiB/h)",
          false, rss_slope },
    };
    char why[256];

    for (size_t k = 0; k < sizeof limits / sizeof *limits; k++) {
        double limit = report_setting_num(r, limits[k].key, 0);
        double v = limits[k].figure(res);
        bool pass;
        if (!(limit > 0))
            continue;
        pass = !isnan(v) && (limits[k].floor ? v >= limit : v <= limit);
        if (isnan(v))
            snprintf(why, sizeof why, "%s: this run has no %s to check",
                     limits[k].key, limits[k].what);
        else
            snprintf(why, sizeof why, "%s %g %s %s %g", limits[k].what, v,
                     pass ? "within" : limits[k].floor ? "below" : "above",
                     limits[k].key, limit);
        check(checks, limits[k].key, pass, why);
    }
}

/* The last of metadata.json's "phases_completed", or "none". */
static const char *last_phase_completed(const json_t *meta)
{
    const json_t *done = json_object_get(meta, "phases_completed");
    size_t n = json_array_size(done);

    return n ? json_string_value(json_array_get(done, n - 1)) ?: "?"
             : "none";
}

static json_t *verdict_section(const struct report *r, const json_t *res,
                               const json_t *reg)
{
    json_t *checks = json_array(), *err = json_object_get(r->meta, "error");
    char why[256];
    size_t i, throughput = 0;
    json_t *t;
    bool pass = true;

    snprintf(why, sizeof why, "%s", err ? json_string_value(json_object_get(
                                              err, "reason")) ?: "failed"
                                        : "every phase ran");
    /* Completion is positive: a run killed before its measurements ran
     * wrote no error, and no marker either. */
    if (!err && !json_is_true(json_object_get(r->meta, "completed")))
        snprintf(why, sizeof why, "no completion marker in metadata.json: "
                 "the run ended early (the last phase completed: %s)",
                 last_phase_completed(r->meta));
    check(checks, "run completed", !err && json_is_true(json_object_get(
                                      r->meta, "completed")), why);
    if (r->torn_rows)
        check(checks, "trials.csv intact", false, r->torn_why);
    json_array_foreach(r->trials, i, t)
        throughput += !strcmp(json_string_value(json_object_get(t, "phase"))
                              ?: "", "test_throughput");
    /* An invalid trial is the harness's fault, not the datapath's: a
     * JUnit failure of its own, not a failed verdict. */
    if (throughput) {
        double lf = json_number_value(json_object_get(res, "loss_free_pps"));
        snprintf(why, sizeof why, lf > 0 ? "%.0f pps without loss"
                                         : "every throughput trial lost "
                                           "frames", lf);
        check(checks, "loss-free rate found", lf > 0, why);
    }
    collectors_check(checks, r);
    regression_check(checks, reg);
    limit_checks(checks, r, res);
    json_array_foreach(checks, i, t)
        pass = pass && json_is_true(json_object_get(t, "pass"));
    return json_pack("{s:b, s:s, s:o}", "pass", pass, "verdict",
                     pass ? "pass" : "fail", "checks", checks);
}

static json_t *run_section(const struct report *r)
{
    json_t *m = r->meta;

    return json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:O?, s:{s:O?, "
                     "s:O?}}",
                     "id", json_object_get(m, "run_id"),
                     "uuid", json_object_get(m, "uuid"),
                     "start", json_object_get(m, "start"),
                     "end", json_object_get(m, "end"),
                     "host", json_object_get(m, "host"),
                     "topology", json_object_get(m, "topology"),
                     "profile", json_object_get(m, "profile"),
                     "versions", "perftests",
                     json_object_get(m, "perftests_version"), "sut",
                     json_object_get(json_object_get(m, "sut"), "version"));
}

static json_t *settings_section(const struct report *r)
{
    json_t *out = json_object(), *v;
    const char *k;

    json_object_foreach(json_object_get(r->meta, "settings"), k, v)
        json_object_set(out, k, json_object_get(v, "value"));
    return out;
}

static int summary_make(struct report *r, struct strbuf *err)
{
    json_t *res = result_section(r);
    json_t *reg = report_regression(r, res);
    char *text;
    int rc;

    json_decref(r->summary);
    r->summary = json_pack("{s:o, s:o, s:o, s:O, s:o, s:O?}",
                           "run", run_section(r),
                           "settings", settings_section(r),
                           "phases", phases_section(r),
                           "result", res,
                           "verdict", verdict_section(r, res, reg),
                           "error", json_object_get(r->meta, "error"));
    json_decref(res);
    /* The run goes into the history with its outcome, after it was judged
     * against the runs before it. */
    report_history_record(r, reg, json_is_true(json_object_get(
        json_object_get(r->summary, "verdict"), "pass")));
    json_object_set_new(r->summary, "regression", reg);
    if (!json_object_get(r->summary, "error"))
        json_object_set_new(r->summary, "error", json_null());
    /* What the SUT looked like at the end (snapshot_sut), as it was. */
    if (json_is_object(r->snapshot))
        json_object_set(r->summary, "snapshot", r->snapshot);
    text = json_dumps(r->summary, JSON_INDENT(2));
    rc = report_write_file(r, "summary.json", text, strlen(text), err);
    free(text);
    return rc;
}

const struct report_output report_summary = {
    .name = "summary.json",
    .make = summary_make,
};
