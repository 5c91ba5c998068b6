/* The JSON-RPC client without a server: the framing of messages that
 * arrive back to back with no length (scan_frame), reading them off a
 * socket pair, a transaction that meets an echo request, a notification
 * and a stale reply first, and the text of error values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The file itself, for its static functions; the library's jsonrpc.o is
 * then never pulled from the archive, as this defines all it exports. */
#include "lib/jsonrpc.c"

/* A connection with no socket, for the framing alone. */
static struct jsonrpc *bare(void)
{
    struct jsonrpc *rpc = xcalloc(1, sizeof *rpc);

    rpc->fd = -1;
    rpc->wfd = -1;
    rpc->path = xstrdup("(test)");
    rpc->next_id = 1;
    strbuf_init(&rpc->problem);
    return rpc;
}

static void bare_close(struct jsonrpc *rpc)
{
    free(rpc->path);
    free(rpc->rx);
    strbuf_dispose(&rpc->problem);
    free(rpc);
}

/* Appends 'text' to what was received, as recv() would. */
static void feed(struct jsonrpc *rpc, const char *text)
{
    size_t len = strlen(text);

    rpc->rx = xrealloc(rpc->rx, rpc->rx_len + len);
    memcpy(rpc->rx + rpc->rx_len, text, len);
    rpc->rx_len += len;
    rpc->rx_alloc = rpc->rx_len;
}

/* Scans for the next frame and, when there is one, checks that it is
 * 'want' and drops it. */
static void expect_frame(struct jsonrpc *rpc, const char *want)
{
    ssize_t n = scan_frame(rpc);

    assert_int_equal(n, (ssize_t)strlen(want));
    assert_memory_equal(rx_data(rpc), want, strlen(want));
    consume(rpc, (size_t)n);
}

static void test_jsonrpc__one_message(void **state)
{
    const char *msg = "{\"id\":1,\"result\":[\"Open_vSwitch\"],"
                      "\"error\":null}";
    struct jsonrpc *rpc = bare();

    (void)state;
    feed(rpc, msg);
    expect_frame(rpc, msg);
    assert_int_equal(rpc->rx_len, 0);
    assert_int_equal(scan_frame(rpc), 0);
    bare_close(rpc);
}

static void test_jsonrpc__two_in_one_buffer(void **state)
{
    const char *a = "{\"method\":\"echo\",\"params\":[],\"id\":\"echo\"}";
    const char *b = "{\"result\":{\"x\":[1,{}]},\"error\":null,\"id\":7}";
    struct jsonrpc *rpc = bare();

    (void)state;
    feed(rpc, a);
    feed(rpc, "\n ");
    feed(rpc, b);
    feed(rpc, "\r\n\t");
    expect_frame(rpc, a);
    /* The whitespace between messages is dropped, not a frame. */
    expect_frame(rpc, b);
    assert_int_equal(scan_frame(rpc), 0);
    assert_int_equal(rpc->rx_len, 0);
    bare_close(rpc);
}

/* Every way to cut a message in two: nothing before the last piece, the
 * whole message after it. */
static void test_jsonrpc__split_across_reads(void **state)
{
    const char *msg = "{\"result\":[\"a}b\",\"c\\\"{d\",{\"e\":[1,2]}],"
                      "\"error\":null,\"id\":3}";
    size_t len = strlen(msg);

    (void)state;
    for (size_t cut = 1; cut < len; cut++) {
        struct jsonrpc *rpc = bare();
        char *head = xasprintf("%.*s", (int)cut, msg);

        feed(rpc, head);
        assert_int_equal(scan_frame(rpc), 0);
        feed(rpc, msg + cut);
        expect_frame(rpc, msg);
        free(head);
        bare_close(rpc);
    }
}

static void test_jsonrpc__byte_by_byte(void **state)
{
    const char *msg = "{\"a\":\"}}]]\\\\\",\"b\":[[[{}]]]}";
    struct jsonrpc *rpc = bare();
    size_t len = strlen(msg);

    (void)state;
    for (size_t i = 0; i + 1 < len; i++) {
        char c[2] = { msg[i], '\0' };
        feed(rpc, c);
        assert_int_equal(scan_frame(rpc), 0);
    }
    feed(rpc, msg + len - 1);
    expect_frame(rpc, msg);
    bare_close(rpc);
}

static void test_jsonrpc__braces_and_quotes_in_strings(void **state)
{
    /* Braces, brackets and escaped quotes inside strings do not count;
     * an escaped backslash does not escape the quote after it. */
    static const char *const msgs[] = {
        "{\"s\":\"{{{[[[\"}",
        "{\"s\":\"}\"}",
        "{\"s\":\"\\\"}\"}",
        "{\"s\":\"\\\\\"}",
        "{\"s\":\"\\\\\\\"}\\\\\"}",
        "{\"s\":\"\\u007d\"}",
    };
    struct jsonrpc *rpc = bare();

    (void)state;
    for (size_t i = 0; i < sizeof msgs / sizeof *msgs; i++) {
        json_t *j;

        feed(rpc, msgs[i]);
        feed(rpc, "{}");
        assert_int_equal(scan_frame(rpc), (ssize_t)strlen(msgs[i]));
        /* The slice is exactly one JSON value. */
        j = json_loadb(rx_data(rpc), strlen(msgs[i]), 0, NULL);
        assert_non_null(j);
        json_decref(j);
        consume(rpc, strlen(msgs[i]));
        expect_frame(rpc, "{}");
    }
    bare_close(rpc);
}

static void test_jsonrpc__garbage(void **state)
{
    static const char *const garbage[] = {
        "x{}", "[1,2]", "\"s\"", "}", "]", "null", "1",
    };

    (void)state;
    for (size_t i = 0; i < sizeof garbage / sizeof *garbage; i++) {
        struct jsonrpc *rpc = bare();

        feed(rpc, garbage[i]);
        assert_int_equal(scan_frame(rpc), -EPROTO);
        bare_close(rpc);
    }
}

static void test_jsonrpc__garbage_after_a_message(void **state)
{
    struct jsonrpc *rpc = bare();

    (void)state;
    feed(rpc, "{\"id\":1} oops");
    expect_frame(rpc, "{\"id\":1}");
    assert_int_equal(scan_frame(rpc), -EPROTO);
    bare_close(rpc);
}

/* A connection on one end of a socket pair; the test plays the server on
 * *peer. */
static struct jsonrpc *paired(int *peer, int timeout_ms)
{
    struct jsonrpc *rpc = bare();
    int sv[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK
                                | SOCK_CLOEXEC, 0, sv), 0);
    rpc->fd = sv[0];
    rpc->timeout_ms = timeout_ms;
    *peer = sv[1];
    return rpc;
}

static void send_text(int fd, const char *text)
{
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

static void test_jsonrpc__recv_messages(void **state)
{
    int peer;
    struct jsonrpc *rpc = paired(&peer, 100);
    long long deadline = monotonic_ms() + 1000;
    json_t *msg;

    (void)state;
    send_text(peer, "{\"id\":1,\"result\":\"}\"}  {\"id\":2,\"res");
    assert_int_equal(recv_msg(rpc, deadline, &msg), 0);
    assert_string_equal(json_string_value(json_object_get(msg, "result")),
                        "}");
    json_decref(msg);
    /* Half a message, then nothing: the deadline, not a message. */
    assert_int_equal(recv_msg(rpc, monotonic_ms() + 50, &msg), -ETIMEDOUT);
    assert_null(msg);
    send_text(peer, "ult\":[]}");
    assert_int_equal(recv_msg(rpc, deadline, &msg), 0);
    assert_int_equal(json_integer_value(json_object_get(msg, "id")), 2);
    json_decref(msg);

    /* Balanced but not JSON, then a closed connection. */
    send_text(peer, "{\"id\":}");
    assert_int_equal(recv_msg(rpc, deadline, &msg), -EPROTO);
    close(peer);
    assert_int_equal(recv_msg(rpc, deadline, &msg), -ECONNRESET);
    jsonrpc_close(rpc);
}

/* Larger than the first receive buffer, so it must grow mid-message. */
static void test_jsonrpc__recv_large_message(void **state)
{
    int peer;
    struct jsonrpc *rpc = paired(&peer, 1000);
    struct strbuf big = STRBUF_INIT;
    json_t *msg;

    (void)state;
    strbuf_addstr(&big, "{\"result\":\"");
    for (int i = 0; i < 10000; i++)
        strbuf_addstr(&big, "{[\\\"");
    strbuf_addstr(&big, "\",\"id\":1}");
    assert_true(big.len > 16384);       /* the first buffer's size */
    send_text(peer, big.buf);
    assert_int_equal(recv_msg(rpc, monotonic_ms() + 1000, &msg), 0);
    assert_int_equal(strlen(json_string_value(json_object_get(msg,
                                                                 "result"))),
                     10000 * 3);
    json_decref(msg);
    strbuf_dispose(&big);
    close(peer);
    jsonrpc_close(rpc);
}

/* What the server sends before its reply is read in one go: an echo
 * request (answered), a notification and a reply to an earlier request
 * (dropped), then the reply. */
static void test_jsonrpc__transact_past_echo_and_stale(void **state)
{
    int peer;
    struct jsonrpc *rpc = paired(&peer, 1000);
    json_t *result, *error, *sent, *want;
    char buf[4096];
    ssize_t n;

    (void)state;
    rpc->next_id = 5;
    send_text(peer, "{\"method\":\"echo\",\"params\":[\"x\"],\"id\":\"e\"}"
              "{\"method\":\"update\",\"params\":[null,{}],\"id\":null}"
              "{\"result\":\"stale\",\"error\":null,\"id\":4}"
              "{\"result\":[\"ok\"],\"error\":null,\"id\":5}");
    assert_int_equal(jsonrpc_transact(rpc, "list_dbs", NULL, &result,
                                      &error), 0);
    assert_null(error);
    assert_string_equal(json_string_value(json_array_get(result, 0)), "ok");
    json_decref(result);

    n = read(peer, buf, sizeof buf - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    /* The request, then the answer to the echo. */
    sent = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);
    want = json_pack("{s:s, s:[], s:i}", "method", "list_dbs", "params",
                     "id", 5);
    assert_true(json_equal(sent, want));
    json_decref(sent);
    json_decref(want);
    assert_non_null(strstr(buf, "\"result\":[\"x\"]"));
    assert_non_null(strstr(buf, "\"id\":\"e\""));
    close(peer);
    jsonrpc_close(rpc);
}

static void test_jsonrpc__transact_error_reply(void **state)
{
    int peer;
    struct jsonrpc *rpc = paired(&peer, 1000);
    json_t *result, *error;

    (void)state;
    send_text(peer, "{\"result\":null,\"error\":\"unknown method\","
              "\"id\":1}");
    assert_int_equal(jsonrpc_transact(rpc, "nope", json_array(), &result,
                                      &error), 0);
    assert_null(result);
    assert_string_equal(json_string_value(error), "unknown method");
    json_decref(error);
    close(peer);
    jsonrpc_close(rpc);
}

static void test_jsonrpc__error_text(void **state)
{
    struct strbuf sb = STRBUF_INIT;
    json_t *obj = json_pack("{s:s}", "error", "unknown database");
    json_t *str = json_string("\"foo\" is not a valid command\n");

    (void)state;
    strbuf_addstr(&sb, "rejected: ");
    jsonrpc_error_text(str, &sb);
    assert_string_equal(sb.buf, "rejected: \"foo\" is not a valid "
                                "command\n");
    strbuf_reset(&sb);
    jsonrpc_error_text(obj, &sb);
    assert_string_equal(sb.buf, "{\"error\":\"unknown database\"}");
    strbuf_reset(&sb);
    jsonrpc_error_text(NULL, &sb);
    assert_string_equal(sb.buf, "(no error)");
    json_decref(obj);
    json_decref(str);
    strbuf_dispose(&sb);
}

/* 2.0 in line mode over two pipes, as to `ssh HOST perftests agent`:
 * *to_peer is what the test reads the client's lines from, *from_peer
 * where it writes the server's. */
static struct jsonrpc *piped(int *to_peer, int *from_peer, int timeout_ms)
{
    int down[2], up[2];

    assert_int_equal(pipe2(down, O_CLOEXEC), 0);
    assert_int_equal(pipe2(up, O_CLOEXEC), 0);
    *to_peer = down[0];
    *from_peer = up[1];
    return jsonrpc_open_fds(up[0], down[1], JSONRPC_V2_LINES, "hv9",
                            timeout_ms);
}

static void test_jsonrpc__lines_framing(void **state)
{
    int to, from;
    struct jsonrpc *rpc = piped(&to, &from, 1000);
    json_t *msg;

    (void)state;
    assert_string_equal(jsonrpc_path(rpc), "hv9");
    /* Two in one write, a blank line between, a newline inside a string
     * (escaped, as JSON has it) and braces that 1.0's scanner counts. */
    send_text(from, "{\"id\":1,\"result\":\"a\\n}\"}\n\n"
              "{\"id\":2,\"result\":{}}\n");
    assert_int_equal(jsonrpc_recv(rpc, 1000, &msg), 0);
    assert_string_equal(json_string_value(json_object_get(msg, "result")),
                        "a\n}");
    json_decref(msg);
    assert_int_equal(jsonrpc_recv(rpc, 1000, &msg), 0);
    assert_int_equal(json_integer_value(json_object_get(msg, "id")), 2);
    json_decref(msg);
    /* A reply split over reads: nothing until its newline. */
    send_text(from, "{\"id\":3,");
    assert_int_equal(jsonrpc_recv(rpc, 50, &msg), -ETIMEDOUT);
    assert_null(msg);
    send_text(from, "\"result\":true}");
    assert_int_equal(jsonrpc_recv(rpc, 50, &msg), -ETIMEDOUT);
    send_text(from, "\n");
    assert_int_equal(jsonrpc_recv(rpc, 1000, &msg), 0);
    assert_true(json_is_true(json_object_get(msg, "result")));
    json_decref(msg);
    /* A line that is no JSON object, then the end of the stream. */
    send_text(from, "Permission denied (publickey).\n");
    assert_int_equal(jsonrpc_recv(rpc, 1000, &msg), -EPROTO);
    send_text(from, "[1,2]\n");
    assert_int_equal(jsonrpc_recv(rpc, 1000, &msg), -EPROTO);
    close(from);
    assert_int_equal(jsonrpc_recv(rpc, 1000, &msg), -ECONNRESET);
    close(to);
    jsonrpc_close(rpc);
}

/* A request goes out as one 2.0 line; an error object's message is the
 * text. */
static void test_jsonrpc__lines_transact(void **state)
{
    int to, from;
    struct jsonrpc *rpc = piped(&to, &from, 1000);
    struct strbuf sb = STRBUF_INIT;
    json_t *result, *error, *sent;
    char buf[4096];
    ssize_t n;

    (void)state;
    send_text(from, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":"
              "{\"code\":-32601,\"message\":\"no method 'x'\"}}\n");
    assert_int_equal(jsonrpc_transact(rpc, "x", NULL, &result, &error), 0);
    assert_null(result);
    jsonrpc_error_text(error, &sb);
    assert_string_equal(sb.buf, "no method 'x'");
    json_decref(error);
    n = read(to, buf, sizeof buf - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_int_equal(buf[n - 1], '\n');
    assert_null(strchr(buf, '\n') + 1 < buf + n ? strchr(buf, '\n') + 1
                                                 : NULL);
    sent = json_loads(buf, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(sent, "jsonrpc")),
                        "2.0");
    assert_true(json_is_object(json_object_get(sent, "params")));
    json_decref(sent);

    /* The server's side: a reply has no "error": null in 2.0. */
    json_t *id = json_integer(7);
    assert_int_equal(jsonrpc_reply(rpc, id, json_pack("{s:i}", "v", 1), 0,
                                   NULL), 0);
    n = read(to, buf, sizeof buf - 1);
    buf[n] = '\0';
    assert_string_equal(buf, "{\"result\":{\"v\":1},\"id\":7,"
                             "\"jsonrpc\":\"2.0\"}\n");
    assert_int_equal(jsonrpc_reply(rpc, id, NULL, JSONRPC_METHOD_NOT_FOUND,
                                   "no"), 0);
    n = read(to, buf, sizeof buf - 1);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "\"code\":-32601"));
    json_decref(id);
    /* The peer gone: writing says so, no SIGPIPE (the callers ignore it). */
    signal(SIGPIPE, SIG_IGN);
    close(to);
    assert_int_equal(jsonrpc_transact(rpc, "x", NULL, &result, &error),
                     -ECONNRESET);
    close(from);
    strbuf_dispose(&sb);
    jsonrpc_close(rpc);
}

/* A child that writes 'n' copies of 'text' (0: until the other end
 * closes) on 'fd', as a hostile peer on another host would. */
static pid_t writer(int fd, const char *text, size_t n)
{
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        size_t len = strlen(text);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        for (size_t i = 0; !n || i < n; i++)
            if (write(fd, text, len) != (ssize_t)len)
                _exit(0);
        pause();
        _exit(0);
    }
    return pid;
}

/* Ends a test's piped connection and its writer, if any (pid > 0). */
static void hang_up(struct jsonrpc *rpc, int to, int from, pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    close(to);
    close(from);
    jsonrpc_close(rpc);
}

/* 16 KiB of blank lines, then the reply: the blank check reads only what
 * was received (it ran strspn() past the end, under ASan a heap
 * overflow). */
static void test_jsonrpc__lines_blank_flood(void **state)
{
    int to, from;
    struct jsonrpc *rpc = piped(&to, &from, 2000);
    char nl[16384];
    json_t *result, *error;

    (void)state;
    memset(nl, '\n', sizeof nl);
    nl[sizeof nl - 1] = '\0';
    send_text(from, nl);            /* a pipe holds 64 KiB */
    send_text(from, "\n{\"id\":1,\"result\":5}\n");
    assert_int_equal(jsonrpc_transact(rpc, "x", NULL, &result, &error), 0);
    assert_int_equal(json_integer_value(result), 5);
    json_decref(result);
    hang_up(rpc, to, from, 0);
}

/* A line that never ends: refused at 64 MiB, not buffered for ever. */
static void test_jsonrpc__lines_too_long(void **state)
{
    int to, from;
    struct jsonrpc *rpc = piped(&to, &from, 20000);
    static char chunk[1 << 16];
    json_t *msg;
    pid_t pid;

    (void)state;
    memset(chunk, 'x', sizeof chunk - 1);
    pid = writer(from, chunk, 0);
    assert_int_equal(jsonrpc_recv(rpc, 20000, &msg), -EMSGSIZE);
    assert_null(msg);
    assert_true(rpc->rx_alloc <= JSONRPC_MAX_MSG + RX_READ_MIN);
    assert_non_null(strstr(jsonrpc_problem(rpc), "64 MiB without the end "
                                                 "of the line: 'xxx"));
    hang_up(rpc, to, from, pid);
}

/* A peer that sends stale replies without a pause: the transaction still
 * ends at its timeout (only an empty socket was timed before). */
static void test_jsonrpc__lines_flood_times_out(void **state)
{
    int to, from;
    struct jsonrpc *rpc = piped(&to, &from, 300);
    json_t *result, *error;
    long long t0 = monotonic_ms();
    pid_t pid;

    (void)state;
    pid = writer(from, "{\"id\":999,\"result\":1}\n", 0);
    assert_int_equal(jsonrpc_transact(rpc, "x", NULL, &result, &error),
                     -ETIMEDOUT);
    assert_true(monotonic_ms() - t0 < 3000);
    /* Nor a line that keeps growing, below the bound. */
    hang_up(rpc, to, from, pid);
    rpc = piped(&to, &from, 300);
    pid = writer(from, "xxxxxxxxxxxxxxxx", 0);
    t0 = monotonic_ms();
    assert_int_equal(jsonrpc_recv(rpc, 300, &result), -ETIMEDOUT);
    assert_true(monotonic_ms() - t0 < 3000);
    hang_up(rpc, to, from, pid);
}

/* Messages taken from one read stay where they are: the buffer is not
 * moved once per message (quadratic in a burst of small replies). */
static void test_jsonrpc__lines_consumed_in_place(void **state)
{
    int to, from;
    struct jsonrpc *rpc = piped(&to, &from, 1000);
    const char *line = "{\"id\":1,\"result\":[]}\n";
    json_t *msg;

    (void)state;
    for (int i = 0; i < 100; i++)
        send_text(from, line);
    assert_int_equal(jsonrpc_recv(rpc, 1000, &msg), 0);
    json_decref(msg);
    assert_int_equal(rpc->rx_head, strlen(line));
    assert_int_equal(jsonrpc_recv(rpc, 1000, &msg), 0);
    json_decref(msg);
    assert_int_equal(rpc->rx_head, 2 * strlen(line));
    /* What was wrong with a line is said, escapes made harmless. */
    send_text(from, "\x1b[2JLast login: Mon\r\n");
    while (jsonrpc_recv(rpc, 1000, &msg) == 0)
        json_decref(msg);
    assert_string_equal(jsonrpc_problem(rpc), "a line that is not JSON: "
                                              "'?[2JLast login: Mon'");
    send_text(from, "[1]\n");
    assert_int_equal(jsonrpc_recv(rpc, 1000, &msg), -EPROTO);
    assert_string_equal(jsonrpc_problem(rpc), "JSON that is not an object: "
                                              "'[1]'");
    hang_up(rpc, to, from, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonrpc__one_message),
        cmocka_unit_test(test_jsonrpc__two_in_one_buffer),
        cmocka_unit_test(test_jsonrpc__split_across_reads),
        cmocka_unit_test(test_jsonrpc__byte_by_byte),
        cmocka_unit_test(test_jsonrpc__braces_and_quotes_in_strings),
        cmocka_unit_test(test_jsonrpc__garbage),
        cmocka_unit_test(test_jsonrpc__garbage_after_a_message),
        cmocka_unit_test(test_jsonrpc__recv_messages),
        cmocka_unit_test(test_jsonrpc__recv_large_message),
        cmocka_unit_test(test_jsonrpc__transact_past_echo_and_stale),
        cmocka_unit_test(test_jsonrpc__transact_error_reply),
        cmocka_unit_test(test_jsonrpc__error_text),
        cmocka_unit_test(test_jsonrpc__lines_framing),
        cmocka_unit_test(test_jsonrpc__lines_transact),
        cmocka_unit_test(test_jsonrpc__lines_blank_flood),
        cmocka_unit_test(test_jsonrpc__lines_too_long),
        cmocka_unit_test(test_jsonrpc__lines_flood_times_out),
        cmocka_unit_test(test_jsonrpc__lines_consumed_in_place),
    };
    return cmocka_run_group_tests_name("jsonrpc", tests, NULL, NULL);
}
