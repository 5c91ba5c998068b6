#include "run/run_collectors.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "sample/sampler.h"
#include "sut/sut.h"
#include "lib/util.h"
#include "topologies/topology.h"

LOG_MODULE("collect");

struct collect {
    struct sampler *sampler;
    struct series *series;
    struct sink *sinks[3];
    char *dir;
    bool stopped;
    int stop_rc;
};

struct collect *collect_start(const struct settings *s, const struct sut *sut,
                              const struct topology_ctx *topo,
                              const char *run_dir, struct ledger *ledger,
                              volatile sig_atomic_t *sut_gone,
                              struct strbuf *err)
{
    const char *names = settings_str(s, SETTING_COLLECTORS);
    double interval = settings_double(s, SETTING_SAMPLE_INTERVAL);
    struct collect *c;
    struct sampler_cfg cfg = { .collectors = names, .sut_gone = sut_gone };
    /* src/dst: the namespace ends, where traffic leaves and arrives;
     * sb/db: the bindings the datapath owns. */
    struct collector_iface ifs[] = {
        { "src", topo ? topo->source_ns : NULL, topo ? topo->source_if : NULL },
        { "dst", topo ? topo->dest_ns : NULL, topo ? topo->dest_if : NULL },
        { "sb", topo ? topo->dp_ns : NULL, topo ? topo->source_binding : NULL },
        { "db", topo ? topo->dp_ns : NULL, topo ? topo->dest_binding : NULL },
    };
    char *rrd_dir;
    int step = (int)lround(interval);

    if (!names[0]) {
        LOG_INFO("no collectors (COLLECTORS is empty)");
        return NULL;
    }
    c = xcalloc(1, sizeof *c);
    c->dir = xstrdup(run_dir);
    c->series = series_create();
    rrd_dir = xasprintf("%s/rrd", run_dir);
    /* RRD steps are whole seconds; the series keeps every sample. */
    c->sinks[0] = rrd_sink_create(rrd_dir, step > 0 ? step : 1, 0, err);
    free(rrd_dir);
    if (!c->sinks[0]) {
        collect_destroy(c);
        return NULL;
    }
    c->sinks[1] = series_sink(c->series);
    cfg.sinks = c->sinks;
    cfg.ccfg.n_pids = sut ? sut_pids(sut, &cfg.ccfg.pids) : 0;
    cfg.ccfg.ovs_ctl = sut_ovs_vswitchd_ctl(sut);
    cfg.ccfg.ifaces = ifs;
    cfg.ccfg.n_ifaces = topo ? sizeof ifs / sizeof *ifs : 0;
    cfg.ccfg.interval = interval;
    cfg.ccfg.run_dir = run_dir;
    cfg.ccfg.ledger = ledger;
    cfg.ccfg.jmx_url = settings_str(s, SETTING_JMX_URL);
    cfg.ccfg.jmx_config = settings_str(s, SETTING_JMX_CONFIG);
    c->sampler = sampler_start(&cfg, err);
    if (!c->sampler) {
        c->stopped = true;      /* the sinks are closed already */
        collect_destroy(c);
        return NULL;
    }
    return c;
}

void collect_mark(struct collect *c, const char *phase, int step, double rate)
{
    if (c)
        sampler_mark(c->sampler, phase, step, rate);
}

static void log_summary(json_t *summary)
{
    size_t i;
    json_t *p;

    json_array_foreach(json_object_get(summary, "phases"), i, p) {
        double mean = json_number_value(json_object_get(p, "cpu_mean_pct"));
        double max = json_number_value(json_object_get(p, "cpu_max_pct"));
        double r0 = json_number_value(json_object_get(p, "rss_start_bytes"));
        double r1 = json_number_value(json_object_get(p, "rss_end_bytes"));
        json_t *slope = json_object_get(p, "rss_slope_mib_per_hour");

        char extra[64] = "";
        if (slope)
            snprintf(extra, sizeof extra, " (slope %.1f MiB/hour)",
                     json_number_value(slope));
        LOG_INFO("SUT during %s: CPU mean %.1f %%, max %.1f %%; RSS %.1f -> "
                 "%.1f MiB%s", json_string_value(json_object_get(p, "phase")),
                 mean, max, r0 / 1048576, r1 / 1048576, extra);
    }
}

static double cpu_pct(const struct sampler_stats *st)
{
    return st->wall_ns ? 100.0 * (double)st->cpu_ns / (double)st->wall_ns : 0;
}

/* How the sampling went: ticks, gaps, lateness, and what it cost. */
static json_t *sampler_json(const struct sampler *s,
                            const struct sampler_stats *st)
{
    struct sampler_collector_stat cs;
    json_t *per = json_object();

    for (size_t i = 0; i < sampler_collector_stats(s, i, &cs); i++) {
        json_t *labels = json_object();
        for (size_t j = 0; j < cs.metrics; j++)
            if (cs.m[j].label[0])
                json_object_set_new(labels, cs.m[j].name,
                                    json_string(cs.m[j].label));
        json_object_set_new(per, cs.name, json_pack(
            "{s:I, s:I, s:f, s:s*, s:o*}", "metrics",
            (json_int_t)cs.metrics, "gaps", (json_int_t)cs.gaps,
            "cpu_ms_per_sample",
            st->ticks ? (double)cs.cpu_ns / 1e6 / (double)st->ticks : 0.0,
            "failed", cs.failed,
            /* RRD names are short: which full name each one stands for */
            "labels", json_object_size(labels) ? labels : NULL));
        if (!json_object_size(labels))
            json_decref(labels);
    }
    return json_pack("{s:I, s:I, s:f, s:f, s:f, s:f, s:o}",
                     "ticks", (json_int_t)st->ticks,
                     "gaps", (json_int_t)st->gaps,
                     "late_p50_ms", (double)st->late_p50_ns / 1e6,
                     "late_p99_ms", (double)st->late_p99_ns / 1e6,
                     "late_max_ms", (double)st->late_max_ns / 1e6,
                     "cpu_pct_of_one_core", cpu_pct(st),
                     "collectors", per);
}

int collect_stop(struct collect *c, struct strbuf *why)
{
    struct sampler_stats st;
    json_t *summary;
    char *path;

    if (!c)
        return 0;
    if (c->stopped)
        return c->stop_rc;
    c->stopped = true;
    c->stop_rc = sampler_stop(c->sampler, why);
    sampler_get_stats(c->sampler, &st);
    summary = series_summary(c->series);
    json_object_set_new(summary, "sampler", sampler_json(c->sampler, &st));
    path = xasprintf("%s/collectors.json", c->dir);
    if (json_dump_file(summary, path, JSON_INDENT(2)))
        LOG_WARN("cannot write '%s'", path);
    LOG_INFO("collectors: %llu samples, tick lateness p99 %.2f ms, their "
             "own CPU %.3f %% of one core", (unsigned long long)st.ticks,
             (double)st.late_p99_ns / 1e6, cpu_pct(&st));
    log_summary(summary);
    free(path);
    json_decref(summary);
    return c->stop_rc;
}

const struct series *collect_series(const struct collect *c)
{
    return c ? c->series : NULL;
}

void collect_destroy(struct collect *c)
{
    if (!c)
        return;
    if (!c->stopped && c->sampler)
        collect_stop(c, NULL);
    sampler_destroy(c->sampler);
    /* Without a sampler nobody closed the RRD sink. */
    if (!c->sampler && c->sinks[0] && !c->stopped)
        c->sinks[0]->ops->close(c->sinks[0]->priv);
    series_destroy(c->series);
    free(c->dir);
    free(c);
}
