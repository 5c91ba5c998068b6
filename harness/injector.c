#include "injector.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "pace.h"
#include "pcapns.h"
#include "strbuf.h"

struct injector {
    pcap_t *pcap;
};

struct injector *injector_open(const char *netns, const char *ifname,
                               struct strbuf *err)
{
    struct pcapns_opts opts = { .snaplen = 128 };
    pcap_t *p = pcapns_open(netns, ifname, &opts, err);
    struct injector *inj;

    if (!p)
        return NULL;
    inj = xcalloc(1, sizeof *inj);
    inj->pcap = p;
    return inj;
}

void injector_close(struct injector *inj)
{
    if (!inj)
        return;
    pcap_close(inj->pcap);
    free(inj);
}

int injector_send(struct injector *inj, struct frame *f,
                  const struct flow_pattern *flows, uint64_t count,
                  double rate, volatile sig_atomic_t *stop,
                  struct inject_stats *st, struct strbuf *err)
{
    struct pace pace;
    uint64_t i, first = 0, last = 0;

    memset(st, 0, offsetof(struct inject_stats, lateness));
    hist_init(&st->lateness);
    st->start_ns = pace_now_ns();
    pace_init(&pace, rate, st->start_ns);
    for (i = 0; i < count && !(stop && *stop); i++) {
        uint64_t due = pace_due(&pace, i);
        uint64_t now = pace_wait(due);
        uint16_t sport, dport;

        flow_ports(flows, i, &sport, &dport);
        frame_patch(f, i, now, sport, dport);
        while (pcap_inject(inj->pcap, f->buf, f->len) < 0) {
            /* A full queue is the datapath pushing back: wait and send
             * again, late; the schedule catches up if it can. */
            if (errno != ENOBUFS && errno != EAGAIN) {
                strbuf_addf(err, "pcap_inject: %s", pcap_geterr(inj->pcap));
                st->end_ns = pace_now_ns();
                return -EIO;
            }
            st->pushback++;
            if (stop && *stop)
                goto out;
        }
        hist_record(&st->lateness, now - due);
        if (!st->sent)
            first = now;
        last = now;
        st->sent++;
    }
out:
    st->end_ns = pace_now_ns();
    /* n packets span n-1 gaps. */
    if (st->sent > 1 && last > first)
        st->tx_rate = (double)(st->sent - 1) * 1e9 / (double)(last - first);
    return 0;
}
