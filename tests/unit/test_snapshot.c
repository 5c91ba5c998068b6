/* snapshot_sut's parsing on text captured from a real run (Open vSwitch
 * 3.1's dpctl/dump-flows and memory/show, ovs-vswitchd's
 * /proc/PID/smaps_rollup), the JSON it makes of them, its log line, and
 * the whole snapshot of a process SUT (this test itself), of one that
 * died, and of the kernel.  Fixture paths are relative to the source
 * tree's root, where the tests run. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collectors/ovs_text.h"
#include "collectors/procfs.h"
#include "sut/snapshot.h"
#include "lib/strbuf.h"
#include "sut/sut.h"
#include "tmpdir.h"
#include "lib/util.h"

#include "fixture.h"

static void test_snapshot__smaps_rollup(void **state)
{
    char *text = fixture("proc-smaps-rollup.txt");
    struct smaps_rollup s;

    assert_int_equal(procfs_parse_smaps_rollup(text, &s), 0);
    assert_int_equal(s.rss_kb, 20660);
    assert_int_equal(s.pss_kb, 15972);
    assert_int_equal(s.private_dirty_kb, 11256);
    assert_int_equal(s.swap_kb, 0);
    free(text);
}

/* "Pss_Dirty:" is not "Pss:", a figure the kernel did not print is -1,
 * and without Rss there is nothing. */
static void test_snapshot__smaps_rollup_partial(void **state)
{
    struct smaps_rollup s;

    assert_int_equal(procfs_parse_smaps_rollup(
        "0-1 ---p 00000000 00:00 0   [rollup]\n"
        "Pss_Dirty:  7 kB\nRss:  100 kB\nPss:  40 kB\n", &s), 0);
    assert_int_equal(s.rss_kb, 100);
    assert_int_equal(s.pss_kb, 40);
    assert_int_equal(s.private_dirty_kb, -1);
    assert_int_equal(s.swap_kb, -1);
    assert_int_equal(procfs_parse_smaps_rollup("Pss: 1 kB\n", &s), -EINVAL);
    assert_int_equal(procfs_parse_smaps_rollup("", &s), -EINVAL);
}

/* The real dump: a "flow-dump from the main thread:" header (the
 * userspace datapath), then one line per flow. */
static void test_snapshot__dump_flows_count(void **state)
{
    char *text = fixture("ovs31-dpctl-dump-flows.txt");

    assert_int_equal(ovs_count_dump_flows(text), 10);
    assert_int_equal(ovs_count_dump_flows(""), 0);
    assert_int_equal(ovs_count_dump_flows("\n\n"), 0);
    assert_int_equal(ovs_count_dump_flows("flow-dump from the main "
                                          "thread:\n"), 0);
    free(text);
}

/* Several datapaths (a "type@name:" line before each one's dump, as
 * snapshot_sut writes them) and PMD threads: headers are no flows. */
static void test_snapshot__dump_flows_datapaths_and_pmds(void **state)
{
    char *real = fixture("ovs31-dpctl-dump-flows.txt");
    char *text = xasprintf(
        "netdev@ovs-netdev:\n%s"
        "flow-dump from pmd on cpu core: 1\n"
        "recirc_id(0),in_port(2),eth_type(0x0800),ipv4(frag=no), "
        "packets:5, bytes:300, used:0.1s, actions:3\n"
        "flow-dump from pmd on cpu core: 3\n"
        "recirc_id(0),in_port(2),eth_type(0x0800),ipv4(frag=no), "
        "packets:2, bytes:120, used:0.2s, actions:3\n"
        "\n"
        "system@ovs-system:\n"
        "recirc_id(0),in_port(1),eth(),eth_type(0x0806), packets:0, "
        "bytes:0, used:never, actions:drop\r\n"
        "  \n", real);

    assert_int_equal(ovs_count_dump_flows(text), 13);
    free(text);
    free(real);
}

static void mem_count(const char *key, size_t len, double v, void *aux)
{
    struct strbuf *sb = aux;

    strbuf_addf(sb, "[%.*s=%g]", (int)len, key, v);
}

/* Every pair in order, keys with spaces kept, words that are no figure
 * skipped. */
static void test_snapshot__memory_show_pairs(void **state)
{
    char *text = fixture("ovs31-memory-show.txt");
    struct strbuf sb = STRBUF_INIT;

    assert_int_equal(ovs_memory_show_foreach(text, mem_count, &sb), 6);
    assert_string_equal(sb.buf, "[handlers=1][idl-cells-Open_vSwitch=210]"
                                "[ports=3][revalidators=1][rules=5]"
                                "[udpif keys=11]");
    strbuf_reset(&sb);
    assert_int_equal(ovs_memory_show_foreach("odd:word ofconns:2\n",
                                             mem_count, &sb), 1);
    assert_string_equal(sb.buf, "[ofconns=2]");
    assert_int_equal(ovs_memory_show_foreach("", mem_count, &sb), 0);
    strbuf_dispose(&sb);
    free(text);
}

static void test_snapshot__ovs_json(void **state)
{
    char *mem = fixture("ovs31-memory-show.txt");
    char *flows = fixture("ovs31-dpctl-dump-flows.txt");
    json_t *ovs = snapshot_ovs_json(mem, flows), *m;

    assert_int_equal(json_integer_value(json_object_get(ovs, "flows")), 10);
    m = json_object_get(ovs, "memory");
    assert_int_equal(json_object_size(m), 6);
    assert_int_equal(json_integer_value(json_object_get(m, "handlers")), 1);
    assert_int_equal(json_integer_value(json_object_get(m, "udpif keys")),
                     11);
    assert_int_equal(json_integer_value(
        json_object_get(m, "idl-cells-Open_vSwitch")), 210);
    json_decref(ovs);
    /* What was not taken is left out. */
    ovs = snapshot_ovs_json(NULL, flows);
    assert_null(json_object_get(ovs, "memory"));
    assert_non_null(json_object_get(ovs, "flows"));
    json_decref(ovs);
    ovs = snapshot_ovs_json(mem, NULL);
    assert_null(json_object_get(ovs, "flows"));
    json_decref(ovs);
    free(mem);
    free(flows);
}

static void test_snapshot__process_json(void **state)
{
    char *text = fixture("proc-smaps-rollup.txt");
    json_t *p = snapshot_process_json(42, "ovs-vswitchd", text);

    assert_int_equal(json_integer_value(json_object_get(p, "pid")), 42);
    assert_string_equal(json_string_value(json_object_get(p, "comm")),
                        "ovs-vswitchd");
    assert_int_equal(json_integer_value(json_object_get(p, "rss_kb")), 20660);
    assert_int_equal(json_integer_value(json_object_get(p, "pss_kb")), 15972);
    assert_int_equal(json_integer_value(
        json_object_get(p, "private_dirty_kb")), 11256);
    assert_int_equal(json_integer_value(json_object_get(p, "swap_kb")), 0);
    json_decref(p);
    /* Unreadable or unparsable: the figures are null, never 0. */
    p = snapshot_process_json(7, "sh", NULL);
    assert_true(json_is_null(json_object_get(p, "rss_kb")));
    assert_true(json_is_null(json_object_get(p, "swap_kb")));
    json_decref(p);
    p = snapshot_process_json(7, "sh", "garbage");
    assert_true(json_is_null(json_object_get(p, "pss_kb")));
    json_decref(p);
    free(text);
}

static void test_snapshot__describe(void **state)
{
    char *smaps = fixture("proc-smaps-rollup.txt");
    char *flows = fixture("ovs31-dpctl-dump-flows.txt");
    struct strbuf sb = STRBUF_INIT;
    json_t *snap = json_pack("{s:o, s:[o, o]}", "ovs",
                             snapshot_ovs_json(NULL, flows), "processes",
                             snapshot_process_json(1, "ovs-vswitchd", smaps),
                             snapshot_process_json(2, "ovsdb-server", NULL));

    snapshot_describe(snap, &sb);
    assert_string_equal(sb.buf, "10 datapath flows, ovs-vswitchd RSS 20.2 MiB "
                                "(PSS 15.6 MiB), ovsdb-server RSS unknown");
    json_decref(snap);
    strbuf_reset(&sb);
    snap = json_pack("{s:{s:i}, s:[]}", "ovs", "flows", 1, "processes");
    snapshot_describe(snap, &sb);
    assert_string_equal(sb.buf, "1 datapath flow");
    json_decref(snap);
    strbuf_reset(&sb);
    snap = json_object();
    snapshot_describe(snap, &sb);
    assert_string_equal(sb.buf, "nothing");
    json_decref(snap);
    strbuf_dispose(&sb);
    free(smaps);
    free(flows);
}

static json_t *load(const char *path)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);

    if (!j)
        fail_msg("%s: %s", path, je.text);
    return j;
}

/* A process SUT (this very test): its smaps_rollup copied and parsed, no
 * "ovs" member. */
static void test_snapshot__process_sut(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *spec = xasprintf("pid:%d", (int)getpid());
    char *run = xasprintf("%s/run-pid", tmpdir);
    char *path = xasprintf("%s/snapshot/smaps_rollup-%d.txt", run,
                           (int)getpid());
    struct sut *sut = sut_start(spec, false, run, NULL, NULL, &err);
    json_t *snap, *p;

    assert_non_null(sut);
    assert_int_equal(mkdir_p(run, 0755), 0);
    assert_int_equal(snapshot_sut(sut, run, &err), 0);
    assert_string_equal(err.buf, "");
    assert_true(path_is_file(path));
    free(path);
    path = xasprintf("%s/snapshot/snapshot.json", run);
    snap = load(path);
    assert_null(json_object_get(snap, "ovs"));
    assert_int_equal(json_array_size(json_object_get(snap, "processes")), 1);
    p = json_array_get(json_object_get(snap, "processes"), 0);
    assert_int_equal(json_integer_value(json_object_get(p, "pid")), getpid());
    assert_true(json_integer_value(json_object_get(p, "rss_kb")) > 0);
    assert_true(json_integer_value(json_object_get(p, "pss_kb")) > 0);
    /* The kernel's name of this process: "test_snapshot", or valgrind's
     * "memcheck-amd64-" under `make valgrind`. */
    struct strbuf comm = STRBUF_INIT;
    assert_int_equal(strbuf_read_file(&comm, "/proc/self/comm"), 0);
    strbuf_rtrim(&comm);
    assert_string_equal(json_string_value(json_object_get(p, "comm")),
                        comm.buf);
    strbuf_dispose(&comm);
    json_decref(snap);
    sut_destroy(sut);
    free(path);
    free(run);
    free(spec);
    strbuf_dispose(&err);
}

static bool is_zombie(pid_t pid)
{
    struct strbuf sb = STRBUF_INIT;
    char *path = xasprintf("/proc/%d/stat", (int)pid);
    struct pstat st;
    bool z = !strbuf_read_file(&sb, path) && !procfs_parse_stat(sb.buf, &st)
             && st.state == 'Z';

    strbuf_dispose(&sb);
    free(path);
    return z;
}

/* A SUT that died: said once, nothing taken. */
static void test_snapshot__dead_sut(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *run = xasprintf("%s/run-dead", tmpdir);
    char *snapdir = xasprintf("%s/snapshot", run);
    int ready[2], status;
    char c;
    pid_t child;
    char *spec;
    struct sut *sut;

    assert_int_equal(pipe(ready), 0);
    child = fork();
    assert_true(child >= 0);
    if (!child) {
        /* Lives until the parent closes its end, then exits. */
        close(ready[1]);
        while (read(ready[0], &c, 1) > 0)
            ;
        _exit(0);
    }
    close(ready[0]);
    spec = xasprintf("pid:%d", (int)child);
    sut = sut_start(spec, false, run, NULL, NULL, &err);
    assert_non_null(sut);
    close(ready[1]);
    /* An exited child stays a zombie until reaped: gone all the same. */
    while (!is_zombie(child))
        usleep(1000);
    assert_int_equal(snapshot_sut(sut, run, &err), -ESRCH);
    assert_non_null(strstr(err.buf, "the system under test is gone"));
    assert_false(path_is_dir(snapdir));
    assert_int_equal(waitpid(child, &status, 0), child);
    sut_destroy(sut);
    free(spec);
    free(snapdir);
    free(run);
    strbuf_dispose(&err);
}

/* The kernel has no process of its own: nothing to take, no folder. */
static void test_snapshot__kernel_sut(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *run = xasprintf("%s/run-kernel", tmpdir);
    char *snapdir = xasprintf("%s/snapshot", run);
    struct sut *sut = sut_start(NULL, false, run, NULL, NULL, &err);

    assert_non_null(sut);
    assert_int_equal(snapshot_sut(sut, run, &err), 0);
    assert_false(path_is_dir(snapdir));
    sut_destroy(sut);
    free(snapdir);
    free(run);
    strbuf_dispose(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_snapshot__smaps_rollup),
        cmocka_unit_test(test_snapshot__smaps_rollup_partial),
        cmocka_unit_test(test_snapshot__dump_flows_count),
        cmocka_unit_test(test_snapshot__dump_flows_datapaths_and_pmds),
        cmocka_unit_test(test_snapshot__memory_show_pairs),
        cmocka_unit_test(test_snapshot__ovs_json),
        cmocka_unit_test(test_snapshot__process_json),
        cmocka_unit_test(test_snapshot__describe),
        cmocka_unit_test(test_snapshot__process_sut),
        cmocka_unit_test(test_snapshot__dead_sut),
        cmocka_unit_test(test_snapshot__kernel_sut),
    };
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
