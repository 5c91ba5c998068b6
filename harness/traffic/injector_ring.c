/* The "ring" injector backend: a PACKET_TX_RING (TPACKET_V2) of our own.
 * Frames are written into memory shared with the kernel and one send()
 * hands it all that is marked, with none of a sendmmsg()'s work per
 * message (its header and iovec copied in and checked). */
#include <errno.h>
#include <endian.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/links.h"
#include "lib/netns.h"
#include "lib/pace.h"
#include "lib/strbuf.h"
#include "traffic/injector_provider.h"

/* A slot holds a header and the largest frame; 2 MiB in all, 8 batches. */
#define RING_FRAME_SIZE 2048
#define RING_BLOCK_SIZE (64 * 1024)
#define RING_FRAMES 1024
#define RING_BYTES ((size_t)RING_FRAMES * RING_FRAME_SIZE)
#define RING_DATA (TPACKET2_HDRLEN - sizeof(struct sockaddr_ll))
/* How long a slot may stay in flight (its skb not yet freed by the
 * datapath) before the send gives up. */
#define RING_SLOT_WAIT_NS 1000000000ull

#define STR_(x) #x
#define STR(x) STR_(x)

struct txring {
    int fd;
    uint8_t *map;
    unsigned head;          /* slot of staged frame 0; the kernel's too */
    bool vnet;              /* a virtio_net_hdr precedes each frame */
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

static void set_status(const struct txring *r, int from, int n, uint32_t st)
{
    for (int i = from; i < n; i++)
        __atomic_store_n(&ring_slot(r, (unsigned)i)->tp_status, st,
                         __ATOMIC_RELEASE);
}

/* A packet socket of our own: libpcap's handle has its RX ring mapped
 * already, and the kernel refuses a TX ring (EBUSY) on a mapped socket.
 * Protocol 0: it receives nothing.  0 or a negative errno. */
static int ring_map(struct txring *r, const char *netns, const char *ifname)
{
    struct tpacket_req req = {
        .tp_block_size = RING_BLOCK_SIZE,
        .tp_block_nr = RING_BYTES / RING_BLOCK_SIZE,
        .tp_frame_size = RING_FRAME_SIZE,
        .tp_frame_nr = RING_FRAMES,
    };
    struct sockaddr_ll sll = { .sll_family = AF_PACKET };
    int fd, rc;

    if ((rc = netns_link_get_ifindex(netns, ifname, &sll.sll_ifindex)))
        return rc;
    fd = netns_socket(netns, AF_PACKET, SOCK_RAW, 0);
    if (fd < 0)
        return fd;
    /* The kernel copies a ring frame's first hdr_len bytes into the skb
     * and attaches the rest as pages of the ring, which a veth (any
     * forwarding to another device) must then copy into a page of its
     * own: an allocation per frame.  A virtio_net_hdr whose hdr_len is
     * the whole frame makes it one small copy, as a send() does.
     * Optional: without it, the pages. */
    r->vnet = !setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &(int){ 1 },
                          sizeof(int));
    /* Past the qdisc, as the socket backend's handle; as optional. */
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &(int){ 1 }, sizeof(int));
    if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &(int){ TPACKET_V2 },
                   sizeof(int))
        || setsockopt(fd, SOL_PACKET, PACKET_TX_RING, &req, sizeof req)
        || bind(fd, (struct sockaddr *)&sll, sizeof sll))
        goto fail;
    r->map = mmap(NULL, RING_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (r->map == MAP_FAILED)
        goto fail;
    r->fd = fd;
    r->head = 0;
    return 0;
fail:
    rc = -errno;
    close(fd);
    return rc;
}

/* Waits until the kernel has released slot 'h': it is busy until the skb
 * sent from it is freed, which a datapath may do late.  False when it
 * stays busy too long. */
static bool slot_wait(const struct tpacket2_hdr *h)
{
    uint64_t deadline = 0;

    while (slot_status(h) != TP_STATUS_AVAILABLE) {
        uint64_t now = pace_now_ns();
        if (!deadline)
            deadline = now + RING_SLOT_WAIT_NS;
        else if (now > deadline)
            return false;
        sched_yield();      /* lets softirq work on this CPU free it */
    }
    return true;
}

/* How many of staged frames from..n-1 the kernel has taken: it sends
 * marked slots in ring order and leaves the first one it could not send
 * marked, with those after it.  -EINVAL for a frame it rejected. */
static int ring_taken(const struct txring *r, int from, int n)
{
    int done = from;

    for (; done < n; done++) {
        uint32_t st = slot_status(ring_slot(r, (unsigned)done));
        if (st == TP_STATUS_SEND_REQUEST)
            break;
        if (st == TP_STATUS_WRONG_FORMAT)
            return -EINVAL;
    }
    return done - from;
}

static int ring_open(const char *netns, const char *ifname, pcap_t *pcap,
                     void **state, struct strbuf *err)
{
    struct txring *r = xcalloc(1, sizeof *r);
    int rc = ring_map(r, netns, ifname);

    if (rc < 0) {
        strbuf_addf(err, "no TX ring on '%s': %s", ifname, strerror(-rc));
        free(r);
        return rc;
    }
    if (!r->vnet)
        strbuf_addstr(err, "no virtio_net_hdr: ring pages attached to "
                           "each skb");
    *state = r;
    return 0;
}

static void ring_close(void *state)
{
    struct txring *r = state;

    munmap(r->map, RING_BYTES);
    close(r->fd);
    free(r);
}

static int ring_stage(void *state, int n, size_t len, uint8_t **dst,
                      struct strbuf *err)
{
    struct txring *r = state;
    size_t tp_len = r->vnet ? len + sizeof(struct virtio_net_hdr) : len;

    for (int i = 0; i < n; i++) {
        struct tpacket2_hdr *h = ring_slot(r, (unsigned)i);
        uint8_t *data = (uint8_t *)h + RING_DATA;

        /* Nothing to undo on failure: no slot is marked yet. */
        if (!slot_wait(h)) {
            strbuf_addf(err, "TX ring slot still in flight after %llu ms",
                        RING_SLOT_WAIT_NS / 1000000ull);
            return -ETIMEDOUT;
        }
        if (r->vnet) {
            struct virtio_net_hdr vh = {
                .gso_type = VIRTIO_NET_HDR_GSO_NONE,
                .hdr_len = htole16((uint16_t)len),
            };
            memcpy(data, &vh, sizeof vh);
            data += sizeof vh;
        }
        h->tp_len = (uint32_t)tp_len;
        dst[i] = data;
    }
    return 0;
}

/* Marks staged frames from..n-1 and kicks the kernel.  Never blocking in
 * send(): a blocking kick would also wait for every frame's skb to be
 * freed.  A full socket buffer (our own frames still in flight, EAGAIN)
 * is waited out, as a blocking send() does, so that the caller sees what
 * it saw before: the frames sent, and 0 only for a device queue that
 * refused one (ENOBUFS). */
static int ring_send(void *state, int from, int n)
{
    struct txring *r = state;

    set_status(r, from, n, TP_STATUS_SEND_REQUEST);
    for (;;) {
        int rc = (int)send(r->fd, NULL, 0, MSG_DONTWAIT), e = errno;
        int k = ring_taken(r, from, n);
        if (k)
            return k;
        if (rc >= 0 || e == ENOBUFS)
            return 0;
        if (e != EAGAIN)
            return -e;
        /* Writable again when half the buffer is free.  Stuck for long,
         * it is pushback too: the caller then checks for a stop. */
        rc = poll(&(struct pollfd){ .fd = r->fd, .events = POLLOUT }, 1, 100);
        if (rc < 0 && errno != EINTR)
            return -errno;
        if (rc == 0)
            return 0;
    }
}

/* The unsent frames are unmarked so that no later kick sends them.
 * Safe: the kernel reads the ring only inside our send(). */
static void ring_finish(void *state, int sent, int n)
{
    struct txring *r = state;

    set_status(r, sent, n, TP_STATUS_AVAILABLE);
    r->head = (r->head + (unsigned)sent) % RING_FRAMES;
}

const struct injector_backend_ops injector_ring_ops = {
    .name = "ring",
    .help = "TX ring of " STR(RING_FRAMES) " frames (PACKET_TX_RING, "
            "TPACKET_V2), one send() a batch, frames copied whole "
            "(virtio_net_hdr) unless noted",
    .open = ring_open,
    .stage = ring_stage,
    .send = ring_send,
    .finish = ring_finish,
    .close = ring_close,
};
