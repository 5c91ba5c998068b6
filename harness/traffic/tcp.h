/* TCP throughput with iperf3's own library (Debian's libiperf): a server
 * on one endpoint, a client on the other, each in a network namespace.
 * Nothing here knows about a run: the run's tcp_throughput phase calls it
 * with the scenario's namespaces, and a remote agent can call the same
 * functions for its `tcp_server` / `tcp_client` methods.
 *
 * libiperf keeps process globals (i_errno, stdout as its output, exit()
 * on a few paths), so the server and the client each run in a child of
 * ours: forked, recorded in the ledger (when one is given) before it does
 * anything, then moved into its namespace.  The server says it listens
 * (iperf3's own "Server listening" once its socket is open) before
 * tcp_server_start() returns: a client started after that finds it.
 * Every wait has a bound, and a server that never gets a client ends on
 * its own after its timeout. */
#ifndef PT_TCP_H
#define PT_TCP_H

#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/strbuf.h"

struct ledger;

/* The most parallel streams: iperf3's own limit (MAX_STREAMS). */
#define TCP_MAX_STREAMS 128
/* The longest test, seconds: iperf3's MAX_TIME is a day; an hour is
 * plenty for a phase and keeps every timeout below in int range. */
#define TCP_MAX_DURATION 3600

struct tcp_server_opts {
    const char *netns;          /* named namespace; NULL or "": ours */
    const char *address;        /* listens on it only; NULL: any */
    int port;                   /* 0: a free one, picked in the namespace */
    int timeout_s;              /* the server's whole life, client or not:
                                   its own alarm ends it then; 0: 60 */
    const char *log_path;       /* iperf3's text output; NULL: dropped */
    struct ledger *ledger;      /* records the child first; may be NULL */
};

struct tcp_server;

/* Starts a server for one test and returns once it listens: 0 and *out,
 * or a negative errno with the reason in 'err' (-ETIMEDOUT: it did not
 * say it listens within 10 s; -ECHILD: it ended before). */
int tcp_server_start(const struct tcp_server_opts *opts,
                     struct tcp_server **out, struct strbuf *err);
/* The port it listens on. */
int tcp_server_port(const struct tcp_server *s);
pid_t tcp_server_pid(const struct tcp_server *s);
/* Waits up to 'timeout_ms' for the server to end its test.  0 when it
 * ended well; -ETIMEDOUT (it is then stopped) or -ECHILD (it failed, or
 * its timeout ended it: which, in 'err'). */
int tcp_server_wait(struct tcp_server *s, int timeout_ms, struct strbuf *err);
/* Stops the server if it still runs, and frees 's' (NULL is fine). */
void tcp_server_destroy(struct tcp_server *s);

struct tcp_client_opts {
    const char *netns;          /* named namespace; NULL or "": ours */
    const char *bind_address;   /* source address; NULL: the kernel's */
    const char *server;         /* the server's address */
    int port;
    int streams;                /* 1 .. TCP_MAX_STREAMS */
    int duration_s;             /* 1 .. TCP_MAX_DURATION */
    int connect_timeout_ms;     /* 0: 5000 */
    const char *log_path;       /* iperf3's messages; NULL: dropped */
    struct ledger *ledger;      /* records the child first; may be NULL */
    /* When it becomes non-zero the client is stopped: -EINTR.  May be
     * NULL. */
    volatile sig_atomic_t *stop;
};

/* What one test measured, from iperf3's JSON (its "end" section). */
struct tcp_result {
    int streams;
    double duration_s;          /* the sender's measured seconds */
    double bits_per_second;     /* as the receiver counted them */
    double sender_bits_per_second;
    uint64_t bytes_sent, bytes_received;
    long long retransmits;      /* -1: the sender's kernel did not say */
    double sender_cpu_pct;      /* cpu_utilization_percent of the sender's
                                   host, % of one CPU (iperf3's host_total) */
    double receiver_cpu_pct;
    char congestion[16];        /* the sender's TCP congestion control */
    char version[32];           /* "iperf 3.12" */
};

/* Runs one test against a listening server.  *json gets iperf3's JSON
 * text whenever the client wrote one (also when iperf3 says in it why the
 * test failed: keep it), and *res the figures.  0, or a negative errno
 * with the reason in 'err': -EINTR (stopped), -ETIMEDOUT (the client did
 * not end in duration + 30 s), -EPROTO (iperf3 said the test failed, or
 * its JSON lacks the figures), -ECHILD (the client died). */
int tcp_client_run(const struct tcp_client_opts *opts, struct strbuf *json,
                   struct tcp_result *res, struct strbuf *err);

/* The figures of iperf3's JSON text 'json' (a client's); 0, or -EPROTO
 * with what is missing or iperf3's "error" in 'err'. */
int tcp_result_parse(const char *json, struct tcp_result *res,
                     struct strbuf *err);
/* One TCP test of a run: a server on the destination endpoint, a client
 * on the source, what they measured.  Where they run is the provider's
 * (struct tcp_ops): these namespaces, or the agents of other hosts. */
struct tcp_test {
    const char *src_ns, *dst_ns;    /* local: the endpoints' namespaces */
    const char *src_ip, *dst_ip;    /* the endpoints' addresses */
    int streams;                    /* 1 .. TCP_MAX_STREAMS */
    int duration_s;                 /* 1 .. TCP_MAX_DURATION */
    const char *server_log;         /* iperf3's server text, client */
    const char *client_log;         /* messages; NULL: dropped */
    struct ledger *ledger;          /* local: the run's */
    volatile sig_atomic_t *stop;    /* non-zero: stop (-EINTR) */
    int port;                       /* out: where the server listened */
};

/* Where a run's TCP test runs: the one extension point between the
 * tcp_throughput phase and iperf3.  Two providers: the local one below
 * (children of ours in this host's namespaces) and the agents' (remote/,
 * `tcp_server` and `tcp_client` on the endpoints' hosts). */
struct tcp_ops {
    const char *name;
    /* Starts the server, runs the client against it once it listens,
     * waits for the server's end, and leaves nothing running.  *json gets
     * iperf3's JSON text whenever the client wrote one (keep it: a failed
     * test says why in it), *res the figures.  0, or a negative errno
     * with the reason in 'err' (as tcp_client_run(); -EOPNOTSUPP: the
     * provider cannot run TCP tests there). */
    int (*run)(void *arg, struct tcp_test *t, struct strbuf *json,
               struct tcp_result *res, struct strbuf *err);
};

extern const struct tcp_ops tcp_local_ops;

/* {"bits_per_second", "sender_bits_per_second", "retransmits" (null when
 * unknown), "sender_cpu_pct", "receiver_cpu_pct", "streams",
 * "duration_s", "bytes_sent", "bytes_received", "congestion",
 * "iperf_version"}: summary.json's result.tcp. */
json_t *tcp_result_json(const struct tcp_result *res);

#endif
