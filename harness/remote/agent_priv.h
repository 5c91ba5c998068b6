/* The agent's state and its methods, shared by agent.c (the loop, the
 * table, the control methods) and agent_traffic.c (the trial methods).
 * A new method is a function of this type and a line in agent.c's
 * table. */
#ifndef PT_AGENT_PRIV_H
#define PT_AGENT_PRIV_H

#include <jansson.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>

#include "collectors/collector.h"
#include "lib/strbuf.h"
#include "traffic/traffic.h"

struct agent_rtt;
struct agent_tcp;
struct ledger;
struct sampler;
struct sink;

struct agent {
    struct jsonrpc *rpc;
    struct ledger *ledger;
    char *ledger_dir;

    /* The endpoint (prepare). */
    bool prepared;
    char ns[64];                /* "" for the agent's own namespace */
    char ifname[16];
    char address[64];           /* CIDR */

    /* The receiver's half of a trial. */
    struct receiver *rcv;
    bool rx_active;
    struct recv_stats rx;

    /* The sender's half: a thread per trial. */
    struct injector *inj;
    struct frame frame;
    struct flow_pattern flows;
    pthread_t tx_thread;
    bool tx_running;
    int tx_done_fd;             /* an eventfd the thread signals */
    volatile sig_atomic_t tx_stop;
    uint64_t tx_start_ns;
    uint64_t tx_count;
    double tx_rate;
    int tx_rc;
    struct strbuf tx_err;
    struct inject_stats tx;
    bool tx_pinned;
    cpu_set_t tx_cpus;          /* where the sender runs, when pinned */
    uint64_t src_drops0;
    bool have_src0;
    struct agent_rtt *rtt;      /* round trips beside the trial, or NULL */

    struct agent_tcp *tcp;      /* iperf3's server or client (agent_tcp.c) */

    /* collect: the sampler keeps the sink array, NULL-terminated */
    struct sampler *sampler;
    struct sink *sinks[2];
    struct collector_iface collect_if;  /* the endpoint, for netdev */
    char *collect_dir;
};

/* A method: 0 and its result in *result, or a JSON-RPC error code with
 * the message in 'err'.  'params' is an object (borrowed). */
typedef int agent_method_fn(struct agent *a, const json_t *params,
                            json_t **result, struct strbuf *err);

agent_method_fn agent_start_rx, agent_start_tx, agent_stop, agent_results;
agent_method_fn agent_tcp_server, agent_tcp_client, agent_tcp_wait;

/* Stops iperf3's server and client, if any, and frees the TCP state. */
void agent_tcp_release(struct agent *a);

/* RTT-derived latency (agent_rtt.c): ICMP echo requests from the
 * endpoint to 'dst_ip', 'hz' a second from 'start_ns' on, timed on this
 * host's clock.  0, or a JSON-RPC error code with the reason. */
int agent_rtt_start(struct agent *a, const char *dst_ip, double hz,
                    uint64_t start_ns, struct strbuf *err);
/* Stops the probes, waits a little for the last replies, and returns
 * {probes, replies, lat_min .. lat_max}: half the round trips, in us.
 * NULL when no probes ran. */
json_t *agent_rtt_finish(struct agent *a);

/* Stops a trial under way and closes the injector and the receiver. */
void agent_traffic_release(struct agent *a);

/* The optional "cpus" of start_tx and start_rx: a CPU list of this host
 * (INJECTOR_CPUS, RECEIVER_CPUS as the harness resolved them for it) or
 * "none".  0 with *pinned and 'set', or JSONRPC_INVALID_PARAMS. */
int agent_param_cpus(const json_t *params, bool *pinned, cpu_set_t *set,
                     struct strbuf *err);
/* Parameter helpers: 0, or JSONRPC_INVALID_PARAMS with the reason. */
int agent_param_str(const json_t *params, const char *key, bool required,
                    const char **out, struct strbuf *err);
int agent_param_num(const json_t *params, const char *key, bool required,
                    double *out, struct strbuf *err);

#endif
