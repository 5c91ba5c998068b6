/* The parsers of ovs-vswitchd's replies (collectors/ovs_text.c) on text
 * captured from Open vSwitch 3.1, and the shapes other setups and older
 * releases answer with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "collectors/ovs_text.h"
#include "lib/strbuf.h"

#include "fixture.h"

static void test_ovs_text__dpctl_show(void **state)
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

static void test_ovs_text__dpctl_show_two_datapaths(void **state)
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

static void test_ovs_text__pmd_stats_show(void **state)
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
static void test_ovs_text__pmd_stats_threads_and_old_labels(void **state)
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

static void test_ovs_text__memory_show(void **state)
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ovs_text__dpctl_show),
        cmocka_unit_test(test_ovs_text__dpctl_show_two_datapaths),
        cmocka_unit_test(test_ovs_text__pmd_stats_show),
        cmocka_unit_test(test_ovs_text__pmd_stats_threads_and_old_labels),
        cmocka_unit_test(test_ovs_text__memory_show),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
