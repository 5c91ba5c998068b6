/* The collectors' table (collectors/registry.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "collectors/collector.h"

/* Every collector is in the table, found by name, and complete. */
static void test_registry__collectors(void **state)
{
    static const char *const names[] = { "proc", "system", "netdev", "ovs" };

    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const struct collector_ops *c = collector_find(names[i]);
        assert_non_null(c);
        assert_non_null(c->init);
        assert_non_null(c->sample);
        assert_non_null(c->close);
    }
    assert_null(collector_find("cpu"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry__collectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
