/* The outputs in order: graphs first (the page lists them), then the
 * summary (JUnit and the page read its verdict; the run is then in the
 * history, which the trend graphs draw). */
#include "report/report.h"

#include "lib/log.h"

LOG_MODULE("report");

static const struct report_output *const outputs[] = {
    &report_graphs, &report_summary, &report_trends, &report_testspec,
    &report_junit, &report_html, NULL,
};

bool report_make(struct report *r)
{
    json_t *v;

    for (const struct report_output *const *o = outputs; *o; o++) {
        struct strbuf err = STRBUF_INIT;
        if ((*o)->make(r, &err))
            LOG_WARN("%s: %s", (*o)->name, err.len ? err.buf
                                                             : "failed");
        strbuf_dispose(&err);
    }
    v = json_object_get(r->summary, "verdict");
    LOG_INFO("%zu graphs, verdict %s: %s/index.html",
             json_array_size(r->graphs),
             json_string_value(json_object_get(v, "verdict")) ?: "unknown",
             r->dir);
    return json_is_true(json_object_get(v, "pass"));
}
