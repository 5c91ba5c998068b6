/* The run's state, shared by run.c (the pipeline: logging, cleanup,
 * teardown, report) and run_phases.c (the SUT, the scenario and the
 * measuring phases).  Private to harness/run/. */
#ifndef PT_RUN_PRIV_H
#define PT_RUN_PRIV_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "run/placement.h"
#include "run/run.h"
#include "traffic/measure.h"
#include "topologies/topology.h"

struct strbuf;

struct run {
    const struct run_config *cfg;
    char *id;
    char short_id[7];
    char uuid[37];
    char *dir;
    char *ledger_dir;
    time_t start;
    struct ledger *ledger;
    int host_lock;              /* descriptor holding it, or -1 */
    const struct topology_ops *topo;
    char *script;
    char *topology_log;
    struct topology_ctx tctx;
    bool scenario_up;
    struct sut *sut;
    json_t *metadata;
    struct measure measure;
    bool measuring;
    struct placement placement;
    struct collect *collect;
    struct run_hosts *hosts;    /* --hosts: the agents (run_hosts.c) */

    unsigned phases_done;       /* a bit per phase that returned 0 */
    int exit_code;              /* first failure's code, else 0 */
    enum run_phase failed_phase;
    char *error;
};


/* Records why the current phase failed; returns 'code' for the caller. */
int run_fail(struct run *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Records 'err' as why the phase failed with exit 'code', and frees it. */
int run_fail_with(struct run *r, int code, struct strbuf *err);
int run_write_metadata(struct run *r);

/* The phases of run_phases.c: 0, or the exit code with run_fail()'s
 * reason. */
int run_install_sut(struct run *r);
int run_start_sut(struct run *r);
int run_create_scenario(struct run *r);
int run_connectivity_check(struct run *r);
int run_start_collectors(struct run *r);
int run_stop_collectors(struct run *r);
int run_warm_up(struct run *r);
int run_test_throughput(struct run *r);
int run_long_running_tests(struct run *r);
int run_tcp_throughput(struct run *r);
int run_snapshot_phase(struct run *r);

/* Several hosts (run_hosts.c). */
struct traffic_ops;
struct tcp_ops;
/* create_scenario on hosts: the agents started over SSH, their clocks
 * measured, the endpoints prepared.  0 or the exit code (3: a host
 * could not be reached). */
int run_hosts_connect(struct run *r);
/* The engine the measuring phases use: the agents' when there are any
 * (else NULL, the local one) and its argument. */
const struct traffic_ops *run_hosts_traffic(struct run *r, void **arg);
/* Where the TCP phase runs: the agents' provider when there are any, else
 * the local one (this host's namespaces); and its argument. */
const struct tcp_ops *run_hosts_tcp(struct run *r, void **arg);
/* The agents of the endpoints (NULL on one host): for phases that have
 * methods of their own to call (peer_call(), remote/peer.h). */
struct peer *run_hosts_source(struct run *r);
struct peer *run_hosts_dest(struct run *r);
/* The agents' collectors: started, then stopped and fetched into
 * hosts/<name>/rrd/.  0 or the exit code. */
int run_hosts_collect_start(struct run *r);
int run_hosts_collect_stop(struct run *r);
/* Every agent cleans up and its session ends (a fresh one cleans up
 * after an agent that died).  0, or the exit code when something was
 * left. */
int run_hosts_close(struct run *r);

#endif
