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

/* The local provider: injector and receiver in this host's namespaces. */
struct local {
    char source_ns[32], source_if[16];  /* where source drops are read */
    char dest_ns[32], dest_if[16];      /* where the receiving side's are */
    struct injector *inj;
    struct receiver *rcv;
    struct frame frame;
    struct flow_pattern flows;
    struct inject_stats tx;     /* big (histograms): kept off the stack */
    struct recv_stats rx;
};

struct traffic {
    const struct traffic_ops *ops;
    void *priv;
    uint32_t run_tag;
    uint32_t n_trials;
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

int traffic_frame_spec(const struct settings *s, struct frame_spec *spec,
                       struct flow_pattern *flows, struct strbuf *err)
{
    memset(spec, 0, sizeof *spec);
    spec->size = (size_t)settings_int(s, SETTING_FRAME_SIZE);
    spec->src_port = FLOW_SRC_PORT;
    spec->dst_port = FLOW_DST_PORT;
    if (flow_parse(settings_str(s, SETTING_FLOW_PATTERN), flows, err))
        return -EINVAL;
    if (parse_proto(settings_str(s, SETTING_PROTOCOL), &spec->proto)) {
        strbuf_addf(err, "PROTOCOL '%s': expected udp or tcp",
                    settings_str(s, SETTING_PROTOCOL));
        return -EINVAL;
    }
    return 0;
}

int traffic_frame_init(struct frame *f, const struct frame_spec *spec,
                       struct strbuf *err)
{
    if (!frame_init(f, spec))
        return 0;
    strbuf_addf(err, "FRAME_SIZE %zu cannot hold a %s frame (at least %d "
                "bytes)", spec->size, spec->proto == FRAME_UDP ? "udp" : "tcp",
                spec->proto == FRAME_UDP ? FRAME_MIN_UDP : FRAME_MIN_TCP);
    return -EINVAL;
}

static int local_open(struct traffic *t, void *arg,
                      const struct topology_ctx *ctx,
                      const struct settings *s, struct strbuf *err)
{
    struct local *l = xcalloc(1, sizeof *l);
    struct frame_spec spec;
    int rc;

    (void)arg;
    traffic_set_priv(t, l);
    snprintf(l->source_ns, sizeof l->source_ns, "%s", ctx->source_ns);
    snprintf(l->source_if, sizeof l->source_if, "%s", ctx->source_if);
    snprintf(l->dest_ns, sizeof l->dest_ns, "%s", ctx->dest_ns);
    snprintf(l->dest_if, sizeof l->dest_if, "%s", ctx->dest_if);
    if ((rc = traffic_frame_spec(s, &spec, &l->flows, err)))
        return rc;
    /* Unicast to the destination's own MAC: a broadcast would flood and
     * measure something else. */
    if ((rc = netns_link_get_mac(ctx->source_ns, ctx->source_if,
                                 spec.src_mac))
        || (rc = netns_link_get_mac(ctx->dest_ns, ctx->dest_if,
                                    spec.dst_mac))) {
        strbuf_addf(err, "cannot read the MAC addresses: %s", strerror(-rc));
        return rc;
    }
    inet_pton(AF_INET, ctx->source_host, &spec.src_ip);
    inet_pton(AF_INET, ctx->dest_host, &spec.dst_ip);
    spec.run = traffic_trial_tag(t->run_tag, 0);
    if ((rc = traffic_frame_init(&l->frame, &spec, err)))
        return rc;
    l->inj = injector_open(ctx->source_ns, ctx->source_if, err);
    if (!l->inj)
        return -EINVAL;
    l->rcv = receiver_open(ctx->dest_ns, ctx->dest_if, ctx->source_host,
                           ctx->dest_host, (size_t)settings_int(
                               s, SETTING_RECEIVER_BUFFER_KB) << 10, err);
    return l->rcv ? 0 : -EINVAL;
}

static void local_close(struct traffic *t)
{
    struct local *l = t->priv;

    if (!l)
        return;
    injector_close(l->inj);
    receiver_close(l->rcv);
    free(l);
}

struct traffic *traffic_open_with(const struct traffic_ops *ops, void *arg,
                                  const struct topology_ctx *ctx,
                                  const struct settings *s, uint32_t run_tag,
                                  struct strbuf *err)
{
    struct traffic *t = xcalloc(1, sizeof *t);

    t->ops = ops ? ops : &traffic_local_ops;
    t->run_tag = run_tag;
    if (t->ops->open(t, arg, ctx, s, err)) {
        traffic_close(t);
        return NULL;
    }
    return t;
}

struct traffic *traffic_open(const struct topology_ctx *ctx,
                             const struct settings *s, uint32_t run_tag,
                             struct strbuf *err)
{
    return traffic_open_with(NULL, NULL, ctx, s, run_tag, err);
}

void traffic_set_priv(struct traffic *t, void *priv)
{
    t->priv = priv;
}

void *traffic_priv(const struct traffic *t)
{
    return t->priv;
}

void traffic_close(struct traffic *t)
{
    if (!t)
        return;
    t->ops->close(t);
    free(t);
}

int traffic_set_cpus(struct traffic *t, const cpu_set_t *injector,
                     const cpu_set_t *receiver)
{
    return t->ops->set_cpus ? t->ops->set_cpus(t, injector, receiver) : 0;
}

static int local_set_cpus(struct traffic *t, const cpu_set_t *injector,
                          const cpu_set_t *receiver)
{
    struct local *l = t->priv;

    receiver_set_cpus(l->rcv, receiver);
    if (injector && sched_setaffinity(0, sizeof *injector, injector))
        return -errno;
    return 0;
}

static double us(uint64_t ns)
{
    return (double)ns / 1000.0;
}

void traffic_fill_tx(struct trial_result *res, const struct inject_stats *tx)
{
    res->sent = tx->sent;
    res->tx_rate = tx->tx_rate;
    res->duration = (double)(tx->end_ns - tx->start_ns) / 1e9;
    res->gap_p50 = us(hist_percentile(&tx->lateness, 50));
    res->gap_p99 = us(hist_percentile(&tx->lateness, 99));
    res->pushback = tx->pushback;
}

void traffic_fill_rx(struct trial_result *res, const struct recv_stats *rx)
{
    const struct hist *lat = &rx->latency;

    res->received = rx->received;
    res->duplicates = rx->duplicates;
    res->reordered = rx->reordered;
    if (rx->received > 1 && rx->last_ns > rx->first_ns)
        res->rx_rate = (double)(rx->received - 1) * 1e9
                       / (double)(rx->last_ns - rx->first_ns);
    res->lat_min = lat->count ? us(lat->min) : 0;
    res->lat_p50 = us(hist_percentile(lat, 50));
    res->lat_p90 = us(hist_percentile(lat, 90));
    res->lat_p99 = us(hist_percentile(lat, 99));
    res->lat_p999 = us(hist_percentile(lat, 99.9));
    res->lat_max = us(lat->max);
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

static int local_run(struct traffic *t, uint32_t tag, double rate,
                     uint64_t count, volatile sig_atomic_t *stop,
                     struct trial_result *res, bool *stalled,
                     struct strbuf *err)
{
    struct local *l = t->priv;
    struct netns_link_stats src0, src1, dst0, dst1;
    bool have_src, have_dst;
    int rc;

    /* The frame carries the trial's tag: late frames of an earlier trial
     * are never counted for this one. */
    frame_set_run(&l->frame, tag);
    rc = receiver_begin(l->rcv, tag, count);
    if (rc) {
        strbuf_addf(err, "cannot start the receiver: %s", strerror(-rc));
        return rc;
    }
    /* The source interface's own drops (a veth whose peer's backlog is
     * full) happen before the datapath: read around the trial. */
    have_src = !netns_link_stats(l->source_ns, l->source_if, &src0);
    /* And the destination interface's: a frame the datapath delivered
     * but the receiving CPU's backlog had no room for (RECEIVER_RPS puts
     * that backlog on the receiver's CPUs) is the receiving side's drop,
     * as the capture's own are, never the datapath's loss. */
    have_dst = !netns_link_stats(l->dest_ns, l->dest_if, &dst0);
    rc = injector_send(l->inj, &l->frame, &l->flows, count, rate, stop,
                       &l->tx, err);
    receiver_end(l->rcv, TRAFFIC_DRAIN_QUIET_MS, TRAFFIC_DRAIN_MAX_MS,
                 &l->rx);
    if (rc)
        return rc;
    traffic_fill_tx(res, &l->tx);
    traffic_fill_rx(res, &l->rx);
    *stalled = l->tx.stalled;
    if (have_src && !netns_link_stats(l->source_ns, l->source_if, &src1)
        && src1.tx_dropped > src0.tx_dropped)
        res->source_drops = src1.tx_dropped - src0.tx_dropped;
    if (have_dst && !netns_link_stats(l->dest_ns, l->dest_if, &dst1)
        && dst1.rx_dropped > dst0.rx_dropped)
        res->kernel_drops += dst1.rx_dropped - dst0.rx_dropped;
    return 0;
}

const struct traffic_ops traffic_local_ops = {
    .name = "local",
    .open = local_open,
    .close = local_close,
    .set_cpus = local_set_cpus,
    .run = local_run,
};

int traffic_trial(struct traffic *t, double rate, uint64_t count,
                  volatile sig_atomic_t *stop, struct trial_result *res,
                  struct strbuf *err)
{
    uint32_t tag = traffic_trial_tag(t->run_tag, ++t->n_trials);
    bool stalled = false;
    int rc;

    memset(res, 0, sizeof *res);
    res->rate = rate;
    res->offered = count;
    rc = t->ops->run(t, tag, rate, count, stop, res, &stalled, err);
    if (rc)
        return rc;
    res->lost = res->sent > res->received ? res->sent - res->received : 0;
    res->loss_pct = res->sent ? 100.0 * (double)res->lost
                                / (double)res->sent : 0;

    res->valid = true;
    if (stalled) {
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
        snprintf(res->note, sizeof res->note, "invalid: the receiving "
                 "side dropped %llu frames itself (its capture or its "
                 "interface's backlog)", (unsigned long long)
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
