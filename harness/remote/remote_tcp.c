/* A TCP test through two agents: tcp_server on the destination (its
 * answer is the readiness: it listens), tcp_client on the source, then
 * tcp_wait on the source until the client ends (the destination asked
 * the time meanwhile, so an agent that died there is seen now) and on
 * the destination for the server's end.  What comes back is another
 * host's: iperf3's JSON is parsed here again (tcp_result_parse()), not
 * taken from the agent's figures. */
#include "remote/remote_tcp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/util.h"

LOG_MODULE("remote");

/* How long one tcp_wait on the client waits before it answers "not
 * done": the harness looks at its stop flag in between. */
#define WAIT_MS 200
/* How long the server may take to end once the client ended. */
#define SERVER_END_MS 10000

int remote_tcp_check(const struct remote_pair *pair, struct strbuf *err)
{
    static const char *const need[] = { "tcp_server", "tcp_client",
                                        "tcp_wait" };
    const struct remote_endpoint *eps[] = { &pair->src, &pair->dst };

    for (size_t i = 0; i < ARRAY_SIZE(eps); i++)
        for (size_t j = 0; j < ARRAY_SIZE(need); j++)
            if (!peer_has_method(eps[i]->peer, need[j])) {
                strbuf_addf(err, "%s: its perftests agent (%s) has no "
                            "'%s' method, which the TCP phase needs: "
                            "install this perftests there, or TCP_PHASE=no",
                            peer_name(eps[i]->peer),
                            peer_version(eps[i]->peer), need[j]);
                return -EOPNOTSUPP;
            }
    return 0;
}

/* The "log" of a tcp_wait answer into 'path' (the run directory's). */
static void save_log(const json_t *answer, const char *path)
{
    const char *text = json_string_value(json_object_get(answer, "log"));

    if (path && text && write_file_atomic(path, text, strlen(text)))
        LOG_WARN("cannot write '%s'", path);
}

/* The errno an agent said its client failed with, when it is one the
 * engine gives; else -EPROTO. */
static int agent_errno(const json_t *answer)
{
    static const int known[] = { EINTR, ETIMEDOUT, EPROTO, ECHILD, EINVAL };
    json_int_t e = json_integer_value(json_object_get(answer, "errno"));

    for (size_t i = 0; i < ARRAY_SIZE(known); i++)
        if (e == known[i])
            return -known[i];
    return -EPROTO;
}

/* Why the client failed, from the source's answer 'r' ('why': its
 * "error").  A destination whose agent died took its server along, and
 * the client fails on that at once: then the agent is the reason. */
static int client_failed(const struct remote_endpoint *src,
                         const struct remote_endpoint *dst, const json_t *r,
                         const char *why, struct strbuf *err)
{
    struct strbuf gone = STRBUF_INIT;
    json_t *c;
    int rc = peer_call(dst->peer, "clock", NULL, &c, &gone);

    if (rc == -ECONNRESET) {
        strbuf_add(err, gone.buf, gone.len);
    } else {
        if (!rc)
            json_decref(c);
        strbuf_addf(err, "%s: %s", peer_name(src->peer),
                    why ? why : "the iperf3 client failed");
        rc = agent_errno(r);
    }
    strbuf_dispose(&gone);
    return rc;
}

/* The client's end: asked until it is done, with a stop on the way. */
static int wait_client(const struct remote_endpoint *src,
                       const struct remote_endpoint *dst, struct tcp_test *t,
                       struct strbuf *json, struct tcp_result *res,
                       struct strbuf *err)
{
    struct remote_wait w;
    json_t *r;
    int rc;

    remote_wait_init(&w, t->duration_s * 1000LL, REMOTE_FINISH_MARGIN_MS,
                     REMOTE_STOP_GRACE_MS);
    for (;;) {
        bool stop = t->stop && *t->stop;
        if ((rc = peer_call(dst->peer, "clock", NULL, &r, err)))
            return rc;
        json_decref(r);
        rc = peer_call(src->peer, "tcp_wait", json_pack(
            "{s:i, s:b}", "wait_ms", WAIT_MS, "stop", stop), &r, err);
        if (rc)
            return rc;
        if (json_is_true(json_object_get(r, "done")))
            break;
        json_decref(r);
        if (remote_wait_over(&w, stop, peer_name(src->peer),
                             "the iperf3 client", err))
            return -ETIMEDOUT;
    }
    save_log(r, t->client_log);
    const char *text = json_string_value(json_object_get(r, "json"));
    const char *why = json_string_value(json_object_get(r, "error"));
    if (text)
        strbuf_addstr(json, text);
    if (why || json_object_get(r, "errno")) {
        rc = client_failed(src, dst, r, why, err);
    } else if (tcp_result_parse(json->buf, res, err)) {
        rc = -EPROTO;
    }
    json_decref(r);
    return rc;
}

/* The server's end: waited for after a test, stopped after a failure.
 * A server that ends badly after the client's figures is a warning. */
static void end_server(const struct remote_endpoint *dst, struct tcp_test *t,
                       bool stop)
{
    struct strbuf err = STRBUF_INIT;
    json_t *r;

    if (peer_call(dst->peer, "tcp_wait", json_pack(
            "{s:i, s:b}", "wait_ms", SERVER_END_MS, "stop", stop), &r,
                  &err)) {
        if (!stop)
            LOG_WARN("%s", err.buf);
        strbuf_dispose(&err);
        return;
    }
    save_log(r, t->server_log);
    const char *why = json_string_value(json_object_get(r, "error"));
    if (why && !stop)
        LOG_WARN("%s: %s", peer_name(dst->peer), why);
    json_decref(r);
    strbuf_dispose(&err);
}

static int remote_tcp_run(void *arg, struct tcp_test *t, struct strbuf *json,
                          struct tcp_result *res, struct strbuf *err)
{
    const struct remote_pair *pair = arg;
    const struct remote_endpoint *src = &pair->src, *dst = &pair->dst;
    json_t *r;
    int rc;

    memset(res, 0, sizeof *res);
    if ((rc = remote_tcp_check(pair, err)))
        return rc;
    rc = peer_call(dst->peer, "tcp_server", json_pack(
        "{s:i}", "duration_s", t->duration_s), &r, err);
    if (rc)
        return rc;
    json_int_t port = json_integer_value(json_object_get(r, "port"));
    json_decref(r);
    if (port < 1 || port > 65535) {
        strbuf_addf(err, "%s: tcp_server: expected a port from 1 to 65535",
                    peer_name(dst->peer));
        end_server(dst, t, true);
        return -EPROTO;
    }
    t->port = (int)port;
    LOG_DBG("iperf3 server on %s (%s:%d)", peer_name(dst->peer), dst->ip,
            t->port);
    rc = peer_call(src->peer, "tcp_client", json_pack(
        "{s:s, s:i, s:i, s:i}", "server", dst->ip, "port", t->port,
        "streams", t->streams, "duration_s", t->duration_s), &r, err);
    if (!rc) {
        json_decref(r);
        rc = wait_client(src, dst, t, json, res, err);
    }
    /* After a failure the client may still run (the destination's agent
     * died under it): stopped, so the source's agent is idle again. */
    if (rc == -ECONNRESET || rc == -ETIMEDOUT) {
        struct strbuf ignored = STRBUF_INIT;
        if (peer_call(src->peer, "tcp_wait", json_pack(
                "{s:i, s:b}", "wait_ms", SERVER_END_MS, "stop", 1), &r,
                      &ignored) == 0)
            json_decref(r);
        strbuf_dispose(&ignored);
    }
    end_server(dst, t, rc != 0);
    return rc;
}

const struct tcp_ops remote_tcp_ops = {
    .name = "agents",
    .run = remote_tcp_run,
};
