/* Integration test of the namespace and link module against the real
 * kernel: named namespaces, veth pairs, a Linux bridge, addresses, routes,
 * checksum offload, real UDP between namespaces, and the ledger removers.
 * Needs root.
 *
 * Everything it makes is named pt-t<pid>..., uses 198.18.0.0/15 only, and
 * lives in its own namespaces except for a root end of a veth pair for the
 * moment between creating and moving it.  The group teardown removes all
 * of it even when a test failed, and fails if `ip netns list` or
 * `ip -o link` still show any of it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

#include <cmocka.h>

#include "lib/ledger.h"
#include "lib/links.h"
#include "lib/netns.h"
#include "lib/strbuf.h"

#define UDP_PORT 7358

static struct {
    char prefix[16];
    /* namespaces */
    char a[32], b[32], br_ns[32], h1_ns[32], h2_ns[32], led[32], x[32],
         missing[32];
    /* links, <= 15 characters */
    char va[16], vb[16], c0[16], c1[16], p1[16], h1[16], p2[16], h2[16],
         br[16], l0[16], l1[16], nolink[16];
} fx;

/* ---- helpers ---- */

static char *command_output(const char *cmd)
{
    struct strbuf sb = STRBUF_INIT;
    char buf[4096];
    size_t n;
    FILE *f = popen(cmd, "r");

    if (!f)
        return xstrdup("");
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        strbuf_add(&sb, buf, n);
    pclose(f);
    if (!sb.buf)
        return xstrdup("");
    return strbuf_detach(&sb);
}

/* True if 'text' names something of this test run: our prefix not
 * followed by a digit (pt-t12 must not match pt-t123's things). */
static bool mentions_ours(const char *text)
{
    size_t len = strlen(fx.prefix);

    for (const char *p = strstr(text, fx.prefix); p;
         p = strstr(p + 1, fx.prefix))
        if (!isdigit((unsigned char)p[len]))
            return true;
    return false;
}

/* `ip netns list` has a line "NAME" or "NAME (id: N)". */
static bool ip_netns_lists(const char *name)
{
    char *out = command_output("ip netns list 2>/dev/null");
    size_t len = strlen(name);
    bool found = false;

    for (char *line = out; line && *line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (!strncmp(line, name, len)
            && (line[len] == '\0' || line[len] == '\n' || line[len] == ' '))
            found = true;
    }
    free(out);
    return found;
}

/* No cmocka assertion in here: threads other than main call it. */
static bool same_ns(const char *a, const char *b)
{
    struct stat sa, sb;

    return !stat(a, &sa) && !stat(b, &sb) && sa.st_ino == sb.st_ino
           && sa.st_dev == sb.st_dev;
}

static void ensure_ns(const char *name)
{
    if (!netns_exists(name))
        assert_int_equal(netns_add(name), 0);
}

static short if_flags(const char *ns, const char *ifname)
{
    struct ifreq ifr;
    int fd = netns_socket(ns, AF_INET, SOCK_DGRAM, 0);

    assert_true(fd >= 0);
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    assert_int_equal(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
    close(fd);
    return ifr.ifr_flags;
}

static int tx_csum(const char *ns, const char *ifname)
{
    struct ethtool_value ev = { .cmd = ETHTOOL_GTXCSUM };
    struct ifreq ifr;
    int fd = netns_socket(ns, AF_INET, SOCK_DGRAM, 0);

    assert_true(fd >= 0);
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    ifr.ifr_data = (void *)&ev;
    assert_int_equal(ioctl(fd, SIOCETHTOOL, &ifr), 0);
    close(fd);
    return (int)ev.data;
}

/* Sends datagrams from 'src_ns' to dst_ip:UDP_PORT in 'dst_ns' every
 * 100 ms until one arrives or 'timeout_ms' passes; true if one did. */
static bool udp_passes(const char *src_ns, const char *dst_ns,
                       const char *dst_ip, int timeout_ms)
{
    struct sockaddr_in dst = { .sin_family = AF_INET,
                               .sin_port = htons(UDP_PORT) };
    char payload[64], buf[128];
    bool got = false;
    int rx, tx;

    assert_int_equal(inet_pton(AF_INET, dst_ip, &dst.sin_addr), 1);
    snprintf(payload, sizeof payload, "%s udp probe", fx.prefix);
    rx = netns_socket(dst_ns, AF_INET, SOCK_DGRAM, 0);
    assert_true(rx >= 0);
    assert_int_equal(bind(rx, (struct sockaddr *)&dst, sizeof dst), 0);
    tx = netns_socket(src_ns, AF_INET, SOCK_DGRAM, 0);
    assert_true(tx >= 0);
    for (int waited = 0; !got && waited < timeout_ms; waited += 100) {
        struct pollfd pfd = { .fd = rx, .events = POLLIN };

        /* EHOSTUNREACH and friends while ARP resolves: try again. */
        (void)sendto(tx, payload, strlen(payload), 0,
                     (struct sockaddr *)&dst, sizeof dst);
        while (!got && poll(&pfd, 1, 100) > 0) {
            ssize_t n = recv(rx, buf, sizeof buf, 0);
            got = n == (ssize_t)strlen(payload) && !memcmp(buf, payload,
                                                          (size_t)n);
        }
    }
    close(tx);
    close(rx);
    return got;
}

/* ---- group setup and teardown ---- */

static int group_setup(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        fprintf(stderr, "test_netns: needs root\n");
        return -1;
    }
    snprintf(fx.prefix, sizeof fx.prefix, "pt-t%d", (int)getpid());
#define NS(field, suffix) \
    snprintf(fx.field, sizeof fx.field, "%s-%s", fx.prefix, suffix)
    NS(a, "a"); NS(b, "b"); NS(br_ns, "br"); NS(h1_ns, "h1");
    NS(h2_ns, "h2"); NS(led, "l"); NS(x, "x"); NS(missing, "missing");
#undef NS
#define IF(field, suffix)                                                \
    do {                                                                 \
        if (snprintf(fx.field, sizeof fx.field, "%s%s", fx.prefix,       \
                     suffix) >= (int)sizeof fx.field)                    \
            return -1;                                                   \
    } while (0)
    IF(va, "va"); IF(vb, "vb"); IF(c0, "c0"); IF(c1, "c1"); IF(p1, "p1");
    IF(h1, "h1"); IF(p2, "p2"); IF(h2, "h2"); IF(br, "br"); IF(l0, "l0");
    IF(l1, "l1"); IF(nolink, "zz");
#undef IF
    return 0;
}

static int group_teardown(void **state)
{
    /* Root ends of pairs that a failed test did not get to move. */
    const char *root_links[] = { fx.va, fx.vb, fx.c0, fx.c1, fx.p1, fx.p2,
                                 fx.h1, fx.h2, fx.l0, fx.l1, fx.br };
    const char *nss[] = { fx.a, fx.b, fx.br_ns, fx.h1_ns, fx.h2_ns, fx.led,
                          fx.x, fx.missing };
    char *out;
    int rc = 0;

    (void)state;
    for (size_t i = 0; i < sizeof root_links / sizeof *root_links; i++) {
        int err = netns_link_del(NULL, root_links[i]);
        if (err && err != -ENOENT) {
            fprintf(stderr, "teardown: cannot delete link '%s': %s\n",
                    root_links[i], strerror(-err));
            rc = -1;
        }
    }
    for (size_t i = 0; i < sizeof nss / sizeof *nss; i++) {
        int err = netns_del(nss[i]);
        if (err && err != -ENOENT) {
            fprintf(stderr, "teardown: cannot delete namespace '%s': %s\n",
                    nss[i], strerror(-err));
            rc = -1;
        }
    }
    out = command_output("ip netns list 2>&1; ip -o link show 2>&1");
    if (mentions_ours(out)) {
        fprintf(stderr, "teardown: leftovers of %s:\n%s", fx.prefix, out);
        rc = -1;
    }
    free(out);
    return rc;
}

/* ---- tests ---- */

static void test_netns__add_exists_del(void **state)
{
    int fd;

    (void)state;
    assert_false(netns_exists(fx.x));
    assert_int_equal(netns_add(fx.x), 0);
    assert_true(netns_exists(fx.x));
    assert_int_equal(netns_add(fx.x), -EEXIST);
    /* Made the way iproute2 makes them, so iproute2 sees it. */
    assert_true(ip_netns_lists(fx.x));
    fd = netns_open_fd(fx.x);
    assert_true(fd >= 0);
    close(fd);
    /* The new namespace is a fresh one: a loopback and nothing else. */
    assert_true(netns_link_exists(fx.x, "lo"));
    assert_false(netns_link_exists(fx.x, "eth0"));

    assert_int_equal(netns_del(fx.x), 0);
    assert_false(netns_exists(fx.x));
    assert_false(ip_netns_lists(fx.x));
    assert_int_equal(netns_del(fx.x), -ENOENT);
    assert_int_equal(netns_open_fd(fx.x), -ENOENT);
}

struct thread_arg {
    const char *ns;
    pthread_barrier_t *barrier;
    int rc;
    bool was_inside;
};

static void *thread_in_ns(void *p)
{
    struct thread_arg *arg = p;
    char path[64];
    int saved;

    snprintf(path, sizeof path, "%s/%s", NETNS_RUN_DIR, arg->ns);
    arg->rc = netns_enter(arg->ns, &saved);
    if (!arg->rc) {
        arg->was_inside = same_ns("/proc/thread-self/ns/net", path);
        pthread_barrier_wait(arg->barrier);    /* main checks itself */
        pthread_barrier_wait(arg->barrier);    /* main is done */
        arg->rc = netns_leave(saved);
    } else {
        pthread_barrier_wait(arg->barrier);
        pthread_barrier_wait(arg->barrier);
    }
    return NULL;
}

static bool ns_matches(const char *path, const struct stat *want)
{
    struct stat st;

    return !stat(path, &st) && st.st_ino == want->st_ino
           && st.st_dev == want->st_dev;
}

static void test_netns__enter_leave(void **state)
{
    const char *self = "/proc/thread-self/ns/net";
    char pa[64], pb[64];
    struct stat start, st;
    pthread_barrier_t barrier;
    struct thread_arg arg = { .barrier = &barrier };
    pthread_t thread;
    int s1, s2, s3, fd;

    (void)state;
    ensure_ns(fx.a);
    ensure_ns(fx.b);
    snprintf(pa, sizeof pa, "%s/%s", NETNS_RUN_DIR, fx.a);
    snprintf(pb, sizeof pb, "%s/%s", NETNS_RUN_DIR, fx.b);
    /* The test starts in the root namespace, and the module agrees. */
    assert_int_equal(stat(self, &start), 0);
    fd = netns_open_fd(NULL);
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    close(fd);
    assert_true(st.st_ino == start.st_ino && st.st_dev == start.st_dev);

    assert_int_equal(netns_enter(fx.a, &s1), 0);
    assert_true(same_ns(self, pa));
    /* Nesting: leave returns to the namespace entered from; "root" is the
     * root even when asked from inside another namespace. */
    assert_int_equal(netns_enter(fx.b, &s2), 0);
    assert_true(same_ns(self, pb));
    assert_int_equal(netns_enter(NULL, &s3), 0);
    assert_true(ns_matches(self, &start));
    assert_int_equal(netns_leave(s3), 0);
    assert_true(same_ns(self, pb));
    assert_int_equal(netns_leave(s2), 0);
    assert_true(same_ns(self, pa));
    assert_int_equal(netns_leave(s1), 0);
    assert_true(ns_matches(self, &start));

    assert_int_equal(netns_enter(fx.missing, &s1), -ENOENT);
    assert_int_equal(s1, -1);
    assert_int_equal(netns_leave(-1), -EBADF);

    /* Another thread inside a namespace leaves this one where it is. */
    arg.ns = fx.a;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
    assert_int_equal(pthread_create(&thread, NULL, thread_in_ns, &arg), 0);
    pthread_barrier_wait(&barrier);
    bool main_in_root = ns_matches(self, &start);
    bool root_lo = netns_link_exists(NULL, "lo");
    pthread_barrier_wait(&barrier);
    pthread_join(thread, NULL);
    pthread_barrier_destroy(&barrier);
    assert_int_equal(arg.rc, 0);
    assert_true(arg.was_inside);
    assert_true(main_in_root);
    assert_true(root_lo);
}

static void test_netns__veth_udp(void **state)
{
    struct netns_link_stats st;
    uint8_t mac[6], zero[6] = { 0 };
    int ifindex = 0;

    (void)state;
    ensure_ns(fx.a);
    ensure_ns(fx.b);
    assert_int_equal(netns_veth_add(fx.va, fx.vb, fx.b), 0);
    assert_true(netns_link_exists(NULL, fx.va));
    assert_true(netns_link_exists(fx.b, fx.vb));
    assert_false(netns_link_exists(NULL, fx.vb));
    assert_int_equal(netns_veth_add(fx.va, fx.vb, fx.b), -EEXIST);

    assert_int_equal(netns_link_move(NULL, fx.va, fx.a), 0);
    assert_false(netns_link_exists(NULL, fx.va));
    assert_true(netns_link_exists(fx.a, fx.va));
    assert_int_equal(netns_link_move(NULL, fx.va, fx.a), -ENOENT);

    assert_int_equal(netns_link_get_ifindex(fx.a, fx.va, &ifindex), 0);
    assert_true(ifindex > 0);
    assert_int_equal(netns_link_get_mac(fx.b, fx.vb, mac), 0);
    assert_memory_not_equal(mac, zero, 6);
    assert_int_equal(mac[0] & 1, 0);   /* unicast */

    assert_int_equal(netns_addr_add(fx.a, fx.va, "198.18.0.1/24"), 0);
    assert_int_equal(netns_addr_add(fx.b, fx.vb, "198.18.0.2/24"), 0);
    assert_int_equal(netns_addr_add(fx.a, fx.va, "198.18.0.1/24"), -EEXIST);
    assert_int_equal(netns_link_set_tx_csum(fx.a, fx.va, false), 0);
    assert_int_equal(netns_link_set_tx_csum(fx.b, fx.vb, false), 0);
    assert_int_equal(netns_link_set_up(fx.a, "lo", true), 0);
    assert_int_equal(netns_link_set_up(fx.b, "lo", true), 0);
    assert_int_equal(netns_link_set_up(fx.a, fx.va, true), 0);
    assert_int_equal(netns_link_set_up(fx.b, fx.vb, true), 0);
    assert_true(if_flags(fx.a, fx.va) & IFF_UP);
    assert_int_equal(netns_link_set_up(fx.b, fx.vb, false), 0);
    assert_false(if_flags(fx.b, fx.vb) & IFF_UP);
    assert_int_equal(netns_link_set_up(fx.b, fx.vb, true), 0);
    assert_true(if_flags(fx.b, fx.vb) & IFF_UP);

    assert_int_equal(netns_route_add(fx.a, "198.18.2.0/24", "198.18.0.2"), 0);
    assert_int_equal(netns_route_add(fx.a, "198.18.2.0/24", "198.18.0.2"),
                     -EEXIST);
    assert_int_equal(netns_route_add(fx.b, "default", "198.18.0.1"), 0);
    /* The kernel's own reason, not libnl's catch-all "failure". */
    assert_int_equal(netns_route_add(fx.a, "198.18.5.0/24", "198.18.9.9"),
                     -ENETUNREACH);

    assert_true(udp_passes(fx.a, fx.b, "198.18.0.2", 5000));
    /* ... and back, through the default route's side too. */
    assert_true(udp_passes(fx.b, fx.a, "198.18.0.1", 5000));

    assert_int_equal(netns_link_stats(fx.a, fx.va, &st), 0);
    assert_true(st.tx_packets > 0 && st.tx_bytes > 0);
    assert_true(st.rx_packets > 0);
    assert_int_equal(netns_link_stats(fx.b, fx.vb, &st), 0);
    assert_true(st.rx_packets > 0 && st.rx_bytes > 0);
    assert_int_equal(netns_link_stats(fx.b, fx.nolink, &st), -ENOENT);
}

/* rx-0's rps_cpus of 'ifname' in 'ns', as `ip netns exec` (a sysfs of
 * the namespace's own) shows it, leading zero words dropped. */
static unsigned long rps_mask(const char *ns, const char *ifname)
{
    char cmd[256], buf[256] = "";
    char hex[256];
    size_t n = 0;
    FILE *p;

    snprintf(cmd, sizeof cmd, "ip netns exec %s cat "
             "/sys/class/net/%s/queues/rx-0/rps_cpus", ns, ifname);
    p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(buf, sizeof buf, p));
    assert_int_equal(pclose(p), 0);
    for (char *c = buf; isxdigit((unsigned char)*c) || *c == ','; c++)
        if (*c != ',')
            hex[n++] = *c;
    hex[n] = '\0';
    /* The low 64 CPUs are enough for what the test sets. */
    unsigned long mask = strtoul(n > 16 ? hex + n - 16 : hex, NULL, 16);
    return mask;
}

/* RPS is written inside the namespace (the link is not in the root one,
 * so a write there would fail), read back as the kernel has it. */
static void test_netns__rps(void **state)
{
    cpu_set_t set;

    (void)state;
    ensure_ns(fx.a);
    assert_int_equal(netns_veth_add(fx.c0, fx.c1, fx.a), 0);
    assert_int_equal(rps_mask(fx.a, fx.c1), 0);
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    assert_int_equal(netns_link_set_rps(fx.a, fx.c1, &set), 0);
    assert_int_equal(rps_mask(fx.a, fx.c1), 1);
    if (sysconf(_SC_NPROCESSORS_ONLN) > 1) {
        CPU_SET(1, &set);
        assert_int_equal(netns_link_set_rps(fx.a, fx.c1, &set), 0);
        assert_int_equal(rps_mask(fx.a, fx.c1), 3);
    }
    CPU_ZERO(&set);
    assert_int_equal(netns_link_set_rps(fx.a, fx.c1, &set), 0);
    assert_int_equal(rps_mask(fx.a, fx.c1), 0);
    /* The root namespace's end is found there, not in 'a'. */
    CPU_SET(0, &set);
    assert_int_equal(netns_link_set_rps(NULL, fx.c0, &set), 0);
    assert_int_equal(netns_link_set_rps(fx.a, fx.c0, &set), -ENOENT);
    assert_int_equal(netns_link_set_rps(fx.a, fx.nolink, &set), -ENOENT);
    assert_int_equal(netns_link_set_rps(fx.missing, fx.c1, &set), -ENOENT);
    assert_int_equal(netns_link_del(NULL, fx.c0), 0);
}

static void test_netns__tx_csum(void **state)
{
    (void)state;
    ensure_ns(fx.a);
    assert_int_equal(netns_veth_add(fx.c0, fx.c1, fx.a), 0);
    assert_int_equal(netns_link_move(NULL, fx.c0, fx.a), 0);
    /* Back to the root and in again. */
    assert_int_equal(netns_link_move(fx.a, fx.c0, NULL), 0);
    assert_true(netns_link_exists(NULL, fx.c0));
    assert_int_equal(netns_link_move(NULL, fx.c0, fx.a), 0);
    assert_false(netns_link_exists(NULL, fx.c0));
    assert_int_equal(tx_csum(fx.a, fx.c1), 1);   /* veth default: on */
    assert_int_equal(netns_link_set_tx_csum(fx.a, fx.c1, false), 0);
    assert_int_equal(tx_csum(fx.a, fx.c1), 0);
    assert_int_equal(netns_link_set_tx_csum(fx.a, fx.c1, false), 0);
    assert_int_equal(netns_link_set_tx_csum(fx.a, fx.c1, true), 0);
    assert_int_equal(tx_csum(fx.a, fx.c1), 1);
    assert_int_equal(netns_link_set_tx_csum(fx.a, fx.nolink, false),
                     -ENOENT);
    assert_int_equal(netns_link_set_tx_csum(fx.missing, fx.c1, false),
                     -ENOENT);
    assert_int_equal(netns_link_del(fx.a, fx.c0), 0);
    /* Deleting one end of a pair deletes the other. */
    assert_false(netns_link_exists(fx.a, fx.c1));
}

static void test_netns__bridge_udp(void **state)
{
    struct { const char *port, *host, *host_ns, *cidr; } side[] = {
        { fx.p1, fx.h1, fx.h1_ns, "198.18.1.1/24" },
        { fx.p2, fx.h2, fx.h2_ns, "198.18.1.2/24" },
    };
    struct netns_link_stats st;

    (void)state;
    ensure_ns(fx.br_ns);
    assert_int_equal(netns_bridge_add(fx.br_ns, fx.br), 0);
    assert_int_equal(netns_bridge_add(fx.br_ns, fx.br), -EEXIST);
    assert_int_equal(netns_link_set_up(fx.br_ns, fx.br, true), 0);
    for (size_t i = 0; i < 2; i++) {
        ensure_ns(side[i].host_ns);
        assert_int_equal(netns_veth_add(side[i].port, side[i].host,
                                        side[i].host_ns), 0);
        assert_int_equal(netns_link_move(NULL, side[i].port, fx.br_ns), 0);
        assert_int_equal(netns_link_set_master(fx.br_ns, side[i].port,
                                               fx.br), 0);
        assert_int_equal(netns_link_set_tx_csum(fx.br_ns, side[i].port,
                                                false), 0);
        assert_int_equal(netns_link_set_tx_csum(side[i].host_ns,
                                                side[i].host, false), 0);
        assert_int_equal(netns_addr_add(side[i].host_ns, side[i].host,
                                        side[i].cidr), 0);
        assert_int_equal(netns_link_set_up(fx.br_ns, side[i].port, true), 0);
        assert_int_equal(netns_link_set_up(side[i].host_ns, side[i].host,
                                           true), 0);
    }
    assert_int_equal(netns_link_set_master(fx.br_ns, fx.p1, fx.nolink),
                     -ENOENT);

    assert_true(udp_passes(fx.h1_ns, fx.h2_ns, "198.18.1.2", 5000));
    assert_int_equal(netns_link_stats(fx.br_ns, fx.p1, &st), 0);
    assert_true(st.rx_packets > 0);     /* the bridge port took it in */
    assert_int_equal(netns_link_stats(fx.br_ns, fx.p2, &st), 0);
    assert_true(st.tx_packets > 0);     /* ... and handed it on */

    /* A port released from the bridge carries nothing any more. */
    assert_int_equal(netns_link_set_master(fx.br_ns, fx.p2, NULL), 0);
    assert_false(udp_passes(fx.h1_ns, fx.h2_ns, "198.18.1.2", 500));
    assert_int_equal(netns_link_set_master(fx.br_ns, fx.p2, fx.br), 0);
    assert_true(udp_passes(fx.h1_ns, fx.h2_ns, "198.18.1.2", 5000));

    assert_int_equal(netns_link_del(fx.br_ns, fx.br), 0);
    assert_false(netns_link_exists(fx.br_ns, fx.br));
    assert_true(netns_link_exists(fx.br_ns, fx.p1));
}

static void test_netns__ledger_removers(void **state)
{
    struct ledger_entry link = { .kind = "link" }, ns = { .kind = "netns" };

    (void)state;
    ensure_ns(fx.led);
    assert_int_equal(netns_veth_add(fx.l0, fx.l1, fx.led), 0);

    /* A link in the root namespace, twice: gone is success. */
    snprintf(link.name, sizeof link.name, "%s", fx.l0);
    assert_int_equal(ledger_kind_link.remove(&link), 0);
    assert_false(netns_link_exists(NULL, fx.l0));
    assert_false(netns_link_exists(fx.led, fx.l1));
    assert_int_equal(ledger_kind_link.remove(&link), 0);

    /* A link inside a namespace. */
    assert_int_equal(netns_veth_add(fx.l0, fx.l1, fx.led), 0);
    assert_int_equal(netns_link_move(NULL, fx.l0, fx.led), 0);
    snprintf(link.location, sizeof link.location, "%s", fx.led);
    assert_int_equal(ledger_kind_link.remove(&link), 0);
    assert_false(netns_link_exists(fx.led, fx.l0));
    assert_int_equal(ledger_kind_link.remove(&link), 0);

    /* The namespace, twice. */
    snprintf(ns.name, sizeof ns.name, "%s", fx.led);
    assert_int_equal(ledger_kind_netns.remove(&ns), 0);
    assert_false(netns_exists(fx.led));
    assert_int_equal(ledger_kind_netns.remove(&ns), 0);
    /* A link whose namespace is gone went with it. */
    assert_int_equal(ledger_kind_link.remove(&link), 0);

    /* Names that are not ours are refused, whatever a ledger says. */
    snprintf(ns.name, sizeof ns.name, "notours");
    assert_int_equal(ledger_kind_netns.remove(&ns), -EPERM);
    snprintf(link.name, sizeof link.name, "lo");
    link.location[0] = '\0';
    assert_int_equal(ledger_kind_link.remove(&link), -EPERM);
    assert_true(netns_link_exists(NULL, "lo"));
    snprintf(link.name, sizeof link.name, "eth0");
    assert_int_equal(ledger_kind_link.remove(&link), -EPERM);
}

static void test_netns__errors(void **state)
{
    char toolong[32];
    int fd, saved;

    (void)state;
    ensure_ns(fx.a);
    snprintf(toolong, sizeof toolong, "%s-0123456789", fx.prefix);
    assert_int_equal(netns_del(fx.missing), -ENOENT);
    assert_false(netns_exists(fx.missing));
    assert_int_equal(netns_add(""), -EINVAL);
    assert_int_equal(netns_add("pt-a/b"), -EINVAL);
    assert_int_equal(netns_add(".."), -EINVAL);
    assert_int_equal(netns_del(NULL), -EINVAL);
    assert_int_equal(netns_enter(fx.missing, &saved), -ENOENT);

    /* NULL and "" are the root namespace. */
    assert_true(netns_exists(NULL) && netns_exists(""));
    fd = netns_open_fd(NULL);
    assert_true(fd >= 0);
    close(fd);

    assert_int_equal(netns_link_del(fx.a, fx.nolink), -ENOENT);
    assert_int_equal(netns_link_del(fx.missing, fx.nolink), -ENOENT);
    assert_int_equal(netns_link_set_up(fx.a, fx.nolink, true), -ENOENT);
    assert_int_equal(netns_link_set_up(NULL, toolong, true), -ENAMETOOLONG);
    assert_false(netns_link_exists(NULL, toolong));
    assert_int_equal(netns_veth_add(toolong, fx.nolink, NULL), -ENAMETOOLONG);
    assert_int_equal(netns_veth_add(fx.c0, fx.c1, fx.missing), -ENOENT);
    assert_false(netns_link_exists(NULL, fx.c0));
    assert_int_equal(netns_link_move(NULL, fx.nolink, fx.a), -ENOENT);
    assert_int_equal(netns_link_move(fx.a, fx.nolink, NULL), -ENOENT);

    assert_int_equal(netns_addr_add(fx.a, "lo", "198.18.0.300/24"), -EINVAL);
    assert_int_equal(netns_addr_add(fx.a, "lo", "198.18.0.1/33"), -EINVAL);
    assert_int_equal(netns_addr_add(fx.a, "lo", "default"), -EINVAL);
    assert_int_equal(netns_addr_add(fx.a, fx.nolink, "198.18.3.1/24"),
                     -ENOENT);
    assert_int_equal(netns_route_add(fx.a, "198.18.4.0/24", "nonsense"),
                     -EINVAL);
    assert_int_equal(netns_route_add(fx.a, "198.18.4.0/24", "198.18.0.2/24"),
                     -EINVAL);
    assert_int_equal(netns_route_add(fx.a, "fd00::/64", "198.18.0.2"),
                     -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netns__add_exists_del),
        cmocka_unit_test(test_netns__enter_leave),
        cmocka_unit_test(test_netns__veth_udp),
        cmocka_unit_test(test_netns__tx_csum),
        cmocka_unit_test(test_netns__rps),
        cmocka_unit_test(test_netns__bridge_udp),
        cmocka_unit_test(test_netns__ledger_removers),
        cmocka_unit_test(test_netns__errors),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
