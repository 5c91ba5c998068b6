/* Post-or-spool (post_deliver) through libcurl's PUT transport to a real
 * HTTP listener of the test's own, which refuses as many uploads as a
 * test asks: the retries, the spool as the fallback, the spool emptied by
 * a later landing, and no password in what it says.  The transports meet
 * a real nginx in tests/integration/report.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "report/post.h"
#include "httpd.h"
#include "tmpdir.h"

#define SECRET "s3cret"
#define URL (httpd.url)
#define URL_SHOWN (httpd.shown)

/* A target of libcurl's transport for its URL's scheme. */
static struct post_target target(const char *url, int retries)
{
    struct post_target t = { .url = url, .method = "put", .ssh_key = "",
                             .retries = retries, .retry_delay = 0,
                             .timeout = 5 };

    return t;
}

/* Each test has a results folder of its own holding "run.tar.gz". */
struct fixture {
    char *dir;
    char *bundle;
    char *spooled;          /* where the spool keeps the bundle */
    struct strbuf err;
    struct strbuf text;     /* what a test reads back */
};

static int setup(void **state)
{
    static int n;
    struct fixture *f = xcalloc(1, sizeof *f);

    f->dir = xasprintf("%s/%d", tmpdir, ++n);
    f->bundle = xasprintf("%s/run.tar.gz", f->dir);
    f->spooled = xasprintf("%s/.spool/run.tar.gz", f->dir);
    strbuf_init(&f->err);
    strbuf_init(&f->text);
    *state = f;
    if (httpd_start(0))
        return -1;
    if (mkdir_p(f->dir, 0755))
        return -1;
    return write_file_atomic(f->bundle, "bundle", 6);
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    httpd_stop();
    strbuf_dispose(&f->text);
    strbuf_dispose(&f->err);
    free(f->spooled);
    free(f->bundle);
    free(f->dir);
    free(f);
    return 0;
}

/* What <dir>/.spool/ holds, "." and ".." aside; -1 when it is not there. */
static int spool_entries(const char *dir)
{
    char *spool = xasprintf("%s/.spool", dir);
    int n = dir_entries(spool);

    free(spool);
    return n;
}

static void test_post__retries_until_it_lands(void **state)
{
    struct fixture *f = *state;
    struct post_target t = target(URL, 3);

    httpd.fail_first = 2;
    assert_int_equal(post_deliver(&t, f->bundle, f->dir, &f->err), 0);
    assert_int_equal(httpd.calls, 3);
    assert_int_equal(f->err.len, 0);
    assert_int_equal(spool_entries(f->dir), -1);
    /* The record of the landing names the URL, not its password. */
    assert_true(post_already(f->bundle, &f->text));
    assert_non_null(strstr(f->text.buf, URL_SHOWN));
    assert_null(strstr(f->text.buf, SECRET));
}

static void test_post__spools_when_every_attempt_fails(void **state)
{
    struct fixture *f = *state;
    struct post_target t = target(URL, 2);
    char *waits = xasprintf("it waits in %s/.spool/ for 'perftests post'",
                            f->dir);

    httpd.fail_first = -1;
    assert_int_equal(post_deliver(&t, f->bundle, f->dir, &f->err), -EIO);
    assert_int_equal(httpd.calls, 3);
    assert_true(spool_has(f->dir, "run.tar.gz"));
    assert_true(path_is_file(f->spooled));
    assert_int_equal(spool_entries(f->dir), 2);
    assert_false(post_already(f->bundle, &f->text));
    /* Where it failed (no password), why, and where it waits. */
    assert_non_null(strstr(f->err.buf, URL_SHOWN));
    assert_null(strstr(f->err.buf, SECRET));
    assert_non_null(strstr(f->err.buf, HTTPD_REFUSED));
    assert_non_null(strstr(f->err.buf, waits));
    free(waits);
}

static void test_post__no_retry_once_stopped(void **state)
{
    struct fixture *f = *state;
    struct post_target t = target(URL, 5);
    volatile sig_atomic_t stop = 1;

    t.stop = &stop;
    httpd.fail_first = -1;
    assert_int_equal(post_deliver(&t, f->bundle, f->dir, &f->err), -EINTR);
    /* The upload under way ends at once (before or after its request
     * went), and none of the 5 retries starts. */
    assert_true(httpd.calls <= 1);
    assert_true(spool_has(f->dir, "run.tar.gz"));
}

static void test_post__a_spooled_bundle_leaves_the_spool_when_sent(void **state)
{
    struct fixture *f = *state;
    struct post_target t = target(URL, 0);

    assert_int_equal(spool_add(f->dir, f->bundle, &t, &f->err), 0);
    httpd.fail_first = 0;
    assert_int_equal(post_deliver(&t, f->bundle, f->dir, &f->err), 0);
    assert_int_equal(httpd.calls, 1);
    assert_false(spool_has(f->dir, "run.tar.gz"));
    assert_int_equal(spool_entries(f->dir), 0);
    assert_true(path_is_file(f->bundle));
    assert_true(post_already(f->bundle, &f->text));
}

/* What `perftests post` does with the spool: it sends the spooled copy,
 * and the record of the landing goes beside the bundle it came from. */
static void test_post__the_spooled_copy_sent_marks_its_origin(void **state)
{
    struct fixture *f = *state;
    struct post_target t = target(URL, 0);

    assert_int_equal(spool_add(f->dir, f->bundle, &t, &f->err), 0);
    httpd.fail_first = 0;
    assert_int_equal(post_deliver(&t, f->spooled, f->dir, &f->err), 0);
    assert_int_equal(httpd.calls, 1);
    assert_int_equal(spool_entries(f->dir), 0);
    assert_true(post_already(f->bundle, &f->text));
    assert_non_null(strstr(f->text.buf, URL_SHOWN));
}

static void test_post__a_spooled_bundle_is_not_spooled_twice(void **state)
{
    struct fixture *f = *state;
    char *meta = xasprintf("%s.json", f->spooled);
    struct post_target first = target("http://first.invalid/", 0);
    struct post_target t = target(URL, 1);

    assert_int_equal(spool_add(f->dir, f->bundle, &first, &f->err), 0);
    httpd.fail_first = -1;
    assert_int_equal(post_deliver(&t, f->bundle, f->dir, &f->err), -EIO);
    assert_int_equal(httpd.calls, 2);
    /* Still the one entry, with the target it was spooled with. */
    assert_int_equal(spool_entries(f->dir), 2);
    assert_int_equal(strbuf_read_file(&f->text, meta), 0);
    assert_non_null(strstr(f->text.buf, "first.invalid"));
    assert_null(strstr(f->text.buf, "reports.invalid"));
    assert_non_null(strstr(f->err.buf, URL_SHOWN));
    assert_null(strstr(f->err.buf, SECRET));
    assert_non_null(strstr(f->err.buf, "it still waits in"));
    free(meta);
}

static void test_post__neither_posted_nor_spooled(void **state)
{
    struct fixture *f = *state;
    struct post_target t = target(URL, 0);

    httpd.fail_first = -1;
    /* A file where the results folder should be: no spool in it. */
    assert_int_equal(post_deliver(&t, f->bundle, f->bundle, &f->err), -EIO);
    assert_int_equal(httpd.calls, 1);
    assert_non_null(strstr(f->err.buf, URL_SHOWN));
    assert_non_null(strstr(f->err.buf, HTTPD_REFUSED));
    assert_non_null(strstr(f->err.buf, "nor spooled: cannot spool"));
    assert_int_equal(spool_entries(f->dir), -1);
}

/* scp/sftp without a known_hosts file would take any host key (libcurl
 * checks none then): nothing is sent, and the error names the file and
 * the setting, before any connection. */
static void test_post__ssh_needs_known_hosts(void **state)
{
    struct fixture *f = *state;
    const char *url = "sftp://perf@127.0.0.1:1/in/";
    char *missing = xasprintf("%s/none/known_hosts", f->dir);
    char *home = xasprintf("%s/home", f->dir);
    char *want = xasprintf("%s/.ssh/known_hosts", home);
    char *old_home = getenv("HOME") ? xstrdup(getenv("HOME")) : NULL;
    struct post_target t = target(url, 0);

    assert_non_null(post_transport_find(url));
    t.known_hosts = missing;
    assert_int_not_equal(post_bundle(&t, f->bundle, &f->err), 0);
    assert_non_null(strstr(f->err.buf, missing));
    assert_non_null(strstr(f->err.buf, "REPORT_KNOWN_HOSTS"));
    assert_null(strstr(f->err.buf, "connect"));
    /* Unset: the user's own ~/.ssh/known_hosts, named when missing. */
    strbuf_reset(&f->err);
    setenv("HOME", home, 1);
    t.known_hosts = "";
    assert_int_not_equal(post_bundle(&t, f->bundle, &f->err), 0);
    if (old_home)
        setenv("HOME", old_home, 1);
    else
        unsetenv("HOME");
    assert_non_null(strstr(f->err.buf, want));
    free(old_home);
    free(want);
    free(home);
    free(missing);
}

/* A record of a landing that is not ours (another user's file, a fifo,
 * something far too big) is not believed: anyone who can write the
 * results folder could otherwise have a bundle dropped unsent, or hang
 * the reading.  It is said, naming it; and the next landing replaces it
 * with a record of our own rather than writing through it. */
static void test_post__an_untrusted_record_is_not_believed(void **state)
{
    struct fixture *f = *state;
    struct post_target t = target(URL, 0);
    char *record = xasprintf("%s.posted", f->bundle);
    char *log = xasprintf("%s/log", f->dir);
    char big[8192];
    struct stat st;

    /* A fifo read without O_NONBLOCK would wait for a writer forever. */
    alarm(20);
    assert_int_equal(log_open_file(log), 0);
    assert_int_equal(mkfifo(record, 0644), 0);
    assert_false(post_already(f->bundle, &f->text));
    unlink(record);
    memset(big, 'x', sizeof big);
    assert_int_equal(write_file_atomic(record, big, sizeof big), 0);
    assert_false(post_already(f->bundle, &f->text));
    if (geteuid() == 0) {
        assert_int_equal(write_file_atomic(record, "2026 http://x/\n", 15), 0);
        assert_int_equal(chown(record, 65534, 65534), 0);
        assert_false(post_already(f->bundle, &f->text));
    }
    log_close_file();
    assert_int_equal(strbuf_read_file(&f->text, log), 0);
    assert_non_null(strstr(f->text.buf, record));
    assert_non_null(strstr(f->text.buf, "not believed"));

    /* A fifo where the record goes: the landing is recorded all the
     * same, in a file of our own. */
    unlink(record);
    assert_int_equal(mkfifo(record, 0644), 0);
    httpd.fail_first = 0;
    assert_int_equal(post_deliver(&t, f->bundle, f->dir, &f->err), 0);
    assert_int_equal(lstat(record, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_uid, geteuid());
    strbuf_reset(&f->text);
    assert_true(post_already(f->bundle, &f->text));
    assert_non_null(strstr(f->text.buf, URL_SHOWN));
    alarm(0);
    free(log);
    free(record);
}

/* The bundle of the test under way, for swap_bundle(). */
static const char *swapped;

/* As the first upload arrives, swaps the bundle's name for a link to
 * another file, as anyone who can write the results folder could. */
static void swap_bundle(void)
{
    char *aside = xasprintf("%s.aside", swapped);
    char *secret = xasprintf("%s.secret", swapped);

    assert_int_equal(write_file_atomic(secret, "secret", 6), 0);
    assert_int_equal(rename(swapped, aside), 0);
    assert_int_equal(symlink(secret, swapped), 0);
    free(secret);
    free(aside);
}

/* A retry sends the file that was checked, not what its name points to
 * by then: the transports used to open the name again at each attempt. */
static void test_post__a_retry_sends_what_was_checked(void **state)
{
    struct fixture *f = *state;
    struct post_target t = target(URL, 1);

    swapped = f->bundle;
    httpd.on_first = swap_bundle;
    httpd.fail_first = 1;
    assert_int_equal(post_bundle(&t, f->bundle, &f->err), 0);
    assert_int_equal(httpd.calls, 2);
    assert_string_equal(httpd.body.buf, "bundle");
}

static void *stop_later(void *arg)
{
    sleep_ms(300);
    *(volatile sig_atomic_t *)arg = 1;
    return NULL;
}

/* A report server that takes the connection and never answers holds an
 * upload for REPORT_TIMEOUT; Ctrl-C (t->stop) must end it at once.  The
 * libcurl transport, against a listener of the test's own that the
 * kernel accepts for and nobody reads. */
static void test_post__an_upload_ends_when_stopped(void **state)
{
    struct fixture *f = *state;
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t len = sizeof a;
    int l = socket(AF_INET, SOCK_STREAM, 0);
    volatile sig_atomic_t stop = 0;
    const struct post_transport *http;
    struct post_target t = target("", 0);
    long long t0;
    pthread_t th;
    int fd;
    char *url;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(l, 4), 0);
    assert_int_equal(getsockname(l, (struct sockaddr *)&a, &len), 0);
    url = xasprintf("http://127.0.0.1:%d/up/", ntohs(a.sin_port));
    http = post_transport_find(url);
    assert_non_null(http);
    t.url = url;
    t.timeout = 30;
    t.stop = &stop;
    t0 = monotonic_ms();
    pthread_create(&th, NULL, stop_later, (void *)&stop);
    fd = open(f->bundle, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_not_equal(http->send(&t, f->bundle, fd, &f->err), 0);
    close(fd);
    assert_true(monotonic_ms() - t0 < 3000);
    assert_non_null(strstr(f->err.buf, "interrupted"));
    pthread_join(th, NULL);
    close(l);
    free(url);
}

#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST(test_post__retries_until_it_lands),
        TEST(test_post__spools_when_every_attempt_fails),
        TEST(test_post__no_retry_once_stopped),
        TEST(test_post__a_spooled_bundle_leaves_the_spool_when_sent),
        TEST(test_post__the_spooled_copy_sent_marks_its_origin),
        TEST(test_post__a_spooled_bundle_is_not_spooled_twice),
        TEST(test_post__neither_posted_nor_spooled),
        TEST(test_post__ssh_needs_known_hosts),
        TEST(test_post__an_untrusted_record_is_not_believed),
        TEST(test_post__a_retry_sends_what_was_checked),
        TEST(test_post__an_upload_ends_when_stopped),
    };
    return cmocka_run_group_tests_name("post", tests, tmpdir_create,
                                       tmpdir_remove);
}
