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
    if (ledger)
        ledger_record_process(ledger, "agent-session", pid);
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

/* The lines of the log from 'from' on, each given to LOG_INFO (and the
 * last non-empty one to 'last' when not NULL). */
static off_t read_log(struct peer *p, off_t from, struct strbuf *last)
{
    struct strbuf text = STRBUF_INIT;
    char *line, *save = NULL;

    if (strbuf_read_file(&text, p->log_path) || (off_t)text.len <= from) {
        strbuf_dispose(&text);
        return from;
    }
    for (line = strtok_r(text.buf + from, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        LOG_INFO("%s: %s", p->name, line);
        if (last && *line) {
            strbuf_reset(last);
            strbuf_addstr(last, line);
        }
    }
    from = (off_t)text.len;
    strbuf_dispose(&text);
    return from;
}

void peer_log_stderr(struct peer *p)
{
    p->log_pos = read_log(p, p->log_pos, NULL);
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

    p->log_pos = read_log(p, p->log_pos, &last);
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

int peer_hello(struct peer *p, struct strbuf *err)
{
    json_t *res = NULL, *error = NULL;
    int rc = jsonrpc_transact(p->rpc, "hello", json_pack(
        "{s:i, s:s}", "protocol", WIRE_PROTOCOL, "version", PT_VERSION),
        &res, &error);

    if (rc == -EPROTO) {
        /* Something answered, and it is no agent: a login banner on
         * stdout, another program. */
        strbuf_addf(err, "cannot start the agent on %s: what came back is "
                    "not JSON-RPC (a login banner on stdout? the hosts "
                    "file's agent must run `perftests agent`)", p->name);
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
    p->version = xstrdup(json_string_value(json_object_get(res, "version"))
                         ? json_string_value(json_object_get(res, "version"))
                         : "?");
    p->host = xstrdup(json_string_value(json_object_get(res, "host"))
                      ? json_string_value(json_object_get(res, "host"))
                      : "?");
    p->cores = (int)json_integer_value(json_object_get(res, "cores"));
    json_decref(p->capabilities);
    p->capabilities = json_incref(json_object_get(res, "capabilities"));
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
        if (!rc) {
            s[i].agent = json_integer_value(json_object_get(res, "mono_ns"));
            json_decref(res);
        }
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
    peer_log_stderr(p);
    free(p->name);
    free(p->log_path);
    free(p->version);
    free(p->host);
    json_decref(p->capabilities);
    free(p);
    return st;
}
