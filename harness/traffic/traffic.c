#include "traffic/traffic.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traffic/flow.h"
#include "traffic/frame.h"
#include "traffic/injector.h"
#include "lib/links.h"
#include "traffic/receiver.h"

/* After the last frame, wait this long without one before counting it
 * lost, and never longer than this in all. */
#define DRAIN_QUIET_MS 200
#define DRAIN_MAX_MS 3000

struct traffic {
    char source_ns[32], source_if[16];  /* where source drops are read */
    struct injector *inj;
    struct receiver *rcv;
    struct frame frame;
    struct flow_pattern flows;
    uint32_t run_tag;
    uint32_t n_trials;
    struct inject_stats tx;     /* big (histograms): kept off the stack */
    struct recv_stats rx;
};

static int parse_proto(const char *text, enum frame_proto *proto)
{
    if (!strcmp(text, "udp"))
        *proto = FRAME_UDP;
    else if (!strcmp(text, "tcp"))
        *proto = FRAME_TCP_SYN;
    else
        return -EINVAL;
    return 0;
}

struct traffic *traffic_open(const struct topology_ctx *ctx,
                             const struct settings *s, uint32_t run_tag,
                             struct strbuf *err)
{
    struct frame_spec spec = {
        .size = (size_t)settings_int(s, SETTING_FRAME_SIZE),
        .src_port = FLOW_SRC_PORT,
        .dst_port = FLOW_DST_PORT,
    };
    struct traffic *t = xcalloc(1, sizeof *t);
    int rc;

    snprintf(t->source_ns, sizeof t->source_ns, "%s", ctx->source_ns);
    snprintf(t->source_if, sizeof t->source_if, "%s", ctx->source_if);
    t->run_tag = run_tag;
    if (flow_parse(settings_str(s, SETTING_FLOW_PATTERN), &t->flows, err)
        || parse_proto(settings_str(s, SETTING_PROTOCOL), &spec.proto))
        goto fail;
    /* Unicast to the destination's own MAC: a broadcast would flood and
     * measure something else. */
    if ((rc = netns_link_get_mac(ctx->source_ns, ctx->source_if,
                                 spec.src_mac))
        || (rc = netns_link_get_mac(ctx->dest_ns, ctx->dest_if,
                                    spec.dst_mac))) {
        strbuf_addf(err, "cannot read the MAC addresses: %s", strerror(-rc));
        goto fail;
    }
    inet_pton(AF_INET, ctx->source_host, &spec.src_ip);
    inet_pton(AF_INET, ctx->dest_host, &spec.dst_ip);
    spec.run = traffic_trial_tag(run_tag, 0);
    if (frame_init(&t->frame, &spec)) {
        strbuf_addf(err, "FRAME_SIZE %zu cannot hold a %s frame (at least "
                    "%d bytes)", spec.size, settings_str(s, SETTING_PROTOCOL),
                    spec.proto == FRAME_UDP ? FRAME_MIN_UDP : FRAME_MIN_TCP);
        goto fail;
    }
    t->inj = injector_open(ctx->source_ns, ctx->source_if, err);
    if (!t->inj)
        goto fail;
    t->rcv = receiver_open(ctx->dest_ns, ctx->dest_if, ctx->source_host,
                           ctx->dest_host, (size_t)settings_int(
                               s, SETTING_RECEIVER_BUFFER_KB) << 10, err);
    if (!t->rcv)
        goto fail;
    return t;
fail:
    traffic_close(t);
    return NULL;
}

void traffic_close(struct traffic *t)
{
    if (!t)
        return;
    injector_close(t->inj);
    receiver_close(t->rcv);
    free(t);
}

int traffic_set_cpus(struct traffic *t, const cpu_set_t *injector,
                     const cpu_set_t *receiver)
{
    receiver_set_cpus(t->rcv, receiver);
    if (injector && sched_setaffinity(0, sizeof *injector, injector))
        return -errno;
    return 0;
}

static double us(uint64_t ns)
{
    return (double)ns / 1000.0;
}

static void fill(struct trial_result *res, const struct inject_stats *tx,
                 const struct recv_stats *rx)
{
    const struct hist *lat = &rx->latency;

    res->sent = tx->sent;
    res->received = rx->received;
    res->lost = tx->sent > rx->received ? tx->sent - rx->received : 0;
    res->duplicates = rx->duplicates;
    res->reordered = rx->reordered;
    res->loss_pct = tx->sent ? 100.0 * (double)res->lost / (double)tx->sent
                             : 0;
    res->tx_rate = tx->tx_rate;
    if (rx->received > 1 && rx->last_ns > rx->first_ns)
        res->rx_rate = (double)(rx->received - 1) * 1e9
                       / (double)(rx->last_ns - rx->first_ns);
    res->duration = (double)(tx->end_ns - tx->start_ns) / 1e9;
    res->lat_min = lat->count ? us(lat->min) : 0;
    res->lat_p50 = us(hist_percentile(lat, 50));
    res->lat_p90 = us(hist_percentile(lat, 90));
    res->lat_p99 = us(hist_percentile(lat, 99));
    res->lat_p999 = us(hist_percentile(lat, 99.9));
    res->lat_max = us(lat->max);
    res->gap_p50 = us(hist_percentile(&tx->lateness, 50));
    res->gap_p99 = us(hist_percentile(&tx->lateness, 99));
    res->pushback = tx->pushback;
    res->kernel_drops = rx->kernel_drops;
}

uint32_t traffic_trial_tag(uint32_t run_tag, uint32_t trial)
{
    /* The run tag picks where in the 32-bit space the run's trials start;
     * from there each trial takes the next value, skipping 0, so no two
     * of a run's first 2^32 - 1 trials share a tag (the trial number is
     * not truncated to a few bits, as it was). */
    uint64_t v = ((uint64_t)run_tag << 12) + trial;

    return (uint32_t)(v % UINT32_MAX) + 1;
}

int traffic_trial(struct traffic *t, double rate, uint64_t count,
                  volatile sig_atomic_t *stop, struct trial_result *res,
                  struct strbuf *err)
{
    uint32_t tag = traffic_trial_tag(t->run_tag, ++t->n_trials);
    struct netns_link_stats src0, src1;
    bool have_src;
    int rc;

    memset(res, 0, sizeof *res);
    res->rate = rate;
    res->offered = count;
    /* The frame carries the trial's tag: late frames of an earlier trial
     * are never counted for this one. */
    frame_set_run(&t->frame, tag);
    rc = receiver_begin(t->rcv, tag, count);
    if (rc) {
        strbuf_addf(err, "cannot start the receiver: %s", strerror(-rc));
        return rc;
    }
    /* The source interface's own drops (a veth whose peer's backlog is
     * full) happen before the datapath: read around the trial. */
    have_src = !netns_link_stats(t->source_ns, t->source_if, &src0);
    rc = injector_send(t->inj, &t->frame, &t->flows, count, rate, stop,
                       &t->tx, err);
    receiver_end(t->rcv, DRAIN_QUIET_MS, DRAIN_MAX_MS, &t->rx);
    if (rc)
        return rc;
    fill(res, &t->tx, &t->rx);
    if (have_src && !netns_link_stats(t->source_ns, t->source_if, &src1)
        && src1.tx_dropped > src0.tx_dropped)
        res->source_drops = src1.tx_dropped - src0.tx_dropped;

    res->valid = true;
    if (t->tx.stalled) {
        res->valid = false;
        snprintf(res->note, sizeof res->note, "invalid: the source interface "
                 "took no frame for %d ms (down? %llu refused there); "
                 "stopped after %llu of %llu", INJECTOR_STALL_MS,
                 (unsigned long long)res->source_drops,
                 (unsigned long long)res->sent, (unsigned long long)count);
    } else if (res->source_drops && !res->pushback) {
        /* Refused frames are sent again (pushback); dropped ones that the
         * injector never heard of would be counted as the datapath's. */
        res->valid = false;
        snprintf(res->note, sizeof res->note, "invalid: %llu frames were "
                 "dropped leaving the source namespace, before the datapath",
                 (unsigned long long)res->source_drops);
    } else if (res->kernel_drops) {
        res->valid = false;
        snprintf(res->note, sizeof res->note, "invalid: the receiver "
                 "dropped %llu frames itself", (unsigned long long)
                 res->kernel_drops);
    } else if (res->sent < count) {
        res->valid = false;
        snprintf(res->note, sizeof res->note, "invalid: stopped after "
                 "%llu of %llu frames", (unsigned long long)res->sent,
                 (unsigned long long)count);
    } else if (count > 1 && res->tx_rate < rate * 0.99) {
        res->short_of_rate = true;
        snprintf(res->note, sizeof res->note, "sent at %.0f pps, %.1f %% "
                 "below the %.0f asked%s", res->tx_rate,
                 100.0 * (1 - res->tx_rate / rate), rate,
                 res->pushback ? " (the datapath pushed back)" : "");
    }
    return 0;
}
