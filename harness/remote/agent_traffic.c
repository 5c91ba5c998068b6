/* The agent's trial methods: the receiver's half (start_rx, then results
 * after the drain) and the sender's (start_tx on a thread of its own,
 * from an absolute start time, stop, results).  The injector, receiver
 * and figures are traffic/'s own, as in a run on one host. */
#include "remote/agent_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "lib/cpus.h"
#include "lib/jsonrpc.h"
#include "lib/links.h"
#include "lib/log.h"
#include "lib/pace.h"
#include "lib/util.h"
#include "remote/wire.h"

LOG_MODULE("agent");

static int need_endpoint(struct agent *a, struct strbuf *err)
{
    if (a->prepared)
        return 0;
    strbuf_addstr(err, "no endpoint: call prepare first");
    return JSONRPC_SERVER_ERROR;
}

int agent_start_rx(struct agent *a, const json_t *params, json_t **result,
                   struct strbuf *err)
{
    const char *src, *dst;
    double tag = 0, count = 0, buffer_kb = 4096, shift = 0;
    bool pinned;
    cpu_set_t cpus;
    int rc;

    if ((rc = need_endpoint(a, err))
        || (rc = agent_param_num(params, "tag", true, &tag, err))
        || (rc = agent_param_num(params, "count", true, &count, err))
        || (rc = agent_param_str(params, "src", true, &src, err))
        || (rc = agent_param_str(params, "dst", true, &dst, err))
        || (rc = agent_param_num(params, "buffer_kb", false, &buffer_kb,
                                 err))
        || (rc = agent_param_num(params, "clock_shift_ns", false, &shift,
                                 err))
        || (rc = agent_param_cpus(params, &pinned, &cpus, err)))
        return rc;
    if (tag < 1 || tag > UINT32_MAX || count < 1 || count > UINT32_MAX) {
        strbuf_addstr(err, "'tag' and 'count': expected 1 to 2^32 - 1");
        return JSONRPC_INVALID_PARAMS;
    }
    if (a->rx_active) {
        strbuf_addstr(err, "a trial is being received: results first");
        return JSONRPC_SERVER_ERROR;
    }
    /* Opened on the first trial and kept: the capture is the slow part. */
    if (!a->rcv) {
        a->rcv = receiver_open(a->ns, a->ifname, src, dst,
                               (size_t)buffer_kb << 10, err);
        if (!a->rcv)
            return JSONRPC_SERVER_ERROR;
    }
    receiver_set_clock_shift(a->rcv, (int64_t)shift);
    receiver_set_cpus(a->rcv, pinned ? &cpus : NULL);
    rc = receiver_begin(a->rcv, (uint32_t)tag, (uint64_t)count);
    if (rc) {
        strbuf_addf(err, "cannot start the receiver: %s", strerror(-rc));
        return JSONRPC_SERVER_ERROR;
    }
    a->rx_active = true;
    /* This answer is the readiness: the capture is open and counting. */
    *result = json_pack("{s:b}", "ready", 1);
    return 0;
}

/* The frame of start_tx's "frame" member. */
static int frame_from_json(const json_t *f, struct frame_spec *spec,
                           struct strbuf *err)
{
    const char *proto = json_string_value(json_object_get(f, "proto"));
    const char *src_ip = json_string_value(json_object_get(f, "src_ip"));
    const char *dst_ip = json_string_value(json_object_get(f, "dst_ip"));
    json_int_t size = json_integer_value(json_object_get(f, "size"));

    memset(spec, 0, sizeof *spec);
    if (!proto || !src_ip || !dst_ip || size <= 0
        || wire_mac_parse(json_string_value(json_object_get(f, "src_mac")),
                          spec->src_mac)
        || wire_mac_parse(json_string_value(json_object_get(f, "dst_mac")),
                          spec->dst_mac)
        || inet_pton(AF_INET, src_ip, &spec->src_ip) != 1
        || inet_pton(AF_INET, dst_ip, &spec->dst_ip) != 1) {
        strbuf_addstr(err, "'frame': expected {size, proto, src_mac, "
                      "dst_mac, src_ip, dst_ip, src_port, dst_port}");
        return JSONRPC_INVALID_PARAMS;
    }
    spec->size = (size_t)size;
    spec->proto = !strcmp(proto, "tcp") ? FRAME_TCP_SYN : FRAME_UDP;
    spec->src_port = (uint16_t)json_integer_value(json_object_get(
        f, "src_port"));
    spec->dst_port = (uint16_t)json_integer_value(json_object_get(
        f, "dst_port"));
    return 0;
}

static void *tx_thread(void *arg)
{
    struct agent *a = arg;
    struct timespec at = { .tv_sec = (time_t)(a->tx_start_ns / 1000000000),
                           .tv_nsec = (long)(a->tx_start_ns % 1000000000) };
    uint64_t one = 1;

    /* A request, as on one host: a CPU gone offline leaves it where it
     * is. */
    if (a->tx_pinned)
        cpus_pin_self(&a->tx_cpus);
    /* The start time the harness agreed with both ends: a schedule, not
     * a guess at how long the receiver takes to get ready. */
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL)
           == EINTR)
        ;
    a->tx_rc = injector_send(a->inj, &a->frame, &a->flows, a->tx_count,
                             a->tx_rate, &a->tx_stop, &a->tx, &a->tx_err);
    if (write(a->tx_done_fd, &one, sizeof one) < 0)
        LOG_WARN("cannot signal the end of the trial: %s", strerror(errno));
    return NULL;
}

int agent_start_tx(struct agent *a, const json_t *params, json_t **result,
                   struct strbuf *err)
{
    const char *flows;
    double tag = 0, count = 0, rate = 0, start = 0, rtt_hz = 0;
    struct frame_spec spec;
    struct netns_link_stats st;
    int rc;

    if ((rc = need_endpoint(a, err))
        || (rc = agent_param_num(params, "tag", true, &tag, err))
        || (rc = agent_param_num(params, "count", true, &count, err))
        || (rc = agent_param_num(params, "rate", true, &rate, err))
        || (rc = agent_param_num(params, "start_ns", true, &start, err))
        || (rc = agent_param_str(params, "flows", true, &flows, err))
        || (rc = agent_param_num(params, "rtt_hz", false, &rtt_hz, err))
        || (rc = agent_param_cpus(params, &a->tx_pinned, &a->tx_cpus, err))
        || (rc = frame_from_json(json_object_get(params, "frame"), &spec,
                                 err)))
        return rc;
    if (a->tx_running) {
        strbuf_addstr(err, "a trial is being sent: results first");
        return JSONRPC_SERVER_ERROR;
    }
    if (tag < 1 || tag > UINT32_MAX || count < 1 || count > UINT32_MAX
        || !(rate > 0)) {
        strbuf_addstr(err, "'tag', 'count', 'rate': expected positive, "
                      "'tag' and 'count' below 2^32");
        return JSONRPC_INVALID_PARAMS;
    }
    /* A start far ahead would hold the thread (and a stop) that long. */
    if (start > (double)pace_now_ns() + 10e9) {
        strbuf_addstr(err, "'start_ns' is more than 10 s ahead of this "
                      "host's clock: call clock again");
        return JSONRPC_INVALID_PARAMS;
    }
    spec.run = (uint32_t)tag;
    if (flow_parse(flows, &a->flows, err)
        || traffic_frame_init(&a->frame, &spec, err))
        return JSONRPC_INVALID_PARAMS;
    if (!a->inj && !(a->inj = injector_open(a->ns, a->ifname, err)))
        return JSONRPC_SERVER_ERROR;
    if (a->tx_done_fd < 0
        && (a->tx_done_fd = eventfd(0, EFD_CLOEXEC)) < 0) {
        strbuf_addf(err, "eventfd: %s", strerror(errno));
        return JSONRPC_SERVER_ERROR;
    }
    a->have_src0 = !netns_link_stats(a->ns, a->ifname, &st);
    a->src_drops0 = st.tx_dropped;
    a->tx_start_ns = (uint64_t)start;
    a->tx_count = (uint64_t)count;
    a->tx_rate = rate;
    a->tx_stop = 0;
    a->tx_rc = 0;
    strbuf_reset(&a->tx_err);
    if (rtt_hz > 0) {
        char dst[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &spec.dst_ip, dst, sizeof dst);
        if ((rc = agent_rtt_start(a, dst, rtt_hz, a->tx_start_ns, err)))
            return rc;
    }
    rc = pthread_create(&a->tx_thread, NULL, tx_thread, a);
    if (rc) {
        json_decref(agent_rtt_finish(a));
        strbuf_addf(err, "cannot start the sender: %s", strerror(rc));
        return JSONRPC_SERVER_ERROR;
    }
    a->tx_running = true;
    *result = json_pack("{s:I, s:I}", "start_ns", (json_int_t)a->tx_start_ns,
                        "now_ns", (json_int_t)pace_now_ns());
    return 0;
}

int agent_stop(struct agent *a, const json_t *params, json_t **result,
               struct strbuf *err)
{
    (void)params, (void)err;
    a->tx_stop = 1;
    *result = json_object();
    return 0;
}

/* The sender's half, once the thread is done; false while it runs. */
static bool tx_results(struct agent *a, int wait_ms, json_t **result,
                       struct strbuf *err, int *code)
{
    struct pollfd pfd = { .fd = a->tx_done_fd, .events = POLLIN };
    struct trial_result res;
    struct netns_link_stats st;
    uint64_t v;

    if (poll(&pfd, 1, wait_ms) <= 0)
        return false;
    if (read(a->tx_done_fd, &v, sizeof v) < 0)
        LOG_DBG("eventfd read: %s", strerror(errno));
    pthread_join(a->tx_thread, NULL);
    a->tx_running = false;
    json_t *rtt = agent_rtt_finish(a);
    if (a->tx_rc) {
        json_decref(rtt);
        strbuf_addf(err, "the sender failed: %s", a->tx_err.buf);
        *code = JSONRPC_SERVER_ERROR;
        return true;
    }
    memset(&res, 0, sizeof res);
    traffic_fill_tx(&res, &a->tx);
    if (a->have_src0 && !netns_link_stats(a->ns, a->ifname, &st)
        && st.tx_dropped > a->src_drops0)
        res.source_drops = st.tx_dropped - a->src_drops0;
    *result = json_pack("{s:b, s:b, s:o}", "done", 1, "stalled",
                        a->tx.stalled, "trial",
                        wire_trial_to_json(&res, WIRE_TX));
    if (rtt)
        json_object_set_new(*result, "rtt", rtt);
    return true;
}

int agent_results(struct agent *a, const json_t *params, json_t **result,
                  struct strbuf *err)
{
    double wait_ms = 0;
    struct trial_result res;
    int rc;

    if ((rc = agent_param_num(params, "wait_ms", false, &wait_ms, err)))
        return rc;
    if (a->tx_running) {
        if (!tx_results(a, (int)wait_ms, result, err, &rc))
            *result = json_pack("{s:b}", "done", 0);
        return rc;
    }
    if (a->rx_active) {
        receiver_end(a->rcv, TRAFFIC_DRAIN_QUIET_MS, TRAFFIC_DRAIN_MAX_MS,
                     &a->rx);
        a->rx_active = false;
        memset(&res, 0, sizeof res);
        traffic_fill_rx(&res, &a->rx);
        *result = json_pack("{s:b, s:o}", "done", 1, "trial",
                            wire_trial_to_json(&res, WIRE_RX));
        return 0;
    }
    strbuf_addstr(err, "no trial under way");
    return JSONRPC_SERVER_ERROR;
}

void agent_traffic_release(struct agent *a)
{
    if (a->tx_running) {
        a->tx_stop = 1;
        pthread_join(a->tx_thread, NULL);
        a->tx_running = false;
    }
    json_decref(agent_rtt_finish(a));
    if (a->rx_active) {
        receiver_end(a->rcv, 0, 0, &a->rx);
        a->rx_active = false;
    }
    injector_close(a->inj);
    a->inj = NULL;
    receiver_close(a->rcv);
    a->rcv = NULL;
    if (a->tx_done_fd >= 0)
        close(a->tx_done_fd);
    a->tx_done_fd = -1;
}
