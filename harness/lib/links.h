/* The links inside network namespaces (veth pairs, Linux bridges, their
 * state, counters and offloads) and the addresses and routes on them,
 * natively through libnl-route-3: what `ip link`, `ip addr` and
 * `ip route` do.  Namespaces themselves are in netns.h, whose conventions
 * hold here too: 'netns' NULL or "" is the root namespace; 0 or a negative
 * errno, never a log line.  A link or address that does not exist is
 * -ENOENT, an interface name too long for the kernel -ENAMETOOLONG, a
 * malformed one -EINVAL; otherwise the kernel's own errno (e.g.
 * -ENETUNREACH for an unreachable gateway).  Each call uses a netlink
 * socket of its own, so any thread may call while others work. */
#ifndef PT_LINKS_H
#define PT_LINKS_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/ledger.h"

/* --- Links --- */

struct netns_link_stats {
    uint64_t rx_packets, tx_packets;
    uint64_t rx_bytes, tx_bytes;
    uint64_t rx_dropped, tx_dropped;
    uint64_t rx_errors, tx_errors;
};

/* Creates the veth pair 'name' (in the root namespace) <-> 'peer' (in
 * 'peer_netns'; NULL: in the root namespace too), both down. */
int netns_veth_add(const char *name, const char *peer, const char *peer_netns);
/* Creates a Linux bridge, down, in 'netns'. */
int netns_bridge_add(const char *netns, const char *name);
/* Deletes a link; deleting either end of a veth pair deletes both. */
int netns_link_del(const char *netns, const char *ifname);
bool netns_link_exists(const char *netns, const char *ifname);
int netns_link_set_up(const char *netns, const char *ifname, bool up);
/* Moves 'ifname' from 'from_netns' into 'to_netns' (either NULL: root).
 * The link goes down and loses its addresses on the way, as the kernel
 * does it; -EEXIST if 'to_netns' has a link of that name. */
int netns_link_move(const char *from_netns, const char *ifname,
                    const char *to_netns);
/* Makes 'ifname' a port of bridge 'master' (both in 'netns'); 'master' NULL
 * or "" releases it from whatever master it has. */
int netns_link_set_master(const char *netns, const char *ifname,
                          const char *master);
/* Turns transmit checksum offload on or off (ETHTOOL_STXCSUM, what
 * `ethtool -K IF tx off` does).  Off matters for veths that a userspace
 * datapath reads with AF_PACKET: it forwards the frames as they are, and a
 * checksum left for an offload that never happens makes receivers drop
 * them. */
int netns_link_set_tx_csum(const char *netns, const char *ifname, bool on);
int netns_link_get_ifindex(const char *netns, const char *ifname,
                           int *ifindex);
int netns_link_get_mac(const char *netns, const char *ifname, uint8_t mac[6]);
/* The kernel's counters for the link (ip -s link). */
int netns_link_stats(const char *netns, const char *ifname,
                     struct netns_link_stats *out);

/* Steers the receive processing of 'ifname' (every rx queue) to the CPUs
 * of 'set' (RPS, what writing /sys/class/net/IF/queues/rx-N/rps_cpus
 * does); an empty set turns it off.  For a veth this moves the kernel's
 * part of receiving what the peer sends (the softirq that hands frames to
 * sockets) off the sender's CPU.  The sysfs of a namespace is only seen
 * from inside it: a child process enters 'netns' and mounts its own.
 * -ENOENT when the kernel has no RPS or the link no rx queue. */
int netns_link_set_rps(const char *netns, const char *ifname,
                       const cpu_set_t *set);

/* --- Addresses and routes --- */

/* Adds 'cidr' ("198.18.0.1/24"; IPv6 works too) to 'ifname'.  -EEXIST if
 * the link has it already. */
int netns_addr_add(const char *netns, const char *ifname, const char *cidr);
/* Removes it; -ENOENT when the link does not have it. */
int netns_addr_del(const char *netns, const char *ifname, const char *cidr);
/* 1 when 'ifname' has 'cidr' (address and prefix), 0 when not, or a
 * negative errno (-ENODEV: no such link). */
int netns_addr_has(const char *netns, const char *ifname, const char *cidr);
/* Adds a route to 'dst_cidr' ("198.18.2.0/24" or "default") through
 * 'gateway' to the main table.  -EEXIST if there is one already. */
int netns_route_add(const char *netns, const char *dst_cidr,
                    const char *gateway);

/* --- Cleanup ledger remover (see ledger.h) --- */

/* kind "link": entry->name is the ifname in entry->location ("" = root).  A
 * link already gone, or whose namespace is gone, is success; a link name
 * without LEDGER_PREFIX is refused with -EPERM. */
extern const struct ledger_kind_ops ledger_kind_link;
/* kind "addr": an address a run added to an interface that is not its
 * own (an agent's endpoint, `ens5`); entry->name is what
 * links_addr_entry_name() makes ("pt-addr@IFNAME@CIDR"), the location
 * the namespace.  An address or link already gone is success. */
extern const struct ledger_kind_ops ledger_kind_addr;
int links_addr_entry_name(const char *ifname, const char *cidr, char *buf,
                          size_t len);

#endif
