/* Reads an RRD file back with librrd itself (rrd_info_r, rrd_fetch_r), so
 * that the tests of the wrapper and of the RRD sink check what the file
 * holds, not what the writer meant.  Include after cmocka.h. */
#ifndef PT_TEST_RRDREAD_H
#define PT_TEST_RRDREAD_H

#include <math.h>
#include <rrd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The file's `rrdtool info`; the test fails when librrd cannot read it.
 * Free with rrd_info_free(). */
static rrd_info_t *rrd_info_of(const char *path)
{
    rrd_info_t *info = rrd_info_r(path);

    if (!info)
        fail_msg("cannot read '%s': %s", path, rrd_get_error());
    return info;
}

/* The entry named 'fmt...' ("ds[cpu].type"), which must be of 'type'. */
static const rrd_info_t *rrd_entry(const rrd_info_t *info, rrd_info_type_t type,
                                   const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static const rrd_info_t *rrd_entry(const rrd_info_t *info, rrd_info_type_t type,
                                   const char *fmt, ...)
{
    char key[128];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(key, sizeof key, fmt, ap);
    va_end(ap);
    for (; info; info = info->next)
        if (!strcmp(info->key, key)) {
            assert_int_equal(info->type, type);
            return info;
        }
    fail_msg("no '%s' in the file's info", key);
    return NULL;
}
#define RRD_STR(info, ...) (rrd_entry((info), RD_I_STR, __VA_ARGS__)->value.u_str)
#define RRD_CNT(info, ...) (rrd_entry((info), RD_I_CNT, __VA_ARGS__)->value.u_cnt)
#define RRD_VAL(info, ...) (rrd_entry((info), RD_I_VAL, __VA_ARGS__)->value.u_val)

/* The AVERAGE of data source 'ds' over the step that ends at 't' (a
 * multiple of the file's step), from the finest archive; NaN unknown.
 * The test fails when there is no such data source or time. */
static double rrd_value_at(const char *path, const char *ds, time_t t)
{
    time_t start = t - 60, end = t + 60;
    unsigned long step = 1, n_ds = 0;
    char **names = NULL;
    rrd_value_t *data = NULL;
    double v = NAN;
    int col = -1, row;

    if (rrd_fetch_r(path, "AVERAGE", &start, &end, &step, &n_ds, &names,
                    &data))
        fail_msg("cannot fetch from '%s': %s", path, rrd_get_error());
    for (unsigned long i = 0; i < n_ds; i++) {
        if (!strcmp(names[i], ds))
            col = (int)i;
        rrd_freemem(names[i]);
    }
    rrd_freemem(names);
    /* Row r holds the step that ends at start + (r + 1) * step. */
    row = (int)((t - start) / (time_t)step) - 1;
    if (col >= 0 && row >= 0 && t <= end)
        v = data[(size_t)row * n_ds + (size_t)col];
    rrd_freemem(data);
    if (col < 0)
        fail_msg("no data source '%s' in '%s'", ds, path);
    if (row < 0 || t > end)
        fail_msg("no time %lld in '%s'", (long long)t, path);
    return v;
}

#endif
