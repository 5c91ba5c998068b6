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

    /* Received bytes not yet turned into messages.  The framing scanner
     * remembers where it stopped, so a large reply arriving in many
     * pieces is scanned once, not once per piece. */
    char *rx;
    size_t rx_len, rx_alloc;
    size_t scan_pos;        /* next byte to scan */
    int depth;              /* open braces/brackets outside strings */
    bool in_string, escaped;
};


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
        if (rpc->depth == 0 && rpc->scan_pos == 0
            && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
            /* Whitespace between messages: drop it right away. */
            memmove(rpc->rx, rpc->rx + 1, --rpc->rx_len);
            rpc->scan_pos--;
            continue;
        }
        if (rpc->depth == 0 && c != '{')
            return -EPROTO;
        if (c == '"') {
            rpc->in_string = true;
        } else if (c == '{' || c == '[') {
            rpc->depth++;
        } else if (c == '}' || c == ']') {
            if (--rpc->depth == 0)
                return (ssize_t)++rpc->scan_pos;
        }
    }
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
    return nl - rpc->rx + 1;
}

/* Removes the first 'len' bytes (one message) from the buffer. */
static void consume(struct jsonrpc *rpc, size_t len)
{
    memmove(rpc->rx, rpc->rx + len, rpc->rx_len - len);
    rpc->rx_len -= len;
    rpc->scan_pos = 0;
    rpc->depth = 0;
    rpc->in_string = rpc->escaped = false;
}

/* Receives the next message.  Returns 0 and a JSON object in *msgp (the
 * caller must json_decref it), or a negative errno. */
static int recv_msg(struct jsonrpc *rpc, long long deadline, json_t **msgp)
{
    bool lines = rpc->dialect == JSONRPC_V2_LINES;

    *msgp = NULL;
    for (;;) {
        ssize_t frame = lines ? scan_line(rpc) : scan_frame(rpc);

        if (frame < 0)
            return (int)frame;
        if (lines && frame > 0 && strspn(rpc->rx, " \t\r\n")
                                  >= (size_t)frame) {
            consume(rpc, (size_t)frame);    /* a blank line */
            continue;
        }
        if (frame > 0) {
            json_error_t jerr;
            json_t *msg = json_loadb(rpc->rx, (size_t)frame, 0, &jerr);

            consume(rpc, (size_t)frame);
            if (!msg || !json_is_object(msg)) {
                json_decref(msg);
                return -EPROTO;
            }
            *msgp = msg;
            return 0;
        }

        if (rpc->rx_alloc - rpc->rx_len < 4096) {
            rpc->rx_alloc = rpc->rx_alloc ? 2 * rpc->rx_alloc : 16384;
            rpc->rx = xrealloc(rpc->rx, rpc->rx_alloc);
        }
        /* read(), not recv(): a pipe is no socket.  Waiting first: a
         * pipe from ssh is blocking. */
        if (rpc->wfd >= 0) {
            int err = wait_fd(rpc->fd, POLLIN, deadline);
            if (err)
                return err;
        }
        ssize_t n = read(rpc->fd, rpc->rx + rpc->rx_len,
                         rpc->rx_alloc - rpc->rx_len);
        if (n > 0) {
            rpc->rx_len += (size_t)n;
        } else if (n == 0) {
            return -ECONNRESET;
        } else if (errno == EAGAIN) {
            int err = wait_fd(rpc->fd, POLLIN, deadline);
            if (err)
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
