#include "traffic/receiver.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "traffic/frame.h"
#include "lib/pace.h"
#include "traffic/pcapns.h"
#include "lib/util.h"

struct receiver {
    pcap_t *pcap;
    pthread_t thread;
    bool running;
    int stop;                   /* __atomic: ask the thread to return */

    /* The trial being counted; written by the thread only, read after
     * join (arrival_ns and received also while waiting, atomically). */
    uint32_t tag;
    uint64_t expected;
    uint8_t *seen;              /* a bit per sequence number */
    int64_t max_seq;
    int64_t real_minus_mono;    /* pcap stamps are CLOCK_REALTIME */
    int64_t clock_shift;        /* the sender's clock to ours */
    uint64_t arrival_ns;        /* CLOCK_MONOTONIC of the last arrival */
    bool pinned;
    cpu_set_t cpus;             /* where the thread runs, when pinned */
    struct recv_stats st;
    struct pcap_stat base;
};

struct receiver *receiver_open(const char *netns, const char *ifname,
                               const char *src_ip, const char *dst_ip,
                               size_t buffer_bytes, struct strbuf *err)
{
    /* A big buffer (RECEIVER_BUFFER_KB) and immediate delivery: a burst
     * must not overflow the socket, and latency must not include
     * libpcap's batching. */
    struct pcapns_opts opts = { .snaplen = 128, .buffer_bytes = buffer_bytes,
                                .immediate = true, .nano = true };
    struct bpf_program prog;
    struct receiver *r;
    pcap_t *p = pcapns_open(netns, ifname, &opts, err);
    char *filter;

    if (!p)
        return NULL;
    filter = xasprintf("ip src %s and ip dst %s and (udp or tcp)", src_ip,
                       dst_ip);
    if (pcap_compile(p, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) < 0
        || pcap_setfilter(p, &prog) < 0) {
        strbuf_addf(err, "pcap filter '%s': %s", filter, pcap_geterr(p));
        free(filter);
        pcap_close(p);
        return NULL;
    }
    pcap_freecode(&prog);
    free(filter);
    pcap_setnonblock(p, 1, NULL);
    r = xcalloc(1, sizeof *r);
    r->pcap = p;
    return r;
}

static void on_packet(u_char *arg, const struct pcap_pkthdr *h,
                      const u_char *pkt)
{
    struct receiver *r = (struct receiver *)arg;
    uint64_t seq, tx_ns;

    if (!frame_parse(pkt, h->caplen, r->tag, &seq, &tx_ns))
        return;
    tx_ns = (uint64_t)((int64_t)tx_ns + r->clock_shift);
    /* With nanosecond precision tv_usec holds nanoseconds. */
    int64_t rx_real = (int64_t)h->ts.tv_sec * 1000000000 + h->ts.tv_usec;
    uint64_t rx = (uint64_t)(rx_real - r->real_minus_mono);

    if (seq >= r->expected)
        return;
    if (r->seen[seq / 8] & (1u << (seq % 8))) {
        r->st.duplicates++;
        return;
    }
    r->seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
    if ((int64_t)seq < r->max_seq)
        r->st.reordered++;
    else
        r->max_seq = (int64_t)seq;
    hist_record(&r->st.latency, rx > tx_ns ? rx - tx_ns : 0);
    if (!r->st.first_ns)
        r->st.first_ns = rx;
    r->st.last_ns = rx;
    /* The drain watches arrivals on the monotonic clock, read here: the
     * capture stamp is wall-clock time and may step. */
    __atomic_store_n(&r->arrival_ns, pace_now_ns(), __ATOMIC_RELAXED);
    __atomic_store_n(&r->st.received, r->st.received + 1, __ATOMIC_RELAXED);
}

static void *loop(void *arg)
{
    struct receiver *r = arg;
    struct pollfd pfd = { .fd = pcap_get_selectable_fd(r->pcap),
                          .events = POLLIN };

    while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
        if (poll(&pfd, 1, 10) > 0)
            pcap_dispatch(r->pcap, -1, on_packet, (u_char *)r);
    }
    /* What is already queued belongs to the trial too. */
    while (pcap_dispatch(r->pcap, -1, on_packet, (u_char *)r) > 0)
        ;
    return NULL;
}

static int64_t real_minus_mono(void)
{
    struct timespec real, mono;

    clock_gettime(CLOCK_REALTIME, &real);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    return ((int64_t)real.tv_sec - mono.tv_sec) * 1000000000
           + (real.tv_nsec - mono.tv_nsec);
}

int receiver_begin(struct receiver *r, uint32_t tag, uint64_t expected)
{
    /* Frames of an earlier trial still queued are read and dropped here,
     * so they never count for this one. */
    while (pcap_dispatch(r->pcap, -1, on_packet, (u_char *)r) > 0)
        ;
    free(r->seen);
    r->seen = xcalloc(expected / 8 + 1, 1);
    r->tag = tag;
    r->expected = expected;
    r->max_seq = -1;
    r->arrival_ns = 0;
    memset(&r->st, 0, offsetof(struct recv_stats, latency));
    hist_init(&r->st.latency);
    r->real_minus_mono = real_minus_mono();
    pcap_stats(r->pcap, &r->base);
    r->stop = 0;
    int rc = pthread_create(&r->thread, NULL, loop, r);
    r->running = rc == 0;
    /* Pinning is a request: a CPU taken offline meanwhile leaves the
     * thread where it is, and the trial still counts. */
    if (!rc && r->pinned)
        pthread_setaffinity_np(r->thread, sizeof r->cpus, &r->cpus);
    return -rc;
}

void receiver_set_clock_shift(struct receiver *r, int64_t ns)
{
    r->clock_shift = ns;
}

void receiver_set_cpus(struct receiver *r, const cpu_set_t *set)
{
    r->pinned = set != NULL;
    if (set)
        r->cpus = *set;
}

bool receiver_quiet(uint64_t now, uint64_t last, uint64_t start,
                    uint64_t quiet_ns)
{
    if (last < start)
        last = start;
    /* Both on the monotonic clock, but read on two threads: the last
     * arrival may be a little after 'now', which is not quiet. */
    return now > last && now - last >= quiet_ns;
}

void receiver_end(struct receiver *r, int quiet_ms, int max_ms,
                  struct recv_stats *st)
{
    uint64_t start = pace_now_ns();
    uint64_t quiet = (uint64_t)quiet_ms * 1000000, end = start
                     + (uint64_t)max_ms * 1000000;

    for (;;) {
        uint64_t now = pace_now_ns();
        uint64_t got = __atomic_load_n(&r->st.received, __ATOMIC_RELAXED);
        uint64_t last = __atomic_load_n(&r->arrival_ns, __ATOMIC_RELAXED);
        if (got >= r->expected || now >= end)
            break;
        if (receiver_quiet(now, last, start, quiet))
            break;
        sleep_ms(5);
    }
    if (r->running) {
        __atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
        pthread_join(r->thread, NULL);
        r->running = false;
    }
    struct pcap_stat now;
    if (!pcap_stats(r->pcap, &now))
        r->st.kernel_drops = now.ps_drop - r->base.ps_drop;
    *st = r->st;
    r->tag = 0;             /* late frames of this trial count for none */
}

void receiver_close(struct receiver *r)
{
    if (!r)
        return;
    if (r->running) {
        __atomic_store_n(&r->stop, 1, __ATOMIC_RELAXED);
        pthread_join(r->thread, NULL);
    }
    pcap_close(r->pcap);
    free(r->seen);
    free(r);
}
