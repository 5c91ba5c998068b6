/* The lab site (report/site.c, site_pages.c): which members a bundle may
 * carry, bundles refused with their reason and nothing left behind, a
 * bundle seen twice, a uuid that is another run's, and the pages escaping
 * what a bundle said. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/history.h"
#include "report/site.h"
#include "tmpdir.h"

#define ID "lab-20261201-010203-abcdef"
#define UUID "0d4a2c9e-1111-4222-8333-444455556666"
#define META "{\"run_id\": \"" ID "\", \"uuid\": \"" UUID "\"}"

/* One member of a test bundle: a file (with text), a folder, or another
 * type (a link's target in 'text'). */
struct member {
    const char *name;
    mode_t type;
    const char *text;
    long long size;         /* a file's size when 'text' is NULL */
};

/* Whether bundle() compresses: libarchive reads a plain tar as well. */
static bool gzipped = true;

/* Writes <tmpdir>/<file>, a .tar.gz of 'm' (up to a NULL name); returns
 * its path (malloc'ed). */
static char *bundle(const char *file, const struct member *m)
{
    char *path = xasprintf("%s/%s", tmpdir, file);
    struct archive *a = archive_write_new();
    static char zeros[65536];

    if (gzipped)
        archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (; m->name; m++) {
        struct archive_entry *e = archive_entry_new();
        long long size = m->type == AE_IFREG
                             ? (m->text ? (long long)strlen(m->text) : m->size)
                             : 0;
        archive_entry_set_pathname(e, m->name);
        archive_entry_set_filetype(e, m->type == 1 ? AE_IFREG : m->type);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, size);
        if (m->type == AE_IFLNK)
            archive_entry_set_symlink(e, m->text);
        if (m->type == 1)       /* a hard link to an earlier member */
            archive_entry_set_hardlink(e, m->text);
        if (m->type == AE_IFCHR)
            archive_entry_set_rdev(e, 0x0103);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (m->type == AE_IFREG && m->text)
            archive_write_data(a, m->text, strlen(m->text));
        for (long long left = m->text ? 0 : size; left > 0;
             left -= (long long)sizeof zeros)
            archive_write_data(a, zeros, left < (long long)sizeof zeros
                                             ? (size_t)left : sizeof zeros);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return path;
}

/* The names in 'dir' but "." and "..", counted. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    if (!d)
        return 0;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    closedir(d);
    return n;
}

/* site_unpack() of 'm' into a site with nothing in runs/ (its history
 * may be made before) must fail with a reason holding 'why', leaving
 * runs/ empty and nothing beside the site. */
static void refused(const char *site_name, const struct member *m,
                    unsigned long long max, const char *why)
{
    struct strbuf err = STRBUF_INIT;
    enum site_unpacked what;
    char *site = xasprintf("%s/%s", tmpdir, site_name);
    char *runs = xasprintf("%s/runs", site);
    char *file = xasprintf("%s.tar.gz", site_name);
    char *db = xasprintf("%s/history.db", site);
    char *path = bundle(file, m);
    char *dir = NULL;
    int before;

    assert_int_equal(mkdir_p(site, 0755), 0);
    before = entries(tmpdir);
    assert_true(site_unpack(site, db, path, max, &dir, &what, &err) < 0);
    assert_null(dir);
    if (!strstr(err.buf, why))
        fail_msg("'%s' lacks '%s'", err.buf, why);
    assert_int_equal(entries(runs), 0);
    assert_int_equal(entries(tmpdir), before);
    free(path);
    free(file);
    free(db);
    free(runs);
    free(site);
    strbuf_dispose(&err);
}

static void test_site__member_allowed(void **state)
{
    static const char *const yes[] = {
        "metadata.json", "summary.json", "trials.csv", "index.html",
        "cpu.png", "trend-ndr_pps.png", "rrd/proc.rrd", "snapshot/ovs-memory.txt",
        "sut/ovs-vswitchd.log", "sut/conf.db", "run.log",
    };
    static const char *const no[] = {
        "evil.sh", "rrd/x.png", "rrd/a/b.rrd", "snapshot/a/b", ".htaccess",
        "index.html/", "sut/.hidden", "x/../metadata.json", "./index.html",
        "a b.png", "sut//x", "cpu.png.php", "deep/cpu.png",
    };

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
        if (!site_member_allowed(yes[i], false))
            fail_msg("'%s' refused", yes[i]);
    for (size_t i = 0; i < ARRAY_SIZE(no); i++)
        if (site_member_allowed(no[i], false))
            fail_msg("'%s' allowed", no[i]);
    assert_true(site_member_allowed("", true));
    assert_true(site_member_allowed("rrd", true));
    assert_false(site_member_allowed("www", true));
    assert_false(site_member_allowed("rrd/x", true));
    assert_true(site_name_safe(ID));
    assert_false(site_name_safe(".."));
    assert_false(site_name_safe("-rf"));
    assert_false(site_name_safe("a/b"));
    assert_false(site_name_safe("<script>"));
    assert_false(site_name_safe(""));
}

static void test_site__hostile_bundles_refused(void **state)
{
    refused("dotdot", (const struct member[]){
        { ID "/", AE_IFDIR, NULL, 0 },
        { ID "/../escaped.html", AE_IFREG, "x", 0 }, { NULL, 0, NULL, 0 } },
        0, "would land outside its folder (a '..' component)");
    refused("absolute", (const struct member[]){
        { "/tmp/pt-site-absolute.html", AE_IFREG, "x", 0 },
        { NULL, 0, NULL, 0 } }, 0, "an absolute path");
    refused("symlink", (const struct member[]){
        { ID "/metadata.json", AE_IFREG, META, 0 },
        { ID "/index.html", AE_IFLNK, "/etc/passwd", 0 },
        { NULL, 0, NULL, 0 } }, 0, "is a symbolic link");
    refused("hardlink", (const struct member[]){
        { ID "/metadata.json", AE_IFREG, META, 0 },
        { ID "/index.html", 1, ID "/metadata.json", 0 },
        { NULL, 0, NULL, 0 } }, 0, "is a hard link");
    refused("device", (const struct member[]){
        { ID "/metadata.json", AE_IFREG, META, 0 },
        { ID "/run.log", AE_IFCHR, NULL, 0 },
        { NULL, 0, NULL, 0 } }, 0, "is a device node");
    refused("toobig", (const struct member[]){
        { ID "/metadata.json", AE_IFREG, META, 0 },
        { ID "/run.log", AE_IFREG, NULL, 200000 },
        { NULL, 0, NULL, 0 } }, 100000, "more than");
    refused("notarun", (const struct member[]){
        { ID "/metadata.json", AE_IFREG, META, 0 },
        { ID "/shell.php", AE_IFREG, "<?php ?>", 0 },
        { NULL, 0, NULL, 0 } }, 0, "is not a file a run makes");
    refused("two-tops", (const struct member[]){
        { ID "/metadata.json", AE_IFREG, META, 0 },
        { "other/index.html", AE_IFREG, "x", 0 },
        { NULL, 0, NULL, 0 } }, 0, "outside its run directory");
    refused("badid", (const struct member[]){
        { "-rf/metadata.json", AE_IFREG, META, 0 },
        { NULL, 0, NULL, 0 } }, 0, "no run id");
    refused("nometa", (const struct member[]){
        { ID "/index.html", AE_IFREG, "x", 0 },
        { NULL, 0, NULL, 0 } }, 0, "has no metadata.json");
    refused("wrongid", (const struct member[]){
        { ID "/metadata.json", AE_IFREG,
          "{\"run_id\": \"other\", \"uuid\": \"" UUID "\"}", 0 },
        { NULL, 0, NULL, 0 } }, 0, "run_id is not its folder's name");
}

static void test_site__seen_twice_is_a_no_op(void **state)
{
    static const struct member m[] = {
        { ID "/", AE_IFDIR, NULL, 0 },
        { ID "/metadata.json", AE_IFREG, META, 0 },
        { ID "/rrd/", AE_IFDIR, NULL, 0 },
        { ID "/rrd/trials.rrd", AE_IFREG, "rrd", 0 },
        { NULL, 0, NULL, 0 },
    };
    struct strbuf err = STRBUF_INIT;
    enum site_unpacked what;
    char *site = xasprintf("%s/seen", tmpdir), *dir = NULL, *path, *rrd;
    char *db = xasprintf("%s/history.db", site);
    char *again = bundle("seen.tar.gz", m);
    struct stat st;

    assert_int_equal(site_unpack(site, db, again, 1 << 20, &dir, &what,
                                 &err), 0);
    assert_int_equal(what, SITE_NEW);
    path = xasprintf("%s/runs/%s", site, ID);
    assert_string_equal(dir, path);
    rrd = xasprintf("%s/rrd/trials.rrd", path);
    assert_int_equal(stat(rrd, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    free(dir);
    assert_int_equal(site_unpack(site, db, again, 1 << 20, &dir, &what,
                                 &err), 0);
    assert_int_equal(what, SITE_SEEN);
    /* Only the run: the unpacking folder is gone. */
    free(path);
    path = xasprintf("%s/runs", site);
    assert_int_equal(entries(path), 1);
    free(rrd);
    free(dir);
    free(path);
    free(again);
    free(db);
    free(site);
    strbuf_dispose(&err);
}

/* The uuid names a run in the history (which the site publishes by it):
 * another run id with the uuid of a run on the site would replace that
 * run in the history and leave its folder in runs/ on no page.  Refused;
 * under its own run id it is taken. */
static void test_site__uuid_of_another_run_refused(void **state)
{
    static const struct member m[] = {
        { ID "/metadata.json", AE_IFREG, META, 0 },
        { NULL, 0, NULL, 0 },
    };
    struct strbuf err = STRBUF_INIT;
    enum site_unpacked what;
    char *site = xasprintf("%s/clash", tmpdir);
    char *db = xasprintf("%s/history.db", site), *dir = NULL, *path;
    struct history_run run = { .uuid = UUID, .run_id = "lab-older-run",
                               .start = "2026-11-30T00:00:00Z",
                               .series = "s" };
    struct history *h;

    assert_int_equal(mkdir(site, 0755), 0);
    h = history_open(db, true, &err);
    assert_non_null(h);
    assert_int_equal(history_add(h, &run, &err), 0);
    history_close(h);
    refused("clash", m, 0, "its uuid " UUID " belongs to run "
            "'lab-older-run', on the site already");
    /* The history keeps the run it had. */
    h = history_open(db, false, &err);
    assert_int_equal(history_run_id(h, UUID, &dir, &err), 0);
    assert_string_equal(dir, "lab-older-run");
    free(dir);
    /* The same run (its own id) again, say after its folder was lost. */
    run.run_id = ID;
    assert_int_equal(history_add(h, &run, &err), 0);
    history_close(h);
    path = bundle("clash-same.tar.gz", m);
    assert_int_equal(site_unpack(site, db, path, 1 << 20, &dir, &what, &err),
                     0);
    assert_int_equal(what, SITE_NEW);
    free(path);
    free(dir);
    dir = NULL;
    /* A history the site cannot read is the site's failure, not the
     * bundle's: `site import` counts it so (exit 3, not a refusal). */
    assert_int_equal(remove_tree(site), 0);
    assert_int_equal(mkdir(site, 0755), 0);
    assert_int_equal(write_file_atomic(db, "not a database", 14), 0);
    path = bundle("clash-broken.tar.gz", m);
    strbuf_reset(&err);
    assert_true(site_unpack(site, db, path, 1 << 20, &dir, &what, &err) < 0);
    assert_int_equal(what, SITE_FAILED);
    assert_null(dir);
    free(path);
    free(db);
    free(site);
    strbuf_dispose(&err);
}

/* A bundle cut short inside a member's data (an upload that broke off):
 * refused, naming the member.  The name was read after libarchive had
 * freed it (fuzz_bundle found it; its input is the seed
 * tests/fuzz/bundle/uaf-name-after-set-pathname). */
static void test_site__truncated_names_the_member(void **state)
{
    struct member m[] = {
        { ID "/metadata.json", AE_IFREG, META, 0 },
        { ID "/run.log", AE_IFREG, NULL, 0 },
        { NULL, 0, NULL, 0 },
    };
    struct strbuf err = STRBUF_INIT;
    enum site_unpacked what;
    char *log = malloc(65537), *site = xasprintf("%s/cut", tmpdir);
    char *db = xasprintf("%s/history.db", site), *dir = NULL, *path;
    struct stat st;

    memset(log, 'x', 65536);
    log[65536] = '\0';
    m[1].text = log;
    /* Not compressed: the cut is in run.log's data, not in gzip's. */
    gzipped = false;
    path = bundle("cut.tar.gz", m);
    gzipped = true;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(truncate(path, st.st_size - 20000), 0);
    assert_true(site_unpack(site, db, path, 1 << 20, &dir, &what, &err) < 0);
    if (!strstr(err.buf, "run.log'"))
        fail_msg("'%s' does not name run.log", err.buf);
    free(path);
    free(db);
    free(site);
    free(log);
    strbuf_dispose(&err);
}

/* A run whose host name, version and id carry markup: the pages show it
 * as text, and link no run that is not on the site. */
static void test_site__pages_escape(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *site = xasprintf("%s/pages", tmpdir);
    char *dbp = xasprintf("%s/history.db", site), *index, *text;
    struct history *h;
    json_t *m = json_pack("[{s:s, s:f, s:s, s:s}]", "name", "ndr_pps",
                          "value", 1234.0, "unit", "pps", "better", "higher");
    struct history_run run = {
        .uuid = UUID, .run_id = "<img src=x onerror=alert(2)>",
        .start = "2026-12-01T01:02:03Z", .series = "s<b>1</b>",
        .host = "<script>alert(1)</script>", .topology = "direct\"'",
        .sut_version = "<i>v</i>", .passed = true, .metrics = m,
    };
    FILE *f;
    long n;

    assert_int_equal(mkdir(site, 0755), 0);
    h = history_open(dbp, true, &err);
    assert_non_null(h);
    assert_int_equal(history_add(h, &run, &err), 0);
    history_close(h);
    assert_int_equal(site_build(site, dbp, &err), 0);
    index = xasprintf("%s/index.html", site);
    f = fopen(index, "r");
    assert_non_null(f);
    text = calloc(1, 1 << 20);
    n = (long)fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    assert_true(n > 0);
    assert_non_null(strstr(text, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_null(strstr(text, "<script>alert"));
    assert_null(strstr(text, "<img src=x"));
    assert_null(strstr(text, "<i>v"));
    assert_non_null(strstr(text, "direct&quot;&#39;"));
    /* Not on the site: its id is text, not a link. */
    assert_null(strstr(text, "href=\"runs/"));
    assert_non_null(strstr(text, "1234"));
    free(text);
    free(index);
    free(dbp);
    free(site);
    json_decref(m);
    strbuf_dispose(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_site__member_allowed),
        cmocka_unit_test(test_site__hostile_bundles_refused),
        cmocka_unit_test(test_site__seen_twice_is_a_no_op),
        cmocka_unit_test(test_site__uuid_of_another_run_refused),
        cmocka_unit_test(test_site__truncated_names_the_member),
        cmocka_unit_test(test_site__pages_escape),
    };

    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
