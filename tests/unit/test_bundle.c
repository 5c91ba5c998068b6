/* bundle_write() in a results folder others may write: nothing they put
 * beside the bundle is written through, and the bundle's mode does not
 * depend on the umask (under 002 it came out 0664, and the spool's reader
 * refused it for good).  What the bundle holds: test_report.c; unpacking
 * untrusted bundles: tests/fuzz/fuzz_bundle.c and test_site.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "lib/util.h"
#include "report/bundle.h"
#include "tmpdir.h"

/* A run directory <tmpdir>/<folder>/run with one file; returns it. */
static char *make_run(const char *folder)
{
    char *sub = xasprintf("%s/run", folder);
    char *file = tmpdir_put(sub, "summary.json", "{}\n");
    char *dir = xasprintf("%s/%s", tmpdir, sub);

    free(file);
    free(sub);
    return dir;
}

/* The names of the members of the bundle 'path', one a line. */
static void members(const char *path, struct strbuf *out)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;

    archive_read_support_filter_gzip(a);
    archive_read_support_format_tar(a);
    assert_int_equal(archive_read_open_filename(a, path, 16384), ARCHIVE_OK);
    while (archive_read_next_header(a, &e) == ARCHIVE_OK)
        strbuf_addf(out, "%s\n", archive_entry_pathname(e));
    archive_read_free(a);
}

/* A link at <bundle>.tmp (where the bundle used to be written first) or
 * at the bundle's own name is replaced, never written through. */
static void test_bundle__follows_no_link(void **state)
{
    char *dir = make_run("planted");
    char *victim = tmpdir_put("planted", "victim", "keep");
    char *folder = xasprintf("%s/planted", tmpdir);
    char *path = bundle_path(dir);
    char *tmp = xasprintf("%s.tmp", path);
    struct strbuf err = STRBUF_INIT, text = STRBUF_INIT;
    struct stat st;
    (void)state;

    assert_int_equal(symlink(victim, tmp), 0);
    assert_int_equal(bundle_write(dir, path, &err), 0);
    assert_int_equal(strbuf_read_file(&text, victim), 0);
    assert_string_equal(text.buf, "keep");
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    strbuf_reset(&text);
    members(path, &text);
    assert_string_equal(text.buf, "run/summary.json\n");

    assert_int_equal(unlink(path), 0);
    assert_int_equal(symlink(victim, path), 0);
    assert_int_equal(bundle_write(dir, path, &err), 0);
    strbuf_reset(&text);
    assert_int_equal(strbuf_read_file(&text, victim), 0);
    assert_string_equal(text.buf, "keep");
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    /* run, victim, the planted link and the bundle: no temporary left. */
    assert_int_equal(dir_entries(folder), 4);
    strbuf_dispose(&text);
    strbuf_dispose(&err);
    free(tmp);
    free(path);
    free(folder);
    free(victim);
    free(dir);
}

/* 0644 under umask 002 (a shared lab account's) and under 077 alike. */
static void test_bundle__mode_whatever_the_umask(void **state)
{
    static const mode_t masks[] = { 002, 077, 022 };
    char *dir = make_run("umask");
    char *path = bundle_path(dir);
    struct strbuf err = STRBUF_INIT;
    mode_t old = umask(0);
    struct stat st;
    (void)state;

    for (size_t i = 0; i < sizeof masks / sizeof *masks; i++) {
        umask(masks[i]);
        assert_int_equal(bundle_write(dir, path, &err), 0);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
    }
    umask(old);
    strbuf_dispose(&err);
    free(path);
    free(dir);
}

/* A folder the bundle cannot be made in: the error names the bundle, and
 * nothing is left behind. */
static void test_bundle__unwritable_folder_said(void **state)
{
    char *dir = make_run("nofolder");
    char *path = xasprintf("%s/missing/run.tar.gz", dir);
    struct strbuf err = STRBUF_INIT;
    (void)state;

    assert_int_equal(bundle_write(dir, path, &err), -ENOENT);
    assert_non_null(strstr(err.buf, path));
    assert_int_equal(dir_entries(dir), 1);
    strbuf_dispose(&err);
    free(path);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundle__follows_no_link),
        cmocka_unit_test(test_bundle__mode_whatever_the_umask),
        cmocka_unit_test(test_bundle__unwritable_folder_said),
    };
    return cmocka_run_group_tests_name("bundle", tests, tmpdir_create,
                                       tmpdir_remove);
}
