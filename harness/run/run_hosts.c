/* A run whose endpoints live on other hosts (--hosts FILE, the `hosts`
 * topology): the agents started over SSH and greeted, their clocks
 * measured against ours, the endpoints prepared; their collectors; the
 * end of their sessions.  The measuring phases are the usual ones: they
 * run their trials through remote_traffic_ops. */
#include "run/run_priv.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cpus.h"
#include "lib/log.h"
#include "lib/util.h"
#include "remote/hosts.h"
#include "remote/peer.h"
#include "remote/remote_tcp.h"
#include "remote/remote_traffic.h"
#include "remote/wire.h"
#include "run/placement.h"
#include "run/scenario.h"

LOG_MODULE("hosts");

/* Round trips of `clock` per agent: the least of them is kept. */
#define CLOCK_SAMPLES 8
/* How long an agent has to clean up once its stdin ends. */
#define CLOSE_TIMEOUT_MS 10000

enum { ROLE_SOURCE, ROLE_DEST, ROLE_SUT, N_ROLES };
static const char *const role_names[N_ROLES] = { "source", "dest", "sut" };

struct run_hosts {
    const struct host *host[N_ROLES];   /* SUT: NULL without --sut-host */
    struct peer *peer[N_ROLES];         /* SUT: NULL when it is another
                                           role's host */
    bool collecting[N_ROLES];
    bool greeted[N_ROLES];              /* hello answered: it may have
                                           made something */
    struct remote_pair pair;
    bool one_way;
};

int run_hosts_check(const struct run_config *cfg, struct strbuf *err)
{
    const struct topology_ops *topo;
    char *script = NULL;
    const char *names[] = { cfg->source, cfg->dest, cfg->sut_host };
    const char *opts[] = { "--source", "--dest", "--sut-host" };
    bool on_hosts = !topology_find(cfg->topology, &topo, &script)
                    && topo->on_hosts;

    free(script);
    if (!cfg->hosts) {
        for (int i = 0; i < N_ROLES; i++)
            if (names[i]) {
                strbuf_addf(err, "%s needs --hosts FILE", opts[i]);
                return -EINVAL;
            }
        if (on_hosts) {
            strbuf_addf(err, "topology '%s' needs --hosts FILE --source "
                        "NAME --dest NAME", cfg->topology);
            return -EINVAL;
        }
        return 0;
    }
    if (!on_hosts) {
        strbuf_addf(err, "--hosts: the endpoints are the hosts' (topology "
                    "'hosts', the default), not topology '%s'",
                    cfg->topology);
        return -EINVAL;
    }
    for (int i = 0; i < N_ROLES; i++) {
        const struct host *h;
        if (!names[i]) {
            if (i == ROLE_SUT)
                continue;
            strbuf_addf(err, "--hosts needs %s NAME (", opts[i]);
            hosts_names(cfg->hosts, err);
            strbuf_addstr(err, ")");
            return -EINVAL;
        }
        if (!(h = hosts_find(cfg->hosts, names[i]))) {
            strbuf_addf(err, "%s %s: no such host in %s (", opts[i],
                        names[i], cfg->hosts->path);
            hosts_names(cfg->hosts, err);
            strbuf_addstr(err, ")");
            return -EINVAL;
        }
        if (i == ROLE_SUT)
            continue;
        if (!h->interface || !h->address) {
            strbuf_addf(err, "%s:%d: %s %s: expected interface = \"...\"; "
                        "and address = \"...\"; (its endpoint)",
                        cfg->hosts->path, h->line, opts[i], h->name);
            return -EINVAL;
        }
        char ip[64];
        snprintf(ip, sizeof ip, "%s", h->address);
        *strchrnul(ip, '/') = '\0';
        if (!scenario_address_allowed(ip)) {
            strbuf_addf(err, "%s:%d: address '%s' of %s is outside the "
                        "benchmarking range 198.18.0.0/15 (RFC 2544), the "
                        "only one perftests sends to", cfg->hosts->path,
                        h->line, h->address, h->name);
            return -EINVAL;
        }
        /* The agent adds the address to a real NIC, and the kernel a
         * route to its whole network: /8 would route 198.0.0.0/8 there. */
        const char *slash = strchr(h->address, '/');
        char *end;
        long plen = slash ? strtol(slash + 1, &end, 10) : -1;
        if (!slash || !isdigit((unsigned char)slash[1]) || *end || plen < 15
            || plen > 32) {
            strbuf_addf(err, "%s:%d: address '%s' of %s: expected a prefix "
                        "from /15 to /32, so that its network stays inside "
                        "198.18.0.0/15", cfg->hosts->path, h->line,
                        h->address, h->name);
            return -EINVAL;
        }
    }
    if (!strcmp(cfg->source, cfg->dest)) {
        strbuf_addf(err, "--source and --dest are both %s: expected two "
                    "hosts", cfg->source);
        return -EINVAL;
    }
    return 0;
}

/* The endpoint of 'role' in metadata.json. */
static json_t *host_json(const struct run_hosts *h, int role,
                         const struct remote_endpoint *ep)
{
    const struct host *x = h->host[role];
    struct peer *p = h->peer[role];
    json_t *o = json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "role",
                          role_names[role], "name", x->name, "ssh", x->ssh,
                          "interface", x->interface, "address", x->address);

    if (x->ns)
        json_object_set_new(o, "namespace", json_string(x->ns));
    if (p) {
        json_object_set_new(o, "agent_version",
                            json_string(peer_version(p)));
        json_object_set_new(o, "agent_host", json_string(peer_host(p)));
    }
    if (ep) {
        json_object_set_new(o, "mac", json_string(ep->mac));
        json_object_set_new(o, "cores", json_integer(peer_cores(p)));
        json_object_set_new(o, role == ROLE_SOURCE ? "injector_cpus"
                                                   : "receiver_cpus",
                            json_string(ep->cpus));
        json_object_set_new(o, "clock", json_pack(
            "{s:I, s:I, s:I, s:i, s:b}", "offset_ns",
            (json_int_t)ep->clock.offset_ns, "rtt_ns",
            (json_int_t)ep->clock.rtt_ns, "uncertainty_ns",
            (json_int_t)ep->clock.uncertainty_ns, "samples",
            ep->clock.samples, "same_kernel", peer_same_clock(p)));
    }
    return o;
}

/* Starts every session first, then greets them: the SSH handshakes run
 * side by side. */
static int start_agents(struct run *r, struct run_hosts *h)
{
    struct strbuf err = STRBUF_INIT;
    int rc = 0;

    for (int i = 0; i < N_ROLES && !rc; i++) {
        if (!h->host[i] || (i == ROLE_SUT && (h->host[i] == h->host[0]
                                             || h->host[i] == h->host[1])))
            continue;
        char *dir = xasprintf("%s/hosts/%s", r->dir, h->host[i]->name);
        char *log = xasprintf("%s/agent.log", dir);
        if ((rc = mkdir_p(dir, 0755)))
            strbuf_addf(&err, "cannot create '%s': %s", dir, strerror(-rc));
        else if (!(h->peer[i] = peer_start(r->cfg->hosts, h->host[i], log,
                                           r->ledger, &err)))
            rc = -ECHILD;
        free(dir);
        free(log);
    }
    for (int i = 0; i < N_ROLES && !rc; i++)
        if (h->peer[i] && !(rc = peer_hello(h->peer[i], &err)))
            h->greeted[i] = true;
    for (int i = 0; i < N_ROLES && !rc; i++)
        if (h->peer[i])
            LOG_INFO("%s: perftests %s agent on %s (%s)", h->host[i]->name,
                     peer_version(h->peer[i]), peer_host(h->peer[i]),
                     role_names[i]);
    if (rc)
        return run_fail_with(r, PT_EXIT_ENV, &err);
    strbuf_dispose(&err);
    return 0;
}

/* INJECTOR_CPUS (source) or RECEIVER_CPUS (destination) for that host's
 * cores, "auto" as on one host: a CPU list, or "none". */
static int place(struct run *r, int role, struct remote_endpoint *ep,
                 struct strbuf *err)
{
    struct placement pl;
    struct strbuf why = STRBUF_INIT;
    int cores = peer_cores(ep->peer);
    const struct placement_part *part;

    if (cores < 1)
        return 0;
    if (placement_resolve(r->cfg->settings, cores, &pl, &why)) {
        strbuf_addf(err, "%s: %s", peer_name(ep->peer), why.buf);
        strbuf_dispose(&why);
        return -EINVAL;
    }
    part = role == ROLE_SOURCE ? &pl.injector : &pl.receiver;
    strbuf_reset(&why);
    if (part->pinned)
        cpus_format(&part->set, &why);
    snprintf(ep->cpus, sizeof ep->cpus, "%s", part->pinned ? why.buf
                                                            : "none");
    strbuf_dispose(&why);
    return 0;
}

/* One endpoint: its agent's clock, then prepare. */
static int prepare_endpoint(struct run *r, struct run_hosts *h, int role,
                            struct remote_endpoint *ep, struct strbuf *err)
{
    const struct host *x = h->host[role];
    json_t *res;
    int rc;

    ep->peer = h->peer[role];
    if ((rc = place(r, role, ep, err)))
        return rc;
    if ((rc = peer_measure_clock(ep->peer, CLOCK_SAMPLES, &ep->clock, err)))
        return rc;
    json_t *params = json_pack("{s:s, s:s}", "interface", x->interface,
                               "address", x->address);
    if (x->ns)
        json_object_set_new(params, "namespace", json_string(x->ns));
    if ((rc = peer_call(ep->peer, "prepare", params, &res, err)))
        return rc;
    /* The agent's answer: a MAC in our notation, or the trial's frames
     * would be addressed to garbage. */
    const char *mac = json_string_value(json_object_get(res, "mac"));
    uint8_t bytes[6];
    if (!mac || wire_mac_parse(mac, bytes)) {
        strbuf_addf(err, "%s: prepare: 'mac' is not a MAC address "
                    "(xx:xx:xx:xx:xx:xx)", x->name);
        json_decref(res);
        return -EPROTO;
    }
    wire_mac_text(bytes, ep->mac);
    json_decref(res);
    snprintf(ep->ip, sizeof ep->ip, "%s", x->address);
    *strchrnul(ep->ip, '/') = '\0';
    LOG_INFO("%s: %s %s (%s), %s on CPUs %s, clock offset %+.1f us +- "
             "%.1f us (round trip %.1f us%s)", x->name, x->interface,
             x->address, ep->mac, role == ROLE_SOURCE ? "injector"
                                                      : "receiver", ep->cpus,
             (double)ep->clock.offset_ns / 1e3,
             (double)ep->clock.uncertainty_ns / 1e3,
             (double)ep->clock.rtt_ns / 1e3, peer_same_clock(ep->peer)
             ? "; this machine's kernel: its clock is ours" : "");
    (void)r;
    return 0;
}

/* One-way latency compares the source's clock with the destination's:
 * it is only as good as both offsets. */
static void judge_clocks(struct run *r, struct run_hosts *h)
{
    long long bound_us = settings_int(r->cfg->settings,
                                      SETTING_CLOCK_OFFSET_MAX_US);
    double u_us = (double)(h->pair.src.clock.uncertainty_ns
                           + h->pair.dst.clock.uncertainty_ns) / 1e3;

    /* 0 is "never one-way": how to ask for round trips on one kernel. */
    h->one_way = bound_us > 0 && u_us <= (double)bound_us;
    h->pair.rtt_hz = h->one_way ? 0 : REMOTE_RTT_HZ;
    if (h->one_way)
        LOG_INFO("latency: one-way, the clocks agree within %.1f us "
                 "(CLOCK_OFFSET_MAX_US %lld)", u_us, bound_us);
    else
        LOG_WARN("latency: RTT-derived, not one-way: the clock offset of "
                 "%s and %s is known to %.1f us only (CLOCK_OFFSET_MAX_US "
                 "%lld); %s times ICMP round trips through the datapath "
                 "during each trial, and half of them is the latency",
                 h->host[ROLE_SOURCE]->name, h->host[ROLE_DEST]->name, u_us,
                 bound_us, h->host[ROLE_SOURCE]->name);
    json_object_set_new(r->metadata, "latency_clock", json_pack(
        "{s:s, s:f, s:I}", "mode", h->one_way ? "one-way" : "rtt-derived",
        "uncertainty_us", u_us, "bound_us", (json_int_t)bound_us));
}

int run_hosts_connect(struct run *r)
{
    const struct run_config *cfg = r->cfg;
    struct strbuf err = STRBUF_INIT;
    struct run_hosts *h = xcalloc(1, sizeof *h);
    struct topology_ctx *t = &r->tctx;
    int rc;

    r->hosts = h;
    h->host[ROLE_SOURCE] = hosts_find(cfg->hosts, cfg->source);
    h->host[ROLE_DEST] = hosts_find(cfg->hosts, cfg->dest);
    h->host[ROLE_SUT] = cfg->sut_host ? hosts_find(cfg->hosts, cfg->sut_host)
                                      : NULL;
    if ((rc = start_agents(r, h)))
        return rc;
    if ((rc = prepare_endpoint(r, h, ROLE_SOURCE, &h->pair.src, &err))
        || (rc = prepare_endpoint(r, h, ROLE_DEST, &h->pair.dst, &err)))
        return run_fail_with(r, rc == -EINVAL ? PT_EXIT_USAGE
                                : rc == -EREMOTEIO ? PT_EXIT_ENV
                                                   : PT_EXIT_RUN_FAILED, &err);
    /* An older agent is said now, not after the measurements. */
    if (!strcmp(settings_str(cfg->settings, SETTING_TCP_PHASE), "yes")
        && remote_tcp_check(&h->pair, &err))
        return run_fail_with(r, PT_EXIT_ENV, &err);
    strbuf_dispose(&err);
    judge_clocks(r, h);
    snprintf(t->source_host, sizeof t->source_host, "%s", h->pair.src.ip);
    snprintf(t->dest_host, sizeof t->dest_host, "%s", h->pair.dst.ip);
    snprintf(t->source_net, sizeof t->source_net, "%s",
             h->host[ROLE_SOURCE]->address);
    snprintf(t->dest_net, sizeof t->dest_net, "%s",
             h->host[ROLE_DEST]->address);
    snprintf(t->source_if, sizeof t->source_if, "%s",
             h->host[ROLE_SOURCE]->interface);
    snprintf(t->dest_if, sizeof t->dest_if, "%s",
             h->host[ROLE_DEST]->interface);
    json_t *list = json_array();
    json_array_append_new(list, host_json(h, ROLE_SOURCE, &h->pair.src));
    json_array_append_new(list, host_json(h, ROLE_DEST, &h->pair.dst));
    if (h->host[ROLE_SUT])
        json_array_append_new(list, host_json(h, ROLE_SUT, NULL));
    json_object_set_new(r->metadata, "hosts", list);
    return run_write_metadata(r);
}

struct peer *run_hosts_source(struct run *r)
{
    return r->hosts ? r->hosts->pair.src.peer : NULL;
}

struct peer *run_hosts_dest(struct run *r)
{
    return r->hosts ? r->hosts->pair.dst.peer : NULL;
}

const struct traffic_ops *run_hosts_traffic(struct run *r, void **arg)
{
    *arg = r->hosts ? &r->hosts->pair : NULL;
    return r->hosts ? &remote_traffic_ops : NULL;
}

const struct tcp_ops *run_hosts_tcp(struct run *r, void **arg)
{
    *arg = r->hosts ? &r->hosts->pair : NULL;
    return r->hosts ? &remote_tcp_ops : &tcp_local_ops;
}

int run_hosts_collect_start(struct run *r)
{
    struct run_hosts *h = r->hosts;
    double interval = settings_double(r->cfg->settings,
                                      SETTING_SAMPLE_INTERVAL);

    if (!h)
        return 0;
    for (int i = 0; i < N_ROLES; i++) {
        struct strbuf err = STRBUF_INIT;
        json_t *res;
        if (!h->peer[i])
            continue;
        /* `system` on every host: CPU, memory, load of each end; and
         * netdev on the endpoints: their interface's counters. */
        if (peer_call(h->peer[i], "collect", json_pack(
                "{s:s, s:s, s:f}", "action", "start", "collectors",
                i == ROLE_SUT ? "system" : "system,netdev", "interval",
                interval), &res, &err)) {
            int code = run_fail(r, PT_EXIT_RUN_FAILED, "%s", err.buf);
            strbuf_dispose(&err);
            return code;
        }
        json_decref(res);
        h->collecting[i] = true;
        strbuf_dispose(&err);
    }
    return 0;
}

/* Writes the files of a collect stop into hosts/<name>/rrd/. */
static int save_files(struct run *r, const char *name, json_t *files,
                      struct strbuf *err)
{
    char *dir = xasprintf("%s/hosts/%s/rrd", r->dir, name);
    const char *file;
    json_t *v;
    int rc = mkdir_p(dir, 0755);

    json_object_foreach(files, file, v) {
        void *data;
        size_t len;
        if (rc)
            break;
        /* The name is the agent's: only a plain file name is taken. */
        if (strchr(file, '/') || file[0] == '.'
            || wire_base64_decode(json_string_value(v) ? json_string_value(v)
                                                       : "?", &data, &len)) {
            strbuf_addf(err, "%s: collect: a bad file '%s'", name, file);
            rc = -EPROTO;
            break;
        }
        char *path = xasprintf("%s/%s", dir, file);
        rc = write_file_atomic(path, data, len);
        if (rc)
            strbuf_addf(err, "cannot write '%s': %s", path, strerror(-rc));
        free(path);
        free(data);
    }
    free(dir);
    return rc;
}

int run_hosts_collect_stop(struct run *r)
{
    struct run_hosts *h = r->hosts;
    int code = 0;

    for (int i = 0; h && i < N_ROLES; i++) {
        struct strbuf err = STRBUF_INIT;
        json_t *res;
        if (!h->collecting[i])
            continue;
        h->collecting[i] = false;
        int rc = peer_call(h->peer[i], "collect", json_pack(
            "{s:s}", "action", "stop"), &res, &err);
        if (!rc) {
            rc = save_files(r, h->host[i]->name,
                            json_object_get(res, "files"), &err);
            json_decref(res);
        }
        if (rc && !code)
            code = run_fail(r, PT_EXIT_RUN_FAILED, "%s", err.buf);
        else if (rc)
            LOG_WARN("%s", err.buf);
        strbuf_dispose(&err);
    }
    return code;
}

/* An agent that died cannot clean up; a fresh session on its host does
 * it: an agent replays the ledgers of dead agents when it starts. */
static int clean_after(struct run *r, const struct host *x)
{
    struct strbuf err = STRBUF_INIT;
    char *log = xasprintf("%s/hosts/%s/agent-cleanup.log", r->dir, x->name);
    struct peer *p = peer_start(r->cfg->hosts, x, log, r->ledger, &err);
    int rc = p ? peer_hello(p, &err) : -ECHILD;

    if (rc)
        LOG_WARN("%s: cannot clean up after the agent that died: %s",
                 x->name, err.buf);
    else
        LOG_INFO("%s: cleaned up after the agent that died", x->name);
    if (p && peer_close(p, CLOSE_TIMEOUT_MS) && !rc)
        rc = -EIO;
    free(log);
    strbuf_dispose(&err);
    return rc;
}

/* The endpoints' clocks again at the end: how far they drifted from the
 * offset the run corrected by, into metadata.json's "hosts". */
static void clock_drift(struct run *r, struct run_hosts *h)
{
    const struct remote_endpoint *eps[] = { &h->pair.src, &h->pair.dst };
    json_t *list = json_object_get(r->metadata, "hosts");

    for (size_t i = 0; i < ARRAY_SIZE(eps); i++) {
        struct strbuf err = STRBUF_INIT;
        struct clock_offset end;
        json_t *host = json_array_get(list, i);
        if (!eps[i]->peer || !host || peer_same_clock(eps[i]->peer)
            || peer_measure_clock(eps[i]->peer, CLOCK_SAMPLES, &end, &err)) {
            strbuf_dispose(&err);
            continue;
        }
        LOG_INFO("%s: clock offset at the end %+.1f us +- %.1f us (drift "
                 "%+.1f us during the run)", peer_name(eps[i]->peer),
                 (double)end.offset_ns / 1e3,
                 (double)end.uncertainty_ns / 1e3,
                 (double)(end.offset_ns - eps[i]->clock.offset_ns) / 1e3);
        json_object_set_new(host, "clock_end", json_pack(
            "{s:I, s:I, s:I}", "offset_ns", (json_int_t)end.offset_ns,
            "rtt_ns", (json_int_t)end.rtt_ns, "uncertainty_ns",
            (json_int_t)end.uncertainty_ns));
        strbuf_dispose(&err);
    }
}

int run_hosts_close(struct run *r)
{
    struct run_hosts *h = r->hosts;
    int code = 0;

    if (!h)
        return 0;
    run_hosts_collect_stop(r);
    if (r->metadata)
        clock_drift(r, h);
    for (int i = 0; i < N_ROLES; i++) {
        struct strbuf err = STRBUF_INIT;
        json_t *res;
        int rc;
        if (!h->peer[i])
            continue;
        if (!h->greeted[i]) {
            /* Never reached: nothing there to clean up. */
            peer_close(h->peer[i], CLOSE_TIMEOUT_MS);
            h->peer[i] = NULL;
            continue;
        }
        rc = peer_call(h->peer[i], "cleanup", NULL, &res, &err);
        json_decref(res);
        bool gone = rc && rc != -EREMOTEIO;
        if (rc)
            LOG_WARN("%s", err.buf);
        int st = peer_close(h->peer[i], CLOSE_TIMEOUT_MS);
        h->peer[i] = NULL;
        if (gone)
            rc = clean_after(r, h->host[i]);
        else if (!rc && st)
            rc = -EIO;
        if (rc && !code)
            code = run_fail(r, PT_EXIT_RUN_FAILED, "the agent on %s could "
                            "not remove everything it made; 'perftests "
                            "cleanup' there retries", h->host[i]->name);
        strbuf_dispose(&err);
    }
    free(h);
    r->hosts = NULL;
    return code;
}
