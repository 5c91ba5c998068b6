/* lib/util: opening files others may have put there, and the host-wide
 * run lock (issue 16, items 7 and 8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util__open_untrusted),
        cmocka_unit_test(test_util__host_lock),
    };
    return cmocka_run_group_tests_name("util", tests, tmpdir_create,
                                       tmpdir_remove);
}
