/* lib/proc: a process is known by pid and start time, and stopping one
 * that proc_spawn() started stops its process group with it: what a shell
 * topology's setup left running in the background goes too, also once
 * the shell itself has exited.  A command that hangs must not hold a
 * Ctrl-C up (issue 16 item 6): the signal is real, delivered to the
 * waiting thread by the run's own handler (run_install_signals()).  Real
 * processes (bash, sleep). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/proc.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "run/run.h"
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

struct later {
    pthread_t target;
    int sig;
};

static void *signal_later(void *arg)
{
    struct later *l = arg;

    sleep_ms(300);
    pthread_kill(l->target, l->sig);
    return NULL;
}

/* A shell topology's command that hangs (and keeps its output open):
 * proc_capture() stops it on Ctrl-C and says -EINTR, within a second or
 * two, instead of retrying the read until it ends by itself. */
static void test_proc__capture_ends_on_interrupt(void **state)
{
    char *argv[] = { "/bin/sh", "-c", "echo started; sleep 30", NULL };
    struct later l = { pthread_self(), SIGINT };
    struct strbuf out = STRBUF_INIT;
    long long t0 = monotonic_ms();
    pthread_t th;

    run_install_signals();
    pthread_create(&th, NULL, signal_later, &l);
    assert_int_equal(proc_capture(argv, NULL, &out), -EINTR);
    assert_true(monotonic_ms() - t0 < 5000);
    assert_string_equal(out.buf, "started\n");
    pthread_join(th, NULL);
    pt_interrupted = 0;
    strbuf_dispose(&out);
}

/* Without a signal the output is captured whole, the status returned. */
static void test_proc__capture_output_and_status(void **state)
{
    char *argv[] = { "/bin/sh", "-c", "printf 'a\\nb'; exit 3", NULL };
    struct strbuf out = STRBUF_INIT;

    assert_int_equal(proc_capture(argv, NULL, &out), 3);
    assert_string_equal(out.buf, "a\nb");
    strbuf_dispose(&out);
}

/* A child that holds a packet socket and a UDP socket; on a byte on
 * 'cmd' it writes both sockets' SO_RCVBUF to 'rep' and exits.  The packet
 * socket has protocol 0 and no binding: it receives nothing. */
static pid_t socket_holder(int cmd[2], int rep[2])
{
    pid_t pid;

    assert_int_equal(pipe(cmd), 0);
    assert_int_equal(pipe(rep), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int sizes[2] = { -1, -1 }, socks[2];
        socklen_t len = sizeof sizes[0];
        char c;
        socks[0] = socket(AF_PACKET, SOCK_RAW, 0);
        socks[1] = socket(AF_INET, SOCK_DGRAM, 0);
        if (write(rep[1], "r", 1) != 1 || read(cmd[0], &c, 1) != 1)
            _exit(1);
        for (int i = 0; i < 2; i++)
            getsockopt(socks[i], SOL_SOCKET, SO_RCVBUF, &sizes[i], &len);
        _exit(write(rep[1], sizes, sizeof sizes) == sizeof sizes ? 0 : 1);
    }
    return pid;
}

/* The harness sizes its own SUT's packet sockets, and no other socket of
 * it; a pid that is not the process it started is refused. */
static void test_proc__size_packet_rcvbuf(void **state)
{
    int cmd[2], rep[2], sizes[2] = { 0, 0 }, got = 0, probe, status;
    unsigned long long start;
    socklen_t len = sizeof sizes[1];
    char c;
    pid_t pid;

    (void)state;
    probe = socket(AF_PACKET, SOCK_RAW, 0);
    if (probe < 0)
        skip();     /* not root: no packet sockets to size */
    close(probe);
    pid = socket_holder(cmd, rep);
    assert_int_equal(read(rep[0], &c, 1), 1);
    assert_int_equal(proc_starttime(pid, &start), 0);
    assert_int_equal(proc_size_packet_rcvbuf(pid, start + 1, 4 << 20, &got),
                     -ESRCH);
    assert_int_equal(proc_size_packet_rcvbuf(pid, start, 0, &got), -EINVAL);
    assert_int_equal(proc_size_packet_rcvbuf(pid, start, 4 << 20, &got), 1);
    assert_int_equal(got, 4 << 20);
    assert_int_equal(write(cmd[1], "x", 1), 1);
    assert_int_equal(read(rep[0], sizes, sizeof sizes), (ssize_t)sizeof sizes);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(sizes[0], 4 << 20);
    /* The UDP socket keeps the host's default, as a new one has it. */
    probe = socket(AF_INET, SOCK_DGRAM, 0);
    getsockopt(probe, SOL_SOCKET, SO_RCVBUF, &got, &len);
    close(probe);
    assert_int_equal(sizes[1], got);
    assert_int_not_equal(sizes[1], 4 << 20);
    /* Gone: refused, not someone else's sockets. */
    assert_int_equal(proc_size_packet_rcvbuf(pid, start, 4 << 20, &got),
                     -ESRCH);
    for (int i = 0; i < 2; i++)
        close(cmd[i]), close(rep[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proc__stop_takes_the_group_of_an_exited_leader),
        cmocka_unit_test(test_proc__stop_kills_a_stubborn_group),
        cmocka_unit_test(test_proc__no_start_time_no_group),
        cmocka_unit_test(test_proc__other_groups_untouched),
        cmocka_unit_test(test_proc__capture_output_and_status),
        cmocka_unit_test(test_proc__capture_ends_on_interrupt),
        cmocka_unit_test(test_proc__size_packet_rcvbuf),
    };
    return cmocka_run_group_tests_name("proc", tests, tmpdir_create,
                                       tmpdir_remove);
}
