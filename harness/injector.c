#include "injector.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "pace.h"
#include "pcapns.h"
#include "strbuf.h"

/* Frames already due when one is sent go out together: at most this
 * many in one sendmmsg(). */
#define BATCH 128

struct injector {
    pcap_t *pcap;
    int fd;
    uint8_t buf[BATCH][FRAME_MAX];
    struct mmsghdr msg[BATCH];
    struct iovec iov[BATCH];
};

struct injector *injector_open(const char *netns, const char *ifname,
                               struct strbuf *err)
{
    struct pcapns_opts opts = { .snaplen = 128 };
    pcap_t *p = pcapns_open(netns, ifname, &opts, err);
    struct injector *inj;

    if (!p)
        return NULL;
    /* Straight to the driver, as trafgen does: the qdisc layer of the
     * source's own veth end is not what is measured, and skipping it
     * (and its packet taps) is a good part of a send's cost.  Optional:
     * an older kernel without it sends through the qdisc. */
    setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_QDISC_BYPASS, &(int){ 1 },
               sizeof(int));
    inj = xcalloc(1, sizeof *inj);
    inj->pcap = p;
    inj->fd = pcap_fileno(p);
    for (int i = 0; i < BATCH; i++) {
        inj->iov[i].iov_base = inj->buf[i];
        inj->msg[i].msg_hdr.msg_iov = &inj->iov[i];
        inj->msg[i].msg_hdr.msg_iovlen = 1;
    }
    return inj;
}

void injector_close(struct injector *inj)
{
    if (!inj)
        return;
    pcap_close(inj->pcap);
    free(inj);
}

/* Sends the 'n' frames staged in the batch.  pcap_inject() is a send()
 * on the handle's bound packet socket; sendmmsg() on the same socket sends
 * several for the price of one system call, which is what keeps up with a
 * TX-ring sender such as trafgen.  Returns how many were sent before the
 * queue was full (errno ENOBUFS/EAGAIN), or -1 for another error. */
static int send_batch(struct injector *inj, int from, int n)
{
    int done = from;

    if (n - from == 1)
        return pcap_inject(inj->pcap, inj->buf[from], inj->iov[from].iov_len)
                       < 0
                   ? (errno == ENOBUFS || errno == EAGAIN ? 0 : -1) : 1;
    while (done < n) {
        int k = sendmmsg(inj->fd, inj->msg + done, (unsigned)(n - done), 0);
        if (k < 0)
            return errno == ENOBUFS || errno == EAGAIN ? done - from : -1;
        done += k;
    }
    return done - from;
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
        int n = 0, sent = 0;

        /* Stage this frame and any others due by now.  They carry one send
         * time: the batch leaves within microseconds. */
        do {
            uint16_t sport, dport;
            flow_ports(flows, i + (uint64_t)n, &sport, &dport);
            frame_patch(f, i + (uint64_t)n, now, sport, dport);
            memcpy(inj->buf[n], f->buf, f->len);
            inj->iov[n].iov_len = f->len;
            hist_record(&st->lateness, now - pace_due(&pace, i + (uint64_t)n));
            n++;
        } while (n < BATCH && i + (uint64_t)n < count
                 && pace_due(&pace, i + (uint64_t)n) <= now);
        while (sent < n) {
            /* A full queue is the datapath pushing back: send the rest
             * again, late; the schedule catches up if it can. */
            int k = send_batch(inj, sent, n);
            if (k < 0) {
                strbuf_addf(err, "send: %s", strerror(errno));
                st->end_ns = pace_now_ns();
                return -EIO;
            }
            if (k == 0)
                st->pushback++;
            if (k && sent == 0 && !st->sent)
                first = now;
            sent += k;
            st->sent += (uint64_t)k;
            if (sent < n && stop && *stop)
                goto out;
        }
        last = now;
        i += (uint64_t)n;
    }
out:
    st->end_ns = pace_now_ns();
    /* n packets span n-1 gaps. */
    if (st->sent > 1 && last > first)
        st->tx_rate = (double)(st->sent - 1) * 1e9 / (double)(last - first);
    return 0;
}
