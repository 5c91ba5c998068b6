#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sut/ovs_instance.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collectors/procfs.h"
#include "lib/log.h"
#include "lib/ovsdb.h"
#include "lib/proc.h"
#include "lib/unixctl.h"
#include "lib/util.h"

LOG_MODULE("ovs");

extern char **environ;

/* SIGTERM makes both daemons exit at once; this is only the bound before
 * SIGKILL. */
#define STOP_TIMEOUT_MS 5000

struct ovs_daemon {
    const char *name;               /* "ovsdb-server", "ovs-vswitchd" */
    pid_t pid;                      /* 0: not running (or unknown) */
    unsigned long long starttime;
    char *ctl;                      /* unixctl socket */
};

struct ovs_instance {
    char *rundir;
    char *db_sock;
    char *version;
    bool owned;
    struct ovs_daemon ovsdb, vswitchd;
    char **envp;                    /* environment of owned daemons */
    char *netns;                    /* owned daemons run here; NULL: root */
    struct ovs_programs progs;      /* during the start only (borrowed);
                                       NULL members: found in PATH */
};



/* Finds 'name' in PATH or the sbin directories: Jenkins and sudo often run
 * us with a PATH that lacks /usr/sbin, where Debian puts the daemons. */
static char *find_program(const char *name)
{
    const char *path = getenv("PATH");
    char *dirs = xasprintf("%s:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin",
                           path ? path : "");
    char *result = NULL, *save = NULL;

    for (char *d = strtok_r(dirs, ":", &save); d && !result;
         d = strtok_r(NULL, ":", &save)) {
        char *candidate = xasprintf("%s/%s", d, name);
        if (d[0] == '/' && access(candidate, X_OK) == 0)
            result = candidate;
        else
            free(candidate);
    }
    free(dirs);
    return result;
}

/* 'given' (a build's own program) when set, else 'name' found in PATH. */
static char *program(const char *given, const char *name)
{
    return given ? xstrdup(given) : find_program(name);
}

/* The environment for the daemons: ours, with the OVS directories pointed
 * at 'dir', so that nothing they create by default (the bridges' .mgmt
 * sockets, unixctl sockets, pidfiles) lands in /var/run/openvswitch. */
static char **make_env(const char *dir)
{
    static const char *const vars[] = {
        "OVS_RUNDIR", "OVS_DBDIR", "OVS_LOGDIR", "OVS_SYSCONFDIR",
    };
    size_t n_vars = ARRAY_SIZE(vars);
    size_t n = 0, k = 0;
    char **envp;

    while (environ[n])
        n++;
    envp = xcalloc(n + n_vars + 1, sizeof *envp);
    for (size_t i = 0; i < n; i++) {
        bool ours = false;
        for (size_t v = 0; v < n_vars; v++) {
            size_t len = strlen(vars[v]);
            if (!strncmp(environ[i], vars[v], len) && environ[i][len] == '=')
                ours = true;
        }
        if (!ours)
            envp[k++] = xstrdup(environ[i]);
    }
    for (size_t v = 0; v < n_vars; v++)
        envp[k++] = xasprintf("%s=%s", vars[v], dir);
    envp[k] = NULL;
    return envp;
}

static void free_env(char **envp)
{
    for (size_t i = 0; envp && envp[i]; i++)
        free(envp[i]);
    free(envp);
}

/* Appends ": <last line of 'path'>" (the daemon's last words, usually the
 * reason it failed), or nothing when the file is empty or missing. */
static void add_log_tail(struct strbuf *err, const char *path)
{
    struct strbuf sb = STRBUF_INIT;
    char *line;

    if (strbuf_read_file(&sb, path) == 0) {
        strbuf_rtrim(&sb);
        line = strrchr(sb.buf, '\n');
        line = line ? line + 1 : sb.buf;
        if (line[0])
            strbuf_addf(err, ": %s", line);
    }
    strbuf_dispose(&sb);
}

/* Appends where to look and what the daemon last said. */
static void add_daemon_logs(struct strbuf *err, const struct ovs_instance *ovs,
                            const char *name)
{
    char *log = xasprintf("%s/%s.log", ovs->rundir, name);
    char *out = xasprintf("%s/%s.out", ovs->rundir, name);
    struct strbuf tail = STRBUF_INIT;

    add_log_tail(&tail, out);
    if (!tail.len)
        add_log_tail(&tail, log);
    strbuf_addf(err, " (see %s)%s", log, tail.buf);
    strbuf_dispose(&tail);
    free(log);
    free(out);
}

/* True when daemon 'd', our child, has exited (it is reaped then). */
static bool daemon_exited(struct ovs_daemon *d, int *status)
{
    int st;

    if (d->pid <= 0)
        return true;
    if (waitpid(d->pid, status ? status : &st, WNOHANG) == d->pid) {
        d->pid = 0;
        return true;
    }
    return false;
}

static void add_exit_status(struct strbuf *err, int status)
{
    if (WIFEXITED(status))
        strbuf_addf(err, "exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        strbuf_addf(err, "was killed by signal %d", WTERMSIG(status));
    else
        strbuf_addstr(err, "stopped");
}

/* Spawns argv as daemon 'd', stdout/stderr to <rundir>/<name>.out, and
 * records it in the ledger before anything else can fail. */
static int spawn_daemon(struct ovs_instance *ovs, struct ovs_daemon *d,
                        char *const argv[], struct ledger *ledger,
                        struct strbuf *err)
{
    char *out = xasprintf("%s/%s.out", ovs->rundir, d->name);
    struct proc_spawn_opts opts = { .log_path = out, .envp = ovs->envp,
                                    .netns = ovs->netns };
    char *label;
    int ret = proc_spawn(argv, &opts, &d->pid);

    free(out);
    if (ret) {
        d->pid = 0;
        strbuf_addf(err, "cannot start %s: %s", d->name, strerror(-ret));
        return ret;
    }
    label = xasprintf("pt-%s", d->name);
    ret = ledger ? ledger_record_process(ledger, label, d->pid) : 0;
    free(label);
    if (ret) {
        /* Unrecorded, it could outlive a crash of ours: do not keep it. */
        proc_stop(d->pid, 0, STOP_TIMEOUT_MS);
        d->pid = 0;
        strbuf_addf(err, "cannot record %s in the ledger: %s", d->name,
                    strerror(-ret));
        return ret;
    }
    proc_starttime(d->pid, &d->starttime);
    LOG_DBG("started %s, pid %d", d->name, (int)d->pid);
    /* Without --unixctl the daemon listens where `ovs-appctl -t NAME`
     * looks: <OVS_RUNDIR>/NAME.<pid>.ctl.  No --detach, so that pid is the
     * one we spawned. */
    d->ctl = xasprintf("%s/%s.%d.ctl", ovs->rundir, d->name, (int)d->pid);
    return 0;
}

/* Waits until ovsdb-server serves the Open_vSwitch database on db.sock. */
static int wait_ovsdb(struct ovs_instance *ovs, struct strbuf *err)
{
    long long deadline = monotonic_ms() + OVS_INSTANCE_START_TIMEOUT_MS;
    struct strbuf msg = STRBUF_INIT;
    int ret = 0, status = 0, interval = 2;

    for (;;) {
        struct jsonrpc *db;
        json_t *dbs = NULL;

        if (daemon_exited(&ovs->ovsdb, &status)) {
            strbuf_addstr(err, "ovsdb-server ");
            add_exit_status(err, status);
            strbuf_addstr(err, " during start-up");
            add_daemon_logs(err, ovs, "ovsdb-server");
            strbuf_dispose(&msg);
            return -ECHILD;
        }
        /* The socket appears before ovsdb-server reads the database, so
         * only an answer to list_dbs proves it serves it. */
        strbuf_reset(&msg);
        ret = jsonrpc_open(ovs->db_sock, 1000, &db);
        if (!ret) {
            ret = ovsdb_list_dbs(db, &dbs, &msg);
            jsonrpc_close(db);
        }
        if (!ret) {
            size_t i;
            json_t *name;
            bool found = false;
            json_array_foreach(dbs, i, name)
                if (json_is_string(name)
                    && !strcmp(json_string_value(name), OVSDB_DATABASE))
                    found = true;
            json_decref(dbs);
            if (found)
                break;
            ret = -ENOENT;
        }
        if (monotonic_ms() >= deadline) {
            strbuf_addf(err, "ovsdb-server did not serve %s on '%s' within "
                        "%d ms: %s", OVSDB_DATABASE, ovs->db_sock,
                        OVS_INSTANCE_START_TIMEOUT_MS,
                        msg.len ? msg.buf : strerror(-ret));
            add_daemon_logs(err, ovs, "ovsdb-server");
            strbuf_dispose(&msg);
            return -ETIMEDOUT;
        }
        sleep_ms(interval);
        if (interval < 50)
            interval *= 2;
    }
    strbuf_dispose(&msg);
    return 0;
}

/* Waits until ovs-vswitchd answers on its control socket and has applied
 * the database: cur_cfg reaching next_cfg means it has read the
 * configuration and built the bridges it describes. */
static int wait_vswitchd(struct ovs_instance *ovs, struct strbuf *err)
{
    long long deadline = monotonic_ms() + OVS_INSTANCE_START_TIMEOUT_MS;
    struct jsonrpc *db = NULL;
    struct strbuf msg = STRBUF_INIT;
    char *reply = NULL;
    int ret, status = 0, interval = 2;

    for (;;) {
        if (daemon_exited(&ovs->vswitchd, &status)) {
            strbuf_addstr(err, "ovs-vswitchd ");
            add_exit_status(err, status);
            strbuf_addstr(err, " during start-up");
            add_daemon_logs(err, ovs, "ovs-vswitchd");
            strbuf_dispose(&msg);
            return -ECHILD;
        }
        strbuf_reset(&msg);
        ret = unixctl_call_timeout(ovs->vswitchd.ctl, "version", NULL, 1000,
                                   &reply, &msg);
        if (!ret)
            break;
        if (monotonic_ms() >= deadline) {
            strbuf_addf(err, "ovs-vswitchd did not answer on '%s' within "
                        "%d ms: %s", ovs->vswitchd.ctl,
                        OVS_INSTANCE_START_TIMEOUT_MS, msg.buf);
            add_daemon_logs(err, ovs, "ovs-vswitchd");
            strbuf_dispose(&msg);
            return -ETIMEDOUT;
        }
        sleep_ms(interval);
        if (interval < 50)
            interval *= 2;
    }
    reply[strcspn(reply, "\n")] = '\0';
    ovs->version = reply;

    ret = jsonrpc_open(ovs->db_sock, JSONRPC_DEFAULT_TIMEOUT_MS, &db);
    if (ret) {
        strbuf_addf(err, "cannot connect to '%s': %s", ovs->db_sock,
                    strerror(-ret));
        strbuf_dispose(&msg);
        return ret;
    }
    /* A fresh next_cfg that only a running ovs-vswitchd can acknowledge:
     * without it, 0 == 0 would pass before it read anything. */
    ret = ovsdb_bump_cfg(db, NULL, &msg);
    if (!ret) {
        int left = (int)(deadline - monotonic_ms());
        ret = ovsdb_wait_reconfigured(db, left > 1000 ? left : 1000, &msg);
    }
    if (ret) {
        strbuf_addf(err, "ovs-vswitchd did not configure itself: %s",
                    msg.buf);
        add_daemon_logs(err, ovs, "ovs-vswitchd");
    }
    strbuf_dispose(&msg);
    jsonrpc_close(db);
    return ret;
}

static int create_db(struct ovs_instance *ovs, const char *db_path,
                     struct strbuf *err)
{
    const char *pkgdatadir = getenv("OVS_PKGDATADIR");
    char *schema = ovs->progs.schema ? xstrdup(ovs->progs.schema)
        : xasprintf("%s/vswitch.ovsschema",
                    pkgdatadir ? pkgdatadir : "/usr/share/openvswitch");
    char *tool = program(ovs->progs.ovsdb_tool, "ovsdb-tool");
    char *log = xasprintf("%s/ovsdb-tool.out", ovs->rundir);
    int ret;

    if (access(db_path, F_OK) == 0) {
        /* A fresh database per run: an old one would bring back bridges
         * and ports of an earlier run, and a live one belongs to a running
         * ovsdb-server. */
        strbuf_addf(err, "'%s' exists already: the directory of another "
                    "OVS instance?", db_path);
        ret = -EEXIST;
    } else if (!tool) {
        strbuf_addstr(err, "ovsdb-tool not found (is openvswitch-switch "
                      "installed?)");
        ret = -ENOENT;
    } else {
        char *argv[] = { tool, "create", (char *)db_path, schema, NULL };
        struct proc_spawn_opts opts = { .log_path = log, .envp = ovs->envp };
        ret = proc_run(argv, &opts);
        if (ret < 0) {
            strbuf_addf(err, "cannot run ovsdb-tool: %s", strerror(-ret));
        } else if (ret > 0) {
            strbuf_addf(err, "ovsdb-tool create '%s' failed with status %d",
                        db_path, ret);
            add_log_tail(err, log);
            ret = -EIO;
        }
    }
    free(schema);
    free(tool);
    free(log);
    return ret;
}

static struct ovs_instance *instance_new(const char *rundir, bool owned)
{
    struct ovs_instance *ovs = xcalloc(1, sizeof *ovs);

    char cwd[4096];

    /* Absolute: the cleanup ledger names the database socket, and a
     * cleanup runs from any folder. */
    if (rundir[0] != '/' && getcwd(cwd, sizeof cwd))
        ovs->rundir = xasprintf("%s/%s", cwd, rundir);
    else
        ovs->rundir = xstrdup(rundir);
    ovs->db_sock = xasprintf("%s/db.sock", ovs->rundir);
    ovs->owned = owned;
    ovs->ovsdb.name = "ovsdb-server";
    ovs->vswitchd.name = "ovs-vswitchd";
    return ovs;
}

static int start_ovsdb(struct ovs_instance *ovs, struct ledger *ledger,
                       struct strbuf *err)
{
    char *prog = program(ovs->progs.ovsdb_server, "ovsdb-server");
    char *db_path = xasprintf("%s/conf.db", ovs->rundir);
    char *remote = xasprintf("--remote=punix:%s", ovs->db_sock);
    char *pidfile = xasprintf("--pidfile=%s/ovsdb-server.pid", ovs->rundir);
    char *logfile = xasprintf("--log-file=%s/ovsdb-server.log", ovs->rundir);
    int ret = create_db(ovs, db_path, err);

    if (!ret && !prog) {
        strbuf_addstr(err, "ovsdb-server not found (is openvswitch-switch "
                      "installed?)");
        ret = -ENOENT;
    }
    if (!ret) {
        char *argv[] = { prog, db_path, remote, pidfile, logfile,
                         "-vconsole:warn", NULL };
        ret = spawn_daemon(ovs, &ovs->ovsdb, argv, ledger, err);
    }
    if (!ret)
        ret = wait_ovsdb(ovs, err);
    if (!ret) {
        struct jsonrpc *db;
        struct strbuf msg = STRBUF_INIT;

        ret = jsonrpc_open(ovs->db_sock, JSONRPC_DEFAULT_TIMEOUT_MS, &db);
        if (ret) {
            strbuf_addf(err, "cannot connect to '%s': %s", ovs->db_sock,
                        strerror(-ret));
        } else {
            ret = ovsdb_init(db, &msg);
            if (ret)
                strbuf_addf(err, "cannot initialize the database: %s",
                            msg.buf);
            strbuf_dispose(&msg);
            jsonrpc_close(db);
        }
    }
    free(prog);
    free(db_path);
    free(remote);
    free(pidfile);
    free(logfile);
    return ret;
}

static int start_vswitchd(struct ovs_instance *ovs, struct ledger *ledger,
                          struct strbuf *err)
{
    char *prog = program(ovs->progs.vswitchd, "ovs-vswitchd");
    char *remote = xasprintf("unix:%s", ovs->db_sock);
    char *pidfile = xasprintf("--pidfile=%s/ovs-vswitchd.pid", ovs->rundir);
    char *logfile = xasprintf("--log-file=%s/ovs-vswitchd.log", ovs->rundir);
    int ret = 0;

    if (!prog) {
        strbuf_addstr(err, "ovs-vswitchd not found (is openvswitch-switch "
                      "installed?)");
        ret = -ENOENT;
    }
    if (!ret) {
        char *argv[] = { prog, remote, pidfile, logfile, "-vconsole:warn",
                         NULL };
        ret = spawn_daemon(ovs, &ovs->vswitchd, argv, ledger, err);
    }
    if (!ret)
        ret = wait_vswitchd(ovs, err);
    free(prog);
    free(remote);
    free(pidfile);
    free(logfile);
    return ret;
}

struct ovs_instance *ovs_instance_start(const char *dir, const char *netns,
                                        struct ledger *ledger,
                                        struct strbuf *err)
{
    return ovs_instance_start_from(dir, netns, NULL, ledger, err);
}

struct ovs_instance *ovs_instance_start_from(const char *dir,
                                             const char *netns,
                                             const struct ovs_programs *progs,
                                             struct ledger *ledger,
                                             struct strbuf *err)
{
    struct ovs_instance *ovs;
    char *abs;
    int ret = dir && dir[0] ? mkdir_p(dir, 0755) : -EINVAL;

    if (ret) {
        strbuf_addf(err, "cannot create '%s': %s", dir, strerror(-ret));
        return NULL;
    }
    /* Absolute, so the paths we hand out mean the same from anywhere. */
    abs = realpath(dir, NULL);
    if (!abs) {
        strbuf_addf(err, "cannot resolve '%s': %s", dir, strerror(errno));
        return NULL;
    }
    ovs = instance_new(abs, true);
    free(abs);
    ovs->envp = make_env(ovs->rundir);
    ovs->netns = netns && netns[0] ? xstrdup(netns) : NULL;
    /* Borrowed: the caller's strings outlive the start. */
    if (progs)
        ovs->progs = *progs;

    ret = start_ovsdb(ovs, ledger, err);
    if (!ret)
        ret = start_vswitchd(ovs, ledger, err);
    memset(&ovs->progs, 0, sizeof ovs->progs);  /* never used after */
    if (ret) {
        ovs_instance_destroy(ovs);
        return NULL;
    }
    LOG_DBG("%s ready in '%s'", ovs->version, ovs->rundir);
    return ovs;
}

/* Reads the pid in <rundir>/<name>.pid; 0 when there is none. */
static pid_t read_pidfile(const char *rundir, const char *name)
{
    char *path = xasprintf("%s/%s.pid", rundir, name);
    struct strbuf sb = STRBUF_INIT;
    long pid = 0;

    if (strbuf_read_file(&sb, path) == 0)
        pid = strtol(sb.buf, NULL, 10);
    strbuf_dispose(&sb);
    free(path);
    return pid > 0 && pid <= INT_MAX ? (pid_t)pid : 0;
}

static bool is_socket(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Finds a running daemon's pid and control socket the way ovs-appctl -t
 * does: the pidfile names <name>.<pid>.ctl; a daemon started with an
 * explicit --unixctl=<name>.ctl is found too. */
static void find_daemon(struct ovs_instance *ovs, struct ovs_daemon *d)
{
    pid_t pid = read_pidfile(ovs->rundir, d->name);
    char *ctl;

    if (pid > 0 && proc_is_same(pid, 0)) {
        d->pid = pid;
        proc_starttime(pid, &d->starttime);
        ctl = xasprintf("%s/%s.%d.ctl", ovs->rundir, d->name, (int)pid);
        if (is_socket(ctl)) {
            d->ctl = ctl;
            return;
        }
        free(ctl);
    }
    d->ctl = xasprintf("%s/%s.ctl", ovs->rundir, d->name);
}

struct ovs_instance *ovs_instance_attach(const char *rundir,
                                         struct strbuf *err)
{
    struct ovs_instance *ovs;
    struct strbuf msg = STRBUF_INIT;
    char *reply = NULL;
    int ret;

    ovs = instance_new(rundir, false);
    if (!is_socket(ovs->db_sock)) {
        strbuf_addf(err, "no OVS database socket '%s'", ovs->db_sock);
        ovs_instance_destroy(ovs);
        return NULL;
    }
    find_daemon(ovs, &ovs->ovsdb);
    find_daemon(ovs, &ovs->vswitchd);
    ret = unixctl_call(ovs->vswitchd.ctl, "version", NULL, &reply, &msg);
    if (ret) {
        strbuf_addf(err, "ovs-vswitchd in '%s' does not answer: %s", rundir,
                    msg.buf);
        strbuf_dispose(&msg);
        ovs_instance_destroy(ovs);
        return NULL;
    }
    reply[strcspn(reply, "\n")] = '\0';
    ovs->version = reply;
    return ovs;
}

static int stop_daemon(struct ovs_daemon *d)
{
    int ret;

    if (d->pid <= 0)
        return 0;
    ret = proc_stop(d->pid, d->starttime, STOP_TIMEOUT_MS);
    if (!ret)
        d->pid = 0;
    return ret;
}

/* Waits up to 'timeout_ms' for daemon 'd' to exit on its own. */
static void wait_exit(struct ovs_daemon *d, int timeout_ms)
{
    long long deadline = monotonic_ms() + timeout_ms;

    while (!daemon_exited(d, NULL) && proc_is_same(d->pid, d->starttime)
           && monotonic_ms() < deadline)
        sleep_ms(10);
}

static int stop_vswitchd(struct ovs_daemon *d)
{
    static const char *const cleanup[] = { "--cleanup", NULL };

    if (d->pid <= 0)
        return 0;
    /* The netdev datapath's tap devices (one per bridge, plus
     * "ovs-netdev" for the datapath) are persistent: after a SIGTERM they
     * outlive ovs-vswitchd.  `exit --cleanup` makes it delete its
     * datapath and ports first; the reply comes before it is done, so wait
     * for the process to go.  SIGTERM remains for a daemon that hangs. */
    if (proc_is_same(d->pid, d->starttime)) {
        struct strbuf msg = STRBUF_INIT;
        struct pstat ps;
        /* A stopped daemon (SIGSTOP) takes neither 'exit' nor SIGTERM
         * until it runs again: each would time out, and its taps stay.
         * It is ours (same pid and start time): let it run to clean up.
         * A traced one ('t', a debugger) is the debugger's to release. */
        if (!procfs_read_stat(d->pid, &ps) && ps.state == 'T') {
            LOG_INFO("ovs-vswitchd (pid %d) is stopped: continuing it so "
                     "that it can clean up", (int)d->pid);
            kill(d->pid, SIGCONT);
        }
        int ret = unixctl_call_timeout(d->ctl, "exit", cleanup,
                                       STOP_TIMEOUT_MS, NULL, &msg);
        if (ret)
            LOG_WARN("ovs-vswitchd did not take 'exit --cleanup' (%s); its "
                     "tap devices may stay behind", msg.buf);
        else
            wait_exit(d, STOP_TIMEOUT_MS);
        strbuf_dispose(&msg);
    }
    return stop_daemon(d);
}

int ovs_instance_stop(struct ovs_instance *ovs)
{
    int ret, ret2;

    if (!ovs->owned)
        return 0;
    /* ovs-vswitchd first: it would only log reconnection attempts to a
     * database that went away. */
    ret = stop_vswitchd(&ovs->vswitchd);
    ret2 = stop_daemon(&ovs->ovsdb);
    return ret ? ret : ret2;
}

void ovs_instance_destroy(struct ovs_instance *ovs)
{
    if (!ovs)
        return;
    ovs_instance_stop(ovs);
    free(ovs->rundir);
    free(ovs->db_sock);
    free(ovs->version);
    free(ovs->ovsdb.ctl);
    free(ovs->vswitchd.ctl);
    free_env(ovs->envp);
    free(ovs->netns);
    free(ovs);
}

bool ovs_instance_is_owned(const struct ovs_instance *ovs)
{
    return ovs->owned;
}

const char *ovs_instance_rundir(const struct ovs_instance *ovs)
{
    return ovs->rundir;
}

const char *ovs_instance_db_socket(const struct ovs_instance *ovs)
{
    return ovs->db_sock;
}

const char *ovs_instance_vswitchd_ctl(const struct ovs_instance *ovs)
{
    return ovs->vswitchd.ctl;
}

const char *ovs_instance_ovsdb_ctl(const struct ovs_instance *ovs)
{
    return ovs->ovsdb.ctl;
}

pid_t ovs_instance_vswitchd_pid(const struct ovs_instance *ovs)
{
    return ovs->vswitchd.pid;
}

pid_t ovs_instance_ovsdb_pid(const struct ovs_instance *ovs)
{
    return ovs->ovsdb.pid;
}

unsigned long long ovs_instance_vswitchd_starttime(
    const struct ovs_instance *ovs)
{
    return ovs->vswitchd.starttime;
}

unsigned long long ovs_instance_ovsdb_starttime(
    const struct ovs_instance *ovs)
{
    return ovs->ovsdb.starttime;
}

const char *ovs_instance_version(const struct ovs_instance *ovs)
{
    return ovs->version ? ovs->version : "";
}

int ovs_instance_db_open(const struct ovs_instance *ovs,
                         struct jsonrpc **dbp)
{
    return jsonrpc_open(ovs->db_sock, JSONRPC_DEFAULT_TIMEOUT_MS, dbp);
}

int ovs_instance_appctl(const struct ovs_instance *ovs, const char *cmd,
                        const char *const *args, char **reply,
                        struct strbuf *err)
{
    return unixctl_call(ovs->vswitchd.ctl, cmd, args, reply, err);
}
