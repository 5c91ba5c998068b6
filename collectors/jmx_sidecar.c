/* Starting, reading and stopping the JMX sidecar. */
#include "collectors/jmx_sidecar.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/ledger.h"
#include "lib/proc.h"
#include "lib/util.h"

bool jmx_is_jvm(pid_t pid)
{
    struct strbuf maps = STRBUF_INIT;
    char path[64];
    bool jvm;

    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    jvm = !strbuf_read_file(&maps, path) && strstr(maps.buf, "/libjvm.so");
    strbuf_dispose(&maps);
    return jvm;
}

pid_t jmx_find_jvm(const pid_t *pids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (jmx_is_jvm(pids[i]))
            return pids[i];
    return 0;
}

const char *jmx_sidecar_dir(void)
{
    static char dir[PATH_MAX];
    const char *const sub[] = { "jmx", "build/jmx" };

    for (size_t i = 0; !dir[0] && i < ARRAY_SIZE(sub); i++) {
        char *cls = xasprintf("%s/%s/PtJmx.class", pt_data_dir(), sub[i]);
        if (path_is_file(cls))
            snprintf(dir, sizeof dir, "%s/%s", pt_data_dir(), sub[i]);
        free(cls);
    }
    return dir[0] ? dir : NULL;
}

void jmx_target_describe(const struct jmx_target *t, struct strbuf *out)
{
    if (t->pid)
        strbuf_addf(out, "JVM pid %d", (int)t->pid);
    else
        strbuf_addf(out, "JMX at %s", t->url);
}

/* A JVM that costs the host under test little: one small heap that starts
 * at 8 MiB (without -Xms it grows into all 64 MiB: 62 MB RSS instead of
 * 48 after a minute), no JIT beyond C1, and no hsperfdata file (it would
 * make the sidecar look like a JVM to attach to, and outlive a kill -9). */
static char **sidecar_argv(const struct jmx_target *t, double interval,
                           const char *dump)
{
    const char *home = getenv("JAVA_HOME");
    char **argv = xcalloc(20, sizeof *argv);
    size_t n = 0;

    argv[n++] = home && *home ? xasprintf("%s/bin/java", home)
                              : xstrdup("java");
    argv[n++] = xstrdup("-XX:+UseSerialGC");
    argv[n++] = xstrdup("-Xms8m");
    argv[n++] = xstrdup("-Xmx64m");
    argv[n++] = xstrdup("-Xss256k");
    argv[n++] = xstrdup("-XX:TieredStopAtLevel=1");
    argv[n++] = xstrdup("-XX:+PerfDisableSharedMem");
    argv[n++] = xstrdup("-cp");
    argv[n++] = xstrdup(jmx_sidecar_dir());
    argv[n++] = xstrdup("PtJmx");
    if (t->pid) {
        argv[n++] = xstrdup("--pid");
        argv[n++] = xasprintf("%d", (int)t->pid);
    } else {
        argv[n++] = xstrdup("--url");
        argv[n++] = xstrdup(t->url);
    }
    argv[n++] = xstrdup("--interval");
    argv[n++] = xasprintf("%g", interval);
    if (dump) {
        argv[n++] = xstrdup("--dump");
        argv[n++] = xstrdup(dump);
    }
    return argv;
}

static void free_argv(char **argv)
{
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
    free(argv);
}

static int spawn(struct jmx_sidecar *sc, const struct jmx_target *t,
                 double interval, const char *dump, const char *log_path,
                 struct ledger *ledger, struct strbuf *err)
{
    struct proc_spawn_opts o = { .log_path = log_path,
                                 .netns_of = t->netns_of };
    char **argv;
    int rc;

    sc->fd = -1;
    strbuf_init(&sc->in);
    if (!jmx_sidecar_dir()) {
        strbuf_addstr(err, "the JMX sidecar is not built: install "
                      "openjdk-17-jdk-headless and run make");
        return -ENOENT;
    }
    argv = sidecar_argv(t, interval, dump);
    rc = proc_spawn_socket(argv, &o, &sc->pid, &sc->fd);
    if (rc)
        strbuf_addf(err, "cannot start the JMX sidecar ('%s'): %s", argv[0],
                    strerror(-rc));
    free_argv(argv);
    if (rc)
        return rc;
    proc_starttime(sc->pid, &sc->starttime);
    if (ledger && (rc = ledger_record_process(ledger, "pt-jmx", sc->pid))) {
        strbuf_addf(err, "cannot record the JMX sidecar in the ledger: %s",
                    strerror(-rc));
        jmx_sidecar_stop(sc);
    }
    return rc;
}

static int send_all(int fd, const char *s, size_t len)
{
    while (len) {
        ssize_t n = send(fd, s, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

int jmx_sidecar_start(struct jmx_sidecar *sc, const struct jmx_target *t,
                      double interval, const char *setup,
                      const char *log_path, struct ledger *ledger,
                      struct strbuf *err)
{
    char *lines;
    int rc = spawn(sc, t, interval, NULL, log_path, ledger, err);

    if (rc)
        return rc;
    lines = xasprintf("%sstart\n", setup);
    rc = send_all(sc->fd, lines, strlen(lines));
    free(lines);
    if (rc) {
        strbuf_addf(err, "the JMX sidecar did not take its queries: %s",
                    strerror(-rc));
        jmx_sidecar_stop(sc);
    }
    return rc;
}

int jmx_sidecar_read(struct jmx_sidecar *sc, int timeout_ms,
                     void (*line)(void *ctx, char *line), void *ctx)
{
    struct pollfd p = { .fd = sc->fd, .events = POLLIN };
    char buf[8192];
    int rc = 0;

    if (sc->fd < 0)
        return -EPIPE;
    /* Wait for the first bytes only; then take what is there. */
    while (poll(&p, 1, timeout_ms) > 0) {
        ssize_t n = recv(sc->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            break;
        if (n <= 0) {
            rc = -EPIPE;
            break;
        }
        strbuf_add(&sc->in, buf, (size_t)n);
        timeout_ms = 0;
    }
    size_t used = 0;
    for (char *nl; (nl = memchr(sc->in.buf + used, '\n', sc->in.len - used));
         used = (size_t)(nl - sc->in.buf) + 1) {
        *nl = '\0';
        line(ctx, sc->in.buf + used);
    }
    if (used) {
        memmove(sc->in.buf, sc->in.buf + used, sc->in.len - used);
        sc->in.len -= used;
        sc->in.buf[sc->in.len] = '\0';
    }
    return rc;
}

void jmx_sidecar_stop(struct jmx_sidecar *sc)
{
    if (sc->fd >= 0) {
        send_all(sc->fd, "quit\n", 5);
        close(sc->fd);
        sc->fd = -1;
    }
    if (sc->pid > 0)
        proc_stop(sc->pid, sc->starttime, 2000);
    sc->pid = 0;
    strbuf_dispose(&sc->in);
}

struct dump_ctx {
    struct strbuf *err;
    bool done;
};

static void dump_line(void *ctx, char *line)
{
    struct dump_ctx *d = ctx;

    if (!strncmp(line, "dumped\t", 7))
        d->done = true;
    else if (!strncmp(line, "error\t", 6))
        strbuf_addstr(d->err, line + 6);
}

int jmx_heap_dump(const struct jmx_target *t, const char *path,
                  int timeout_ms, const char *log_path, struct ledger *ledger,
                  struct strbuf *err)
{
    struct jmx_sidecar sc;
    struct dump_ctx d = { err, false };
    long long deadline = monotonic_ms() + timeout_ms;
    int rc = spawn(&sc, t, 1, path, log_path, ledger, err);
    bool late = false;

    if (rc)
        return rc;
    /* A big heap takes a while to write; the sidecar ends when done.  A
     * JVM that does not answer (stopped, or a port nobody serves) must
     * not hold the run's end up: the deadline, or Ctrl-C, stops it. */
    while (!rc && !pt_interrupted && !(late = monotonic_ms() > deadline))
        rc = jmx_sidecar_read(&sc, 200, dump_line, &d);
    jmx_sidecar_stop(&sc);
    if (d.done)
        return 0;
    if (!err->len && late)
        strbuf_addf(err, "no heap dump within %d s", timeout_ms / 1000);
    else if (!err->len)
        strbuf_addstr(err, pt_interrupted ? "interrupted"
                                          : "the JMX sidecar ended early");
    return late ? -ETIMEDOUT : pt_interrupted ? -EINTR : -EIO;
}
