/* The librrd wrapper (lib/rrdfile.c): the files it creates read back with
 * librrd itself (data sources, archives, start), samples written and
 * fetched (gauges to the millisecond, counters as integers, gaps), graphs
 * drawn without touching the caller's argv, and errors that name the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/rrdfile.h"
#include "lib/strbuf.h"

#include "rrdread.h"
#include "tmpdir.h"

/* A fixed start, so that the times read back are known. */
#define T0 ((time_t)1700000000)

static const struct rrdfile_ds two_ds[] = {
    { "cpu_pct", false }, { "rx_pkts", true },
};

static char *tmp_path(const char *name)
{
    return xasprintf("%s/%s", tmpdir, name);
}

/* <tmpdir>/<name> with 'two_ds', a 1 s step, beginning at T0; *path is
 * its path (malloc'ed). */
static struct rrdfile *two_ds_file(const char *name, char **path)
{
    struct strbuf err = STRBUF_INIT;
    struct rrdfile *f;

    *path = tmp_path(name);
    f = rrdfile_create(*path, 1, T0, two_ds, 2, &err);
    assert_non_null(f);
    assert_int_equal(err.len, 0);
    return f;
}

/* 'err' is "<what> '<path>': <more>". */
static void assert_names_file(const struct strbuf *err, const char *what,
                              const char *path)
{
    char *head = xasprintf("%s '%s': ", what, path);

    assert_memory_equal(err->buf, head, strlen(head));
    assert_true(err->len > strlen(head));
    free(head);
}

/* The five archives: AVERAGE, MIN, MAX of every step for 4 hours' worth of
 * rows, then AVERAGE and MAX of a minute ('per_minute' steps). */
static void assert_archives(const rrd_info_t *info, unsigned long per_minute)
{
    static const char *const cf[] = { "AVERAGE", "MIN", "MAX", "AVERAGE",
                                      "MAX" };

    for (int i = 0; i < 5; i++) {
        assert_string_equal(RRD_STR(info, "rra[%d].cf", i), cf[i]);
        assert_int_equal(RRD_CNT(info, "rra[%d].rows", i),
                         i < 3 ? 14400 : 2880);
        assert_int_equal(RRD_CNT(info, "rra[%d].pdp_per_row", i),
                         i < 3 ? 1 : per_minute);
        assert_true(RRD_VAL(info, "rra[%d].xff", i) == 0.5);
    }
    for (; info; info = info->next)
        assert_null(strstr(info->key, "rra[5]"));
}

static void test_rrdfile__create_data_sources_and_archives(void **state)
{
    static const struct { int step; unsigned long per_minute; } cases[] = {
        { 1, 60 }, { 10, 6 }, { 120, 1 },
    };

    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        struct strbuf err = STRBUF_INIT;
        char *path = xasprintf("%s/create-%d.rrd", tmpdir, cases[c].step);
        struct rrdfile *f = rrdfile_create(path, cases[c].step, T0, two_ds,
                                           2, &err);
        rrd_info_t *info;

        assert_non_null(f);
        assert_int_equal(err.len, 0);
        info = rrd_info_of(path);
        assert_int_equal(RRD_CNT(info, "step"), cases[c].step);
        /* The file begins just before 'start'. */
        assert_int_equal(RRD_CNT(info, "last_update"), T0 - 10);
        assert_int_equal(RRD_CNT(info, "ds[cpu_pct].index"), 0);
        assert_string_equal(RRD_STR(info, "ds[cpu_pct].type"), "GAUGE");
        assert_int_equal(RRD_CNT(info, "ds[cpu_pct].minimal_heartbeat"),
                         5 * cases[c].step);
        assert_true(isnan(RRD_VAL(info, "ds[cpu_pct].min")));
        assert_true(isnan(RRD_VAL(info, "ds[cpu_pct].max")));
        assert_int_equal(RRD_CNT(info, "ds[rx_pkts].index"), 1);
        assert_string_equal(RRD_STR(info, "ds[rx_pkts].type"), "DERIVE");
        assert_int_equal(RRD_CNT(info, "ds[rx_pkts].minimal_heartbeat"),
                         5 * cases[c].step);
        assert_true(RRD_VAL(info, "ds[rx_pkts].min") == 0);
        assert_true(isnan(RRD_VAL(info, "ds[rx_pkts].max")));
        assert_archives(info, cases[c].per_minute);
        rrd_info_free(info);
        rrdfile_destroy(f);
        free(path);
    }
}

static void test_rrdfile__update_and_read_back(void **state)
{
    /* cpu_pct, rx_pkts at T0 + i; the first update only starts the file. */
    static const double samples[][2] = {
        { 1.25, 1000 }, { 2.5, 1100 }, { NAN, 1200 }, { 4.125, 1350 },
        { 5, 1350 },
        { 6, 1400.6 },          /* DERIVE takes integers: written 1401 */
        { 7, 10 },              /* a counter that went back: a gap */
    };
    struct strbuf err = STRBUF_INIT;
    char *path;
    struct rrdfile *f = two_ds_file("update.rrd", &path);
    rrd_info_t *info;

    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++)
        assert_int_equal(rrdfile_update(f, (double)T0 + (double)i, samples[i],
                                        &err), 0);
    assert_int_equal(err.len, 0);
    info = rrd_info_of(path);
    assert_int_equal(RRD_CNT(info, "last_update"), T0 + 6);
    assert_string_equal(RRD_STR(info, "ds[cpu_pct].last_ds"), "7.000");
    assert_string_equal(RRD_STR(info, "ds[rx_pkts].last_ds"), "10");
    rrd_info_free(info);
    assert_true(rrd_value_at(path, "cpu_pct", T0 + 1) == 2.5);
    assert_true(isnan(rrd_value_at(path, "cpu_pct", T0 + 2)));
    assert_true(rrd_value_at(path, "cpu_pct", T0 + 3) == 4.125);
    assert_true(rrd_value_at(path, "rx_pkts", T0 + 1) == 100);
    assert_true(rrd_value_at(path, "rx_pkts", T0 + 3) == 150);
    assert_true(rrd_value_at(path, "rx_pkts", T0 + 4) == 0);
    assert_true(rrd_value_at(path, "rx_pkts", T0 + 5) == 51);
    assert_true(isnan(rrd_value_at(path, "rx_pkts", T0 + 6)));
    rrdfile_destroy(f);
    free(path);
}

/* Ticks a little late stay apart: times are written to the millisecond. */
static void test_rrdfile__sub_second_times(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *path;
    struct rrdfile *f = two_ds_file("subsecond.rrd", &path);
    const double a[2] = { 1, 1 }, b[2] = { 2, 2 };

    assert_int_equal(rrdfile_update(f, (double)T0 + 0.25, a, &err), 0);
    assert_int_equal(rrdfile_update(f, (double)T0 + 0.5, b, &err), 0);
    assert_int_equal(err.len, 0);
    /* The same time again is refused: the first two were kept apart. */
    assert_int_equal(rrdfile_update(f, (double)T0 + 0.5, b, &err), -EIO);
    rrdfile_destroy(f);
    strbuf_dispose(&err);
    free(path);
}

static void test_rrdfile__update_going_back_names_the_file(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *path;
    struct rrdfile *f = two_ds_file("back.rrd", &path);
    const double v[2] = { 1, 1 };

    assert_int_equal(rrdfile_update(f, (double)T0 + 5, v, &err), 0);
    assert_int_equal(rrdfile_update(f, (double)T0 + 3, v, &err), -EIO);
    assert_names_file(&err, "cannot update", path);
    rrdfile_destroy(f);
    strbuf_dispose(&err);
    free(path);
}

static void test_rrdfile__create_errors_name_the_file(void **state)
{
    static const struct rrdfile_ds bad_name[] = { { "no spaces", false } };
    struct strbuf err = STRBUF_INIT;
    char *path = xasprintf("%s/no-such-dir/x.rrd", tmpdir);

    assert_null(rrdfile_create(path, 1, T0, two_ds, 2, &err));
    assert_names_file(&err, "cannot create", path);
    strbuf_reset(&err);
    assert_null(rrdfile_create(path, 0, T0, two_ds, 2, &err));
    assert_names_file(&err, "cannot create", path);
    free(path);
    /* librrd refuses the data source: the file is named all the same. */
    strbuf_reset(&err);
    path = tmp_path("bad-name.rrd");
    assert_null(rrdfile_create(path, 1, T0, bad_name, 1, &err));
    assert_names_file(&err, "cannot create", path);
    strbuf_dispose(&err);
    free(path);
}

static void test_rrdfile__graph(void **state)
{
    struct strbuf err = STRBUF_INIT, def = STRBUF_INIT, start = STRBUF_INIT;
    char *path, *png = tmp_path("graph.png");
    struct rrdfile *f = two_ds_file("graph.rrd", &path);
    const char *argv[6], *before[6];
    char magic[4] = { 0 };
    FILE *fp;

    for (int i = 0; i < 20; i++) {
        const double v[2] = { i, 100.0 * i };
        assert_int_equal(rrdfile_update(f, (double)T0 + i, v, &err), 0);
    }
    strbuf_addf(&start, "--start=%lld", (long long)T0);
    strbuf_addf(&def, "DEF:v=%s:cpu_pct:AVERAGE", path);
    argv[0] = "graph";
    argv[1] = png;
    argv[2] = start.buf;
    argv[3] = "--end=1700000020";
    argv[4] = def.buf;
    argv[5] = "LINE2:v#ff0000:cpu";
    memcpy(before, argv, sizeof argv);
    assert_int_equal(rrdfile_graph(argv, 6, &err), 0);
    assert_int_equal(err.len, 0);
    /* librrd's option parser reorders its argv: ours is as it was. */
    assert_memory_equal(argv, before, sizeof argv);
    fp = fopen(png, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(magic, 1, 4, fp), 4);
    fclose(fp);
    assert_memory_equal(magic, "\x89PNG", 4);
    /* A data source in a file that is not there: librrd's reason. */
    strbuf_reset(&def);
    strbuf_addf(&def, "DEF:v=%s/missing.rrd:cpu_pct:AVERAGE", tmpdir);
    argv[4] = def.buf;
    assert_int_equal(rrdfile_graph(argv, 6, &err), -EIO);
    assert_non_null(strstr(err.buf, "missing.rrd"));
    rrdfile_destroy(f);
    strbuf_dispose(&err);
    strbuf_dispose(&def);
    strbuf_dispose(&start);
    free(path);
    free(png);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rrdfile__create_data_sources_and_archives),
        cmocka_unit_test(test_rrdfile__update_and_read_back),
        cmocka_unit_test(test_rrdfile__sub_second_times),
        cmocka_unit_test(test_rrdfile__update_going_back_names_the_file),
        cmocka_unit_test(test_rrdfile__create_errors_name_the_file),
        cmocka_unit_test(test_rrdfile__graph),
    };
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
