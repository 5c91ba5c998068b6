/* CPU placement: what auto means per core count, lists, and CPUs the
 * host does not have. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cpus.h"
#include "run/placement.h"

static void expect(const struct placement *p, const char *sut,
                   const char *inj, const char *rcv)
{
    json_t *j = placement_json(p);

    assert_string_equal(json_string_value(json_object_get(j, "sut")), sut);
    assert_string_equal(json_string_value(json_object_get(j, "injector")),
                        inj);
    assert_string_equal(json_string_value(json_object_get(j, "receiver")),
                        rcv);
    json_decref(j);
}

static void test_placement__auto_by_cores(void **state)
{
    struct settings s;
    struct placement p;
    struct strbuf err = STRBUF_INIT;

    settings_init(&s);
    assert_int_equal(placement_resolve(&s, 1, &p, &err), 0);
    expect(&p, "none", "none", "none");
    assert_int_equal(placement_resolve(&s, 2, &p, &err), 0);
    expect(&p, "1", "0", "0");
    assert_int_equal(placement_resolve(&s, 3, &p, &err), 0);
    expect(&p, "2", "0", "1");
    assert_int_equal(placement_resolve(&s, 16, &p, &err), 0);
    expect(&p, "2-15", "0", "1");
    settings_release(&s);
    strbuf_dispose(&err);
}

static void test_placement__lists_and_none(void **state)
{
    struct settings s;
    struct placement p;
    struct strbuf err = STRBUF_INIT;

    settings_init(&s);
    assert_int_equal(settings_set_text(&s, SETTING_SUT_CPUS, "1-2,5",
                                       SOURCE_CMDLINE, NULL, 0, &err), 0);
    assert_int_equal(settings_set_text(&s, SETTING_RECEIVER_CPUS, "none",
                                       SOURCE_CMDLINE, NULL, 0, &err), 0);
    assert_int_equal(placement_resolve(&s, 8, &p, &err), 0);
    expect(&p, "1-2,5", "0", "none");
    /* A CPU this host does not have: the key and the range in the error. */
    assert_int_equal(placement_resolve(&s, 4, &p, &err), -EINVAL);
    assert_string_equal(err.buf, "SUT_CPUS: CPU 5 does not exist here: "
                                 "expected CPUs 0 to 3");
    settings_release(&s);
    strbuf_dispose(&err);
}

static void test_placement__cpu_lists(void **state)
{
    static const char *const bad[] = { "", "x", "1-", "-1", "3-1", "1,",
                                       "1,,2", "0-99999" };
    cpu_set_t set;
    struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;

    assert_int_equal(cpus_parse("0-2,4,7-8", &set, NULL), 0);
    assert_int_equal(CPU_COUNT(&set), 6);
    cpus_format(&set, &out);
    assert_string_equal(out.buf, "0-2,4,7-8");
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        strbuf_reset(&why);
        assert_int_equal(cpus_parse(bad[i], &set, &why), -EINVAL);
        assert_string_equal(why.buf, "expected a CPU list like 0 or 0-1,3");
    }
    strbuf_reset(&why);
    assert_false(settings_check_cpus("2-", &why));
    assert_true(settings_check_cpus("auto", &why));
    strbuf_dispose(&out);
    strbuf_dispose(&why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placement__auto_by_cores),
        cmocka_unit_test(test_placement__lists_and_none),
        cmocka_unit_test(test_placement__cpu_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
