/* The spool read back by `perftests post`, as a file anyone who can write
 * the spool could have made (issue 16, item 2): no link followed, no
 * record of a landing outside the results folder, no attempt without a
 * timeout.  The spool's own file is included for entry_load(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/bundle.h"
#include "report/spool.c"
#include "run/settings.h"
#include "httpd.h"
#include "tmpdir.h"

/* A results folder <tmpdir>/<name> with a spool holding bundle "b.tar.gz"
 * and its JSON 'meta' (mode 0600).  Returns the results folder. */
static char *spool_with(const char *name, const char *meta)
{
    char *results = xasprintf("%s/%s", tmpdir, name);
    char *spool = xasprintf("%s/.spool", name);
    char *bundle = tmpdir_put(spool, "b.tar.gz", "bundle");
    char *json = tmpdir_put(spool, "b.tar.gz.json", meta);
    char *dir = xasprintf("%s/%s", tmpdir, spool);

    chmod(dir, 0700);
    chmod(json, 0600);
    free(dir);
    free(json);
    free(bundle);
    free(spool);
    return results;
}

/* entry_load() on the spool of 'results'; 0 or its error. */
static int load(const char *results, struct post_target *t, json_t **j,
                struct strbuf *warn, struct strbuf *err)
{
    struct strbuf why = STRBUF_INIT;
    int fd = open_spool(results, &why), rc;

    assert_true(fd >= 0);
    rc = entry_load(fd, "b.tar.gz", t, j, warn, err);
    close(fd);
    strbuf_dispose(&why);
    return rc;
}

static void test_spool__missing_timeout_is_the_default(void **state)
{
    char *results = spool_with("notimeout", "{\"url\": \"http://x.invalid/\"}");
    struct strbuf warn = STRBUF_INIT, err = STRBUF_INIT;
    struct post_target t;
    json_t *j;
    (void)state;

    assert_int_equal(load(results, &t, &j, &warn, &err), 0);
    assert_true(t.timeout == POST_TIMEOUT_DEFAULT);
    assert_non_null(strstr(warn.buf, "timeout missing"));
    /* The same default as REPORT_TIMEOUT's. */
    assert_true(atof(setting_defs[SETTING_REPORT_TIMEOUT].def)
                == POST_TIMEOUT_DEFAULT);
    json_decref(j);
    strbuf_reset(&warn);
    free(results);

    results = spool_with("badtimeout", "{\"url\": \"http://x.invalid/\", "
                         "\"timeout\": 0, \"retries\": 1000000}");
    assert_int_equal(load(results, &t, &j, &warn, &err), 0);
    assert_true(t.timeout == POST_TIMEOUT_DEFAULT);
    assert_int_equal(t.retries, 3);
    json_decref(j);
    strbuf_dispose(&warn);
    strbuf_dispose(&err);
    free(results);
}

/* A "bundle" that links to a file elsewhere is not sent. */
static void test_spool__linked_bundle_refused(void **state)
{
    char *results = spool_with("linked", "{\"url\": \"http://x.invalid/\", "
                               "\"timeout\": 5}");
    char *secret = tmpdir_put("linked", "secret", "password");
    char *bundle = xasprintf("%s/.spool/b.tar.gz", results);
    struct strbuf warn = STRBUF_INIT, err = STRBUF_INIT;
    struct post_target t;
    json_t *j;
    (void)state;

    unlink(bundle);
    assert_int_equal(symlink(secret, bundle), 0);
    assert_int_equal(load(results, &t, &j, &warn, &err), -ELOOP);
    assert_non_null(strstr(err.buf, "symbolic link"));

    /* Nor by post_deliver(), whoever calls it: nothing reaches a server
     * that would take it. */
    assert_int_equal(httpd_start(0), 0);
    t.url = httpd.url;
    strbuf_reset(&err);
    assert_int_equal(post_bundle(&t, bundle, &err), -ELOOP);
    httpd_stop();
    assert_int_equal(httpd.calls, 0);
    json_decref(j);
    strbuf_dispose(&warn);
    strbuf_dispose(&err);
    free(bundle);
    free(secret);
    free(results);
}

/* A spool others can write, or a JSON others can read, is not used. */
static void test_spool__loose_spool_refused(void **state)
{
    char *results = spool_with("loose", "{\"url\": \"http://x.invalid/\"}");
    char *dir = xasprintf("%s/.spool", results);
    struct strbuf err = STRBUF_INIT;
    int sent, failed;
    (void)state;

    chmod(dir, 0777);
    assert_int_equal(spool_send(results, NULL, NULL, &sent, &failed, &err),
                     -EPERM);
    assert_non_null(strstr(err.buf, "writable by others"));
    assert_int_equal(sent + failed, 0);
    strbuf_dispose(&err);
    free(dir);
    free(results);
}

/* The record of the landing goes beside the bundle only when the origin
 * is one in the results folder, never where the JSON says. */
static void test_spool__origin_outside_results_ignored(void **state)
{
    char *outside = xasprintf("%s/outside", tmpdir);
    char *meta = xasprintf("{\"url\": \"http://x.invalid/\", \"timeout\": 5, "
                           "\"origin\": \"%s/b.tar.gz\"}", outside);
    char *results = spool_with("origin", meta);
    char *spooled = xasprintf("%s/.spool/b.tar.gz", results);
    char *mark = xasprintf("%s/b.tar.gz.posted", outside);
    struct post_target t = { .timeout = 5 };
    struct strbuf err = STRBUF_INIT;
    (void)state;

    assert_int_equal(mkdir_p(outside, 0755), 0);
    assert_int_equal(httpd_start(0), 0);
    t.url = httpd.url;
    assert_int_equal(post_deliver(&t, spooled, results, &err), 0);
    httpd_stop();
    assert_int_equal(httpd.calls, 1);
    assert_false(path_is_file(spooled));
    assert_int_equal(access(mark, F_OK), -1);
    strbuf_dispose(&err);
    free(mark);
    free(spooled);
    free(results);
    free(meta);
    free(outside);
}

/* Spools "b.tar.gz" of <tmpdir>/<name> for a port that refuses, with a
 * record of its landing beside it owned by 'owner', and sends the spool:
 * returns how many failed, *left whether the entry is still there. */
static int send_beside_record(const char *name, uid_t owner, bool *left)
{
    char *origin_dir = xasprintf("%s/%s", tmpdir, name);
    char *meta = xasprintf("{\"url\": \"http://127.0.0.1:1/\", \"timeout\": 5, "
                           "\"retries\": 0, \"origin\": \"%s/b.tar.gz\"}",
                           origin_dir);
    char *results = spool_with(name, meta);
    char *record = tmpdir_put(name, "b.tar.gz.posted", "2026 http://x/\n");
    char *json = xasprintf("%s/.spool/b.tar.gz.json", results);
    struct strbuf err = STRBUF_INIT;
    int sent, failed;

    free(tmpdir_put(name, "b.tar.gz", "bundle"));
    assert_int_equal(chown(record, owner, owner), 0);
    assert_int_equal(spool_send(results, NULL, NULL, &sent, &failed, &err), 0);
    assert_int_equal(sent, 0);
    assert_true(path_is_file(record));
    *left = !access(json, F_OK);
    strbuf_dispose(&err);
    free(json);
    free(record);
    free(results);
    free(meta);
    free(origin_dir);
    return failed;
}

/* An entry left in the spool of a bundle that landed (its origin has the
 * record: a spool restored from a backup, a crash between the landing and
 * the entry's removal) is dropped, never sent again.  Were it sent, the
 * port that refuses would make it fail and stay. */
static void test_spool__landed_entry_not_sent_again(void **state)
{
    bool left;
    (void)state;

    assert_int_equal(send_beside_record("landed", geteuid(), &left), 0);
    assert_false(left);
}

/* A record beside the origin that is another user's is not believed: the
 * entry is tried (and fails here, and stays), not dropped unsent. */
static void test_spool__an_untrusted_record_drops_no_entry(void **state)
{
    bool left;
    (void)state;

    if (geteuid() != 0)
        skip();
    assert_int_equal(send_beside_record("foreign", 65534, &left), 1);
    assert_true(left);
}

/* REPORT_CA_FILE goes into the spool with the target, and comes back. */
static void test_spool__ca_file_kept(void **state)
{
    char *bundle = tmpdir_put("cafile", "b.tar.gz", "bundle");
    char *results = xasprintf("%s/cafile", tmpdir);
    struct post_target t = { .url = "https://x.invalid/", .timeout = 5,
                             .ca_file = "/etc/lab-ca.pem" }, back;
    struct strbuf warn = STRBUF_INIT, err = STRBUF_INIT;
    json_t *j;
    (void)state;

    assert_int_equal(spool_add(results, bundle, &t, &err), 0);
    assert_int_equal(load(results, &back, &j, &warn, &err), 0);
    assert_string_equal(back.ca_file, "/etc/lab-ca.pem");
    json_decref(j);
    strbuf_dispose(&warn);
    strbuf_dispose(&err);
    free(results);
    free(bundle);
}

/* A results folder <tmpdir>/<name> holding bundle "b.tar.gz" (mode 0644)
 * and no spool yet; *bundle gets the bundle's path. */
static char *results_with_bundle(const char *name, char **bundle)
{
    *bundle = tmpdir_put(name, "b.tar.gz", "bundle");
    chmod(*bundle, 0644);
    return xasprintf("%s/%s", tmpdir, name);
}

/* A spool others could write, own or have swapped for a link is not
 * written: the error names it, and nothing lands in it or where a link
 * points.  (It used to be written as it was, and then never read.) */
static void test_spool__add_refuses_an_untrusted_spool(void **state)
{
    char *bundle, *results = results_with_bundle("untrusted", &bundle);
    char *spool = xasprintf("%s/.spool", results);
    char *elsewhere = xasprintf("%s/elsewhere", tmpdir);
    char *json = xasprintf("%s/b.tar.gz.json", spool);
    struct post_target t = { .url = "http://x.invalid/", .timeout = 5 };
    struct strbuf err = STRBUF_INIT;
    (void)state;

    assert_int_equal(mkdir(spool, 0777), 0);
    chmod(spool, 0777);
    assert_int_equal(spool_add(results, bundle, &t, &err), -EPERM);
    assert_non_null(strstr(err.buf, spool));
    assert_non_null(strstr(err.buf, "writable by others"));
    assert_int_equal(access(json, F_OK), -1);
    assert_false(spool_has(results, bundle));

    chmod(spool, 0700);
    if (geteuid() == 0) {
        assert_int_equal(chown(spool, 65534, 65534), 0);
        strbuf_reset(&err);
        assert_int_equal(spool_add(results, bundle, &t, &err), -EPERM);
        assert_non_null(strstr(err.buf, "owned by uid 65534"));
        assert_int_equal(access(json, F_OK), -1);
    }

    assert_int_equal(rmdir(spool), 0);
    assert_int_equal(mkdir(elsewhere, 0700), 0);
    assert_int_equal(symlink(elsewhere, spool), 0);
    strbuf_reset(&err);
    assert_int_equal(spool_add(results, bundle, &t, &err), -ELOOP);
    assert_non_null(strstr(err.buf, "symbolic link"));
    assert_int_equal(rmdir(elsewhere), 0);  /* empty: nothing went in */
    strbuf_dispose(&err);
    free(json);
    free(elsewhere);
    free(spool);
    free(results);
    free(bundle);
}

/* A JSON in the spool that is no file of the spool's owner (a link, a
 * fifo, another user's) is no entry: the bundle is said to be spooled
 * anew, and is, rather than "still waits" while nothing would send it. */
static void test_spool__a_planted_json_is_no_entry(void **state)
{
    char *bundle, *results = results_with_bundle("planted", &bundle);
    char *spool = xasprintf("%s/.spool", results);
    char *json = xasprintf("%s/b.tar.gz.json", spool);
    char *victim = tmpdir_put("planted", "victim", "keep");
    struct post_target t = { .timeout = 5 }, back;
    struct strbuf err = STRBUF_INIT, warn = STRBUF_INIT;
    struct stat st;
    json_t *j;
    (void)state;

    assert_int_equal(mkdir(spool, 0700), 0);
    /* A server that refuses every upload: the bundle goes to the spool. */
    assert_int_equal(httpd_start(-1), 0);
    t.url = httpd.url;
    for (int kind = 0; kind < 3; kind++) {
        unlink(json);
        if (kind == 0)
            assert_int_equal(symlink(victim, json), 0);
        else if (kind == 1)
            assert_int_equal(mkfifo(json, 0600), 0);
        else if (geteuid() == 0)
            free(tmpdir_put("planted/.spool", "b.tar.gz.json",
                            "{\"url\": \"http://x.invalid/\"}")),
            assert_int_equal(chown(json, 65534, 65534), 0);
        else
            continue;
        assert_false(spool_has(results, bundle));
        strbuf_reset(&err);
        assert_int_equal(post_deliver(&t, bundle, results, &err), -EIO);
        assert_non_null(strstr(err.buf, HTTPD_REFUSED));
        assert_non_null(strstr(err.buf, "for 'perftests post'"));
        assert_true(spool_has(results, bundle));
        assert_int_equal(lstat(json, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(load(results, &back, &j, &warn, &err), 0);
        json_decref(j);
    }
    httpd_stop();
    strbuf_reset(&err);
    assert_int_equal(strbuf_read_file(&err, victim), 0);
    assert_string_equal(err.buf, "keep");
    strbuf_dispose(&warn);
    strbuf_dispose(&err);
    free(victim);
    free(json);
    free(spool);
    free(results);
    free(bundle);
}

/* A bundle made under umask 002 is spooled and read back: it came out
 * 0664, was hard-linked into the spool, and the reader refused it every
 * time. */
static void test_spool__a_bundle_made_under_umask_002_is_read_back(void **state)
{
    char *file = tmpdir_put("umask/run", "summary.json", "{}\n");
    char *dir = xasprintf("%s/umask/run", tmpdir);
    char *results = xasprintf("%s/umask", tmpdir);
    char *bundle = bundle_path(dir);
    struct post_target t = { .url = "http://x.invalid/", .timeout = 5 }, back;
    struct strbuf err = STRBUF_INIT, warn = STRBUF_INIT;
    mode_t old = umask(002);
    struct stat st;
    json_t *j;
    int fd;
    (void)state;

    assert_int_equal(bundle_write(dir, bundle, &err), 0);
    assert_int_equal(spool_add(results, bundle, &t, &err), 0);
    umask(old);
    assert_int_equal(stat(bundle, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    fd = open_spool(results, &err);
    assert_true(fd >= 0);
    assert_int_equal(entry_load(fd, "run.tar.gz", &back, &j, &warn, &err), 0);
    close(fd);
    json_decref(j);
    strbuf_dispose(&warn);
    strbuf_dispose(&err);
    free(bundle);
    free(results);
    free(dir);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spool__missing_timeout_is_the_default),
        cmocka_unit_test(test_spool__linked_bundle_refused),
        cmocka_unit_test(test_spool__loose_spool_refused),
        cmocka_unit_test(test_spool__origin_outside_results_ignored),
        cmocka_unit_test(test_spool__landed_entry_not_sent_again),
        cmocka_unit_test(test_spool__an_untrusted_record_drops_no_entry),
        cmocka_unit_test(test_spool__ca_file_kept),
        cmocka_unit_test(test_spool__add_refuses_an_untrusted_spool),
        cmocka_unit_test(test_spool__a_planted_json_is_no_entry),
        cmocka_unit_test(test_spool__a_bundle_made_under_umask_002_is_read_back),
    };
    return cmocka_run_group_tests_name("spool", tests, tmpdir_create,
                                       tmpdir_remove);
}
