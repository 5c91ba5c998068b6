#include "report/history.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct history {
    sqlite3 *db;
    char *path;
};

/* Runs are keyed by uuid, so adding one again (perftests report, import)
 * replaces it instead of counting it twice. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS runs ("
    " uuid TEXT PRIMARY KEY, run_id TEXT, start TEXT, series TEXT,"
    " host TEXT, topology TEXT, sut_version TEXT, perftests_version TEXT,"
    " passed INTEGER, acked INTEGER NOT NULL DEFAULT 0, ack_note TEXT);"
    "CREATE INDEX IF NOT EXISTS runs_series ON runs (series, start);"
    "CREATE TABLE IF NOT EXISTS metrics ("
    " uuid TEXT, name TEXT, value REAL, unit TEXT, better TEXT,"
    " outcome TEXT, PRIMARY KEY (uuid, name));"
    "CREATE TABLE IF NOT EXISTS trials ("
    " uuid TEXT, row INTEGER, data TEXT, PRIMARY KEY (uuid, row));";

static int fail(struct history *h, struct strbuf *err, const char *what)
{
    strbuf_addf(err, "%s: %s: %s", h->path, what, sqlite3_errmsg(h->db));
    return -EIO;
}

/* A history made before metrics kept their verdict gets the column: the
 * trend graphs mark the runs that regressed in their own time. */
static int add_outcome_column(struct history *h, char **msg)
{
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(h->db, "SELECT outcome FROM metrics LIMIT 0", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_finalize(st);
        return SQLITE_OK;
    }
    return sqlite3_exec(h->db, "ALTER TABLE metrics ADD COLUMN outcome TEXT",
                        NULL, NULL, msg);
}

struct history *history_open(const char *path, bool create,
                             struct strbuf *err)
{
    struct history *h = xcalloc(1, sizeof *h);
    char *msg = NULL;

    h->path = xstrdup(path);
    if (sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE
                        | (create ? SQLITE_OPEN_CREATE : 0), NULL)
        != SQLITE_OK) {
        fail(h, err, "cannot open the history");
        history_close(h);
        return NULL;
    }
    /* Two runs may write at once: WAL lets a reader on, the timeout lets
     * the second writer wait its turn instead of failing. */
    sqlite3_busy_timeout(h->db, 10000);
    if (sqlite3_exec(h->db, "PRAGMA journal_mode=WAL;", NULL, NULL, &msg)
            != SQLITE_OK
        || sqlite3_exec(h->db, schema, NULL, NULL, &msg) != SQLITE_OK
        || add_outcome_column(h, &msg) != SQLITE_OK) {
        strbuf_addf(err, "%s: not a history database: %s", path,
                    msg ? msg : sqlite3_errmsg(h->db));
        sqlite3_free(msg);
        history_close(h);
        return NULL;
    }
    return h;
}

void history_close(struct history *h)
{
    if (!h)
        return;
    sqlite3_close(h->db);
    free(h->path);
    free(h);
}

/* 'sql' prepared, or NULL with the reason in 'err'. */
static sqlite3_stmt *prepare(struct history *h, const char *sql,
                             struct strbuf *err)
{
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) == SQLITE_OK)
        return st;
    fail(h, err, "cannot prepare");
    return NULL;
}

static int exec_bound(struct history *h, const char *sql,
                      const char *const *text, int n_text, struct strbuf *err)
{
    sqlite3_stmt *st = prepare(h, sql, err);
    int rc;

    if (!st)
        return -EIO;
    for (int i = 0; i < n_text; i++)
        sqlite3_bind_text(st, i + 1, text[i], -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(h, err, "cannot write");
}

static int add_metrics(struct history *h, const struct history_run *run,
                       struct strbuf *err)
{
    sqlite3_stmt *st = prepare(h, "INSERT OR REPLACE INTO metrics (uuid, "
                               "name, value, unit, better, outcome) VALUES "
                               "(?, ?, ?, ?, ?, ?)", err);
    size_t i;
    json_t *m;
    int rc = 0;

    if (!st)
        return -EIO;
    json_array_foreach(run->metrics, i, m) {
        double v = json_number_value(json_object_get(m, "value"));
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, run->uuid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, json_string_value(json_object_get(m, "name")),
                          -1, SQLITE_TRANSIENT);
        if (isfinite(v))
            sqlite3_bind_double(st, 3, v);
        else
            sqlite3_bind_null(st, 3);
        sqlite3_bind_text(st, 4, json_string_value(json_object_get(m, "unit")),
                          -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, json_string_value(json_object_get(m,
                                                                   "better")),
                          -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, json_string_value(json_object_get(
                              m, "outcome")), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = fail(h, err, "cannot write a metric");
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static int add_trials(struct history *h, const struct history_run *run,
                      struct strbuf *err)
{
    sqlite3_stmt *st = prepare(h, "INSERT OR REPLACE INTO trials VALUES "
                               "(?, ?, ?)", err);
    size_t i;
    json_t *t;
    int rc = 0;

    if (!st)
        return -EIO;
    json_array_foreach(run->trials, i, t) {
        char *text = json_dumps(t, JSON_COMPACT);
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, run->uuid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        sqlite3_bind_text(st, 3, text, -1, SQLITE_TRANSIENT);
        free(text);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = fail(h, err, "cannot write a trial");
            break;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

int history_add(struct history *h, const struct history_run *run,
                struct strbuf *err)
{
    const char *const row[] = { run->uuid, run->run_id, run->start,
                                run->series, run->host, run->topology,
                                run->sut_version, run->perftests_version,
                                run->passed ? "1" : "0", run->uuid };
    int rc;

    /* IMMEDIATE: take the write lock now (waiting up to the timeout), not
     * half way through, where a second writer would make us fail. */
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(h, err, "cannot start a transaction");
    /* An acknowledgement made before a re-import survives it. */
    rc = exec_bound(h, "INSERT INTO runs (uuid, run_id, start, series, host, "
                    "topology, sut_version, perftests_version, passed) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(uuid) DO "
                    "UPDATE SET run_id = excluded.run_id, start = "
                    "excluded.start, series = excluded.series, host = "
                    "excluded.host, topology = excluded.topology, "
                    "sut_version = excluded.sut_version, perftests_version "
                    "= excluded.perftests_version, passed = excluded.passed",
                    row, 9, err);
    /* Rows keyed by (uuid, name or row): what is not written again would
     * stay, the trials beyond the new count among them. */
    if (!rc)
        rc = exec_bound(h, "DELETE FROM metrics WHERE uuid = ?", row + 9, 1,
                        err);
    if (!rc)
        rc = exec_bound(h, "DELETE FROM trials WHERE uuid = ?", row + 9, 1,
                        err);
    if (!rc)
        rc = add_metrics(h, run, err);
    if (!rc && run->trials)
        rc = add_trials(h, run, err);
    sqlite3_exec(h->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
    return rc;
}

int history_run_id(struct history *h, const char *uuid, char **run_id,
                   struct strbuf *err)
{
    sqlite3_stmt *st = prepare(h, "SELECT run_id FROM runs WHERE uuid = ?",
                               err);
    int rc;

    *run_id = NULL;
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *run_id = xstrdup((const char *)sqlite3_column_text(st, 0) ?: "");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
                                                 : fail(h, err, "cannot read");
}

/* 'start' is kept to the second: runs of one second are ordered as they
 * were added (rowid), not as SQLite happens to return them. */
int history_series(struct history *h, const char *series, const char *start,
                   const char *uuid, const char *metric,
                   struct regress_run **out, size_t *n, struct strbuf *err)
{
    sqlite3_stmt *st = prepare(h, "SELECT r.passed, r.acked, m.value FROM "
                               "runs r LEFT JOIN metrics m ON m.uuid = "
                               "r.uuid AND m.name = ? WHERE r.series = ? AND "
                               "r.start < ? AND r.uuid != ? ORDER BY r.start, r.rowid",
                               err);
    size_t alloc = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (!st)
        return -EIO;
    sqlite3_bind_text(st, 1, metric, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, series, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, start, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, uuid, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == alloc) {
            alloc = alloc ? 2 * alloc : 16;
            *out = xrealloc(*out, alloc * sizeof **out);
        }
        (*out)[(*n)++] = (struct regress_run){
            .passed = sqlite3_column_int(st, 0) != 0,
            .acked = sqlite3_column_int(st, 1) != 0,
            .value = sqlite3_column_type(st, 2) == SQLITE_NULL
                         ? NAN : sqlite3_column_double(st, 2),
        };
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(h, err, "cannot read");
}

static json_t *text_or_null(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);

    return t ? json_string((const char *)t) : json_null();
}

/* The rows of the bound statement 'st', each made an object by 'row', in
 * order or (when 'reverse') in reverse; finalizes 'st'.  NULL with the
 * reason in 'err'. */
static json_t *rows(struct history *h, sqlite3_stmt *st,
                    json_t *(*row)(struct history *h, sqlite3_stmt *st),
                    bool reverse, struct strbuf *err)
{
    json_t *out = json_array();
    int rc;

    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (reverse)
            json_array_insert_new(out, 0, row(h, st));
        else
            json_array_append_new(out, row(h, st));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        fail(h, err, "cannot read");
        json_decref(out);
        return NULL;
    }
    return out;
}

static json_t *trend_row(struct history *h, sqlite3_stmt *st)
{
    return json_pack("{s:o, s:o, s:b, s:o, s:o}", "run_id",
                     text_or_null(st, 0), "uuid", text_or_null(st, 1),
                     "acked", sqlite3_column_int(st, 2) != 0, "value",
                     sqlite3_column_type(st, 3) == SQLITE_NULL
                         ? json_null()
                         : json_real(sqlite3_column_double(st, 3)),
                     "outcome", text_or_null(st, 4));
}

json_t *history_trend(struct history *h, const char *series,
                      const char *start, const char *metric, int last,
                      struct strbuf *err)
{
    /* The newest 'last' up to 'start', then turned oldest first. */
    sqlite3_stmt *st = prepare(h, "SELECT r.run_id, r.uuid, r.acked, "
                               "m.value, m.outcome FROM runs r LEFT JOIN "
                               "metrics m ON m.uuid = r.uuid AND m.name = ? "
                               "WHERE r.series = ? AND r.start <= ? ORDER BY "
                               "r.start DESC, r.rowid DESC LIMIT ?", err);

    if (!st)
        return NULL;
    sqlite3_bind_text(st, 1, metric, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, series, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, start, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, last > 0 ? last : -1);
    return rows(h, st, trend_row, true, err);
}

/* {name: value} of one run's metrics. */
static json_t *run_metrics(struct history *h, const char *uuid)
{
    json_t *o = json_object();
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(h->db, "SELECT name, value FROM metrics WHERE "
                           "uuid = ? ORDER BY name", -1, &st, NULL)
        != SQLITE_OK)
        return o;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_object_set_new(o, (const char *)sqlite3_column_text(st, 0),
                            sqlite3_column_type(st, 1) == SQLITE_NULL
                                ? json_null()
                                : json_real(sqlite3_column_double(st, 1)));
    sqlite3_finalize(st);
    return o;
}

static json_t *list_row(struct history *h, sqlite3_stmt *st)
{
    json_t *run = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:b, s:o, "
                            "s:o}",
                            "run_id", text_or_null(st, 0), "uuid",
                            text_or_null(st, 1), "start", text_or_null(st, 2),
                            "topology", text_or_null(st, 3), "series",
                            text_or_null(st, 4), "sut_version",
                            text_or_null(st, 5), "passed",
                            sqlite3_column_int(st, 6) != 0, "acked",
                            sqlite3_column_int(st, 7) != 0, "ack_note",
                            text_or_null(st, 8), "host", text_or_null(st, 9));

    json_object_set_new(run, "metrics", run_metrics(
        h, (const char *)sqlite3_column_text(st, 1)));
    return run;
}

json_t *history_list(struct history *h, const char *topology, int last,
                     struct strbuf *err)
{
    sqlite3_stmt *st = prepare(h, "SELECT run_id, uuid, start, topology, "
                               "series, sut_version, passed, acked, ack_note, "
                               "host FROM runs "
                               "WHERE ?1 IS NULL OR topology = ?1 "
                               "ORDER BY start DESC, rowid DESC LIMIT ?2", err);

    if (!st)
        return NULL;
    if (topology)
        sqlite3_bind_text(st, 1, topology, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, last > 0 ? last : -1);
    return rows(h, st, list_row, false, err);
}

int history_ack(struct history *h, const char *run, const char *note,
                struct strbuf *err)
{
    const char *const text[] = { note ? note : "", run };
    int rc = exec_bound(h, "UPDATE runs SET acked = 1, ack_note = ? WHERE "
                        "run_id = ?2 OR uuid = ?2", text, 2, err);

    if (rc)
        return rc;
    if (!sqlite3_changes(h->db)) {
        strbuf_addf(err, "%s: no run '%s' in the history", h->path, run);
        return -ENOENT;
    }
    return 0;
}
