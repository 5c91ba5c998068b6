#include "run/probe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/netns.h"
#include "lib/util.h"

#define PROBE_PORT 7357     /* any port: the namespace is ours alone */

/* A socket belongs to the namespace it was created in, whatever thread
 * uses it afterwards; so create it there and come straight back. */
static int socket_in(const char *ns, struct strbuf *err)
{
    int saved, fd, rc = netns_enter(ns, &saved);

    if (rc) {
        strbuf_addf(err, "cannot enter namespace '%s': %s", ns,
                    strerror(-rc));
        return rc;
    }
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    rc = fd < 0 ? -errno : 0;
    netns_leave(saved);
    if (rc)
        strbuf_addf(err, "cannot open a UDP socket in '%s': %s", ns,
                    strerror(-rc));
    return rc ? rc : fd;
}


int probe_udp(const struct topology_ctx *ctx, int count, int timeout_ms,
              int *received, struct strbuf *err)
{
    struct sockaddr_in dst = { .sin_family = AF_INET,
                               .sin_port = htons(PROBE_PORT) };
    char magic[32], buf[64];
    int rx = -1, tx = -1, rc = 0;

    *received = 0;
    if (inet_pton(AF_INET, ctx->dest_host, &dst.sin_addr) != 1) {
        strbuf_addf(err, "bad destination address '%s'", ctx->dest_host);
        return -EINVAL;
    }
    rx = socket_in(ctx->dest_ns, err);
    if (rx < 0)
        return rx;
    if (bind(rx, (struct sockaddr *)&dst, sizeof dst) < 0) {
        rc = -errno;
        strbuf_addf(err, "cannot bind %s:%d in '%s': %s", ctx->dest_host,
                    PROBE_PORT, ctx->dest_ns, strerror(-rc));
        goto out;
    }
    tx = socket_in(ctx->source_ns, err);
    if (tx < 0) {
        rc = tx;
        goto out;
    }
    /* The run id in the payload: only our own probes count. */
    snprintf(magic, sizeof magic, "pt-probe %.20s", ctx->short_id);
    for (int i = 0; i < count; i++) {
        if (sendto(tx, magic, strlen(magic), 0, (struct sockaddr *)&dst,
                   sizeof dst) < 0 && errno != EAGAIN) {
            rc = -errno;
            strbuf_addf(err, "cannot send to %s from '%s': %s",
                        ctx->dest_host, ctx->source_ns, strerror(-rc));
            goto out;
        }
        usleep(10000);  /* spaced like ping: ARP resolves, queues do not */
    }
    long long deadline = monotonic_ms() + timeout_ms;
    while (*received < count) {
        struct pollfd pfd = { .fd = rx, .events = POLLIN };
        long long left = deadline - monotonic_ms();
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        ssize_t n = recv(rx, buf, sizeof buf, 0);
        if (n == (ssize_t)strlen(magic) && !memcmp(buf, magic, (size_t)n))
            (*received)++;
    }
out:
    if (rx >= 0)
        close(rx);
    if (tx >= 0)
        close(tx);
    return rc;
}
