/* The process kinds of SUT: any running process by its pid, or a command
 * the harness starts, records in the ledger and stops at teardown. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ledger.h"
#include "lib/proc.h"
#include "lib/util.h"
#include "sut/sut_kind.h"

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

/* A process tells no version of its own. */
static void describe_process(struct sut *s)
{
    char *cmd = proc_cmdline(s->pids[0]);

    s->version = xstrdup("unknown");
    s->description = xasprintf("process %d: %s", (int)s->pids[0], cmd);
    free(cmd);
}

static int pid_parse(const char *arg, struct strbuf *err)
{
    char *end;
    long pid = strtol(arg, &end, 10);

    /* Not 1: init is nobody's system under test. */
    if (*end || pid <= 1) {
        strbuf_addstr(err, "expected pid:N with N a process id");
        return -EINVAL;
    }
    return 0;
}

static int pid_start(struct sut *s, const struct sut_start_args *a,
                     struct strbuf *err)
{
    s->pids[0] = (pid_t)atoi(s->arg);
    s->n_pids = 1;
    if (!proc_is_same(s->pids[0], 0)) {
        strbuf_addf(err, "no process with pid %s", s->arg);
        return -ESRCH;
    }
    describe_process(s);
    return 0;
}

/* Not ours: it is sampled, never stopped. */
const struct sut_kind_ops sut_kind_pid = {
    .name = "pid",
    .prefix = "pid:",
    .usage = "pid:N",
    .help = "a running process by its pid; never stopped",
    .parse = pid_parse,
    .start = pid_start,
};

static int cmd_start(struct sut *s, const struct sut_start_args *a,
                     struct strbuf *err)
{
    char *argv[] = { "/bin/sh", "-c", s->arg, NULL };
    char *log = xasprintf("%s/sut.log", a->dir);
    struct proc_spawn_opts opts = { .log_path = log };
    pid_t pid;
    int rc = mkdir_p(a->dir, 0755);

    if (!rc)
        rc = proc_spawn(argv, &opts, &pid);
    free(log);
    if (rc) {
        strbuf_addf(err, "cannot start '%s': %s", s->arg, strerror(-rc));
        return rc;
    }
    rc = ledger_record_process(a->ledger, "sut", pid);
    proc_starttime(pid, &s->starttime);
    s->pids[0] = pid;
    s->n_pids = 1;
    if (rc) {
        strbuf_addf(err, "cannot record '%s' in the ledger: %s", s->arg,
                    strerror(-rc));
        return rc;
    }
    describe_process(s);
    return 0;
}

static int cmd_stop(struct sut *s)
{
    return s->n_pids ? proc_stop(s->pids[0], s->starttime, 3000) : 0;
}

const struct sut_kind_ops sut_kind_cmd = {
    .name = "cmd",
    .prefix = "cmd:",
    .usage = "cmd:COMMAND",
    .help = "a command run by /bin/sh -c, stopped at teardown",
    .start = cmd_start,
    .stop = cmd_stop,
};
