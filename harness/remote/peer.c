#include "remote/peer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/jsonrpc.h"
#include "lib/ledger.h"
#include "lib/log.h"
#include "lib/pace.h"
#include "lib/proc.h"
#include "lib/util.h"
#include "remote/wire.h"
#include "version.h"

LOG_MODULE("remote");

/* Long enough for a receiver's drain (TRAFFIC_DRAIN_MAX_MS) and a busy
 * host; a hung agent still ends the run. */
#define PEER_TIMEOUT_MS 15000
/* What one look at the agent's stderr reads: a session that writes a
 * lot is logged a piece at a time, never read whole into memory. */
#define LOG_READ_MAX (64 * 1024)
/* The longest line logged whole; more is said as a count. */
#define LOG_LINE_MAX 512
/* What the end of a session reads at the most: its last words, not
 * everything a hostile agent could have written. */
#define LOG_FLUSH_MAX (1024 * 1024)
/* CLOCK_MONOTONIC from an agent: nanoseconds since its boot, so
 * positive and far below 2^62 (146 years); past it the offsets would
 * overflow. */
#define MONO_NS_MAX (INT64_C(1) << 62)

struct peer {
    char *name;
    pid_t pid;
    int status;                 /* once reaped, else -1 */
    struct jsonrpc *rpc;
    char *log_path;
    off_t log_pos;              /* stderr logged up to here */
    char *version, *host;
    bool same_clock;
    int cores;
    json_t *capabilities;       /* hello's list of method names */
};

struct peer *peer_spawn(const char *name, char *const argv[],
                        const char *log_path, struct ledger *ledger,
                        struct strbuf *err)
{
    struct proc_spawn_opts opts = { .log_path = log_path };
    struct peer *p;
    pid_t pid;
    int sock, rc;

    /* What an earlier session wrote there is not this one's.  Taken
     * before the spawn: an ssh that fails at once (a refused key, a dead
     * address) may have written its reason before we look. */
    struct stat st;
    off_t log_pos = stat(log_path, &st) ? 0 : st.st_size;

    rc = proc_spawn_socket(argv, &opts, &pid, &sock);
    if (rc) {
        strbuf_addf(err, "cannot start '%s' for %s: %s", argv[0], name,
                    strerror(-rc));
        return NULL;
    }
    /* A session the ledger does not know would outlive a crash of ours
     * unseen: stopped now, as spawn_daemon() does. */
    if (ledger && (rc = ledger_record_process(ledger, "agent-session", pid))) {
        strbuf_addf(err, "cannot record the session for %s in the cleanup "
                    "ledger: %s", name, strerror(-rc));
        proc_stop(pid, 0, 3000);
        close(sock);
        return NULL;
    }
    /* Deadlines need a socket that never blocks (jsonrpc.c polls). */
    fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
    p = xcalloc(1, sizeof *p);
    p->name = xstrdup(name);
    p->pid = pid;
    p->status = -1;
    p->rpc = jsonrpc_open_fds(sock, sock, JSONRPC_V2_LINES, name,
                              PEER_TIMEOUT_MS);
    p->log_path = xstrdup(log_path);
    p->log_pos = log_pos;
    return p;
}

struct peer *peer_start(const struct hosts *hs, const struct host *h,
                        const char *log_path, struct ledger *ledger,
                        struct strbuf *err)
{
    char *argv[12];
    int n = 0;

    argv[n++] = "ssh";
    argv[n++] = "-o";
    argv[n++] = "BatchMode=yes";
    if (hs->ssh_config) {
        argv[n++] = "-F";
        argv[n++] = hs->ssh_config;
    }
    argv[n++] = "--";
    argv[n++] = h->ssh;
    argv[n++] = h->agent;
    argv[n] = NULL;
    return peer_spawn(h->name, argv, log_path, ledger, err);
}

const char *peer_name(const struct peer *p)
{
    return p->name;
}

const char *peer_version(const struct peer *p)
{
    return p->version ? p->version : "?";
}

bool peer_has_method(const struct peer *p, const char *method)
{
    size_t i;
    json_t *m;

    json_array_foreach(p->capabilities, i, m)
        if (json_is_string(m) && !strcmp(json_string_value(m), method))
            return true;
    return false;
}

int peer_cores(const struct peer *p)
{
    return p->cores;
}

pid_t peer_pid(const struct peer *p)
{
    return p->pid;
}

bool peer_same_clock(const struct peer *p)
{
    return p->same_clock;
}

const char *peer_host(const struct peer *p)
{
    return p->host ? p->host : "?";
}

/* Logs one line of the agent's stderr, made printable (terminal escapes
 * from another host must not reach ours) and cut at LOG_LINE_MAX. */
static void log_line(struct peer *p, const char *line, size_t len,
                     struct strbuf *last)
{
    struct strbuf text = STRBUF_INIT;

    while (len && line[len - 1] == '\r')
        len--;
    strbuf_add_printable(&text, line, len < LOG_LINE_MAX ? len
                                                         : LOG_LINE_MAX);
    if (len > LOG_LINE_MAX)
        strbuf_addf(&text, "... (%zu more bytes)", len - LOG_LINE_MAX);
    LOG_INFO("%s: %s", p->name, text.buf);
    if (last && len) {
        strbuf_reset(last);
        strbuf_add(last, text.buf, text.len);
    }
    strbuf_dispose(&text);
}

/* Logs the lines the agent's stderr got since p->log_pos, at most
 * LOG_READ_MAX bytes of them (the rest next time), or all of them up to
 * LOG_FLUSH_MAX when 'flush' (the session ended: its last line says why).
 * A line still being written waits for its end, unless 'flush' reached
 * the end of the file or it fills a whole read.  The last non-empty line
 * goes to 'last' when not NULL. */
static void read_log(struct peer *p, bool flush, struct strbuf *last)
{
    char *buf;
    ssize_t n;
    int fd = open(p->log_path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return;
    buf = xmalloc(LOG_READ_MAX);
    for (size_t done = 0; done < (flush ? LOG_FLUSH_MAX : 1);) {
        while ((n = pread(fd, buf, LOG_READ_MAX, p->log_pos)) < 0
               && errno == EINTR)
            ;
        size_t len = n > 0 ? (size_t)n : 0, start = 0;
        bool at_end = len < LOG_READ_MAX;
        for (size_t i = 0; i < len; i++)
            if (buf[i] == '\n') {
                log_line(p, buf + start, i - start, last);
                start = i + 1;
            }
        if (start < len && ((flush && at_end) || (start == 0 && !at_end))) {
            log_line(p, buf + start, len - start, last);
            start = len;
        }
        p->log_pos += (off_t)start;
        done += start;
        if (at_end || !start)
            break;
    }
    close(fd);
    free(buf);
}

void peer_log_stderr(struct peer *p)
{
    read_log(p, false, NULL);
}

/* Reaps the session when it exits within 'timeout_ms' (a pidfd to wait
 * on: no polling loop); the status, -ETIMEDOUT, or -ECHILD when it was
 * reaped already by another. */
static int reap(struct peer *p, int timeout_ms)
{
    int fd, st;

    if (p->status >= 0)
        return p->status;
    fd = (int)syscall(SYS_pidfd_open, p->pid, 0);
    if (fd >= 0) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        while (poll(&pfd, 1, timeout_ms) < 0 && errno == EINTR)
            ;
        close(fd);
    }
    pid_t w = waitpid(p->pid, &st, fd >= 0 ? WNOHANG : 0);
    if (w < 0 && errno == ECHILD)
        return -ECHILD;         /* reaped by someone else: gone */
    if (w != p->pid)
        return -ETIMEDOUT;
    p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return p->status;
}

/* ssh's own words without its "user@host: " and its final period:
 * "root@hv2: Permission denied (publickey)." -> "Permission denied
 * (publickey)".  Changes 'line'. */
static char *ssh_reason(char *line)
{
    char *colon = strstr(line, ": ");
    size_t len;

    if (colon && memchr(line, '@', (size_t)(colon - line))
        && !memchr(line, ' ', (size_t)(colon - line)))
        line = colon + 2;
    len = strlen(line);
    if (len && line[len - 1] == '.')
        line[len - 1] = '\0';
    return line;
}

/* Why the session ended, for an error: "ssh exit 255: Permission denied
 * (publickey)", "exit 1: ...", "killed by signal 9". */
static void describe_end(struct peer *p, struct strbuf *out)
{
    struct strbuf last = STRBUF_INIT;
    int st = reap(p, 2000);

    read_log(p, true, &last);
    /* ssh says 255 for its own failures and for a remote command killed
     * by a signal: its stderr tells which. */
    if (st == -ETIMEDOUT)
        strbuf_addstr(out, "it stopped answering");
    else if (st == -ECHILD)
        strbuf_addstr(out, "it exited");
    else if (st == 255)
        strbuf_addstr(out, "ssh exit 255");
    else if (st > 128)
        strbuf_addf(out, "killed by signal %d", st - 128);
    else
        strbuf_addf(out, "exit %d", st);
    if (last.len)
        strbuf_addf(out, ": %s", ssh_reason(last.buf));
    strbuf_dispose(&last);
}

int peer_call(struct peer *p, const char *method, json_t *params,
              json_t **result, struct strbuf *err)
{
    json_t *error = NULL;
    int rc;

    *result = NULL;
    rc = jsonrpc_transact(p->rpc, method, params ? params : json_object(),
                          result, &error);
    if (!rc && error) {
        strbuf_addf(err, "%s: %s: ", p->name, method);
        jsonrpc_error_text(error, err);
        json_decref(error);
        rc = -EREMOTEIO;
    } else if (rc == -EPROTO || rc == -EMSGSIZE) {
        /* It answers, but not in JSON-RPC: not "gone", and no exit
         * status to wait for. */
        strbuf_addf(err, "%s: %s: the agent sent %s", p->name, method,
                    jsonrpc_problem(p->rpc));
    } else if (rc) {
        strbuf_addf(err, "the agent on %s is gone during %s (", p->name,
                    method);
        describe_end(p, err);
        strbuf_addch(err, ')');
        rc = rc == -ETIMEDOUT ? rc : -ECONNRESET;
    }
    peer_log_stderr(p);
    return rc;
}

/* hello's string 'key', printable and at most 64 bytes: it is logged
 * and put in reports.  "?" when missing. */
static char *hello_text(const json_t *res, const char *key)
{
    const json_t *v = json_object_get(res, key);
    struct strbuf text = STRBUF_INIT;
    size_t len = json_string_length(v);

    if (!json_is_string(v) || !len)
        return xstrdup("?");
    strbuf_add_printable(&text, json_string_value(v), len < 64 ? len : 64);
    return strbuf_detach(&text);
}

int peer_hello(struct peer *p, struct strbuf *err)
{
    json_t *res = NULL, *error = NULL;
    int rc = jsonrpc_transact(p->rpc, "hello", json_pack(
        "{s:i, s:s}", "protocol", WIRE_PROTOCOL, "version", PT_VERSION),
        &res, &error);

    if (rc == -EPROTO || rc == -EMSGSIZE) {
        /* Something answered, and it is no agent: a login banner on
         * stdout, another program. */
        strbuf_addf(err, "cannot start the agent on %s: what came back is "
                    "not JSON-RPC (%s; a login banner on stdout? the hosts "
                    "file's agent must run `perftests agent`)", p->name,
                    jsonrpc_problem(p->rpc));
        return -EHOSTUNREACH;
    }
    if (rc) {
        /* Nothing answered: ssh could not get there, or the command is
         * not there (127). */
        strbuf_addf(err, "cannot reach %s (", p->name);
        describe_end(p, err);
        strbuf_addch(err, ')');
        return -EHOSTUNREACH;
    }
    if (error) {
        strbuf_addf(err, "%s: hello: ", p->name);
        jsonrpc_error_text(error, err);
        json_decref(error);
        return -EPROTO;
    }
    free(p->version);
    free(p->host);
    p->version = hello_text(res, "version");
    p->host = hello_text(res, "host");
    /* Another host's figure: an int only when it is a sane one. */
    json_int_t cores = json_integer_value(json_object_get(res, "cores"));
    p->cores = cores > 0 && cores <= 1 << 20 ? (int)cores : 0;
    json_decref(p->capabilities);
    p->capabilities = json_is_array(json_object_get(res, "capabilities"))
        ? json_incref(json_object_get(res, "capabilities")) : NULL;
    struct strbuf boot = STRBUF_INIT;
    const char *theirs = json_string_value(json_object_get(res, "boot_id"));
    p->same_clock = theirs && !wire_boot_id(&boot) && !strcmp(theirs,
                                                              boot.buf);
    strbuf_dispose(&boot);
    if (json_integer_value(json_object_get(res, "protocol"))
        != WIRE_PROTOCOL) {
        strbuf_addf(err, "%s: the agent (perftests %s) speaks protocol "
                    "%lld, this perftests (%s) %d", p->name, p->version,
                    (long long)json_integer_value(json_object_get(
                        res, "protocol")), PT_VERSION, WIRE_PROTOCOL);
        rc = -EPROTO;
    } else if (strcmp(p->version, PT_VERSION)) {
        LOG_WARN("%s: the agent is perftests %s, this one %s (same "
                 "protocol %d)", p->name, p->version, PT_VERSION,
                 WIRE_PROTOCOL);
    }
    json_decref(res);
    peer_log_stderr(p);
    return rc;
}

int clock_estimate(const struct clock_sample *s, size_t n,
                   struct clock_offset *out)
{
    const struct clock_sample *best = NULL;
    int sound = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i].t1 < s[i].t0)
            continue;
        sound++;
        if (!best || s[i].t1 - s[i].t0 < best->t1 - best->t0)
            best = &s[i];
    }
    if (!best)
        return -EINVAL;
    /* The agent read its clock somewhere in [t0, t1]: assume the middle;
     * the truth is within half the round trip of it. */
    out->rtt_ns = best->t1 - best->t0;
    out->offset_ns = best->agent - (best->t0 + out->rtt_ns / 2);
    out->uncertainty_ns = (out->rtt_ns + 1) / 2;
    out->samples = sound;
    return 0;
}

int peer_measure_clock(struct peer *p, int n, struct clock_offset *out,
                       struct strbuf *err)
{
    struct clock_sample *s = xcalloc((size_t)n, sizeof *s);
    int rc = 0;

    for (int i = 0; i < n && !rc; i++) {
        json_t *res;
        s[i].t0 = (int64_t)pace_now_ns();
        rc = peer_call(p, "clock", NULL, &res, err);
        s[i].t1 = (int64_t)pace_now_ns();
        if (rc)
            break;
        json_t *mono = json_object_get(res, "mono_ns");
        if (!json_is_integer(mono) || json_integer_value(mono) <= 0
            || json_integer_value(mono) >= MONO_NS_MAX) {
            strbuf_addf(err, "%s: clock: 'mono_ns' is not a count of "
                        "nanoseconds from 1 to 2^62", p->name);
            rc = -EPROTO;
        } else {
            s[i].agent = json_integer_value(mono);
        }
        json_decref(res);
    }
    if (!rc && clock_estimate(s, (size_t)n, out)) {
        strbuf_addf(err, "%s: no sound clock sample", p->name);
        rc = -EPROTO;
    }
    /* On this machine's kernel (hosts that are namespaces, containers)
     * the clock is ours: no estimate, no uncertainty.  An estimate's
     * error (half a round trip, tens of microseconds) would exceed the
     * latency it corrects and clamp it to 0. */
    if (!rc && p->same_clock)
        out->offset_ns = out->uncertainty_ns = 0;
    free(s);
    return rc;
}

int peer_close(struct peer *p, int timeout_ms)
{
    int st;

    if (!p)
        return 0;
    /* The end of its stdin: the agent cleans up and exits. */
    jsonrpc_close(p->rpc);
    st = reap(p, timeout_ms);
    if (st == -ETIMEDOUT) {
        LOG_WARN("%s: the agent session did not end in %d ms; stopping it",
                 p->name, timeout_ms);
        proc_stop(p->pid, 0, 3000);
        st = reap(p, 0);
    }
    read_log(p, true, NULL);
    free(p->name);
    free(p->log_path);
    free(p->version);
    free(p->host);
    json_decref(p->capabilities);
    free(p);
    return st;
}
