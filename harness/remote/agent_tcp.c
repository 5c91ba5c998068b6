/* The agent's TCP methods: iperf3's server or client on its endpoint,
 * through the same engine as a run on one host (traffic/tcp.h), the
 * processes in the agent's own ledger.  The client runs for the test's
 * duration, longer than one request may take: it runs on a thread, and
 * tcp_wait asks for its end as `results` does for a trial's sender, so a
 * stop and a dead agent are seen while it runs. */
#include "remote/agent_priv.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lib/jsonrpc.h"
#include "lib/log.h"
#include "lib/util.h"
#include "traffic/tcp.h"

LOG_MODULE("agent");

/* The longest tcp_wait: well below the harness's wait for an answer. */
#define WAIT_MAX_MS 10000
/* A log handed over is cut here: the figures are in the JSON. */
#define LOG_MAX (1 << 20)

struct agent_tcp {
    char *dir;                  /* the logs, removed at the end */
    struct tcp_server *server;

    pthread_t thread;
    bool client_running;
    int done_fd;                /* an eventfd the thread signals */
    volatile sig_atomic_t stop;
    char server_ip[64];
    char bind_ip[64];
    struct tcp_client_opts co;
    struct strbuf json, err;
    struct tcp_result res;
    int rc;
};

/* The agent's TCP state, made on first use: the endpoint is needed. */
static struct agent_tcp *tcp_state(struct agent *a, struct strbuf *err)
{
    struct agent_tcp *t = a->tcp;
    char tmpl[] = "/tmp/perftests-agent-tcp-XXXXXX";

    if (!a->prepared) {
        strbuf_addstr(err, "no endpoint: call prepare first");
        return NULL;
    }
    if (t)
        return t;
    if (!mkdtemp(tmpl)) {
        strbuf_addf(err, "cannot make a folder for iperf3's logs: %s",
                    strerror(errno));
        return NULL;
    }
    t = a->tcp = xcalloc(1, sizeof *t);
    t->dir = xstrdup(tmpl);
    t->done_fd = -1;
    strbuf_init(&t->json);
    strbuf_init(&t->err);
    return t;
}

/* The endpoint's address without its prefix length. */
static void endpoint_ip(const struct agent *a, char *buf, size_t len)
{
    snprintf(buf, len, "%.*s", (int)strcspn(a->address, "/"), a->address);
}

static int param_int(const json_t *params, const char *key, int lo, int hi,
                     int *out, struct strbuf *err)
{
    double v = 0;
    int rc = agent_param_num(params, key, true, &v, err);

    if (rc)
        return rc;
    if (!(v >= lo && v <= hi) || v != (int)v) {
        strbuf_addf(err, "'%s': expected an integer from %d to %d", key, lo,
                    hi);
        return JSONRPC_INVALID_PARAMS;
    }
    *out = (int)v;
    return 0;
}

int agent_tcp_server(struct agent *a, const json_t *params, json_t **result,
                     struct strbuf *err)
{
    struct agent_tcp *t;
    int duration = 0, rc;
    char ip[64];

    if ((rc = param_int(params, "duration_s", 1, TCP_MAX_DURATION,
                        &duration, err)))
        return rc;
    if (!(t = tcp_state(a, err)))
        return JSONRPC_SERVER_ERROR;
    if (t->server) {
        strbuf_addstr(err, "an iperf3 server runs already: tcp_wait first");
        return JSONRPC_SERVER_ERROR;
    }
    endpoint_ip(a, ip, sizeof ip);
    char *log = xasprintf("%s/server.log", t->dir);
    /* As on one host: its own timeout ends a server no client came to. */
    struct tcp_server_opts so = {
        .netns = a->ns, .address = ip, .timeout_s = duration + 60,
        .log_path = log, .ledger = a->ledger,
    };
    rc = tcp_server_start(&so, &t->server, err);
    free(log);
    if (rc)
        return JSONRPC_SERVER_ERROR;
    LOG_INFO("iperf3 server on %s:%d", ip, tcp_server_port(t->server));
    /* Answered once it listens: the client may connect now. */
    *result = json_pack("{s:i}", "port", tcp_server_port(t->server));
    return 0;
}

/* The client's child goes into the agent's ledger from this thread.
 * The loop writes the ledger only in prepare (refused once there is an
 * endpoint) and collect's start; cleanup joins this thread before it
 * reads the ledger. */
static void *client_thread(void *arg)
{
    struct agent_tcp *t = arg;
    uint64_t one = 1;

    t->rc = tcp_client_run(&t->co, &t->json, &t->res, &t->err);
    if (write(t->done_fd, &one, sizeof one) < 0)
        LOG_WARN("cannot signal the end of the TCP test: %s",
                 strerror(errno));
    return NULL;
}

int agent_tcp_client(struct agent *a, const json_t *params, json_t **result,
                     struct strbuf *err)
{
    struct agent_tcp *t;
    const char *server;
    int port = 0, streams = 0, duration = 0, rc;

    if ((rc = agent_param_str(params, "server", true, &server, err))
        || (rc = param_int(params, "port", 1, 65535, &port, err))
        || (rc = param_int(params, "streams", 1, TCP_MAX_STREAMS, &streams,
                           err))
        || (rc = param_int(params, "duration_s", 1, TCP_MAX_DURATION,
                           &duration, err)))
        return rc;
    if (!(t = tcp_state(a, err)))
        return JSONRPC_SERVER_ERROR;
    if (t->client_running) {
        strbuf_addstr(err, "a TCP test runs already: tcp_wait first");
        return JSONRPC_SERVER_ERROR;
    }
    if (t->done_fd < 0 && (t->done_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
        strbuf_addf(err, "eventfd: %s", strerror(errno));
        return JSONRPC_SERVER_ERROR;
    }
    snprintf(t->server_ip, sizeof t->server_ip, "%s", server);
    endpoint_ip(a, t->bind_ip, sizeof t->bind_ip);
    free((char *)t->co.log_path);
    t->co = (struct tcp_client_opts){
        .netns = a->ns, .bind_address = t->bind_ip, .server = t->server_ip,
        .port = port, .streams = streams, .duration_s = duration,
        .log_path = xasprintf("%s/client.log", t->dir), .ledger = a->ledger,
        .stop = &t->stop,
    };
    t->stop = 0;
    strbuf_reset(&t->json);
    strbuf_reset(&t->err);
    if ((rc = pthread_create(&t->thread, NULL, client_thread, t))) {
        strbuf_addf(err, "cannot start the iperf3 client: %s", strerror(rc));
        return JSONRPC_SERVER_ERROR;
    }
    t->client_running = true;
    LOG_INFO("iperf3 client: %d stream%s for %d s to %s:%d", streams,
             streams == 1 ? "" : "s", duration, server, port);
    *result = json_object();
    return 0;
}

/* The text of the log 'name' in the state's folder, cut at LOG_MAX, and
 * the file removed: the next test's starts empty. */
static json_t *take_log(struct agent_tcp *t, const char *name)
{
    struct strbuf sb = STRBUF_INIT;
    char *path = xasprintf("%s/%s", t->dir, name);
    json_t *text;

    strbuf_read_file(&sb, path);
    unlink(path);
    /* Not UTF-8 (a cut, a stray byte): no log rather than no answer. */
    text = json_stringn(sb.buf, sb.len < LOG_MAX ? sb.len : LOG_MAX);
    free(path);
    strbuf_dispose(&sb);
    return text ? text : json_string("");
}

/* The client's end: iperf3's JSON text and the figures, or why not. */
static json_t *client_end(struct agent_tcp *t)
{
    json_t *o;

    pthread_join(t->thread, NULL);
    t->client_running = false;
    o = json_pack("{s:b, s:o}", "done", 1, "log",
                  take_log(t, "client.log"));
    /* iperf3's JSON is ASCII: text that is not UTF-8 is a child gone
     * wrong, and the answer still says how the client ended. */
    json_t *text = json_stringn(t->json.buf, t->json.len);
    json_object_set_new(o, "json", text ? text : json_string(""));
    if (t->rc) {
        json_object_set_new(o, "error", json_string(t->err.buf));
        json_object_set_new(o, "errno", json_integer(-t->rc));
    } else {
        json_object_set_new(o, "result", tcp_result_json(&t->res));
    }
    return o;
}

int agent_tcp_wait(struct agent *a, const json_t *params, json_t **result,
                   struct strbuf *err)
{
    struct agent_tcp *t = a->tcp;
    double wait_ms = 0;
    bool stop = json_is_true(json_object_get(params, "stop"));
    int rc;

    if ((rc = agent_param_num(params, "wait_ms", false, &wait_ms, err)))
        return rc;
    wait_ms = wait_ms < 0 ? 0 : wait_ms > WAIT_MAX_MS ? WAIT_MAX_MS : wait_ms;
    if (t && t->client_running) {
        struct pollfd pfd = { .fd = t->done_fd, .events = POLLIN };
        uint64_t v;
        if (stop)
            t->stop = 1;
        if (poll(&pfd, 1, (int)wait_ms) <= 0) {
            *result = json_pack("{s:b}", "done", 0);
            return 0;
        }
        if (read(t->done_fd, &v, sizeof v) < 0)
            LOG_DBG("eventfd read: %s", strerror(errno));
        *result = client_end(t);
        return 0;
    }
    if (t && t->server) {
        struct strbuf why = STRBUF_INIT;
        /* A stop ends it now; else its test has ended (the client's
         * did): it says how. */
        if (!stop)
            rc = tcp_server_wait(t->server, (int)wait_ms, &why);
        tcp_server_destroy(t->server);
        t->server = NULL;
        *result = json_pack("{s:b, s:o}", "done", 1, "log",
                            take_log(t, "server.log"));
        if (rc)
            json_object_set_new(*result, "error", json_string(why.buf));
        strbuf_dispose(&why);
        return 0;
    }
    strbuf_addstr(err, "no TCP test under way");
    return JSONRPC_SERVER_ERROR;
}

void agent_tcp_release(struct agent *a)
{
    struct agent_tcp *t = a->tcp;

    if (!t)
        return;
    if (t->client_running) {
        t->stop = 1;
        pthread_join(t->thread, NULL);
    }
    tcp_server_destroy(t->server);
    if (t->done_fd >= 0)
        close(t->done_fd);
    remove_tree(t->dir);
    free(t->dir);
    free((char *)t->co.log_path);
    strbuf_dispose(&t->json);
    strbuf_dispose(&t->err);
    free(t);
    a->tcp = NULL;
}
