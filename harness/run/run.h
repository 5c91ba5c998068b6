/* The run pipeline (DESIGN.md "A run, phase by phase"): an enum of phases,
 * one function each, one driver loop (iperf3's state machine habit). */
#ifndef PT_RUN_H
#define PT_RUN_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "lib/strbuf.h"
#include "run/settings.h"

struct hosts;

enum run_phase {
    PHASE_START_LOGGING,
    PHASE_GATHER_BUILD_INFO,
    PHASE_DO_CLEANUP,
    PHASE_LOAD_PROFILE,
    PHASE_INSTALL_SUT,
    PHASE_START_SUT,
    PHASE_CREATE_SCENARIO,
    PHASE_CONNECTIVITY_CHECK,
    PHASE_START_COLLECTORS,
    PHASE_WARM_UP,
    PHASE_TEST_THROUGHPUT,
    PHASE_LONG_RUNNING_TESTS,
    PHASE_TCP_THROUGHPUT,       /* off unless TCP_PHASE=yes */
    PHASE_STOP_COLLECTORS,
    /* From here on every phase runs even after a failure. */
    PHASE_SNAPSHOT_SUT,
    PHASE_TEAR_DOWN,
    PHASE_MAKE_REPORT,
    PHASE_POST_REPORT,
    N_PHASES
};

struct run_config {
    const struct settings *settings;    /* resolved before the run */
    const char *topology;               /* name or script path */
    const char *results_dir;
    const char *sut;                    /* --sut SPEC or NULL */
    bool no_post;                       /* --no-post: REPORT_URL ignored */
    bool no_wait;                       /* --no-wait: exit 3 when another
                                           run holds the host lock */
    const char *command_line;
    bool calibrate;                     /* perftests calibrate: keep the
                                           NDR as this host's ceiling */
    const json_t *ab;                   /* perftests ab: metadata.json's
                                           "ab" (side, round, id), which
                                           puts the run in a series of its
                                           own; NULL for any other run */
    /* Several hosts (--hosts FILE): the endpoints on hosts 'source' and
     * 'dest' of 'hosts', the SUT's collectors on 'sut_host' (may be
     * NULL); NULL 'hosts' for a run on this host alone. */
    const struct hosts *hosts;
    const char *source, *dest, *sut_host;
    char **dir_out;                     /* when not NULL, gets the run
                                           directory (malloc'ed; "" when
                                           none was made) */
};

const char *run_phase_to_text(enum run_phase phase);
struct post_target;
/* Fills 't' from REPORT_URL, REPORT_METHOD, REPORT_RETRIES ... */
void run_post_target(const struct settings *s, struct post_target *t);
/* Installs the SIGINT/SIGTERM/SIGHUP handlers that set pt_interrupted
 * (util.h); the driver checks it between phases and tears down.  SIGPIPE
 * is ignored: a reader that went away must not kill the run. */
void run_install_signals(void);
/* Runs every phase; returns the process exit code (enum pt_exit). */
int run_execute(const struct run_config *cfg);
/* Whether the --hosts options of 'cfg' fit together and with
 * 'topology' (`hosts` with --hosts, and only then): 0, or -EINVAL with
 * what is wrong (the file:line of a host) in 'err'. */
int run_hosts_check(const struct run_config *cfg, struct strbuf *err);
/* Prints what run_execute() would do, and every setting with its source. */
void run_print_plan(const struct run_config *cfg, FILE *out);

#endif
