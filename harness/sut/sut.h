/* The system under test (DESIGN.md step 5): by default a private Open
 * vSwitch started for this run; or a running OVS given by its run dir; or
 * any process, by pid or by a command the harness starts.  Each is a kind
 * of sut_kind.h, in one table. */
#ifndef PT_SUT_H
#define PT_SUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "lib/strbuf.h"

struct ledger;
struct sut;

/* Parses --sut by the table of kinds (sut_kind.h): NULL or "" is the
 * default, a private OVS.  0, or -EINVAL with what is expected in 'err'. */
int sut_check_spec(const char *spec, struct strbuf *err);
/* One "  SPEC  what it is" line per kind, for --help. */
void sut_list_kinds(FILE *out);
/* Starts or attaches to the SUT.  Without a spec, a private OVS when
 * 'want_ovs', else the kernel (no process of its own).  'dir' is this
 * run's folder for it (a private OVS puts its database, sockets and logs
 * there), 'netns' the namespace a private OVS runs in ("" or NULL: ours).
 * Processes it starts are recorded in 'ledger'.  NULL with the reason in
 * 'err'. */
struct sut *sut_start(const char *spec, bool want_ovs, const char *dir,
                      const char *netns, struct ledger *ledger,
                      struct strbuf *err);
/* Stops what sut_start() started (nothing when it only attached).
 * 0 or a negative errno.  NULL is fine. */
int sut_stop(struct sut *sut);
void sut_destroy(struct sut *sut);

/* One line for the log, e.g. "private Open vSwitch 3.1.0 (pids 12, 13)". */
const char *sut_describe(const struct sut *sut);
/* kind, pids, version, command: for metadata.json.  New reference. */
json_t *sut_to_json(const struct sut *sut);
/* The OVS run dir and OVSDB socket, or NULL when the SUT is no OVS. */
const char *sut_ovs_rundir(const struct sut *sut);
const char *sut_ovs_db_socket(const struct sut *sut);
/* The folders of the SUT's own tools (ovs-build: its ovs-vsctl ...),
 * first in a shell topology's PATH; NULL: PATH as it is. */
const char *sut_tool_path(const struct sut *sut);
/* ovs-vswitchd's unixctl socket, or NULL. */
const char *sut_ovs_vswitchd_ctl(const struct sut *sut);
/* The pids whose CPU and memory the collectors sample. */
/* True when this run started the SUT (and stops it): a private OVS, cmd:.
 * A process attached to (pid:, ovs-rundir:) is someone else's. */
bool sut_started_here(const struct sut *sut);
size_t sut_pids(const struct sut *sut, const pid_t **pids);
/* SUT_RCVBUF_KB: sizes the receive buffer of each packet socket of the
 * SUT's processes to 'bytes' (proc_size_packet_rcvbuf()), only when this
 * run started the SUT: a process attached to is someone else's, tuned as
 * its owner chose.  The number of sockets sized, -EPERM for a SUT not
 * started here, or a negative errno; '*got' is what the kernel set. */
int sut_size_rcvbuf(const struct sut *sut, int bytes, int *got);
/* Whether the SUT still runs and answers, whatever collectors run: each
 * of its processes is the one sut_start() verified (pid and start time)
 * and not stopped (SIGSTOP), and an OVS answers on its control socket
 * within 'timeout_ms'.  0; else -ESRCH (a process exited) or -ETIMEDOUT
 * (stopped, or no answer), naming the process in 'why'.  NULL is fine. */
int sut_check_alive(const struct sut *sut, int timeout_ms,
                    struct strbuf *why);
/* The same with SUT_ANSWER_TIMEOUT_MS, in the shape of measure's check
 * after each trial ('sut' a struct sut *). */
#define SUT_ANSWER_TIMEOUT_MS 2000
int sut_check(void *sut, struct strbuf *why);

#endif
