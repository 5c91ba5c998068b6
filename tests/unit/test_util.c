/* lib/util: the one redaction every log line, metadata field and bundle
 * goes through (url_redact): a URL's password and the values of query
 * keys that carry secrets, wherever in the text a URL stands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

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
        cmocka_unit_test(test_util__url_redact_user_info),
        cmocka_unit_test(test_util__url_redact_query_secrets),
        cmocka_unit_test(test_util__url_redact_every_url_in_text),
    };
    return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
