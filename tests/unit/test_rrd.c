/* The RRD sink (collectors/rrd.c): one file per collector in a folder it
 * creates, a data source per metric (counters DERIVE), samples by
 * collector number, and the sink's manners: a collector whose file could
 * not be made is skipped; one whose clock went back is skipped until the
 * clock passes its last update again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collectors/sink.h"
#include "lib/strbuf.h"

#include "rrdread.h"
#include "tmpdir.h"

#define T0 ((time_t)1700000000)

static const struct metric proc_m[] = {
    { "cpu_pct", METRIC_GAUGE, "" }, { "ctx_sw", METRIC_COUNTER, "" },
};
static const struct metric ovs_m[] = { { "upcalls", METRIC_COUNTER, "" } };

static void write_at(struct sink *s, size_t idx, double t, double a,
                     double b)
{
    struct sample_time st = { .real = t, .phase = "" };
    const double v[2] = { a, b };

    s->ops->write(s->priv, idx, &st, v);
}

/* A sink writing into <tmpdir>/<name>, collector 0 joined as 'collector'
 * with 'n' metrics 'm'; *path is its file (malloc'ed). */
static struct sink *sink_with(const char *name, int step, time_t start,
                              const char *collector, const struct metric *m,
                              size_t n, char **path)
{
    struct strbuf err = STRBUF_INIT;
    char *dir = xasprintf("%s/%s", tmpdir, name);
    struct sink *s = rrd_sink_create(dir, step, start, &err);

    assert_non_null(s);
    assert_int_equal(s->ops->add(s->priv, 0, collector, m, n, &err), 0);
    *path = xasprintf("%s/%s.rrd", dir, collector);
    free(dir);
    return s;
}

/* The folder is made as deep as needed; collector numbers need not be
 * dense (1 has no file). */
static void test_rrd__one_file_per_collector(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *proc, *ovs = xasprintf("%s/deep/rrd/ovs.rrd", tmpdir);
    struct sink *s = sink_with("deep/rrd", 1, T0, "proc", proc_m, 2, &proc);
    rrd_info_t *info;

    assert_string_equal(s->ops->name, "rrd");
    assert_int_equal(s->ops->add(s->priv, 2, "ovs", ovs_m, 1, &err), 0);
    for (int i = 0; i < 4; i++) {
        write_at(s, 0, (double)(T0 + i), 10.5 * i, 100 * i);
        write_at(s, 1, (double)(T0 + i), 1, 1);
        write_at(s, 2, (double)(T0 + i), 7 * i, NAN);
    }
    s->ops->close(s->priv);
    assert_int_equal(err.len, 0);

    info = rrd_info_of(proc);
    assert_int_equal(RRD_CNT(info, "step"), 1);
    assert_int_equal(RRD_CNT(info, "last_update"), T0 + 3);
    assert_string_equal(RRD_STR(info, "ds[cpu_pct].type"), "GAUGE");
    assert_string_equal(RRD_STR(info, "ds[ctx_sw].type"), "DERIVE");
    assert_true(RRD_VAL(info, "ds[ctx_sw].min") == 0);
    rrd_info_free(info);
    info = rrd_info_of(ovs);
    assert_string_equal(RRD_STR(info, "ds[upcalls].type"), "DERIVE");
    assert_int_equal(RRD_CNT(info, "last_update"), T0 + 3);
    rrd_info_free(info);
    assert_true(rrd_value_at(proc, "cpu_pct", T0 + 2) == 21);
    assert_true(rrd_value_at(proc, "ctx_sw", T0 + 2) == 100);
    assert_true(rrd_value_at(ovs, "upcalls", T0 + 3) == 7);
    free(proc);
    free(ovs);
}

/* The step is the sink's: heartbeat and minute archive follow it. */
static void test_rrd__step(void **state)
{
    char *path;
    struct sink *s = sink_with("step", 5, T0, "proc", proc_m, 2, &path);
    rrd_info_t *info;

    s->ops->close(s->priv);
    info = rrd_info_of(path);
    assert_int_equal(RRD_CNT(info, "step"), 5);
    assert_int_equal(RRD_CNT(info, "ds[cpu_pct].minimal_heartbeat"), 25);
    assert_int_equal(RRD_CNT(info, "rra[3].pdp_per_row"), 12);
    rrd_info_free(info);
    free(path);
}

/* Start 0 is now: the file begins shortly before. */
static void test_rrd__start_now(void **state)
{
    time_t before = time(NULL);
    char *path;
    struct sink *s = sink_with("now", 1, 0, "ovs", ovs_m, 1, &path);
    rrd_info_t *info;
    unsigned long start;

    s->ops->close(s->priv);
    info = rrd_info_of(path);
    start = RRD_CNT(info, "last_update");
    assert_true(start < (unsigned long)before);
    assert_true(start + 20 > (unsigned long)before);
    rrd_info_free(info);
    free(path);
}

/* The wall clock stepping back (NTP, a VM resumed) is no reason to lose
 * the file for good: samples at or before the last update are skipped,
 * and once the clock passes it again they are written. */
static void test_rrd__clock_back_skips_then_resumes(void **state)
{
    char *path;
    struct sink *s = sink_with("back", 1, T0, "proc", proc_m, 2, &path);
    rrd_info_t *info;

    write_at(s, 0, (double)(T0 + 5), 1, 10);
    write_at(s, 0, (double)(T0 + 3), 2, 20);       /* back in time */
    write_at(s, 0, (double)(T0 + 5), 3, 30);       /* not yet past */
    write_at(s, 0, (double)(T0 + 6), 4, 40);
    write_at(s, 0, (double)(T0 + 7), 5, 50);
    s->ops->close(s->priv);
    info = rrd_info_of(path);
    assert_int_equal(RRD_CNT(info, "last_update"), T0 + 7);
    rrd_info_free(info);
    /* The steps after the step back hold the samples written then, not
     * the ones written in the past. */
    assert_float_equal(rrd_value_at(path, "cpu_pct", T0 + 6), 4, 1e-9);
    assert_float_equal(rrd_value_at(path, "cpu_pct", T0 + 7), 5, 1e-9);
    free(path);
}

static void test_rrd__errors(void **state)
{
    static const struct metric bad[] = { { "a b", METRIC_GAUGE, "" } };
    struct strbuf err = STRBUF_INIT;
    char *file = xasprintf("%s/a-file", tmpdir);
    char *dir = xasprintf("%s/sub", file), *head;
    struct sink *s;
    FILE *fp = fopen(file, "w");

    assert_non_null(fp);
    fclose(fp);
    /* The folder cannot be made under a file. */
    assert_null(rrd_sink_create(dir, 1, T0, &err));
    head = xasprintf("cannot create '%s': ", dir);
    assert_memory_equal(err.buf, head, strlen(head));
    free(head);
    free(dir);
    /* librrd refuses the data source: no file, its samples ignored. */
    strbuf_reset(&err);
    dir = xasprintf("%s/bad-ds", tmpdir);
    s = rrd_sink_create(dir, 1, T0, &err);
    assert_non_null(s);
    assert_true(s->ops->add(s->priv, 0, "odd", bad, 1, &err) < 0);
    head = xasprintf("cannot create '%s/odd.rrd': ", dir);
    assert_memory_equal(err.buf, head, strlen(head));
    write_at(s, 0, (double)(T0 + 1), 1, 1);
    s->ops->close(s->priv);
    free(head);
    head = xasprintf("%s/odd.rrd", dir);
    assert_int_equal(access(head, F_OK), -1);
    strbuf_dispose(&err);
    free(head);
    free(dir);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rrd__one_file_per_collector),
        cmocka_unit_test(test_rrd__step),
        cmocka_unit_test(test_rrd__start_now),
        cmocka_unit_test(test_rrd__clock_back_skips_then_resumes),
        cmocka_unit_test(test_rrd__errors),
    };
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
