/* The phases that start the SUT, build the scenario and measure (run.c
 * runs them in order; run_priv.h has the state they share). */
#include "run/run_priv.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cpus.h"
#include "lib/ledger.h"
#include "lib/links.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/strbuf.h"
#include "lib/util.h"
#include "run/calibration.h"
#include "run/probe.h"
#include "run/run_collectors.h"
#include "run/scenario.h"
#include "run/sut_setup.h"
#include "sut/snapshot.h"
#include "sut/sut.h"
#include "traffic/tcp.h"

LOG_MODULE("run");

/* A SUT the harness starts gets a namespace of its own for the datapath
 * and the bindings, so nothing of the run lands in the root namespace; an
 * OVS or process that already runs is reached where it is. */
static int create_dp_namespace(struct run *r)
{
    struct topology_ctx *t = &r->tctx;
    int rc;

    snprintf(t->dp_ns, sizeof t->dp_ns, "pt-dp-%s", r->short_id);
    rc = ledger_record(r->ledger, "netns", t->dp_ns, NULL);
    if (!rc)
        rc = netns_add(t->dp_ns);
    if (!rc)
        rc = netns_link_set_up(t->dp_ns, "lo", true);
    if (rc)
        return run_fail(r, PT_EXIT_ENV, "cannot create namespace '%s': %s",
                        t->dp_ns, strerror(-rc));
    LOG_DBG("created namespace '%s'", t->dp_ns);
    return 0;
}

/* The build's packages, before the SUT starts (sut_setup.h). */
int run_install_sut(struct run *r)
{
    struct strbuf err = STRBUF_INIT;
    int rc = sut_setup_install(r->cfg->settings, r->dir, r->metadata, &err);

    if (rc)
        return run_fail_with(r, rc, &err);
    strbuf_dispose(&err);
    return run_write_metadata(r);
}

int run_start_sut(struct run *r)
{
    const struct settings *s = r->cfg->settings;
    struct strbuf err = STRBUF_INIT;
    /* Shell topologies may call ovs-vsctl: they get an OVS too. */
    bool want_ovs = r->topo->needs_ovs || r->script;
    char *dir;
    int rc = want_ovs ? sut_setup_check_datapath(s, &err) : 0;

    if (rc)
        return run_fail_with(r, rc, &err);
    /* Endpoints on other hosts: nothing of the datapath is here. */
    if (!r->cfg->sut && !r->topo->on_hosts && (rc = create_dp_namespace(r)))
        return rc;
    dir = xasprintf("%s/sut", r->dir);
    r->sut = sut_start(r->cfg->sut, want_ovs, dir, r->tctx.dp_ns, r->ledger,
                       &err);
    free(dir);
    if (!r->sut) {
        int code = run_fail(r, PT_EXIT_ENV, "the system under test did not "
                            "start: %s", err.buf);
        strbuf_dispose(&err);
        return code;
    }
    json_object_set_new(r->metadata, "sut", sut_to_json(r->sut));
    LOG_INFO("system under test: %s", sut_describe(r->sut));
    /* Before the topology: thread counts and timeouts are the datapath's
     * from its first bridge on. */
    rc = sut_setup_configure(s, r->sut, r->metadata, &err);
    if (!rc)
        rc = sut_setup_place(s, r->sut, &r->placement, r->metadata, &err);
    if (rc)
        return run_fail_with(r, rc, &err);
    strbuf_dispose(&err);
    return run_write_metadata(r);
}

int run_create_scenario(struct run *r)
{
    struct strbuf err = STRBUF_INIT;
    struct topology_ctx *t = &r->tctx;
    int rc;

    t->run_id = r->id;
    t->short_id = r->short_id;
    t->ledger = r->ledger;
    t->ovs_rundir = sut_ovs_rundir(r->sut);
    t->ovs_db_socket = sut_ovs_db_socket(r->sut);
    t->script = r->script;
    t->tool_path = sut_tool_path(r->sut);
    t->ovs_datapath = settings_str(r->cfg->settings, SETTING_OVS_DATAPATH);
    r->topology_log = xasprintf("%s/topology.log", r->dir);
    t->log_path = r->topology_log;
    if (r->topo->needs_ovs && !t->ovs_rundir)
        return run_fail(r, PT_EXIT_USAGE, "topology '%s' needs an Open "
                        "vSwitch SUT, and --sut %s is not one",
                        r->topo->name, r->cfg->sut);
    if (r->topo->on_hosts) {
        rc = run_hosts_connect(r);
        if (!rc)
            LOG_INFO("topology %s: %s (%s on %s) -> %s (%s on %s)",
                     r->topo->name, t->source_host, t->source_if,
                     r->cfg->source, t->dest_host, t->dest_if, r->cfg->dest);
        return rc;
    }
    r->scenario_up = true;
    rc = scenario_create(r->topo, t, &err);
    if (rc)
        rc = run_fail(r, PT_EXIT_RUN_FAILED, "topology '%s': %s",
                      r->topo->name, err.buf);
    else
        LOG_INFO("topology %s: %s (%s) -> %s (%s)", r->topo->name,
                 t->source_host, t->source_ns, t->dest_host, t->dest_ns);
    strbuf_dispose(&err);
    return rc;
}

/* The original pinged the destination from the source namespace before
 * any measurement; a topology that does not pass packets fails here, with
 * a clear phase name, rather than as 100 % loss later. */
static int open_measure(struct run *r, struct strbuf *err);

/* On hosts, the probes are a trial of ten frames through the agents. */
static int probe_hosts(struct run *r, int *received, struct strbuf *err)
{
    struct trial_result res;
    int rc = open_measure(r, err);

    if (!rc)
        rc = traffic_trial(r->measure.traffic, 100, 10, &pt_stop_traffic,
                           &res, err);
    *received = rc ? 0 : (int)res.received;
    return rc;
}

int run_connectivity_check(struct run *r)
{
    struct strbuf err = STRBUF_INIT;
    int received = 0, rc;

    rc = r->hosts ? probe_hosts(r, &received, &err)
                  : probe_udp(&r->tctx, 10, 2000, &received, &err);
    if (rc)
        rc = run_fail(r, PT_EXIT_RUN_FAILED, "connectivity check: %s",
                      err.buf);
    else if (!received)
        rc = run_fail(r, PT_EXIT_RUN_FAILED, "no connectivity: none of 10 "
                      "probes from %s reached %s", r->tctx.source_host,
                      r->tctx.dest_host);
    else
        LOG_INFO("connectivity: %d of 10 probes reached %s", received,
                 r->tctx.dest_host);
    strbuf_dispose(&err);
    return rc;
}

/* measure's trial hook: the collectors label their samples with it. */
static void mark_trial(void *collect, const char *phase, int step, double rate)
{
    collect_mark(collect, phase, step, rate);
}

int run_start_collectors(struct run *r)
{
    struct strbuf err = STRBUF_INIT;
    int rc = 0;

    /* On hosts, the endpoints' interfaces are not here: the agents'
     * collectors watch those hosts. */
    r->collect = collect_start(r->cfg->settings, r->sut,
                               r->hosts ? NULL : &r->tctx, r->dir,
                               r->ledger, &pt_stop_traffic, &err);
    if (!r->collect && err.len)
        rc = run_fail(r, PT_EXIT_RUN_FAILED, "%s", err.buf);
    /* The engine may be open already (the connectivity check on hosts). */
    r->measure.mark_arg = r->collect;
    strbuf_dispose(&err);
    return rc ? rc : run_hosts_collect_start(r);
}

/* Stopping says if the SUT went away; a run whose SUT died fails. */
int run_stop_collectors(struct run *r)
{
    struct strbuf why = STRBUF_INIT;
    int rc = run_hosts_collect_stop(r);

    if (!rc && collect_stop(r->collect, &why) == -ESRCH)
        rc = run_fail(r, PT_EXIT_RUN_FAILED, "the system under test exited "
                      "during the run: %s", why.buf);
    else if (!rc && r->sut && sut_check(r->sut, &why))
        rc = run_fail(r, PT_EXIT_RUN_FAILED, "the system under test failed "
                      "during the run: %s", why.buf);
    strbuf_dispose(&why);
    return rc;
}

/* perftests calibrate: the NDR of this run (on `direct`) becomes the
 * host's ceiling.  0, or a run failure when there is nothing to keep. */
static int save_ceiling(struct run *r)
{
    struct strbuf err = STRBUF_INIT;
    int rc = calibration_keep(r->cfg->results_dir, r->id, &r->measure, &err);

    if (rc)
        rc = run_fail(r, rc == -ENODATA ? PT_EXIT_RUN_FAILED : PT_EXIT_ENV,
                      "calibration: %s", err.buf);
    strbuf_dispose(&err);
    return rc;
}

/* Where a veth's receive processing runs.  A veth hands what one end
 * sends to the other's receive softirq on the *sending* CPU, so without
 * RPS each side of the datapath did the other's receiving:
 * - RECEIVER_RPS: frames the datapath sends to the destination were
 *   handed to the harness's capture on the SUT's CPU.  Measured on this
 *   host (perf sched), that was what preempted OVS's polling thread most.
 * - SUT_RPS: frames the injector sends were handed to the datapath's
 *   sockets on the injector's CPU, so the SUT received for free, as no
 *   NIC driver gives it, and the harness's CPU ran out first: every
 *   basic_topology figure here was "limited by the generator".
 * Steered, each side's CPUs pay for their own receiving, and metadata's
 * cpu_placement says where.  Endpoints on other hosts are not the run's
 * interfaces to change. */
static void steer_rps(struct run *r, enum setting_id key, const char *ns,
                      const char *ifname, const struct placement_part *part,
                      const char *whose, const char *meta_key)
{
    json_t *pl = json_object_get(r->metadata, "cpu_placement");
    const char *name = setting_defs[key].key;
    struct strbuf cpus = STRBUF_INIT;
    int e;

    if (!part->pinned || r->topo->on_hosts
        || strcmp(settings_str(r->cfg->settings, key), "yes"))
        return;
    e = netns_link_set_rps(ns, ifname, &part->set);
    if (e) {
        LOG_WARN("%s: cannot steer %s's receive processing to the %s's "
                 "CPUs: %s", name, ifname, whose, strerror(-e));
        return;
    }
    cpus_format(&part->set, &cpus);
    LOG_INFO("%s: %s's receive processing on CPU %s (the %s's)", name,
             ifname, cpus.buf, whose);
    if (pl)
        json_object_set_new(pl, meta_key, json_string(cpus.buf));
    strbuf_dispose(&cpus);
}

static void steer_receive(struct run *r)
{
    steer_rps(r, SETTING_RECEIVER_RPS, r->tctx.dest_ns, r->tctx.dest_if,
              &r->placement.receiver, "receiver", "receiver_rps");
    /* direct has no datapath: its source binding is the harness's. */
    if (!r->topo->no_datapath)
        steer_rps(r, SETTING_SUT_RPS, r->tctx.dp_ns, r->tctx.source_binding,
                  &r->placement.sut, "SUT", "sut_rps");
}

static int first_cpu(const cpu_set_t *set)
{
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, set))
            return c;
    return -1;
}

/* CROSS_CPU_PROBE: every frame crosses from the injector's CPU to the
 * SUT's, and on this project's 2-core VM the host moving those two
 * apart cost a sixth of OVS's forwarding rate (lib/xcpu.h), so each trial
 * says how far apart they were.  Only where each side is pinned to one
 * CPU, and to different ones: with several, no one pair of CPUs carries
 * the frames, and a figure for one pair would mislead. */
static void plan_cross_cpu(struct run *r)
{
    const struct placement *p = &r->placement;
    int a = first_cpu(&p->injector.set), b = first_cpu(&p->sut.set);

    if (strcmp(settings_str(r->cfg->settings, SETTING_CROSS_CPU_PROBE),
               "yes") || r->topo->on_hosts || r->topo->no_datapath
        || !p->injector.pinned || !p->sut.pinned)
        return;
    if (CPU_COUNT(&p->injector.set) != 1 || CPU_COUNT(&p->sut.set) != 1
        || a == b) {
        LOG_INFO("CROSS_CPU_PROBE: not measured: it needs INJECTOR_CPUS and "
                 "SUT_CPUS each one CPU, and not the same one");
        return;
    }
    r->measure.xcpu_a = a;
    r->measure.xcpu_b = b;
    LOG_INFO("CROSS_CPU_PROBE: a cache line's round trip between CPU %d "
             "(the injector's) and CPU %d (the SUT's) before each trial, in "
             "trials.csv's cross_cpu_ns", a, b);
}

/* SUT_RCVBUF_KB: a userspace datapath on packet sockets (OVS's netdev
 * ports) queues received frames in each socket's buffer, and the host's
 * default (net.core.rmem_default, host-wide, not the run's to change)
 * holds a few hundred frames: 2 ms at 150 kpps.  Issue 14 found every
 * lost frame there, overflowed while the host had the SUT's CPU away, so
 * zero-loss figures followed the host's stalls, not the datapath.  Sized
 * like a NIC's ring, on the sockets of a SUT this run started only. */
static void size_sut_rcvbuf(struct run *r)
{
    long kb = settings_int(r->cfg->settings, SETTING_SUT_RCVBUF_KB);
    const pid_t *pids;
    int got = 0, n = 0;
    json_t *j;

    if (r->topo->on_hosts)
        return;
    /* A SUT of no process (the kernel's bridge, direct) has no sockets. */
    if (kb > 0 && sut_pids(r->sut, &pids) > 0) {
        n = sut_size_rcvbuf(r->sut, (int)(kb * 1024), &got);
        if (n == -EPERM)
            LOG_INFO("SUT_RCVBUF_KB: the SUT was attached to, not started "
                     "by this run: its sockets are left as its owner has "
                     "them");
        else if (n < 0)
            LOG_WARN("SUT_RCVBUF_KB: cannot size the SUT's packet sockets: "
                     "%s", strerror(-n));
    }
    if (n > 0) {
        LOG_INFO("SUT_RCVBUF_KB: %d packet socket%s of the SUT with a "
                 "%d KiB receive buffer", n, n == 1 ? "" : "s", got / 1024);
        j = json_pack("{s:s, s:i, s:i}", "source", "SUT_RCVBUF_KB",
                      "bytes", got, "sockets", n);
    } else {
        struct strbuf sb = STRBUF_INIT;
        /* Left as the host has it: say what that is, as figures from a
         * host with another default are not comparable. */
        if (strbuf_read_file(&sb, "/proc/sys/net/core/rmem_default") == 0)
            got = atoi(sb.buf);
        strbuf_dispose(&sb);
        j = json_pack("{s:s, s:i, s:i}", "source", "net.core.rmem_default",
                      "bytes", got, "sockets", 0);
    }
    json_object_set_new(r->metadata, "sut_rcvbuf", j);
}

/* JITTER_PROBE: before any frame, how often the host takes the SUT's
 * CPUs away (lib/cpus.h says why that bounds zero-loss figures).  The
 * SUT is idle then, so what is measured is the host, not the SUT. */
static void probe_jitter(struct run *r)
{
    double secs = settings_double(r->cfg->settings, SETTING_JITTER_PROBE);
    struct jitter_cpu cpus[JITTER_MAX_CPUS];
    struct strbuf where = STRBUF_INIT;
    cpu_set_t set;
    size_t n = 0;
    json_t *j;
    int e;

    if (secs <= 0 || r->topo->on_hosts)
        return;
    if (r->placement.sut.pinned)
        set = r->placement.sut.set;
    else if (sched_getaffinity(0, sizeof set, &set))
        return;
    e = jitter_probe(&set, secs, cpus, &n);
    if (e || !n) {
        LOG_WARN("JITTER_PROBE: cannot measure the host's stalls: %s",
                 strerror(e ? -e : EINVAL));
        return;
    }
    j = jitter_json(cpus, n, secs);
    cpus_format(&set, &where);
    LOG_INFO("host stalls on CPU %s (%s, %.1f s): %.0f a second over 1 ms, "
             "the longest %.2f ms; a datapath away that long loses frames "
             "its receive buffer cannot hold", where.buf,
             r->placement.sut.pinned ? "the SUT's" : "all the run may use",
             secs, json_real_value(json_object_get(j, "over_1ms_per_s")),
             json_real_value(json_object_get(j, "longest_ms")));
    strbuf_dispose(&where);
    json_object_set_new(r->metadata, "host_jitter", j);
}

/* The traffic engine opens once, on the first measuring phase (or the
 * connectivity check through agents). */
static int open_measure(struct run *r, struct strbuf *err)
{
    uint32_t tag;
    void *arg;
    const struct traffic_ops *ops = run_hosts_traffic(r, &arg);
    int rc;

    if (r->measuring)
        return 0;
    probe_jitter(r);
    random_bytes(&tag, sizeof tag);
    rc = measure_open(&r->measure, r->dir, r->cfg->settings, &r->tctx, ops,
                      arg, tag & 0xfffff, err);
    r->measure.mark = mark_trial;
    r->measure.mark_arg = r->collect;
    r->measure.check = sut_check;
    r->measure.check_arg = r->sut;
    r->measuring = true;
    r->measure.harness_only = r->topo && r->topo->no_datapath;
    calibration_apply(r->cfg->results_dir, &r->measure);
    int pin = rc ? 0 : traffic_set_cpus(
        r->measure.traffic,
        r->placement.injector.pinned ? &r->placement.injector.set : NULL,
        r->placement.receiver.pinned ? &r->placement.receiver.set : NULL);
    if (pin)
        LOG_WARN("INJECTOR_CPUS: cannot pin the injector: %s",
                 strerror(-pin));
    if (!rc) {
        steer_receive(r);
        size_sut_rcvbuf(r);
        plan_cross_cpu(r);
    }
    return rc;
}

static int measure_phase(struct run *r,
                         int (*fn)(struct measure *, struct strbuf *))
{
    struct strbuf err = STRBUF_INIT;
    int rc = open_measure(r, &err);

    if (!rc)
        rc = fn(&r->measure, &err);
    /* The SUT is gone: the collectors' reason first (they saw it as it
     * happened), else the run's own check's, in 'err'. */
    if (rc == -ESRCH) {
        int code = run_stop_collectors(r);
        if (code) {
            strbuf_dispose(&err);
            return code;
        }
    }
    if (rc)
        rc = run_fail(r, PT_EXIT_RUN_FAILED, "%s", err.buf);
    strbuf_dispose(&err);
    return rc;
}

int run_warm_up(struct run *r)
{
    return measure_phase(r, measure_warm_up);
}

int run_test_throughput(struct run *r)
{
    int rc = measure_phase(r, measure_throughput);

    if (!rc && r->cfg->calibrate)
        rc = save_ceiling(r);
    return rc;
}

int run_long_running_tests(struct run *r)
{
    return measure_phase(r, measure_long_run);
}

/* What a TCP test measured goes where the run's figures go: metadata.json's
 * "tcp" (the report's result.tcp) and a row of trials.csv. */
static int keep_tcp_result(struct run *r, const struct tcp_result *res,
                           double start, double end)
{
    json_t *fig = tcp_result_json(res);
    int rc, werr;

    json_object_set_new(fig, "json", json_string("tcp/iperf3.json"));
    /* As the UDP figures of such a topology: iperf3 between two
     * namespaces joined by a veth pair measures this host's kernel, not a
     * datapath. */
    if (r->topo && r->topo->no_datapath) {
        json_object_set_new(fig, "limit", json_string(
            "no datapath in this topology: the host's own ceiling"));
        LOG_WARN("tcp_throughput: no datapath in topology '%s': the "
                 "figure is the host's own ceiling", r->topo->name);
    }
    json_object_set_new(r->metadata, "tcp", fig);
    rc = run_write_metadata(r);
    werr = r->measuring ? measure_tcp_row(&r->measure, "tcp_throughput", 1, 1,
                                          res, start, end) : 0;
    if (werr && !rc)
        rc = run_fail(r, PT_EXIT_RUN_FAILED, "cannot write trials.csv: %s",
                      strerror(-werr));
    return rc;
}

/* The TCP phase (TCP_PHASE=yes): iperf3's server on the destination
 * endpoint, its client on the source, TCP_STREAMS streams for
 * TCP_DURATION s through the datapath; in this host's namespaces or
 * through the agents (run_hosts_tcp()).  iperf3's JSON stays in
 * tcp/iperf3.json, its messages in tcp/iperf3-{server,client}.log. */
int run_tcp_throughput(struct run *r)
{
    const struct settings *s = r->cfg->settings;
    const struct topology_ctx *t = &r->tctx;
    struct strbuf err = STRBUF_INIT, json = STRBUF_INIT;
    char *dir = xasprintf("%s/tcp", r->dir);
    char *path = xasprintf("%s/iperf3.json", dir);
    struct tcp_test test = {
        .src_ns = t->source_ns, .dst_ns = t->dest_ns,
        .src_ip = t->source_host, .dst_ip = t->dest_host,
        .streams = (int)settings_int(s, SETTING_TCP_STREAMS),
        .duration_s = (int)settings_int(s, SETTING_TCP_DURATION),
        .server_log = xasprintf("%s/iperf3-server.log", dir),
        .client_log = xasprintf("%s/iperf3-client.log", dir),
        .ledger = r->ledger, .stop = &pt_stop_traffic,
    };
    void *arg;
    const struct tcp_ops *ops = run_hosts_tcp(r, &arg);
    struct tcp_result res;
    double start, end;
    int rc = 0;

    if (strcmp(settings_str(s, SETTING_TCP_PHASE), "yes")) {
        LOG_DBG("tcp_throughput: off (TCP_PHASE=no)");
        goto out;
    }
    if ((rc = mkdir_p(dir, 0755))) {
        rc = run_fail(r, PT_EXIT_ENV, "tcp_throughput: cannot create '%s': "
                      "%s", dir, strerror(-rc));
        goto out;
    }
    LOG_INFO("tcp_throughput: %d stream%s for %d s from %s to iperf3 on %s "
             "(%s)", test.streams, test.streams == 1 ? "" : "s",
             test.duration_s, t->source_host, t->dest_host, ops->name);
    collect_mark(r->collect, "tcp_throughput", 1, 0);
    start = measure_wall_time();
    rc = ops->run(arg, &test, &json, &res, &err);
    end = measure_wall_time();
    collect_mark(r->collect, "tcp_throughput", 0, 0);
    /* Kept even when the test failed: iperf3 says why in it. */
    if (json.len && write_file_atomic(path, json.buf, json.len))
        LOG_WARN("tcp_throughput: cannot write '%s'", path);
    if (rc) {
        /* An agent without the TCP methods is its host's older
         * perftests: the environment's. */
        rc = run_fail(r, rc == -EOPNOTSUPP ? PT_EXIT_ENV : PT_EXIT_RUN_FAILED,
                      "tcp_throughput: from %s to %s:%d: %s%s",
                      *t->source_ns ? t->source_ns : t->source_host,
                      t->dest_host, test.port, err.buf,
                      json.len ? " (tcp/iperf3.json)" : "");
        goto out;
    }
    rc = keep_tcp_result(r, &res, start, end);
    strbuf_reset(&err);
    if (res.retransmits >= 0)
        strbuf_addf(&err, "%lld", res.retransmits);
    LOG_INFO("tcp_throughput: %.3f Gbit/s, %s retransmits, sender CPU "
             "%.1f %% (%s)", res.bits_per_second / 1e9,
             err.len ? err.buf : "unknown", res.sender_cpu_pct, res.version);
out:
    strbuf_dispose(&json);
    strbuf_dispose(&err);
    free((char *)test.server_log);
    free((char *)test.client_log);
    free(dir);
    free(path);
    return rc;
}

/* What the SUT looks like once the measurements are done (snapshot.h).
 * Never fails the run: the measurements are taken, and a snapshot that
 * could not be is a warning.  After a failure it takes what exists. */
int run_snapshot_phase(struct run *r)
{
    struct strbuf err = STRBUF_INIT;
    int rc;

    if (!r->sut || !r->dir)
        return 0;
    /* After a failure the collectors still run: the snapshot is of the
     * SUT at rest, with nobody else asking it meanwhile. */
    collect_stop(r->collect, NULL);
    /* A stopped SUT would only make every question wait for its timeout. */
    if (sut_check(r->sut, &err) == -ETIMEDOUT) {
        LOG_WARN("snapshot skipped: %s", err.buf);
        strbuf_dispose(&err);
        return 0;
    }
    strbuf_reset(&err);
    rc = snapshot_sut(r->sut, r->dir, &err);
    if (rc == -ESRCH)
        LOG_WARN("snapshot skipped: %s", err.buf);
    else if (rc)
        LOG_WARN("snapshot incomplete: %s", err.buf);
    strbuf_reset(&err);

    if (rc != -ESRCH && snapshot_jvm(r->sut, settings_str(r->cfg->settings,
                                                         SETTING_HEAPDUMP),
                                     r->dir, r->ledger, &err))
        LOG_WARN("no heap dump: %s", err.buf);
    strbuf_dispose(&err);
    return 0;
}

