/* The harness's side of an agent: `ssh -o BatchMode=yes [-F CONFIG]
 * TARGET AGENT` started with its stdin and stdout on a socket, JSON-RPC
 * 2.0 lines over it (lib/jsonrpc.h), its stderr in a log file whose new
 * lines are logged with the host's name.  Every error names the host. */
#ifndef PT_PEER_H
#define PT_PEER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/strbuf.h"
#include "remote/hosts.h"

struct ledger;
struct peer;

/* Starts 'argv' (an ssh command line, or `perftests agent` itself in the
 * tests) for host 'name', its stderr appended to 'log_path', the process
 * in 'ledger' when not NULL.  NULL with the reason in 'err'. */
struct peer *peer_spawn(const char *name, char *const argv[],
                        const char *log_path, struct ledger *ledger,
                        struct strbuf *err);
/* peer_spawn() of the ssh command that reaches 'h'. */
struct peer *peer_start(const struct hosts *hs, const struct host *h,
                        const char *log_path, struct ledger *ledger,
                        struct strbuf *err);
/* Ends the session: the end of the agent's stdin is its signal to clean
 * up and exit; after 'timeout_ms' it is stopped.  Returns the exit
 * status as proc_run() does.  NULL is fine. */
int peer_close(struct peer *p, int timeout_ms);

/* One request; 'params' is taken (NULL: {}).  0 and the result in
 * *result (json_decref it); -EREMOTEIO when the agent answered with an
 * error; -ECONNRESET when the agent is gone (its exit status said), or
 * another -errno; the reason, naming the host, in 'err'. */
int peer_call(struct peer *p, const char *method, json_t *params,
              json_t **result, struct strbuf *err);
/* hello: protocol and version.  0; -EHOSTUNREACH when the host could not
 * be reached or the agent not started (the run's environment: exit 3,
 * "cannot reach hv2 (ssh exit 255: Permission denied (publickey))");
 * another -errno otherwise. */
int peer_hello(struct peer *p, struct strbuf *err);

const char *peer_name(const struct peer *p);
/* The session's process (ssh, or the agent itself without ssh). */
pid_t peer_pid(const struct peer *p);
/* The agent's perftests version and host name (after hello). */
const char *peer_version(const struct peer *p);
const char *peer_host(const struct peer *p);
/* Whether the agent has 'method' (hello's capabilities): a harness that
 * needs a newer method says so by name rather than as an error reply. */
bool peer_has_method(const struct peer *p, const char *method);
/* The agent host's online CPUs (after hello; 0: not said). */
int peer_cores(const struct peer *p);
/* Whether the agent runs on this machine's kernel (the same boot id):
 * then its clock is ours, exactly. */
bool peer_same_clock(const struct peer *p);
/* Logs what the agent wrote to stderr since the last time. */
void peer_log_stderr(struct peer *p);

/* The clock offset of an agent, from round trips of `clock`: t0 and t1
 * the harness's CLOCK_MONOTONIC around the call, 'agent' the agent's. */
struct clock_sample {
    int64_t t0, agent, t1;
};
struct clock_offset {
    int64_t offset_ns;          /* agent's clock minus the harness's */
    int64_t rtt_ns;             /* the round trip it was taken from */
    int64_t uncertainty_ns;     /* half that round trip: the offset is
                                   this close, whatever the asymmetry */
    int samples;
};
/* The estimate from the sample of least round trip (NTP's habit: the
 * fastest exchange has the least queueing in it).  0, or -EINVAL when no
 * sample is sound (t1 before t0). */
int clock_estimate(const struct clock_sample *s, size_t n,
                   struct clock_offset *out);
/* 'n' round trips of `clock` and their estimate (offset and uncertainty
 * 0 for an agent on this kernel: peer_same_clock()).  0 or as
 * peer_call(). */
int peer_measure_clock(struct peer *p, int n, struct clock_offset *out,
                       struct strbuf *err);

#endif
