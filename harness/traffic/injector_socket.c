/* The "socket" injector backend: the injector's libpcap handle, for when
 * there is no TX ring (an old kernel, a setsockopt refused).  pcap_inject()
 * is a send() on the handle's bound packet socket; sendmmsg() on the same
 * socket sends several frames for the price of one system call, which is
 * what keeps up with a TX-ring sender such as trafgen. */
#include <errno.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "lib/strbuf.h"
#include "traffic/frame.h"
#include "traffic/injector_provider.h"

struct txsock {
    pcap_t *pcap;           /* the injector's: not ours to close */
    int fd;
    uint8_t buf[INJECTOR_BATCH][FRAME_MAX];
    struct mmsghdr msg[INJECTOR_BATCH];
    struct iovec iov[INJECTOR_BATCH];
};

static int sock_open(const char *netns, const char *ifname, pcap_t *pcap,
                     void **state, struct strbuf *err)
{
    struct txsock *s = xcalloc(1, sizeof *s);

    /* Straight to the driver, as trafgen does: the qdisc layer of the
     * source's own veth end is not what is measured, and skipping it
     * (and its packet taps) is a good part of a send's cost.  Optional:
     * an older kernel without it sends through the qdisc. */
    setsockopt(pcap_fileno(pcap), SOL_PACKET, PACKET_QDISC_BYPASS,
               &(int){ 1 }, sizeof(int));
    s->pcap = pcap;
    s->fd = pcap_fileno(pcap);
    for (int i = 0; i < INJECTOR_BATCH; i++) {
        s->iov[i].iov_base = s->buf[i];
        s->msg[i].msg_hdr.msg_iov = &s->iov[i];
        s->msg[i].msg_hdr.msg_iovlen = 1;
    }
    *state = s;
    return 0;
}

static void sock_close(void *state)
{
    free(state);
}

static int sock_stage(void *state, int n, size_t len, uint8_t **dst,
                      struct strbuf *err)
{
    struct txsock *s = state;

    for (int i = 0; i < n; i++) {
        s->iov[i].iov_len = len;
        dst[i] = s->buf[i];
    }
    return 0;
}

/* A full queue (ENOBUFS, EAGAIN) ends the send early: the loop retries. */
static int sock_send(void *state, int from, int n)
{
    struct txsock *s = state;
    int done = from;

    if (n - from == 1)
        return pcap_inject(s->pcap, s->buf[from], s->iov[from].iov_len) < 0
                   ? (errno == ENOBUFS || errno == EAGAIN ? 0 : -errno) : 1;
    while (done < n) {
        int k = sendmmsg(s->fd, s->msg + done, (unsigned)(n - done), 0);
        if (k < 0)
            return errno == ENOBUFS || errno == EAGAIN ? done - from : -errno;
        done += k;
    }
    return done - from;
}

const struct injector_backend_ops injector_socket_ops = {
    .name = "socket",
    .help = "sendmmsg() (pcap_inject() for one frame) on libpcap's packet "
            "socket",
    .open = sock_open,
    .stage = sock_stage,
    .send = sock_send,
    .finish = NULL,     /* the buffers are ours again once sent */
    .close = sock_close,
};
