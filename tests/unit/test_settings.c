/* The settings table itself: defaults valid, lookups, suggestions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "run/metadata.h"
#include "run/settings.h"

static void test_settings__defaults_are_valid(void **state)
{
    struct settings s;
    (void)state;

    settings_init(&s);
    for (int id = 0; id < N_SETTINGS; id++) {
        struct strbuf why = STRBUF_INIT;
        assert_non_null(s.v[id].s);
        assert_int_equal(settings_set_text(&s, id, setting_defs[id].def,
                                           SOURCE_DEFAULT, NULL, 0, &why), 0);
        assert_non_null(setting_defs[id].help);
        strbuf_dispose(&why);
    }
    /* The original's numbers. */
    assert_int_equal(settings_int(&s, SETTING_THROUGHPUT_SCAN_BURST), 65000);
    assert_int_equal(settings_int(&s, SETTING_THROUGHPUT_SCAN_START_RATE), 1000);
    assert_int_equal(settings_int(&s, SETTING_THROUGHPUT_SCAN_STEP), 500);
    assert_int_equal(settings_int(&s, SETTING_WARMUP_RATE), 100);
    assert_string_equal(settings_str(&s, SETTING_FLOW_PATTERN), "scan");
    settings_release(&s);
}

static void test_settings__find_and_alias(void **state)
{
    (void)state;
    assert_int_equal(settings_find("FRAME_SIZE"), SETTING_FRAME_SIZE);
    assert_int_equal(settings_find("THROUGHPUT_SCAN_MAX_RATE"),
                     SETTING_THROUGHPUT_MAX_SCAN_RATE);
    assert_int_equal(settings_find("frame_size"), -1);
    assert_string_equal(settings_suggest("frame_size"), "FRAME_SIZE");
    assert_string_equal(settings_suggest("WARMUP_PACKET"), "WARMUP_PACKETS");
    assert_null(settings_suggest("XYZ"));
}

static void test_settings__checks(void **state)
{
    struct strbuf why = STRBUF_INIT;
    (void)state;

    assert_true(settings_check_flow_pattern("single", &why));
    assert_true(settings_check_flow_pattern("flows:1000", &why));
    assert_false(settings_check_flow_pattern("flows:x", &why));
    assert_false(settings_check_flow_pattern("flows:", &why));
    assert_true(settings_check_url("", &why));
    assert_true(settings_check_url("https://reports/perf/", &why));
    assert_true(settings_check_url("scp://u@h/dir", &why));
    assert_false(settings_check_url("http://", &why));
    assert_false(settings_check_url("/tmp/x", &why));
    strbuf_dispose(&why);
}

/* metadata.json goes into the bundle: REPORT_URL's password and token,
 * and a Jenkins BUILD_URL's, show as "***" there. */
static void test_settings__metadata_shows_no_secret(void **state)
{
    struct settings s;
    struct strbuf why = STRBUF_INIT;
    json_t *set, *jenkins;
    char *text;

    settings_init(&s);
    assert_int_equal(settings_set_text(&s, SETTING_REPORT_URL,
                                       "https://u:pw1@h/up/?token=tk1",
                                       SOURCE_CMDLINE, NULL, 0, &why), 0);
    setenv("BUILD_URL", "https://j:pw2@ci/job/1/?access_token=tk2", 1);
    set = metadata_settings(&s);
    jenkins = metadata_jenkins();
    unsetenv("BUILD_URL");
    json_object_set(set, "jenkins", jenkins);
    text = json_dumps(set, 0);
    assert_null(strstr(text, "pw1"));
    assert_null(strstr(text, "tk1"));
    assert_null(strstr(text, "pw2"));
    assert_null(strstr(text, "tk2"));
    assert_non_null(strstr(text, "https://u:***@h/up/?token=***"));
    assert_non_null(strstr(text, "https://j:***@ci/job/1/?access_token=***"));
    free(text);
    json_decref(jenkins);
    json_decref(set);
    settings_release(&s);
    strbuf_dispose(&why);
}

/* The TCP phase's settings: off by default, bounded by iperf3's own
 * limits, and a bad value says what is expected. */
static void test_settings__tcp(void **state)
{
    static const struct { enum setting_id id; const char *text, *why; }
    bad[] = {
        { SETTING_TCP_PHASE, "maybe", "expected yes or no" },
        { SETTING_TCP_PHASE, "", "expected yes or no" },
        { SETTING_TCP_STREAMS, "0", "out of range: expected 1 to 128" },
        { SETTING_TCP_STREAMS, "129", "out of range: expected 1 to 128" },
        { SETTING_TCP_STREAMS, "two", "expected an integer" },
        { SETTING_TCP_DURATION, "0", "out of range: expected 1 to 3600" },
        { SETTING_TCP_DURATION, "2.5", "expected an integer" },
    };
    struct settings s;
    struct strbuf why = STRBUF_INIT;

    (void)state;
    settings_init(&s);
    assert_string_equal(settings_str(&s, SETTING_TCP_PHASE), "no");
    assert_int_equal(settings_int(&s, SETTING_TCP_STREAMS), 1);
    assert_int_equal(settings_int(&s, SETTING_TCP_DURATION), 5);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        strbuf_reset(&why);
        assert_int_equal(settings_set_text(&s, bad[i].id, bad[i].text,
                                           SOURCE_CMDLINE, NULL, 0, &why),
                         -EINVAL);
        if (!strstr(why.buf, bad[i].why))
            fail_msg("%s=%s: '%s' lacks '%s'", setting_defs[bad[i].id].key,
                     bad[i].text, why.buf, bad[i].why);
    }
    assert_int_equal(settings_set_text(&s, SETTING_TCP_STREAMS, "128",
                                       SOURCE_CMDLINE, NULL, 0, &why), 0);
    assert_int_equal(settings_set_text(&s, SETTING_TCP_PHASE, "yes",
                                       SOURCE_ENV, NULL, 0, &why), 0);
    assert_int_equal(settings_int(&s, SETTING_TCP_STREAMS), 128);
    assert_int_equal(settings_find("TCP_DURATION"), SETTING_TCP_DURATION);
    settings_release(&s);
    strbuf_dispose(&why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings__defaults_are_valid),
        cmocka_unit_test(test_settings__find_and_alias),
        cmocka_unit_test(test_settings__checks),
        cmocka_unit_test(test_settings__metadata_shows_no_secret),
        cmocka_unit_test(test_settings__tcp),
    };
    return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
