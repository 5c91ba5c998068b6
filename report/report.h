/* The report (DESIGN.md steps 15-16): everything a person or Jenkins
 * reads after a run, made from the run directory alone, so that
 * `perftests report RUN_DIR` regenerates it anywhere.
 *
 * Every output is one `struct report_output` in the table of report.c;
 * they run in order, and a later one may use what an earlier one left in
 * the report (the graphs made, the summary). */
#ifndef PT_REPORT_H
#define PT_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "lib/strbuf.h"

/* What the outputs read: loaded by report_load(). */
struct report {
    char *dir;                  /* the run directory */
    json_t *meta;               /* metadata.json ({} when missing) */
    json_t *collectors;         /* collectors.json, or NULL */
    json_t *snapshot;           /* snapshot/snapshot.json, or NULL */
    json_t *trials;             /* trials.csv: an array of objects, numbers
                                   as numbers, "phase" and "note" strings */
    char *log_tail;             /* the end of run.log, for JUnit */
    size_t torn_rows;           /* rows of trials.csv skipped as torn */
    char *torn_why;             /* which, by line; NULL when none */
    int width, height;          /* GRAPH_WIDTH x GRAPH_HEIGHT */
    /* The history to judge against and record into, set by the caller
     * after report_load(): the run's own HISTORY_DB, or --db.  NULL: only
     * a "<results>/..." HISTORY_DB the run recorded is used, next to the
     * run directory; a run directory is input (a bundle from anywhere),
     * and must not make `perftests report` write a database elsewhere. */
    const char *history_db;
    /* Filled as the outputs run. */
    json_t *graphs;             /* [{"file", "title"}] of the PNGs made */
    json_t *summary;            /* summary.json's root */
    json_t *trends;             /* [{"file", "title"}] of the trend PNGs */
};

struct report_output {
    const char *name;           /* "graphs", "summary", ... */
    /* Writes its file(s) into r->dir.  0 or -errno with the reason. */
    int (*make)(struct report *r, struct strbuf *err);
};

/* Loads the run directory; -errno with the reason when there is no run
 * there (no metadata.json). */
int report_load(struct report *r, const char *dir, struct strbuf *err);
void report_release(struct report *r);

/* Every output, in order.  One that fails is a warning naming it; the
 * rest still run.  Returns the verdict: true when the run passed. */
bool report_make(struct report *r);

/* The outputs (each in its own file). */
extern const struct report_output report_graphs, report_summary,
    report_testspec, report_junit, report_html, report_trends;

/* --- helpers the outputs share --- */
/* A setting's value as the run recorded it in metadata.json, or NULL. */
json_t *report_setting(const struct report *r, const char *key);
double report_setting_num(const struct report *r, const char *key,
                          double dflt);
/* A trial's number field, NaN when missing. */
double report_num(const json_t *trial, const char *key);
/* Writes 'text' to <dir>/<name> (via a temporary file and rename, so a
 * reader never sees half a file).  0 or -errno with the reason. */
int report_write_file(const struct report *r, const char *name,
                      const char *text, size_t len, struct strbuf *err);
/* Appends 'text' escaped for XML and HTML text and attributes; bytes
 * XML 1.0 does not allow (control characters) become U+FFFD. */
void report_escape(struct strbuf *sb, const char *text);
/* A search figure (summary.json's result.ndr or .pdr) as people read it:
 * "42188 pps (between 42000 and 42200 pps)", or "≥ X pps, limited by
 * the generator (why)" when the harness, not the datapath, set it. */
void report_bound_text(const json_t *bound, struct strbuf *out);
/* junit.xml's pieces: a <testsuite> opened, and a <testcase> with a
 * <failure> when 'failure' is not NULL (the A/B report's too). */
void report_junit_suite(struct strbuf *x, const char *name, size_t tests,
                        size_t failures, double secs);
void report_junit_testcase(struct strbuf *x, const char *classname,
                           const char *name, double secs,
                           const char *failure);
/* index.html's style sheet, which the A/B page shares. */
extern const char report_html_css[];
/* index.html's "Latency under load": a table and an inline SVG graph of
 * result.latency_at_load; nothing when there is none. */
void report_html_latency(struct strbuf *h, const struct report *r);
/* A graph drawn by librrd (graph.c), as `rrdtool graph` takes it: begun
 * with the file, title, axis and time range and the report's size,
 * then DEF/LINE/RULE arguments added one by one, then drawn. */
#define REPORT_GRAPH_ARGS 96
struct report_graph {
    struct strbuf a[REPORT_GRAPH_ARGS];
    int n;
};
void report_graph_begin(struct report_graph *g, const struct report *r,
                        const char *file, const char *title,
                        const char *vlabel, time_t from, time_t to);
/* The next argument, empty, to be written. */
struct strbuf *report_graph_arg(struct report_graph *g);
/* Draws it when 'draw' (else only frees): 0, 1 when not drawn, or -EIO
 * with librrd's reason in 'err'. */
int report_graph_end(struct report_graph *g, bool draw, struct strbuf *err);
/* The trend graphs (trend.c) into r->dir: rrd/trend.rrd and a
 * trend-<name>.png per metric of 'metrics' ([{"name", "unit",
 * "baseline_median" (may be missing)}]) whose history_trend() rows are
 * trend[k], each appended to r->trends; the rightmost run's rule is called
 * 'last_label'.  Nothing for fewer than two runs.  0, or -EIO with the
 * first graph's reason in 'err'. */
int report_trend_draw(struct report *r, const json_t *metrics,
                      json_t *const *trend, size_t n, const char *last_label,
                      struct strbuf *err);
/* The history (regression.c): the headline metrics of a result
 * ([{"name", "value", "unit", "better"}], a search figure also with
 * "resolution_pct", its bounds' width in % of it), the series key of the run, and
 * the "regression" section of summary.json: each metric judged against
 * the series' earlier runs in HISTORY_DB ({"checked", "db", "series",
 * "metrics", "regressed", "improved", "note"}). */
json_t *report_metrics(const json_t *res);
char *report_series_key(const struct report *r);
json_t *report_regression(const struct report *r, const json_t *res);
/* The run's uuid (metadata.json's), or NULL when it has none or one that
 * is not a safe name (site_name_safe()). */
const char *report_uuid(const struct report *r);
/* Adds the run, with its outcome, to the history the section names
 * ("db"; none: nothing to do).  0, -EINVAL when the run has no uuid
 * (report_uuid()), or -EIO; logged with the file. */
int report_history_record(const struct report *r, const json_t *section,
                          bool passed);
/* Parses an RFC 4180 CSV text with a header line into an array of
 * objects; numeric fields become numbers.  A torn row (not the header's
 * number of fields, an open quote) is skipped, counted in *skipped and
 * named by its line in 'err'; the rows after it are kept.  NULL only
 * when the header itself is torn. */
json_t *report_parse_csv(const char *text, size_t *skipped,
                         struct strbuf *err);

#endif
