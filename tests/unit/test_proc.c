/* lib/proc: a process is known by pid and start time, and stopping one
 * that proc_spawn() started stops its process group with it: what a shell
 * topology's setup left running in the background goes too, also once
 * the shell itself has exited.  Real processes (bash, sleep). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/proc.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "tmpdir.h"

/* Runs 'script' with bash in a group of its own (proc_spawn) and waits for
 * bash to exit; returns bash's pid and start time, and the pid the script
 * wrote to <tmpdir>/<name> (its background child). */
static pid_t run_leaving_child(const char *name, const char *script,
                               unsigned long long *leader_start,
                               pid_t *leader)
{
    char *file = xasprintf("%s/%s", tmpdir, name);
    char *cmd = xasprintf("%s\necho $! > '%s'", script, file);
    char *argv[] = { "bash", "-c", cmd, NULL };
    struct proc_spawn_opts opts = { 0 };
    struct strbuf text = STRBUF_INIT;
    pid_t child;

    assert_int_equal(proc_spawn(argv, &opts, leader), 0);
    assert_int_equal(proc_starttime(*leader, leader_start), 0);
    assert_int_equal(proc_wait(*leader), 0);
    assert_int_equal(strbuf_read_file(&text, file), 0);
    child = (pid_t)atoi(text.buf);
    assert_true(child > 0);
    strbuf_dispose(&text);
    free(cmd);
    free(file);
    return child;
}

/* Gone or a zombie (its new parent may be slow to reap it). */
static bool gone_within(pid_t pid, unsigned long long start, int ms)
{
    for (int waited = 0; waited <= ms; waited += 10) {
        if (!proc_is_same(pid, start))
            return true;
        sleep_ms(10);
    }
    return false;
}

static void test_proc__stop_takes_the_group_of_an_exited_leader(void **state)
{
    unsigned long long leader_start, child_start;
    pid_t leader;
    pid_t child = run_leaving_child("bg", "sleep 300 &", &leader_start,
                                    &leader);

    assert_int_equal(proc_starttime(child, &child_start), 0);
    assert_true(proc_is_same(child, child_start));
    assert_false(proc_is_same(leader, leader_start));
    assert_int_equal(proc_stop(leader, leader_start, 2000), 0);
    assert_true(gone_within(child, child_start, 3000));
}

/* A background child that ignores SIGTERM gets SIGKILL. */
static void test_proc__stop_kills_a_stubborn_group(void **state)
{
    unsigned long long leader_start, child_start;
    pid_t leader;
    pid_t child = run_leaving_child("stubborn",
                                    "(trap '' TERM; sleep 300) &",
                                    &leader_start, &leader);

    assert_int_equal(proc_starttime(child, &child_start), 0);
    assert_int_equal(proc_stop(leader, leader_start, 300), 0);
    assert_true(gone_within(child, child_start, 3000));
}

/* No start time (an entry that does not say whose group it was): a
 * group whose leader is gone is left alone, never signalled blind. */
static void test_proc__no_start_time_no_group(void **state)
{
    unsigned long long leader_start, child_start;
    pid_t leader;
    pid_t child = run_leaving_child("blind", "sleep 300 &", &leader_start,
                                    &leader);

    assert_int_equal(proc_starttime(child, &child_start), 0);
    assert_int_equal(proc_stop(leader, 0, 300), 0);
    assert_true(proc_is_same(child, child_start));
    assert_int_equal(proc_stop(leader, leader_start, 2000), 0);
    assert_true(gone_within(child, child_start, 3000));
}

/* A process in a group of another leader is not ours: proc_stop of a
 * gone leader touches only members of its own group. */
static void test_proc__other_groups_untouched(void **state)
{
    unsigned long long leader_start, other_start, bystander_start;
    pid_t leader, other;
    pid_t bystander = run_leaving_child("other", "sleep 300 &",
                                        &other_start, &other);
    pid_t child = run_leaving_child("mine", "sleep 300 &", &leader_start,
                                    &leader);
    unsigned long long child_start;

    assert_int_equal(proc_starttime(bystander, &bystander_start), 0);
    assert_int_equal(proc_starttime(child, &child_start), 0);
    assert_int_equal(proc_stop(leader, leader_start, 2000), 0);
    assert_true(gone_within(child, child_start, 3000));
    assert_true(proc_is_same(bystander, bystander_start));
    assert_int_equal(proc_stop(other, other_start, 2000), 0);
    assert_true(gone_within(bystander, bystander_start, 3000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proc__stop_takes_the_group_of_an_exited_leader),
        cmocka_unit_test(test_proc__stop_kills_a_stubborn_group),
        cmocka_unit_test(test_proc__no_start_time_no_group),
        cmocka_unit_test(test_proc__other_groups_untouched),
    };
    return cmocka_run_group_tests_name("proc", tests, tmpdir_create,
                                       tmpdir_remove);
}
