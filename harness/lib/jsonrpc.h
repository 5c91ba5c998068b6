/* A minimal JSON-RPC 1.0 client over a unix stream socket, the protocol
 * that ovsdb-server (RFC 7047) and every OVS daemon's unixctl socket speak
 * (OVS lib/jsonrpc.c, minus reconnection).
 *
 * Messages are JSON objects back to back on the stream, with no framing:
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
 * it sent something that is not a JSON-RPC message.  They do not log. */
#ifndef PT_JSONRPC_H
#define PT_JSONRPC_H

#include <jansson.h>

/* Default for callers that have no better idea: generous, because a busy
 * ovs-vswitchd can take seconds to answer during a reconfiguration. */
#define JSONRPC_DEFAULT_TIMEOUT_MS 10000

struct jsonrpc;
struct strbuf;

/* Connects to the unix socket at 'path' (a path longer than sun_path is
 * fine: it is reached through its directory's /proc/self/fd entry).
 * 'timeout_ms' bounds the connect and is the default timeout of every
 * transaction on the connection.  Returns 0 and the connection in *rpcp
 * (free with jsonrpc_close()), or a negative errno: -ENOENT when nothing
 * exists at 'path', -ECONNREFUSED when nobody listens there. */
int jsonrpc_open(const char *path, int timeout_ms, struct jsonrpc **rpcp);
/* Closes the socket and frees 'rpc'.  NULL is fine. */
void jsonrpc_close(struct jsonrpc *rpc);
/* Changes the timeout of later transactions. */
void jsonrpc_set_timeout(struct jsonrpc *rpc, int timeout_ms);
const char *jsonrpc_path(const struct jsonrpc *rpc);

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

/* Appends to 'out' the text of a JSON-RPC "error" value: the string
 * itself when it is one (unixctl), else its compact JSON (ovsdb-server
 * sends objects like {"error": "unknown database", "details": ...}). */
void jsonrpc_error_text(const json_t *error, struct strbuf *out);

#endif
