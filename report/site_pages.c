/* The lab site's pages (site.h): index.html, a page per host, and the
 * driver that writes them and the series pages (site_series.c) from the
 * history.  Every text that came in a bundle (host names, versions, run
 * ids, notes) is escaped; a run is linked only when its folder is on the
 * site under a safe name. */
#include "report/site.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "report/history.h"
#include "report/report.h"

/* The figures a row shows: what the run was searched or scanned for. */
static const char *const headline[] = { "ndr_pps", "pdr_pps",
                                        "loss_free_pps" };

void site_hash_name(const char *text, char out[17])
{
    unsigned long long h = 0xcbf29ce484222325ULL;

    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        h = (h ^ *c) * 0x100000001b3ULL;
    snprintf(out, 17, "%016llx", h);
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

void site_page_begin(struct strbuf *h, const char *title, const char *up)
{
    strbuf_addstr(h, "<!DOCTYPE html>\n<html><head><meta charset=utf-8>"
                     "<title>");
    report_escape(h, title);
    strbuf_addf(h, "</title><style>%s</style></head>\n<body><header "
                "class=pass><h1>", report_html_css);
    report_escape(h, title);
    strbuf_addstr(h, "</h1>");
    if (up)
        strbuf_addf(h, "<div><a style=\"color:#fff\" href=\"%sindex.html\">"
                       "all runs</a></div>", up);
    strbuf_addstr(h, "</header><main>\n");
}

void site_page_end(struct strbuf *h)
{
    strbuf_addstr(h, "</main></body></html>\n");
}

int site_write(const char *site, const char *name, const struct strbuf *text,
               struct strbuf *err)
{
    char *path = xasprintf("%s/%s", site, name);
    int rc = write_file_atomic(path, text->buf, text->len);

    if (rc)
        strbuf_addf(err, "cannot write '%s': %s", path, strerror(-rc));
    free(path);
    return rc;
}

/* The distinct values of 'key' among 'runs', as a <select> that the
 * page's script filters the rows by. */
static void filter_select(struct strbuf *h, const json_t *runs,
                          const char *key, const char *label)
{
    json_t *seen = json_object(), *r;
    const char *v;
    size_t i;

    json_array_foreach(runs, i, r)
        if ((v = str(r, key)))
            json_object_set_new(seen, v, json_true());
    strbuf_addf(h, "<label>%s <select data-key=\"%s\" onchange=\"ptFilter()\">"
                   "<option value=\"\">all</option>", label, key);
    json_object_foreach(seen, v, r) {
        strbuf_addstr(h, "<option value=\"");
        report_escape(h, v);
        strbuf_addstr(h, "\">");
        report_escape(h, v);
        strbuf_addstr(h, "</option>");
    }
    strbuf_addstr(h, "</select></label> ");
    json_decref(seen);
}

/* Hides the rows whose data-host or data-topology is not the one picked;
 * ?host=H&topology=T in the page's address picks them first (the host
 * pages link there).  The values are compared as the browser decoded them
 * from the escaped attributes, on both sides; nothing of them is ever
 * made into markup. */
static const char filter_script[] =
    "<script>function ptFilter(){var s=document.querySelectorAll("
    "'select[data-key]');document.querySelectorAll('tr[data-host]')"
    ".forEach(function(r){var show=true;s.forEach(function(x){if(x.value&&"
    "r.getAttribute('data-'+x.dataset.key)!==x.value)show=false;});"
    "r.hidden=!show;});}\n"
    "document.addEventListener('DOMContentLoaded',function(){var q=new "
    "URLSearchParams(location.search);document.querySelectorAll("
    "'select[data-key]').forEach(function(x){var v=q.get(x.dataset.key);"
    "if(v!==null)x.value=v;});ptFilter();});</script>\n";

static void cell(struct strbuf *h, const char *text)
{
    strbuf_addstr(h, "<td class=l>");
    report_escape(h, text ? text : "");
    strbuf_addstr(h, "</td>");
}

/* A cell linking to 'href' (already safe: built of hashes and checked
 * names) showing 'text' escaped. */
static void link_cell(struct strbuf *h, const char *href, const char *text)
{
    strbuf_addf(h, "<td class=l><a href=\"%s\">", href);
    report_escape(h, text ? text : "");
    strbuf_addstr(h, "</a></td>");
}

static void run_row(struct strbuf *h, const char *site, const json_t *r,
                    const char *prefix)
{
    const char *id = str(r, "run_id"), *host = str(r, "host");
    json_t *metrics = json_object_get(r, "metrics");
    bool pass = json_is_true(json_object_get(r, "passed"));
    char hash[17];
    char *dir = id && site_name_safe(id)
                    ? xasprintf("%s/runs/%s/index.html", site, id) : NULL;

    strbuf_addf(h, "<tr%s data-host=\"", pass ? "" : " class=bad");
    report_escape(h, host ? host : "");
    strbuf_addstr(h, "\" data-topology=\"");
    report_escape(h, str(r, "topology") ?: "");
    strbuf_addstr(h, "\">");
    cell(h, str(r, "start"));
    site_hash_name(host ? host : "", hash);
    char *href = xasprintf("%shosts/%s.html", prefix, hash);
    link_cell(h, href, host ? host : "?");
    free(href);
    cell(h, str(r, "topology"));
    cell(h, str(r, "sut_version"));
    strbuf_addf(h, "<td class=l>%s%s</td>", pass ? "pass" : "FAIL",
                json_is_true(json_object_get(r, "acked")) ? " (step)" : "");
    for (size_t k = 0; k < ARRAY_SIZE(headline); k++) {
        json_t *v = json_object_get(metrics, headline[k]);
        if (json_is_number(v) && isfinite(json_number_value(v)))
            strbuf_addf(h, "<td>%.0f</td>", json_number_value(v));
        else
            strbuf_addstr(h, "<td></td>");
    }
    if (dir && path_is_file(dir)) {
        href = xasprintf("%sruns/%s/index.html", prefix, id);
        link_cell(h, href, id);
        free(href);
    } else {
        cell(h, id);
    }
    site_hash_name(str(r, "series") ?: "", hash);
    strbuf_addf(h, "<td class=l><a href=\"%sseries/%s.html\">trend</a></td>"
                   "</tr>\n", prefix, hash);
    free(dir);
}

void site_runs_table(struct strbuf *h, const char *site, const json_t *runs,
                     const char *prefix, bool filters)
{
    json_t *r;
    size_t i;

    if (filters) {
        strbuf_addstr(h, filter_script);
        strbuf_addstr(h, "<p>");
        filter_select(h, runs, "host", "host");
        filter_select(h, runs, "topology", "topology");
        strbuf_addstr(h, "</p>\n");
    }
    strbuf_addstr(h, "<table id=runs><tr><th class=l>start</th><th class=l>"
                     "host</th><th class=l>topology</th><th class=l>SUT "
                     "version</th><th class=l>verdict</th><th>NDR pps</th>"
                     "<th>PDR pps</th><th>loss-free pps</th><th class=l>run"
                     "</th><th class=l>series</th></tr>\n");
    json_array_foreach(runs, i, r)
        run_row(h, site, r, prefix);
    strbuf_addstr(h, "</table>\n");
}

/* 'text' percent-encoded for a URL's query (RFC 3986: all but the
 * unreserved characters), so that it needs no further escaping. */
static void url_encode(struct strbuf *h, const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        if (strchr("-._~", *c) || (*c >= '0' && *c <= '9')
            || ((*c | 0x20) >= 'a' && (*c | 0x20) <= 'z'))
            strbuf_addch(h, (char)*c);
        else
            strbuf_addf(h, "%%%02X", *c);
}

/* hosts/<hash>.html: the host's runs and the series it ran. */
static int host_page(const char *site, const char *host, const json_t *runs,
                     struct strbuf *err)
{
    struct strbuf h = STRBUF_INIT;
    json_t *mine = json_array(), *series = json_object(), *r;
    char hash[17], *name, *title = xasprintf("perftests: host %s", host);
    const char *s;
    size_t i;
    int rc;

    json_array_foreach(runs, i, r)
        if (!strcmp(str(r, "host") ?: "", host)) {
            json_array_append(mine, r);
            json_object_set(series, str(r, "series") ?: "", r);
        }
    site_page_begin(&h, title, "../");
    strbuf_addstr(&h, "<p><a href=\"../index.html?host=");
    url_encode(&h, host);
    strbuf_addstr(&h, "\">the index, this host's runs only</a></p>\n"
                      "<h2>Series</h2><ul>");
    json_object_foreach(series, s, r) {
        site_hash_name(s, hash);
        strbuf_addf(&h, "<li><a href=\"../series/%s.html\">", hash);
        report_escape(&h, str(r, "topology") ?: "?");
        strbuf_addstr(&h, "</a>: ");
        report_escape(&h, s);
        strbuf_addstr(&h, "</li>");
    }
    strbuf_addf(&h, "</ul><h2>Runs (%zu)</h2>\n", json_array_size(mine));
    site_runs_table(&h, site, mine, "../", false);
    site_page_end(&h);
    site_hash_name(host, hash);
    name = xasprintf("hosts/%s.html", hash);
    rc = site_write(site, name, &h, err);
    free(name);
    free(title);
    json_decref(series);
    json_decref(mine);
    strbuf_dispose(&h);
    return rc;
}

static int index_page(const char *site, const json_t *runs,
                      struct strbuf *err)
{
    struct strbuf h = STRBUF_INIT;
    int rc;

    site_page_begin(&h, "perftests: the lab's runs", NULL);
    strbuf_addf(&h, "<p>%zu runs, newest first.</p>\n", json_array_size(runs));
    site_runs_table(&h, site, runs, "", true);
    site_page_end(&h);
    rc = site_write(site, "index.html", &h, err);
    strbuf_dispose(&h);
    return rc;
}

int site_build(const char *site, const char *db, struct strbuf *err)
{
    /* Created: `site watch` builds a fresh site before its first import. */
    struct history *hist = history_open(db, true, err);
    json_t *runs, *hosts = json_object(), *series = json_object(), *r;
    const char *key;
    size_t i;
    int rc = 0;

    if (!hist) {
        json_decref(hosts);
        json_decref(series);
        return -EIO;
    }
    runs = history_list(hist, NULL, 0, err);
    for (i = 0; i < 2 && !rc; i++) {
        char *dir = xasprintf("%s/%s", site, i ? "series" : "hosts");
        if ((rc = mkdir_p(dir, 0755)))
            strbuf_addf(err, "cannot create '%s': %s", dir, strerror(-rc));
        free(dir);
    }
    if (!runs)
        rc = -EIO;
    json_array_foreach(runs, i, r) {
        json_object_set_new(hosts, str(r, "host") ?: "", json_true());
        json_object_set_new(series, str(r, "series") ?: "", json_true());
    }
    /* The series pages first: the index links to them. */
    json_object_foreach(series, key, r)
        if (!rc)
            rc = site_series_page(site, hist, key, runs, err);
    json_object_foreach(hosts, key, r)
        if (!rc)
            rc = host_page(site, key, runs, err);
    if (!rc)
        rc = index_page(site, runs, err);
    history_close(hist);
    json_decref(runs);
    json_decref(hosts);
    json_decref(series);
    return rc;
}
