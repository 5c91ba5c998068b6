/* The graphs: PNGs drawn by librrd from the run's RRD files.  The trials
 * (from trials.csv) are first written to rrd/trials.rrd on the same time
 * axis, so throughput, loss and latency line up with CPU and OVS. */
#define _XOPEN_SOURCE 700
#include "report/report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/rrdfile.h"
#include "lib/util.h"

LOG_MODULE("report");

/* What trials.rrd holds, from trials.csv's columns. */
static const char *const trial_ds[][2] = {
    { "rate", "rate_pps" }, { "tx_rate", "tx_pps" }, { "rx_rate", "rx_pps" },
    { "loss_pct", "loss_pct" }, { "lat_p50_us", "lat_p50_us" },
    { "lat_p99_us", "lat_p99_us" }, { "lat_p999_us", "lat_p999_us" },
};
#define N_TRIAL_DS (sizeof trial_ds / sizeof *trial_ds)

/* A line of a graph: a data source of one RRD file. */
struct line {
    const char *rrd, *ds, *color, *legend;
};

struct graph {
    const char *file, *title, *vlabel;
    const char *option;         /* e.g. "--logarithmic", or NULL */
    /* A data source in another unit than the axis: drawn as a tick
     * wherever it is not zero, its figures in the legend only; or NULL. */
    const char *tick;
    struct line lines[6];
};

static const struct graph graphs[] = {
    { "cpu.png", "CPU", "percent", NULL, NULL, {
        { "proc", "cpu_pct", "#d62728", "SUT, % of one core" },
        { "system", "cpu_user_pct", "#1f77b4", "host user, % of all CPUs" },
        { "system", "cpu_sys_pct", "#ff7f0e", "host system, % of all CPUs" },
        { "system", "cpu_softirq_pct", "#2ca02c", "host softirq, % of all CPUs" },
    } },
    { "mem.png", "Memory", "bytes", NULL, NULL, {
        { "proc", "rss_bytes", "#d62728", "SUT resident (RSS)" },
        { "jmx", "heap_used", "#1f77b4", "JVM heap used" },
        { "jmx", "heap_committed", "#9467bd", "JVM heap committed" },
    } },
    { "throughput.png", "Throughput per step", "packets/s", NULL, NULL, {
        { "trials", "rate_pps", "#7f7f7f", "offered" },
        { "trials", "tx_pps", "#1f77b4", "sent" },
        { "trials", "rx_pps", "#2ca02c", "received" },
    } },
    { "loss.png", "Loss per step", "percent", NULL, NULL, {
        { "trials", "loss_pct", "#d62728", "loss" },
    } },
    { "latency.png", "One-way latency per step", "microseconds",
      "--logarithmic", NULL, {
        { "trials", "lat_p50_us", "#2ca02c", "p50" },
        { "trials", "lat_p99_us", "#ff7f0e", "p99" },
        { "trials", "lat_p999_us", "#d62728", "p99.9" },
    } },
    { "jvm.png", "JVM heap and garbage collection", "bytes", NULL,
      "gc_time_ms", {
        { "jmx", "heap_used", "#1f77b4", "heap used" },
        { "jmx", "heap_committed", "#9467bd", "heap committed" },
        { "jmx", "gc_time_ms", "#d62728", "GC time, ms/s (a tick when it ran)" },
    } },
    { "ovs.png", "Open vSwitch datapath", "per second, flows", NULL, NULL, {
        { "ovs", "dp_hit", "#2ca02c", "lookups hit/s" },
        { "ovs", "upcalls", "#d62728", "upcalls/s" },
        { "ovs", "megaflow_hits", "#1f77b4", "megaflow hits/s" },
        { "ovs", "emc_hits", "#9467bd", "EMC hits/s" },
        { "ovs", "dp_flows", "#000000", "datapath flows" },
    } },
};

/* Writes every trial, a sample a second over its duration, to
 * rrd/trials.rrd; sets the time range the graphs show. */
static int write_trials_rrd(const struct report *r, time_t *from, time_t *to,
                            struct strbuf *err)
{
    struct rrdfile_ds ds[N_TRIAL_DS];
    struct rrdfile *f;
    struct strbuf why = STRBUF_INIT;
    char *dir, *path;
    double first = NAN, last = NAN, written = 0;
    size_t i;
    json_t *t;
    int rc;

    json_array_foreach(r->trials, i, t) {
        if (isnan(first))
            first = report_num(t, "start_time");
        last = report_num(t, "end_time");
    }
    if (isnan(first) || isnan(last))
        return isnan(first) ? 0 : -EIO;
    *from = (time_t)first - 5;
    *to = (time_t)last + 5;
    dir = xasprintf("%s/rrd", r->dir);
    rc = mkdir_p(dir, 0755);
    if (rc)
        strbuf_addf(err, "cannot create '%s': %s", dir, strerror(-rc));
    free(dir);
    if (rc)
        return -EIO;
    for (i = 0; i < N_TRIAL_DS; i++) {
        ds[i].name = trial_ds[i][1];
        ds[i].counter = false;
    }
    path = xasprintf("%s/rrd/trials.rrd", r->dir);
    f = rrdfile_create(path, 1, (time_t)first - 1, ds, N_TRIAL_DS, err);
    free(path);
    if (!f)
        return -EIO;
    json_array_foreach(r->trials, i, t) {
        double v[N_TRIAL_DS], start = report_num(t, "start_time");
        double end = report_num(t, "end_time");
        if (rc || isnan(start) || isnan(end))
            continue;
        for (size_t k = 0; k < N_TRIAL_DS; k++)
            v[k] = report_num(t, trial_ds[k][0]);
        for (double s = ceil(start); !rc && s <= end; s += 1) {
            if (s <= written)           /* RRD wants increasing times */
                continue;
            rc = rrdfile_update(f, s, v, &why);
            written = s;
        }
    }
    /* The graphs draw what the file has: a warning, not a failure. */
    if (rc)
        LOG_WARN("%s; no more samples go there", why.buf);
    strbuf_dispose(&why);
    rrdfile_destroy(f);
    return 0;
}

/* The rate the throughput graph marks: NDR and PDR, or the highest
 * loss-free step. */
static void mark_rates(const struct report *r, struct report_graph *g)
{
    json_t *res = json_object_get(r->meta, "result");
    json_t *search = json_object_get(res, "search");
    static const char *const names[][2] = { { "ndr", "NDR" },
                                            { "pdr", "PDR" } };

    for (int i = 0; search && i < 2; i++) {
        double v = json_number_value(json_object_get(json_object_get(
            search, names[i][0]), "rate_pps"));
        if (v > 0)
            strbuf_addf(report_graph_arg(g), "HRULE:%.0f#%s:%s %.0f pps", v,
                        i ? "ff7f0e" : "d62728", names[i][1], v);
    }
    if (!search && json_number_value(json_object_get(res, "loss_free_pps")))
        strbuf_addf(report_graph_arg(g), "HRULE:%.0f#d62728:highest loss-free %.0f pps",
                    json_number_value(json_object_get(res, "loss_free_pps")),
                    json_number_value(json_object_get(res, "loss_free_pps")));
}

void report_graph_begin(struct report_graph *g, const struct report *r,
                        const char *file, const char *title,
                        const char *vlabel, time_t from, time_t to)
{
    g->n = 0;
    for (int i = 0; i < REPORT_GRAPH_ARGS; i++)
        strbuf_init(&g->a[i]);
    strbuf_addstr(&g->a[g->n++], "graph");
    strbuf_addf(&g->a[g->n++], "%s/%s", r->dir, file);
    strbuf_addf(&g->a[g->n++], "--start=%lld", (long long)from);
    strbuf_addf(&g->a[g->n++], "--end=%lld", (long long)to);
    strbuf_addf(&g->a[g->n++], "--width=%d", r->width);
    strbuf_addf(&g->a[g->n++], "--height=%d", r->height);
    strbuf_addf(&g->a[g->n++], "--title=%s", title);
    strbuf_addf(&g->a[g->n++], "--vertical-label=%s", vlabel);
    strbuf_addstr(&g->a[g->n++], "--imgformat=PNG");
}

struct strbuf *report_graph_arg(struct report_graph *g)
{
    /* The last one is reused rather than overflowing: a graph with that
     * many marks is a bug, and librrd then says which argument is odd. */
    return &g->a[g->n < REPORT_GRAPH_ARGS ? g->n++ : g->n - 1];
}

int report_graph_end(struct report_graph *g, bool draw, struct strbuf *err)
{
    const char *argv[REPORT_GRAPH_ARGS];
    int rc = 1;

    if (draw) {
        for (int i = 0; i < g->n; i++)
            argv[i] = g->a[i].buf;
        rc = rrdfile_graph(argv, g->n, err);
    }
    for (int i = 0; i < REPORT_GRAPH_ARGS; i++)
        strbuf_dispose(&g->a[i]);
    return rc;
}

/* Draws one graph; 0 when drawn, 1 when it has nothing to show. */
static int draw(struct report *r, const struct graph *g, time_t from,
                time_t to, struct strbuf *err)
{
    struct report_graph rg;
    int lines = 0;

    report_graph_begin(&rg, r, g->file, g->title, g->vlabel, from, to);
    /* Levels start at 0, so that a small change does not look big. */
    strbuf_addstr(report_graph_arg(&rg), g->option ? g->option
                                                   : "--lower-limit=0");
    for (int i = 0; i < 6 && g->lines[i].rrd; i++) {
        const struct line *l = &g->lines[i];
        char *path = xasprintf("%s/rrd/%s.rrd", r->dir, l->rrd);
        if (!access(path, R_OK)) {
            /* RRD DEF names: letters only is safest. */
            strbuf_addf(report_graph_arg(&rg), "DEF:v%c=%s:%s:AVERAGE",
                        'a' + i, path, l->ds);
            if (g->tick && !strcmp(l->ds, g->tick))
                strbuf_addf(report_graph_arg(&rg), "TICK:v%c%s:0.1:%-30s",
                            'a' + i, l->color, l->legend);
            else
                strbuf_addf(report_graph_arg(&rg), "LINE2:v%c%s:%-30s",
                            'a' + i, l->color, l->legend);
            strbuf_addf(report_graph_arg(&rg),
                        "GPRINT:v%c:AVERAGE:mean %%8.1lf%%s", 'a' + i);
            strbuf_addf(report_graph_arg(&rg),
                        "GPRINT:v%c:MAX:max %%8.1lf%%s\\l", 'a' + i);
            lines++;
        }
        free(path);
    }
    if (!strcmp(g->file, "throughput.png"))
        mark_rates(r, &rg);
    return report_graph_end(&rg, lines > 0, err);
}

static int graphs_make(struct report *r, struct strbuf *err)
{
    time_t from = 0, to = 0;
    int rc = write_trials_rrd(r, &from, &to, err), failed = 0;

    if (rc)
        return rc;
    if (!from) {
        /* No trials: the run's own span, if it ran at all. */
        struct tm tm = { 0 };
        const char *s = json_string_value(json_object_get(r->meta, "start"));
        const char *e = json_string_value(json_object_get(r->meta, "end"));
        if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm))
            return 0;
        from = timegm(&tm) - 5;
        to = e && strptime(e, "%Y-%m-%dT%H:%M:%SZ", &tm) ? timegm(&tm) + 5
                                                        : time(NULL);
    }
    for (size_t i = 0; i < sizeof graphs / sizeof *graphs; i++) {
        struct strbuf why = STRBUF_INIT;
        rc = draw(r, &graphs[i], from, to, &why);
        if (!rc)
            json_array_append_new(r->graphs, json_pack(
                "{s:s, s:s}", "file", graphs[i].file, "title",
                graphs[i].title));
        else if (rc < 0 && !failed++)
            strbuf_addf(err, "%s: %s", graphs[i].file, why.buf);
        strbuf_dispose(&why);
    }
    return failed ? -EIO : 0;
}

const struct report_output report_graphs = {
    .name = "graphs",
    .make = graphs_make,
};
