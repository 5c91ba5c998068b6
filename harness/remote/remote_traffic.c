/* A trial through two agents: start_rx on the destination (its answer is
 * the readiness), start_tx on the source at an absolute time, results
 * from the source (asked again while it sends, so a stop gets through)
 * and then from the destination after its drain. */
#include "remote/remote_traffic.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/pace.h"
#include "lib/util.h"
#include "remote/wire.h"

LOG_MODULE("remote");

/* How long one results call waits on the source before it answers "not
 * done": the harness looks at its stop flag in between. */
#define RESULTS_WAIT_MS 200

struct remote_traffic {
    const struct remote_pair *pair;
    json_t *frame;                  /* start_tx's "frame" */
    char flows[64];
    long long buffer_kb;
};

int64_t remote_start_margin_ns(int64_t rtt_ns)
{
    /* Twice the round trip, and 2 ms for a scheduler's hiccup. */
    return 2 * rtt_ns + 2000000;
}

void remote_wait_init(struct remote_wait *w, long long expected_ms,
                      long long margin_ms, long long grace_ms)
{
    w->start_ms = monotonic_ms();
    w->deadline_ms = w->start_ms + expected_ms + margin_ms;
    w->grace_ms = grace_ms;
    w->stopping = false;
}

bool remote_wait_over(struct remote_wait *w, bool stop_sent,
                      const char *host, const char *what,
                      struct strbuf *err)
{
    long long now = monotonic_ms();

    /* Once: a stop repeated on every call must not move it. */
    if (stop_sent && !w->stopping) {
        w->stopping = true;
        if (now + w->grace_ms < w->deadline_ms)
            w->deadline_ms = now + w->grace_ms;
    }
    if (now < w->deadline_ms)
        return false;
    if (w->stopping)
        strbuf_addf(err, "%s: %s did not finish within %lld s of the stop",
                    host, what, (w->grace_ms + 999) / 1000);
    else
        strbuf_addf(err, "%s: %s did not finish within %lld s", host, what,
                    (w->deadline_ms - w->start_ms + 999) / 1000);
    return true;
}

/* A trial's expected length: 'count' frames at 'rate' a second, bounded
 * so that no arithmetic overflows (a week is no trial). */
static long long expected_ms(double rate, uint64_t count)
{
    double ms = rate > 0 ? (double)count / rate * 1000 : 0;

    return ms < 7 * 86400e3 ? (long long)ms : 7 * 86400000LL;
}

static int remote_open(struct traffic *t, void *arg,
                       const struct topology_ctx *ctx,
                       const struct settings *s, struct strbuf *err)
{
    const struct remote_pair *pair = arg;
    struct remote_traffic *rt = xcalloc(1, sizeof *rt);
    struct flow_pattern flows;
    struct frame_spec spec;
    int rc;

    (void)ctx;
    traffic_set_priv(t, rt);
    rt->pair = pair;
    if ((rc = traffic_frame_spec(s, &spec, &flows, err)))
        return rc;
    /* The agent builds the frame; a size it cannot hold is said here,
     * with the setting's name, before any trial. */
    struct frame probe;
    spec.src_ip = spec.dst_ip = 0;
    if ((rc = traffic_frame_init(&probe, &spec, err)))
        return rc;
    snprintf(rt->flows, sizeof rt->flows, "%s",
             settings_str(s, SETTING_FLOW_PATTERN));
    rt->buffer_kb = settings_int(s, SETTING_RECEIVER_BUFFER_KB);
    rt->frame = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:i}",
                          "size", (json_int_t)spec.size, "proto",
                          spec.proto == FRAME_UDP ? "udp" : "tcp",
                          "src_mac", pair->src.mac, "dst_mac", pair->dst.mac,
                          "src_ip", pair->src.ip, "dst_ip", pair->dst.ip,
                          "src_port", spec.src_port, "dst_port",
                          spec.dst_port);
    return 0;
}

static void remote_close(struct traffic *t)
{
    struct remote_traffic *rt = traffic_priv(t);

    if (!rt)
        return;
    json_decref(rt->frame);
    free(rt);
}

/* RTT-derived latency: half the source's round trips replace the
 * one-way figures (the receiver's, read on clocks too far apart). */
static void rtt_latency(const json_t *rtt, struct trial_result *res)
{
    static const struct { const char *key; size_t off; } lat[] = {
        { "lat_min", offsetof(struct trial_result, lat_min) },
        { "lat_p50", offsetof(struct trial_result, lat_p50) },
        { "lat_p90", offsetof(struct trial_result, lat_p90) },
        { "lat_p99", offsetof(struct trial_result, lat_p99) },
        { "lat_p999", offsetof(struct trial_result, lat_p999) },
        { "lat_max", offsetof(struct trial_result, lat_max) },
    };

    if (!rtt)
        return;
    if (!json_integer_value(json_object_get(rtt, "replies")))
        LOG_WARN("no ICMP echo reply came back in this trial: no latency "
                 "(does the destination answer pings, back through the "
                 "datapath?)");
    for (size_t i = 0; i < ARRAY_SIZE(lat); i++)
        *(double *)((char *)res + lat[i].off) = json_number_value(
            json_object_get(rtt, lat[i].key));
}

/* The sender's results, asked until it is done; a stop on the way.  The
 * receiver is asked the time meanwhile: an agent that died there fails
 * the trial now, not at its end. */
static int wait_sender(const struct remote_endpoint *src,
                       const struct remote_endpoint *dst,
                       volatile sig_atomic_t *stop, struct remote_wait *w,
                       struct trial_result *res, bool *stalled, json_t **rtt,
                       struct strbuf *err)
{
    bool stopped = false;

    for (;;) {
        json_t *r;
        int rc;
        if ((rc = peer_call(dst->peer, "clock", NULL, &r, err)))
            return rc;
        json_decref(r);
        if (stop && *stop && !stopped) {
            if ((rc = peer_call(src->peer, "stop", NULL, &r, err)))
                return rc;
            json_decref(r);
            stopped = true;
        }
        rc = peer_call(src->peer, "results", json_pack(
            "{s:i}", "wait_ms", RESULTS_WAIT_MS), &r, err);
        if (rc)
            return rc;
        if (json_is_true(json_object_get(r, "done"))) {
            *stalled = json_is_true(json_object_get(r, "stalled"));
            rc = wire_trial_from_json(json_object_get(r, "trial"), WIRE_TX,
                                      res, err);
            *rtt = json_incref(json_object_get(r, "rtt"));
            json_decref(r);
            return rc;
        }
        json_decref(r);
        if (remote_wait_over(w, stopped, peer_name(src->peer), "the sender",
                             err)) {
            /* Told to stop, so that the next start_tx does not find this
             * trial still being sent; its answer changes nothing. */
            struct strbuf ignored = STRBUF_INIT;
            if (!stopped && !peer_call(src->peer, "stop", NULL, &r, &ignored))
                json_decref(r);
            strbuf_dispose(&ignored);
            return -ETIMEDOUT;
        }
    }
}

static int remote_run(struct traffic *t, uint32_t tag, double rate,
                      uint64_t count, volatile sig_atomic_t *stop,
                      struct trial_result *res, bool *stalled,
                      struct strbuf *err)
{
    struct remote_traffic *rt = traffic_priv(t);
    const struct remote_endpoint *src = &rt->pair->src, *dst = &rt->pair->dst;
    /* A send time on the source's clock, read on the destination's. */
    int64_t shift = dst->clock.offset_ns - src->clock.offset_ns;
    json_t *r, *rtt = NULL;
    int rc, rc_rx;

    rc = peer_call(dst->peer, "start_rx", json_pack(
        "{s:I, s:I, s:s, s:s, s:I, s:I, s:s}", "tag", (json_int_t)tag,
        "count", (json_int_t)count, "src", src->ip, "dst", dst->ip,
        "buffer_kb", (json_int_t)rt->buffer_kb, "clock_shift_ns",
        (json_int_t)shift, "cpus", dst->cpus[0] ? dst->cpus : "none"),
        &r, err);
    if (rc)
        return rc;
    json_decref(r);
    /* The receiver is ready (it answered); the frames leave at a time
     * both sides know, on the source's clock. */
    int64_t start = (int64_t)pace_now_ns()
                    + remote_start_margin_ns(src->clock.rtt_ns)
                    + src->clock.offset_ns;
    rc = peer_call(src->peer, "start_tx", json_pack(
        "{s:I, s:f, s:I, s:I, s:O, s:s, s:f, s:s}", "tag", (json_int_t)tag,
        "rate", rate, "count", (json_int_t)count, "start_ns",
        (json_int_t)start, "frame", rt->frame, "flows", rt->flows, "rtt_hz",
        rt->pair->rtt_hz, "cpus", src->cpus[0] ? src->cpus : "none"),
        &r, err);
    if (!rc) {
        json_decref(r);
        struct remote_wait w;
        remote_wait_init(&w, REMOTE_SLOW_SENDER * expected_ms(rate, count)
                         + remote_start_margin_ns(src->clock.rtt_ns)
                         / 1000000, REMOTE_FINISH_MARGIN_MS,
                         REMOTE_STOP_GRACE_MS);
        rc = wait_sender(src, dst, stop, &w, res, stalled, &rtt, err);
    }
    /* The receiver's half ends the trial there whatever happened here,
     * so the next start_rx finds it idle. */
    struct strbuf rx_err = STRBUF_INIT;
    rc_rx = peer_call(dst->peer, "results", NULL, &r, rc ? &rx_err : err);
    if (!rc_rx) {
        if (!rc)
            rc = wire_trial_from_json(json_object_get(r, "trial"), WIRE_RX,
                                      res, err);
        json_decref(r);
    } else if (!rc) {
        rc = rc_rx;
    }
    strbuf_dispose(&rx_err);
    /* Last: they replace the receiver's figures. */
    if (!rc)
        rtt_latency(rtt, res);
    json_decref(rtt);
    return rc;
}

const struct traffic_ops remote_traffic_ops = {
    .name = "agents",
    .open = remote_open,
    .close = remote_close,
    .run = remote_run,
};
