#include "history_cli.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "report/bundle.h"
#include "report/history.h"
#include "report/report.h"
#include "report/site.h"
#include "run/rundir.h"

/* --db FILE, else the results folder's history.db (HISTORY_DB's default,
 * malloc'ed). */
static char *db_path(const struct cli *cli)
{
    return cli->db ? xstrdup(cli->db)
                   : xasprintf("%s/history.db",
                               rundir_results_dir(cli->results_dir));
}

/* The history to read or acknowledge in, never created: a mistyped --db
 * would be an empty history that lists nothing and knows no run.  NULL
 * with the reason printed and the exit code in *code. */
static struct history *open_db(const struct cli *cli, int *code)
{
    struct strbuf err = STRBUF_INIT;
    char *path = db_path(cli);
    struct history *h = NULL;

    if (!path_is_file(path)) {
        fprintf(stderr, "perftests: no history at '%s' (-d DIR or --db "
                "FILE)\n", path);
        *code = PT_EXIT_USAGE;
    } else if (!(h = history_open(path, false, &err))) {
        fprintf(stderr, "perftests: %s\n", err.buf);
        *code = PT_EXIT_ENV;
    }
    strbuf_dispose(&err);
    free(path);
    return h;
}

/* The figure a line shows first: what the run was searched or scanned
 * for. */
static void headline(const json_t *metrics, char *buf, size_t len)
{
    static const char *const keys[] = { "ndr_pps", "pdr_pps",
                                        "loss_free_pps" };
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < 3 && n < len; i++) {
        json_t *v = json_object_get(metrics, keys[i]);
        if (json_is_number(v))
            n += (size_t)snprintf(buf + n, len - n, "%s%s %.0f",
                                  n ? ", " : "", keys[i],
                                  json_number_value(v));
    }
}

static int list(struct history *h, const struct cli *cli)
{
    struct strbuf err = STRBUF_INIT;
    json_t *runs = history_list(h, cli->topology, cli->last, &err), *r;
    const char *series = NULL;
    size_t i;

    if (!runs) {
        fprintf(stderr, "perftests: %s\n", err.buf);
        strbuf_dispose(&err);
        return PT_EXIT_ENV;
    }
    if (cli->json) {
        char *text = json_dumps(runs, JSON_INDENT(2));
        puts(text);
        free(text);
    }
    json_array_foreach(runs, i, r) {
        const char *s = json_string_value(json_object_get(r, "series"));
        char fig[160];
        if (cli->json)
            break;
        if (!series || strcmp(series, s ?: "")) {
            printf("%sseries: %s\n", series ? "\n" : "", s ?: "?");
            printf("  %-28s %-20s %-6s %-30s %s\n", "run", "start",
                   "result", "SUT version", "headline");
            series = s ?: "";
        }
        headline(json_object_get(r, "metrics"), fig, sizeof fig);
        printf("  %-28s %-20s %-6s %-30.30s %s%s\n",
               json_string_value(json_object_get(r, "run_id")) ?: "?",
               json_string_value(json_object_get(r, "start")) ?: "?",
               json_is_true(json_object_get(r, "passed")) ? "pass" : "FAIL",
               json_string_value(json_object_get(r, "sut_version")) ?: "-",
               fig, json_is_true(json_object_get(r, "acked"))
                        ? "  [acknowledged step]" : "");
    }
    if (!cli->json && !json_array_size(runs))
        puts("no runs in the history");
    json_decref(runs);
    strbuf_dispose(&err);
    return PT_EXIT_PASS;
}

/* A CSV field: quoted when it must be (RFC 4180). */
static void csv_field(const char *v, bool last)
{
    if (v && strpbrk(v, ",\"\n")) {
        putchar('"');
        for (const char *c = v; *c; c++) {
            if (*c == '"')
                putchar('"');
            putchar(*c);
        }
        putchar('"');
    } else {
        fputs(v ? v : "", stdout);
    }
    putchar(last ? '\n' : ',');
}

/* history export --csv: a row per run, oldest first, a column per metric,
 * as Apache Otava reads a CSV (a time column, attributes, metrics), so
 * that a second tool can check our verdicts. */
static int export_csv(struct history *h, const struct cli *cli)
{
    struct strbuf err = STRBUF_INIT;
    json_t *runs = history_list(h, cli->topology, cli->last, &err), *r, *v;
    json_t *names = json_object();
    const char *name;
    size_t i;

    if (!runs) {
        fprintf(stderr, "perftests: %s\n", err.buf);
        strbuf_dispose(&err);
        return PT_EXIT_ENV;
    }
    json_array_foreach(runs, i, r)
        json_object_foreach(json_object_get(r, "metrics"), name, v)
            json_object_set_new(names, name, json_true());
    fputs("time,run_id,uuid,topology,sut_version,passed,acked", stdout);
    json_object_foreach(names, name, v)
        printf(",%s", name);
    putchar('\n');
    for (i = json_array_size(runs); i-- > 0;) {
        r = json_array_get(runs, i);
        csv_field(json_string_value(json_object_get(r, "start")), false);
        csv_field(json_string_value(json_object_get(r, "run_id")), false);
        csv_field(json_string_value(json_object_get(r, "uuid")), false);
        csv_field(json_string_value(json_object_get(r, "topology")), false);
        csv_field(json_string_value(json_object_get(r, "sut_version")),
                  false);
        printf("%d,%d", json_is_true(json_object_get(r, "passed")),
               json_is_true(json_object_get(r, "acked")));
        json_object_foreach(names, name, v) {
            json_t *m = json_object_get(json_object_get(r, "metrics"), name);
            if (json_is_number(m))
                printf(",%.6g", json_number_value(m));
            else
                putchar(',');
        }
        putchar('\n');
    }
    json_decref(names);
    json_decref(runs);
    strbuf_dispose(&err);
    return PT_EXIT_PASS;
}

/* The headline metrics of 'summary', each with the verdict its host gave
 * it when the run was judged (summary.json's "regression" section), so
 * that the trend graphs of an importing history mark the same runs. */
static json_t *judged_metrics(const json_t *summary)
{
    json_t *metrics = report_metrics(json_object_get(summary, "result"));
    json_t *judged = json_object_get(json_object_get(summary, "regression"),
                                     "metrics"), *m, *j;
    size_t i, k;

    json_array_foreach(metrics, i, m)
        json_array_foreach(judged, k, j)
            if (json_equal(json_object_get(m, "name"),
                           json_object_get(j, "name"))
                && json_is_string(json_object_get(j, "outcome")))
                json_object_set(m, "outcome", json_object_get(j, "outcome"));
    return metrics;
}

int history_cli_import_one(const char *db, const char *arg,
                           unsigned long long max_bytes, struct strbuf *err)
{
    /* A bundle is input from anywhere: bounded as the site bounds one. */
    const struct bundle_policy policy = { .max_bytes = max_bytes,
                                          .max_members = SITE_MAX_MEMBERS };
    size_t len = strlen(arg);
    bool bundle = len > 7 && !strcmp(arg + len - 7, ".tar.gz");
    char tmp[] = "/tmp/pt-import-XXXXXX";
    char *dir = NULL, *path;
    struct report r;
    json_t *summary, *section;
    int rc;

    if (bundle) {
        if (!mkdtemp(tmp)) {
            rc = -errno;
            strbuf_addf(err, "cannot make a folder to unpack into: %s",
                        strerror(errno));
            return rc;
        }
        /* Whatever the reason, a bundle that does not unpack is not one
         * we take: the input's fault, as the site counts it. */
        if (bundle_extract_checked(arg, tmp, &policy, &dir, err)) {
            rc = -EINVAL;
            goto out;
        }
    }
    if (report_load(&r, dir ? dir : arg, err)) {
        rc = -EINVAL;
        goto out;
    }
    path = xasprintf("%s/summary.json", r.dir);
    summary = json_load_file(path, 0, NULL);
    free(path);
    if (!json_is_object(json_object_get(summary, "result"))) {
        strbuf_addf(err, "'%s' has no report (summary.json): 'perftests "
                    "report' makes it", arg);
        rc = -EINVAL;
    } else if (!report_uuid(&r)) {
        if (bundle)
            strbuf_addf(err, "'%s': %s/metadata.json: no uuid", arg,
                        strrchr(r.dir, '/') + 1);
        else
            strbuf_addf(err, "%s/metadata.json: no uuid", arg);
        rc = -EINVAL;
    } else {
        char *series = report_series_key(&r);
        section = json_pack("{s:s, s:s, s:o}", "db", db, "series", series,
                            "metrics", judged_metrics(summary));
        free(series);
        rc = report_history_record(&r, section, json_is_true(json_object_get(
            json_object_get(summary, "verdict"), "pass")));
        if (rc)
            strbuf_addf(err, "'%s' could not be added to '%s'", arg, db);
        json_decref(section);
    }
    json_decref(summary);
    report_release(&r);
out:
    if (bundle && remove_tree(tmp))
        fprintf(stderr, "perftests: cannot remove '%s'\n", tmp);
    free(dir);
    return rc;
}

bool history_cli_is_import(const struct cli *cli)
{
    return cli->n_args >= 2 && !strcmp(cli->args[0], "import");
}

int history_cli_import(const struct cli *cli, unsigned long long max_bytes)
{
    struct strbuf err = STRBUF_INIT;
    char *db = db_path(cli);
    int bad = 0, env = 0, rc;

    for (int i = 1; i < cli->n_args; i++) {
        strbuf_reset(&err);
        rc = history_cli_import_one(db, cli->args[i], max_bytes, &err);
        if (rc) {
            fprintf(stderr, "perftests: history import: %s\n", err.buf);
            bad += rc == -EINVAL;
            env += rc != -EINVAL;
        } else {
            printf("imported %s\n", cli->args[i]);
        }
    }
    free(db);
    strbuf_dispose(&err);
    /* A history that cannot be written fails every run alike: said
     * first, whatever the runs were. */
    return env ? PT_EXIT_ENV : bad ? PT_EXIT_USAGE : PT_EXIT_PASS;
}

int history_cli_history(const struct cli *cli)
{
    struct strbuf err = STRBUF_INIT;
    struct history *h;
    int rc;

    bool export = cli->n_args == 1 && !strcmp(cli->args[0], "export");

    if (cli->n_args && !export
        && (strcmp(cli->args[0], "ack") || cli->n_args != 2)) {
        fprintf(stderr, "perftests: history: expected no argument, ack RUN "
                "--note TEXT, export --csv, or import DIR|BUNDLE...\n");
        return PT_EXIT_USAGE;
    }
    if (export && !cli->csv) {
        fprintf(stderr, "perftests: history export: --csv says the format "
                "(the only one)\n");
        return PT_EXIT_USAGE;
    }
    if (cli->n_args && !export && !cli->note) {
        fprintf(stderr, "perftests: history ack: --note TEXT says what "
                "changed\n");
        return PT_EXIT_USAGE;
    }
    if (!(h = open_db(cli, &rc)))
        return rc;
    if (!cli->n_args) {
        rc = list(h, cli);
    } else if (export) {
        rc = export_csv(h, cli);
    } else if ((rc = history_ack(h, cli->args[1], cli->note, &err))) {
        fprintf(stderr, "perftests: %s\n", err.buf);
        rc = rc == -ENOENT ? PT_EXIT_USAGE : PT_EXIT_ENV;
    } else {
        printf("%s: acknowledged; baselines restart there\n", cli->args[1]);
    }
    history_close(h);
    strbuf_dispose(&err);
    return rc;
}

static json_t *find(json_t *runs, const char *id)
{
    json_t *r;
    size_t i;

    json_array_foreach(runs, i, r)
        if (!strcmp(json_string_value(json_object_get(r, "run_id")) ?: "", id)
            || !strcmp(json_string_value(json_object_get(r, "uuid")) ?: "",
                       id))
            return r;
    return NULL;
}

int history_cli_compare(const struct cli *cli)
{
    struct strbuf err = STRBUF_INIT;
    struct history *h;
    json_t *runs, *a, *b, *v, *out;
    const char *name;
    int rc = PT_EXIT_PASS;

    if (!(h = open_db(cli, &rc)))
        return rc;
    runs = history_list(h, NULL, 0, &err);
    history_close(h);
    if (!runs) {
        fprintf(stderr, "perftests: %s\n", err.buf);
        strbuf_dispose(&err);
        return PT_EXIT_ENV;
    }
    a = find(runs, cli->args[0]);
    b = find(runs, cli->args[1]);
    if (!a || !b) {
        fprintf(stderr, "perftests: compare: no run '%s' in the history\n",
                cli->args[!a ? 0 : 1]);
        json_decref(runs);
        return PT_EXIT_USAGE;
    }
    out = json_array();
    json_object_foreach(json_object_get(a, "metrics"), name, v) {
        double x = json_number_value(v);
        json_t *w = json_object_get(json_object_get(b, "metrics"), name);
        double y = w ? json_number_value(w) : NAN;
        double change = x != 0 && isfinite(y) ? 100 * (y - x) / fabs(x) : NAN;
        json_array_append_new(out, json_pack("{s:s, s:f, s:o, s:o}", "name",
            name, "a", x, "b", isfinite(y) ? json_real(y) : json_null(),
            "change_pct", isfinite(change) ? json_real(change) : json_null()));
    }
    if (cli->json) {
        char *text = json_dumps(out, JSON_INDENT(2));
        puts(text);
        free(text);
    } else {
        size_t i;
        json_t *m;
        printf("%-24s %16s %16s %10s\n", "metric", cli->args[0] + (strlen(
               cli->args[0]) > 16 ? strlen(cli->args[0]) - 16 : 0),
               cli->args[1] + (strlen(cli->args[1]) > 16
                                   ? strlen(cli->args[1]) - 16 : 0),
               "change");
        json_array_foreach(out, i, m) {
            json_t *c = json_object_get(m, "change_pct");
            printf("%-24s %16.1f %16.1f %9.1f%%\n",
                   json_string_value(json_object_get(m, "name")),
                   json_number_value(json_object_get(m, "a")),
                   json_number_value(json_object_get(m, "b")),
                   json_is_number(c) ? json_number_value(c) : 0);
        }
    }
    json_decref(out);
    json_decref(runs);
    strbuf_dispose(&err);
    return rc;
}
