/* Fuzzes the JSON-RPC framing of harness/lib/jsonrpc.c: what an
 * ovsdb-server or an ovs-vswitchd (any version, or a process that took its
 * socket's place) sends back.  The stream has no length prefix: a scanner
 * finds where each JSON value ends, remembering where it stopped so that a
 * reply arriving in pieces is scanned once.
 *
 * Two checks per input:
 *  - the frames found when the bytes arrive in pieces (of a size the
 *    first byte picks) are the frames found when they arrive at once: the
 *    scanner's saved state must not depend on where a read ended;
 *  - jsonrpc_transact() over a socket pair whose peer sent the input and
 *    closed returns a reply, an error or a negative errno, never crashes,
 *    and answers echo requests on the way;
 *  - the same in 2.0's line mode over two pipes, as an agent's answers
 *    come back from another host (remote/peer.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The file itself, for its static scanner (as tests/unit/test_jsonrpc.c
 * does); the library's jsonrpc.o is then not linked. */
#include "lib/jsonrpc.c"

#include "fuzz.h"

#define MAX_FRAMES 256

struct frames {
    size_t len[MAX_FRAMES];
    size_t n;
    ssize_t end;            /* 0: ran out of input; -EPROTO: garbage */
};

static struct jsonrpc *bare(void)
{
    struct jsonrpc *rpc = xcalloc(1, sizeof *rpc);

    rpc->fd = -1;
    rpc->wfd = -1;          /* a socket: written where it is read */
    rpc->path = xstrdup("(fuzz)");
    rpc->next_id = 1;
    strbuf_init(&rpc->problem);
    rpc->timeout_ms = 100;
    return rpc;
}

/* Feeds 'data' 'piece' bytes at a time, as recv() would hand them, and
 * takes every frame as recv_msg() does. */
static void scan_all(const uint8_t *data, size_t size, size_t piece,
                     struct frames *out)
{
    struct jsonrpc *rpc = bare();
    size_t fed = 0;

    memset(out, 0, sizeof *out);
    rpc->rx = xmalloc(size ? size : 1);
    while (out->n < MAX_FRAMES) {
        ssize_t n = scan_frame(rpc);
        if (n < 0) {
            out->end = n;
            break;
        }
        if (n > 0) {
            json_t *msg = json_loadb(rx_data(rpc), (size_t)n, 0, NULL);
            json_decref(msg);
            out->len[out->n++] = (size_t)n;
            consume(rpc, (size_t)n);
            continue;
        }
        if (fed == size)
            break;
        size_t k = size - fed < piece ? size - fed : piece;
        memcpy(rpc->rx + rpc->rx_len, data + fed, k);
        rpc->rx_len += k;
        fed += k;
    }
    jsonrpc_close(rpc);
}

static void check_pieces(const uint8_t *data, size_t size)
{
    static struct frames whole, pieces;
    size_t piece;

    if (!size)
        return;
    piece = (size_t)data[0] % 16 + 1;
    data++, size--;
    scan_all(data, size, size ? size : 1, &whole);
    scan_all(data, size, piece, &pieces);
    if (whole.n != pieces.n || whole.end != pieces.end
        || memcmp(whole.len, pieces.len, whole.n * sizeof *whole.len))
        fuzz_fail("framing differs: %zu frames (end %zd) at once, %zu "
                  "(end %zd) in pieces of %zu", whole.n, whole.end, pieces.n,
                  pieces.end, piece);
}

/* A transaction on 'rpc' must end with a reply (a result or an error) or
 * a negative errno. */
static void transact_once(struct jsonrpc *rpc)
{
    json_t *result, *error;

    if (!jsonrpc_transact(rpc, "list_dbs", NULL, &result, &error)) {
        struct strbuf text = STRBUF_INIT;
        if (!result == !error)
            fuzz_fail("a reply must give a result or an error");
        jsonrpc_error_text(error, &text);
        strbuf_dispose(&text);
        json_decref(result);
        json_decref(error);
    }
}

/* 2.0 lines: the input as an agent's side of the pipes. */
static void check_lines(const uint8_t *data, size_t size)
{
    int down[2], up[2];

    if (pipe2(down, O_CLOEXEC | O_NONBLOCK) || pipe2(up, O_CLOEXEC)) {
        perror("pipe2");
        abort();
    }
    /* A pipe holds 64 KiB: more is cut, a peer that closed mid-line. */
    if (size && write(up[1], data, size < 65536 ? size : 65536) < 0) {
        perror("write");
        abort();
    }
    close(up[1]);
    struct jsonrpc *rpc = jsonrpc_open_fds(up[0], down[1], JSONRPC_V2_LINES,
                                           "(fuzz)", 100);
    transact_once(rpc);
    jsonrpc_close(rpc);
    close(down[0]);
}

static void check_transact(const uint8_t *data, size_t size)
{
    struct jsonrpc *rpc = bare();
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                   sv)) {
        perror("socketpair");
        abort();
    }
    rpc->fd = sv[0];
    /* What does not fit in the socket's buffer is cut: the transaction
     * then sees a peer that closed mid-message. */
    if (size && write(sv[1], data, size) < 0) {
        perror("write");
        abort();
    }
    shutdown(sv[1], SHUT_WR);
    transact_once(rpc);
    jsonrpc_close(rpc);
    close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_pieces(data, size);
    check_transact(data, size);
    check_lines(data, size);
    return 0;
}
