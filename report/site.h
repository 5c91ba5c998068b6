/* The lab site (issue 18): posted bundles checked and unpacked into
 * <site>/runs/<run id>/, and static pages over them and the lab's
 * history: index.html (every run, newest first, filterable), a page per
 * series with its trend graphs, a page per host.  nginx serves the folder
 * as it is; there is no server code of ours.
 *
 * Bundles come from anyone who can post: site_unpack() trusts nothing in
 * one, and every text of a run on a page goes through report_escape(). */
#ifndef PT_SITE_H
#define PT_SITE_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/strbuf.h"

/* Whether 'rel' (a path below a run directory, "" for the directory
 * itself) is a file or folder that a run makes: the run's own files, the
 * graphs, rrd/NAME.rrd, the snapshot/ and sut/ files; each component of
 * [A-Za-z0-9._-], not starting with a dot. */
bool site_member_allowed(const char *rel, bool dir);
/* A name fit to be a folder and a URL: [A-Za-z0-9._-], 1 to 128 of them,
 * not starting with '.' or '-'. */
bool site_name_safe(const char *name);

/* The most members a bundle may have: a run makes a few dozen files
 * (smaps of each SUT process included); this only bounds the work of a
 * bundle made of empty members. */
#define SITE_MAX_MEMBERS 10000

enum site_unpacked {
    SITE_NEW,           /* unpacked into <site>/runs/<id> */
    SITE_SEEN,          /* that run (same uuid) was there: nothing done */
    SITE_FAILED,        /* with an error: the site's own (a folder it
                         * cannot make or move into, a history it cannot
                         * read), not the bundle's */
};
/* Checks the bundle 'path' and unpacks it into <site>/runs/<run id>/
 * (through a folder of its own under runs/, renamed into place, so a
 * reader never sees half a run), at most 'max_bytes' unpacked.  A run
 * whose uuid the site's history 'db' (which need not exist yet) has under
 * another run id is refused.  Sets *run_dir (malloc'ed) and *what.  A
 * refused bundle leaves nothing on the site: -errno with the reason in
 * 'err'. */
int site_unpack(const char *site, const char *db, const char *path,
                unsigned long long max_bytes, char **run_dir,
                enum site_unpacked *what, struct strbuf *err);

/* The pages, written whole (each through a temporary file and rename)
 * from the history at 'db' and the runs under <site>/runs/.  0 or -errno
 * with the reason. */
int site_build(const char *site, const char *db, struct strbuf *err);

/* --- between site.c and site_pages.c --- */
/* A short stable file name for any text (a series key, a host name):
 * 16 hex digits of its FNV-1a hash, into 'out' (17 bytes). */
void site_hash_name(const char *text, char out[17]);
/* Appends a page's head and its end. */
void site_page_begin(struct strbuf *h, const char *title, const char *up);
void site_page_end(struct strbuf *h);
/* A table of 'runs' (history_list()'s rows, each with "host"), newest
 * first; 'prefix' is the way from the page to the site's top ("" or
 * "../"), 'filters' adds the host and topology selects and their script. */
void site_runs_table(struct strbuf *h, const char *site, const json_t *runs,
                     const char *prefix, bool filters);
/* series/<hash>.html, the page of one series: its trend graphs over its
 * last SITE_TREND_RUNS runs in 'hist' (drawn by report/trend.c into
 * series/<hash>/), the runs whose figures regressed when they were judged,
 * and its runs (of 'runs', every run's history_list() row).  0 or
 * -errno with the reason. */
struct history;
int site_series_page(const char *site, struct history *hist,
                     const char *series, const json_t *runs,
                     struct strbuf *err);
/* Writes 'text' to <site>/<name> whole.  0 or -errno with the reason. */
int site_write(const char *site, const char *name, const struct strbuf *text,
               struct strbuf *err);

#endif
