/* A libpcap handle opened inside a network namespace: the packet socket
 * belongs to the namespace it was created in, whatever thread uses it. */
#ifndef PT_PCAPNS_H
#define PT_PCAPNS_H

#include <pcap/pcap.h>
#include <stdbool.h>

#include "lib/strbuf.h"

struct pcapns_opts {
    int snaplen;
    int buffer_bytes;       /* 0: libpcap's default */
    bool immediate;
    bool nano;              /* nanosecond time stamps */
};

/* Activates a handle on 'ifname' in 'netns'; NULL with the reason. */
pcap_t *pcapns_open(const char *netns, const char *ifname,
                    const struct pcapns_opts *opts, struct strbuf *err);

#endif
