/* The TCP test between two agents: the TCP phase's second provider
 * (traffic/tcp.h), so that the tcp_throughput phase runs unchanged with
 * the endpoints on other hosts. */
#ifndef PT_REMOTE_TCP_H
#define PT_REMOTE_TCP_H

#include "lib/strbuf.h"
#include "remote/remote_traffic.h"
#include "traffic/tcp.h"

/* Takes a struct remote_pair: iperf3's server on the destination's
 * agent, its client on the source's. */
extern const struct tcp_ops remote_tcp_ops;

/* Whether both agents have the TCP methods (hello's capabilities).  0,
 * or -EOPNOTSUPP with the host and the method it lacks in 'err'. */
int remote_tcp_check(const struct remote_pair *pair, struct strbuf *err);

#endif
