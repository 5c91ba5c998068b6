/* A minimal JSON-RPC connection in two dialects:
 *  - 1.0 over a unix stream socket, the protocol that ovsdb-server
 *    (RFC 7047) and every OVS daemon's unixctl socket speak (OVS
 *    lib/jsonrpc.c, minus reconnection);
 *  - 2.0 in line mode over any pair of descriptors (a pipe to `ssh HOST
 *    perftests agent`, the agent's own stdin/stdout): one compact JSON
 *    object a line, every message with "jsonrpc": "2.0", error replies
 *    {"code": N, "message": TEXT} and no "error": null in a result.
 *
 * In 1.0, messages are JSON objects back to back on the stream, with no
 * framing:
 *     request       {"method": M, "params": [...], "id": ID}
 *     reply         {"result": R, "error": null, "id": ID}
 *     error reply   {"result": null, "error": E, "id": ID}
 *     notification  {"method": M, "params": [...], "id": null}
 * The client is synchronous: one request at a time.  While it waits for a
 * reply it answers the server's "echo" requests (ovsdb-server's inactivity
 * probe would otherwise drop the connection) and drops notifications.
 *
 * Functions return 0 or a negative errno: -ETIMEDOUT when the peer did not
 * answer in time, -ECONNRESET when it closed the connection, -EPROTO when
 * it sent something that is not a JSON-RPC message, -EMSGSIZE when its
 * message grew past 64 MiB without an end (jsonrpc_problem() says which
 * and quotes it).  They do not log. */
#ifndef PT_JSONRPC_H
#define PT_JSONRPC_H

#include <jansson.h>

/* Default for callers that have no better idea: generous, because a busy
 * ovs-vswitchd can take seconds to answer during a reconfiguration. */
#define JSONRPC_DEFAULT_TIMEOUT_MS 10000

/* JSON-RPC 2.0's own error codes (section 5.1). */
#define JSONRPC_PARSE_ERROR (-32700)
#define JSONRPC_INVALID_REQUEST (-32600)
#define JSONRPC_METHOD_NOT_FOUND (-32601)
#define JSONRPC_INVALID_PARAMS (-32602)
#define JSONRPC_INTERNAL_ERROR (-32603)
/* The server's own errors: -32000 to -32099. */
#define JSONRPC_SERVER_ERROR (-32000)

enum jsonrpc_dialect {
    JSONRPC_V1_STREAM,          /* OVS: 1.0, unframed */
    JSONRPC_V2_LINES,           /* agents: 2.0, a message a line */
};

struct jsonrpc;
struct strbuf;

/* Connects to the unix socket at 'path' (a path longer than sun_path is
 * fine: it is reached through its directory's /proc/self/fd entry).
 * 'timeout_ms' bounds the connect and is the default timeout of every
 * transaction on the connection.  Returns 0 and the connection in *rpcp
 * (free with jsonrpc_close()), or a negative errno: -ENOENT when nothing
 * exists at 'path', -ECONNREFUSED when nobody listens there. */
int jsonrpc_open(const char *path, int timeout_ms, struct jsonrpc **rpcp);
/* Wraps descriptors already open: messages are read from 'rfd' and
 * written to 'wfd' (the same one for a socket), in 'dialect'.  Takes
 * ownership of both; 'name' says who is at the other end (an agent's
 * host) for jsonrpc_path().  Never fails. */
struct jsonrpc *jsonrpc_open_fds(int rfd, int wfd,
                                 enum jsonrpc_dialect dialect,
                                 const char *name, int timeout_ms);
/* Closes the socket and frees 'rpc'.  NULL is fine. */
void jsonrpc_close(struct jsonrpc *rpc);
/* Changes the timeout of later transactions. */
void jsonrpc_set_timeout(struct jsonrpc *rpc, int timeout_ms);
const char *jsonrpc_path(const struct jsonrpc *rpc);
/* What the peer sent that the last -EPROTO or -EMSGSIZE refused, for a
 * message: "a line that is not JSON: 'Last login: ...'", control
 * characters replaced.  Valid until the next call on 'rpc'. */
const char *jsonrpc_problem(const struct jsonrpc *rpc);

/* Sends request 'method' with 'params' (a JSON array; NULL means []) and
 * waits for the reply with the same id.  Takes ownership of 'params'.
 *
 * Returns 0 when a reply arrived; then exactly one of *resultp and *errorp
 * is non-NULL ("error" not null in the reply sets *errorp, otherwise
 * *resultp gets "result", which may be JSON null), and the caller must
 * json_decref it.  Returns a negative errno when no reply arrived; then
 * both are NULL, and the connection should be closed: a late reply would
 * be taken for the answer to the next request. */
int jsonrpc_transact(struct jsonrpc *rpc, const char *method, json_t *params,
                     json_t **resultp, json_t **errorp);

/* The server's side, for `perftests agent`.  Receives the next message,
 * whatever it is, waiting up to 'timeout_ms' (-1: for ever): 0 and the
 * object in *msgp (json_decref it), -ETIMEDOUT, -ECONNRESET at the end
 * of the stream, -EPROTO for a line that is not a JSON object. */
int jsonrpc_recv(struct jsonrpc *rpc, int timeout_ms, json_t **msgp);
/* Sends the reply to request 'id' (borrowed): 'result' (taken) or, when
 * 'message' is not NULL, the error 'code' with that text.  0 or -errno. */
int jsonrpc_reply(struct jsonrpc *rpc, const json_t *id, json_t *result,
                  int code, const char *message);

/* Appends to 'out' the text of a JSON-RPC "error" value: the string
 * itself when it is one (unixctl), the "message" of a 2.0 error object,
 * else its compact JSON (ovsdb-server sends objects like
 * {"error": "unknown database", "details": ...}). */
void jsonrpc_error_text(const json_t *error, struct strbuf *out);

#endif
