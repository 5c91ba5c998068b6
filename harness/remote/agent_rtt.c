/* RTT-derived latency.  When the two hosts' clocks cannot be compared
 * well enough (CLOCK_OFFSET_MAX_US), one-way latency is not measurable;
 * the sending agent then times round trips over the datapath itself, on
 * its own clock alone: ICMP echo requests from its endpoint to the
 * destination's address, RTT_HZ a second while the trial's frames flow
 * (the destination's kernel answers them, through the datapath back).
 * Half a round trip is the latency reported.  The probes are a few dozen
 * small frames beside the trial's thousands. */
#include "remote/agent_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/hist.h"
#include "lib/jsonrpc.h"
#include "lib/netns.h"
#include "lib/pace.h"
#include "lib/util.h"
#include "traffic/frame.h"

/* A reply later than this after the last probe is not waited for. */
#define RTT_DRAIN_MS 200
/* Probes of one trial at most (an hour at 100 a second). */
#define RTT_MAX_PROBES 360000

struct agent_rtt {
    int fd;
    pthread_t thread;
    int stop_sending;           /* __atomic */
    uint16_t id;
    struct sockaddr_in dst;
    uint64_t start_ns, interval_ns;
    uint64_t *sent;             /* send time of each sequence number */
    uint32_t n_sent;
    uint8_t *seen;
    uint64_t replies;
    struct hist rtt;            /* ns */
};

static void send_probe(struct agent_rtt *r, uint64_t now)
{
    struct icmphdr h = { .type = ICMP_ECHO };

    h.un.echo.id = htons(r->id);
    h.un.echo.sequence = htons((uint16_t)r->n_sent);
    /* frame_csum_add() reads the bytes as network order. */
    h.checksum = htons((uint16_t)~frame_csum_fold(frame_csum_add(0, &h,
                                                                 sizeof h)));
    r->sent[r->n_sent++] = now;
    /* A probe the kernel refuses (a full queue: the trial's pushback) is
     * a probe lost, not an error of the trial. */
    (void)!sendto(r->fd, &h, sizeof h, MSG_DONTWAIT,
                  (struct sockaddr *)&r->dst, sizeof r->dst);
}

/* Reads what arrived; records the round trips of our replies. */
static void read_replies(struct agent_rtt *r)
{
    uint8_t buf[256];
    ssize_t n;

    while ((n = recv(r->fd, buf, sizeof buf, MSG_DONTWAIT)) > 0) {
        uint64_t now = pace_now_ns();
        const struct ip *ip = (const struct ip *)buf;
        size_t hl = (size_t)ip->ip_hl * 4;
        const struct icmphdr *h = (const struct icmphdr *)(buf + hl);
        if ((size_t)n < hl + sizeof *h || h->type != ICMP_ECHOREPLY
            || ntohs(h->un.echo.id) != r->id
            || ip->ip_src.s_addr != r->dst.sin_addr.s_addr)
            continue;
        /* The 16-bit sequence of the latest probe that had it. */
        uint32_t seq = ntohs(h->un.echo.sequence);
        while (seq + 65536 < r->n_sent)
            seq += 65536;
        if (seq >= r->n_sent || r->seen[seq / 8] & (1u << (seq % 8)))
            continue;
        r->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
        r->replies++;
        hist_record(&r->rtt, now - r->sent[seq]);
    }
}

static void *loop(void *arg)
{
    struct agent_rtt *r = arg;
    uint64_t next = r->start_ns, last_send = 0;

    for (;;) {
        uint64_t now = pace_now_ns();
        bool sending = !__atomic_load_n(&r->stop_sending, __ATOMIC_RELAXED);
        if (sending && now >= next && r->n_sent < RTT_MAX_PROBES) {
            send_probe(r, now);
            last_send = now;
            next += r->interval_ns;
        }
        if (!sending && (!last_send
                         || now > last_send + RTT_DRAIN_MS * 1000000ull))
            break;
        uint64_t until = sending ? next : last_send + RTT_DRAIN_MS * 1000000ull;
        int ms = until > now ? (int)((until - now) / 1000000) : 0;
        struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
        /* At most 10 ms: a stop is seen soon. */
        if (poll(&pfd, 1, ms > 10 ? 10 : ms) > 0)
            read_replies(r);
    }
    return NULL;
}

int agent_rtt_start(struct agent *a, const char *dst_ip, double hz,
                    uint64_t start_ns, struct strbuf *err)
{
    struct agent_rtt *r = xcalloc(1, sizeof *r);
    int rc;

    r->dst.sin_family = AF_INET;
    if (inet_pton(AF_INET, dst_ip, &r->dst.sin_addr) != 1 || !(hz > 0)
        || hz > 10000) {
        strbuf_addf(err, "rtt: expected an address and 0 < rtt_hz <= "
                    "10000");
        free(r);
        return JSONRPC_INVALID_PARAMS;
    }
    r->fd = netns_socket(a->ns, AF_INET, SOCK_RAW, IPPROTO_ICMP);
    if (r->fd < 0
        || setsockopt(r->fd, SOL_SOCKET, SO_BINDTODEVICE, a->ifname,
                      (socklen_t)strlen(a->ifname) + 1) < 0) {
        rc = r->fd < 0 ? r->fd : -errno;
        strbuf_addf(err, "rtt: cannot open an ICMP socket on '%s': %s",
                    a->ifname, strerror(-rc));
        if (r->fd >= 0)
            close(r->fd);
        free(r);
        return JSONRPC_SERVER_ERROR;
    }
    r->id = (uint16_t)(getpid() ^ (uint16_t)start_ns);
    r->start_ns = start_ns;
    r->interval_ns = (uint64_t)(1e9 / hz);
    r->sent = xcalloc(RTT_MAX_PROBES, sizeof *r->sent);
    r->seen = xcalloc(RTT_MAX_PROBES / 8 + 1, 1);
    hist_init(&r->rtt);
    rc = pthread_create(&r->thread, NULL, loop, r);
    if (rc) {
        strbuf_addf(err, "rtt: cannot start: %s", strerror(rc));
        close(r->fd);
        free(r->sent);
        free(r->seen);
        free(r);
        return JSONRPC_SERVER_ERROR;
    }
    a->rtt = r;
    return 0;
}

static double half_us(uint64_t rtt_ns)
{
    return (double)rtt_ns / 2000.0;
}

json_t *agent_rtt_finish(struct agent *a)
{
    struct agent_rtt *r = a->rtt;
    json_t *o;

    if (!r)
        return NULL;
    __atomic_store_n(&r->stop_sending, 1, __ATOMIC_RELAXED);
    pthread_join(r->thread, NULL);
    o = json_pack("{s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f}", "probes",
                  (json_int_t)r->n_sent, "replies", (json_int_t)r->replies,
                  "lat_min", r->replies ? half_us(r->rtt.min) : 0.0,
                  "lat_p50", half_us(hist_percentile(&r->rtt, 50)),
                  "lat_p90", half_us(hist_percentile(&r->rtt, 90)),
                  "lat_p99", half_us(hist_percentile(&r->rtt, 99)),
                  "lat_p999", half_us(hist_percentile(&r->rtt, 99.9)),
                  "lat_max", half_us(r->rtt.max));
    close(r->fd);
    free(r->sent);
    free(r->seen);
    free(r);
    a->rtt = NULL;
    return o;
}
