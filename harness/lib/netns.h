/* Named network namespaces and the links inside them, natively: the
 * namespaces are made the way iproute2's `ip netns add` makes them (a file
 * under /run/netns with the namespace bind-mounted on it), so `ip netns`
 * and `ip -n NAME ...` see and can use them; links, addresses, routes and
 * bridges go through libnl-route-3.
 *
 * Conventions of this module:
 * - 'netns' arguments name a namespace under /run/netns; NULL or "" is the
 *   root namespace, i.e. the one the process started in (an fd to it is
 *   opened when the program loads, before main()).
 * - Fallible functions return 0 or a negative errno and never log; a link,
 *   namespace or address that does not exist is -ENOENT, a name too long
 *   for the kernel -ENAMETOOLONG, a malformed one -EINVAL; otherwise the
 *   kernel's own errno (e.g. -ENETUNREACH for an unreachable gateway).
 * - Every function may be called from any thread while other threads work:
 *   namespace switches are done with setns() on the calling thread only and
 *   undone before returning, and each call uses its own netlink socket. */
#ifndef PT_NETNS_H
#define PT_NETNS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/ledger.h"

#define NETNS_RUN_DIR "/run/netns"

/* --- Namespaces --- */

/* Creates namespace 'name' (-EEXIST if it is there already). */
int netns_add(const char *name);
/* Unmounts and removes namespace 'name'; -ENOENT if missing.  The kernel
 * frees the namespace and its links later, once no process or socket uses
 * it: the other end of a veth pair that had one end inside lingers for a
 * moment, so delete such a link first when its name must be free now. */
int netns_del(const char *name);
/* True if /run/netns/NAME is a mounted namespace (a leftover empty file
 * does not count). */
bool netns_exists(const char *name);
/* Returns an O_CLOEXEC fd for the namespace (the caller closes it), or a
 * negative errno. */
int netns_open_fd(const char *name);

/* Moves the calling thread into 'name' and stores in *saved_fd what
 * netns_leave() needs to bring it back to where it was (which need not be
 * the root namespace).  Pairs nest.  Sockets created in between belong to
 * 'name' for their whole life, whichever thread uses them later. */
int netns_enter(const char *name, int *saved_fd);
/* Returns the calling thread to the namespace saved by netns_enter() and
 * closes 'saved_fd' in every case. */
int netns_leave(int saved_fd);
/* socket(2) created inside 'netns'; returns the fd or a negative errno.
 * SOCK_CLOEXEC is added to 'type'. */
int netns_socket(const char *netns, int domain, int type, int protocol);

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

/* --- Addresses and routes --- */

/* Adds 'cidr' ("198.18.0.1/24"; IPv6 works too) to 'ifname'.  -EEXIST if
 * the link has it already. */
int netns_addr_add(const char *netns, const char *ifname, const char *cidr);
/* Adds a route to 'dst_cidr' ("198.18.2.0/24" or "default") through
 * 'gateway' to the main table.  -EEXIST if there is one already. */
int netns_route_add(const char *netns, const char *dst_cidr,
                    const char *gateway);

/* --- Cleanup ledger removers (see ledger.h) --- */

/* kind "netns": entry->name is the namespace.  A namespace already gone is
 * success; a name without LEDGER_PREFIX is refused with -EPERM. */
extern const struct ledger_kind_ops ledger_kind_netns;
/* kind "link": entry->name is the ifname in entry->netns ("" = root).  A
 * link already gone, or whose namespace is gone, is success; a link name
 * without LEDGER_PREFIX is refused with -EPERM. */
extern const struct ledger_kind_ops ledger_kind_link;

#endif
