/* The harness's side of an agent session (remote/peer.c) against agents
 * that misbehave, real processes on a real socket: a reply that is no
 * JSON-RPC, a clock that is no count of nanoseconds, a stderr full of
 * terminal escapes or far too long, and a session the cleanup ledger
 * cannot record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* The file itself, for the session's log position. */
#include "remote/peer.c"

#include "tmpdir.h"
#include "fake_agent.h"

static char *log_path(const char *name)
{
    return xasprintf("%s/%s", tmpdir, name);
}

/* A line that is not JSON-RPC is said as such, with what it was, at
 * once: not "is gone (it stopped answering)" after the 2 s wait. */
static void test_peer__malformed_reply(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *log = log_path("malformed.log");
    struct peer *p = fake_agent("hv-bad", "printf '\\033[2Jnot json\\n'",
                                log, NULL, &err);
    long long t0 = monotonic_ms();
    json_t *res;

    (void)state;
    assert_non_null(p);
    assert_int_equal(peer_call(p, "clock", NULL, &res, &err), -EPROTO);
    assert_string_equal(err.buf, "hv-bad: clock: the agent sent a line "
                                 "that is not JSON: '?[2Jnot json'");
    assert_true(monotonic_ms() - t0 < 1000);
    peer_close(p, 1000);
    free(log);
    strbuf_dispose(&err);
}

/* mono_ns of the wrong type or past any uptime: refused by name (it
 * overflowed the offset arithmetic). */
static void test_peer__clock_checked(void **state)
{
    static const char *const bad[] = {
        FAKE_REPLY("{\"mono_ns\":\"soon\"}"),
        FAKE_REPLY("{\"mono_ns\":9223372036854775807}"),
        FAKE_REPLY("{\"mono_ns\":-5}"),
        FAKE_REPLY("{}"),
    };
    char *log = log_path("clock.log");

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct strbuf err = STRBUF_INIT;
        struct peer *p = fake_agent("hv-clk", bad[i], log, NULL, &err);
        struct clock_offset o;

        assert_non_null(p);
        assert_int_equal(peer_measure_clock(p, 3, &o, &err), -EPROTO);
        assert_string_equal(err.buf, "hv-clk: clock: 'mono_ns' is not a "
                                     "count of nanoseconds from 1 to 2^62");
        peer_close(p, 1000);
        strbuf_dispose(&err);
    }
    free(log);
}

/* A fake agent named 'host' whose stderr gets what 'script' writes
 * before its one answer, asked once, with the harness's own log in
 * <tmpdir>/<host>.ours (log_close_file() ends it). */
static struct peer *noisy(const char *host, const char *script)
{
    struct strbuf err = STRBUF_INIT;
    char *name = xasprintf("%s.log", host), *ours = xasprintf("%s.ours", host);
    char *log = log_path(name), *our_log = log_path(ours);
    char *body = xasprintf("%s %s", script, FAKE_REPLY("{}"));
    struct peer *p = fake_agent(host, body, log, NULL, &err);
    json_t *res;

    assert_non_null(p);
    assert_int_equal(log_open_file(our_log), 0);
    assert_int_equal(peer_call(p, "x", NULL, &res, &err), 0);
    json_decref(res);
    free(body);
    free(our_log);
    free(log);
    free(ours);
    free(name);
    strbuf_dispose(&err);
    return p;
}

/* What noisy(host) logged, once its log is closed. */
static void logged_by(const char *host, struct strbuf *out)
{
    char *ours = xasprintf("%s.ours", host), *path = log_path(ours);

    log_close_file();
    assert_int_equal(strbuf_read_file(out, path), 0);
    free(path);
    free(ours);
}

/* The agent's stderr: escapes replaced, a long line cut, at most
 * LOG_READ_MAX read a time from where the last look stopped. */
static void test_peer__stderr_bounded(void **state)
{
    struct strbuf logged = STRBUF_INIT;
    struct peer *p = noisy(
        "hv-noisy", "printf '\\033]0;pwned\\007 title\\n' >&2; "
        "head -c 100000 /dev/zero | tr '\\0' a >&2; echo >&2;");

    (void)state;
    /* The first line; the long one waits for its end or a full read. */
    assert_int_equal(p->log_pos, strlen("\033]0;pwned\007 title\n"));
    peer_log_stderr(p);
    assert_int_equal(p->log_pos, strlen("\033]0;pwned\007 title\n")
                                 + LOG_READ_MAX);
    peer_log_stderr(p);
    assert_int_equal(p->log_pos, strlen("\033]0;pwned\007 title\n")
                                 + 100001);
    logged_by("hv-noisy", &logged);
    assert_non_null(strstr(logged.buf, "hv-noisy: ?]0;pwned? title\n"));
    assert_null(strchr(logged.buf, '\033'));
    assert_non_null(strstr(logged.buf, "aaa... (65024 more bytes)\n"));
    assert_non_null(strstr(logged.buf, "aaa... (33952 more bytes)\n"));
    peer_close(p, 1000);
    strbuf_dispose(&logged);
}

/* The end of a session reads all its agent still had to say (its last
 * words say why it ended), not one 64 KiB piece of it. */
static void test_peer__last_words_after_a_backlog(void **state)
{
    struct strbuf logged = STRBUF_INIT;
    struct peer *p = noisy(
        "hv-late", "for i in 1 2 3; do head -c 50000 /dev/zero | tr '\\0' b "
        ">&2; echo >&2; done; echo 'the last words' >&2;");

    (void)state;
    peer_close(p, 1000);
    logged_by("hv-late", &logged);
    assert_non_null(strstr(logged.buf, "hv-late: the last words\n"));
    strbuf_dispose(&logged);
}

/* A session the ledger cannot record is not left running. */
static void test_peer__ledger_refuses(void **state)
{
    struct strbuf err = STRBUF_INIT;
    char *dir = log_path("ledger"), *log = log_path("ledger.log");
    struct ledger *l;
    char *argv[] = { "sleep", "30", NULL };

    (void)state;
    l = ledger_create(dir, "t");
    assert_non_null(l);
    unlink(ledger_path(l));
    assert_int_equal(mkdir(ledger_path(l), 0700), 0);   /* unwritable */
    assert_null(peer_spawn("hv-led", argv, log, l, &err));
    assert_non_null(strstr(err.buf, "cannot record the session for hv-led "
                                    "in the cleanup ledger: "));
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    rmdir(ledger_path(l));
    ledger_destroy(l);
    free(dir);
    free(log);
    strbuf_dispose(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_peer__malformed_reply),
        cmocka_unit_test(test_peer__clock_checked),
        cmocka_unit_test(test_peer__stderr_bounded),
        cmocka_unit_test(test_peer__last_words_after_a_backlog),
        cmocka_unit_test(test_peer__ledger_refuses),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
