/* TCP throughput with libiperf, a child per endpoint (tcp.h says why). */
#include "traffic/tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <iperf_api.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/ledger.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/util.h"

LOG_MODULE("tcp");

#define READY_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 2000
/* What a client may take beyond its duration: connecting, iperf3's
 * parameter exchange and its results exchange at the end. */
#define CLIENT_SLACK_MS 30000

/* A child of ours running one side of a test.  'fd' reads what it tells
 * us: the server a line, the client its JSON.  Its end closes when the
 * child exits, which is how its end is seen without polling its pid. */
struct child {
    pid_t pid;
    unsigned long long starttime;
    int fd;
    int signal;                 /* what killed it, once reaped; else 0 */
};

typedef int child_fn(const void *arg, int out_fd);

static int write_all(int fd, const char *s, size_t len)
{
    while (len) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        s += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Every CPU again.  The run pins the thread that runs the trials to
 * INJECTOR_CPUS, and a child forked from it would inherit that: iperf3's
 * client and server squeezed onto the injector's core, measuring the
 * pinning rather than the datapath (an agent's children, forked from its
 * unpinned main thread, run free as well). */
static void unpin(void)
{
    cpu_set_t all;

    CPU_ZERO(&all);
    for (int i = 0; i < CPU_SETSIZE; i++)
        CPU_SET(i, &all);
    sched_setaffinity(0, sizeof all, &all);
}

/* The child's side before it runs 'fn': a group of its own and the
 * default signal actions (it inherited the harness's handlers), SIGPIPE
 * ignored as iperf3's main() does, death with its parent (a harness or
 * agent that is killed takes it along), then it waits for the parent's
 * word that it is in the ledger. */
static void child_main(int go_fd, int out_fd, pid_t parent, child_fn *fn,
                       const void *arg)
{
    char go = 0;

    proc_child_reset();
    unpin();
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(1);
    while (read(go_fd, &go, 1) < 0 && errno == EINTR)
        ;
    /* No word (the parent could not record us): nothing was started. */
    if (go != 'g')
        _exit(1);
    close(go_fd);
    _exit(fn(arg, out_fd));
}

/* Forks 'fn' as a child that does nothing before it is in 'ledger' (when
 * given) under 'label'.  0, or a negative errno with the reason. */
static int child_start(struct child *c, const char *label,
                       struct ledger *ledger, child_fn *fn, const void *arg,
                       struct strbuf *err)
{
    int go[2], out[2], rc = 0;
    pid_t parent = getpid();

    memset(c, 0, sizeof *c);
    c->fd = -1;
    /* The word goes over a socket: sent with MSG_NOSIGNAL, a child that
     * died already is an error here, not a SIGPIPE to whoever calls us
     * (an agent need not ignore it as the run does). */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, go) < 0) {
        rc = -errno;
        strbuf_addf(err, "cannot start the %s: %s", label, strerror(-rc));
        return rc;
    }
    if (pipe2(out, O_CLOEXEC) < 0) {
        rc = -errno;
        close(go[0]);
        close(go[1]);
        strbuf_addf(err, "cannot start the %s: %s", label, strerror(-rc));
        return rc;
    }
    /* Flushed before the fork: the child must not write the parent's
     * buffered output a second time. */
    fflush(NULL);
    c->pid = fork();
    if (c->pid == 0) {
        close(go[1]);
        close(out[0]);
        child_main(go[0], out[1], parent, fn, arg);
    }
    close(go[0]);
    close(out[1]);
    if (c->pid < 0) {
        rc = -errno;
        strbuf_addf(err, "cannot start the %s: %s", label, strerror(-rc));
    }
    if (!rc)
        proc_starttime(c->pid, &c->starttime);
    if (!rc && ledger) {
        char *name = xasprintf("pt-%s", label);
        rc = ledger_record_process(ledger, name, c->pid);
        free(name);
        if (rc)
            strbuf_addf(err, "cannot record the %s in the ledger: %s",
                        label, strerror(-rc));
    }
    if (!rc && send(go[1], "g", 1, MSG_NOSIGNAL) != 1) {
        rc = -EPIPE;
        strbuf_addf(err, "the %s ended as it started", label);
    }
    close(go[1]);
    if (rc) {
        if (c->pid > 0)
            proc_stop(c->pid, 0, STOP_TIMEOUT_MS);
        c->pid = 0;
        close(out[0]);
        return rc;
    }
    c->fd = out[0];
    return 0;
}

/* Reads what the child writes into 'sb' until it closes its end or
 * 'deadline' (monotonic ms) passes; stops early when *stop is set or
 * 'until' (may be 0) is read.  0 at the end of the output or on 'until',
 * else -ETIMEDOUT or -EINTR. */
static int child_read(struct child *c, struct strbuf *sb, char until,
                      long long deadline, volatile sig_atomic_t *stop)
{
    char buf[4096];

    for (;;) {
        long long left = deadline - monotonic_ms();
        struct pollfd p = { .fd = c->fd, .events = POLLIN };
        ssize_t n;

        if (stop && *stop)
            return -EINTR;
        if (left <= 0)
            return -ETIMEDOUT;
        /* Slices: a stop flag set by a signal that another thread took
         * must not wait for the deadline. */
        if (poll(&p, 1, left < 200 ? (int)left : 200) <= 0)
            continue;
        n = read(c->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        strbuf_add(sb, buf, (size_t)n);
        if (until && memchr(buf, until, (size_t)n))
            return 0;
    }
}

/* Reaps the child once its output ended; says how it ended in 'why' when
 * it was not with status 0.  0, or -ECHILD. */
static int child_reap(struct child *c, struct strbuf *why)
{
    int status = 0, rc;

    if (c->pid <= 0)
        return 0;
    while ((rc = waitpid(c->pid, &status, 0)) < 0 && errno == EINTR)
        ;
    c->pid = 0;
    if (rc < 0 || (WIFEXITED(status) && !WEXITSTATUS(status)))
        return 0;
    if (WIFEXITED(status))
        strbuf_addf(why, "exited with status %d", WEXITSTATUS(status));
    else
        strbuf_addf(why, "was killed by signal %d",
                    c->signal = WTERMSIG(status));
    return -ECHILD;
}

static void child_stop(struct child *c)
{
    if (c->pid > 0)
        proc_stop(c->pid, c->starttime, STOP_TIMEOUT_MS);
    c->pid = 0;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

/* A stdio stream of the child's own on 'fd'.  The harness has threads
 * (the collectors' sampler): one of them may have held stdout's or
 * stderr's lock when we forked, and that copy of the lock would never be
 * released in the child.  Its own streams have their own locks. */
static FILE *own_stream(int fd, int mode)
{
    FILE *f = fdopen(fd, "w");

    if (f)
        setvbuf(f, NULL, mode, 0);
    return f;
}

/* In the child: into the namespace, and stderr (iperf3's warnings and
 * errors) to the log.  0, or 1 with the reason written to 'out_fd'. */
static int child_enter(const char *netns, const char *log_path, int out_fd)
{
    int saved, fd, rc = netns_enter(netns, &saved);

    if (rc) {
        dprintf(out_fd, "error cannot enter namespace '%s': %s\n", netns,
                strerror(-rc));
        return 1;
    }
    fd = open(log_path ? log_path : "/dev/null",
              O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        dprintf(out_fd, "error cannot open '%s': %s\n", log_path,
                strerror(errno));
        return 1;
    }
    dup2(fd, STDERR_FILENO);
    close(fd);
    stderr = own_stream(STDERR_FILENO, _IONBF) ?: stderr;
    return 0;
}

/* --- the server ------------------------------------------------------ */

struct tcp_server {
    struct child c;
    int port;
    int timeout_s;
};

/* A port nobody listens on in this namespace: the kernel's pick for an
 * unbound port.  The namespace is the run's own (or the agent's host),
 * so nothing takes it between this and iperf3's bind.  Port, or 0 with
 * the reason on 'out_fd'. */
static int free_port(const char *address, int out_fd)
{
    struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE,
                              .ai_socktype = SOCK_STREAM }, *ai;
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    int fd, rc, port = 0;

    rc = getaddrinfo(address, "0", &hints, &ai);
    if (rc) {
        dprintf(out_fd, "error bad address '%s': %s\n", address ?: "",
                gai_strerror(rc));
        return 0;
    }
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0
        || getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        dprintf(out_fd, "error cannot bind a TCP socket to %s: %s\n",
                address ?: "any address", strerror(errno));
    else
        port = ntohs(sa.ss_family == AF_INET6
                         ? ((struct sockaddr_in6 *)&sa)->sin6_port
                         : ((struct sockaddr_in *)&sa)->sin_port);
    if (fd >= 0)
        close(fd);
    freeaddrinfo(ai);
    return port;
}

/* The server child's stdout: iperf3 prints "Server listening on PORT"
 * right after its listen() returned, the one moment that says a client
 * may connect.  Its text goes on to the log. */
struct server_out {
    int log_fd, ready_fd, port;
    char tail[64];              /* the end of what was written: a line
                                   cut between two writes still matches */
};

static ssize_t server_out_write(void *cookie, const char *buf, size_t size)
{
    struct server_out *o = cookie;
    struct strbuf sb = STRBUF_INIT;

    if (o->log_fd >= 0)
        write_all(o->log_fd, buf, size);
    if (o->ready_fd >= 0) {
        strbuf_addstr(&sb, o->tail);
        strbuf_add(&sb, buf, size);
        if (strstr(sb.buf, "Server listening on ")) {
            dprintf(o->ready_fd, "ready %d\n", o->port);
            o->ready_fd = -1;
        } else {
            size_t keep = sb.len < sizeof o->tail - 1 ? sb.len
                                                     : sizeof o->tail - 1;
            memcpy(o->tail, sb.buf + sb.len - keep, keep);
            o->tail[keep] = 0;
        }
    }
    strbuf_dispose(&sb);
    return (ssize_t)size;
}

static int server_child(const void *arg, int out_fd)
{
    const struct tcp_server_opts *o = arg;
    static struct server_out out;
    cookie_io_functions_t io = { .write = server_out_write };
    struct iperf_test *test;
    int rc;

    if (child_enter(o->netns, o->log_path, out_fd))
        return 1;
    out.port = o->port ? o->port : free_port(o->address, out_fd);
    if (!out.port)
        return 1;
    /* Its own end, whatever the parent does: no client, no parent. */
    alarm((unsigned)o->timeout_s);
    out.ready_fd = out_fd;
    out.log_fd = dup(STDERR_FILENO);
    /* iperf3 writes to stdout, taken when the test is made. */
    stdout = fopencookie(&out, "w", io);
    if (!stdout) {
        dprintf(out_fd, "error cannot open the server's output: %s\n",
                strerror(errno));
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    test = iperf_new_test();
    if (!test || iperf_defaults(test) < 0) {
        dprintf(out_fd, "error libiperf: %s\n", iperf_strerror(i_errno));
        return 1;
    }
    iperf_set_test_role(test, 's');
    iperf_set_test_one_off(test, 1);
    iperf_set_test_server_port(test, out.port);
    if (o->address && *o->address)
        iperf_set_test_bind_address(test, o->address);
    rc = iperf_run_server(test);
    if (rc < 0) {
        /* Before it listened: the parent waits for this line. */
        if (out.ready_fd >= 0)
            dprintf(out_fd, "error %s\n", iperf_strerror(i_errno));
        fprintf(stderr, "iperf3 server: %s\n", iperf_strerror(i_errno));
    }
    fflush(stdout);
    return rc < 0;
}

int tcp_server_start(const struct tcp_server_opts *o, struct tcp_server **out,
                     struct strbuf *err)
{
    struct tcp_server *s = xcalloc(1, sizeof *s);
    struct strbuf line = STRBUF_INIT, why = STRBUF_INIT;
    const char *where = netns_is_root(o->netns) ? "this namespace" : o->netns;
    struct tcp_server_opts opts = *o;
    int rc;

    if (opts.timeout_s <= 0)
        opts.timeout_s = 60;
    s->timeout_s = opts.timeout_s;
    rc = child_start(&s->c, "iperf3-server", o->ledger, server_child, &opts,
                     err);

    if (!rc)
        rc = child_read(&s->c, &line, '\n',
                        monotonic_ms() + READY_TIMEOUT_MS, NULL);
    strbuf_rtrim(&line);
    if (rc == -ETIMEDOUT)
        strbuf_addf(err, "the iperf3 server in %s did not say it listens "
                    "within %d s", where, READY_TIMEOUT_MS / 1000);
    else if (!rc && sscanf(line.buf, "ready %d", &s->port) != 1) {
        rc = -ECHILD;
        /* No line at all: it exited (its end closed) and says how. */
        if (!line.len)
            child_reap(&s->c, &why);
        strbuf_addf(err, "the iperf3 server in %s did not start: %s", where,
                    !strncmp(line.buf, "error ", 6) ? line.buf + 6
                    : line.len ? line.buf : why.len ? why.buf : "no reason");
    }
    strbuf_dispose(&line);
    strbuf_dispose(&why);
    if (rc) {
        tcp_server_destroy(s);
        return rc;
    }
    *out = s;
    return 0;
}

int tcp_server_port(const struct tcp_server *s)
{
    return s->port;
}

pid_t tcp_server_pid(const struct tcp_server *s)
{
    return s->c.pid;
}

int tcp_server_wait(struct tcp_server *s, int timeout_ms, struct strbuf *err)
{
    struct strbuf rest = STRBUF_INIT, why = STRBUF_INIT;
    int rc = child_read(&s->c, &rest, 0, monotonic_ms() + timeout_ms, NULL);

    if (rc == -ETIMEDOUT) {
        child_stop(&s->c);
        strbuf_addf(err, "the iperf3 server did not end its test within "
                    "%d ms; stopped", timeout_ms);
    } else if ((rc = child_reap(&s->c, &why)) && s->c.signal == SIGALRM) {
        strbuf_addf(err, "the iperf3 server ended at its %d s timeout: no "
                    "client came, or its test did not end", s->timeout_s);
    } else if (rc) {
        strbuf_addf(err, "the iperf3 server %s (see its log)", why.buf);
    }
    strbuf_dispose(&rest);
    strbuf_dispose(&why);
    return rc;
}

void tcp_server_destroy(struct tcp_server *s)
{
    if (!s)
        return;
    child_stop(&s->c);
    free(s);
}

/* --- the client ------------------------------------------------------ */

static int client_child(const void *arg, int out_fd)
{
    const struct tcp_client_opts *o = arg;
    struct iperf_test *test;
    const char *json;
    int devnull, rc;

    if (child_enter(o->netns, o->log_path, out_fd))
        return 1;
    /* iperf3 prints its JSON to stdout too: ours goes through 'out_fd'. */
    devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, STDOUT_FILENO);
        close(devnull);
    }
    stdout = own_stream(STDOUT_FILENO, _IOFBF) ?: stdout;
    test = iperf_new_test();
    if (!test || iperf_defaults(test) < 0) {
        dprintf(out_fd, "error libiperf: %s\n", iperf_strerror(i_errno));
        return 1;
    }
    iperf_set_test_role(test, 'c');
    iperf_set_test_server_hostname(test, o->server);
    iperf_set_test_server_port(test, o->port);
    if (o->bind_address && *o->bind_address)
        iperf_set_test_bind_address(test, o->bind_address);
    iperf_set_test_num_streams(test, o->streams);
    iperf_set_test_duration(test, o->duration_s);
    iperf_set_test_connect_timeout(test, o->connect_timeout_ms > 0
                                             ? o->connect_timeout_ms : 5000);
    iperf_set_test_json_output(test, 1);
    rc = iperf_run_client(test);
    /* In JSON mode a failed test still ends its JSON, with an "error". */
    json = iperf_get_test_json_output_string(test);
    if (json)
        write_all(out_fd, json, strlen(json));
    else
        dprintf(out_fd, "error %s\n", iperf_strerror(i_errno));
    return rc < 0 || !json;
}

int tcp_client_run(const struct tcp_client_opts *o, struct strbuf *json,
                   struct tcp_result *res, struct strbuf *err)
{
    struct child c;
    struct strbuf why = STRBUF_INIT;
    long long deadline;
    int rc;

    memset(res, 0, sizeof *res);
    if (o->streams < 1 || o->streams > TCP_MAX_STREAMS || o->duration_s < 1
        || o->duration_s > TCP_MAX_DURATION || o->port < 1 || o->port > 65535
        || !o->server) {
        strbuf_addf(err, "bad iperf3 client options: %d streams, %d s, "
                    "port %d", o->streams, o->duration_s, o->port);
        return -EINVAL;
    }
    rc = child_start(&c, "iperf3-client", o->ledger, client_child, o, err);
    if (rc)
        return rc;
    deadline = monotonic_ms() + o->duration_s * 1000LL + CLIENT_SLACK_MS;
    rc = child_read(&c, json, 0, deadline, o->stop);
    if (rc) {
        child_stop(&c);
        if (rc == -EINTR)
            strbuf_addstr(err, "the iperf3 client was stopped");
        else
            strbuf_addf(err, "the iperf3 client did not end within %d s",
                        o->duration_s + CLIENT_SLACK_MS / 1000);
        return rc;
    }
    close(c.fd);
    c.fd = -1;
    int died = child_reap(&c, &why);
    if (json->len && json->buf[0] == '{') {
        rc = tcp_result_parse(json->buf, res, err);
    } else {
        strbuf_rtrim(json);
        strbuf_addf(err, "the iperf3 client failed: %s",
                    !strncmp(json->buf, "error ", 6) ? json->buf + 6
                    : why.len ? why.buf : "no output");
        strbuf_reset(json);
        rc = died ? died : -EPROTO;
    }
    strbuf_dispose(&why);
    return rc;
}

/* --- iperf3's JSON ---------------------------------------------------- */

/* The JSON may come from another host (an agent's): a figure that is
 * no number, or a negative one, is unknown (NaN), never a figure. */
static double num(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    double d = json_is_number(v) ? json_number_value(v) : NAN;

    return d >= 0 && isfinite(d) ? d : NAN;
}

/* A byte count, 0 when unknown; at most what json_int_t holds. */
static uint64_t count(const json_t *o, const char *key)
{
    double d = num(o, key);

    return !(d >= 0) ? 0 : d >= 9.2e18 ? (uint64_t)INT64_MAX : (uint64_t)d;
}

/* Copies a string, cut at a character's start when too long: a cut
 * inside a UTF-8 sequence would make it no string JSON can carry. */
static void copy_string(char *dst, size_t len, const json_t *v)
{
    const char *s = json_is_string(v) ? json_string_value(v) : "";
    size_t n = strlen(s);

    if (n >= len) {
        n = len - 1;
        while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(dst, s, n);
    dst[n] = 0;
}

int tcp_result_parse(const char *text, struct tcp_result *res,
                     struct strbuf *err)
{
    json_error_t jerr;
    json_t *top = json_loads(text, 0, &jerr), *start, *end, *sent, *recv;
    json_t *cpu, *error;
    int rc = 0;

    memset(res, 0, sizeof *res);
    res->retransmits = -1;
    if (!top) {
        strbuf_addf(err, "iperf3's JSON does not parse: line %d: %s",
                    jerr.line, jerr.text);
        return -EPROTO;
    }
    start = json_object_get(top, "start");
    end = json_object_get(top, "end");
    sent = json_object_get(end, "sum_sent");
    recv = json_object_get(end, "sum_received");
    cpu = json_object_get(end, "cpu_utilization_percent");
    error = json_object_get(top, "error");
    copy_string(res->version, sizeof res->version,
                json_object_get(start, "version"));
    copy_string(res->congestion, sizeof res->congestion,
                json_object_get(end, "sender_tcp_congestion"));
    json_int_t streams = json_integer_value(json_object_get(
        json_object_get(start, "test_start"), "num_streams"));
    res->streams = streams >= 1 && streams <= TCP_MAX_STREAMS ? (int)streams
                                                              : 0;
    res->duration_s = num(sent, "seconds");
    res->bits_per_second = num(recv, "bits_per_second");
    res->sender_bits_per_second = num(sent, "bits_per_second");
    res->bytes_sent = count(sent, "bytes");
    res->bytes_received = count(recv, "bytes");
    if (json_integer_value(json_object_get(sent, "retransmits")) >= 0
        && json_is_integer(json_object_get(sent, "retransmits")))
        res->retransmits = json_integer_value(json_object_get(sent,
                                                              "retransmits"));
    /* The client sends unless the test was reversed (iperf3 -R): then the
     * sender's CPU is the server's, "remote" to the client. */
    bool reversed = json_integer_value(json_object_get(
        json_object_get(start, "test_start"), "reverse")) != 0;
    res->sender_cpu_pct = num(cpu, reversed ? "remote_total" : "host_total");
    res->receiver_cpu_pct = num(cpu, reversed ? "host_total"
                                              : "remote_total");
    if (json_is_string(error)) {
        strbuf_addf(err, "iperf3: %s", json_string_value(error));
        rc = -EPROTO;
    } else if (!isfinite(res->bits_per_second) || !sent || !res->streams) {
        strbuf_addstr(err, "iperf3's JSON lacks end.sum_received's "
                           "bits_per_second, end.sum_sent or "
                           "start.test_start's num_streams (1 to 128): the "
                           "test did not finish");
        rc = -EPROTO;
    }
    json_decref(top);
    return rc;
}

static json_t *real_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *tcp_result_json(const struct tcp_result *r)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:I, s:I, s:s, "
                     "s:s}",
                     "bits_per_second", real_or_null(r->bits_per_second),
                     "sender_bits_per_second",
                     real_or_null(r->sender_bits_per_second),
                     "retransmits", r->retransmits >= 0
                         ? json_integer(r->retransmits) : json_null(),
                     "sender_cpu_pct", real_or_null(r->sender_cpu_pct),
                     "receiver_cpu_pct", real_or_null(r->receiver_cpu_pct),
                     "streams", r->streams,
                     "duration_s", real_or_null(r->duration_s),
                     "bytes_sent", (json_int_t)r->bytes_sent,
                     "bytes_received", (json_int_t)r->bytes_received,
                     "congestion", r->congestion,
                     "iperf_version", r->version);
}

/* --- the local provider ---------------------------------------------- */

/* How long the server may take to end its test once the client ended. */
#define SERVER_END_MS 10000

static int local_run(void *arg, struct tcp_test *t, struct strbuf *json,
                     struct tcp_result *res, struct strbuf *err)
{
    /* The server outlives a client that connects late or ends late by
     * its own timeout, not more: then it ends itself. */
    struct tcp_server_opts so = {
        .netns = t->dst_ns, .address = t->dst_ip,
        .timeout_s = t->duration_s + 60, .log_path = t->server_log,
        .ledger = t->ledger,
    };
    struct tcp_client_opts co = {
        .netns = t->src_ns, .bind_address = t->src_ip, .server = t->dst_ip,
        .streams = t->streams, .duration_s = t->duration_s,
        .log_path = t->client_log, .ledger = t->ledger, .stop = t->stop,
    };
    struct tcp_server *server;
    struct strbuf why = STRBUF_INIT;
    int rc;

    (void)arg;
    memset(res, 0, sizeof *res);
    if ((rc = tcp_server_start(&so, &server, err)))
        return rc;
    co.port = t->port = tcp_server_port(server);
    rc = tcp_client_run(&co, json, res, err);
    /* The figures are the client's: a server that ends badly after them
     * is worth a word, not the test. */
    if (!rc && tcp_server_wait(server, SERVER_END_MS, &why))
        LOG_WARN("%s", why.buf);
    strbuf_dispose(&why);
    tcp_server_destroy(server);
    return rc;
}

const struct tcp_ops tcp_local_ops = {
    .name = "local",
    .run = local_run,
};
