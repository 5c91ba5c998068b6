#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "lib/links.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

#include <netlink/addr.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include "lib/netns.h"

/* ---------------------------------------------------------------------
 * Names and errors
 * ------------------------------------------------------------------- */

/* The kernel's dev_valid_name(), checked here because libnl truncates a
 * long name silently and we would create or delete the wrong link. */
static int check_ifname(const char *ifname)
{
    if (!ifname || !ifname[0])
        return -EINVAL;
    if (strlen(ifname) >= IFNAMSIZ)
        return -ENAMETOOLONG;
    if (strpbrk(ifname, "/: \t\n") || !strcmp(ifname, ".")
        || !strcmp(ifname, ".."))
        return -EINVAL;
    return 0;
}

/* libnl has its own error space.  Errors the kernel sent are taken from
 * the kernel (nl_result()); this maps what libnl itself reports back to
 * errno, so callers see one convention. */
static int nl_errno(int nlerr)
{
    switch (nlerr < 0 ? -nlerr : nlerr) {
    case 0:                 return 0;
    case NLE_NOMEM:         return -ENOMEM;
    case NLE_EXIST:         return -EEXIST;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:         return -ENOENT;
    case NLE_INVAL:
    case NLE_MISSING_ATTR:
    case NLE_IMMUTABLE:     return -EINVAL;
    case NLE_PERM:          return -EPERM;
    case NLE_NOACCESS:      return -EACCES;
    case NLE_BUSY:          return -EBUSY;
    case NLE_RANGE:         return -ERANGE;
    case NLE_OPNOTSUPP:     return -EOPNOTSUPP;
    case NLE_AF_NOSUPPORT:  return -EAFNOSUPPORT;
    case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
    case NLE_NOADDR:        return -EADDRNOTAVAIL;
    case NLE_AGAIN:         return -EAGAIN;
    case NLE_INTR:          return -EINTR;
    case NLE_BAD_SOCK:      return -EBADF;
    case NLE_MSGSIZE:
    case NLE_MSG_TOOSHORT:
    case NLE_MSG_TRUNC:     return -EMSGSIZE;
    default:                return -EIO;
    }
}

/* ---------------------------------------------------------------------
 * Netlink
 * ------------------------------------------------------------------- */

/* A route netlink socket, and the errno of the last error the kernel sent
 * on it: libnl folds the kernel's errno into its own codes, and many of
 * them (ENETUNREACH, EADDRNOTAVAIL for a route...) into "failure", which
 * would make every message a caller logs say "Input/output error". */
struct nl_conn {
    struct nl_sock *sk;
    int kernel_errno;
};

static int keep_kernel_errno(struct sockaddr_nl *nla, struct nlmsgerr *e,
                             void *arg)
{
    (void)nla;
    *(int *)arg = e->error < 0 ? -e->error : e->error;
    return NL_STOP;     /* and libnl returns its own code, as without us */
}

/* The result of a libnl call made on 'c': 0, the kernel's errno if the
 * kernel said no, else libnl's code translated.  A missing device is
 * -ENOENT whoever reports it (the kernel says ENODEV). */
static int nl_result(struct nl_conn *c, int nlerr)
{
    int rc;

    if (nlerr >= 0)
        return 0;
    rc = c->kernel_errno ? -c->kernel_errno : nl_errno(nlerr);
    c->kernel_errno = 0;
    return rc == -ENODEV ? -ENOENT : rc;
}

static void conn_close(struct nl_conn *c)
{
    if (c->sk)
        nl_socket_free(c->sk);
    c->sk = NULL;
}

/* Opens 'c' inside 'netns': a NETLINK_ROUTE socket talks to the namespace
 * it was created in for its whole life, so create it there and come
 * straight back.  'c' must stay where it is until conn_close(). */
static int conn_open(const char *netns, struct nl_conn *c)
{
    int saved, rc, leave_rc;

    c->kernel_errno = 0;
    if (!(c->sk = nl_socket_alloc()))
        return -ENOMEM;
    rc = nl_errno(nl_socket_modify_err_cb(c->sk, NL_CB_CUSTOM,
                                          keep_kernel_errno,
                                          &c->kernel_errno));
    if (!rc && !(rc = netns_enter(netns, &saved))) {
        rc = nl_errno(nl_connect(c->sk, NETLINK_ROUTE));
        leave_rc = netns_leave(saved);
        if (!rc)
            rc = leave_rc;
    }
    if (rc)
        conn_close(c);
    return rc;
}

/* A connection in 'netns' and the link 'ifname' in it, as the kernel has
 * it now.  On success the caller releases both with link_close(). */
struct link_ref {
    struct nl_conn nl;
    struct rtnl_link *link;
};

static void link_close(struct link_ref *ref)
{
    if (ref->link)
        rtnl_link_put(ref->link);
    ref->link = NULL;
    conn_close(&ref->nl);
}

static int link_open(const char *netns, const char *ifname,
                     struct link_ref *ref)
{
    int rc;

    ref->nl.sk = NULL;
    ref->link = NULL;
    if ((rc = check_ifname(ifname)) || (rc = conn_open(netns, &ref->nl)))
        return rc;
    rc = nl_result(&ref->nl, rtnl_link_get_kernel(ref->nl.sk, 0, ifname,
                                                  &ref->link));
    if (rc)
        link_close(ref);
    return rc;
}

/* Applies 'changes' to the link; takes ownership of 'changes'. */
static int link_change(const char *netns, const char *ifname,
                       struct rtnl_link *changes)
{
    struct link_ref ref;
    int rc;

    if (!changes)
        return -ENOMEM;
    rc = link_open(netns, ifname, &ref);
    if (!rc) {
        rc = nl_result(&ref.nl, rtnl_link_change(ref.nl.sk, ref.link,
                                                 changes, 0));
        link_close(&ref);
    }
    rtnl_link_put(changes);
    return rc;
}

/* Creates 'link' (takes ownership) in 'netns'.  EXCL: an existing link of
 * that name is an error, never adopted (and later deleted) as ours. */
static int link_create(const char *netns, struct rtnl_link *link)
{
    struct nl_conn c;
    int rc;

    if (!link)
        return -ENOMEM;
    if (!(rc = conn_open(netns, &c))) {
        rc = nl_result(&c, rtnl_link_add(c.sk, link,
                                          NLM_F_CREATE | NLM_F_EXCL));
        conn_close(&c);
    }
    rtnl_link_put(link);
    return rc;
}

/* ---------------------------------------------------------------------
 * Links
 * ------------------------------------------------------------------- */

int netns_veth_add(const char *name, const char *peer, const char *peer_netns)
{
    struct rtnl_link *link, *peer_link;
    int ns_fd = -1, rc;

    if ((rc = check_ifname(name)) || (rc = check_ifname(peer)))
        return rc;
    if (!netns_is_root(peer_netns)
        && (ns_fd = netns_open_fd(peer_netns)) < 0)
        return ns_fd;
    link = rtnl_link_veth_alloc();
    if (link) {
        peer_link = rtnl_link_veth_get_peer(link);
        rtnl_link_set_name(link, name);
        rtnl_link_set_name(peer_link, peer);
        /* The peer is born in its namespace (IFLA_NET_NS_FD in the peer's
         * info): one message, and its name never exists in the root. */
        if (ns_fd >= 0)
            rtnl_link_set_ns_fd(peer_link, ns_fd);
        rtnl_link_put(peer_link);
    }
    rc = link_create(NULL, link);
    if (ns_fd >= 0)
        close(ns_fd);
    return rc;
}

int netns_bridge_add(const char *netns, const char *name)
{
    struct rtnl_link *link;
    int rc;

    if ((rc = check_ifname(name)))
        return rc;
    if ((link = rtnl_link_bridge_alloc()))
        rtnl_link_set_name(link, name);
    return link_create(netns, link);
}

int netns_link_del(const char *netns, const char *ifname)
{
    struct link_ref ref;
    int rc = link_open(netns, ifname, &ref);

    if (rc)
        return rc;
    rc = nl_result(&ref.nl, rtnl_link_delete(ref.nl.sk, ref.link));
    link_close(&ref);
    return rc;
}

bool netns_link_exists(const char *netns, const char *ifname)
{
    struct link_ref ref;

    if (link_open(netns, ifname, &ref))
        return false;
    link_close(&ref);
    return true;
}

int netns_link_set_up(const char *netns, const char *ifname, bool up)
{
    struct rtnl_link *changes = rtnl_link_alloc();

    if (changes) {
        if (up)
            rtnl_link_set_flags(changes, IFF_UP);
        else
            rtnl_link_unset_flags(changes, IFF_UP);
    }
    return link_change(netns, ifname, changes);
}

int netns_link_move(const char *from_netns, const char *ifname,
                    const char *to_netns)
{
    struct rtnl_link *changes;
    int fd, rc;

    if ((fd = netns_open_fd(to_netns)) < 0)
        return fd;
    changes = rtnl_link_alloc();
    if (changes)
        rtnl_link_set_ns_fd(changes, fd);
    rc = link_change(from_netns, ifname, changes);
    close(fd);
    return rc;
}

int netns_link_set_master(const char *netns, const char *ifname,
                          const char *master)
{
    bool release = !master || !master[0];
    struct rtnl_link *mlink = NULL;
    struct link_ref ref;
    int rc;

    if (!release && (rc = check_ifname(master)))
        return rc;
    if ((rc = link_open(netns, ifname, &ref)))
        return rc;
    if (release) {
        rc = nl_result(&ref.nl, rtnl_link_release_ifindex(
            ref.nl.sk, rtnl_link_get_ifindex(ref.link)));
    } else {
        rc = nl_result(&ref.nl, rtnl_link_get_kernel(ref.nl.sk, 0, master,
                                                     &mlink));
        /* libnl reads the link back and says "not supported" when the
         * kernel ignored the master: a master that is no bridge or bond. */
        if (!rc)
            rc = nl_result(&ref.nl, rtnl_link_enslave_ifindex(
                ref.nl.sk, rtnl_link_get_ifindex(mlink),
                rtnl_link_get_ifindex(ref.link)));
    }
    if (mlink)
        rtnl_link_put(mlink);
    link_close(&ref);
    return rc;
}

int netns_link_set_tx_csum(const char *netns, const char *ifname, bool on)
{
    struct ethtool_value ev = { .cmd = ETHTOOL_STXCSUM, .data = on };
    struct ifreq ifr;
    int fd, rc;

    if ((rc = check_ifname(ifname)))
        return rc;
    /* The ioctl finds the device in the socket's namespace. */
    fd = netns_socket(netns, AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return fd;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, ifname, strlen(ifname) + 1);
    ifr.ifr_data = (void *)&ev;
    rc = ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
    close(fd);
    return rc == -ENODEV ? -ENOENT : rc;
}

int netns_link_get_ifindex(const char *netns, const char *ifname,
                           int *ifindex)
{
    struct link_ref ref;
    int rc = link_open(netns, ifname, &ref);

    if (rc)
        return rc;
    *ifindex = rtnl_link_get_ifindex(ref.link);
    link_close(&ref);
    return 0;
}

int netns_link_get_mac(const char *netns, const char *ifname, uint8_t mac[6])
{
    struct link_ref ref;
    struct nl_addr *addr;
    int rc = link_open(netns, ifname, &ref);

    if (rc)
        return rc;
    addr = rtnl_link_get_addr(ref.link);
    if (addr && nl_addr_get_len(addr) == 6)
        memcpy(mac, nl_addr_get_binary_addr(addr), 6);
    else
        rc = -ENODATA;  /* no Ethernet address: a tunnel, say */
    link_close(&ref);
    return rc;
}

int netns_link_stats(const char *netns, const char *ifname,
                     struct netns_link_stats *out)
{
    struct link_ref ref;
    int rc = link_open(netns, ifname, &ref);

    if (rc)
        return rc;
    out->rx_packets = rtnl_link_get_stat(ref.link, RTNL_LINK_RX_PACKETS);
    out->tx_packets = rtnl_link_get_stat(ref.link, RTNL_LINK_TX_PACKETS);
    out->rx_bytes = rtnl_link_get_stat(ref.link, RTNL_LINK_RX_BYTES);
    out->tx_bytes = rtnl_link_get_stat(ref.link, RTNL_LINK_TX_BYTES);
    out->rx_dropped = rtnl_link_get_stat(ref.link, RTNL_LINK_RX_DROPPED);
    out->tx_dropped = rtnl_link_get_stat(ref.link, RTNL_LINK_TX_DROPPED);
    out->rx_errors = rtnl_link_get_stat(ref.link, RTNL_LINK_RX_ERRORS);
    out->tx_errors = rtnl_link_get_stat(ref.link, RTNL_LINK_TX_ERRORS);
    link_close(&ref);
    return 0;
}

/* 'set' as the kernel's cpumask text: 32-bit hex words, highest first,
 * comma-separated, as many as the CPUs this host can have. */
static void cpumask_text(const cpu_set_t *set, char *buf, size_t size)
{
    long ncpu = sysconf(_SC_NPROCESSORS_CONF);
    int words = ncpu > 0 ? (int)((ncpu + 31) / 32) : 1;
    size_t len = 0;

    if (words > CPU_SETSIZE / 32)
        words = CPU_SETSIZE / 32;
    buf[0] = '\0';
    for (int w = words - 1; w >= 0 && len < size; w--) {
        uint32_t bits = 0;
        for (int b = 0; b < 32; b++)
            if (CPU_ISSET(w * 32 + b, set))
                bits |= UINT32_C(1) << b;
        len += (size_t)snprintf(buf + len, size - len, "%s%08x",
                                w == words - 1 ? "" : ",", bits);
    }
}

/* In the child: enter the namespace, mount a sysfs of its own on /sys
 * (in a mount namespace of its own, so nobody else sees it) and write
 * 'mask' to each rx queue.  Only system calls and snprintf to the stack:
 * the parent may have other threads, and one may hold malloc's lock. */
static int rps_child(int ns_fd, const char *ifname, const char *mask)
{
    char path[128];
    int q, wrote = 0;

    if (setns(ns_fd, CLONE_NEWNET) < 0)
        return errno;
    if (unshare(CLONE_NEWNS) < 0
        || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return errno;
    umount2("/sys", MNT_DETACH);
    if (mount("sysfs", "/sys", "sysfs", 0, NULL) < 0)
        return errno;
    for (q = 0; q < 4096; q++) {
        snprintf(path, sizeof path, "/sys/class/net/%s/queues/rx-%d/rps_cpus",
                 ifname, q);
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT)
                break;
            return errno;
        }
        ssize_t n = write(fd, mask, strlen(mask));
        int e = errno;
        close(fd);
        if (n < 0)
            return e;
        wrote++;
    }
    return wrote ? 0 : ENOENT;
}

int netns_link_set_rps(const char *netns, const char *ifname,
                       const cpu_set_t *set)
{
    char mask[CPU_SETSIZE / 32 * 9 + 1];
    int ns_fd, status, rc = check_ifname(ifname);
    pid_t pid;

    if (rc)
        return rc;
    cpumask_text(set, mask, sizeof mask);
    if ((ns_fd = netns_open_fd(netns)) < 0)
        return ns_fd;
    pid = fork();
    if (pid == 0)
        _exit(rps_child(ns_fd, ifname, mask));
    rc = pid < 0 ? -errno : 0;
    close(ns_fd);
    while (!rc && waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            rc = -errno;
    if (!rc)
        rc = WIFEXITED(status) ? -WEXITSTATUS(status) : -EINTR;
    return rc;
}

/* ---------------------------------------------------------------------
 * Addresses and routes
 * ------------------------------------------------------------------- */

/* "ADDR[/LEN]" of 'family' (AF_UNSPEC: whichever it is) into a new
 * nl_addr; LEN defaults to the full length.  Strict on purpose:
 * nl_addr_parse() also takes "default", MAC addresses and hex strings, none
 * of which is meant here. */
static int parse_cidr(const char *s, int family, struct nl_addr **out)
{
    unsigned char bin[16];
    char host[INET6_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
    long plen;
    int maxlen;

    *out = NULL;
    if (!hlen || hlen >= sizeof host)
        return -EINVAL;
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    if (family == AF_UNSPEC)
        family = strchr(host, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(family, host, bin) != 1)
        return -EINVAL;
    maxlen = family == AF_INET ? 32 : 128;
    plen = maxlen;
    if (slash) {
        char *end;
        errno = 0;
        plen = strtol(slash + 1, &end, 10);
        if (errno || end == slash + 1 || *end || plen < 0 || plen > maxlen)
            return -EINVAL;
    }
    if (!(*out = nl_addr_build(family, bin, (size_t)maxlen / 8)))
        return -ENOMEM;
    nl_addr_set_prefixlen(*out, (int)plen);
    return 0;
}

/* Adds or deletes 'cidr' on 'ifname'. */
static int addr_change(const char *netns, const char *ifname,
                       const char *cidr, bool add)
{
    struct link_ref ref;
    struct nl_addr *local = NULL;
    struct rtnl_addr *addr = NULL;
    int rc;

    if (!cidr)
        return -EINVAL;
    if ((rc = parse_cidr(cidr, AF_UNSPEC, &local)))
        return rc;
    if ((rc = link_open(netns, ifname, &ref)))
        goto out;
    if (!(addr = rtnl_addr_alloc())) {
        rc = -ENOMEM;
        goto out;
    }
    rtnl_addr_set_ifindex(addr, rtnl_link_get_ifindex(ref.link));
    if (!(rc = nl_errno(rtnl_addr_set_local(addr, local)))) {
        rtnl_addr_set_prefixlen(addr, (int)nl_addr_get_prefixlen(local));
        rc = nl_result(&ref.nl, add ? rtnl_addr_add(ref.nl.sk, addr,
                                                    NLM_F_EXCL)
                                    : rtnl_addr_delete(ref.nl.sk, addr, 0));
    }
out:
    if (addr)
        rtnl_addr_put(addr);
    link_close(&ref);
    nl_addr_put(local);
    return rc;
}

int netns_addr_add(const char *netns, const char *ifname, const char *cidr)
{
    return addr_change(netns, ifname, cidr, true);
}

int netns_addr_del(const char *netns, const char *ifname, const char *cidr)
{
    int rc = addr_change(netns, ifname, cidr, false);

    /* Gone already: the kernel says EADDRNOTAVAIL. */
    return rc == -EADDRNOTAVAIL ? -ENOENT : rc;
}

int netns_addr_has(const char *netns, const char *ifname, const char *cidr)
{
    struct link_ref ref;
    struct nl_addr *want = NULL;
    struct nl_cache *cache = NULL;
    int rc, found = 0;

    if ((rc = parse_cidr(cidr, AF_UNSPEC, &want)))
        return rc;
    if ((rc = link_open(netns, ifname, &ref)))
        goto out;
    if ((rc = nl_errno(rtnl_addr_alloc_cache(ref.nl.sk, &cache))))
        goto out;
    for (struct nl_object *o = nl_cache_get_first(cache); o;
         o = nl_cache_get_next(o)) {
        struct rtnl_addr *a = (struct rtnl_addr *)o;
        if (rtnl_addr_get_ifindex(a) == rtnl_link_get_ifindex(ref.link)
            /* The whole address and its prefix: another address of the
             * same network (a gateway, another agent) is not this one. */
            && rtnl_addr_get_local(a)
            && !nl_addr_cmp(rtnl_addr_get_local(a), want)
            && nl_addr_get_prefixlen(rtnl_addr_get_local(a))
               == nl_addr_get_prefixlen(want))
            found = 1;
    }
    rc = found;
out:
    if (cache)
        nl_cache_free(cache);
    link_close(&ref);
    nl_addr_put(want);
    return rc;
}

int netns_route_add(const char *netns, const char *dst_cidr,
                    const char *gateway)
{
    struct nl_addr *gw = NULL, *dst = NULL;
    struct rtnl_route *route = NULL;
    struct rtnl_nexthop *nh;
    struct nl_conn c = { NULL, 0 };
    int family, rc;

    if (!dst_cidr || !gateway || strchr(gateway, '/'))
        return -EINVAL;
    if ((rc = parse_cidr(gateway, AF_UNSPEC, &gw)))
        return rc;
    family = nl_addr_get_family(gw);
    if (!strcmp(dst_cidr, "default"))
        rc = parse_cidr(family == AF_INET ? "0.0.0.0/0" : "::/0", family,
                        &dst);
    else
        rc = parse_cidr(dst_cidr, family, &dst);
    if (rc || (rc = conn_open(netns, &c)))
        goto out;
    if (!(route = rtnl_route_alloc()) || !(nh = rtnl_route_nh_alloc())) {
        rc = -ENOMEM;
        goto out;
    }
    rtnl_route_set_family(route, (uint8_t)family);
    rtnl_route_set_table(route, RT_TABLE_MAIN);
    rtnl_route_set_protocol(route, RTPROT_BOOT);
    rtnl_route_set_scope(route, RT_SCOPE_UNIVERSE);
    rtnl_route_set_type(route, RTN_UNICAST);
    if ((rc = nl_errno(rtnl_route_set_dst(route, dst)))) {
        rtnl_route_nh_free(nh);
        goto out;
    }
    rtnl_route_nh_set_gateway(nh, gw);
    rtnl_route_add_nexthop(route, nh);      /* the route owns 'nh' now */
    rc = nl_result(&c, rtnl_route_add(c.sk, route, NLM_F_EXCL));
out:
    if (route)
        rtnl_route_put(route);
    conn_close(&c);
    nl_addr_put(dst);
    nl_addr_put(gw);
    return rc;
}

/* ---------------------------------------------------------------------
 * Cleanup ledger remover
 * ------------------------------------------------------------------- */

/* A missing namespace is -ENOENT from netns_link_del() too, and the link
 * went with it: success either way. */
static int remove_link(const struct ledger_entry *e)
{
    int rc;

    if (!ledger_name_is_ours(e->name))
        return -EPERM;
    rc = netns_link_del(e->location, e->name);
    return rc == -ENOENT ? 0 : rc;
}

const struct ledger_kind_ops ledger_kind_link = {
    .kind = "link",
    .remove = remove_link,
};

int links_addr_entry_name(const char *ifname, const char *cidr, char *buf,
                          size_t len)
{
    int n = snprintf(buf, len, "%saddr@%s@%s", LEDGER_PREFIX, ifname, cidr);

    return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The address's own interface may be anyone's (ens5): the entry's name,
 * ours, says which address on it the run added. */
static int remove_addr(const struct ledger_entry *e)
{
    char ifname[64], *cidr;
    const char *rest = e->name + strlen(LEDGER_PREFIX);
    int rc;

    if (!ledger_name_is_ours(e->name) || strncmp(rest, "addr@", 5))
        return -EPERM;
    snprintf(ifname, sizeof ifname, "%s", rest + 5);
    cidr = strchr(ifname, '@');
    if (!cidr)
        return -EINVAL;
    *cidr++ = '\0';
    rc = netns_addr_del(e->location, ifname, cidr);
    return rc == -ENOENT || rc == -ENODEV ? 0 : rc;
}

const struct ledger_kind_ops ledger_kind_addr = {
    .kind = "addr",
    .remove = remove_addr,
};
