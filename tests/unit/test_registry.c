/* The collectors' table (collectors/registry.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "collectors/collector.h"

/* Every collector of the table is found by its name and complete, and
 * the ones the README and the profiles name are there. */
static void test_registry__collectors(void **state)
{
    static const char *const names[] = { "proc", "system", "netdev", "ovs",
                                         "jmx" };
    size_t n = 0;

    for (const struct collector_ops *const *c = collector_table; *c; c++) {
        assert_ptr_equal(collector_find((*c)->name), *c);
        assert_non_null((*c)->init);
        assert_non_null((*c)->sample);
        assert_non_null((*c)->close);
        n++;
    }
    assert_int_equal(n, sizeof names / sizeof *names);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        assert_non_null(collector_find(names[i]));
    assert_null(collector_find("cpu"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry__collectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
