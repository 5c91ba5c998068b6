#include "traffic/injector.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/pace.h"
#include "lib/strbuf.h"
#include "traffic/injector_provider.h"
#include "traffic/pcapns.h"

LOG_MODULE("injector");

extern const struct injector_backend_ops injector_ring_ops,
    injector_socket_ops;

/* The ring first: about 1.3x trafgen's rate where sendmmsg() made
 * 0.94-1.15x (README, "Benchmark"). */
const struct injector_backend_ops *const injector_backends[] = {
    &injector_ring_ops,
    &injector_socket_ops,
    NULL,
};

struct injector {
    pcap_t *pcap;
    const struct injector_backend_ops *ops;     /* chosen once, at open */
    void *state;                                /* the backend's */
};

/* Opens the first backend of the table that takes 'ifname', logging
 * each refusal.  0, or the last one's negative errno and reason in 'err'. */
static int backend_open(struct injector *inj, const char *netns,
                        const char *ifname, struct strbuf *err)
{
    struct strbuf why = STRBUF_INIT;
    int rc = -ENODEV;

    for (size_t i = 0; injector_backends[i]; i++) {
        const struct injector_backend_ops *ops = injector_backends[i];

        strbuf_reset(&why);
        rc = ops->open(netns, ifname, inj->pcap, &inj->state, &why);
        if (!rc) {
            LOG_DBG("%s: %s backend: %s%s%s", ifname, ops->name, ops->help,
                    why.len ? "; " : "", why.buf);
            inj->ops = ops;
            break;
        }
        LOG_DBG("%s: no %s backend (%s)", ifname, ops->name, why.buf);
    }
    if (rc)
        strbuf_addf(err, "cannot send on '%s': %s", ifname, why.buf);
    strbuf_dispose(&why);
    return rc;
}

struct injector *injector_open(const char *netns, const char *ifname,
                               struct strbuf *err)
{
    struct pcapns_opts opts = { .snaplen = 128 };
    pcap_t *p = pcapns_open(netns, ifname, &opts, err);
    struct injector *inj;

    /* Whatever the backend: opening it checks the interface and says
     * what is wrong with it, and the socket backend sends on it. */
    if (!p)
        return NULL;
    inj = xcalloc(1, sizeof *inj);
    inj->pcap = p;
    if (backend_open(inj, netns, ifname, err)) {
        pcap_close(p);
        free(inj);
        return NULL;
    }
    return inj;
}

void injector_close(struct injector *inj)
{
    if (!inj)
        return;
    inj->ops->close(inj->state);
    pcap_close(inj->pcap);
    free(inj);
}

/* A batch is over, 'sent' of its 'n' frames gone. */
static void end_batch(struct injector *inj, int sent, int n)
{
    if (inj->ops->finish)
        inj->ops->finish(inj->state, sent, n);
}

/* Stages frame 'i' and the frames after it that are due by 'now', up to
 * a batch.  They carry one send time, read once the backend has room for
 * them: a wait for a ring slot is the harness's queueing, counted in its
 * lateness, never in the datapath's latency.  Returns how many, or -1
 * with the reason in 'err'. */
static int stage_batch(struct injector *inj, struct frame *f,
                       const struct flow_pattern *flows,
                       const struct pace *pace, uint64_t i, uint64_t count,
                       uint64_t now, struct hist *lateness, struct strbuf *err)
{
    uint8_t *dst[INJECTOR_BATCH];
    struct strbuf why = STRBUF_INIT;    /* allocates only on a failure */
    int n = 1;

    while (n < INJECTOR_BATCH && i + (uint64_t)n < count
           && pace_due(pace, i + (uint64_t)n) <= now)
        n++;
    if (inj->ops->stage(inj->state, n, f->len, dst, &why) < 0) {
        strbuf_addf(err, "send: %s", why.buf);
        strbuf_dispose(&why);
        return -1;
    }
    now = pace_now_ns();
    for (int k = 0; k < n; k++) {
        uint64_t seq = i + (uint64_t)k;
        uint16_t sport, dport;

        flow_ports(flows, seq, &sport, &dport);
        frame_patch(f, seq, now, sport, dport);
        memcpy(dst[k], f->buf, f->len);
        hist_record(lateness, now - pace_due(pace, seq));
    }
    return n;
}

/* Sends the 'n' staged frames and ends the batch.  A full queue is the
 * datapath pushing back: the rest is sent again, late; the schedule
 * catches up if it can.  *first and *last are when the first and the
 * latest frames were handed over: the rate is what was sent when it was
 * sent, not when it was staged.  Returns how many were sent ('n' unless
 * stopped), or -1 with the reason in 'err'. */
static int send_staged(struct injector *inj, int n,
                       volatile sig_atomic_t *stop, struct inject_stats *st,
                       uint64_t *first, uint64_t *last, struct strbuf *err)
{
    uint64_t progress = pace_now_ns();
    int sent = 0;

    while (sent < n) {
        int k = inj->ops->send(inj->state, sent, n);
        if (k < 0) {
            strbuf_addf(err, "send: %s", strerror(-k));
            sent = -1;
            break;
        }
        if (k == 0) {
            st->pushback++;
            if (pace_now_ns() - progress > INJECTOR_STALL_MS * 1000000ULL) {
                st->stalled = true;
                break;
            }
        } else {
            *last = progress = pace_now_ns();
            if (!st->sent)
                *first = *last;
        }
        sent += k;
        st->sent += (uint64_t)k;
        if (sent < n && stop && *stop)
            break;
    }
    end_batch(inj, sent < 0 ? 0 : sent, n);
    return sent;
}

int injector_send(struct injector *inj, struct frame *f,
                  const struct flow_pattern *flows, uint64_t count,
                  double rate, volatile sig_atomic_t *stop,
                  struct inject_stats *st, struct strbuf *err)
{
    struct pace pace;
    uint64_t i = 0, first = 0, last = 0;

    memset(st, 0, offsetof(struct inject_stats, lateness));
    hist_init(&st->lateness);
    st->start_ns = pace_now_ns();
    pace_init(&pace, rate, st->start_ns);
    while (i < count && !(stop && *stop)) {
        uint64_t now = pace_wait(pace_due(&pace, i));
        int n = stage_batch(inj, f, flows, &pace, i, count, now,
                            &st->lateness, err);
        int sent = n < 0 ? -1 : send_staged(inj, n, stop, st, &first,
                                            &last, err);

        if (sent < 0) {
            st->end_ns = pace_now_ns();
            return -EIO;
        }
        if (sent < n)
            break;      /* stopped, or stalled */
        i += (uint64_t)n;
    }
    st->end_ns = pace_now_ns();
    /* n packets span n-1 gaps (the first is alone in its batch: the next
     * one is not due yet). */
    if (st->sent > 1 && last > first)
        st->tx_rate = (double)(st->sent - 1) * 1e9 / (double)(last - first);
    return 0;
}
