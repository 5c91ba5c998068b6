/* The growable string buffer: growth, detach, reset and dispose, and that
 * an empty buffer never writes to the shared empty string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "tmpdir.h"

/* What every buffer must satisfy whatever was done to it. */
static void assert_sane(const struct strbuf *sb)
{
    assert_non_null(sb->buf);
    assert_int_equal(sb->buf[sb->len], '\0');
    if (sb->alloc)
        assert_true(sb->len < sb->alloc);
    else
        assert_ptr_equal(sb->buf, strbuf_empty_);
    assert_int_equal(strbuf_empty_[0], '\0');
}

static void assert_unallocated(const struct strbuf *sb)
{
    assert_ptr_equal(sb->buf, strbuf_empty_);
    assert_int_equal(sb->len, 0);
    assert_int_equal(sb->alloc, 0);
}

static void test_strbuf__init_is_empty_without_allocating(void **state)
{
    struct strbuf a = STRBUF_INIT, b;

    (void)state;
    strbuf_init(&b);
    assert_unallocated(&a);
    assert_unallocated(&b);
    assert_string_equal(a.buf, "");
}

static void test_strbuf__add_grows(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    char *want = xmalloc(5001);

    (void)state;
    for (size_t i = 0; i < 5000; i++) {
        char c = (char)('a' + i % 26);
        strbuf_add(&sb, &c, 1);
        want[i] = c;
        assert_sane(&sb);
    }
    want[5000] = '\0';
    assert_int_equal(sb.len, 5000);
    assert_string_equal(sb.buf, want);
    free(want);
    strbuf_dispose(&sb);
}

static void test_strbuf__add_keeps_nul_bytes(void **state)
{
    struct strbuf sb = STRBUF_INIT;

    (void)state;
    strbuf_add(&sb, "a\0b", 3);
    assert_int_equal(sb.len, 3);
    assert_memory_equal(sb.buf, "a\0b", 4);
    strbuf_add(&sb, "", 0);
    assert_int_equal(sb.len, 3);
    assert_sane(&sb);
    strbuf_dispose(&sb);
}

static void test_strbuf__addstr_addch(void **state)
{
    struct strbuf sb = STRBUF_INIT;

    (void)state;
    strbuf_addstr(&sb, "ab");
    strbuf_addch(&sb, 'c');
    strbuf_addstr(&sb, "");
    strbuf_addch(&sb, 'd');
    assert_string_equal(sb.buf, "abcd");
    assert_int_equal(sb.len, 4);
    assert_sane(&sb);
    strbuf_dispose(&sb);
}

static void test_strbuf__addf_appends(void **state)
{
    struct strbuf sb = STRBUF_INIT;

    (void)state;
    strbuf_addstr(&sb, "rc=");
    strbuf_addf(&sb, "%d, '%s'", -2, "pt-src");
    assert_string_equal(sb.buf, "rc=-2, 'pt-src'");
    assert_int_equal(sb.len, strlen("rc=-2, 'pt-src'"));
    strbuf_addf(&sb, "%s", "");
    assert_string_equal(sb.buf, "rc=-2, 'pt-src'");
    assert_sane(&sb);
    strbuf_dispose(&sb);
}

/* The first attempt formats into what is free; a result that does not fit
 * is formatted again after growing, exactly fitting or not. */
static void test_strbuf__addf_grows_at_every_boundary(void **state)
{
    (void)state;
    for (size_t prefix = 0; prefix < 70; prefix += 7) {
        for (size_t n = 55; n < 200; n++) {
            struct strbuf sb = STRBUF_INIT;
            char *text = xmalloc(n + 1);

            memset(text, 'x', n);
            text[n] = '\0';
            for (size_t i = 0; i < prefix; i++)
                strbuf_addch(&sb, 'p');
            strbuf_addf(&sb, "%s", text);
            assert_int_equal(sb.len, prefix + n);
            assert_int_equal(strspn(sb.buf, "p"), prefix);
            assert_string_equal(sb.buf + prefix, text);
            assert_sane(&sb);
            free(text);
            strbuf_dispose(&sb);
        }
    }
}

static void test_strbuf__addf_large(void **state)
{
    struct strbuf sb = STRBUF_INIT;

    (void)state;
    strbuf_addf(&sb, "%0*d|", 100000, 7);
    assert_int_equal(sb.len, 100001);
    assert_int_equal(sb.buf[99999], '7');
    assert_int_equal(sb.buf[100000], '|');
    assert_sane(&sb);
    strbuf_dispose(&sb);
}

static void addf_through_vaddf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void addf_through_vaddf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    strbuf_vaddf(sb, fmt, ap);
    va_end(ap);
}

static void test_strbuf__vaddf(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    char big[300];

    (void)state;
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    addf_through_vaddf(&sb, "%s-%d-", "a", 1);
    /* Long enough to need the second, grown, attempt: the va_list must
     * still be good for it. */
    addf_through_vaddf(&sb, "%s/%s", big, "end");
    assert_int_equal(sb.len, 4 + 299 + 4);
    assert_int_equal(strncmp(sb.buf, "a-1-yyy", 7), 0);
    assert_string_equal(sb.buf + sb.len - 4, "/end");
    strbuf_dispose(&sb);
}

static void test_strbuf__detach(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    char *s;

    (void)state;
    strbuf_addstr(&sb, "owned");
    s = strbuf_detach(&sb);
    assert_string_equal(s, "owned");
    assert_unallocated(&sb);
    free(s);

    /* The buffer is usable again, and detaching it empty still gives a
     * string the caller can free. */
    strbuf_addstr(&sb, "again");
    assert_string_equal(sb.buf, "again");
    free(strbuf_detach(&sb));
    s = strbuf_detach(&sb);
    assert_non_null(s);
    assert_ptr_not_equal(s, strbuf_empty_);
    assert_string_equal(s, "");
    free(s);
    assert_unallocated(&sb);
}

static void test_strbuf__reset_keeps_storage(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    char *storage;
    size_t alloc;

    (void)state;
    strbuf_addstr(&sb, "some text");
    storage = sb.buf;
    alloc = sb.alloc;
    strbuf_reset(&sb);
    assert_int_equal(sb.len, 0);
    assert_string_equal(sb.buf, "");
    assert_ptr_equal(sb.buf, storage);
    assert_int_equal(sb.alloc, alloc);
    strbuf_addstr(&sb, "new");
    assert_string_equal(sb.buf, "new");
    strbuf_dispose(&sb);

    /* Resetting an empty buffer must not write to the shared "". */
    strbuf_reset(&sb);
    assert_unallocated(&sb);
    assert_sane(&sb);
}

static void test_strbuf__dispose_twice(void **state)
{
    struct strbuf sb = STRBUF_INIT;

    (void)state;
    strbuf_dispose(&sb);
    assert_unallocated(&sb);
    strbuf_addstr(&sb, "x");
    strbuf_dispose(&sb);
    assert_unallocated(&sb);
    strbuf_dispose(&sb);
    assert_unallocated(&sb);
}

static void test_strbuf__rtrim(void **state)
{
    struct strbuf sb = STRBUF_INIT;

    (void)state;
    strbuf_addstr(&sb, "  keep  inner \t\r\n \n");
    strbuf_rtrim(&sb);
    assert_string_equal(sb.buf, "  keep  inner");
    assert_int_equal(sb.len, strlen("  keep  inner"));
    strbuf_rtrim(&sb);
    assert_string_equal(sb.buf, "  keep  inner");

    strbuf_reset(&sb);
    strbuf_addstr(&sb, " \n\t ");
    strbuf_rtrim(&sb);
    assert_int_equal(sb.len, 0);
    assert_string_equal(sb.buf, "");
    strbuf_dispose(&sb);

    strbuf_rtrim(&sb);
    assert_unallocated(&sb);
    assert_sane(&sb);
}

static void test_strbuf__read_file_appends(void **state)
{
    struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;
    char *path = xasprintf("%s/big", tmpdir);
    FILE *f = fopen(path, "w");

    (void)state;
    assert_non_null(f);
    /* More than one read(2) of the helper's 8 KiB. */
    for (int i = 0; i < 3000; i++)
        strbuf_addf(&want, "line %d\n", i);
    assert_int_equal(fwrite(want.buf, 1, want.len, f), want.len);
    assert_int_equal(fclose(f), 0);

    strbuf_addstr(&sb, "head:");
    assert_int_equal(strbuf_read_file(&sb, path), 0);
    assert_int_equal(sb.len, 5 + want.len);
    assert_memory_equal(sb.buf, "head:", 5);
    assert_string_equal(sb.buf + 5, want.buf);
    assert_sane(&sb);
    strbuf_dispose(&sb);
    strbuf_dispose(&want);
    free(path);
}

static void test_strbuf__read_file_missing(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    char *path = xasprintf("%s/no-such-file", tmpdir);

    (void)state;
    strbuf_addstr(&sb, "kept");
    assert_int_equal(strbuf_read_file(&sb, path), -ENOENT);
    assert_string_equal(sb.buf, "kept");
    assert_int_equal(strbuf_read_file(&sb, tmpdir), -EISDIR);
    assert_string_equal(sb.buf, "kept");
    strbuf_dispose(&sb);
    free(path);
}

static void test_strbuf__xasprintf(void **state)
{
    char *s;

    (void)state;
    s = xasprintf("%s/%s.%d.ctl", "/run/ovs", "ovs-vswitchd", 42);
    assert_string_equal(s, "/run/ovs/ovs-vswitchd.42.ctl");
    free(s);
    s = xasprintf("%s", "");
    assert_string_equal(s, "");
    free(s);
}

/* Another host's text, made safe to log: escapes and controls out,
 * UTF-8 in. */
static void test_strbuf__add_printable(void **state)
{
    static const char in[] = "a\x1b[2Jb\tc\r\x7f\xc3\xa9\xc2\x9b"
                             "\x9b\xe2\x82\xac\xc0\xaf\xed\xa0\x80"
                             "\xf5\x80\xe2\x82";
    struct strbuf sb = STRBUF_INIT;

    (void)state;
    strbuf_add_printable(&sb, in, sizeof in - 1);
    assert_string_equal(sb.buf, "a?[2Jb c??\xc3\xa9???\xe2\x82\xac"
                                "?????????");
    strbuf_dispose(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strbuf__init_is_empty_without_allocating),
        cmocka_unit_test(test_strbuf__add_grows),
        cmocka_unit_test(test_strbuf__add_keeps_nul_bytes),
        cmocka_unit_test(test_strbuf__addstr_addch),
        cmocka_unit_test(test_strbuf__addf_appends),
        cmocka_unit_test(test_strbuf__addf_grows_at_every_boundary),
        cmocka_unit_test(test_strbuf__addf_large),
        cmocka_unit_test(test_strbuf__vaddf),
        cmocka_unit_test(test_strbuf__detach),
        cmocka_unit_test(test_strbuf__reset_keeps_storage),
        cmocka_unit_test(test_strbuf__dispose_twice),
        cmocka_unit_test(test_strbuf__rtrim),
        cmocka_unit_test(test_strbuf__read_file_appends),
        cmocka_unit_test(test_strbuf__read_file_missing),
        cmocka_unit_test(test_strbuf__xasprintf),
        cmocka_unit_test(test_strbuf__add_printable),
    };
    return cmocka_run_group_tests_name("strbuf", tests, tmpdir_create,
                                       tmpdir_remove);
}
