/* lib/util: opening files others may have put there and the host-wide
 * run lock (issue 16, items 7 and 8); the one redaction every log line,
 * metadata field and bundle goes through (url_redact): a URL's password
 * and the values of query keys that carry secrets, wherever in the text a
 * URL stands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "lib/util.h"
#include "tmpdir.h"

static int open_checked(const char *path, const struct untrusted *want,
                        struct strbuf *err)
{
    int fd;

    strbuf_reset(err);
    fd = util_open_untrusted(AT_FDCWD, path, want, NULL, err);
    if (fd >= 0)
        close(fd);
    return fd >= 0 ? 0 : fd;
}

static void test_util__open_untrusted(void **state)
{
    char *file = tmpdir_put("u", "file", "0123456789");
    char *lnk = xasprintf("%s/u/link", tmpdir);
    char *hard = xasprintf("%s/u/hard", tmpdir);
    char *dir = xasprintf("%s/u", tmpdir);
    char *fifo = xasprintf("%s/u/fifo", tmpdir);
    struct untrusted want = { .owner = geteuid(), .private_mode = true };
    struct strbuf err = STRBUF_INIT;
    (void)state;

    chmod(file, 0644);
    assert_int_equal(open_checked(file, &want, &err), 0);
    assert_int_equal(symlink(file, lnk), 0);
    assert_int_equal(open_checked(lnk, &want, &err), -ELOOP);
    assert_non_null(strstr(err.buf, "symbolic link"));
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(open_checked(fifo, &want, &err), -EINVAL);
    assert_int_equal(open_checked(dir, &want, &err), -EINVAL);
    want.max_size = 5;
    assert_int_equal(open_checked(file, &want, &err), -EFBIG);
    want.max_size = 0;
    want.single_link = true;
    assert_int_equal(link(file, hard), 0);
    assert_int_equal(open_checked(file, &want, &err), -EMLINK);
    want.single_link = false;
    chmod(file, 0646);
    assert_int_equal(open_checked(file, &want, &err), -EPERM);
    assert_non_null(strstr(err.buf, "writable by others"));
    want.directory = true;
    assert_int_equal(open_checked(dir, &want, &err), 0);
    assert_int_equal(open_checked(lnk, &want, &err), -ELOOP);
    if (geteuid() == 0) {
        chmod(file, 0644);
        chown(file, 65534, 65534);
        want.directory = false;
        assert_int_equal(open_checked(file, &want, &err), -EPERM);
        assert_non_null(strstr(err.buf, "owned by uid 65534"));
    }
    strbuf_dispose(&err);
    free(fifo);
    free(dir);
    free(hard);
    free(lnk);
    free(file);
}

/* A link planted where the old code put its temporary file (<path>.tmp)
 * is not written through, and the file is 0644 whatever the umask (002
 * made it group-writable, which the spool's reader refuses). */
static void test_util__write_file_atomic_follows_no_link(void **state)
{
    char *victim = tmpdir_put("atomic", "victim", "keep");
    char *dir = xasprintf("%s/atomic", tmpdir);
    char *path = xasprintf("%s/out", dir);
    char *planted = xasprintf("%s.tmp", path);
    struct strbuf text = STRBUF_INIT;
    struct stat st;
    mode_t old = umask(002);
    (void)state;

    assert_int_equal(symlink(victim, planted), 0);
    assert_int_equal(write_file_atomic(path, "new", 3), 0);
    assert_int_equal(strbuf_read_file(&text, victim), 0);
    assert_string_equal(text.buf, "keep");
    strbuf_reset(&text);
    assert_int_equal(strbuf_read_file(&text, path), 0);
    assert_string_equal(text.buf, "new");
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    umask(077);
    assert_int_equal(write_file_atomic(path, "again", 5), 0);
    assert_int_equal(lstat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    umask(old);
    /* victim, the planted link and the file: no temporary file left. */
    assert_int_equal(dir_entries(dir), 3);
    strbuf_dispose(&text);
    free(planted);
    free(path);
    free(dir);
    free(victim);
}

static void note_waiting(const char *holder)
{
    assert_string_equal(holder, "run A (pid 1)");
    setenv("PT_TEST_WAITED", "1", 1);
}

/* A second run is told who holds the lock; it waits for it, or without
 * waiting gives up at once. */
static void test_util__host_lock(void **state)
{
    char *path = xasprintf("%s/host.lock", tmpdir);
    struct strbuf holder = STRBUF_INIT;
    int go[2], fd;
    pid_t first;
    char c;
    (void)state;

    assert_int_equal(pipe(go), 0);
    first = fork();
    if (first == 0) {
        struct strbuf sb = STRBUF_INIT;
        int held = host_lock(path, "run A (pid 1)", false, NULL, &sb);
        if (held < 0 || write(go[1], "x", 1) != 1)
            _exit(1);
        sleep_ms(500);
        _exit(0);
    }
    assert_int_equal(read(go[0], &c, 1), 1);
    assert_int_equal(host_lock(path, "run B", false, NULL, &holder),
                     -EWOULDBLOCK);
    assert_string_equal(holder.buf, "run A (pid 1)");

    unsetenv("PT_TEST_WAITED");
    fd = host_lock(path, "run B", true, note_waiting, &holder);
    assert_true(fd >= 0);
    assert_non_null(getenv("PT_TEST_WAITED"));
    assert_int_equal(waitpid(first, NULL, WNOHANG), first);
    close(fd);
    /* Released with the descriptor: the next one takes it at once. */
    fd = host_lock(path, "run C", false, NULL, &holder);
    assert_true(fd >= 0);
    close(fd);
    close(go[0]);
    close(go[1]);
    strbuf_dispose(&holder);
    free(path);
}

/* The holder has the lock but has not written its name yet (host_lock
 * writes it right after flock): the one that finds it held waits a moment
 * for the name instead of saying the run has none. */
static void test_util__host_lock_name_written_late(void **state)
{
    char *path = xasprintf("%s/late.lock", tmpdir);
    struct strbuf holder = STRBUF_INIT;
    int go[2];
    pid_t first;
    char c;
    (void)state;

    assert_int_equal(pipe(go), 0);
    first = fork();
    if (first == 0) {
        int fd = open(path, O_RDWR | O_CREAT, 0644);
        if (fd < 0 || flock(fd, LOCK_EX) || write(go[1], "x", 1) != 1)
            _exit(1);
        sleep_ms(100);
        if (write(fd, "run A (pid 1)\n", 14) != 14)
            _exit(1);
        sleep_ms(300);
        _exit(0);
    }
    assert_int_equal(read(go[0], &c, 1), 1);
    assert_int_equal(host_lock(path, "run B", false, NULL, &holder),
                     -EWOULDBLOCK);
    assert_string_equal(holder.buf, "run A (pid 1)");
    assert_int_equal(waitpid(first, NULL, 0), first);
    close(go[0]);
    close(go[1]);
    strbuf_dispose(&holder);
    free(path);
}

static void expect_redacted(const char *const (*cases)[2], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *got = url_redact(cases[i][0]);
        char shown[512];
        bool same = !strcmp(got, cases[i][1]);

        /* Freed before failing: cmocka's failure jumps out. */
        snprintf(shown, sizeof shown, "%s", got);
        free(got);
        if (!same)
            fail_msg("url_redact(\"%s\"):\n  got  \"%s\"\n  want \"%s\"",
                     cases[i][0], shown, cases[i][1]);
    }
}

static void test_util__url_redact_user_info(void **state)
{
    static const char *const cases[][2] = {
        { "http://user:pw@host:8080/a/b", "http://user:***@host:8080/a/b" },
        { "REPORT_URL=sftp://me:p:w@h/x", "REPORT_URL=sftp://me:***@h/x" },
        { "http://user@host/a@b", "http://user@host/a@b" },
        { "http://host/a:b@c", "http://host/a:b@c" },
        { "basic_topology", "basic_topology" },
        { "", "" },
        { "://", "://" },
        { "http://u:@h/", "http://u:***@h/" },
    };

    expect_redacted(cases, sizeof cases / sizeof *cases);
}

/* Signed URLs (S3, Azure SAS), OAuth tokens and API keys travel in the
 * query string: their values are as secret as a password. */
static void test_util__url_redact_query_secrets(void **state)
{
    static const char *const cases[][2] = {
        { "https://h/up/?token=abc123", "https://h/up/?token=***" },
        { "https://h/x?a=1&access_token=t0k&b=2",
          "https://h/x?a=1&access_token=***&b=2" },
        { "https://acct.blob/c/b?sv=2021&sig=AbC%2F&se=2030",
          "https://acct.blob/c/b?sv=2021&sig=***&se=2030" },
        { "https://s3/b/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=ff",
          "https://s3/b/k?X-Amz-Credential=***&X-Amz-Signature=***" },
        { "http://h/?key=k1;Password=p;api_key=z;client_secret=s",
          "http://h/?key=***;Password=***;api_key=***;client_secret=***" },
        { "http://h/cb#access_token=t&state=1",
          "http://h/cb#access_token=***&state=1" },
        /* Not secrets: a key that merely ends in "key", a bare flag, an
         * empty value, a path that looks like a query. */
        { "http://h/?monkey=1&token&sig=", "http://h/?monkey=1&token&sig=" },
        { "http://h/token=abc/x", "http://h/token=abc/x" },
        { "token=abc", "token=abc" },
    };

    expect_redacted(cases, sizeof cases / sizeof *cases);
}

/* A log line or a command line holds more than one URL, and text around
 * them: each URL is redacted, the text stays. */
static void test_util__url_redact_every_url_in_text(void **state)
{
    static const char *const cases[][2] = {
        { "perftests --post http://a:b@h1/?token=x -o REPORT_URL=sftp://c:d@h2/"
          "p?sig=s basic_topology",
          "perftests --post http://a:***@h1/?token=*** -o REPORT_URL=sftp://"
          "c:***@h2/p?sig=*** basic_topology" },
        { "REPORT_URL = https://u:p@h/?password=q (-o)",
          "REPORT_URL = https://u:***@h/?password=*** (-o)" },
        { "\"url\": \"https://h/?token=x\", \"m\": 1",
          "\"url\": \"https://h/?token=***\", \"m\": 1" },
    };

    expect_redacted(cases, sizeof cases / sizeof *cases);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util__open_untrusted),
        cmocka_unit_test(test_util__write_file_atomic_follows_no_link),
        cmocka_unit_test(test_util__host_lock),
        cmocka_unit_test(test_util__host_lock_name_written_late),
        cmocka_unit_test(test_util__url_redact_user_info),
        cmocka_unit_test(test_util__url_redact_query_secrets),
        cmocka_unit_test(test_util__url_redact_every_url_in_text),
    };
    return cmocka_run_group_tests_name("util", tests, tmpdir_create,
                                       tmpdir_remove);
}
