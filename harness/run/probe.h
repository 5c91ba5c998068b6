/* Connectivity probe: UDP datagrams from the source namespace to the
 * destination host, received by a socket inside the destination namespace
 * (the original's `ping -c 10` before any measurement). */
#ifndef PT_PROBE_H
#define PT_PROBE_H

#include "lib/strbuf.h"
#include "topologies/topology.h"

/* Sends 'count' datagrams and counts those that arrive within
 * 'timeout_ms'.  Returns 0 (even if none arrived) or -errno with the
 * reason in 'err'. */
int probe_udp(const struct topology_ctx *ctx, int count, int timeout_ms,
              int *received, struct strbuf *err);

#endif
