/* perftests agent: the loop, the method table, and the methods that are
 * not a trial's (agent.h says what each does). */
#include "remote/agent.h"
#include "remote/agent_priv.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/sink.h"
#include "lib/cpus.h"
#include "lib/jsonrpc.h"
#include "lib/ledger.h"
#include "lib/links.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "remote/wire.h"
#include "sample/sampler.h"
#include "lib/pace.h"
#include "version.h"

LOG_MODULE("agent");

/* How long the loop waits for a request before looking at the signals. */
#define AGENT_POLL_MS 200

static volatile sig_atomic_t agent_signal;

static void on_signal(int sig)
{
    agent_signal = sig;
}

int agent_param_str(const json_t *params, const char *key, bool required,
                    const char **out, struct strbuf *err)
{
    const json_t *v = json_object_get(params, key);

    *out = NULL;
    if (!v && !required)
        return 0;
    if (!json_is_string(v)) {
        strbuf_addf(err, "'%s': expected a string", key);
        return JSONRPC_INVALID_PARAMS;
    }
    *out = json_string_value(v);
    return 0;
}

int agent_param_num(const json_t *params, const char *key, bool required,
                    double *out, struct strbuf *err)
{
    const json_t *v = json_object_get(params, key);

    if (!v && !required)
        return 0;
    if (!json_is_number(v)) {
        strbuf_addf(err, "'%s': expected a number", key);
        return JSONRPC_INVALID_PARAMS;
    }
    *out = json_number_value(v);
    return 0;
}

int agent_param_cpus(const json_t *params, bool *pinned, cpu_set_t *set,
                     struct strbuf *err)
{
    const char *v;
    int rc = agent_param_str(params, "cpus", false, &v, err);

    *pinned = false;
    if (rc || !v || !strcmp(v, "none"))
        return rc;
    if (cpus_parse(v, set, err))
        return JSONRPC_INVALID_PARAMS;
    *pinned = true;
    return 0;
}

static agent_method_fn hello, clock_now, prepare, collect, cleanup;

/* Every method, in one table: the dispatch and hello's "capabilities"
 * read it.  A new method is a line here. */
static const struct agent_method {
    const char *name;
    agent_method_fn *fn;
} methods[] = {
    { "hello", hello },
    { "clock", clock_now },
    { "prepare", prepare },
    { "start_rx", agent_start_rx },
    { "start_tx", agent_start_tx },
    { "stop", agent_stop },
    { "results", agent_results },
    { "collect", collect },
    { "tcp_server", agent_tcp_server },
    { "tcp_client", agent_tcp_client },
    { "tcp_wait", agent_tcp_wait },
    { "cleanup", cleanup },
};

static int hello(struct agent *a, const json_t *params, json_t **result,
                 struct strbuf *err)
{
    const json_t *proto = json_object_get(params, "protocol");
    const char *version = json_string_value(json_object_get(params,
                                                            "version"));
    char host[256];
    json_t *caps = json_array();

    (void)a;
    if (!json_is_integer(proto) || json_integer_value(proto) != WIRE_PROTOCOL) {
        strbuf_addf(err, "protocol mismatch: the harness (perftests %s) "
                    "speaks protocol %lld, this agent (perftests %s) speaks "
                    "%d; install the same perftests on both",
                    version ? version : "?",
                    (long long)json_integer_value(proto), PT_VERSION,
                    WIRE_PROTOCOL);
        json_decref(caps);
        return JSONRPC_SERVER_ERROR;
    }
    for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
        json_array_append_new(caps, json_string(methods[i].name));
    host_short_name(host, sizeof host);
    *result = json_pack("{s:i, s:s, s:o, s:s, s:i, s:i}", "protocol",
                        WIRE_PROTOCOL, "version", PT_VERSION, "capabilities",
                        caps, "host", host, "pid", (int)getpid(), "cores",
                        (int)sysconf(_SC_NPROCESSORS_ONLN));
    /* The kernel's boot: agents of one boot share CLOCK_MONOTONIC. */
    struct strbuf boot = STRBUF_INIT;
    if (!wire_boot_id(&boot))
        json_object_set_new(*result, "boot_id", json_string(boot.buf));
    strbuf_dispose(&boot);
    return 0;
}

static int clock_now(struct agent *a, const json_t *params, json_t **result,
                     struct strbuf *err)
{
    (void)a, (void)params, (void)err;
    /* pace_now_ns(): the clock the injector stamps the frames with. */
    *result = json_pack("{s:I}", "mono_ns", (json_int_t)pace_now_ns());
    return 0;
}

static int prepare(struct agent *a, const json_t *params, json_t **result,
                   struct strbuf *err)
{
    const char *ifname, *address, *ns;
    char name[64], mac_text[18];
    uint8_t mac[6];
    bool added = false;
    int rc;

    if ((rc = agent_param_str(params, "interface", true, &ifname, err))
        || (rc = agent_param_str(params, "address", true, &address, err))
        || (rc = agent_param_str(params, "namespace", false, &ns, err)))
        return rc;
    if (a->prepared || a->rcv || a->inj) {
        strbuf_addstr(err, "this agent has an endpoint already");
        return JSONRPC_SERVER_ERROR;
    }
    ns = ns ? ns : "";
    if (*ns && !netns_exists(ns)) {
        strbuf_addf(err, "no namespace '%s' here", ns);
        return JSONRPC_SERVER_ERROR;
    }
    if ((rc = netns_link_get_mac(ns, ifname, mac))) {
        strbuf_addf(err, "no interface '%s'%s%s here: %s", ifname,
                    *ns ? " in namespace " : "", ns, strerror(-rc));
        return JSONRPC_SERVER_ERROR;
    }
    rc = netns_addr_has(ns, ifname, address);
    if (rc == 0) {
        /* In the ledger before it exists: a run killed right after still
         * has it removed. */
        rc = links_addr_entry_name(ifname, address, name, sizeof name);
        if (!rc)
            rc = ledger_record(a->ledger, "addr", name, ns);
        if (!rc)
            rc = netns_addr_add(ns, ifname, address);
        added = !rc;
    }
    if (rc < 0) {
        strbuf_addf(err, "cannot add %s to '%s': %s", address, ifname,
                    strerror(-rc));
        return JSONRPC_SERVER_ERROR;
    }
    if ((rc = netns_link_set_up(ns, ifname, true))) {
        strbuf_addf(err, "cannot set '%s' up: %s", ifname, strerror(-rc));
        return JSONRPC_SERVER_ERROR;
    }
    snprintf(a->ns, sizeof a->ns, "%s", ns);
    snprintf(a->ifname, sizeof a->ifname, "%s", ifname);
    snprintf(a->address, sizeof a->address, "%s", address);
    a->prepared = true;
    wire_mac_text(mac, mac_text);
    LOG_INFO("endpoint %s%s%s %s (%s)%s", *ns ? ns : "", *ns ? "/" : "",
             ifname, address, mac_text, added ? ", address added" : "");
    *result = json_pack("{s:s, s:b}", "mac", mac_text, "added", added);
    return 0;
}

/* Reads every file of the collectors' folder into {NAME: base64}, then
 * removes the folder. */
static json_t *take_files(const char *dir)
{
    json_t *files = json_object();
    DIR *d = opendir(dir);
    struct dirent *de;

    while (d && (de = readdir(d))) {
        struct strbuf data = STRBUF_INIT;
        char *path, *text;
        if (de->d_name[0] == '.')
            continue;
        path = xasprintf("%s/%s", dir, de->d_name);
        if (!strbuf_read_file(&data, path)) {
            text = wire_base64_encode(data.buf, data.len);
            json_object_set_new(files, de->d_name, json_string(text));
            free(text);
        }
        strbuf_dispose(&data);
        free(path);
    }
    if (d)
        closedir(d);
    remove_tree(dir);
    return files;
}

static void collect_release(struct agent *a)
{
    sampler_stop(a->sampler, NULL);
    sampler_destroy(a->sampler);
    a->sampler = NULL;
    if (a->collect_dir)
        remove_tree(a->collect_dir);
    free(a->collect_dir);
    a->collect_dir = NULL;
}

static int collect(struct agent *a, const json_t *params, json_t **result,
                   struct strbuf *err)
{
    const char *action, *names = "system";
    double interval = 1;
    int rc;

    if ((rc = agent_param_str(params, "action", true, &action, err))
        || (rc = agent_param_str(params, "collectors", false, &names, err))
        || (rc = agent_param_num(params, "interval", false, &interval, err)))
        return rc;
    names = names ? names : "system";
    if (!strcmp(action, "stop")) {
        if (!a->sampler) {
            strbuf_addstr(err, "no collectors run");
            return JSONRPC_SERVER_ERROR;
        }
        sampler_stop(a->sampler, NULL);
        sampler_destroy(a->sampler);
        a->sampler = NULL;
        *result = json_pack("{s:o}", "files", take_files(a->collect_dir));
        free(a->collect_dir);
        a->collect_dir = NULL;
        return 0;
    }
    if (strcmp(action, "start") || a->sampler || interval < 0.1) {
        strbuf_addstr(err, a->sampler ? "the collectors run already"
                      : "'action': expected start or stop (interval >= 0.1)");
        return a->sampler ? JSONRPC_SERVER_ERROR : JSONRPC_INVALID_PARAMS;
    }
    char tmpl[] = "/tmp/perftests-agent-rrd-XXXXXX";
    if (!mkdtemp(tmpl)) {
        strbuf_addf(err, "cannot make a folder for the RRD files: %s",
                    strerror(errno));
        return JSONRPC_SERVER_ERROR;
    }
    a->collect_dir = xstrdup(tmpl);
    a->sinks[0] = rrd_sink_create(a->collect_dir, interval < 1 ? 1
                                  : (int)interval, 0, err);
    a->sinks[1] = NULL;
    /* The endpoint, for netdev: its counters as metrics "ep_...". */
    a->collect_if = (struct collector_iface){ .prefix = "ep",
                                              .netns = a->ns,
                                              .ifname = a->ifname };
    struct sampler_cfg cfg = {
        .collectors = names,
        .ccfg = { .interval = interval, .run_dir = a->collect_dir,
                  .ledger = a->ledger, .ifaces = &a->collect_if,
                  .n_ifaces = a->prepared ? 1 : 0 },
        .sinks = a->sinks,
    };
    if (a->sinks[0])
        a->sampler = sampler_start(&cfg, err);
    if (!a->sampler) {
        collect_release(a);
        return JSONRPC_SERVER_ERROR;
    }
    LOG_INFO("collectors %s every %g s", names, interval);
    *result = json_object();
    return 0;
}

/* Everything the agent holds or made, released; 0 or the ledger's
 * error. */
static int release_all(struct agent *a)
{
    agent_traffic_release(a);
    agent_tcp_release(a);
    collect_release(a);
    a->prepared = false;
    return a->ledger ? ledger_teardown(a->ledger) : 0;
}

static int cleanup(struct agent *a, const json_t *params, json_t **result,
                   struct strbuf *err)
{
    int rc = release_all(a);

    (void)params;
    if (rc) {
        strbuf_addf(err, "cleanup incomplete: %s (ledger %s)", strerror(-rc),
                    ledger_path(a->ledger));
        return JSONRPC_SERVER_ERROR;
    }
    *result = json_object();
    return 0;
}

/* Answers one message; requests without an id (notifications) get no
 * answer, as JSON-RPC 2.0 says. */
static int dispatch(struct agent *a, json_t *msg)
{
    const char *name = json_string_value(json_object_get(msg, "method"));
    const json_t *id = json_object_get(msg, "id");
    json_t *params = json_object_get(msg, "params");
    json_t *result = NULL;
    struct strbuf err = STRBUF_INIT;
    int code = JSONRPC_METHOD_NOT_FOUND, rc = 0;

    if (!name) {
        code = JSONRPC_INVALID_REQUEST;
        strbuf_addstr(&err, "not a request: no \"method\"");
    } else if (params && !json_is_object(params)) {
        code = JSONRPC_INVALID_PARAMS;
        strbuf_addstr(&err, "\"params\": expected an object");
    } else {
        json_t *empty = json_object();
        size_t i = 0;
        while (i < ARRAY_SIZE(methods) && strcmp(methods[i].name, name))
            i++;
        if (i == ARRAY_SIZE(methods))
            strbuf_addf(&err, "unknown method '%s'", name);
        else
            code = methods[i].fn(a, params ? params : empty, &result, &err);
        json_decref(empty);
    }
    if (code)
        LOG_WARN("%s: %s", name ? name : "?", err.buf);
    if (id)
        rc = jsonrpc_reply(a->rpc, id, result, code, code ? err.buf : NULL);
    else
        json_decref(result);
    strbuf_dispose(&err);
    return rc;
}

char *agent_ledger_dir(const char *dir)
{
    struct strbuf boot = STRBUF_INIT;
    struct stat st;
    char *path;

    /* The root network namespace has the same inode on every host: the
     * boot id tells the hosts that share DIR apart. */
    if (wire_boot_id(&boot))
        strbuf_reset(&boot);
    if (stat("/proc/self/ns/net", &st))
        path = xasprintf("%s/.ledger/agent-%s", dir,
                         boot.len ? boot.buf : "unknown");
    else
        path = xasprintf("%s/.ledger/agent-%s-net%llu", dir,
                         boot.len ? boot.buf : "unknown",
                         (unsigned long long)st.st_ino);
    strbuf_dispose(&boot);
    return path;
}

int agent_main(int in_fd, int out_fd, const char *dir)
{
    struct agent a = { .tx_done_fd = -1, .tx_err = STRBUF_INIT };
    char *ledger_dir = agent_ledger_dir(dir);
    char id[96], host[64];
    size_t n = 0;
    int rc, code = PT_EXIT_PASS;

    catch_stop_signals(on_signal);
    /* What agents killed here (SIGKILL) left behind goes first. */
    if (path_is_dir(ledger_dir) && ledger_cleanup_stale(ledger_dir, &n))
        LOG_WARN("cannot clean up everything earlier agents left in %s",
                 ledger_dir);
    else if (n)
        LOG_INFO("cleaned up after %zu agent(s) or run(s) that died", n);
    host_short_name(host, sizeof host);
    snprintf(id, sizeof id, "agent-%s-%d", host, (int)getpid());
    a.ledger_dir = ledger_dir;
    a.ledger = ledger_create(ledger_dir, id);
    if (!a.ledger) {
        LOG_ERR("cannot create the cleanup ledger in '%s': %s", ledger_dir,
                strerror(errno));
        free(a.ledger_dir);
        return PT_EXIT_ENV;
    }
    a.rpc = jsonrpc_open_fds(in_fd, out_fd, JSONRPC_V2_LINES, "harness",
                             JSONRPC_DEFAULT_TIMEOUT_MS);
    LOG_DBG("perftests %s agent, pid %d, ledger %s", PT_VERSION,
            (int)getpid(), ledger_path(a.ledger));
    while (!agent_signal) {
        json_t *msg;
        rc = jsonrpc_recv(a.rpc, AGENT_POLL_MS, &msg);
        if (rc == -ETIMEDOUT || rc == -EINTR)
            continue;
        if (rc == -EPROTO) {
            jsonrpc_reply(a.rpc, NULL, NULL, JSONRPC_PARSE_ERROR,
                          "not a JSON object on one line");
            continue;
        }
        if (rc)
            break;      /* the end of stdin: the session is gone */
        rc = dispatch(&a, msg);
        json_decref(msg);
        if (rc)
            break;      /* nobody to answer */
    }
    if (agent_signal)
        LOG_INFO("signal %d: cleaning up", (int)agent_signal);
    if (release_all(&a)) {
        LOG_ERR("cleanup incomplete; the next agent here retries (ledger "
                "%s)", ledger_path(a.ledger));
        code = PT_EXIT_RUN_FAILED;
    }
    ledger_destroy(a.ledger);
    jsonrpc_close(a.rpc);
    strbuf_dispose(&a.tx_err);
    free(a.ledger_dir);
    return code;
}
