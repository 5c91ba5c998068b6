/* The in-memory series (sample/series.c): a sink that keeps every sample
 * with its phase and step, the views the report reads, the summary per
 * phase and per step (gaps skipped), the long run's RSS slope, and the
 * JVM's figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "sample/series.h"

#define MIB 1048576.0

static const struct metric proc_m[] = {
    { "cpu_pct", METRIC_GAUGE, "" }, { "rss_bytes", METRIC_GAUGE, "" },
};
static const struct metric jmx_m[] = {
    { "heap_used", METRIC_GAUGE, "" }, { "gc_time_ms", METRIC_COUNTER, "" },
    { "gc_count", METRIC_COUNTER, "" },
};

/* A series with "proc" as collector 0 (and "jmx" as 1 when asked). */
static struct series *series_with(bool jmx)
{
    struct series *s = series_create();
    struct sink *sk = series_sink(s);
    struct strbuf err = STRBUF_INIT;

    assert_int_equal(sk->ops->add(sk->priv, 0, "proc", proc_m, 2, &err), 0);
    if (jmx)
        assert_int_equal(sk->ops->add(sk->priv, 1, "jmx", jmx_m, 3, &err),
                         0);
    assert_int_equal(err.len, 0);
    return s;
}

static void put(struct series *s, size_t idx, const char *phase, int step,
                double rate, uint64_t mono_ns, const double *v)
{
    struct sink *sk = series_sink(s);
    struct sample_time t = { .real = 1700000000.0 + (double)mono_ns / 1e9,
                             .mono_ns = mono_ns, .phase = phase,
                             .step = step, .rate = rate };

    sk->ops->write(sk->priv, idx, &t, v);
}

/* A proc sample: CPU % and RSS. */
static void put_proc(struct series *s, const char *phase, int step,
                     double rate, double cpu, double rss)
{
    static uint64_t tick;
    const double v[2] = { cpu, rss };

    put(s, 0, phase, step, rate, ++tick * 1000000000ull, v);
}

/* The number at 'key' of 'o'; the test fails when it is not there. */
static double num(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_number(v))
        fail_msg("no number '%s'", key);
    return json_number_value(v);
}

static void test_series__view_by_collector_and_metric(void **state)
{
    struct series *s = series_with(false);
    struct sink *sk = series_sink(s);
    static const struct metric ovs_m[] = { { "upcalls", METRIC_COUNTER, "" } };
    struct strbuf err = STRBUF_INIT;
    struct series_view v;
    const double up[3] = { 5, 7, 9 };

    assert_string_equal(sk->ops->name, "series");
    assert_int_equal(sk->ops->add(sk->priv, 1, "ovs", ovs_m, 1, &err), 0);
    put_proc(s, "warm_up", 0, 0, 10, 100);
    put_proc(s, "throughput", 3, 4000, 20, 200);
    for (int i = 0; i < 3; i++)
        put(s, 1, "throughput", 3, 4000, 42, &up[i]);

    assert_int_equal(series_view(s, "proc", "rss_bytes", &v), 0);
    assert_int_equal(v.n, 2);
    assert_int_equal(v.stride, 2);
    assert_true(v.v[0] == 100 && v.v[v.stride] == 200);
    assert_string_equal(v.t[0].phase, "warm_up");
    assert_string_equal(v.t[1].phase, "throughput");
    assert_int_equal(v.t[1].step, 3);
    assert_true(v.t[1].rate == 4000);
    assert_int_equal(series_view(s, "proc", "cpu_pct", &v), 0);
    assert_true(v.v[0] == 10 && v.v[v.stride] == 20);
    assert_int_equal(series_view(s, "ovs", "upcalls", &v), 0);
    assert_int_equal(v.n, 3);
    assert_int_equal(v.stride, 1);
    assert_true(v.v[0] == 5 && v.v[2] == 9);
    assert_int_equal(v.t[2].mono_ns, 42);

    assert_int_equal(series_view(s, "proc", "heap_used", &v), -ENOENT);
    assert_true(v.n == 0 && !v.t && !v.v);
    assert_int_equal(series_view(s, "jmx", "cpu_pct", &v), -ENOENT);
    assert_int_equal(v.n, 0);
    series_destroy(s);
}

/* The metrics are copied (the sampler's go away), samples of a collector
 * that never joined are dropped, and closing the sink keeps the data. */
static void test_series__copies_ignores_and_keeps(void **state)
{
    struct series *s = series_create();
    struct sink *sk = series_sink(s);
    struct metric m[1] = { { "cpu_pct", METRIC_GAUGE, "" } };
    struct strbuf err = STRBUF_INIT;
    struct series_view v;
    const double x[2] = { 1, 2 };

    assert_int_equal(sk->ops->add(sk->priv, 2, "proc", m, 1, &err), 0);
    strcpy(m[0].name, "changed");
    put(s, 2, "", 0, 0, 1, x);
    put(s, 0, "", 0, 0, 1, x);          /* below a joined one */
    put(s, 7, "", 0, 0, 1, x);          /* past every one */
    sk->ops->close(sk->priv);
    assert_int_equal(series_view(s, "proc", "cpu_pct", &v), 0);
    assert_int_equal(v.n, 1);
    assert_true(v.v[0] == 1);
    assert_int_equal(series_view(s, "proc", "changed", &v), -ENOENT);
    series_destroy(s);
    series_destroy(NULL);
}

static void test_series__grows_past_first_allocation(void **state)
{
    struct series *s = series_with(true);
    struct series_view v;
    const size_t n = 1000;

    for (size_t i = 0; i < n; i++) {
        const double x[3] = { (double)i, 2.0 * (double)i, 3.0 * (double)i };
        put(s, 1, i < n / 2 ? "a" : "b", (int)(i % 7), 0, i, x);
    }
    assert_int_equal(series_view(s, "jmx", "gc_count", &v), 0);
    assert_int_equal(v.n, n);
    for (size_t i = 0; i < n; i++) {
        assert_true(v.v[i * v.stride] == 3.0 * (double)i);
        assert_int_equal(v.t[i].mono_ns, i);
        assert_int_equal(v.t[i].step, (int)(i % 7));
        assert_string_equal(v.t[i].phase, i < n / 2 ? "a" : "b");
    }
    assert_int_equal(series_view(s, "jmx", "heap_used", &v), 0);
    assert_true(v.v[(n - 1) * v.stride] == (double)(n - 1));
    /* The other collector was not written. */
    assert_int_equal(series_view(s, "proc", "cpu_pct", &v), 0);
    assert_int_equal(v.n, 0);
    series_destroy(s);
}

static void test_series__summary_per_phase_and_step(void **state)
{
    struct series *s = series_with(false);
    json_t *sum, *phases, *steps, *p, *st;

    put_proc(s, "", 0, 0, 99, 1);                   /* before: skipped */
    put_proc(s, "warm_up", 0, 0, 10, 100);
    put_proc(s, "warm_up", 0, 0, 20, 110);
    put_proc(s, "throughput", 1, 1000, 30, 200);
    put_proc(s, "throughput", 1, 1000, NAN, NAN);   /* a gap */
    put_proc(s, "throughput", 1, 1000, 50, 220);
    put_proc(s, "throughput", 2, 2000, 60, 230);
    put_proc(s, "throughput", 2, 2000, 70, 240);
    put_proc(s, "", 0, 0, 99, 1);                   /* after: skipped */

    sum = series_summary(s);
    phases = json_object_get(sum, "phases");
    steps = json_object_get(sum, "steps");
    assert_int_equal(json_array_size(phases), 2);
    p = json_array_get(phases, 0);
    assert_string_equal(json_string_value(json_object_get(p, "phase")),
                        "warm_up");
    assert_true(num(p, "samples") == 2);
    assert_true(num(p, "cpu_mean_pct") == 15 && num(p, "cpu_max_pct") == 20);
    assert_true(num(p, "rss_start_bytes") == 100);
    assert_true(num(p, "rss_end_bytes") == 110);
    assert_null(json_object_get(p, "rss_slope_mib_per_hour"));
    assert_null(json_object_get(p, "jvm_heap_used_mean_bytes"));
    p = json_array_get(phases, 1);
    assert_string_equal(json_string_value(json_object_get(p, "phase")),
                        "throughput");
    assert_true(num(p, "samples") == 5);
    assert_true(num(p, "cpu_mean_pct") == 52.5);
    assert_true(num(p, "cpu_max_pct") == 70);
    assert_true(num(p, "rss_start_bytes") == 200);
    assert_true(num(p, "rss_end_bytes") == 240);

    /* Step 0 (no trial) has no entry. */
    assert_int_equal(json_array_size(steps), 2);
    st = json_array_get(steps, 0);
    assert_string_equal(json_string_value(json_object_get(st, "phase")),
                        "throughput");
    assert_true(num(st, "step") == 1 && num(st, "rate") == 1000);
    assert_true(num(st, "samples") == 3);
    assert_true(num(st, "cpu_mean_pct") == 40 && num(st, "cpu_max_pct") == 50);
    assert_true(num(st, "rss_start_bytes") == 200);
    assert_true(num(st, "rss_end_bytes") == 220);
    st = json_array_get(steps, 1);
    assert_true(num(st, "step") == 2 && num(st, "rate") == 2000);
    assert_true(num(st, "samples") == 2);
    assert_true(num(st, "cpu_mean_pct") == 65);
    assert_true(num(st, "rss_end_bytes") == 240);
    json_decref(sum);
    series_destroy(s);
}

/* Gaps are never zeros: a span with no value has no figure, and the RSS
 * at start and end are the first and last values read. */
static void test_series__summary_gaps(void **state)
{
    struct series *s = series_with(false);
    json_t *sum, *p;

    put_proc(s, "idle", 0, 0, NAN, NAN);
    put_proc(s, "idle", 0, 0, NAN, 300);
    put_proc(s, "idle", 0, 0, NAN, 310);
    put_proc(s, "idle", 0, 0, NAN, NAN);
    put_proc(s, "dark", 0, 0, NAN, NAN);
    sum = series_summary(s);
    assert_int_equal(json_array_size(json_object_get(sum, "phases")), 2);
    p = json_array_get(json_object_get(sum, "phases"), 0);
    assert_true(num(p, "samples") == 4);
    assert_null(json_object_get(p, "cpu_mean_pct"));
    assert_null(json_object_get(p, "cpu_max_pct"));
    assert_true(num(p, "rss_start_bytes") == 300);
    assert_true(num(p, "rss_end_bytes") == 310);
    p = json_array_get(json_object_get(sum, "phases"), 1);
    assert_true(num(p, "samples") == 1);
    assert_null(json_object_get(p, "rss_start_bytes"));
    assert_int_equal(json_array_size(json_object_get(sum, "steps")), 0);
    json_decref(sum);
    series_destroy(s);
}

/* The long run's RSS slope, over the monotonic clock in hours. */
static void test_series__summary_long_run_slope(void **state)
{
    struct series *s = series_with(false);
    json_t *sum, *p;

    for (int i = 0; i < 10; i++) {
        /* 2 MiB more an hour, one sample a half hour, one gap. */
        const double v[2] = { 50, i == 4 ? NAN : 100 * MIB + i * MIB };
        put(s, 0, "long_running_tests", 0, 0,
            (uint64_t)i * 1800000000000ull, v);
    }
    sum = series_summary(s);
    p = json_array_get(json_object_get(sum, "phases"), 0);
    assert_string_equal(json_string_value(json_object_get(p, "phase")),
                        "long_running_tests");
    assert_true(fabs(num(p, "rss_slope_mib_per_hour") - 2.0) < 1e-9);
    json_decref(sum);
    series_destroy(s);
}

/* A JVM: heap mean and max; GC time and count are counters, the work done
 * is last - first.  With no proc collector the times come from jmx. */
static void test_series__summary_jvm(void **state)
{
    struct series *s = series_create();
    struct sink *sk = series_sink(s);
    struct strbuf err = STRBUF_INIT;
    static const double x[][3] = {
        { 10 * MIB, 100, 1 }, { 30 * MIB, 150, 2 }, { 20 * MIB, 180, 4 },
    };
    json_t *sum, *p;

    assert_int_equal(sk->ops->add(sk->priv, 0, "jmx", jmx_m, 3, &err), 0);
    for (int i = 0; i < 3; i++)
        put(s, 0, "soak", 1, 500, (uint64_t)i, x[i]);
    sum = series_summary(s);
    p = json_array_get(json_object_get(sum, "phases"), 0);
    assert_non_null(p);
    assert_true(num(p, "samples") == 3);
    assert_true(num(p, "jvm_heap_used_mean_bytes") == 20 * MIB);
    assert_true(num(p, "jvm_heap_used_max_bytes") == 30 * MIB);
    assert_true(num(p, "jvm_gc_time_ms") == 80);
    assert_true(num(p, "jvm_gc_count") == 3);
    assert_null(json_object_get(p, "cpu_mean_pct"));
    assert_int_equal(json_array_size(json_object_get(sum, "steps")), 1);
    json_decref(sum);
    series_destroy(s);
}

static void test_series__summary_empty(void **state)
{
    struct series *s = series_create();
    json_t *sum = series_summary(s);

    assert_int_equal(json_array_size(json_object_get(sum, "phases")), 0);
    assert_int_equal(json_array_size(json_object_get(sum, "steps")), 0);
    json_decref(sum);
    series_destroy(s);
}

static void test_series__slope(void **state)
{
    const double x[] = { 0, 1, 2, 3 };
    /* y = 2x + 1, interleaved with another column (stride 2). */
    const double y[] = { 1, -1, 3, -1, 5, -1, 7, -1 };
    const double gaps[] = { 1, NAN, 5, 7 };
    const double flat_x[] = { 2, 2, 2 };

    assert_true(series_slope(x, y, 4, 2) == 2);
    assert_true(series_slope(x, gaps, 4, 1) == 2);
    assert_true(isnan(series_slope(x, y, 1, 2)));
    assert_true(isnan(series_slope(x, gaps, 2, 1)));    /* one point left */
    assert_true(isnan(series_slope(flat_x, y, 3, 2)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_series__view_by_collector_and_metric),
        cmocka_unit_test(test_series__copies_ignores_and_keeps),
        cmocka_unit_test(test_series__grows_past_first_allocation),
        cmocka_unit_test(test_series__summary_per_phase_and_step),
        cmocka_unit_test(test_series__summary_gaps),
        cmocka_unit_test(test_series__summary_long_run_slope),
        cmocka_unit_test(test_series__summary_jvm),
        cmocka_unit_test(test_series__summary_empty),
        cmocka_unit_test(test_series__slope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
