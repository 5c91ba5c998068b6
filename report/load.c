/* Loading a run directory for the report, and the helpers the outputs
 * share. */
#include "report/report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

LOG_MODULE("report");

#define LOG_TAIL_BYTES 16384    /* of run.log, into JUnit's system-out */

/* One CSV field starting at *p (RFC 4180: quoted fields double their
 * quotes and may hold commas and newlines).  Advances *p past the field
 * and its separator; *end_of_row tells whether a newline (or the end)
 * followed.  -EINVAL on an unterminated quote. */
static int csv_field(const char **p, struct strbuf *out, bool *end_of_row)
{
    const char *s = *p;

    strbuf_reset(out);
    if (*s == '"') {
        for (s++;; s++) {
            if (!*s)
                return -EINVAL;
            if (*s == '"' && s[1] == '"')
                strbuf_addch(out, *s++);
            else if (*s == '"')
                break;
            else
                strbuf_addch(out, *s);
        }
        s++;
    } else {
        size_t n = strcspn(s, ",\r\n");
        strbuf_add(out, s, n);
        s += n;
    }
    if (*s == '\r')
        s++;
    *end_of_row = *s != ',';
    if (*s == ',' || *s == '\n')
        s++;
    *p = s;
    return 0;
}

/* A number when the whole field is one, else the string. */
static json_t *csv_value(const char *field)
{
    char *end;
    double v;

    if (!*field)
        return json_string("");
    v = strtod(field, &end);
    if (*end || end == field || isnan(v) || isinf(v))
        return json_string(field);
    /* "12" stays an integer: steps and counts read as such. */
    if (!strpbrk(field, ".eEnN") && fabs(v) < 9e15)
        return json_integer((json_int_t)v);
    return json_real(v);
}

/* The line 'at' is on, counting from 1. */
static int line_of(const char *text, const char *at)
{
    int line = 1;

    for (const char *c = text; c < at; c++)
        line += *c == '\n';
    return line;
}

/* One row into *row: every field of the header, no more, no less.
 * Advances *p past it; false for a torn row. */
static bool parse_row(const char **p, json_t *names, json_t **row,
                      struct strbuf *f)
{
    size_t col = 0;
    bool eol = false;

    *row = json_object();
    for (; !eol; col++) {
        if (csv_field(p, f, &eol) || col >= json_array_size(names))
            break;
        json_object_set_new(*row, json_string_value(json_array_get(names,
                                                                   col)),
                            csv_value(f->buf));
    }
    if (eol && col == json_array_size(names))
        return true;
    json_decref(*row);
    *row = NULL;
    return false;
}

json_t *report_parse_csv(const char *text, size_t *skipped,
                         struct strbuf *err)
{
    struct strbuf f = STRBUF_INIT;
    json_t *names = json_array(), *rows = json_array();
    const char *p = text;
    bool eol = false;

    *skipped = 0;
    while (*p && !eol) {
        if (csv_field(&p, &f, &eol)) {
            strbuf_addstr(err, "line 1: the header is torn");
            json_decref(rows);
            rows = NULL;
            goto out;
        }
        json_array_append_new(names, json_string(f.buf));
    }
    /* A torn row (a write cut short, a disk that filled) costs that row
     * only: the parse goes on from the next line, and says where. */
    while (*p) {
        const char *start = p;
        json_t *row;
        if (parse_row(&p, names, &row, &f)) {
            json_array_append_new(rows, row);
            continue;
        }
        const char *nl = strchr(start, '\n');
        strbuf_addf(err, "%sline %d: a torn row, skipped: expected %zu "
                    "comma-separated fields", err->len ? "; " : "",
                    line_of(text, start), json_array_size(names));
        (*skipped)++;
        p = nl ? nl + 1 : start + strlen(start);
    }
out:
    strbuf_dispose(&f);
    json_decref(names);
    return rows;
}

static json_t *load_json(const char *dir, const char *name, bool *missing,
                         struct strbuf *err)
{
    char *path = xasprintf("%s/%s", dir, name);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);

    *missing = !j && access(path, F_OK);
    if (!j && !*missing)
        strbuf_addf(err, "%s:%d:%d: %s", path, je.line, je.column, je.text);
    free(path);
    return j;
}

/* GRAPH_WIDTH or GRAPH_HEIGHT as metadata.json has it.  A run records
 * only what the settings table allowed (its range is repeated here: the
 * report does not see the run's rooms), so a figure out of it comes from
 * a file no run wrote and gets the default: librrd would be asked for a
 * 1e9-pixel graph, and a cast of 1e300 to int is undefined. */
static int graph_size(const struct report *r, const char *key, int min,
                      int max, int dflt)
{
    double v = report_setting_num(r, key, dflt);

    return v >= min && v <= max ? (int)v : dflt;
}

int report_load(struct report *r, const char *dir, struct strbuf *err)
{
    struct strbuf text = STRBUF_INIT;
    char *path;
    bool missing;

    memset(r, 0, sizeof *r);
    r->dir = xstrdup(dir);
    r->graphs = json_array();
    r->trends = json_array();
    r->meta = load_json(dir, "metadata.json", &missing, err);
    if (!r->meta) {
        if (missing)
            strbuf_addf(err, "'%s' is not a run directory (no metadata.json)",
                        dir);
        return -ENOENT;
    }
    /* A run that failed early has no collectors or trials: still a
     * report, with what there is. */
    r->collectors = load_json(dir, "collectors.json", &missing, err);
    r->snapshot = load_json(dir, "snapshot/snapshot.json", &missing, err);
    path = xasprintf("%s/trials.csv", dir);
    if (!strbuf_read_file(&text, path)) {
        struct strbuf why = STRBUF_INIT;
        r->trials = report_parse_csv(text.buf, &r->torn_rows, &why);
        if (why.len) {
            r->torn_why = xasprintf("trials.csv: %s", why.buf);
            LOG_WARN("%s: %s", path, why.buf);
        }
        strbuf_dispose(&why);
    }
    if (!r->trials)
        r->trials = json_array();
    free(path);
    strbuf_reset(&text);
    path = xasprintf("%s/run.log", dir);
    if (!strbuf_read_file(&text, path)) {
        size_t from = text.len > LOG_TAIL_BYTES ? text.len - LOG_TAIL_BYTES
                                                : 0;
        r->log_tail = xstrdup(text.buf + from);
    }
    free(path);
    strbuf_dispose(&text);
    r->width = graph_size(r, "GRAPH_WIDTH", 200, 10000, 1400);
    r->height = graph_size(r, "GRAPH_HEIGHT", 100, 5000, 500);
    return 0;
}

void report_release(struct report *r)
{
    free(r->dir);
    free(r->log_tail);
    free(r->torn_why);
    json_decref(r->meta);
    json_decref(r->collectors);
    json_decref(r->snapshot);
    json_decref(r->trials);
    json_decref(r->graphs);
    json_decref(r->trends);
    json_decref(r->summary);
    memset(r, 0, sizeof *r);
}

json_t *report_setting(const struct report *r, const char *key)
{
    return json_object_get(json_object_get(json_object_get(r->meta,
                                                           "settings"), key),
                           "value");
}

double report_setting_num(const struct report *r, const char *key,
                          double dflt)
{
    json_t *v = report_setting(r, key);

    return json_is_number(v) ? json_number_value(v) : dflt;
}

double report_num(const json_t *trial, const char *key)
{
    json_t *v = json_object_get(trial, key);

    return json_is_number(v) ? json_number_value(v) : NAN;
}

int report_write_file(const struct report *r, const char *name,
                      const char *text, size_t len, struct strbuf *err)
{
    char *path = xasprintf("%s/%s", r->dir, name);
    int rc = write_file_atomic(path, text, len);

    if (rc)
        strbuf_addf(err, "cannot write '%s': %s", path, strerror(-rc));
    free(path);
    return rc;
}

void report_escape(struct strbuf *sb, const char *text)
{
    for (const unsigned char *c = (const unsigned char *)(text ? text : "");
         *c; c++) {
        switch (*c) {
        case '<': strbuf_addstr(sb, "&lt;"); break;
        case '>': strbuf_addstr(sb, "&gt;"); break;
        case '&': strbuf_addstr(sb, "&amp;"); break;
        case '"': strbuf_addstr(sb, "&quot;"); break;
        case '\'': strbuf_addstr(sb, "&#39;"); break;
        default:
            if (*c < 0x20 && *c != '\n' && *c != '\t' && *c != '\r')
                strbuf_addstr(sb, "\xef\xbf\xbd");
            else
                strbuf_addch(sb, (char)*c);
        }
    }
}
