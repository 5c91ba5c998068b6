/* The cleanup ledger: write, replay, idempotence, and only what it lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/ledger.h"
#include "lib/strbuf.h"
#include "lib/proc.h"
#include "lib/util.h"
#include "tmpdir.h"


static pid_t spawn_sleeper(void)
{
    char *argv[] = { "sleep", "60", NULL };
    pid_t pid;

    assert_int_equal(proc_spawn(argv, NULL, &pid), 0);
    return pid;
}

static void test_ledger__parse_line(void **state)
{
    struct ledger_entry e;
    (void)state;

    assert_int_equal(ledger_parse_line("link\tpt-a\tpt-ns\t0\t0", &e), 0);
    assert_string_equal(e.kind, "link");
    assert_string_equal(e.name, "pt-a");
    assert_string_equal(e.netns, "pt-ns");
    assert_int_equal(ledger_parse_line("netns\tpt-b\t-\t0\t0", &e), 0);
    assert_string_equal(e.netns, "");
    assert_int_equal(ledger_parse_line("process\tovsdb-server\t-\t42\t99", &e),
                     0);
    assert_int_equal(e.pid, 42);
    assert_true(e.starttime == 99);
    assert_int_equal(ledger_parse_line("link\tpt-a", &e), -EINVAL);
}

static void test_ledger__refuses_foreign_names(void **state)
{
    struct ledger *l = ledger_create(tmpdir, "refuse");
    (void)state;

    assert_non_null(l);
    assert_int_equal(ledger_record(l, "netns", "eth0", NULL), -EINVAL);
    assert_int_equal(ledger_record(l, "nosuchkind", "pt-x", NULL), -EINVAL);
    assert_int_equal(ledger_record(l, "link", "pt-a\tb", NULL), -EINVAL);
    /* The removers refuse too, whatever a hand-edited ledger says. */
    struct ledger_entry e = { .kind = "netns", .name = "notours" };
    assert_int_equal(ledger_kind_find("netns")->remove(&e), -EPERM);
    assert_int_equal(ledger_teardown(l), 0);
    ledger_destroy(l);
}

static void test_ledger__teardown_stops_processes(void **state)
{
    struct ledger *l = ledger_create(tmpdir, "teardown");
    pid_t a = spawn_sleeper(), b = spawn_sleeper();
    (void)state;

    assert_int_equal(ledger_record_process(l, "sleeper-a", a), 0);
    assert_int_equal(ledger_record_process(l, "sleeper-b", b), 0);
    assert_true(proc_is_same(a, 0) && proc_is_same(b, 0));
    assert_true(path_is_file(ledger_path(l)));
    assert_int_equal(ledger_teardown(l), 0);
    assert_false(proc_is_same(a, 0));
    assert_false(proc_is_same(b, 0));
    assert_false(path_is_file(ledger_path(l)));
    /* Idempotent: a second teardown finds nothing to do. */
    assert_int_equal(ledger_teardown(l), 0);
    ledger_destroy(l);
}

static void test_ledger__replay_stale(void **state)
{
    char *dir = xasprintf("%s/stale", tmpdir);
    char *path = xasprintf("%s/run-1", dir);
    pid_t victim = spawn_sleeper();
    pid_t owner;
    unsigned long long st;
    size_t n;
    (void)state;

    /* A child writes the ledger and dies without teardown: a kill -9. */
    owner = fork();
    if (owner == 0) {
        struct ledger *l = ledger_create(dir, "run-1");
        int bad = !l || ledger_record_process(l, "sleeper", victim);
        /* Memory only (the file stays): valgrind counts a child's leaks,
         * and the parent's strings are the child's copies too. */
        ledger_destroy(l);
        free(path);
        free(dir);
        _exit(bad);
    }
    int status;
    assert_int_equal(waitpid(owner, &status, 0), owner);
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_true(ledger_is_stale(path));

    /* A live ledger (ours) is not touched. */
    struct ledger *mine = ledger_create(dir, "run-2");
    pid_t keep = spawn_sleeper();
    assert_int_equal(ledger_record_process(mine, "keep", keep), 0);
    assert_false(ledger_is_stale(ledger_path(mine)));

    assert_int_equal(ledger_cleanup_stale(dir, &n), 0);
    assert_int_equal(n, 1);
    assert_false(proc_is_same(victim, 0));
    assert_false(path_is_file(path));
    assert_true(proc_is_same(keep, 0));
    /* Idempotent: nothing stale any more. */
    assert_int_equal(ledger_cleanup_stale(dir, &n), 0);
    assert_int_equal(n, 0);

    assert_int_equal(proc_starttime(keep, &st), 0);
    assert_int_equal(ledger_teardown(mine), 0);
    assert_false(proc_is_same(keep, st));
    ledger_destroy(mine);
    free(dir);
    free(path);
}

static void test_ledger__recycled_pid_is_spared(void **state)
{
    struct ledger_entry e = { .kind = "process", .name = "x" };
    pid_t pid = spawn_sleeper();
    (void)state;

    /* Same pid, another start time: not the process the ledger meant. */
    e.pid = pid;
    assert_int_equal(proc_starttime(pid, &e.starttime), 0);
    e.starttime += 12345;
    assert_int_equal(ledger_kind_find("process")->remove(&e), 0);
    assert_true(proc_is_same(pid, 0));
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void test_ledger__torn_line_skipped(void **state)
{
    char *path = xasprintf("%s/torn", tmpdir);
    FILE *f = fopen(path, "w");
    size_t n = 0;
    (void)state;

    assert_non_null(f);
    /* pid 1 never matches this start time, so the owner counts as gone. */
    fprintf(f, "owner\t1\t1\nprocess\tgone\t-\t999999\t1\nlink\tpt-");
    fclose(f);
    assert_true(ledger_is_stale(path));
    assert_int_equal(ledger_replay_file(path, &n), 0);
    assert_int_equal(n, 1);
    assert_false(path_is_file(path));
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ledger__parse_line),
        cmocka_unit_test(test_ledger__refuses_foreign_names),
        cmocka_unit_test(test_ledger__teardown_stops_processes),
        cmocka_unit_test(test_ledger__replay_stale),
        cmocka_unit_test(test_ledger__recycled_pid_is_spared),
        cmocka_unit_test(test_ledger__torn_line_skipped),
    };
    return cmocka_run_group_tests_name("ledger", tests, tmpdir_create,
                                       tmpdir_remove);
}
