#include "traffic/injector.h"

#include <errno.h>
#include <endian.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/links.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/pace.h"
#include "traffic/pcapns.h"
#include "lib/strbuf.h"

LOG_MODULE("injector");

/* Frames already due when one is sent go out together: at most this
 * many in one sendmmsg() or one TX ring kick. */
#define BATCH 128

/* The TX ring (PACKET_TX_RING, TPACKET_V2): frames are written into
 * memory shared with the kernel and one send() hands it all that is
 * marked, with none of a sendmmsg()'s work per message (its header and
 * iovec copied in and checked).  A slot holds a header and the largest
 * frame; 2 MiB in all. */
#define RING_FRAME_SIZE 2048
#define RING_BLOCK_SIZE (64 * 1024)
#define RING_FRAMES 1024
#define RING_DATA (TPACKET2_HDRLEN - sizeof(struct sockaddr_ll))
/* How long a slot may stay in flight (its skb not yet freed by the
 * datapath) before the send gives up. */
#define RING_SLOT_WAIT_NS 1000000000ull

struct txring {
    int fd;                 /* -1: no ring, frames go by sendmmsg() */
    uint8_t *map;
    unsigned head;          /* slot of staged frame 0; the kernel's too */
    bool vnet;              /* a virtio_net_hdr precedes each frame */
};

struct injector {
    pcap_t *pcap;
    int fd;
    struct txring ring;
    uint8_t buf[BATCH][FRAME_MAX];
    struct mmsghdr msg[BATCH];
    struct iovec iov[BATCH];
};

static struct tpacket2_hdr *ring_slot(const struct txring *r, unsigned n)
{
    return (struct tpacket2_hdr *)(r->map + (size_t)((r->head + n)
                                                     % RING_FRAMES)
                                                * RING_FRAME_SIZE);
}

static uint32_t slot_status(const struct tpacket2_hdr *h)
{
    return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
}

/* A packet socket of our own for the ring: libpcap's handle has its RX
 * ring mapped already, and the kernel refuses a TX ring (EBUSY) on a
 * mapped socket.  Protocol 0: it receives nothing.  Returns the fd with
 * the ring mapped at r->map, or -1 (errno set): then the caller sends
 * through the pcap handle as before. */
static int ring_open(struct txring *r, const char *netns, const char *ifname)
{
    struct tpacket_req req = {
        .tp_block_size = RING_BLOCK_SIZE,
        .tp_block_nr = RING_FRAMES * RING_FRAME_SIZE / RING_BLOCK_SIZE,
        .tp_frame_size = RING_FRAME_SIZE,
        .tp_frame_nr = RING_FRAMES,
    };
    struct sockaddr_ll sll = { .sll_family = AF_PACKET };
    size_t len = (size_t)RING_FRAMES * RING_FRAME_SIZE;
    int fd, rc;

    r->fd = -1;
    if ((rc = netns_link_get_ifindex(netns, ifname, &sll.sll_ifindex))) {
        errno = -rc;
        return -1;
    }
    fd = netns_socket(netns, AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) {
        errno = -fd;
        return -1;
    }
    /* The kernel copies a ring frame's first hdr_len bytes into the skb
     * and attaches the rest as pages of the ring, which a veth (any
     * forwarding to another device) must then copy into a page of its
     * own: an allocation per frame.  A virtio_net_hdr whose hdr_len is
     * the whole frame makes it one small copy, as a send() does.
     * Optional: without it, the pages. */
    r->vnet = !setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &(int){ 1 },
                          sizeof(int));
    /* As on the pcap handle, and as optional. */
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &(int){ 1 }, sizeof(int));
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &(int){ TPACKET_V2 },
                   sizeof(int))
        || setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req)
        || bind(fd, (struct sockaddr *)&sll, sizeof sll))
        goto fail;
    r->map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (r->map == MAP_FAILED)
        goto fail;
    r->fd = fd;
    r->head = 0;
    return fd;
fail:
    rc = errno;
    close(fd);
    errno = rc;
    return -1;
}

static void ring_close(struct txring *r)
{
    if (r->fd < 0)
        return;
    munmap(r->map, (size_t)RING_FRAMES * RING_FRAME_SIZE);
    close(r->fd);
}

/* The data of staged frame 'n' in the ring, once the kernel has released
 * its slot: the slot is busy until the skb sent from it is freed, which
 * a datapath may do late.  NULL when it stays busy too long. */
static uint8_t *ring_stage(struct txring *r, unsigned n, size_t len)
{
    struct tpacket2_hdr *h = ring_slot(r, n);
    uint64_t deadline = 0;

    while (slot_status(h) != TP_STATUS_AVAILABLE) {
        uint64_t now = pace_now_ns();
        if (!deadline)
            deadline = now + RING_SLOT_WAIT_NS;
        else if (now > deadline)
            return NULL;
        sched_yield();      /* lets softirq work on this CPU free it */
    }
    uint8_t *data = (uint8_t *)h + RING_DATA;
    if (r->vnet) {
        struct virtio_net_hdr vh = { .gso_type = VIRTIO_NET_HDR_GSO_NONE,
                                     .hdr_len = htole16((uint16_t)len) };
        memcpy(data, &vh, sizeof vh);
        data += sizeof vh;
        len += sizeof vh;
    }
    h->tp_len = (uint32_t)len;
    return data;
}

/* How many of staged frames from..n-1 the kernel has taken: it sends
 * marked slots in ring order and leaves the first one it could not send
 * marked, with those after it.  -1 for a frame it rejected. */
static int ring_taken(const struct txring *r, int from, int n)
{
    int done = from;

    for (; done < n; done++) {
        uint32_t st = slot_status(ring_slot(r, (unsigned)done));
        if (st == TP_STATUS_SEND_REQUEST)
            break;
        if (st == TP_STATUS_WRONG_FORMAT) {
            errno = EINVAL;
            return -1;
        }
    }
    return done - from;
}

/* Hands staged frames from..n-1 to the kernel and kicks it.  Never
 * blocking in send(): a blocking kick would also wait for every frame's
 * skb to be freed.  A full socket buffer (our own frames still in flight,
 * EAGAIN) is waited out, as a blocking send() does, so that the caller
 * sees what it saw before: the frames sent, and 0 only for a device queue
 * that refused one (ENOBUFS).  Returns how many were sent, or -1. */
static int ring_send(struct txring *r, int from, int n)
{
    for (int i = from; i < n; i++)
        __atomic_store_n(&ring_slot(r, (unsigned)i)->tp_status,
                         TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
    for (;;) {
        int rc = (int)send(r->fd, NULL, 0, MSG_DONTWAIT), err = errno;
        int k = ring_taken(r, from, n);
        if (k)
            return k;
        if (rc >= 0 || err == ENOBUFS)
            return 0;
        if (err != EAGAIN) {
            errno = err;
            return -1;
        }
        /* Writable again when half the buffer is free.  Stuck for long,
         * it is pushback too: the caller then checks for a stop. */
        rc = poll(&(struct pollfd){ .fd = r->fd, .events = POLLOUT }, 1, 100);
        if (rc < 0 && errno != EINTR)
            return -1;
        if (rc == 0)
            return 0;
    }
}

/* Ends a batch: 'sent' of its frames left, the rest (a stop, an error)
 * are unmarked so that no later kick sends them.  Safe: the kernel reads
 * the ring only inside our send(). */
static void ring_finish(struct txring *r, int sent, int n)
{
    for (int i = sent; i < n; i++)
        __atomic_store_n(&ring_slot(r, (unsigned)i)->tp_status,
                         TP_STATUS_AVAILABLE, __ATOMIC_RELEASE);
    r->head = (r->head + (unsigned)sent) % RING_FRAMES;
}

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
    /* Optional too: without a ring (an old kernel, a setsockopt refused)
     * the frames go through the pcap handle's socket. */
    if (ring_open(&inj->ring, netns, ifname) < 0)
        LOG_DBG("%s: no TX ring (%s), sending with sendmmsg()", ifname,
                strerror(errno));
    else
        LOG_DBG("%s: TX ring of %d frames%s", ifname, RING_FRAMES,
                inj->ring.vnet ? ", copied whole (virtio_net_hdr)" : "");
    return inj;
}

void injector_close(struct injector *inj)
{
    if (!inj)
        return;
    ring_close(&inj->ring);
    pcap_close(inj->pcap);
    free(inj);
}

/* Where staged frame 'n' (of 'len' bytes) is to be written; NULL when
 * the ring has no free slot for it. */
static uint8_t *stage(struct injector *inj, int n, size_t len)
{
    if (inj->ring.fd >= 0)
        return ring_stage(&inj->ring, (unsigned)n, len);
    inj->iov[n].iov_len = len;
    return inj->buf[n];
}

/* Sends the 'n' frames staged in the batch.  pcap_inject() is a send()
 * on the handle's bound packet socket; sendmmsg() on the same socket sends
 * several for the price of one system call, which is what keeps up with a
 * TX-ring sender such as trafgen.  Returns how many were sent before the
 * queue was full (errno ENOBUFS/EAGAIN), or -1 for another error. */
static int send_batch(struct injector *inj, int from, int n)
{
    int done = from;

    if (inj->ring.fd >= 0)
        return ring_send(&inj->ring, from, n);
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

/* A batch is over, 'sent' of its 'n' frames gone. */
static void end_batch(struct injector *inj, int sent, int n)
{
    if (inj->ring.fd >= 0)
        ring_finish(&inj->ring, sent, n);
}

/* Stages frame 'i' and the frames after it that are due by 'now', up to
 * a batch.  They carry one send time: the batch leaves within
 * microseconds.  Returns how many, or -1 with the reason in 'err'. */
static int stage_batch(struct injector *inj, struct frame *f,
                       const struct flow_pattern *flows,
                       const struct pace *pace, uint64_t i, uint64_t count,
                       uint64_t now, struct hist *lateness, struct strbuf *err)
{
    int n = 0;

    do {
        uint64_t seq = i + (uint64_t)n;
        uint8_t *dst = stage(inj, n, f->len);
        uint16_t sport, dport;

        if (!dst) {
            strbuf_addf(err, "send: TX ring slot still in flight after "
                        "%llu ms", RING_SLOT_WAIT_NS / 1000000ull);
            end_batch(inj, 0, n);
            return -1;
        }
        flow_ports(flows, seq, &sport, &dport);
        frame_patch(f, seq, now, sport, dport);
        memcpy(dst, f->buf, f->len);
        hist_record(lateness, now - pace_due(pace, seq));
        n++;
    } while (n < BATCH && i + (uint64_t)n < count
             && pace_due(pace, i + (uint64_t)n) <= now);
    return n;
}

/* Sends the 'n' staged frames and ends the batch.  A full queue is the
 * datapath pushing back: the rest is sent again, late; the schedule
 * catches up if it can.  Returns how many were sent ('n' unless stopped),
 * or -1 with the reason in 'err'. */
static int send_staged(struct injector *inj, int n, uint64_t now,
                       volatile sig_atomic_t *stop, struct inject_stats *st,
                       uint64_t *first, struct strbuf *err)
{
    int sent = 0;

    while (sent < n) {
        int k = send_batch(inj, sent, n);
        if (k < 0) {
            strbuf_addf(err, "send: %s", strerror(errno));
            sent = -1;
            break;
        }
        if (k == 0)
            st->pushback++;
        if (k && !st->sent)
            *first = now;
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
        int sent = n < 0 ? -1 : send_staged(inj, n, now, stop, st, &first,
                                            err);

        if (sent < 0) {
            st->end_ns = pace_now_ns();
            return -EIO;
        }
        if (sent < n)
            break;      /* stopped */
        last = now;
        i += (uint64_t)n;
    }
    st->end_ns = pace_now_ns();
    /* n packets span n-1 gaps. */
    if (st->sent > 1 && last > first)
        st->tx_rate = (double)(st->sent - 1) * 1e9 / (double)(last - first);
    return 0;
}
