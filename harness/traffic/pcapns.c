#include "traffic/pcapns.h"

#include <fcntl.h>
#include <string.h>

#include "lib/netns.h"

pcap_t *pcapns_open(const char *netns, const char *ifname,
                    const struct pcapns_opts *opts, struct strbuf *err)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = NULL;
    int saved, rc = netns_enter(netns, &saved);

    if (rc) {
        strbuf_addf(err, "cannot enter namespace '%s': %s", netns,
                    strerror(-rc));
        return NULL;
    }
    p = pcap_create(ifname, errbuf);
    if (!p) {
        strbuf_addf(err, "pcap on '%s': %s", ifname, errbuf);
        goto out;
    }
    pcap_set_snaplen(p, opts->snaplen);
    pcap_set_promisc(p, 0);
    if (opts->buffer_bytes)
        pcap_set_buffer_size(p, opts->buffer_bytes);
    if (opts->immediate)
        pcap_set_immediate_mode(p, 1);
    if (opts->nano)
        pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO);
    rc = pcap_activate(p);
    if (rc < 0) {
        strbuf_addf(err, "pcap on '%s' in '%s': %s", ifname, netns,
                    pcap_geterr(p));
        pcap_close(p);
        p = NULL;
    } else {
        /* libpcap opens its packet socket without close-on-exec: a child
         * started later (a JMX sidecar started again) would hold it. */
        int fd = pcap_fileno(p);
        if (fd >= 0)
            fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
    }
out:
    netns_leave(saved);
    return p;
}
