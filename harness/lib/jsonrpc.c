#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "lib/jsonrpc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "lib/util.h"

struct jsonrpc {
    int fd;                 /* read from; written to as well when wfd < 0 */
    int wfd;                /* a pipe's other direction, or -1 */
    enum jsonrpc_dialect dialect;
    char *path;
    int timeout_ms;
    json_int_t next_id;

    /* Received bytes not yet turned into messages: rx[rx_head..rx_len).
     * A message taken moves rx_head on; the rest is moved to the front
     * only when the space runs out (make_room()), or a burst of small
     * replies would move the whole buffer once each.  The framing
     * scanner remembers where it stopped, so a large reply arriving in
     * many pieces is scanned once, not once per piece. */
    char *rx;
    size_t rx_head, rx_len, rx_alloc;
    size_t scan_pos;        /* next byte to scan, from rx */
    int depth;              /* open braces/brackets outside strings */
    bool in_string, escaped;
    struct strbuf problem;  /* what the last -EPROTO/-EMSGSIZE refused */
};

/* The longest message taken from a peer.  The largest real ones (an
 * agent's RRD files in base64, an ovsdb dump) are a few MiB; without a
 * bound, a peer that never ends its message would have us allocate until
 * the machine swaps. */
#define JSONRPC_MAX_MSG (64u << 20)
/* Free space wanted before a read: fewer system calls for large replies. */
#define RX_READ_MIN 4096
/* How much of a refused message jsonrpc_problem() quotes. */
#define PROBLEM_EXCERPT 80


/* Milliseconds left until 'deadline' for poll(): never negative. */
static int remaining_ms(long long deadline)
{
    long long left = deadline - monotonic_ms();

    return left < 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}


/* Waits for 'events' on 'fd' until 'deadline'; 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, long long deadline)
{
    struct pollfd pfd = { .fd = fd, .events = events };

    for (;;) {
        int n = poll(&pfd, 1, remaining_ms(deadline));
        if (n > 0)
            return 0;
        if (n == 0)
            return -ETIMEDOUT;
        if (errno != EINTR)
            return -errno;
    }
}

/* Fills 'sun' for 'path'.  sun_path holds 108 bytes, and run directories
 * nest deeper than that easily; like OVS's make_sockaddr_un(), a long
 * path is reached through an O_PATH descriptor of its directory, which
 * *dirfd receives (the caller closes it after connect()). */
static int make_sockaddr(const char *path, struct sockaddr_un *sun,
                         int *dirfd)
{
    const char *slash, *base;
    char *dir;

    memset(sun, 0, sizeof *sun);
    sun->sun_family = AF_UNIX;
    *dirfd = -1;
    if (strlen(path) < sizeof sun->sun_path) {
        memcpy(sun->sun_path, path, strlen(path) + 1);
        return 0;
    }
    slash = strrchr(path, '/');
    if (!slash)
        return -ENAMETOOLONG;
    base = slash + 1;
    dir = xasprintf("%.*s", (int)(slash - path), path);
    *dirfd = open(dir[0] ? dir : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (*dirfd < 0)
        return -errno;
    if ((size_t)snprintf(sun->sun_path, sizeof sun->sun_path,
                         "/proc/self/fd/%d/%s", *dirfd, base)
        >= sizeof sun->sun_path) {
        close(*dirfd);
        *dirfd = -1;
        return -ENAMETOOLONG;
    }
    return 0;
}

int jsonrpc_open(const char *path, int timeout_ms, struct jsonrpc **rpcp)
{
    long long deadline = monotonic_ms() + timeout_ms;
    struct sockaddr_un sun;
    struct jsonrpc *rpc;
    int dirfd, fd, err;

    *rpcp = NULL;
    err = make_sockaddr(path, &sun, &dirfd);
    if (err)
        return err;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        err = -errno;
        goto out;
    }
    for (;;) {
        if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0)
            break;
        err = -errno;
        if (err == -EINTR)
            continue;
        if (err == -EINPROGRESS) {
            socklen_t len = sizeof err;
            err = wait_fd(fd, POLLOUT, deadline);
            if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
                err = errno;
            err = -abs(err);
            if (!err)
                break;
            goto out;
        }
        /* A unix socket answers EAGAIN when the listener's backlog is full:
         * the server is busy, not gone. */
        if (err == -EAGAIN && remaining_ms(deadline) > 0) {
            sleep_ms(5);
            continue;
        }
        if (err == -EAGAIN)
            err = -ETIMEDOUT;
        goto out;
    }
    rpc = jsonrpc_open_fds(fd, -1, JSONRPC_V1_STREAM, path, timeout_ms);
    *rpcp = rpc;
    fd = -1;
    err = 0;
out:
    if (fd >= 0)
        close(fd);
    if (dirfd >= 0)
        close(dirfd);
    return err;
}

struct jsonrpc *jsonrpc_open_fds(int rfd, int wfd,
                                 enum jsonrpc_dialect dialect,
                                 const char *name, int timeout_ms)
{
    struct jsonrpc *rpc = xcalloc(1, sizeof *rpc);

    rpc->fd = rfd;
    rpc->wfd = wfd == rfd ? -1 : wfd;
    rpc->dialect = dialect;
    rpc->path = xstrdup(name);
    rpc->timeout_ms = timeout_ms;
    rpc->next_id = 1;
    strbuf_init(&rpc->problem);
    return rpc;
}

void jsonrpc_close(struct jsonrpc *rpc)
{
    if (!rpc)
        return;
    close(rpc->fd);
    if (rpc->wfd >= 0)
        close(rpc->wfd);
    free(rpc->path);
    free(rpc->rx);
    strbuf_dispose(&rpc->problem);
    free(rpc);
}

void jsonrpc_set_timeout(struct jsonrpc *rpc, int timeout_ms)
{
    rpc->timeout_ms = timeout_ms;
}

const char *jsonrpc_path(const struct jsonrpc *rpc)
{
    return rpc->path;
}

const char *jsonrpc_problem(const struct jsonrpc *rpc)
{
    return rpc->problem.len ? rpc->problem.buf : "(nothing refused)";
}

/* Says what was wrong with 'len' bytes the peer sent (quoted in part,
 * made printable: they are another host's) and returns 'err'. */
static int refuse(struct jsonrpc *rpc, int err, const char *what,
                  const char *text, size_t len)
{
    strbuf_reset(&rpc->problem);
    strbuf_addstr(&rpc->problem, what);
    if (text) {
        while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
            len--;
        strbuf_addstr(&rpc->problem, ": '");
        strbuf_add_printable(&rpc->problem, text,
                             len < PROBLEM_EXCERPT ? len : PROBLEM_EXCERPT);
        strbuf_addstr(&rpc->problem, len > PROBLEM_EXCERPT ? "'..." : "'");
    }
    return err;
}

/* Writes on a socket or a pipe. */
static ssize_t write_some(struct jsonrpc *rpc, const char *buf, size_t len)
{
    if (rpc->wfd >= 0)
        /* A pipe: the callers ignore SIGPIPE (the run and the agent), so
         * a peer gone is EPIPE here too. */
        return write(rpc->wfd, buf, len);
    /* MSG_NOSIGNAL: a daemon that exits mid-run must not SIGPIPE us. */
    return send(rpc->fd, buf, len, MSG_NOSIGNAL);
}

/* Sends 'msg' whole: in 2.0 with its "jsonrpc" member and a newline, the
 * frame (a compact dump never holds a raw newline).  Takes ownership of
 * 'msg'. */
static int send_msg(struct jsonrpc *rpc, json_t *msg, long long deadline)
{
    char *text;
    size_t len, off = 0;
    int err = 0;

    if (rpc->dialect == JSONRPC_V2_LINES)
        json_object_set_new(msg, "jsonrpc", json_string("2.0"));
    text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text)
        return -ENOMEM;
    len = strlen(text);
    if (rpc->dialect == JSONRPC_V2_LINES) {
        text = xrealloc(text, len + 2);
        text[len++] = '\n';
        text[len] = '\0';
    }
    while (off < len) {
        ssize_t n = write_some(rpc, text + off, len - off);
        if (n >= 0) {
            off += (size_t)n;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN) {
            err = wait_fd(rpc->wfd >= 0 ? rpc->wfd : rpc->fd, POLLOUT,
                          deadline);
            if (err)
                break;
            continue;
        }
        err = errno == EPIPE ? -ECONNRESET : -errno;
        break;
    }
    free(text);
    return err;
}

/* Looks for the end of the first complete JSON value in the buffer.  The
 * stream carries no length prefix, so, like OVS's json_parser_feed(), we
 * count nesting outside strings; jansson then parses exactly that slice.
 * Returns its length, 0 when it is incomplete, or -EPROTO. */
static ssize_t scan_frame(struct jsonrpc *rpc)
{
    for (; rpc->scan_pos < rpc->rx_len; rpc->scan_pos++) {
        char c = rpc->rx[rpc->scan_pos];

        if (rpc->in_string) {
            if (rpc->escaped)
                rpc->escaped = false;
            else if (c == '\\')
                rpc->escaped = true;
            else if (c == '"')
                rpc->in_string = false;
            continue;
        }
        if (rpc->depth == 0 && rpc->scan_pos == rpc->rx_head
            && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            rpc->rx_head++;     /* whitespace between messages: dropped */
            continue;
        }
        if (rpc->depth == 0 && c != '{')
            return refuse(rpc, -EPROTO, "not the start of a JSON object",
                          rpc->rx + rpc->scan_pos,
                          rpc->rx_len - rpc->scan_pos);
        if (c == '"') {
            rpc->in_string = true;
        } else if (c == '{' || c == '[') {
            rpc->depth++;
        } else if (c == '}' || c == ']') {
            if (--rpc->depth == 0)
                return (ssize_t)(++rpc->scan_pos - rpc->rx_head);
        }
    }
    if (rpc->rx_head == rpc->rx_len)     /* only whitespace was left */
        rpc->rx_head = rpc->rx_len = rpc->scan_pos = 0;
    return 0;
}

/* 2.0's framing: a message ends at a newline.  Returns the length of
 * the first line with its newline, 0 when none is complete. */
static ssize_t scan_line(struct jsonrpc *rpc)
{
    char *nl = rpc->rx_len > rpc->scan_pos
        ? memchr(rpc->rx + rpc->scan_pos, '\n', rpc->rx_len - rpc->scan_pos)
        : NULL;

    if (!nl) {
        rpc->scan_pos = rpc->rx_len;
        return 0;
    }
    return nl - (rpc->rx + rpc->rx_head) + 1;
}

/* Removes the first 'len' bytes (one message) from the buffer. */
static void consume(struct jsonrpc *rpc, size_t len)
{
    rpc->rx_head += len;
    if (rpc->rx_head == rpc->rx_len)
        rpc->rx_head = rpc->rx_len = 0;
    rpc->scan_pos = rpc->rx_head;
    rpc->depth = 0;
    rpc->in_string = rpc->escaped = false;
}

/* The first byte of what is buffered. */
static const char *rx_data(const struct jsonrpc *rpc)
{
    return rpc->rx + rpc->rx_head;
}

static bool is_blank(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\n", p[i]) || !p[i])
            return false;
    return true;
}

/* Space for a read: the rest moved to the front when that frees at least
 * as much as it moves (linear in what was received, all in all) or the
 * buffer is as large as it may be, the buffer doubled when there is still
 * not enough, up to JSONRPC_MAX_MSG.  0, or -EMSGSIZE when the message
 * under way is that long already. */
static int make_room(struct jsonrpc *rpc)
{
    size_t pending = rpc->rx_len - rpc->rx_head;

    if (pending >= JSONRPC_MAX_MSG)
        return refuse(rpc, -EMSGSIZE, rpc->dialect == JSONRPC_V2_LINES
                      ? "64 MiB without the end of the line"
                      : "64 MiB without the end of the message",
                      rx_data(rpc), pending);
    if (rpc->rx_alloc - rpc->rx_len >= RX_READ_MIN)
        return 0;
    bool at_most = rpc->rx_alloc >= JSONRPC_MAX_MSG + RX_READ_MIN;
    if (rpc->rx_head && (rpc->rx_head >= pending || at_most)) {
        memmove(rpc->rx, rx_data(rpc), pending);
        rpc->scan_pos -= rpc->rx_head;
        rpc->rx_head = 0;
        rpc->rx_len = pending;
    }
    if (rpc->rx_alloc - rpc->rx_len < RX_READ_MIN) {
        size_t want = rpc->rx_alloc ? 2 * rpc->rx_alloc : 16384;
        if (want > JSONRPC_MAX_MSG + RX_READ_MIN)
            want = JSONRPC_MAX_MSG + RX_READ_MIN;
        if (want > rpc->rx_alloc) {
            rpc->rx_alloc = want;
            rpc->rx = xrealloc(rpc->rx, rpc->rx_alloc);
        }
    }
    return 0;
}

/* Takes the complete message of 'len' bytes at the head of the buffer:
 * 0 and the object in *msgp, or -EPROTO. */
static int take_msg(struct jsonrpc *rpc, size_t len, json_t **msgp)
{
    json_error_t jerr;
    json_t *msg = json_loadb(rx_data(rpc), len, 0, &jerr);
    int err = 0;

    if (!msg)
        err = refuse(rpc, -EPROTO, rpc->dialect == JSONRPC_V2_LINES
                     ? "a line that is not JSON" : "a message that is not "
                     "JSON", rx_data(rpc), len);
    else if (!json_is_object(msg))
        err = refuse(rpc, -EPROTO, "JSON that is not an object",
                     rx_data(rpc), len);
    consume(rpc, len);
    if (err)
        json_decref(msg);
    else
        *msgp = msg;
    return err;
}

/* Receives the next message.  Returns 0 and a JSON object in *msgp (the
 * caller must json_decref it), or a negative errno. */
static int recv_msg(struct jsonrpc *rpc, long long deadline, json_t **msgp)
{
    bool lines = rpc->dialect == JSONRPC_V2_LINES;

    *msgp = NULL;
    for (;;) {
        ssize_t frame = lines ? scan_line(rpc) : scan_frame(rpc);
        int err;

        if (frame < 0)
            return (int)frame;
        if (lines && frame > 0 && is_blank(rx_data(rpc), (size_t)frame)) {
            consume(rpc, (size_t)frame);
            continue;
        }
        if (frame > 0)
            return take_msg(rpc, (size_t)frame, msgp);

        /* Looked at before every read, not only when the peer pauses: a
         * peer that never stops sending would outlast any timeout. */
        if (monotonic_ms() >= deadline)
            return -ETIMEDOUT;
        if ((err = make_room(rpc)))
            return err;
        /* read(), not recv(): a pipe is no socket.  Waiting first: a
         * pipe from ssh is blocking. */
        if (rpc->wfd >= 0 && (err = wait_fd(rpc->fd, POLLIN, deadline)))
            return err;
        ssize_t n = read(rpc->fd, rpc->rx + rpc->rx_len,
                         rpc->rx_alloc - rpc->rx_len);
        if (n > 0) {
            rpc->rx_len += (size_t)n;
        } else if (n == 0) {
            return -ECONNRESET;
        } else if (errno == EAGAIN) {
            if ((err = wait_fd(rpc->fd, POLLIN, deadline)))
                return err;
        } else if (errno != EINTR) {
            return -errno;
        }
    }
}

/* Answers an "echo" request: the reply's result is the request's params. */
static int answer_echo(struct jsonrpc *rpc, json_t *request,
                       long long deadline)
{
    json_t *reply = json_object();
    json_t *params = json_object_get(request, "params");

    json_object_set_new(reply, "result",
                        params ? json_incref(params) : json_array());
    json_object_set_new(reply, "error", json_null());
    json_object_set(reply, "id", json_object_get(request, "id"));
    return send_msg(rpc, reply, deadline);
}

int jsonrpc_transact(struct jsonrpc *rpc, const char *method, json_t *params,
                     json_t **resultp, json_t **errorp)
{
    long long deadline = monotonic_ms() + rpc->timeout_ms;
    json_t *request = json_object();
    json_t *id = json_integer(rpc->next_id++);
    int err;

    *resultp = *errorp = NULL;
    json_object_set_new(request, "method", json_string(method));
    json_object_set_new(request, "params", params ? params
                        : rpc->dialect == JSONRPC_V2_LINES ? json_object()
                                                            : json_array());
    json_object_set(request, "id", id);
    err = send_msg(rpc, request, deadline);

    while (!err) {
        json_t *msg, *msg_id;

        err = recv_msg(rpc, deadline, &msg);
        if (err)
            break;
        msg_id = json_object_get(msg, "id");
        if (json_object_get(msg, "method")) {
            /* A request or notification from the server.  Only "echo"
             * needs an answer; updates of monitors we never set up and
             * "locked" notifications are of no interest. */
            const char *m = json_string_value(json_object_get(msg, "method"));
            if (m && !strcmp(m, "echo") && msg_id && !json_is_null(msg_id))
                err = answer_echo(rpc, msg, deadline);
        } else if (msg_id && json_equal(msg_id, id)) {
            json_t *error = json_object_get(msg, "error");
            if (error && !json_is_null(error)) {
                *errorp = json_incref(error);
            } else {
                json_t *result = json_object_get(msg, "result");
                *resultp = result ? json_incref(result) : json_null();
            }
            json_decref(msg);
            break;
        }
        /* Anything else is a reply to a request that timed out earlier. */
        json_decref(msg);
        /* A peer that sends nothing but those must not hold us past the
         * deadline: recv_msg() returns buffered ones without a look. */
        if (!err && monotonic_ms() >= deadline)
            err = -ETIMEDOUT;
    }
    json_decref(id);
    return err;
}

int jsonrpc_recv(struct jsonrpc *rpc, int timeout_ms, json_t **msgp)
{
    long long deadline = timeout_ms < 0 ? INT64_MAX / 2
                                        : monotonic_ms() + timeout_ms;

    return recv_msg(rpc, deadline, msgp);
}

int jsonrpc_reply(struct jsonrpc *rpc, const json_t *id, json_t *result,
                  int code, const char *message)
{
    json_t *reply = json_object();

    if (message) {
        json_decref(result);
        json_object_set_new(reply, "error", json_pack("{s:i, s:s}", "code",
                                                      code, "message",
                                                      message));
    } else {
        json_object_set_new(reply, "result", result ? result : json_null());
        if (rpc->dialect == JSONRPC_V1_STREAM)
            json_object_set_new(reply, "error", json_null());
    }
    json_object_set_new(reply, "id", id ? json_deep_copy(id) : json_null());
    return send_msg(rpc, reply, monotonic_ms() + rpc->timeout_ms);
}

void jsonrpc_error_text(const json_t *error, struct strbuf *out)
{
    const json_t *message = json_object_get(error, "message");
    char *dump;

    if (!error) {
        strbuf_addstr(out, "(no error)");
    } else if (json_is_string(error)) {
        strbuf_addstr(out, json_string_value(error));
    } else if (json_is_string(message)) {
        strbuf_addstr(out, json_string_value(message));
    } else {
        dump = json_dumps(error, JSON_COMPACT | JSON_ENCODE_ANY);
        strbuf_addstr(out, dump ? dump : "(unprintable error)");
        free(dump);
    }
}
