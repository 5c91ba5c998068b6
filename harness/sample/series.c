#include "sample/series.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct column {
    char *collector;
    struct metric *m;           /* copied: the sampler's go away */
    size_t n_metrics;
    struct sample_time *t;
    double *v;                  /* n_samples x n_metrics */
    size_t n_samples, alloc;
};

struct series {
    struct sink sink;
    struct column *c;
    size_t n;
};

static int series_add(void *priv, size_t idx, const char *collector,
                      const struct metric *m, size_t n, struct strbuf *err)
{
    struct series *s = priv;
    struct column *c;

    if (idx >= s->n) {
        s->c = xrealloc(s->c, (idx + 1) * sizeof *s->c);
        memset(s->c + s->n, 0, (idx + 1 - s->n) * sizeof *s->c);
        s->n = idx + 1;
    }
    c = &s->c[idx];
    c->collector = xstrdup(collector);
    c->m = xcalloc(n ? n : 1, sizeof *c->m);
    memcpy(c->m, m, n * sizeof *m);
    c->n_metrics = n;
    return 0;
}

static void series_write(void *priv, size_t idx, const struct sample_time *t,
                         const double *v)
{
    struct series *s = priv;
    struct column *c = idx < s->n ? &s->c[idx] : NULL;

    if (!c || !c->collector)
        return;
    if (c->n_samples == c->alloc) {
        c->alloc = c->alloc ? 2 * c->alloc : 256;
        c->t = xrealloc(c->t, c->alloc * sizeof *c->t);
        c->v = xrealloc(c->v, c->alloc * (c->n_metrics ? c->n_metrics : 1)
                                  * sizeof *c->v);
    }
    c->t[c->n_samples] = *t;
    memcpy(c->v + c->n_samples * c->n_metrics, v,
           c->n_metrics * sizeof *v);
    c->n_samples++;
}

static void series_close(void *priv)
{
    (void)priv;     /* the data stays for the report */
}

static const struct sink_ops series_sink_ops = {
    .name = "series",
    .add = series_add,
    .write = series_write,
    .close = series_close,
};

struct series *series_create(void)
{
    struct series *s = xcalloc(1, sizeof *s);

    s->sink.ops = &series_sink_ops;
    s->sink.priv = s;
    return s;
}

struct sink *series_sink(struct series *s)
{
    return &s->sink;
}

void series_destroy(struct series *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->c[i].collector);
        free(s->c[i].m);
        free(s->c[i].t);
        free(s->c[i].v);
    }
    free(s->c);
    free(s);
}

int series_view(const struct series *s, const char *collector,
                const char *metric, struct series_view *view)
{
    memset(view, 0, sizeof *view);
    for (size_t i = 0; i < s->n; i++) {
        const struct column *c = &s->c[i];
        if (!c->collector || strcmp(c->collector, collector))
            continue;
        for (size_t j = 0; j < c->n_metrics; j++) {
            if (strcmp(c->m[j].name, metric))
                continue;
            view->n = c->n_samples;
            view->t = c->t;
            view->v = c->v + j;
            view->stride = c->n_metrics;
            return 0;
        }
    }
    return -ENOENT;
}

double series_slope(const double *x, const double *y, size_t n,
                    size_t stride)
{
    double sx = 0, sy = 0, sxx = 0, sxy = 0, k = 0;

    for (size_t i = 0; i < n; i++) {
        double yi = y[i * stride];
        if (isnan(yi) || isnan(x[i]))
            continue;
        sx += x[i];
        sy += yi;
        sxx += x[i] * x[i];
        sxy += x[i] * yi;
        k++;
    }
    if (k < 2 || k * sxx - sx * sx <= 0)
        return NAN;
    return (k * sxy - sx * sy) / (k * sxx - sx * sx);
}

/* The columns the summary reads; a view with n == 0 is absent. */
struct summary_views {
    struct series_view cpu, rss;            /* proc */
    struct series_view heap, gc_ms, gc_n;   /* jmx */
};

/* Mean and max of a gauge over [from, to); false when all are gaps. */
static bool mean_max(const struct series_view *v, size_t from, size_t to,
                     double *mean, double *max)
{
    double sum = 0;
    size_t k = 0;

    *max = NAN;
    for (size_t i = from; v->n && i < to; i++) {
        double x = v->v[i * v->stride];
        if (isnan(x))
            continue;
        sum += x;
        k++;
        if (isnan(*max) || x > *max)
            *max = x;
    }
    *mean = k ? sum / (double)k : NAN;
    return k > 0;
}

/* The first and last values read over [from, to). */
static bool first_last(const struct series_view *v, size_t from, size_t to,
                       double *first, double *last)
{
    *first = *last = NAN;
    for (size_t i = from; v->n && i < to; i++) {
        double x = v->v[i * v->stride];
        if (isnan(x))
            continue;
        if (isnan(*first))
            *first = x;
        *last = x;
    }
    return !isnan(*first);
}

/* Figures over the samples [from, to): the SUT's CPU and RSS, and for a
 * JVM its heap and the GC work done meanwhile (counters: last - first). */
static json_t *span_json(const struct summary_views *w, size_t from,
                         size_t to)
{
    json_t *o = json_object();
    double a, b;

    json_object_set_new(o, "samples", json_integer((json_int_t)(to - from)));
    if (mean_max(&w->cpu, from, to, &a, &b)) {
        json_object_set_new(o, "cpu_mean_pct", json_real(a));
        json_object_set_new(o, "cpu_max_pct", json_real(b));
    }
    if (first_last(&w->rss, from, to, &a, &b)) {
        json_object_set_new(o, "rss_start_bytes", json_real(a));
        json_object_set_new(o, "rss_end_bytes", json_real(b));
    }
    if (mean_max(&w->heap, from, to, &a, &b)) {
        json_object_set_new(o, "jvm_heap_used_mean_bytes", json_real(a));
        json_object_set_new(o, "jvm_heap_used_max_bytes", json_real(b));
    }
    if (first_last(&w->gc_ms, from, to, &a, &b))
        json_object_set_new(o, "jvm_gc_time_ms", json_real(b - a));
    if (first_last(&w->gc_n, from, to, &a, &b))
        json_object_set_new(o, "jvm_gc_count", json_real(b - a));
    return o;
}

json_t *series_summary(const struct series *s)
{
    struct summary_views w;
    const struct series_view *rss = &w.rss, *times;
    json_t *phases = json_array(), *steps = json_array(), *root;

    series_view(s, "proc", "cpu_pct", &w.cpu);
    series_view(s, "proc", "rss_bytes", &w.rss);
    series_view(s, "jmx", "heap_used", &w.heap);
    series_view(s, "jmx", "gc_time_ms", &w.gc_ms);
    series_view(s, "jmx", "gc_count", &w.gc_n);
    /* Every collector writes at every tick: any column has the times. */
    times = w.cpu.n ? &w.cpu : w.rss.n ? &w.rss : &w.heap;
    /* Runs of samples with the same phase, and within them the same step. */
    for (size_t i = 0, j; i < times->n; i = j) {
        const char *phase = times->t[i].phase;
        for (j = i; j < times->n && !strcmp(times->t[j].phase, phase); j++)
            ;
        if (!*phase)
            continue;
        json_t *p = span_json(&w, i, j);
        json_object_set_new(p, "phase", json_string(phase));
        if (!strcmp(phase, "long_running_tests") && rss->n) {
            double *x = xcalloc(j - i, sizeof *x);
            for (size_t k = i; k < j; k++)
                x[k - i] = (double)rss->t[k].mono_ns / 3.6e12;  /* hours */
            double slope = series_slope(x, rss->v + i * rss->stride, j - i,
                                        rss->stride);
            if (!isnan(slope))
                json_object_set_new(p, "rss_slope_mib_per_hour",
                                    json_real(slope / 1048576.0));
            free(x);
        }
        json_array_append_new(phases, p);
        for (size_t a = i, b; a < j; a = b) {
            int step = times->t[a].step;
            for (b = a; b < j && times->t[b].step == step; b++)
                ;
            if (!step)
                continue;
            json_t *st = span_json(&w, a, b);
            json_object_set_new(st, "phase", json_string(phase));
            json_object_set_new(st, "step", json_integer(step));
            json_object_set_new(st, "rate", json_real(times->t[a].rate));
            json_array_append_new(steps, st);
        }
    }
    root = json_object();
    json_object_set_new(root, "phases", phases);
    json_object_set_new(root, "steps", steps);
    return root;
}
