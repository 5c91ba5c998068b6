/* Profile loader: every error names the file, the line and the key. */
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

#include "run/profile.h"
#include "lib/util.h"
#include "tmpdir.h"


/* Writes 'text' to <tmpdir>/<name>/perftests.conf; returns its path. */
static char *write_profile(const char *name, const char *text)
{
    return tmpdir_put(name, "perftests.conf", text);
}

/* Loads 'text' as a profile file; returns the error count, errors in *out. */
static int load_text(const char *text, struct settings *s, struct strbuf *out,
                     char **path)
{
    *path = write_profile("t", text);
    settings_init(s);
    return profile_load_file(s, *path, out);
}

static void expect_error(const char *text, const char *expected_tail)
{
    struct settings s;
    struct strbuf errs = STRBUF_INIT;
    char *path;
    int n = load_text(text, &s, &errs, &path);
    char *want = xasprintf("%s:%s\n", path, expected_tail);

    assert_int_equal(n, 1);
    assert_string_equal(errs.buf, want);
    free(want);
    free(path);
    strbuf_dispose(&errs);
    settings_release(&s);
}

static void test_profile__valid_file(void **state)
{
    struct settings s;
    struct strbuf errs = STRBUF_INIT;
    char *path;
    (void)state;

    assert_int_equal(load_text("# comment\nFRAME_SIZE = 128;\n"
                               "FLOW_PATTERN = \"flows:16\";\n"
                               "THROUGHPUT_SCAN_PAUSE = 0.5;\n",
                               &s, &errs, &path), 0);
    assert_int_equal(settings_int(&s, SETTING_FRAME_SIZE), 128);
    assert_int_equal(s.v[SETTING_FRAME_SIZE].line, 2);
    assert_int_equal(s.v[SETTING_FRAME_SIZE].source, SOURCE_PROFILE);
    assert_string_equal(settings_str(&s, SETTING_FLOW_PATTERN), "flows:16");
    assert_true(settings_double(&s, SETTING_THROUGHPUT_SCAN_PAUSE) == 0.5);
    /* A float key takes an integer as well. */
    assert_int_equal(s.v[SETTING_WARMUP_RATE].source, SOURCE_DEFAULT);
    free(path);
    strbuf_dispose(&errs);
    settings_release(&s);
}

static void test_profile__unknown_key_suggests(void **state)
{
    (void)state;
    expect_error("FRAME_SIZE = 64;\nTHROUGHPUT_SCAN_STPE = 3;\n",
                 "2: unknown key 'THROUGHPUT_SCAN_STPE' (did you mean "
                 "'THROUGHPUT_SCAN_STEP'?)");
    expect_error("\n\nCOMPLETELY_DIFFERENT_THING = 3;\n",
                 "3: unknown key 'COMPLETELY_DIFFERENT_THING'");
}

static void test_profile__wrong_type(void **state)
{
    (void)state;
    expect_error("FRAME_SIZE = \"64\";\n",
                 "1: FRAME_SIZE: expected an integer, got the string \"64\" "
                 "(write numbers without quotes)");
    expect_error("\nFRAME_SIZE = 64.5;\n",
                 "2: FRAME_SIZE: expected an integer, got 64.5");
    expect_error("REPORT_URL = 5;\n",
                 "1: REPORT_URL: expected a string in double quotes");
}

static void test_profile__out_of_range(void **state)
{
    (void)state;
    expect_error("FRAME_SIZE = 59;\n",
                 "1: FRAME_SIZE: 59 is out of range: expected 60 to 1514");
    expect_error("FLOW_PATTERN = \"flows:0\";\n",
                 "1: FLOW_PATTERN: expected flows:N with N from 1 to "
                 "1000000");
    expect_error("REPORT_URL = \"ftp://x\";\n",
                 "1: REPORT_URL: expected an http://, https://, scp:// or "
                 "sftp:// URL, or an empty string");
}

static void test_profile__duplicate_key(void **state)
{
    (void)state;
    expect_error("FRAME_SIZE = 64;\nWARMUP_RATE = 1;\nFRAME_SIZE = 65;\n",
                 "3: FRAME_SIZE: duplicate key");
    /* The alias and the key name the same setting. */
    expect_error("THROUGHPUT_MAX_SCAN_RATE = 5;\nTHROUGHPUT_SCAN_MAX_RATE = "
                 "6;\n", "2: THROUGHPUT_MAX_SCAN_RATE: duplicate key, already "
                 "set at line 1");
}

static void test_profile__syntax_error(void **state)
{
    (void)state;
    expect_error("FRAME_SIZE = 64;\nWARMUP_RATE = = 3;\n",
                 "2: syntax error: syntax error");
}

static void test_profile__shell_style(void **state)
{
    (void)state;
    expect_error("# the original's format\nTHROUGHPUT_SCAN_MAX_RATE=40000\n"
                 "FLOW_PATTERN=scan\n",
                 "3: FLOW_PATTERN: shell-style assignment; profiles are "
                 "libconfig files: write FLOW_PATTERN = \"value\"; (strings "
                 "in double quotes, numbers bare)");
}

static void test_profile__alias(void **state)
{
    struct settings s;
    struct strbuf errs = STRBUF_INIT;
    char *path;
    (void)state;

    assert_int_equal(load_text("THROUGHPUT_SCAN_MAX_RATE = 5000;\n", &s,
                               &errs, &path), 0);
    assert_int_equal(settings_int(&s, SETTING_THROUGHPUT_MAX_SCAN_RATE), 5000);
    free(path);
    strbuf_dispose(&errs);
    settings_release(&s);
}

static void test_profile__several_errors_all_reported(void **state)
{
    struct settings s;
    struct strbuf errs = STRBUF_INIT;
    char *path;
    (void)state;

    assert_int_equal(load_text("FRAME_SIZE = 1;\nBOGUS = 2;\n"
                               "WARMUP_RATE = \"x\";\n", &s, &errs, &path),
                     3);
    assert_non_null(strstr(errs.buf, ":1: FRAME_SIZE"));
    assert_non_null(strstr(errs.buf, ":2: unknown key 'BOGUS'"));
    assert_non_null(strstr(errs.buf, ":3: WARMUP_RATE"));
    free(path);
    strbuf_dispose(&errs);
    settings_release(&s);
}

static void test_profile__precedence(void **state)
{
    char *envp[] = { "FRAME_SIZE=100", "WARMUP_RATE=7", "PATH=/bin", NULL };
    char *overrides[] = { "FRAME_SIZE=200", NULL };
    struct profile_request req = {
        .profiles_dir = tmpdir, .name = "prec", .hostname = "nohost",
        .envp = envp, .overrides = overrides,
    };
    struct settings s;
    struct strbuf errs = STRBUF_INIT;
    (void)state;

    free(write_profile("prec", "FRAME_SIZE = 64;\nWARMUP_RATE = 5;\n"
                               "WARMUP_PACKETS = 9;\n"));
    assert_int_equal(profile_load(&s, &req, &errs), 0);
    /* -o beats env beats profile beats default. */
    assert_int_equal(settings_int(&s, SETTING_FRAME_SIZE), 200);
    assert_int_equal(s.v[SETTING_FRAME_SIZE].source, SOURCE_CMDLINE);
    assert_int_equal(settings_int(&s, SETTING_WARMUP_RATE), 7);
    assert_int_equal(s.v[SETTING_WARMUP_RATE].source, SOURCE_ENV);
    assert_int_equal(settings_int(&s, SETTING_WARMUP_PACKETS), 9);
    assert_int_equal(s.v[SETTING_WARMUP_PACKETS].source, SOURCE_PROFILE);
    assert_int_equal(settings_int(&s, SETTING_LONG_RUNNING_BURST), 50000);
    assert_int_equal(s.v[SETTING_LONG_RUNNING_BURST].source, SOURCE_DEFAULT);

    struct strbuf src = STRBUF_INIT;
    settings_format_source(&s, SETTING_WARMUP_PACKETS, &src);
    assert_non_null(strstr(src.buf, "prec/perftests.conf:3"));
    strbuf_dispose(&src);
    strbuf_dispose(&errs);
    settings_release(&s);
}

static void test_profile__host_then_default(void **state)
{
    struct profile_request req = { .profiles_dir = tmpdir,
                                   .hostname = "labhost" };
    char *path, *name;
    struct strbuf errs = STRBUF_INIT;
    (void)state;

    free(write_profile("default", "FRAME_SIZE = 64;\n"));
    assert_int_equal(profile_resolve(&req, &path, &name, &errs), 0);
    assert_string_equal(name, "default");
    free(path);
    free(name);
    free(write_profile("labhost", "FRAME_SIZE = 64;\n"));
    assert_int_equal(profile_resolve(&req, &path, &name, &errs), 0);
    assert_string_equal(name, "labhost");
    assert_non_null(strstr(path, "labhost/perftests.conf"));
    free(path);
    free(name);

    req.name = "nosuch";
    assert_int_equal(profile_resolve(&req, &path, &name, &errs), -ENOENT);
    assert_non_null(strstr(errs.buf, "-p/--profile: no profile 'nosuch'"));
    assert_non_null(strstr(errs.buf, "default"));
    strbuf_dispose(&errs);
}

static void test_profile__env_and_option_errors(void **state)
{
    char *envp[] = { "FRAME_SIZE=big", NULL };
    struct settings s;
    struct strbuf errs = STRBUF_INIT;
    (void)state;

    settings_init(&s);
    assert_int_equal(profile_load_env(&s, envp, &errs), 1);
    assert_string_equal(errs.buf, "environment variable FRAME_SIZE: expected "
                                  "an integer, got 'big'\n");
    strbuf_reset(&errs);
    assert_int_equal(profile_apply_override(&s, "FRAM_SIZE=64", &errs), 1);
    assert_string_equal(errs.buf, "-o FRAM_SIZE=64: unknown key 'FRAM_SIZE' "
                                  "(did you mean 'FRAME_SIZE'?)\n");
    strbuf_reset(&errs);
    assert_int_equal(profile_apply_override(&s, "FRAME_SIZE", &errs), 1);
    assert_string_equal(errs.buf, "-o FRAME_SIZE: expected KEY=VALUE\n");
    strbuf_reset(&errs);
    assert_int_equal(profile_apply_override(&s, "FRAME_SIZE=2000", &errs), 1);
    assert_string_equal(errs.buf, "-o FRAME_SIZE=2000: FRAME_SIZE: 2000 is "
                                  "out of range: expected 60 to 1514\n");
    strbuf_dispose(&errs);
    settings_release(&s);
}

/* Loads the default profile with these -o; the errors in 'errs'. */
static int load_with(char **overrides, struct settings *s,
                     struct strbuf *errs)
{
    char *envp[] = { NULL };
    struct profile_request req = { .profiles_dir = "profiles.d",
                                   .name = "default", .hostname = "none",
                                   .envp = envp, .overrides = overrides };

    return profile_load(s, &req, errs);
}

/* A search trial of rate x duration frames is capped like a burst: the
 * error names the keys and the largest rate allowed. */
static void test_profile__search_trial_capped(void **state)
{
    char *o[] = { "THROUGHPUT_SEARCH=ndr",
                  "THROUGHPUT_MAX_SCAN_RATE=100000000",
                  "SEARCH_FINAL_DURATION=2", NULL };
    char *steps[] = { "THROUGHPUT_MAX_SCAN_RATE=100000000",
                      "THROUGHPUT_SCAN_STEP=1000000",
                      "SEARCH_FINAL_DURATION=2", NULL };
    struct settings s;
    struct strbuf errs = STRBUF_INIT;
    (void)state;

    assert_int_equal(load_with(o, &s, &errs), 1);
    assert_string_equal(errs.buf, "-o: THROUGHPUT_MAX_SCAN_RATE: 100000000 "
                        "pps for 2 s trials (SEARCH_TRIAL_DURATION, "
                        "SEARCH_FINAL_DURATION) is more than 100000000 frames "
                        "a trial: expected at most 50000000 pps, or shorter "
                        "trials\n");
    settings_release(&s);
    strbuf_reset(&errs);
    /* The stepped scan sends bursts, capped by their own key. */
    assert_int_equal(load_with(steps, &s, &errs), 0);
    settings_release(&s);
    strbuf_dispose(&errs);
}

/* The stepped scan keeps a rate per step: THROUGHPUT_SCAN_STEP=1 up to
 * 100 Mpps would be 800 MB of rates and years of bursts.  The error names
 * the keys and the smallest step that fits. */
static void test_profile__scan_steps_capped(void **state)
{
    char *tiny[] = { "THROUGHPUT_SCAN_START_RATE=1000",
                     "THROUGHPUT_MAX_SCAN_RATE=40000",
                     "THROUGHPUT_SCAN_STEP=1", NULL };
    char *huge[] = { "THROUGHPUT_SCAN_START_RATE=1000", "THROUGHPUT_SCAN_STEP=1",
                     "THROUGHPUT_MAX_SCAN_RATE=100000000", NULL };
    char *most[] = { "THROUGHPUT_SCAN_START_RATE=1", "THROUGHPUT_SCAN_STEP=1",
                     "THROUGHPUT_MAX_SCAN_RATE=10000", NULL };
    char *ndr[] = { "THROUGHPUT_SEARCH=ndr", "THROUGHPUT_SCAN_STEP=1", NULL };
    struct settings s;
    struct strbuf errs = STRBUF_INIT;
    (void)state;

    assert_int_equal(load_with(tiny, &s, &errs), 1);
    assert_string_equal(errs.buf, "-o: THROUGHPUT_SCAN_STEP: 1 pps from "
                        "THROUGHPUT_SCAN_START_RATE 1000 to THROUGHPUT_MAX_"
                        "SCAN_RATE 40000 is 39001 steps: expected at most "
                        "10000 steps, a THROUGHPUT_SCAN_STEP of at least 4\n");
    settings_release(&s);
    strbuf_reset(&errs);
    assert_int_equal(load_with(huge, &s, &errs), 1);
    assert_non_null(strstr(errs.buf, "is 99999001 steps: expected at most "
                                     "10000 steps"));
    settings_release(&s);
    strbuf_reset(&errs);
    /* The limit itself is fine, and a search never makes the steps. */
    assert_int_equal(load_with(most, &s, &errs), 0);
    settings_release(&s);
    assert_int_equal(load_with(ndr, &s, &errs), 0);
    settings_release(&s);
    strbuf_dispose(&errs);
}

/* An scp/sftp REPORT_URL without a known_hosts file is refused before
 * the run: the error names the file and the key. */
static void test_profile__ssh_url_needs_known_hosts(void **state)
{
    char *kh = xasprintf("REPORT_KNOWN_HOSTS=%s/none/known_hosts", tmpdir);
    char *ok = tmpdir_put("kh", "known_hosts", "");
    char *kh_ok = xasprintf("REPORT_KNOWN_HOSTS=%s", ok);
    char *bad[] = { "REPORT_URL=sftp://perf@reports.invalid/in/", kh, NULL };
    char *good[] = { "REPORT_URL=scp://perf@reports.invalid/in/", kh_ok,
                     NULL };
    char *http[] = { "REPORT_URL=https://reports.invalid/in/", kh, NULL };
    struct settings s;
    struct strbuf errs = STRBUF_INIT;
    (void)state;

    assert_int_equal(load_with(bad, &s, &errs), 1);
    assert_non_null(strstr(errs.buf, "-o: REPORT_KNOWN_HOSTS: cannot read '"));
    assert_non_null(strstr(errs.buf, kh + strlen("REPORT_KNOWN_HOSTS=")));
    settings_release(&s);
    strbuf_reset(&errs);
    assert_int_equal(load_with(good, &s, &errs), 0);
    settings_release(&s);
    assert_int_equal(load_with(http, &s, &errs), 0);
    settings_release(&s);
    strbuf_dispose(&errs);
    free(kh_ok);
    free(ok);
    free(kh);
}

static void test_profile__duration_sum_holds_a_trial(void **state)
{
    char *o[] = { "SEARCH_DURATION_SUM=0.5", "SEARCH_FINAL_DURATION=1",
                  NULL };
    struct settings s;
    struct strbuf errs = STRBUF_INIT;
    (void)state;

    assert_int_equal(load_with(o, &s, &errs), 1);
    assert_non_null(strstr(errs.buf, "SEARCH_DURATION_SUM: 0.5 is shorter "
                                     "than one final trial: expected at "
                                     "least SEARCH_FINAL_DURATION (1)"));
    settings_release(&s);
    strbuf_dispose(&errs);
}

static void test_profile__latency_loads(void **state)
{
    char *good[] = { "LATENCY_LOADS=0,10,50,90", NULL };
    char *empty[] = { "LATENCY_LOADS=", NULL };
    char *bad[] = { "LATENCY_LOADS=10,150", NULL };
    char *junk[] = { "LATENCY_LOADS=10;50", NULL };
    struct settings s;
    struct strbuf errs = STRBUF_INIT;
    double v[PT_MAX_LATENCY_LOADS];
    (void)state;

    assert_int_equal(load_with(good, &s, &errs), 0);
    assert_int_equal(settings_parse_percents(settings_str(
        &s, SETTING_LATENCY_LOADS), v, PT_MAX_LATENCY_LOADS, &errs), 4);
    assert_true(v[0] == 0 && v[1] == 10 && v[2] == 50 && v[3] == 90);
    settings_release(&s);
    assert_int_equal(load_with(empty, &s, &errs), 0);
    settings_release(&s);
    assert_int_equal(load_with(bad, &s, &errs), 1);
    assert_non_null(strstr(errs.buf, "LATENCY_LOADS: expected up to 16 "
                                     "comma-separated percents from 0 to "
                                     "100"));
    settings_release(&s);
    strbuf_reset(&errs);
    assert_int_equal(load_with(junk, &s, &errs), 1);
    settings_release(&s);
    strbuf_dispose(&errs);
}

static void test_profile__shipped_profiles_load(void **state)
{
    static const char *const names[] = { "default", "ci", "nightly" };
    (void)state;

    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        struct profile_request req = { .profiles_dir = "profiles.d",
                                       .name = names[i] };
        struct settings s;
        struct strbuf errs = STRBUF_INIT;
        int n = profile_load(&s, &req, &errs);
        if (n)
            fprintf(stderr, "%s", errs.buf);
        assert_int_equal(n, 0);
        strbuf_dispose(&errs);
        settings_release(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile__valid_file),
        cmocka_unit_test(test_profile__unknown_key_suggests),
        cmocka_unit_test(test_profile__wrong_type),
        cmocka_unit_test(test_profile__out_of_range),
        cmocka_unit_test(test_profile__duplicate_key),
        cmocka_unit_test(test_profile__syntax_error),
        cmocka_unit_test(test_profile__shell_style),
        cmocka_unit_test(test_profile__alias),
        cmocka_unit_test(test_profile__several_errors_all_reported),
        cmocka_unit_test(test_profile__precedence),
        cmocka_unit_test(test_profile__host_then_default),
        cmocka_unit_test(test_profile__env_and_option_errors),
        cmocka_unit_test(test_profile__shipped_profiles_load),
        cmocka_unit_test(test_profile__search_trial_capped),
        cmocka_unit_test(test_profile__scan_steps_capped),
        cmocka_unit_test(test_profile__ssh_url_needs_known_hosts),
        cmocka_unit_test(test_profile__duration_sum_holds_a_trial),
        cmocka_unit_test(test_profile__latency_loads),
    };
    return cmocka_run_group_tests_name("profile", tests, tmpdir_create,
                                       tmpdir_remove);
}
