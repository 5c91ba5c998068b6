/* The cleanup ledger: write, replay, idempotence, and only what it lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/ledger.h"
#include "lib/log.h"
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

/* The pid of a process that has exited: the owner of an aborted run. */
static pid_t dead_pid(void)
{
    pid_t pid = fork();

    if (pid == 0)
        _exit(0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    return pid;
}

/* Writes <tmpdir>/<dir>/<name>: an aborted run's ledger (its owner gone)
 * with 'lines' after the owner line.  Returns its path (malloc'ed). */
static char *stale_ledger(const char *dir, const char *name,
                          const char *lines)
{
    char *text = xasprintf("owner\t%d\t1\n%s", (int)dead_pid(), lines);
    char *path = tmpdir_put(dir, name, text);
    char *folder = xasprintf("%s/%s", tmpdir, dir);

    chmod(folder, 0755);
    free(folder);
    free(text);
    return path;
}

/* The entry line that stops 'pid' for good: its pid and start time. */
static char *process_line(const char *label, pid_t pid)
{
    unsigned long long st;

    assert_int_equal(proc_starttime(pid, &st), 0);
    return xasprintf("process\t%s\t-\t%d\t%llu\n", label, (int)pid, st);
}

/* Runs ledger_cleanup_stale() on <tmpdir>/<dir> with the log going to a
 * file; returns what was logged (malloc'ed). */
static char *cleanup_logged(const char *dir, size_t *n)
{
    char *folder = xasprintf("%s/%s", tmpdir, dir);
    char *log = xasprintf("%s/%s.log", tmpdir, dir);
    struct strbuf sb = STRBUF_INIT;

    assert_int_equal(log_open_file(log), 0);
    ledger_cleanup_stale(folder, n);
    log_close_file();
    assert_int_equal(strbuf_read_file(&sb, log), 0);
    free(log);
    free(folder);
    return strbuf_detach(&sb);
}

static void reap(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static void test_ledger__parse_line(void **state)
{
    struct ledger_entry e;
    (void)state;

    assert_int_equal(ledger_parse_line("link\tpt-a\tpt-ns\t0\t0", &e), 0);
    assert_string_equal(e.kind, "link");
    assert_string_equal(e.name, "pt-a");
    assert_string_equal(e.location, "pt-ns");
    assert_int_equal(ledger_parse_line("netns\tpt-b\t-\t0\t0", &e), 0);
    assert_string_equal(e.location, "");
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

/* Two threads record at once (the sampler's, starting a JMX sidecar
 * again, and the main one, the TCP phase's children): every process of
 * both is in the ledger, and the teardown stops each. */
#define RACERS 12
struct racer {
    struct ledger *l;
    pid_t pids[RACERS];
    int rc;
};

static void *record_racers(void *arg)
{
    struct racer *r = arg;

    for (int i = 0; i < RACERS && !r->rc; i++)
        r->rc = ledger_record_process(r->l, "racer", r->pids[i]);
    return NULL;
}

static void test_ledger__two_threads_record(void **state)
{
    struct ledger *l = ledger_create(tmpdir, "threads");
    struct racer a = { .l = l }, b = { .l = l };
    pthread_t ta, tb;
    (void)state;

    for (int i = 0; i < RACERS; i++) {
        a.pids[i] = spawn_sleeper();
        b.pids[i] = spawn_sleeper();
    }
    assert_int_equal(pthread_create(&ta, NULL, record_racers, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, record_racers, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.rc, 0);
    assert_int_equal(b.rc, 0);
    assert_int_equal(ledger_teardown(l), 0);
    for (int i = 0; i < RACERS; i++) {
        assert_false(proc_is_same(a.pids[i], 0));
        assert_false(proc_is_same(b.pids[i], 0));
    }
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

/* A hand-written ledger is not a licence to signal: start time 0 (which
 * used to match any process), pid 1, and names without "pt-" are refused,
 * each with the file, the line and why. */
static void test_ledger__replay_refuses_entries_not_ours(void **state)
{
    pid_t victim = spawn_sleeper();
    char *lines = xasprintf("process\tpt-x\t-\t%d\t0\n"
                            "link\tbr0\t-\t0\t0\n"
                            "netns\tpt-ok\t-\t0\t0\n", (int)victim);
    char *path = stale_ledger("foreign", "run-f", lines);
    size_t n = 0;
    char *log;
    struct ledger_entry e;
    (void)state;

    log = cleanup_logged("foreign", &n);
    assert_true(proc_is_same(victim, 0));
    assert_non_null(strstr(log, "run-f:2: refused"));
    assert_non_null(strstr(log, "start time 0"));
    assert_non_null(strstr(log, "run-f:3: refused"));
    assert_non_null(strstr(log, "link 'br0': its name does not start"));
    assert_null(strstr(log, "run-f:4: refused"));
    assert_false(path_is_file(path));

    /* pid 1 (and so its group: every process) whatever its start time. */
    assert_int_equal(ledger_parse_line("process\tpt-y\t-\t1\t5", &e), 0);
    assert_non_null(ledger_entry_refusal(&e));
    assert_int_equal(ledger_parse_line("process\tpt-y\t-\t42\t5", &e), 0);
    assert_null(ledger_entry_refusal(&e));
    reap(victim);
    free(log);
    free(lines);
    free(path);
}

/* OVS rows: the OVSDB socket is the location, absolute and as long as a
 * results folder makes it; a name without pt- or a relative socket is
 * refused when recorded and when replayed. */
static void test_ledger__ovs_rows_recorded_with_their_socket(void **state)
{
    struct ledger *l = ledger_create(tmpdir, "ovs");
    struct strbuf sock = STRBUF_INIT, sb = STRBUF_INIT;
    struct ledger_entry e;
    char *line;
    (void)state;

    assert_non_null(l);
    strbuf_addf(&sock, "%s/", tmpdir);
    while (sock.len < 200)
        strbuf_addstr(&sock, "deep/");
    strbuf_addstr(&sock, "db.sock");
    assert_int_equal(ledger_record(l, "ovs-bridge", "pt-br-1", sock.buf), 0);
    assert_int_equal(ledger_record(l, "ovs-port", "pt-sb-1", sock.buf), 0);
    assert_int_equal(ledger_record(l, "ovs-bridge", "br-int", sock.buf),
                     -EINVAL);
    assert_int_equal(ledger_record(l, "ovs-bridge", "pt-br-2", "db.sock"),
                     -EINVAL);
    assert_int_equal(ledger_record(l, "ovs-port", "pt-sb-2", NULL), -EINVAL);
    assert_int_equal(strbuf_read_file(&sb, ledger_path(l)), 0);
    line = strstr(sb.buf, "ovs-bridge\t");
    assert_non_null(line);
    assert_int_equal(ledger_parse_line(line, &e), 0);
    assert_string_equal(e.name, "pt-br-1");
    assert_string_equal(e.location, sock.buf);
    assert_null(ledger_entry_refusal(&e));

    assert_int_equal(ledger_parse_line("ovs-bridge\tbr0\t/run/db.sock\t0\t0",
                                       &e), 0);
    assert_non_null(ledger_entry_refusal(&e));
    assert_int_equal(ledger_kind_find("ovs-bridge")->remove(&e), -EPERM);
    assert_int_equal(ledger_parse_line("ovs-port\tpt-p\trun/db.sock\t0\t0",
                                       &e), 0);
    assert_non_null(strstr(ledger_entry_refusal(&e), "absolute"));
    assert_int_equal(ledger_kind_find("ovs-port")->remove(&e), -EPERM);
    /* No socket: the OVS is gone, and its rows with it. */
    assert_int_equal(ledger_teardown(l), 0);
    assert_false(path_is_file(ledger_path(l)));
    ledger_destroy(l);
    strbuf_dispose(&sb);
    strbuf_dispose(&sock);
}

/* A socket file that nobody listens on (an OVS killed with its socket
 * left behind) is a gone OVS too, not an error that keeps the ledger. */
static void test_ledger__ovs_socket_without_server_is_gone(void **state)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    char *lines;
    size_t n = 0;
    char *log, *path;
    (void)state;

    snprintf(sun.sun_path, sizeof sun.sun_path, "%s/dead.sock", tmpdir);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    close(fd);
    lines = xasprintf("ovs-port\tpt-sb-9\t%s\t0\t0\n"
                      "ovs-bridge\tpt-br-9\t%s\t0\t0\n", sun.sun_path,
                      sun.sun_path);
    path = stale_ledger("ovsgone", "run-o", lines);
    log = cleanup_logged("ovsgone", &n);
    assert_int_equal(n, 1);
    assert_null(strstr(log, "cannot remove"));
    assert_false(path_is_file(path));
    unlink(sun.sun_path);
    free(log);
    free(path);
    free(lines);
}

/* A ledger that is a symbolic link, writable by others, or in a folder
 * writable by others is not replayed: someone else could have written
 * it. */
static void test_ledger__untrusted_files_not_replayed(void **state)
{
    pid_t victim = spawn_sleeper();
    char *line = process_line("pt-victim", victim);
    char *real = stale_ledger("elsewhere", "run-s", line);
    char *folder = xasprintf("%s/links", tmpdir);
    char *link = xasprintf("%s/run-s", folder);
    char *writable = stale_ledger("writable", "run-w", line);
    char *loose = stale_ledger("loose", "run-l", line);
    char *loose_dir = xasprintf("%s/loose", tmpdir);
    size_t n = 0;
    char *log;
    (void)state;

    assert_int_equal(mkdir_p(folder, 0755), 0);
    assert_int_equal(symlink(real, link), 0);
    chmod(writable, 0666);
    chmod(loose_dir, 0777);

    log = cleanup_logged("links", &n);
    assert_non_null(strstr(log, "symbolic link"));
    free(log);
    log = cleanup_logged("writable", &n);
    assert_non_null(strstr(log, "writable by others"));
    free(log);
    log = cleanup_logged("loose", &n);
    assert_non_null(strstr(log, "writable by others"));
    assert_true(proc_is_same(victim, 0));
    assert_true(path_is_file(real) && path_is_file(writable)
                && path_is_file(loose));
    assert_int_equal(n, 0);
    reap(victim);
    free(log);
    free(loose_dir);
    free(loose);
    free(writable);
    free(link);
    free(folder);
    free(real);
    free(line);
}

/* A ledger that has no owner line yet is a run being born, not an aborted
 * one: a concurrent cleanup must leave it alone (issue 16, item 7). */
static void test_ledger__ownerless_file_left_alone(void **state)
{
    char *path = tmpdir_put("born", "run-b", "");
    char *dir = xasprintf("%s/born", tmpdir);
    size_t n = 0;
    (void)state;

    chmod(dir, 0755);
    free(cleanup_logged("born", &n));
    assert_true(path_is_file(path));
    assert_int_equal(n, 0);
    free(dir);
    free(path);
}

/* Without a start time to check, a process that is not our child is
 * stopped alone, never with its group: nothing says the group is ours. */
static void test_ledger__unverified_leader_not_signalled_as_group(void **state)
{
    int fds[2];
    pid_t pids[2], mid;
    (void)state;

    assert_int_equal(pipe(fds), 0);
    mid = fork();
    if (mid == 0) {
        /* A group leader with a member, then orphaned: not our child. */
        pid_t leader = fork();
        if (leader == 0) {
            setpgid(0, 0);
            pid_t member = fork();
            if (member == 0) {
                execlp("sleep", "sleep", "60", (char *)NULL);
                _exit(127);
            }
            pid_t both[2] = { getpid(), member };
            if (write(fds[1], both, sizeof both) != sizeof both)
                _exit(1);
            execlp("sleep", "sleep", "60", (char *)NULL);
            _exit(127);
        }
        _exit(0);
    }
    waitpid(mid, NULL, 0);
    assert_int_equal(read(fds[0], pids, sizeof pids), (ssize_t)sizeof pids);
    close(fds[0]);
    close(fds[1]);
    for (int i = 0; i < 100 && getpgid(pids[0]) != pids[0]; i++)
        sleep_ms(10);

    assert_int_equal(proc_stop(pids[0], 0, 3000), 0);
    assert_false(proc_is_same(pids[0], 0));
    assert_true(proc_is_same(pids[1], 0));
    kill(pids[1], SIGKILL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ledger__parse_line),
        cmocka_unit_test(test_ledger__refuses_foreign_names),
        cmocka_unit_test(test_ledger__teardown_stops_processes),
        cmocka_unit_test(test_ledger__two_threads_record),
        cmocka_unit_test(test_ledger__replay_stale),
        cmocka_unit_test(test_ledger__recycled_pid_is_spared),
        cmocka_unit_test(test_ledger__torn_line_skipped),
        cmocka_unit_test(test_ledger__replay_refuses_entries_not_ours),
        cmocka_unit_test(test_ledger__ovs_rows_recorded_with_their_socket),
        cmocka_unit_test(test_ledger__ovs_socket_without_server_is_gone),
        cmocka_unit_test(test_ledger__untrusted_files_not_replayed),
        cmocka_unit_test(test_ledger__ownerless_file_left_alone),
        cmocka_unit_test(test_ledger__unverified_leader_not_signalled_as_group),
    };
    return cmocka_run_group_tests_name("ledger", tests, tmpdir_create,
                                       tmpdir_remove);
}
