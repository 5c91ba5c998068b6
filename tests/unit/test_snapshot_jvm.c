/* The heap dump taken from the folder the JVM's user owns (issue 16,
 * item 8): what that user put there is copied only when it is the plain
 * file the JVM wrote.  The file is included for take_dump(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sut/snapshot_jvm.c"
#include "tmpdir.h"

static void test_snapshot_jvm__take_dump(void **state)
{
    char *dump = tmpdir_put("jvm", "jvm-1.hprof", "JAVA PROFILE 1.0.2");
    char *secret = tmpdir_put("root", "shadow", "root:$6$secret");
    char *lnk = xasprintf("%s/jvm/jvm-2.hprof", tmpdir);
    char *hard = xasprintf("%s/jvm/jvm-3.hprof", tmpdir);
    char *to = xasprintf("%s/root/jvm.hprof", tmpdir);
    struct strbuf err = STRBUF_INIT, got = STRBUF_INIT;
    (void)state;

    /* The plain file the JVM wrote is copied. */
    assert_int_equal(take_dump(dump, geteuid(), to, &err), 0);
    assert_int_equal(strbuf_read_file(&got, to), 0);
    assert_string_equal(got.buf, "JAVA PROFILE 1.0.2");
    unlink(to);

    /* A link to a file of root's is not followed, nor is a hard link. */
    assert_int_equal(symlink(secret, lnk), 0);
    assert_int_equal(take_dump(lnk, geteuid(), to, &err), -ELOOP);
    assert_non_null(strstr(err.buf, "symbolic link"));
    assert_false(path_is_file(to));
    assert_int_equal(link(secret, hard), 0);
    strbuf_reset(&err);
    assert_int_equal(take_dump(hard, geteuid(), to, &err), -EMLINK);
    assert_false(path_is_file(to));

    /* Nor is a file the JVM's user does not own (when we can tell). */
    if (geteuid() == 0) {
        chown(dump, 65534, 65534);
        strbuf_reset(&err);
        assert_int_equal(take_dump(dump, 65533, to, &err), -EPERM);
        assert_false(path_is_file(to));
        assert_int_equal(take_dump(dump, 65534, to, &err), 0);
    }
    strbuf_dispose(&got);
    strbuf_dispose(&err);
    free(to);
    free(hard);
    free(lnk);
    free(secret);
    free(dump);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot_jvm__take_dump),
    };
    return cmocka_run_group_tests_name("snapshot_jvm", tests, tmpdir_create,
                                       tmpdir_remove);
}
