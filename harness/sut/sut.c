#include "sut/sut.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ledger.h"
#include "sut/ovs_instance.h"
#include "lib/proc.h"
#include "lib/util.h"

enum sut_kind { SUT_OVS_PRIVATE, SUT_OVS_RUNDIR, SUT_PID, SUT_CMD, SUT_KERNEL };

static const char *const kind_names[] = {
    [SUT_OVS_PRIVATE] = "ovs-private",
    [SUT_OVS_RUNDIR] = "ovs-rundir",
    [SUT_PID] = "pid",
    [SUT_CMD] = "cmd",
    [SUT_KERNEL] = "kernel",
};

struct sut {
    enum sut_kind kind;
    struct ovs_instance *ovs;
    pid_t pids[2];
    size_t n_pids;
    unsigned long long cmd_starttime;   /* SUT_CMD: the child we started */
    char *arg;              /* the DIR, N or COMMAND of the spec */
    char *version;
    char *description;
};

static int parse_spec(const char *spec, enum sut_kind *kind, const char **arg,
                      struct strbuf *err)
{
    static const char *const prefixes[] = {
        [SUT_OVS_RUNDIR] = "ovs-rundir:", [SUT_PID] = "pid:",
        [SUT_CMD] = "cmd:",
    };

    if (!spec || !*spec) {
        *kind = SUT_OVS_PRIVATE;
        *arg = NULL;
        return 0;
    }
    for (int k = SUT_OVS_RUNDIR; k <= SUT_CMD; k++) {
        size_t n = strlen(prefixes[k]);
        if (!strncmp(spec, prefixes[k], n) && spec[n]) {
            *kind = k;
            *arg = spec + n;
            if (k == SUT_PID) {
                char *end;
                long pid = strtol(*arg, &end, 10);
                if (*end || pid <= 1) {
                    strbuf_addf(err, "--sut %s: expected pid:N with N a "
                                     "process id", spec);
                    return -EINVAL;
                }
            }
            return 0;
        }
    }
    strbuf_addf(err, "--sut %s: expected ovs-rundir:DIR, pid:N or "
                     "cmd:COMMAND", spec);
    return -EINVAL;
}

int sut_check_spec(const char *spec, struct strbuf *err)
{
    enum sut_kind kind;
    const char *arg;
    return parse_spec(spec, &kind, &arg, err);
}

/* What /proc says the process runs: its command line, spaces restored. */
static char *proc_cmdline(pid_t pid)
{
    struct strbuf sb = STRBUF_INIT;
    char path[64];

    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    if (strbuf_read_file(&sb, path) < 0) {
        strbuf_dispose(&sb);
        return xstrdup("?");
    }
    for (size_t i = 0; i + 1 < sb.len; i++)
        if (!sb.buf[i])
            sb.buf[i] = ' ';
    return strbuf_detach(&sb);
}

static int start_ovs(struct sut *s, const char *dir, const char *netns,
                     struct ledger *ledger, struct strbuf *err)
{
    s->ovs = s->kind == SUT_OVS_PRIVATE
                 ? ovs_instance_start(dir, netns, ledger, err)
                 : ovs_instance_attach(s->arg, err);
    if (!s->ovs)
        return -EIO;
    s->pids[0] = ovs_instance_vswitchd_pid(s->ovs);
    s->pids[1] = ovs_instance_ovsdb_pid(s->ovs);
    s->n_pids = 2;
    s->version = xstrdup(ovs_instance_version(s->ovs));
    s->description = xasprintf("%s %s (ovs-vswitchd pid %d, "
                               "ovsdb-server pid %d, %s)",
                               s->kind == SUT_OVS_PRIVATE ? "private"
                                                          : "running",
                               s->version, (int)s->pids[0], (int)s->pids[1],
                               ovs_instance_rundir(s->ovs));
    return 0;
}

static int start_cmd(struct sut *s, const char *dir, struct ledger *ledger,
                     struct strbuf *err)
{
    char *argv[] = { "/bin/sh", "-c", s->arg, NULL };
    char *log = xasprintf("%s/sut.log", dir);
    struct proc_spawn_opts opts = { .log_path = log };
    pid_t pid;
    int rc = mkdir_p(dir, 0755);

    if (!rc)
        rc = proc_spawn(argv, &opts, &pid);
    free(log);
    if (rc) {
        strbuf_addf(err, "cannot start '%s': %s", s->arg, strerror(-rc));
        return rc;
    }
    rc = ledger_record_process(ledger, "sut", pid);
    proc_starttime(pid, &s->cmd_starttime);
    s->pids[0] = pid;
    s->n_pids = 1;
    if (rc) {
        strbuf_addf(err, "cannot record '%s' in the ledger: %s", s->arg,
                    strerror(-rc));
        return rc;
    }
    return 0;
}

struct sut *sut_start(const char *spec, bool want_ovs, const char *dir,
                      const char *netns, struct ledger *ledger,
                      struct strbuf *err)
{
    struct sut *s = xcalloc(1, sizeof *s);
    const char *arg;
    int rc = parse_spec(spec, &s->kind, &arg, err);

    if (rc)
        goto fail;
    if (s->kind == SUT_OVS_PRIVATE && !want_ovs) {
        s->kind = SUT_KERNEL;
        s->version = xstrdup("linux");
        s->description = xstrdup("the kernel's own datapath (no process)");
        return s;
    }
    s->arg = arg ? xstrdup(arg) : NULL;
    switch (s->kind) {
    case SUT_OVS_PRIVATE:
    case SUT_OVS_RUNDIR:
        rc = start_ovs(s, dir, netns, ledger, err);
        break;
    case SUT_PID:
        s->pids[0] = (pid_t)atoi(arg);
        s->n_pids = 1;
        if (!proc_is_same(s->pids[0], 0)) {
            strbuf_addf(err, "no process with pid %s", arg);
            rc = -ESRCH;
        }
        break;
    case SUT_CMD:
        rc = start_cmd(s, dir, ledger, err);
        break;
    case SUT_KERNEL:
        break;
    }
    if (rc)
        goto fail;
    if (!s->description) {
        char *cmd = proc_cmdline(s->pids[0]);
        s->version = xstrdup("unknown");
        s->description = xasprintf("process %d: %s", (int)s->pids[0], cmd);
        free(cmd);
    }
    return s;
fail:
    sut_stop(s);
    sut_destroy(s);
    return NULL;
}

int sut_stop(struct sut *s)
{
    int rc = 0;

    if (!s)
        return 0;
    if (s->kind == SUT_OVS_PRIVATE && s->ovs)
        rc = ovs_instance_stop(s->ovs);
    else if (s->kind == SUT_CMD && s->n_pids)
        rc = proc_stop(s->pids[0], s->cmd_starttime, 3000);
    return rc;
}

void sut_destroy(struct sut *s)
{
    if (!s)
        return;
    ovs_instance_destroy(s->ovs);
    free(s->arg);
    free(s->version);
    free(s->description);
    free(s);
}

const char *sut_describe(const struct sut *s)
{
    return s->description;
}

json_t *sut_to_json(const struct sut *s)
{
    json_t *pids = json_array();

    for (size_t i = 0; i < s->n_pids; i++)
        json_array_append_new(pids, json_integer(s->pids[i]));
    return json_pack("{s:s, s:o, s:s, s:s?, s:s?}", "kind",
                     kind_names[s->kind], "pids", pids, "version",
                     s->version, "arg", s->arg, "ovs_rundir",
                     sut_ovs_rundir(s));
}

const char *sut_ovs_rundir(const struct sut *s)
{
    return s && s->ovs ? ovs_instance_rundir(s->ovs) : NULL;
}

const char *sut_ovs_db_socket(const struct sut *s)
{
    return s && s->ovs ? ovs_instance_db_socket(s->ovs) : NULL;
}

const char *sut_ovs_vswitchd_ctl(const struct sut *s)
{
    return s && s->ovs ? ovs_instance_vswitchd_ctl(s->ovs) : NULL;
}

size_t sut_pids(const struct sut *s, const pid_t **pids)
{
    *pids = s->pids;
    return s->n_pids;
}
