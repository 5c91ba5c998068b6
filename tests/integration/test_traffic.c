/* One trial through a bare veth pair between two namespaces of our own,
 * against the real kernel (root): what the source interface drops itself
 * is the harness's loss, reported apart and making the trial invalid,
 * never charged to a datapath.  Everything is named pt-r<pid>... and
 * removed by the group teardown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/links.h"
#include "lib/netns.h"
#include "run/settings.h"
#include "topologies/topology.h"
#include "traffic/traffic.h"

static struct topology_ctx ctx;
static struct settings settings;
static struct traffic *traffic;

static int group_setup(void **state)
{
    struct strbuf err = STRBUF_INIT;
    int pid = (int)getpid();

    (void)state;
    if (geteuid() != 0) {
        fprintf(stderr, "test_traffic: needs root\n");
        return -1;
    }
    snprintf(ctx.source_ns, sizeof ctx.source_ns, "pt-r%d-s", pid);
    snprintf(ctx.dest_ns, sizeof ctx.dest_ns, "pt-r%d-d", pid);
    snprintf(ctx.source_if, sizeof ctx.source_if, "pt-r%ds", pid);
    snprintf(ctx.dest_if, sizeof ctx.dest_if, "pt-r%dd", pid);
    snprintf(ctx.source_host, sizeof ctx.source_host, "198.18.3.1");
    snprintf(ctx.dest_host, sizeof ctx.dest_host, "198.18.3.2");
    if (netns_add(ctx.source_ns) || netns_add(ctx.dest_ns)
        || netns_veth_add(ctx.source_if, ctx.dest_if, ctx.dest_ns)
        || netns_link_move(NULL, ctx.source_if, ctx.source_ns)
        || netns_link_set_up(ctx.source_ns, ctx.source_if, true)
        || netns_link_set_up(ctx.dest_ns, ctx.dest_if, true))
        return -1;
    settings_init(&settings);
    /* Frames bigger than the smallest MTU, so that a peer with that MTU
     * makes the source veth drop them (is_skb_forwardable). */
    settings_set_text(&settings, SETTING_FRAME_SIZE, "200", SOURCE_CMDLINE,
                      NULL, 0, &err);
    traffic = traffic_open(&ctx, &settings, 0x123, &err);
    if (!traffic)
        fprintf(stderr, "test_traffic: %s\n", err.buf);
    strbuf_dispose(&err);
    return traffic ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    traffic_close(traffic);
    settings_release(&settings);
    netns_link_del(NULL, ctx.source_if);
    netns_del(ctx.source_ns);
    netns_del(ctx.dest_ns);
    return netns_exists(ctx.source_ns) || netns_exists(ctx.dest_ns) ? -1 : 0;
}

/* The engine's sockets (the injector's, libpcap's) close on exec: a child
 * the run starts later, a JMX sidecar started again, must not hold them. */
static void test_traffic__sockets_close_on_exec(void **state)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int sockets = 0;

    (void)state;
    assert_non_null(d);
    while ((de = readdir(d))) {
        int fd = atoi(de->d_name);
        struct stat st;

        if (de->d_name[0] == '.' || fd == dirfd(d) || fstat(fd, &st)
            || !S_ISSOCK(st.st_mode))
            continue;
        sockets++;
        if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
            fail_msg("socket fd %d is inherited by children", fd);
    }
    closedir(d);
    assert_true(sockets >= 2);
}

static void test_traffic__clean_trial(void **state)
{
    volatile sig_atomic_t stop = 0;
    struct trial_result r;
    struct strbuf err = STRBUF_INIT;

    (void)state;
    assert_int_equal(traffic_trial(traffic, 2000, 400, &stop, &r, &err), 0);
    assert_true(r.valid);
    assert_int_equal(r.sent, 400);
    assert_int_equal(r.received, 400);
    assert_int_equal(r.source_drops, 0);
    strbuf_dispose(&err);
}

/* Sets the MTU of the destination's end: too small for our frames, the
 * source veth drops each one itself. */
static void dest_mtu(int mtu)
{
    char cmd[160];

    snprintf(cmd, sizeof cmd, "ip -n %s link set dev %s mtu %d", ctx.dest_ns,
             ctx.dest_if, mtu);
    assert_int_equal(system(cmd), 0);
}

/* What the source interface drops is the harness's side of the wire: a
 * peer whose MTU refuses every frame makes the source veth drop them, the
 * injector offers them again until it gives up, and the trial is invalid
 * with the drops reported apart, never as loss in a datapath. */
static void test_traffic__source_drops_are_the_harness(void **state)
{
    volatile sig_atomic_t stop = 0;
    struct trial_result r;
    struct strbuf err = STRBUF_INIT;

    (void)state;
    dest_mtu(68);
    assert_int_equal(traffic_trial(traffic, 2000, 400, &stop, &r, &err), 0);
    dest_mtu(1500);
    assert_int_equal(r.received, 0);
    assert_int_equal(r.sent, 0);
    assert_true(r.lost == 0 && r.loss_pct == 0);
    assert_true(r.source_drops > 0);
    assert_false(r.valid);
    assert_non_null(strstr(r.note, "took no frame"));
    strbuf_dispose(&err);
}

/* A device that takes nothing (its peer down: no carrier) ends the trial
 * after INJECTOR_STALL_MS instead of hanging the run. */
static void test_traffic__stalled_device_ends_the_trial(void **state)
{
    volatile sig_atomic_t stop = 0;
    struct trial_result r;
    struct strbuf err = STRBUF_INIT;

    (void)state;
    assert_int_equal(netns_link_set_up(ctx.dest_ns, ctx.dest_if, false), 0);
    assert_int_equal(traffic_trial(traffic, 2000, 400, &stop, &r, &err), 0);
    assert_int_equal(netns_link_set_up(ctx.dest_ns, ctx.dest_if, true), 0);
    assert_false(r.valid);
    assert_true(r.sent < 400);
    assert_non_null(strstr(r.note, "took no frame"));
    strbuf_dispose(&err);
}

/* The receiving side's own drops: frames the datapath handed on that the
 * destination interface could not take (its backlog full, or here its
 * MTU too small) are counted on that interface, and the trial is invalid
 * with them as the receiver's drops, never the datapath's loss.  A Linux
 * bridge in a namespace of the test's own stands for the datapath, so the
 * source interface itself drops nothing. */
static void test_traffic__dest_drops_are_the_harness(void **state)
{
    struct topology_ctx c = { 0 };
    char mid[32], br[16], a[16], b[16], cmd[160];
    volatile sig_atomic_t stop = 0;
    struct strbuf err = STRBUF_INIT;
    struct traffic *t;
    struct trial_result r;
    int pid = (int)getpid();

    (void)state;
    snprintf(c.source_ns, sizeof c.source_ns, "pt-r%d-s2", pid);
    snprintf(c.dest_ns, sizeof c.dest_ns, "pt-r%d-d2", pid);
    snprintf(mid, sizeof mid, "pt-r%d-m2", pid);
    snprintf(c.source_if, sizeof c.source_if, "pt-r%dS", pid);
    snprintf(c.dest_if, sizeof c.dest_if, "pt-r%dD", pid);
    snprintf(a, sizeof a, "pt-r%dA", pid);
    snprintf(b, sizeof b, "pt-r%dB", pid);
    snprintf(br, sizeof br, "pt-r%dM", pid);
    snprintf(c.source_host, sizeof c.source_host, "198.18.3.1");
    snprintf(c.dest_host, sizeof c.dest_host, "198.18.3.2");
    assert_int_equal(netns_add(c.source_ns), 0);
    assert_int_equal(netns_add(c.dest_ns), 0);
    assert_int_equal(netns_add(mid), 0);
    assert_int_equal(netns_bridge_add(mid, br), 0);
    assert_int_equal(netns_veth_add(a, c.source_if, c.source_ns), 0);
    assert_int_equal(netns_veth_add(b, c.dest_if, c.dest_ns), 0);
    assert_int_equal(netns_link_move(NULL, a, mid), 0);
    assert_int_equal(netns_link_move(NULL, b, mid), 0);
    assert_int_equal(netns_link_set_master(mid, a, br), 0);
    assert_int_equal(netns_link_set_master(mid, b, br), 0);
    assert_int_equal(netns_link_set_up(mid, br, true), 0);
    assert_int_equal(netns_link_set_up(mid, a, true), 0);
    assert_int_equal(netns_link_set_up(mid, b, true), 0);
    assert_int_equal(netns_link_set_up(c.source_ns, c.source_if, true), 0);
    assert_int_equal(netns_link_set_up(c.dest_ns, c.dest_if, true), 0);
    t = traffic_open(&c, &settings, 0x124, &err);
    assert_non_null(t);
    assert_int_equal(traffic_trial(t, 2000, 400, &stop, &r, &err), 0);
    assert_true(r.valid);
    assert_int_equal(r.received, 400);
    snprintf(cmd, sizeof cmd, "ip -n %s link set dev %s mtu 68", c.dest_ns,
             c.dest_if);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(traffic_trial(t, 2000, 400, &stop, &r, &err), 0);
    traffic_close(t);
    netns_del(mid);
    netns_del(c.source_ns);
    netns_del(c.dest_ns);
    assert_int_equal(r.sent, 400);
    assert_int_equal(r.received, 0);
    assert_int_equal(r.source_drops, 0);
    /* The trial's 400, and whatever else the interface was sent meanwhile
     * (the bridge floods IPv6 neighbour discovery too). */
    assert_true(r.kernel_drops >= 400);
    assert_false(r.valid);
    assert_non_null(strstr(r.note, "receiving side dropped"));
    strbuf_dispose(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_traffic__sockets_close_on_exec),
        cmocka_unit_test(test_traffic__clean_trial),
        cmocka_unit_test(test_traffic__source_drops_are_the_harness),
        cmocka_unit_test(test_traffic__stalled_device_ends_the_trial),
        cmocka_unit_test(test_traffic__dest_drops_are_the_harness),
        cmocka_unit_test(test_traffic__clean_trial),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
