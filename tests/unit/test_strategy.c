/* The table of throughput strategies: the validator, --help, the man page
 * and the dispatch all agree with it. */
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
#include "run/settings.h"
#include "traffic/measure.h"
#include "traffic/strategy.h"
#include "fixture.h"

static size_t n_strategies(void)
{
    size_t n = 0;

    while (strategy_table[n])
        n++;
    return n;
}

/* An "expected ..." message names every strategy, the last after "or". */
static void assert_lists_every_name(const char *why)
{
    size_t n = n_strategies();
    char *last = xasprintf(n > 1 ? " or %s" : "%s",
                           strategy_table[n - 1]->name);

    assert_non_null(strstr(why, "expected "));
    for (size_t i = 0; i < n; i++)
        assert_non_null(strstr(why, strategy_table[i]->name));
    assert_string_equal(why + strlen(why) - strlen(last), last);
    free(last);
}

static void test_strategy__table_complete_and_unique(void **state)
{
    size_t n = n_strategies();
    (void)state;

    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(strategy_table[i]->name);
        assert_true(strategy_table[i]->name[0]);
        assert_non_null(strategy_table[i]->help);
        assert_non_null(strategy_table[i]->run);
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(strategy_table[i]->name,
                                    strategy_table[j]->name);
    }
}

static void test_strategy__find(void **state)
{
    (void)state;

    for (size_t i = 0; strategy_table[i]; i++)
        assert_ptr_equal(strategy_find(strategy_table[i]->name),
                         strategy_table[i]);
    assert_string_equal(strategy_find("steps")->name, "steps");
    assert_string_equal(strategy_find("ndr")->name, "ndr");
    assert_null(strategy_find("NDR"));
    assert_null(strategy_find(""));
    assert_null(strategy_find("mlrsearch"));
}

static void test_strategy__validator_accepts_every_name(void **state)
{
    struct settings s;
    (void)state;

    settings_init(&s);
    for (size_t i = 0; strategy_table[i]; i++) {
        struct strbuf why = STRBUF_INIT;
        const char *name = strategy_table[i]->name;

        assert_true(settings_check_search(name, &why));
        assert_string_equal(why.buf, "");
        assert_int_equal(settings_set_text(&s, SETTING_THROUGHPUT_SEARCH,
                                           name, SOURCE_CMDLINE, NULL, 0,
                                           &why), 0);
        assert_string_equal(settings_str(&s, SETTING_THROUGHPUT_SEARCH),
                            name);
        strbuf_dispose(&why);
    }
    /* The built-in default is a row of the table. */
    assert_non_null(strategy_find(setting_defs[SETTING_THROUGHPUT_SEARCH].def));
    settings_release(&s);
}

/* Near misses of every name, and names of no strategy at all. */
static void test_strategy__validator_rejects_others(void **state)
{
    static const char *const others[] = {
        "", "mlrsearch", "steps,ndr", "bisect", "NDR", "Steps",
    };
    (void)state;

    for (size_t i = 0; strategy_table[i]; i++) {
        const char *name = strategy_table[i]->name;
        char *near[] = {
            xasprintf("%s ", name), xasprintf(" %s", name),
            xasprintf("%sx", name), xasprintf("%.*s", (int)strlen(name) - 1,
                                              name),
        };
        for (size_t j = 0; j < sizeof near / sizeof near[0]; j++) {
            struct strbuf why = STRBUF_INIT;
            assert_false(settings_check_search(near[j], &why));
            assert_lists_every_name(why.buf);
            strbuf_dispose(&why);
            free(near[j]);
        }
    }
    for (size_t j = 0; j < sizeof others / sizeof others[0]; j++) {
        struct strbuf why = STRBUF_INIT;
        assert_false(settings_check_search(others[j], &why));
        assert_lists_every_name(why.buf);
        strbuf_dispose(&why);
    }
}

/* What a user reads today: the message the settings tests pin. */
static void test_strategy__validator_message(void **state)
{
    struct strbuf why = STRBUF_INIT;
    struct settings s;
    (void)state;

    settings_init(&s);
    assert_int_equal(settings_set_text(&s, SETTING_THROUGHPUT_SEARCH, "foo",
                                       SOURCE_CMDLINE, NULL, 0, &why),
                     -EINVAL);
    assert_string_equal(why.buf, "expected steps, ndr or binary");
    strbuf_dispose(&why);
    settings_release(&s);
}

/* A name that bypassed the validator is refused by the dispatch, before
 * any traffic (so no engine is needed here). */
static void test_strategy__dispatch_refuses_unknown(void **state)
{
    struct strbuf err = STRBUF_INIT;
    struct measure m;
    struct settings s;
    (void)state;

    settings_init(&s);
    free(s.v[SETTING_THROUGHPUT_SEARCH].s);
    s.v[SETTING_THROUGHPUT_SEARCH].s = xstrdup("bogus");
    memset(&m, 0, sizeof m);
    m.s = &s;
    assert_int_equal(measure_throughput(&m, &err), -EINVAL);
    assert_non_null(strstr(err.buf, "'bogus'"));
    assert_lists_every_name(err.buf);
    assert_int_equal(m.n_rows, 0);
    strbuf_dispose(&err);
    settings_release(&s);
}

static void test_strategy__list(void **state)
{
    const char *def = setting_defs[SETTING_THROUGHPUT_SEARCH].def;
    char *text = printed(strategy_list), *mark;
    (void)state;

    /* A line per row, the settings table's default marked, once. */
    for (size_t i = 0; strategy_table[i]; i++) {
        const char *name = strategy_table[i]->name;
        char *line = xasprintf("  %-16s %s%s\n", name,
                               strategy_table[i]->help,
                               strcmp(name, def) ? "" : " (default)");
        assert_non_null(strstr(text, line));
        free(line);
    }
    mark = strstr(text, " (default)\n");
    assert_non_null(mark);
    assert_null(strstr(mark + strlen(" (default)"), "(default)"));
    free(text);
}

static void test_strategy__man_page_names_each(void **state)
{
    (void)state;

    for (size_t i = 0; strategy_table[i]; i++)
        assert_man_page_names(strategy_table[i]->name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strategy__table_complete_and_unique),
        cmocka_unit_test(test_strategy__find),
        cmocka_unit_test(test_strategy__validator_accepts_every_name),
        cmocka_unit_test(test_strategy__validator_rejects_others),
        cmocka_unit_test(test_strategy__validator_message),
        cmocka_unit_test(test_strategy__dispatch_refuses_unknown),
        cmocka_unit_test(test_strategy__list),
        cmocka_unit_test(test_strategy__man_page_names_each),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
