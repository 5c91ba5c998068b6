/* The history store: runs keyed by uuid, a series oldest first, missing
 * figures, acknowledgements that survive a re-import, a re-import keeping
 * only its own trials, two writers at once, a reader that creates
 * nothing, and a file that is not a history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report/history.h"
#include "tmpdir.h"

static char *db(const char *name)
{
    return xasprintf("%s/%s", tmpdir, name);
}

static int add(struct history *h, const char *uuid, const char *start,
               const char *series, double ndr, bool passed)
{
    struct strbuf err = STRBUF_INIT;
    json_t *m = json_pack("[{s:s, s:f, s:s, s:s}]", "name", "ndr_pps",
                          "value", ndr, "unit", "pps", "better", "higher");
    struct history_run run = { .uuid = uuid, .run_id = uuid, .start = start,
                               .series = series, .passed = passed,
                               .metrics = isnan(ndr) ? NULL : m };
    int rc = history_add(h, &run, &err);

    json_decref(m);
    strbuf_dispose(&err);
    return rc;
}

static void test_history__series_oldest_first(void **state)
{
    char *path = db("a.db");
    struct strbuf err = STRBUF_INIT;
    struct history *h = history_open(path, true, &err);
    struct regress_run *runs;
    size_t n;

    assert_non_null(h);
    assert_int_equal(add(h, "u2", "2026-11-02T00:00:00Z", "s", 200, true), 0);
    assert_int_equal(add(h, "u1", "2026-11-01T00:00:00Z", "s", 100, true), 0);
    assert_int_equal(add(h, "u3", "2026-11-03T00:00:00Z", "s", NAN, false),
                     0);
    assert_int_equal(add(h, "x1", "2026-11-01T12:00:00Z", "other", 9, true),
                     0);
    /* The same run again (perftests report, import) replaces itself. */
    assert_int_equal(add(h, "u2", "2026-11-02T00:00:00Z", "s", 250, true), 0);
    assert_int_equal(history_series(h, "s", "2026-11-09T00:00:00Z", "u9",
                                    "ndr_pps", &runs, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_true(runs[0].value == 100 && runs[1].value == 250);
    assert_true(isnan(runs[2].value) && !runs[2].passed);
    free(runs);
    /* Only runs before the one judged, never itself. */
    assert_int_equal(history_series(h, "s", "2026-11-02T00:00:00Z", "u2",
                                    "ndr_pps", &runs, &n, &err), 0);
    assert_int_equal(n, 1);
    free(runs);
    history_close(h);
    free(path);
    strbuf_dispose(&err);
}

/* The trend: the last N runs up to the one shown, oldest first, each
 * with the verdict its metric had when it was judged. */
static void test_history__trend_last_runs_with_their_verdict(void **state)
{
    char *path = db("t.db");
    struct strbuf err = STRBUF_INIT;
    struct history *h = history_open(path, true, &err);
    json_t *m = json_pack("[{s:s, s:f, s:s, s:s, s:s}]", "name", "ndr_pps",
                          "value", 50.0, "unit", "pps", "better", "higher",
                          "outcome", "regressed");
    struct history_run bad = { .uuid = "u4", .run_id = "r4",
                               .start = "2026-11-04T00:00:00Z",
                               .series = "s", .metrics = m };
    json_t *t;

    assert_non_null(h);
    assert_int_equal(add(h, "u1", "2026-11-01T00:00:00Z", "s", 100, true), 0);
    assert_int_equal(add(h, "u2", "2026-11-02T00:00:00Z", "s", 101, true), 0);
    assert_int_equal(add(h, "u3", "2026-11-03T00:00:00Z", "s", 99, true), 0);
    assert_int_equal(history_add(h, &bad, &err), 0);
    assert_int_equal(add(h, "u5", "2026-11-05T00:00:00Z", "s", 98, true), 0);
    t = history_trend(h, "s", "2026-11-04T00:00:00Z", "ndr_pps", 3, &err);
    assert_non_null(t);
    assert_int_equal(json_array_size(t), 3);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(t, 0), "uuid")), "u2");
    assert_true(json_number_value(json_object_get(json_array_get(t, 2),
                                                  "value")) == 50);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(t, 2), "outcome")), "regressed");
    assert_true(json_is_null(json_object_get(json_array_get(t, 1),
                                             "outcome")));
    json_decref(t);
    json_decref(m);
    history_close(h);
    free(path);
    strbuf_dispose(&err);
}

/* A history made before metrics kept their verdict opens, and gets it. */
static void test_history__old_history_gets_the_outcome(void **state)
{
    char *path = db("old.db");
    struct strbuf err = STRBUF_INIT;
    struct history *h;
    sqlite3 *raw;
    json_t *t;

    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "CREATE TABLE metrics (uuid TEXT, "
                                  "name TEXT, value REAL, unit TEXT, better "
                                  "TEXT, PRIMARY KEY (uuid, name))", NULL,
                                  NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    h = history_open(path, true, &err);
    assert_non_null(h);
    assert_int_equal(add(h, "u1", "2026-11-01T00:00:00Z", "s", 100, true), 0);
    t = history_trend(h, "s", "2027", "ndr_pps", 0, &err);
    assert_int_equal(json_array_size(t), 1);
    json_decref(t);
    history_close(h);
    free(path);
    strbuf_dispose(&err);
}

/* An acknowledged step stays acknowledged when its run is added again. */
static void test_history__ack_survives_a_re_add(void **state)
{
    char *path = db("b.db");
    struct strbuf err = STRBUF_INIT;
    struct history *h = history_open(path, true, &err);
    struct regress_run *runs;
    sqlite3 *raw;
    size_t n;

    assert_int_equal(add(h, "u1", "2026-11-01T00:00:00Z", "s", 100, true), 0);
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "UPDATE runs SET acked = 1", NULL,
                                  NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(add(h, "u1", "2026-11-01T00:00:00Z", "s", 100, true), 0);
    assert_int_equal(history_series(h, "s", "2026-12-01T00:00:00Z", "",
                                    "ndr_pps", &runs, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_true(runs[0].acked);
    free(runs);
    history_close(h);
    free(path);
    strbuf_dispose(&err);
}

/* Two runs writing at once both land: WAL and the busy timeout. */
static void test_history__two_writers(void **state)
{
    char *path = db("c.db");
    struct strbuf err = STRBUF_INIT;
    struct history *h = history_open(path, true, &err);
    struct regress_run *runs;
    pid_t kids[2];
    size_t n;
    int status;

    history_close(h);
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        if (kids[k] == 0) {
            struct history *mine = history_open(path, true, &err);
            int bad = !mine;
            for (int i = 0; mine && i < 40; i++) {
                char uuid[32], start[64];
                snprintf(uuid, sizeof uuid, "w%d-%d", k, i);
                snprintf(start, sizeof start, "2026-11-01T00:%02d:%02dZ", i,
                         k);
                bad |= add(mine, uuid, start, "s", 1000 + i, true) != 0;
            }
            /* valgrind counts a child's leaks, the parent's copies too */
            history_close(mine);
            strbuf_dispose(&err);
            free(path);
            _exit(bad);
        }
    }
    for (int k = 0; k < 2; k++) {
        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    h = history_open(path, true, &err);
    assert_int_equal(history_series(h, "s", "2027", "", "ndr_pps", &runs, &n,
                                    &err), 0);
    assert_int_equal(n, 80);
    free(runs);
    history_close(h);
    free(path);
    strbuf_dispose(&err);
}

/* The rows of 'table' for 'uuid' in the database at 'path'. */
static int count_rows(const char *path, const char *table, const char *uuid)
{
    char *sql = xasprintf("SELECT count(*) FROM %s WHERE uuid = ?", table);
    sqlite3_stmt *st;
    sqlite3 *raw;
    int n;

    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(raw);
    free(sql);
    return n;
}

/* A run added again with fewer trials (its trials.csv cut, or a report
 * made again) keeps only those: the rows beyond them were the old run's. */
static void test_history__re_add_keeps_only_its_trials(void **state)
{
    char *path = db("trials.db");
    struct strbuf err = STRBUF_INIT;
    struct history *h = history_open(path, true, &err);
    json_t *three = json_pack("[{s:i}, {s:i}, {s:i}]", "step", 1, "step", 2,
                              "step", 3);
    json_t *one = json_pack("[{s:i}]", "step", 1);
    struct history_run run = { .uuid = "u1", .run_id = "r1",
                               .start = "2026-11-01T00:00:00Z",
                               .series = "s", .trials = three };

    assert_non_null(h);
    assert_int_equal(history_add(h, &run, &err), 0);
    assert_int_equal(count_rows(path, "trials", "u1"), 3);
    run.trials = one;
    assert_int_equal(history_add(h, &run, &err), 0);
    assert_int_equal(count_rows(path, "trials", "u1"), 1);
    run.trials = NULL;
    assert_int_equal(history_add(h, &run, &err), 0);
    assert_int_equal(count_rows(path, "trials", "u1"), 0);
    history_close(h);
    json_decref(three);
    json_decref(one);
    free(path);
    strbuf_dispose(&err);
}

/* A reader (history, compare, ack) given a name that is not there leaves
 * no empty history behind; the run id of a uuid, or none. */
static void test_history__open_without_create(void **state)
{
    char *path = db("typo.db"), *id;
    struct strbuf err = STRBUF_INIT;
    struct history *h = history_open(path, false, &err);

    assert_null(h);
    assert_non_null(strstr(err.buf, path));
    assert_int_equal(access(path, F_OK), -1);
    h = history_open(path, true, &err);
    assert_non_null(h);
    assert_int_equal(add(h, "u1", "2026-11-01T00:00:00Z", "s", 1, true), 0);
    history_close(h);
    h = history_open(path, false, &err);
    assert_non_null(h);
    assert_int_equal(history_run_id(h, "u1", &id, &err), 0);
    assert_string_equal(id, "u1");
    free(id);
    assert_int_equal(history_run_id(h, "u2", &id, &err), 0);
    assert_null(id);
    history_close(h);
    free(path);
    strbuf_dispose(&err);
}

static void test_history__not_a_history(void **state)
{
    char *path = db("junk.db");
    struct strbuf err = STRBUF_INIT;
    FILE *f = fopen(path, "w");

    fputs("this is not a database, just text that is long enough", f);
    fclose(f);
    assert_null(history_open(path, true, &err));
    assert_non_null(strstr(err.buf, path));
    assert_non_null(strstr(err.buf, "not a history database"));
    free(path);
    strbuf_dispose(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history__series_oldest_first),
        cmocka_unit_test(test_history__ack_survives_a_re_add),
        cmocka_unit_test(test_history__trend_last_runs_with_their_verdict),
        cmocka_unit_test(test_history__old_history_gets_the_outcome),
        cmocka_unit_test(test_history__re_add_keeps_only_its_trials),
        cmocka_unit_test(test_history__open_without_create),
        cmocka_unit_test(test_history__two_writers),
        cmocka_unit_test(test_history__not_a_history),
    };
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
