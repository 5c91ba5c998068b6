/* A stand-in for `perftests agent` on another host that misbehaves: a
 * shell loop that reads each request line and runs 'body' with $id the
 * request's id and $l the line.  A real process on a real socket, as
 * peer.c meets a hostile or broken agent. */
#ifndef PT_TEST_FAKE_AGENT_H
#define PT_TEST_FAKE_AGENT_H

#include "remote/peer.h"

/* Prints a 2.0 reply to request $id with result 'json' (sh quoting). */
#define FAKE_REPLY(json) \
    "printf '{\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":%s}\\n' \"$id\" '" \
    json "'"

static inline struct peer *fake_agent(const char *name, const char *body,
                                      const char *log_path,
                                      struct ledger *ledger,
                                      struct strbuf *err)
{
    char *script = xasprintf("while IFS= read -r l; do "
                             "id=${l##*\\\"id\\\":}; id=${id%%%%[,\\}]*}; "
                             "%s; done", body);
    char *argv[] = { "sh", "-c", script, NULL };
    struct peer *p = peer_spawn(name, argv, log_path, ledger, err);

    free(script);
    return p;
}

#endif
