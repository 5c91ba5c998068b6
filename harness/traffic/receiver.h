/* The receiver: libpcap in the destination namespace, counting only the
 * current trial's frames, with one-way latency from their send time. */
#ifndef PT_RECEIVER_H
#define PT_RECEIVER_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/hist.h"
#include "lib/strbuf.h"

struct receiver;

struct recv_stats {
    uint64_t received;      /* distinct sequence numbers of the trial */
    uint64_t duplicates;
    uint64_t reordered;     /* arrived after a higher sequence number */
    uint64_t kernel_drops;  /* the receiver's own socket dropped: never the
                               datapath's fault, the trial is invalid */
    uint64_t first_ns, last_ns;     /* CLOCK_MONOTONIC of first/last */
    struct hist latency;    /* one-way, ns */
};

/* Opens 'ifname' in 'netns' for frames from src_ip to dst_ip (dotted),
 * with a capture buffer of 'buffer_bytes'.  NULL, reason in 'err'. */
struct receiver *receiver_open(const char *netns, const char *ifname,
                               const char *src_ip, const char *dst_ip,
                               size_t buffer_bytes, struct strbuf *err);
void receiver_close(struct receiver *r);
/* Runs the receiving thread on 'set' from the next trial on (NULL: where
 * the system puts it). */
void receiver_set_cpus(struct receiver *r, const cpu_set_t *set);
/* Frames sent on another host carry a send time of that host's clock:
 * 'ns' is added to it to read it on this one (the measured offset of the
 * two clocks, remote/), before the latency is taken.  0 by default. */
void receiver_set_clock_shift(struct receiver *r, int64_t ns);
/* Starts counting frames tagged 'tag' with sequence 0..expected-1.
 * 0 or a negative errno. */
int receiver_begin(struct receiver *r, uint32_t tag, uint64_t expected);
/* Waits until every frame arrived, or none came for 'quiet_ms', but at
 * most 'max_ms'; stops counting and fills *st. */
/* The drain's test: no frame for 'quiet_ns' since the last arrival (or
 * since 'start', the end of sending), all on CLOCK_MONOTONIC. */
bool receiver_quiet(uint64_t now, uint64_t last, uint64_t start,
                    uint64_t quiet_ns);
void receiver_end(struct receiver *r, int quiet_ms, int max_ms,
                  struct recv_stats *st);

#endif
