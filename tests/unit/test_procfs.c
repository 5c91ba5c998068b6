/* The /proc parsers (collectors/procfs.c) on files captured from real
 * systems: a process whose name holds spaces and parentheses, the host's
 * CPU ticks and memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "collectors/procfs.h"
#include "lib/strbuf.h"

#include "fixture.h"

static void test_procfs__stat_with_parentheses_in_the_name(void **state)
{
    char *text = fixture("proc-stat-parens.txt");
    struct pstat p;

    assert_int_equal(procfs_parse_stat(text, &p), 0);
    assert_string_equal(p.comm, "x) (y z");
    assert_int_equal(p.state, 'R');
    assert_int_equal(p.utime, 142);
    assert_int_equal(p.stime, 1);
    assert_int_equal(p.threads, 1);
    assert_int_equal(p.vsize, 10543104);
    assert_int_equal(p.rss_pages, 2192);
    free(text);
}

static void test_procfs__stat_broken(void **state)
{
    struct pstat p;

    assert_int_equal(procfs_parse_stat("", &p), -EINVAL);
    assert_int_equal(procfs_parse_stat("12 (cut", &p), -EINVAL);
    assert_int_equal(procfs_parse_stat("12 (a) R 1 2", &p), -EINVAL);
    /* A ')' but the fields stop early. */
    assert_int_equal(procfs_parse_stat("1 (a)) S 0 1 1 0 -1 4 1 0 0 0 5",
                                       &p), -EINVAL);
}

static void test_procfs__status_context_switches(void **state)
{
    char *text = fixture("proc-status.txt");
    unsigned long long vol = 0, invol = 0;

    assert_int_equal(procfs_parse_status(text, &vol, &invol), 0);
    assert_int_equal(vol, 11);
    assert_int_equal(invol, 266);
    assert_int_equal(procfs_parse_status("Name:\tx\n", &vol, &invol), -EINVAL);
    free(text);
}

static void test_procfs__host_cpu_and_memory(void **state)
{
    char *stat = fixture("proc-stat-host.txt");
    char *mem = fixture("proc-meminfo.txt");
    struct cpu_ticks t;
    double avail = 0;

    assert_int_equal(procfs_parse_cpu(stat, &t), 0);
    assert_int_equal(t.user, 111632);
    assert_int_equal(t.sys, 50839);
    assert_int_equal(t.idle, 4285410);
    assert_int_equal(t.softirq, 30715);
    assert_int_equal(t.steal, 68466);
    assert_int_equal(procfs_cpu_total(&t),
                     111632 + 50839 + 4285410 + 4108 + 30715 + 68466);
    assert_int_equal(procfs_parse_meminfo(mem, &avail), 0);
    assert_true(avail == 24364112.0 * 1024);
    assert_int_equal(procfs_parse_meminfo("MemTotal: 1 kB\n", &avail), -EINVAL);
    free(stat);
    free(mem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_procfs__stat_with_parentheses_in_the_name),
        cmocka_unit_test(test_procfs__stat_broken),
        cmocka_unit_test(test_procfs__status_context_switches),
        cmocka_unit_test(test_procfs__host_cpu_and_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
