/* `perftests agent` for real, spawned over a socket without ssh, as
 * remote/peer.c speaks to it: hello and its version check, the errors of
 * the method dispatch, the clock; the end of its stdin or a SIGHUP ends
 * it with its ledger gone; it replays what an agent that died left. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/ledger.h"
#include "lib/pace.h"
#include "remote/agent.h"
#include "remote/peer.h"
#include "tmpdir.h"
#include "version.h"

/* The binary the tests of this file run: the one `make` builds. */
#define AGENT_BIN "./perftests"

static struct peer *agent(void)
{
    struct strbuf err = STRBUF_INIT;
    char *log = xasprintf("%s/agent.log", tmpdir);
    char *argv[] = { AGENT_BIN, "agent", "-d", tmpdir, NULL };
    struct peer *p = peer_spawn("hv-test", argv, log, NULL, &err);

    assert_non_null(p);
    strbuf_dispose(&err);
    free(log);
    return p;
}

/* Where the agents of this host's network namespace keep their ledgers:
 * named by the boot id and the namespace's inode, so that two hosts whose
 * root namespaces share an inode number keep apart on a shared DIR. */
static char *ledger_dir(void)
{
    char boot[64] = "";
    struct stat st;
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

    assert_non_null(f);
    assert_non_null(fgets(boot, sizeof boot, f));
    fclose(f);
    boot[strcspn(boot, "\n")] = '\0';
    assert_int_equal(stat("/proc/self/ns/net", &st), 0);
    char *want = xasprintf("%s/.ledger/agent-%s-net%llu", tmpdir, boot,
                           (unsigned long long)st.st_ino);
    char *got = agent_ledger_dir(tmpdir);
    assert_string_equal(got, want);
    free(want);
    return got;
}

/* The files in the ledger folder. */
static int ledgers(void)
{
    char *dir = ledger_dir();
    DIR *d = opendir(dir);
    struct dirent *de;
    int n = 0;

    while (d && (de = readdir(d)))
        n += de->d_name[0] != '.';
    if (d)
        closedir(d);
    free(dir);
    return n;
}

static void test_agent__hello_and_errors(void **state)
{
    struct strbuf err = STRBUF_INIT;
    struct peer *p = agent();
    json_t *res;

    (void)state;
    assert_int_equal(peer_hello(p, &err), 0);
    assert_string_equal(peer_version(p), PT_VERSION);
    assert_true(peer_same_clock(p));
    assert_true(peer_has_method(p, "start_tx"));
    assert_true(peer_has_method(p, "cleanup"));
    assert_false(peer_has_method(p, "frobnicate"));
    assert_true(peer_cores(p) >= 1);
    assert_int_equal(ledgers(), 1);         /* its own, while it runs */

    /* Another protocol: refused, saying both sides. */
    assert_int_equal(peer_call(p, "hello", json_pack("{s:i}", "protocol",
                                                     99), &res, &err),
                     -EREMOTEIO);
    assert_null(res);
    assert_non_null(strstr(err.buf, "hv-test: hello: protocol mismatch: "
                                    "the harness (perftests ?) speaks "
                                    "protocol 99"));
    strbuf_reset(&err);
    assert_int_equal(peer_call(p, "frobnicate", NULL, &res, &err),
                     -EREMOTEIO);
    assert_string_equal(err.buf, "hv-test: frobnicate: unknown method "
                                 "'frobnicate'");
    strbuf_reset(&err);
    assert_int_equal(peer_call(p, "start_rx", NULL, &res, &err), -EREMOTEIO);
    assert_string_equal(err.buf, "hv-test: start_rx: no endpoint: call "
                                 "prepare first");
    strbuf_reset(&err);
    assert_int_equal(peer_call(p, "prepare", json_pack("{s:i}", "interface",
                                                       5), &res, &err),
                     -EREMOTEIO);
    assert_string_equal(err.buf, "hv-test: prepare: 'interface': expected "
                                 "a string");
    strbuf_reset(&err);
    assert_int_equal(peer_call(p, "prepare", json_pack(
        "{s:s, s:s}", "interface", "pt-nope0", "address", "198.18.9.1/24"),
        &res, &err), -EREMOTEIO);
    assert_non_null(strstr(err.buf, "no interface 'pt-nope0' here"));
    strbuf_reset(&err);
    assert_int_equal(peer_call(p, "results", NULL, &res, &err), -EREMOTEIO);
    assert_string_equal(err.buf, "hv-test: results: no trial under way");
    strbuf_reset(&err);
    assert_int_equal(peer_call(p, "collect", json_pack("{s:s}", "action",
                                                       "stop"), &res, &err),
                     -EREMOTEIO);
    assert_string_equal(err.buf, "hv-test: collect: no collectors run");
    strbuf_reset(&err);
    /* The TCP methods: in its capabilities, their parameters checked. */
    assert_true(peer_has_method(p, "tcp_server"));
    assert_true(peer_has_method(p, "tcp_client"));
    assert_true(peer_has_method(p, "tcp_wait"));
    assert_int_equal(peer_call(p, "tcp_server", json_pack(
        "{s:i}", "duration_s", 5), &res, &err), -EREMOTEIO);
    assert_string_equal(err.buf, "hv-test: tcp_server: no endpoint: call "
                                 "prepare first");
    strbuf_reset(&err);
    assert_int_equal(peer_call(p, "tcp_client", json_pack(
        "{s:s, s:i, s:i, s:i}", "server", "198.18.9.2", "port", 0,
        "streams", 1, "duration_s", 5), &res, &err), -EREMOTEIO);
    assert_string_equal(err.buf, "hv-test: tcp_client: 'port': expected an "
                                 "integer from 1 to 65535");
    strbuf_reset(&err);
    assert_int_equal(peer_call(p, "tcp_wait", NULL, &res, &err),
                     -EREMOTEIO);
    assert_string_equal(err.buf, "hv-test: tcp_wait: no TCP test under way");
    strbuf_reset(&err);

    /* Still serving after all that; its clock is ours (one kernel). */
    uint64_t t0 = pace_now_ns();
    assert_int_equal(peer_call(p, "clock", NULL, &res, &err), 0);
    uint64_t t = (uint64_t)json_integer_value(json_object_get(res,
                                                              "mono_ns"));
    assert_true(t >= t0 && t <= pace_now_ns());
    json_decref(res);
    assert_int_equal(peer_call(p, "cleanup", NULL, &res, &err), 0);
    json_decref(res);

    /* The end of its stdin: it exits 0, its ledger gone. */
    assert_int_equal(peer_close(p, 5000), 0);
    assert_int_equal(ledgers(), 0);
    strbuf_dispose(&err);
}

/* A dropped session without EOF: SIGHUP. */
static void test_agent__sighup(void **state)
{
    struct strbuf err = STRBUF_INIT;
    struct peer *p = agent();
    json_t *res;

    (void)state;
    assert_int_equal(peer_hello(p, &err), 0);
    assert_int_equal(kill(peer_pid(p), SIGHUP), 0);
    /* It cleans up and exits 0 (it may still answer what came first). */
    int st;
    assert_int_equal(waitpid(peer_pid(p), &st, 0), peer_pid(p));
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    /* Gone: a call says so, naming the host. */
    assert_int_equal(peer_call(p, "clock", NULL, &res, &err), -ECONNRESET);
    assert_non_null(strstr(err.buf, "the agent on hv-test is gone during "
                                    "clock ("));
    peer_close(p, 5000);
    assert_int_equal(ledgers(), 0);
    strbuf_dispose(&err);
}

/* An agent killed (SIGKILL) cannot clean up: the next one does, from its
 * ledger, before it answers. */
static void test_agent__replays_the_dead(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *dir = ledger_dir();
    pid_t victim, dead;
    int st;

    (void)state;
    /* What the dead agent made: a process, recorded by a process that
     * is gone by now (the owner of the ledger). */
    victim = fork();
    if (!victim) {
        execlp("sleep", "sleep", "60", (char *)NULL);
        _exit(127);
    }
    assert_true(victim > 0);
    dead = fork();
    if (!dead) {
        struct ledger *l = ledger_create(dir, "agent-dead-1");
        int bad = !l || ledger_record_process(l, "pt-leftover", victim);
        ledger_destroy(l);      /* frees only: valgrind counts leaks here */
        free(dir);
        _exit(bad);
    }
    assert_int_equal(waitpid(dead, &st, 0), dead);
    assert_int_equal(WEXITSTATUS(st), 0);
    assert_int_equal(ledgers(), 1);

    struct peer *p = agent();
    assert_int_equal(peer_hello(p, &err), 0);
    /* Replayed before hello was answered: the process is stopped. */
    assert_int_equal(waitpid(victim, &st, WNOHANG), victim);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(peer_close(p, 5000), 0);
    assert_int_equal(ledgers(), 0);
    free(dir);
    strbuf_dispose(&err);
}

/* A session that fails at once (ssh refused, as exit 255 with its reason
 * on stderr) is said in ssh's words, whatever the log held before: the
 * reason was lost when the child wrote it before the log was looked at. */
static void test_agent__session_that_fails_at_once(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *log = xasprintf("%s/ssh.log", tmpdir);
    char *argv[] = { "sh", "-c", "echo 'root@hv9: Permission denied "
                     "(publickey).' >&2; exit 255", NULL };
    FILE *f = fopen(log, "w");

    (void)state;
    assert_non_null(f);
    fputs("an earlier session's line\n", f);
    fclose(f);
    for (int i = 0; i < 20; i++) {
        struct peer *p = peer_spawn("hv9", argv, log, NULL, &err);
        assert_non_null(p);
        assert_int_not_equal(peer_hello(p, &err), 0);
        assert_non_null(strstr(err.buf, "hv9"));
        assert_non_null(strstr(err.buf, "ssh exit 255: Permission denied "
                               "(publickey)"));
        assert_null(strstr(err.buf, "earlier session"));
        peer_close(p, 1000);
        strbuf_reset(&err);
    }
    free(log);
    strbuf_dispose(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agent__hello_and_errors),
        cmocka_unit_test(test_agent__sighup),
        cmocka_unit_test(test_agent__replays_the_dead),
        cmocka_unit_test(test_agent__session_that_fails_at_once),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
