/* An Open vSwitch to benchmark: either a private one that we start for a
 * run (ovsdb-server + ovs-vswitchd as our children, with every file,
 * socket and log inside one directory), or one that already runs and is
 * reached through its run directory.  A private instance never touches a
 * system OVS: the daemons get explicit paths and OVS_RUNDIR, OVS_DBDIR,
 * OVS_LOGDIR and OVS_SYSCONFDIR point at the directory, so also
 * `OVS_RUNDIR=<dir> ovs-vsctl/ovs-ofctl/ovs-appctl -t ovs-vswitchd` (shell
 * topologies) find it.
 *
 * Layout of the directory (OVS's own default names, which is what the
 * OVS tools look for under OVS_RUNDIR):
 *     conf.db                        the database
 *     db.sock                        ovsdb-server's JSON-RPC socket
 *     ovsdb-server.pid, ovs-vswitchd.pid
 *     ovsdb-server.<pid>.ctl, ovs-vswitchd.<pid>.ctl   unixctl sockets
 *     ovsdb-server.log, ovs-vswitchd.log               the daemons' logs
 *     *.out                          their stdout/stderr
 *     <bridge>.mgmt                  each bridge's OpenFlow socket */
#ifndef PT_OVS_INSTANCE_H
#define PT_OVS_INSTANCE_H

#include <stdbool.h>
#include <sys/types.h>

#include "lib/jsonrpc.h"
#include "lib/ledger.h"
#include "lib/strbuf.h"

/* How long each daemon may take to become ready. */
#define OVS_INSTANCE_START_TIMEOUT_MS 20000

struct ovs_instance;

/* Starts a private OVS in 'dir' (created if needed; it must not hold a
 * conf.db yet): creates the database, starts ovsdb-server, inserts the
 * root Open_vSwitch row, starts ovs-vswitchd, and returns once
 * ovs-vswitchd answers on its control socket and has applied the
 * configuration.  Each daemon is recorded in 'ledger' (may be NULL: not
 * recorded) right after it is spawned.  The daemons run in the network
 * namespace 'netns' (NULL: ours), so the taps of the netdev datapath
 * (one per bridge, and "ovs-netdev") live and die with it.  Returns NULL with a message in
 * 'err' on failure, after stopping whatever it started. */
struct ovs_instance *ovs_instance_start(const char *dir, const char *netns,
                                        struct ledger *ledger,
                                        struct strbuf *err);
/* Where a private instance's daemons, ovsdb-tool and schema come from: a
 * build tree or prefix (sut/ovs_build.h).  A NULL member is found the
 * default way: programs in PATH and the sbin directories, the schema in
 * OVS_PKGDATADIR or /usr/share/openvswitch. */
struct ovs_programs {
    const char *vswitchd, *ovsdb_server, *ovsdb_tool, *schema;
};
/* ovs_instance_start() with those programs ('progs' may be NULL). */
struct ovs_instance *ovs_instance_start_from(const char *dir,
                                             const char *netns,
                                             const struct ovs_programs *progs,
                                             struct ledger *ledger,
                                             struct strbuf *err);
/* Uses the OVS whose run directory is 'rundir' (db.sock and
 * ovs-vswitchd.<pid>.ctl or ovs-vswitchd.ctl in it); it is never stopped
 * by us.  NULL with a message in 'err' when it does not answer. */
struct ovs_instance *ovs_instance_attach(const char *rundir,
                                         struct strbuf *err);
/* Stops the daemons of a private instance and reaps them: ovs-vswitchd
 * with `exit --cleanup`, so that it deletes its datapath and the tap
 * devices of its bridges, then ovsdb-server with SIGTERM; a daemon that
 * lingers gets SIGTERM, then SIGKILL.  Does nothing for an attached
 * instance, or a second time.  Returns 0 or the first negative errno. */
int ovs_instance_stop(struct ovs_instance *ovs);
/* Stops a private instance still running, then frees 'ovs'.  NULL is
 * fine.  The directory and its logs stay. */
void ovs_instance_destroy(struct ovs_instance *ovs);

/* True for an instance we started (and therefore stop). */
bool ovs_instance_is_owned(const struct ovs_instance *ovs);
const char *ovs_instance_rundir(const struct ovs_instance *ovs);
/* ovsdb-server's JSON-RPC socket. */
const char *ovs_instance_db_socket(const struct ovs_instance *ovs);
/* The daemons' unixctl sockets. */
const char *ovs_instance_vswitchd_ctl(const struct ovs_instance *ovs);
const char *ovs_instance_ovsdb_ctl(const struct ovs_instance *ovs);
/* The daemons' pids: 0 when unknown (an attached instance without a
 * pidfile) or after ovs_instance_stop(). */
pid_t ovs_instance_vswitchd_pid(const struct ovs_instance *ovs);
pid_t ovs_instance_ovsdb_pid(const struct ovs_instance *ovs);
/* Their start times, for proc_is_same(). */
unsigned long long ovs_instance_vswitchd_starttime(
    const struct ovs_instance *ovs);
unsigned long long ovs_instance_ovsdb_starttime(
    const struct ovs_instance *ovs);
/* First line of ovs-vswitchd's `version`, e.g.
 * "ovs-vswitchd (Open vSwitch) 3.1.0". */
const char *ovs_instance_version(const struct ovs_instance *ovs);

/* Opens a new connection to the instance's database; the caller closes
 * it with jsonrpc_close().  0 or a negative errno. */
int ovs_instance_db_open(const struct ovs_instance *ovs,
                         struct jsonrpc **dbp);
/* unixctl_call() on ovs-vswitchd: `ovs-appctl CMD ARGS...`; on failure
 * the reason is appended to 'err' (may be NULL). */
int ovs_instance_appctl(const struct ovs_instance *ovs, const char *cmd,
                        const char *const *args, char **reply,
                        struct strbuf *err);

#endif
