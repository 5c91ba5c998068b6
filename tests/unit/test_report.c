/* The report from a run directory made here by hand: CSV parsing, the
 * summary's sections and verdict, JUnit, testspec, the page, graphs drawn
 * by librrd, the bundle read back with libarchive, the spool, and
 * credentials kept out of sight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/bundle.h"
#include "report/post.h"
#include "report/report.h"
#include "lib/strbuf.h"
#include "tmpdir.h"
#include "lib/util.h"

static void put(const char *dir, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);

    assert_int_equal(write_file_atomic(path, text, strlen(text)), 0);
    free(path);
}

static char *slurp(const char *dir, const char *name)
{
    struct strbuf sb = STRBUF_INIT;
    char *path = xasprintf("%s/%s", dir, name);

    assert_int_equal(strbuf_read_file(&sb, path), 0);
    free(path);
    return strbuf_detach(&sb);
}

static bool exists(const char *dir, const char *name)
{
    char *path = xasprintf("%s/%s", dir, name);
    bool ok = path_is_file(path);

    free(path);
    return ok;
}

static const char metadata[] =
    "{\"run_id\": \"lab-20261123-070000-abcdef\", \"uuid\": "
    "\"1c0a0224-12e4-430d-a1cf-b4057f7d7aee\", \"start\": "
    "\"2026-11-23T07:00:00Z\", \"end\": \"2026-11-23T07:00:30Z\", "
    "\"perftests_version\": \"v1-test\", \"topology\": \"basic_topology\", "
    "\"host\": {\"hostname\": \"lab\"}, \"profile\": {\"name\": \"ci\"}, "
    "\"sut\": {\"version\": \"ovs-vswitchd (Open vSwitch) 3.1.0\"}, "
    "\"settings\": {\"GRAPH_WIDTH\": {\"value\": 400}, \"GRAPH_HEIGHT\": "
    "{\"value\": 120}, \"FRAME_SIZE\": {\"value\": 60}}, "
    "\"phases_completed\": [\"start_logging\", \"long_running_tests\"], "
    "\"completed\": true, "
    "\"result\": {\"loss_free_pps\": 2000}%s}";

static const char trials[] =
    "phase,step,steps,rate,sent,received,lost,loss_pct,tx_rate,rx_rate,"
    "duration_s,lat_p50_us,lat_p99_us,lat_p999_us,valid,note,start_time,"
    "end_time\n"
    "test_throughput,1,3,1000,5000,5000,0,0.0000,1000.0,1000.0,5.0,80.5,"
    "300.1,900.2,1,\"\",1795417200.100,1795417205.200\n"
    "test_throughput,2,3,2000,5000,5000,0,0.0000,2000.0,2000.0,2.5,90.5,"
    "310.1,950.2,1,\"\",1795417206.000,1795417208.600\n"
    "test_throughput,3,3,3000,5000,4000,1000,20.0000,3000.0,2400.0,1.7,95.5,"
    "900.1,1950.2,0,\"receiver dropped 12 <frames> & \"\"more\"\"\","
    "1795417209.000,1795417210.800\n"
    "long_running_tests,1,1,2000,4000,4000,0,0.0000,2000.0,2000.0,2.0,90.0,"
    "300.0,800.0,1,\"\",1795417211.000,1795417213.100\n";

static const char collectors[] =
    "{\"phases\": [{\"phase\": \"long_running_tests\", "
    "\"rss_slope_mib_per_hour\": 1.5}], \"steps\": [{\"phase\": "
    "\"test_throughput\", \"step\": 2, \"cpu_mean_pct\": 41.5, "
    "\"cpu_max_pct\": 55.0, \"rss_end_bytes\": 1048576}]}";

/* A run directory with what a run leaves; 'extra' goes into metadata. */
static char *make_run(const char *name, const char *extra)
{
    char *dir = xasprintf("%s/%s", tmpdir, name);
    char *meta = xasprintf(metadata, extra);

    assert_int_equal(mkdir_p(dir, 0755), 0);
    put(dir, "metadata.json", meta);
    put(dir, "trials.csv", trials);
    put(dir, "collectors.json", collectors);
    put(dir, "run.log", "INFO run: phase start_logging\nWARN <b>&</b>\n");
    free(meta);
    return dir;
}

static void test_csv__quotes_numbers_and_errors(void **state)
{
    struct strbuf err = STRBUF_INIT;
    size_t skipped;
    json_t *rows = report_parse_csv("a,b,c\n1,\"x, \"\"y\"\"\n z\",2.5\n"
                                    "-3,,1e3\n", &skipped, &err);

    assert_non_null(rows);
    assert_int_equal(json_array_size(rows), 2);
    assert_true(json_is_integer(json_object_get(json_array_get(rows, 0),
                                                "a")));
    assert_string_equal(json_string_value(json_object_get(
        json_array_get(rows, 0), "b")), "x, \"y\"\n z");
    assert_true(report_num(json_array_get(rows, 0), "c") == 2.5);
    assert_true(report_num(json_array_get(rows, 1), "a") == -3);
    assert_string_equal(json_string_value(json_object_get(
        json_array_get(rows, 1), "b")), "");
    assert_true(report_num(json_array_get(rows, 1), "c") == 1000);
    json_decref(rows);

    /* A torn row costs that row only, and is named by its line. */
    size_t torn;
    rows = report_parse_csv("a,b\n1,2\n3\n4,5\n6,\"open\n7,8\n", &torn,
                            &err);
    assert_non_null(rows);
    assert_int_equal(torn, 2);
    assert_int_equal(json_array_size(rows), 3);
    assert_true(report_num(json_array_get(rows, 1), "a") == 4);
    assert_true(report_num(json_array_get(rows, 2), "b") == 8);
    assert_string_equal(err.buf, "line 3: a torn row, skipped: expected 2 "
                        "comma-separated fields; line 5: a torn row, "
                        "skipped: expected 2 comma-separated fields");
    json_decref(rows);
    strbuf_dispose(&err);
}

/* The verdict of a run: its checks as summary.json has them. */
static const json_t *verdict_check(const struct report *r, const char *name)
{
    size_t i;
    json_t *c;

    json_array_foreach(json_object_get(json_object_get(r->summary, "verdict"),
                                       "checks"), i, c)
        if (!strcmp(json_string_value(json_object_get(c, "name")), name))
            return c;
    return NULL;
}

/* A run killed before test_throughput wrote no error, and no marker:
 * never a PASS (issue 16 item 5). */
static void test_report__no_completion_marker_is_no_pass(void **state)
{
    char *dir = make_run("killed", "");
    char *meta = slurp(dir, "metadata.json");
    struct strbuf err = STRBUF_INIT;
    struct report r;
    const json_t *c;

    /* "completed" becomes a key nobody reads: no marker. */
    memcpy(strstr(meta, "\"completed\": true") + 1, "x", 1);
    put(dir, "metadata.json", meta);
    assert_int_equal(report_load(&r, dir, &err), 0);
    assert_false(report_make(&r));
    c = verdict_check(&r, "run completed");
    assert_non_null(c);
    assert_false(json_is_true(json_object_get(c, "pass")));
    assert_non_null(strstr(json_string_value(json_object_get(c, "why")),
                           "no completion marker"));
    assert_non_null(strstr(json_string_value(json_object_get(c, "why")),
                           "long_running_tests"));
    report_release(&r);
    free(meta);
    free(dir);
    strbuf_dispose(&err);
}

/* A torn row of trials.csv: the good rows make the report, the torn one
 * is named (file:line), and the verdict is not PASS. */
static void test_report__a_torn_row_is_named_and_no_pass(void **state)
{
    char *dir = make_run("torn", "");
    struct strbuf err = STRBUF_INIT, csv = STRBUF_INIT;
    struct report r;
    const json_t *c;

    strbuf_addstr(&csv, trials);
    strbuf_addstr(&csv, "long_running_tests,2,2,2000,40\n");
    put(dir, "trials.csv", csv.buf);
    assert_int_equal(report_load(&r, dir, &err), 0);
    assert_int_equal(json_array_size(r.trials), 4);
    assert_false(report_make(&r));
    c = verdict_check(&r, "trials.csv intact");
    assert_non_null(c);
    assert_false(json_is_true(json_object_get(c, "pass")));
    assert_non_null(strstr(json_string_value(json_object_get(c, "why")),
                           "trials.csv: line 6: a torn row"));
    assert_true(json_is_true(json_object_get(verdict_check(
        &r, "run completed"), "pass")));
    report_release(&r);
    free(dir);
    strbuf_dispose(&csv);
    strbuf_dispose(&err);
}

/* A run directory is input: the HISTORY_DB it names is no path for
 * `perftests report` to create or write, unless the caller gives it. */
static void test_report__a_run_names_no_history_to_write(void **state)
{
    char *dir = make_run("elsewhere", "");
    char *db = xasprintf("%s/elsewhere.db", tmpdir);
    char *meta = xasprintf("%s/metadata.json", dir);
    json_t *m = json_load_file(meta, 0, NULL);
    struct strbuf err = STRBUF_INIT;
    struct report r;

    json_object_set_new(json_object_get(m, "settings"), "HISTORY_DB",
                        json_pack("{s:s}", "value", db));
    assert_int_equal(json_dump_file(m, meta, 0), 0);
    assert_int_equal(report_load(&r, dir, &err), 0);
    report_make(&r);
    assert_false(exists(tmpdir, "elsewhere.db"));
    assert_non_null(strstr(json_string_value(json_object_get(json_object_get(
        r.summary, "regression"), "note")), "--db FILE"));
    report_release(&r);
    /* Given by the caller (the run itself, or --db): used. */
    assert_int_equal(report_load(&r, dir, &err), 0);
    r.history_db = db;
    report_make(&r);
    assert_true(exists(tmpdir, "elsewhere.db"));
    report_release(&r);
    json_decref(m);
    strbuf_dispose(&err);
    free(meta);
    free(db);
    free(dir);
}

static void test_report__a_run_that_passed(void **state)
{
    char *dir = make_run("passed", "");
    struct strbuf err = STRBUF_INIT;
    struct report r;
    char *junit, *html, *spec;
    json_t *s, *steps, *checks;

    assert_int_equal(report_load(&r, dir, &err), 0);
    assert_true(report_make(&r));
    s = r.summary;
    for (const char *const *k = (const char *const[]){ "run", "settings",
             "phases", "result", "verdict", "error", NULL }; *k; k++)
        assert_non_null(json_object_get(s, *k));
    assert_true(json_is_null(json_object_get(s, "error")));
    assert_null(json_object_get(s, "snapshot"));    /* none was taken */
    assert_string_equal(json_string_value(json_object_get(json_object_get(
        json_object_get(s, "run"), "versions"), "sut")),
        "ovs-vswitchd (Open vSwitch) 3.1.0");
    /* The collectors' figures joined to their step. */
    steps = json_object_get(json_array_get(json_object_get(s, "phases"), 0),
                            "steps");
    assert_int_equal(json_array_size(steps), 3);
    assert_true(report_num(json_array_get(steps, 1), "cpu_mean_pct") == 41.5);
    assert_null(json_object_get(json_array_get(steps, 0), "cpu_mean_pct"));
    assert_true(report_num(json_object_get(s, "result"),
                           "rss_slope_mib_per_hour") == 1.5);
    assert_true(report_num(json_object_get(json_object_get(s, "result"),
                                           "peak"), "rate") == 3000);
    checks = json_object_get(json_object_get(s, "verdict"), "checks");
    assert_int_equal(json_array_size(checks), 2);
    assert_true(json_is_true(json_object_get(json_object_get(s, "verdict"),
                                             "pass")));

    /* JUnit: the invalid trial is the one failure, its note escaped. */
    junit = slurp(dir, "junit.xml");
    assert_non_null(strstr(junit, "<testsuite name=\"test_throughput\" "
                                  "tests=\"3\" failures=\"1\""));
    assert_non_null(strstr(junit, "receiver dropped 12 &lt;frames&gt; "
                                  "&amp; &quot;more&quot;"));
    assert_non_null(strstr(junit, "<testsuite name=\"verdict\" tests=\"2\" "
                                  "failures=\"0\""));
    assert_non_null(strstr(junit, "WARN &lt;b&gt;&amp;&lt;/b&gt;"));
    spec = slurp(dir, "testspec.csv");
    assert_string_equal(spec, "gitrev,host,start,end,topology,profile\n"
                              "v1-test,lab,2026-11-23T07:00:00Z,"
                              "2026-11-23T07:00:30Z,basic_topology,ci\n");
    html = slurp(dir, "index.html");
    assert_non_null(strstr(html, "<header class=pass><h1>PASS: "
                                 "basic_topology on lab"));
    assert_non_null(strstr(html, "src=\"throughput.png\""));
    assert_null(strstr(html, "src=\"cpu.png\""));   /* no proc.rrd */
    /* librrd drew from the trials alone. */
    assert_true(exists(dir, "throughput.png") && exists(dir, "loss.png")
                && exists(dir, "latency.png") && exists(dir, "rrd/trials.rrd"));
    assert_false(exists(dir, "cpu.png"));
    free(junit);
    free(spec);
    free(html);
    report_release(&r);
    free(dir);
    strbuf_dispose(&err);
}

static void test_report__a_run_that_failed(void **state)
{
    char *dir = make_run("failed", ", \"error\": {\"phase\": "
                         "\"test_throughput\", \"reason\": \"the system "
                         "under test exited\", \"exit_code\": 4}");
    struct strbuf err = STRBUF_INIT;
    struct report r;
    char *html, *junit;

    assert_int_equal(report_load(&r, dir, &err), 0);
    assert_false(report_make(&r));
    assert_string_equal(json_string_value(json_object_get(json_object_get(
        r.summary, "error"), "phase")), "test_throughput");
    html = slurp(dir, "index.html");
    assert_non_null(strstr(html, "<header class=fail>"));
    assert_non_null(strstr(html, "failed in test_throughput"));
    junit = slurp(dir, "junit.xml");
    assert_non_null(strstr(junit, "<failure message=\"the system under test "
                                  "exited\"/>"));
    free(html);
    free(junit);
    report_release(&r);

    /* No trials: still a report, still valid JSON. */
    put(dir, "trials.csv", "");
    assert_int_equal(report_load(&r, dir, &err), 0);
    report_make(&r);
    assert_int_equal(json_array_size(json_object_get(r.summary, "phases")), 0);
    report_release(&r);
    assert_int_equal(report_load(&r, tmpdir, &err), -ENOENT);
    assert_non_null(strstr(err.buf, "is not a run directory"));
    report_release(&r);
    free(dir);
    strbuf_dispose(&err);
}

/* snapshot/snapshot.json, when the run took one, is the summary's
 * "snapshot" as it is. */
static void test_report__snapshot_in_summary(void **state)
{
    static const char snap[] =
        "{\"ovs\": {\"flows\": 10, \"memory\": {\"handlers\": 1, "
        "\"udpif keys\": 10}}, \"processes\": [{\"pid\": 12, \"comm\": "
        "\"ovs-vswitchd\", \"rss_kb\": 20660, \"pss_kb\": 15972, "
        "\"private_dirty_kb\": 11256, \"swap_kb\": 0}]}\n";
    char *dir = make_run("snapshot", "");
    char *sdir = xasprintf("%s/snapshot", dir);
    struct strbuf err = STRBUF_INIT;
    struct report r;
    json_t *want = json_loads(snap, 0, NULL), *got;
    char *text;

    assert_int_equal(mkdir_p(sdir, 0755), 0);
    put(sdir, "snapshot.json", snap);
    assert_int_equal(report_load(&r, dir, &err), 0);
    assert_true(report_make(&r));
    assert_true(json_equal(json_object_get(r.summary, "snapshot"), want));
    /* And so in the file. */
    text = slurp(dir, "summary.json");
    got = json_loads(text, 0, NULL);
    assert_true(json_equal(json_object_get(got, "snapshot"), want));
    json_decref(got);
    json_decref(want);
    free(text);
    report_release(&r);
    free(sdir);
    free(dir);
    strbuf_dispose(&err);
}

/* A JVM's figures join their step; a collector that failed fails the
 * verdict with a check that names it and says why. */
static void test_report__a_failed_collector(void **state)
{
    char *dir = make_run("jmxfailed", "");
    struct strbuf err = STRBUF_INIT;
    struct report r;
    json_t *steps, *checks, *c;
    char *junit;

    put(dir, "collectors.json",
        "{\"phases\": [], \"steps\": [{\"phase\": \"test_throughput\", "
        "\"step\": 1, \"jvm_heap_used_max_bytes\": 52428800, "
        "\"jvm_gc_time_ms\": 12}], \"sampler\": {\"ticks\": 30, "
        "\"collectors\": {\"proc\": {\"metrics\": 9, \"gaps\": 0}, "
        "\"jmx\": {\"metrics\": 20, \"gaps\": 14, \"failed\": "
        "\"the JMX sidecar died again\"}}}}");
    assert_int_equal(report_load(&r, dir, &err), 0);
    assert_false(report_make(&r));
    steps = json_object_get(json_array_get(json_object_get(r.summary,
                                                           "phases"), 0),
                            "steps");
    assert_true(report_num(json_array_get(steps, 0),
                           "jvm_heap_used_max_bytes") == 52428800);
    checks = json_object_get(json_object_get(r.summary, "verdict"), "checks");
    c = json_array_get(checks, json_array_size(checks) - 1);
    assert_string_equal(json_string_value(json_object_get(c, "name")),
                        "collectors worked");
    assert_true(json_is_false(json_object_get(c, "pass")));
    assert_string_equal(json_string_value(json_object_get(c, "why")),
                        "jmx: the JMX sidecar died again");
    junit = slurp(dir, "junit.xml");
    assert_non_null(strstr(junit, "<failure message=\"jmx: the JMX sidecar "
                                  "died again\"/>"));
    free(junit);
    report_release(&r);
    free(dir);
    strbuf_dispose(&err);
}

static void test_bundle__has_every_file_in_order(void **state)
{
    char *dir = make_run("bundled", "");
    char *slashed = xasprintf("%s/", dir);
    char *path = bundle_path(slashed);
    struct strbuf err = STRBUF_INIT;
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    const char *want[] = { "bundled/collectors.json", "bundled/metadata.json",
                           "bundled/run.log", "bundled/sub/deep.txt",
                           "bundled/trials.csv" };
    size_t n = 0;
    char *sub = xasprintf("%s/sub", dir);

    assert_int_equal(mkdir_p(sub, 0755), 0);
    put(sub, "deep.txt", "deep\n");
    assert_string_equal(strrchr(path, '/'), "/bundled.tar.gz");
    assert_int_equal(bundle_write(dir, path, &err), 0);
    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    assert_int_equal(archive_read_open_filename(a, path, 16384), ARCHIVE_OK);
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        assert_true(n < 5);
        assert_string_equal(archive_entry_pathname(e), want[n++]);
    }
    assert_int_equal(n, 5);
    archive_read_free(a);
    free(sub);
    free(path);
    free(slashed);
    free(dir);
    strbuf_dispose(&err);
}

static void test_post__spool_keeps_the_target_private(void **state)
{
    char *bundle = xasprintf("%s/x.tar.gz", tmpdir);
    char *meta = xasprintf("%s/.spool/x.tar.gz.json", tmpdir);
    struct post_target t = { .url = "http://u:pw@127.0.0.1:9/up/",
                             .method = "put", .retries = 2,
                             .retry_delay = 0.5, .timeout = 10 };
    struct strbuf err = STRBUF_INIT, where = STRBUF_INIT;
    struct stat st;

    put(tmpdir, "x.tar.gz", "not really gzip");
    assert_false(spool_has(tmpdir, bundle));
    assert_int_equal(spool_add(tmpdir, bundle, &t, &err), 0);
    assert_true(spool_has(tmpdir, "x.tar.gz"));
    assert_int_equal(stat(meta, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_false(post_already(bundle, &where));
    /* A scheme no transport takes: refused without a try. */
    t.url = "ftp://127.0.0.1/";
    assert_int_equal(post_bundle(&t, bundle, &err), -EINVAL);
    assert_non_null(strstr(err.buf, "not an http(s), scp or sftp URL"));
    free(meta);
    free(bundle);
    strbuf_dispose(&err);
    strbuf_dispose(&where);
}

/* A search's figures: bounds, the generator's limit said as such in the
 * summary, the page and JUnit, and latency under load. */
static void test_report__search_figures(void **state)
{
    static const char result[] =
        "\"result\": {\"loss_free_pps\": 2000, \"search\": {"
        "\"ndr\": {\"rate_pps\": 260993, \"trial\": -1, \"loss_pct\": 0, "
        "\"lower_bound_pps\": 261333, \"upper_bound_pps\": 262042, "
        "\"generator_limited\": true, \"limit\": \"the generator could not "
        "send 262042 pps\"}, \"pdr\": {\"rate_pps\": 130395, \"trial\": -1, "
        "\"loss_pct\": 0.47, \"lower_bound_pps\": 131019, "
        "\"upper_bound_pps\": 131553, \"generator_limited\": false}, "
        "\"trials\": 40, \"converged\": true}, \"latency_at_load\": ["
        "{\"load_pct\": 0, \"rate_pps\": 100, \"p50_us\": 159, "
        "\"p90_us\": 238, \"p99_us\": 300, \"p999_us\": 380, "
        "\"max_us\": 380, \"loss_pct\": 0, \"valid\": true}, "
        "{\"load_pct\": 90, \"rate_pps\": 117356, \"p50_us\": 191, "
        "\"p90_us\": 1577, \"p99_us\": 2171, \"p999_us\": 7062, "
        "\"max_us\": 7081, \"loss_pct\": 1.09, \"valid\": true}]}";
    char *dir = make_run("search", "");
    char *meta = xasprintf(metadata, "");
    char *at = strstr(meta, "\"result\"");
    char *fixed, *junit, *html;
    struct strbuf err = STRBUF_INIT, text = STRBUF_INIT;
    struct report r;
    json_t *res;

    /* The fixture's result, replaced by a search's. */
    *at = '\0';
    fixed = xasprintf("%s%s}", meta, result);
    put(dir, "metadata.json", fixed);
    assert_int_equal(report_load(&r, dir, &err), 0);
    report_make(&r);
    res = json_object_get(r.summary, "result");
    assert_int_equal(json_array_size(json_object_get(res, "latency_at_load")),
                     2);
    report_bound_text(json_object_get(res, "ndr"), &text);
    assert_string_equal(text.buf, "\u2265 260993 pps, limited by the "
                        "generator (the generator could not send 262042 "
                        "pps)");
    strbuf_reset(&text);
    report_bound_text(json_object_get(res, "pdr"), &text);
    assert_string_equal(text.buf, "130395 pps (between 131019 and 131553 "
                                  "pps)");
    html = slurp(dir, "index.html");
    assert_non_null(strstr(html, "\u2265 260993 pps, limited by the "
                                 "generator"));
    assert_non_null(strstr(html, "<h2>Latency under load</h2>"));
    assert_non_null(strstr(html, "<td>117356</td>"));
    assert_non_null(strstr(html, "<svg "));
    /* Quoted attributes: an unquoted value swallows the '/' of "/>" and
     * the browser draws nothing after it (as it did). */
    assert_non_null(strstr(html, "stroke=\"#888\"/>"));
    assert_null(strstr(strstr(html, "<svg "), "=#"));
    /* Jenkins: NDR is skipped (not the datapath's), PDR a figure. */
    junit = slurp(dir, "junit.xml");
    assert_non_null(strstr(junit, "name=\"NDR\" time=\"0\">\n      "
                                  "<skipped message=\"\u2265 260993 pps"));
    assert_non_null(strstr(junit, "name=\"PDR\" time=\"0\">\n      "
                                  "<system-out>130395 pps"));
    free(junit);
    free(html);
    free(fixed);
    free(meta);
    strbuf_dispose(&text);
    strbuf_dispose(&err);
    report_release(&r);
    free(dir);
}

/* A run with the tcp_throughput phase: its row of trials.csv (the TCP
 * columns filled, the packet ones empty) and metadata.json's "tcp" reach
 * result.tcp, the phase's step (without empty packet figures), a JUnit
 * testcase per stream set, the page's table and the history's tcp_bps;
 * its settings join the series, and only for runs with the phase. */
static void test_report__tcp_phase(void **state)
{
    static const char tcp[] =
        ", \"tcp\": {\"bits_per_second\": 24368758858.08, "
        "\"sender_bits_per_second\": 24458128318.96, \"retransmits\": 0, "
        "\"sender_cpu_pct\": 47.27, \"receiver_cpu_pct\": 51.67, "
        "\"streams\": 2, \"duration_s\": 1.001, \"bytes_sent\": 3060531200, "
        "\"bytes_received\": 3059220480, \"congestion\": \"bbr\", "
        "\"iperf_version\": \"iperf 3.12\", \"json\": \"tcp/iperf3.json\"}";
    char *dir = make_run("tcp", tcp);
    struct strbuf err = STRBUF_INIT, rows = STRBUF_INIT;
    struct report r;
    char *junit, *html, *series;

    (void)state;
    strbuf_addstr(&rows, "phase,step,steps,rate,sent,received,lost,loss_pct,"
                         "tx_rate,rx_rate,duration_s,lat_p50_us,lat_p99_us,"
                         "lat_p999_us,valid,note,start_time,end_time,streams,"
                         "bits_per_second,retransmits,sender_cpu_pct\n"
                         "test_throughput,1,1,1000,5000,5000,0,0.0000,1000.0,"
                         "1000.0,5.0,80.5,300.1,900.2,1,\"\",1795417200.100,"
                         "1795417205.200,,,,\n"
                         "tcp_throughput,1,1,,,,,,,,1.001,,,,1,\"TCP, 2 "
                         "streams: 24.369 Gbit/s\",1795417206.000,"
                         "1795417207.100,2,24368758858,0,47.27\n");
    put(dir, "trials.csv", rows.buf);
    /* The SUT's CPU during the test, as the collectors marked it. */
    put(dir, "collectors.json", "{\"phases\": [], \"steps\": [{\"phase\": "
        "\"tcp_throughput\", \"step\": 1, \"rate\": 0.0, "
        "\"cpu_mean_pct\": 79.25}]}");
    assert_int_equal(report_load(&r, dir, &err), 0);
    assert_true(report_make(&r));
    json_t *res = json_object_get(r.summary, "result");
    assert_true(report_num(json_object_get(res, "tcp"), "bits_per_second")
                == 24368758858.08);
    assert_true(report_num(json_object_get(res, "tcp"), "sut_cpu_mean_pct")
                == 79.25);
    assert_null(json_object_get(json_object_get(r.meta, "tcp"),
                                "sut_cpu_mean_pct"));
    assert_int_equal(json_array_size(json_object_get(res, "latency")), 1);
    json_t *phase = json_array_get(json_object_get(r.summary, "phases"), 1);
    json_t *step = json_array_get(json_object_get(phase, "steps"), 0);
    assert_string_equal(json_string_value(json_object_get(phase, "name")),
                        "tcp_throughput");
    /* Neither the trial nor the collectors' mark gives it a rate. */
    assert_null(json_object_get(step, "rate"));
    assert_null(json_object_get(step, "lat_p99_us"));
    assert_true(report_num(step, "cpu_mean_pct") == 79.25);
    assert_true(report_num(step, "streams") == 2);
    assert_non_null(json_object_get(step, "note"));
    /* The UDP step keeps its columns, without the TCP ones. */
    step = json_array_get(json_object_get(json_array_get(json_object_get(
        r.summary, "phases"), 0), "steps"), 0);
    assert_true(report_num(step, "rate") == 1000);
    assert_null(json_object_get(step, "streams"));
    bool has_tcp_bps = false;
    json_t *m;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(r.summary,
                                                       "regression"),
                                       "metrics"), i, m)
        has_tcp_bps |= !strcmp(json_string_value(json_object_get(m, "name")),
                               "tcp_bps")
                       && report_num(m, "value") == 24368758858.08;
    assert_true(has_tcp_bps);

    junit = slurp(dir, "junit.xml");
    assert_non_null(strstr(junit, "<testsuite name=\"tcp_throughput\" "
                                  "tests=\"1\" failures=\"0\""));
    assert_non_null(strstr(junit, "classname=\"perftests.basic_topology."
                                  "tcp_throughput\" name=\"2 streams\""));
    html = slurp(dir, "index.html");
    assert_non_null(strstr(html, "<h2>TCP throughput</h2>"));
    assert_non_null(strstr(html, "<td>24.369</td><td>24.458</td><td>0</td>"
                                 "<td>47.3</td><td>51.7</td><td>79.2</td><td class=l>bbr"));

    /* The series: TCP's settings only when the run had the phase. */
    series = report_series_key(&r);
    assert_null(strstr(series, "TCP_"));
    free(series);
    json_t *set = json_object_get(r.meta, "settings");
    json_object_set_new(set, "TCP_PHASE", json_pack("{s:s}", "value", "yes"));
    json_object_set_new(set, "TCP_STREAMS", json_pack("{s:i}", "value", 2));
    series = report_series_key(&r);
    assert_non_null(strstr(series, " TCP_STREAMS=2 TCP_DURATION=-"));
    free(series);
    /* The SUT's receive queue and RPS are part of what is measured: a
     * run with another SUT_RCVBUF_KB is another series. */
    char *before = report_series_key(&r);
    assert_non_null(strstr(before, " SUT_RCVBUF_KB=-"));
    json_object_set_new(set, "SUT_RCVBUF_KB",
                        json_pack("{s:i}", "value", 2048));
    series = report_series_key(&r);
    assert_non_null(strstr(series, " SUT_RCVBUF_KB=2048"));
    assert_string_not_equal(series, before);
    free(series);
    free(before);
    free(junit);
    free(html);
    report_release(&r);
    free(dir);
    strbuf_dispose(&rows);
    strbuf_dispose(&err);
}

/* A TCP figure of a topology without a datapath (direct) is the host's
 * own ceiling: said in result.tcp and on the page, and kept out of the
 * history as a generator-limited NDR is. */
static void test_report__tcp_no_datapath(void **state)
{
    static const char tcp[] =
        ", \"tcp\": {\"bits_per_second\": 30e9, \"retransmits\": 0, "
        "\"sender_cpu_pct\": 50.0, \"streams\": 1, \"duration_s\": 1.0, "
        "\"bytes_sent\": 1, \"bytes_received\": 1, \"json\": "
        "\"tcp/iperf3.json\", \"limit\": \"no datapath in this topology: "
        "the host's own ceiling\"}";
    char *dir = make_run("tcpdirect", tcp);
    struct strbuf err = STRBUF_INIT;
    struct report r;
    json_t *m;
    size_t i;

    (void)state;
    put(dir, "trials.csv", "phase,step,steps,rate,sent,received,lost,"
        "loss_pct,tx_rate,rx_rate,duration_s,lat_p50_us,lat_p99_us,"
        "lat_p999_us,valid,note,start_time,end_time,streams,"
        "bits_per_second,retransmits,sender_cpu_pct\n"
        "tcp_throughput,1,1,,,,,,,,1.0,,,,1,\"TCP\",1795417206.000,"
        "1795417207.100,1,30000000000,0,50.0\n");
    assert_int_equal(report_load(&r, dir, &err), 0);
    assert_true(report_make(&r));
    json_t *tcp_res = json_object_get(json_object_get(r.summary, "result"),
                                      "tcp");
    assert_non_null(strstr(json_string_value(json_object_get(tcp_res,
                                                             "limit")),
                           "the host's own ceiling"));
    json_array_foreach(json_object_get(json_object_get(r.summary,
                                                       "regression"),
                                       "metrics"), i, m)
        assert_string_not_equal(json_string_value(json_object_get(m, "name")),
                                "tcp_bps");
    char *html = slurp(dir, "index.html");
    assert_non_null(strstr(html, "<p>Not the datapath's: no datapath in "
                                 "this topology: the host&#39;s own "
                                 "ceiling.</p>"));
    free(html);
    report_release(&r);
    free(dir);
    strbuf_dispose(&err);
}

static void test_report__escape(void **state)
{
    struct strbuf sb = STRBUF_INIT;

    report_escape(&sb, "a<b>&\"'\x01\n");
    assert_string_equal(sb.buf, "a&lt;b&gt;&amp;&quot;&#39;\xef\xbf\xbd\n");
    strbuf_dispose(&sb);
}

/* A search figure is known within its bounds: the metric says how
 * finely (their width in % of it), for `perftests ab`; the generator's
 * figures are no metric at all, and one without bounds has no width. */
static void test_report__search_metrics_carry_their_resolution(void **state)
{
    json_t *res = json_pack(
        "{s:{s:f, s:f, s:f}, s:{s:f, s:f, s:f, s:b}}", "ndr", "rate_pps",
        150000.0, "lower_bound_pps", 149250.0, "upper_bound_pps", 150750.0,
        "pdr", "rate_pps", 300000.0, "lower_bound_pps", 299000.0,
        "upper_bound_pps", 301000.0, "generator_limited", 1);
    json_t *ms = report_metrics(res), *m = json_array_get(ms, 0);

    (void)state;
    assert_string_equal(json_string_value(json_object_get(m, "name")),
                        "ndr_pps");
    assert_true(fabs(json_number_value(json_object_get(m, "resolution_pct"))
                     - 1.0) < 1e-9);
    for (size_t i = 1; i < json_array_size(ms); i++)
        assert_string_not_equal(json_string_value(json_object_get(
                                    json_array_get(ms, i), "name")),
                                "pdr_pps");
    json_decref(ms);
    json_object_del(json_object_get(res, "ndr"), "upper_bound_pps");
    ms = report_metrics(res);
    assert_null(json_object_get(json_array_get(ms, 0), "resolution_pct"));
    json_decref(ms);
    json_decref(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv__quotes_numbers_and_errors),
        cmocka_unit_test(test_report__search_metrics_carry_their_resolution),
        cmocka_unit_test(test_report__a_run_that_passed),
        cmocka_unit_test(test_report__a_run_names_no_history_to_write),
        cmocka_unit_test(test_report__no_completion_marker_is_no_pass),
        cmocka_unit_test(test_report__a_torn_row_is_named_and_no_pass),
        cmocka_unit_test(test_report__a_run_that_failed),
        cmocka_unit_test(test_report__snapshot_in_summary),
        cmocka_unit_test(test_report__a_failed_collector),
        cmocka_unit_test(test_bundle__has_every_file_in_order),
        cmocka_unit_test(test_post__spool_keeps_the_target_private),
        cmocka_unit_test(test_report__escape),
        cmocka_unit_test(test_report__search_figures),
        cmocka_unit_test(test_report__tcp_phase),
        cmocka_unit_test(test_report__tcp_no_datapath),
    };
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
