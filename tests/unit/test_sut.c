/* The table of SUT kinds: --sut parsing, --help, the man page, and the
 * dispatch of start and stop for the kinds that need no Open vSwitch (the
 * OVS kinds are tested in tests/integration/topologies.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/ledger.h"
#include "lib/proc.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "sut/sut.h"
#include "sut/sut_kind.h"
#include "fixture.h"
#include "tmpdir.h"

static void test_sut__table_complete_and_unique(void **state)
{
    size_t defaults = 0;
    (void)state;

    for (size_t i = 0; sut_kind_table[i]; i++) {
        const struct sut_kind_ops *k = sut_kind_table[i];

        assert_non_null(k->name);
        assert_non_null(k->usage);
        assert_non_null(k->help);
        assert_non_null(k->start);
        if (!k->prefix) {
            defaults++;
        } else {
            /* "pid:" is what "pid:N" starts with. */
            assert_true(strlen(k->prefix) > 1);
            assert_int_equal(k->prefix[strlen(k->prefix) - 1], ':');
            assert_int_equal(strncmp(k->usage, k->prefix,
                                     strlen(k->prefix)), 0);
        }
        for (size_t j = i + 1; sut_kind_table[j]; j++) {
            assert_string_not_equal(k->name, sut_kind_table[j]->name);
            if (k->prefix && sut_kind_table[j]->prefix)
                assert_string_not_equal(k->prefix, sut_kind_table[j]->prefix);
        }
    }
    assert_int_equal(defaults, 1);
}

static void test_sut__default_kind(void **state)
{
    static const char *const specs[] = { NULL, "" };
    (void)state;

    for (size_t i = 0; i < ARRAY_SIZE(specs); i++) {
        struct strbuf err = STRBUF_INIT;
        const struct sut_kind_ops *kind;
        const char *arg = "unset";

        assert_int_equal(sut_kind_parse(specs[i], &kind, &arg, &err), 0);
        assert_null(kind->prefix);
        assert_string_equal(kind->name, "ovs-private");
        assert_null(arg);
        assert_string_equal(err.buf, "");
        assert_int_equal(sut_check_spec(specs[i], &err), 0);
        strbuf_dispose(&err);
    }
}

static void test_sut__each_kind(void **state)
{
    static const struct { const char *spec, *kind, *arg; } cases[] = {
        { "ovs-rundir:/var/run/openvswitch", "ovs-rundir",
          "/var/run/openvswitch" },
        { "ovs-rundir:relative", "ovs-rundir", "relative" },
        { "pid:1234", "pid", "1234" },
        { "pid:2", "pid", "2" },
        { "cmd:sleep 1", "cmd", "sleep 1" },
        /* Only the first colon ends the prefix. */
        { "cmd:pid:12", "cmd", "pid:12" },
        { "cmd:x=$(head -c 9 /dev/zero); sleep 600", "cmd",
          "x=$(head -c 9 /dev/zero); sleep 600" },
    };
    (void)state;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct strbuf err = STRBUF_INIT;
        const struct sut_kind_ops *kind;
        const char *arg;

        if (sut_kind_parse(cases[i].spec, &kind, &arg, &err))
            fail_msg("%s: %s", cases[i].spec, err.buf);
        assert_string_equal(kind->name, cases[i].kind);
        assert_string_equal(arg, cases[i].arg);
        assert_int_equal(sut_check_spec(cases[i].spec, &err), 0);
        assert_string_equal(err.buf, "");
        strbuf_dispose(&err);
    }
}

/* Every message names what would have been right. */
static void test_sut__bad_specs(void **state)
{
    static const struct { const char *spec, *message; } cases[] = {
        { "pid:abc", "--sut pid:abc: expected pid:N with N a process id" },
        { "pid:12x", "--sut pid:12x: expected pid:N with N a process id" },
        { "pid:-5", "--sut pid:-5: expected pid:N with N a process id" },
        { "pid:1", "--sut pid:1: expected pid:N with N a process id" },
        { "pid:", "--sut pid:: expected ovs-rundir:DIR, "
                  "ovs-build:DIR, pid:N or cmd:COMMAND" },
        { "ovs-rundir:", "--sut ovs-rundir:: expected ovs-rundir:DIR, "
                         "ovs-build:DIR, pid:N or cmd:COMMAND" },
        { "cmd:", "--sut cmd:: expected ovs-rundir:DIR, "
                  "ovs-build:DIR, pid:N or cmd:COMMAND" },
        { "bogus", "--sut bogus: expected ovs-rundir:DIR, "
                   "ovs-build:DIR, pid:N or "
                   "cmd:COMMAND" },
        { "PID:12", "--sut PID:12: expected ovs-rundir:DIR, "
                   "ovs-build:DIR, pid:N or "
                    "cmd:COMMAND" },
        { "ovs", "--sut ovs: expected ovs-rundir:DIR, "
                   "ovs-build:DIR, pid:N or "
                 "cmd:COMMAND" },
    };
    (void)state;

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct strbuf err = STRBUF_INIT;
        const struct sut_kind_ops *kind;
        const char *arg;

        assert_int_equal(sut_kind_parse(cases[i].spec, &kind, &arg, &err),
                         -EINVAL);
        assert_null(kind);
        assert_string_equal(err.buf, cases[i].message);
        strbuf_reset(&err);
        assert_int_equal(sut_check_spec(cases[i].spec, &err), -EINVAL);
        assert_string_equal(err.buf, cases[i].message);
        strbuf_dispose(&err);
    }
}

/* The list of an unknown spec comes from the table: every kind --sut can
 * name is in it, the default (no prefix) is not. */
static void test_sut__unknown_lists_the_table(void **state)
{
    struct strbuf err = STRBUF_INIT;
    (void)state;

    assert_int_equal(sut_check_spec("nosuchkind:x", &err), -EINVAL);
    for (size_t i = 0; sut_kind_table[i]; i++) {
        const struct sut_kind_ops *k = sut_kind_table[i];
        if (k->prefix)
            assert_non_null(strstr(err.buf, k->usage));
        else
            assert_null(strstr(err.buf, k->usage));
    }
    strbuf_dispose(&err);
}

static void test_sut__list_kinds(void **state)
{
    char *text = printed(sut_list_kinds);
    (void)state;

    for (size_t i = 0; sut_kind_table[i]; i++) {
        char *line = xasprintf("  %-16s %s\n", sut_kind_table[i]->usage,
                               sut_kind_table[i]->help);
        assert_non_null(strstr(text, line));
        free(line);
    }
    free(text);
}

static void test_sut__man_page_names_each(void **state)
{
    (void)state;

    for (size_t i = 0; sut_kind_table[i]; i++)
        if (sut_kind_table[i]->prefix)
            assert_man_page_names(sut_kind_table[i]->prefix);
}

static const char *kind_of(const struct sut *sut)
{
    json_t *j = sut_to_json(sut);
    static char kind[32];

    snprintf(kind, sizeof kind, "%s",
             json_string_value(json_object_get(j, "kind")));
    json_decref(j);
    return kind;
}

/* Without --sut and without an OVS to start: the kernel, no process. */
static void test_sut__kernel_without_ovs(void **state)
{
    struct strbuf err = STRBUF_INIT;
    struct sut *sut = sut_start(NULL, false, tmpdir, NULL, NULL, &err);
    const pid_t *pids;
    (void)state;

    assert_non_null(sut);
    assert_string_equal(kind_of(sut), "kernel");
    assert_int_equal(sut_pids(sut, &pids), 0);
    assert_null(sut_ovs_rundir(sut));
    assert_string_equal(sut_describe(sut),
                        "the kernel's own datapath (no process)");
    assert_int_equal(sut_stop(sut), 0);
    sut_destroy(sut);
    strbuf_dispose(&err);
}

/* pid: attaches to a process that is not ours and never stops it. */
static void test_sut__pid_attaches_never_stops(void **state)
{
    char *argv[] = { "sleep", "60", NULL };
    struct strbuf err = STRBUF_INIT;
    const pid_t *pids;
    struct sut *sut;
    char *spec, *want;
    pid_t child;
    (void)state;

    assert_int_equal(proc_spawn(argv, NULL, &child), 0);
    spec = xasprintf("pid:%d", (int)child);
    sut = sut_start(spec, true, tmpdir, NULL, NULL, &err);
    assert_non_null(sut);
    assert_string_equal(kind_of(sut), "pid");
    assert_int_equal(sut_pids(sut, &pids), 1);
    assert_int_equal(pids[0], child);
    want = xasprintf("process %d: sleep 60", (int)child);
    assert_string_equal(sut_describe(sut), want);
    assert_int_equal(sut_stop(sut), 0);
    assert_true(proc_is_same(child, 0));
    sut_destroy(sut);
    assert_int_equal(proc_stop(child, 0, 3000), 0);
    free(want);
    free(spec);
    strbuf_dispose(&err);
}

static void test_sut__pid_missing(void **state)
{
    struct strbuf err = STRBUF_INIT;
    (void)state;

    assert_null(sut_start("pid:999999999", false, tmpdir, NULL, NULL, &err));
    assert_string_equal(err.buf, "no process with pid 999999999");
    strbuf_reset(&err);
    assert_null(sut_start("bogus", false, tmpdir, NULL, NULL, &err));
    assert_string_equal(err.buf, "--sut bogus: expected ovs-rundir:DIR, "
                                 "ovs-build:DIR, pid:N or cmd:COMMAND");
    strbuf_dispose(&err);
}

/* cmd: starts the command, records it in the ledger, and stops it. */
static void test_sut__cmd_started_and_stopped(void **state)
{
    char *ledger_dir = xasprintf("%s/ledger", tmpdir);
    char *dir = xasprintf("%s/sut", tmpdir);
    char *log = xasprintf("%s/sut.log", dir);
    struct ledger *ledger = ledger_create(ledger_dir, "test-sut");
    struct strbuf err = STRBUF_INIT, text = STRBUF_INIT;
    const pid_t *pids;
    struct sut *sut;
    pid_t pid;
    (void)state;

    assert_non_null(ledger);
    sut = sut_start("cmd:echo started; exec sleep 60", true, dir, NULL,
                    ledger, &err);
    if (!sut)
        fail_msg("%s", err.buf);
    assert_string_equal(kind_of(sut), "cmd");
    assert_int_equal(sut_pids(sut, &pids), 1);
    pid = pids[0];
    assert_true(proc_is_same(pid, 0));
    assert_int_equal(strbuf_read_file(&text, ledger_path(ledger)), 0);
    assert_non_null(strstr(text.buf, "process\tsut\t"));
    for (int i = 0; i < 300 && !strstr(text.buf, "started"); i++) {
        usleep(10000);
        strbuf_reset(&text);
        strbuf_read_file(&text, log);
    }
    assert_non_null(strstr(text.buf, "started"));
    assert_int_equal(sut_stop(sut), 0);
    assert_false(proc_is_same(pid, 0));
    sut_destroy(sut);
    ledger_destroy(ledger);
    strbuf_dispose(&text);
    strbuf_dispose(&err);
    free(log);
    free(dir);
    free(ledger_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sut__table_complete_and_unique),
        cmocka_unit_test(test_sut__default_kind),
        cmocka_unit_test(test_sut__each_kind),
        cmocka_unit_test(test_sut__bad_specs),
        cmocka_unit_test(test_sut__unknown_lists_the_table),
        cmocka_unit_test(test_sut__list_kinds),
        cmocka_unit_test(test_sut__man_page_names_each),
        cmocka_unit_test(test_sut__kernel_without_ovs),
        cmocka_unit_test(test_sut__pid_attaches_never_stops),
        cmocka_unit_test(test_sut__pid_missing),
        cmocka_unit_test(test_sut__cmd_started_and_stopped),
    };
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
