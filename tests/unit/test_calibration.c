/* The calibration cache: what `perftests calibrate` keeps, and a file
 * anyone with the results folder may have written. */
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

#include "lib/util.h"
#include "run/calibration.h"
#include "tmpdir.h"

static void write_cache(const char *host, const char *text)
{
    char *name = xasprintf("%s.json", host);

    free(tmpdir_put(".calibration", name, text));
    free(name);
}

static void test_calibration__round_trip(void **state)
{
    struct calibration c = { .ceiling_pps = 261333.5 }, back;
    struct strbuf err = STRBUF_INIT;
    json_t *detail = json_pack("{s:i}", "trials", 37);

    snprintf(c.date, sizeof c.date, "2026-11-30T13:07:10Z");
    snprintf(c.run, sizeof c.run, "vm-20261130-130629-0778a6");
    assert_int_equal(calibration_save(tmpdir, "lab1", &c, detail, &err), 0);
    assert_int_equal(calibration_load(tmpdir, "lab1", &back, &err), 0);
    assert_true(back.ceiling_pps == 261333.5);
    assert_string_equal(back.date, "2026-11-30T13:07:10Z");
    assert_string_equal(back.run, "vm-20261130-130629-0778a6");
    /* Another host has none. */
    assert_int_equal(calibration_load(tmpdir, "lab2", &back, &err), -ENOENT);
    assert_int_equal(err.len, 0);
    json_decref(detail);
    strbuf_dispose(&err);
}

/* Each untrusted file is refused with the file and what is wrong. */
static void test_calibration__bad_files(void **state)
{
    static const struct { const char *text, *says; } cases[] = {
        { "{\"host\": \"bad\", \"date\": \"x\", \"ceiling_pps\": ",
          "bad.json:1:" },
        { "{\"host\": \"bad\", \"date\": \"x\", \"ceiling_pps\": -5}",
          "\"ceiling_pps\": expected a number above 0" },
        { "{\"host\": \"bad\", \"date\": \"x\", \"ceiling_pps\": \"9\"}",
          "\"ceiling_pps\": expected a number above 0" },
        { "{\"host\": \"bad\", \"date\": 7, \"ceiling_pps\": 9}",
          "\"date\": expected an ISO 8601 time" },
        { "{\"host\": \"other\", \"date\": \"x\", \"ceiling_pps\": 9}",
          "\"host\": expected this host's name" },
        { "[1, 2]", "\"ceiling_pps\": expected a number above 0" },
    };
    struct calibration c;
    struct strbuf err = STRBUF_INIT;

    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        write_cache("bad", cases[i].text);
        strbuf_reset(&err);
        assert_int_equal(calibration_load(tmpdir, "bad", &c, &err), -EINVAL);
        assert_non_null(strstr(err.buf, "/.calibration/bad.json"));
        assert_non_null(strstr(err.buf, cases[i].says));
        assert_true(c.ceiling_pps == 0);
    }
    strbuf_dispose(&err);
}

/* A cache that someone else could have written is not believed, however
 * well formed: a forged ceiling of 1 pps would mark every figure the
 * generator's, and no regression could fire. */
static void test_calibration__untrusted_files(void **state)
{
    static const char good[] = "{\"host\": \"h\", \"date\": \"x\", "
                               "\"ceiling_pps\": 1}";
    char *dir = xasprintf("%s/.calibration", tmpdir);
    char *file = xasprintf("%s/h.json", dir);
    char *real = xasprintf("%s/real.json", dir);
    struct calibration c;
    struct strbuf err = STRBUF_INIT;

    write_cache("real", good);
    write_cache("h", good);
    assert_int_equal(calibration_load(tmpdir, "h", &c, &err), 0);

    /* Writable by others. */
    assert_int_equal(chmod(file, 0666), 0);
    assert_int_equal(calibration_load(tmpdir, "h", &c, &err), -EPERM);
    assert_non_null(strstr(err.buf, "h.json"));
    assert_non_null(strstr(err.buf, "/.calibration"));
    assert_true(c.ceiling_pps == 0);
    assert_int_equal(chmod(file, 0644), 0);

    /* Owned by another user (root can make one). */
    if (geteuid() == 0) {
        assert_int_equal(chown(file, 65534, 65534), 0);
        strbuf_reset(&err);
        assert_int_equal(calibration_load(tmpdir, "h", &c, &err), -EPERM);
        assert_int_equal(chown(file, 0, 0), 0);
    }

    /* A symbolic link to a good one, and a second link to it. */
    assert_int_equal(unlink(file), 0);
    assert_int_equal(symlink(real, file), 0);
    strbuf_reset(&err);
    assert_int_equal(calibration_load(tmpdir, "h", &c, &err), -ELOOP);
    assert_non_null(strstr(err.buf, "symbolic link"));
    assert_int_equal(unlink(file), 0);
    assert_int_equal(link(real, file), 0);
    assert_int_equal(calibration_load(tmpdir, "h", &c, &err), -EMLINK);
    assert_int_equal(unlink(file), 0);

    /* A FIFO is refused at once, not waited on. */
    assert_int_equal(mkfifo(file, 0600), 0);
    assert_int_equal(calibration_load(tmpdir, "h", &c, &err), -EINVAL);
    assert_int_equal(unlink(file), 0);

    /* A good file in a folder anyone may write. */
    write_cache("h", good);
    assert_int_equal(chmod(dir, 0777), 0);
    strbuf_reset(&err);
    assert_int_equal(calibration_load(tmpdir, "h", &c, &err), -EPERM);
    assert_non_null(strstr(err.buf, "/.calibration"));
    assert_int_equal(chmod(dir, 0755), 0);
    assert_int_equal(calibration_load(tmpdir, "h", &c, &err), 0);
    assert_true(c.ceiling_pps == 1);

    free(real);
    free(file);
    free(dir);
    strbuf_dispose(&err);
}

/* The host name becomes a file name: nothing that leaves the folder. */
static void test_calibration__host_names(void **state)
{
    struct calibration c = { .ceiling_pps = 1 };
    struct strbuf err = STRBUF_INIT;

    assert_int_equal(calibration_save(tmpdir, "../x", &c, NULL, &err),
                     -EINVAL);
    assert_int_equal(calibration_load(tmpdir, "a/b", &c, &err), -EINVAL);
    assert_int_equal(calibration_load(tmpdir, "", &c, &err), -EINVAL);
    strbuf_dispose(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calibration__round_trip),
        cmocka_unit_test(test_calibration__bad_files),
        cmocka_unit_test(test_calibration__untrusted_files),
        cmocka_unit_test(test_calibration__host_names),
    };
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
