/* Fuzzes the jmx collector's side of the sidecar's line protocol
 * (collectors/jmx.c, collectors/jmx_sidecar.c): "metric", "ready",
 * "sample", "info|warn|error" lines, split where the socket's reads end.
 * The sidecar is our own Java, but it relays what the JVM under test
 * names its MBeans and attributes, and a JVM can say anything.
 *
 * The input is two parts (fuzz.h): what arrives while the collector
 * starts (jmx_init() reads until "ready" with the metric set open), and
 * what arrives after, read by jmx_sample().  The socket pair stands in for
 * the sidecar's stdin and stdout; nothing is started. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The file itself, for its static line handlers and state; the library's
 * jmx.o is then not linked. */
#include "collectors/jmx.c"

#include "fuzz.h"

static void put(int fd, const char *text, size_t len)
{
    /* What does not fit in the socket's buffer is cut: a sidecar that
     * stopped mid-line leaves the same. */
    if (len && write(fd, text, len) < 0) {
        perror("write");
        abort();
    }
}

/* jmx_init() after the sidecar started: it reads until "ready" with the
 * metric set open.  One read takes all that was sent (the reader drains
 * the socket), which is the order the lines would come in anyway. */
static void start_up(struct jmx_state *s, struct metric_set *ms)
{
    s->ms = ms;
    jmx_sidecar_read(&s->sc, 0, on_line, s);
    s->ms = NULL;
    /* Where jmx_init() sizes the sample buffer, once the metrics are
     * known (the collector's state must be as init() leaves it). */
    if (!s->last)
        s->last = xcalloc(s->n ? s->n : 1, sizeof *s->last);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jmx_state *s = xcalloc(1, sizeof *s);
    struct metric_set ms = { 0 };
    struct strbuf err = STRBUF_INIT;
    struct fuzz_parts p;
    double *v;
    int sv[2];

    fuzz_split(data, size, &p);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
                   sv)) {
        perror("socketpair");
        abort();
    }
    strbuf_init(&s->setup);
    strbuf_init(&s->why);
    strbuf_init(&s->sc.in);     /* as jmx_sidecar_start() does */
    s->interval = 1;
    s->sc.fd = sv[0];
    put(sv[1], p.part[0], p.len[0]);
    start_up(s, &ms);
    if (ms.n != s->n)
        fuzz_fail("%zu metrics declared, %zu labels kept", ms.n, s->n);
    if (p.n > 1) {
        /* The peer stays open: a closed one makes jmx_sample() start a
         * new sidecar. */
        put(sv[1], p.part[1], p.len[1]);
        v = xcalloc(s->n ? s->n : 1, sizeof *v);
        jmx_sample(s, s->last_ns + 500000000ull, v, &err);
        free(v);
    }
    jmx_close(s);
    close(sv[1]);
    metric_set_release(&ms);
    strbuf_dispose(&err);
    fuzz_parts_release(&p);
    return 0;
}
