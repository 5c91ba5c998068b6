/* Fuzzes report_load() (report/load.c) and the text outputs made from
 * what it loads: `perftests report DIR` reads a run directory that may
 * come from anywhere (a bundle someone posted, a run that died
 * mid-write), so every file in it is untrusted.
 *
 * The input is up to five parts (fuzz.h), written into a run directory of
 * the harness's own: metadata.json, collectors.json, trials.csv,
 * snapshot/snapshot.json, run.log.  A part the input does not have is a
 * file the run did not leave.  The outputs then write summary.json,
 * testspec, junit.xml and index.html there.  Not run: the graphs (librrd
 * renders PNGs, at a few per second), and the history, which the summary
 * would open at the path metadata.json names in HISTORY_DB: a fuzzer must
 * not create databases wherever it likes, so that setting is dropped
 * before the outputs run. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "lib/strbuf.h"
#include "report/report.h"

static const char *const files[] = {
    "run/metadata.json", "run/collectors.json", "run/trials.csv",
    "run/snapshot/snapshot.json", "run/run.log",
};

/* What the outputs rely on: trials an array of objects, each with no more
 * fields than trials.csv's header has names, numbers where they read
 * numbers. */
static void check_loaded(const struct report *r, const char *csv)
{
    size_t i, header = 1;
    json_t *row;

    if (!json_is_array(r->trials) || !r->meta || !json_is_array(r->graphs))
        fuzz_fail("a loaded report lacks its trials, metadata or graphs");
    for (const char *c = csv; c && *c && *c != '\n'; c++)
        header += *c == ',';
    json_array_foreach(r->trials, i, row) {
        double v = report_num(row, "rate");
        if (!json_is_object(row))
            fuzz_fail("a trial that is not an object");
        if (json_object_size(row) > header)
            fuzz_fail("a trial with more fields than the header names");
        if (isinf(v))
            fuzz_fail("a trial's number is infinite");
    }
    report_setting(r, "FRAME_SIZE");
    report_setting_num(r, "GRAPH_WIDTH", 1400);
}

static void make_outputs(struct report *r)
{
    static const struct report_output *const outputs[] = {
        &report_summary, &report_testspec, &report_junit, &report_html,
    };

    json_object_del(json_object_get(r->meta, "settings"), "HISTORY_DB");
    for (size_t i = 0; i < sizeof outputs / sizeof *outputs; i++) {
        struct strbuf err = STRBUF_INIT;
        outputs[i]->make(r, &err);
        strbuf_dispose(&err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct strbuf err = STRBUF_INIT;
    struct fuzz_parts p;
    struct report r;
    char *dir = fuzz_path("run");

    fuzz_split(data, size, &p);
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        fuzz_put(files[i], i < p.n ? p.part[i] : NULL,
                 i < p.n ? p.len[i] : 0);
    if (!report_load(&r, dir, &err)) {
        check_loaded(&r, p.n > 2 ? p.part[2] : NULL);
        make_outputs(&r);
    }
    report_release(&r);
    strbuf_dispose(&err);
    fuzz_parts_release(&p);
    free(dir);
    return 0;
}
