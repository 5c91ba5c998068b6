/* The collectors' parsers on text captured from real systems: /proc files
 * (a process whose name holds spaces and parentheses) and the replies of
 * Open vSwitch 3.1's ovs-vswitchd; counter wrap; metric names.  Fixture
 * paths are relative to the source tree's root, where the tests run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/collector.h"
#include "collectors/ovs_text.h"
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

static void test_ovs__dpctl_show(void **state)
{
    char *text = fixture("ovs31-dpctl-show.txt");
    struct ovs_dp_stats dp;

    assert_int_equal(ovs_parse_dpctl_show(text, &dp), 0);
    assert_true(dp.hit == 32865 && dp.missed == 11 && dp.lost == 0);
    assert_true(dp.flows == 11);
    assert_int_equal(ovs_parse_dpctl_show("something else\n", &dp), -EINVAL);
    assert_true(isnan(dp.hit) && isnan(dp.flows));
    free(text);
}

static void test_ovs__dpctl_show_two_datapaths(void **state)
{
    struct ovs_dp_stats dp;

    assert_int_equal(ovs_parse_dpctl_show(
        "system@ovs-system:\n  lookups: hit:5 missed:2 lost:1\n  flows: 3\n"
        "  masks: hit:9 total:1 hit/pkt:0.50\n  port 0: ovs-system (internal)\n"
        "netdev@ovs-netdev:\n  lookups: hit:10 missed:1 lost:0\n  flows: 1",
        &dp), 0);
    /* "masks: hit:" is not a lookup. */
    assert_true(dp.hit == 15 && dp.missed == 3 && dp.lost == 1);
    assert_true(dp.flows == 4);
}

static void test_ovs__pmd_stats_show(void **state)
{
    char *text = fixture("ovs31-pmd-stats-show.txt");
    struct ovs_pmd_stats p;

    assert_int_equal(ovs_parse_pmd_stats(text, &p), 0);
    assert_true(p.threads == 1);
    assert_true(p.packets == 32899);
    assert_true(p.emc_hits == 26853);
    assert_true(p.smc_hits == 0);
    assert_true(p.megaflow_hits == 6035);
    assert_true(p.upcalls == 11);
    assert_true(p.upcalls_failed == 0);
    assert_true(p.recirc == 0);
    free(text);
}

/* With PMD threads (DPDK ports) there is a section per thread, and older
 * releases name the upcalls "miss" and "lost": summed, unknown lines
 * skipped. */
static void test_ovs__pmd_stats_threads_and_old_labels(void **state)
{
    struct ovs_pmd_stats p;

    assert_int_equal(ovs_parse_pmd_stats(
        "pmd thread numa_id 0 core_id 1:\n"
        "  packets received: 100\n  emc hits: 60\n  megaflow hits: 30\n"
        "  avg. subtable lookups per megaflow hit: 1.50\n"
        "  miss with success upcall: 8\n  miss with failed upcall: 2\n"
        "  some future line: 7\n  idle cycles: 123 (45.00%)\n"
        "main thread:\n"
        "  emc hits:5\n  miss:4\n  lost:1\n", &p), 0);
    assert_true(p.threads == 2);
    assert_true(p.packets == 100);
    assert_true(p.emc_hits == 65);
    assert_true(p.megaflow_hits == 30);
    assert_true(p.upcalls == 12);
    assert_true(p.upcalls_failed == 3);
    assert_true(isnan(p.smc_hits));
    assert_int_equal(ovs_parse_pmd_stats("  emc hits: 5\n", &p), -EINVAL);
    assert_int_equal(ovs_parse_pmd_stats("", &p), -EINVAL);
}

static void test_ovs__memory_show(void **state)
{
    char *text = fixture("ovs31-memory-show.txt");
    struct ovs_mem_stats m;

    assert_int_equal(ovs_parse_memory_show(text, &m), 0);
    assert_true(m.handlers == 1 && m.revalidators == 1);
    assert_true(m.ports == 3 && m.rules == 5);
    assert_true(m.udpif_keys == 11 && m.idl_cells == 210);
    assert_true(isnan(m.ofconns));
    /* Two databases' cells summed; unknown keys and words skipped. */
    assert_int_equal(ovs_parse_memory_show(
        "idl-cells-Open_vSwitch:10 idl-cells-other:5 future thing:3 "
        "odd:word rules:2\n", &m), 0);
    assert_true(m.idl_cells == 15 && m.rules == 2);
    assert_int_equal(ovs_parse_memory_show("nothing here", &m), -EINVAL);
    free(text);
}

static void test_metric__counter_wrap(void **state)
{
    assert_int_equal(counter_delta(10, 15), 5);
    assert_int_equal(counter_delta(7, 7), 0);
    /* A 32-bit counter wraps at 2^32. */
    assert_int_equal(counter_delta(UINT32_MAX - 2, 4), 7);
    /* A 64-bit one at 2^64. */
    assert_int_equal(counter_delta(UINT64_MAX - 1, 3), 5);
    assert_int_equal(counter_delta((uint64_t)UINT32_MAX + 10, 20),
                     UINT64_MAX - ((uint64_t)UINT32_MAX + 10) + 1 + 20);
}

static void test_metric__names_fit_rrd(void **state)
{
    struct metric_set ms = { 0 };

    metric_set_add(&ms, METRIC_GAUGE, "heap used-%s", "G1 Old.Gen");
    metric_set_add(&ms, METRIC_COUNTER, "ok_name_1");
    assert_int_equal(ms.n, 2);
    assert_string_equal(ms.m[0].name, "heap_used_G1_Old_Ge");
    assert_int_equal(strlen(ms.m[0].name), 19);
    assert_int_equal(ms.m[0].kind, METRIC_GAUGE);
    assert_string_equal(ms.m[1].name, "ok_name_1");
    assert_int_equal(ms.m[1].kind, METRIC_COUNTER);
    metric_set_release(&ms);
}

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
        cmocka_unit_test(test_procfs__stat_with_parentheses_in_the_name),
        cmocka_unit_test(test_procfs__stat_broken),
        cmocka_unit_test(test_procfs__status_context_switches),
        cmocka_unit_test(test_procfs__host_cpu_and_memory),
        cmocka_unit_test(test_ovs__dpctl_show),
        cmocka_unit_test(test_ovs__dpctl_show_two_datapaths),
        cmocka_unit_test(test_ovs__pmd_stats_show),
        cmocka_unit_test(test_ovs__pmd_stats_threads_and_old_labels),
        cmocka_unit_test(test_ovs__memory_show),
        cmocka_unit_test(test_metric__counter_wrap),
        cmocka_unit_test(test_metric__names_fit_rrd),
        cmocka_unit_test(test_registry__collectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
