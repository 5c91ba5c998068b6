/* Trials between two agents: the traffic engine's second provider
 * (traffic.h), so that measure.c and every strategy run unchanged with
 * the endpoints on other hosts. */
#ifndef PT_REMOTE_TRAFFIC_H
#define PT_REMOTE_TRAFFIC_H

#include "remote/peer.h"
#include "traffic/traffic.h"

/* One endpoint: its agent, the agent's clock, and what prepare said. */
struct remote_endpoint {
    struct peer *peer;              /* owned by the caller */
    struct clock_offset clock;
    char mac[18];
    char ip[64];                    /* the address without its prefix */
    /* Where its injector (source) or receiver (destination) runs there:
     * a CPU list of that host, or "none" ("": not pinned either). */
    char cpus[64];
};

/* What traffic_open_with(&remote_traffic_ops, pair, ...) takes; it must
 * outlive the engine. */
struct remote_pair {
    struct remote_endpoint src, dst;
    /* 0: one-way latency from the frames' send times.  Else the source
     * agent times ICMP round trips through the datapath this many a
     * second during each trial, and half of them is the latency: the
     * clocks could not be compared well enough. */
    double rtt_hz;
};

/* Round trips a second for RTT-derived latency. */
#define REMOTE_RTT_HZ 100

extern const struct traffic_ops remote_traffic_ops;

/* How long past its expected end an agent's trial may run before the
 * harness gives up on it: the start margin, a receiver's drain
 * (TRAFFIC_DRAIN_MAX_MS), iperf3's own setup and a loaded host fit many
 * times over; an agent that answers "not done" for ever does not. */
#define REMOTE_FINISH_MARGIN_MS 30000
/* A sender asked for more than its generator can do sends every frame
 * late ("short of its rate", a figure the run reports): its trial may take
 * this many times its expected length before it counts as hung. */
#define REMOTE_SLOW_SENDER 10
/* How long after a stop (Ctrl-C) it may take: a stop is seen within one
 * results wait on the agent, so this is slack for a busy host. */
#define REMOTE_STOP_GRACE_MS 5000

/* The bound on waiting for an agent's end of a trial. */
struct remote_wait {
    long long start_ms, deadline_ms;    /* monotonic_ms() */
    long long grace_ms;
    bool stopping;
};
/* Starts the wait on a trial expected to take 'expected_ms': over
 * 'margin_ms' after that, or 'grace_ms' after a stop. */
void remote_wait_init(struct remote_wait *w, long long expected_ms,
                      long long margin_ms, long long grace_ms);
/* After each "not done" from 'host' ('stop_sent': a stop went out):
 * false while there is time; else true with "<host>: <what> did not
 * finish within N s [of the stop]" in 'err'. */
bool remote_wait_over(struct remote_wait *w, bool stop_sent,
                      const char *host, const char *what,
                      struct strbuf *err);

/* How far ahead of the harness's clock a trial is scheduled, for a
 * source whose round trip is 'rtt_ns': start_tx has to arrive first. */
int64_t remote_start_margin_ns(int64_t rtt_ns);

#endif
