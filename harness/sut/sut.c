/* The table of SUT kinds and what every kind shares: --sut parsing,
 * start and stop by the table, the accessors of sut.h. */
#include "sut/sut.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/procfs.h"
#include "lib/proc.h"
#include "lib/unixctl.h"
#include "lib/util.h"
#include "sut/ovs_instance.h"
#include "sut/sut_kind.h"

extern const struct sut_kind_ops sut_kind_ovs_private, sut_kind_ovs_rundir,
    sut_kind_ovs_build, sut_kind_pid, sut_kind_cmd;

const struct sut_kind_ops *const sut_kind_table[] = {
    &sut_kind_ovs_private,
    &sut_kind_ovs_rundir,
    &sut_kind_ovs_build,
    &sut_kind_pid,
    &sut_kind_cmd,
    NULL,
};

static int kernel_start(struct sut *s, const struct sut_start_args *a,
                        struct strbuf *err)
{
    s->version = xstrdup("linux");
    s->description = xstrdup("the kernel's own datapath (no process)");
    return 0;
}

/* What the default becomes when the topology needs no OVS (linux_bridge,
 * direct): nothing to start.  No row of the table: --sut cannot name it. */
static const struct sut_kind_ops sut_kind_kernel = {
    .name = "kernel",
    .start = kernel_start,
};

/* "expected ovs-rundir:DIR, ovs-build:DIR, pid:N or cmd:COMMAND": the kinds --sut names. */
static void add_expected(struct strbuf *err)
{
    size_t n = 0, i = 0;

    for (size_t k = 0; sut_kind_table[k]; k++)
        n += sut_kind_table[k]->prefix != NULL;
    strbuf_addstr(err, "expected ");
    for (size_t k = 0; sut_kind_table[k]; k++)
        if (sut_kind_table[k]->prefix)
            strbuf_add_alternative(err, i++, n, sut_kind_table[k]->usage);
}

int sut_kind_parse(const char *spec, const struct sut_kind_ops **kind,
                   const char **arg, struct strbuf *err)
{
    *kind = NULL;
    *arg = NULL;
    for (size_t k = 0; sut_kind_table[k]; k++) {
        const struct sut_kind_ops *ops = sut_kind_table[k];
        size_t n = ops->prefix ? strlen(ops->prefix) : 0;
        struct strbuf why = STRBUF_INIT;
        int rc = 0;

        if (!spec || !*spec) {
            if (ops->prefix)
                continue;
            *kind = ops;
            return 0;
        }
        /* A prefix with nothing after it gets the list of the kinds. */
        if (!ops->prefix || strncmp(spec, ops->prefix, n) || !spec[n])
            continue;
        if (ops->parse)
            rc = ops->parse(spec + n, &why);
        if (rc)
            strbuf_addf(err, "--sut %s: %s", spec, why.buf);
        strbuf_dispose(&why);
        if (rc)
            return rc;
        *kind = ops;
        *arg = spec + n;
        return 0;
    }
    strbuf_addf(err, "--sut %s: ", spec ? spec : "");
    add_expected(err);
    return -EINVAL;
}

int sut_check_spec(const char *spec, struct strbuf *err)
{
    const struct sut_kind_ops *kind;
    const char *arg;

    return sut_kind_parse(spec, &kind, &arg, err);
}

void sut_list_kinds(FILE *out)
{
    for (size_t k = 0; sut_kind_table[k]; k++)
        fprintf(out, "  %-16s %s\n", sut_kind_table[k]->usage,
                sut_kind_table[k]->help);
}

struct sut *sut_start(const char *spec, bool want_ovs, const char *dir,
                      const char *netns, struct ledger *ledger,
                      struct strbuf *err)
{
    const struct sut_start_args a = { dir, netns, ledger };
    struct sut *s = xcalloc(1, sizeof *s);
    const char *arg;
    int rc = sut_kind_parse(spec, &s->kind, &arg, err);

    if (rc)
        goto fail;
    /* Without --sut, the topology decides whether there is an OVS. */
    if (!s->kind->prefix && !want_ovs)
        s->kind = &sut_kind_kernel;
    s->arg = arg ? xstrdup(arg) : NULL;
    rc = s->kind->start(s, &a, err);
    if (rc)
        goto fail;
    /* What a later sut_check_alive() compares with. */
    for (size_t i = 0; i < s->n_pids; i++) {
        struct pstat ps;
        proc_starttime(s->pids[i], &s->pid_starttimes[i]);
        snprintf(s->comms[i], sizeof s->comms[i], "%s",
                 procfs_read_stat(s->pids[i], &ps) ? "?" : ps.comm);
    }
    return s;
fail:
    sut_stop(s);
    sut_destroy(s);
    return NULL;
}

int sut_stop(struct sut *s)
{
    if (!s || !s->kind || !s->kind->stop)
        return 0;
    return s->kind->stop(s);
}

bool sut_started_here(const struct sut *s)
{
    /* A kind that only attaches has nothing to stop. */
    return s && s->kind && s->kind->stop;
}

int sut_size_rcvbuf(const struct sut *s, int bytes, int *got)
{
    int n = 0;

    if (!sut_started_here(s))
        return -EPERM;
    for (size_t i = 0; i < s->n_pids; i++) {
        int rc = proc_size_packet_rcvbuf(s->pids[i], s->pid_starttimes[i],
                                         bytes, got);
        if (rc < 0)
            return rc;
        n += rc;
    }
    return n;
}

void sut_destroy(struct sut *s)
{
    if (!s)
        return;
    ovs_instance_destroy(s->ovs);
    free(s->arg);
    free(s->version);
    free(s->description);
    json_decref(s->details);
    free(s->tool_path);
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
    return json_pack("{s:s, s:o, s:s, s:s?, s:s?, s:O?}", "kind",
                     s->kind->name, "pids", pids, "version", s->version,
                     "arg", s->arg, "ovs_rundir", sut_ovs_rundir(s),
                     "build", s->details);
}

const char *sut_tool_path(const struct sut *s)
{
    return s ? s->tool_path : NULL;
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

int sut_check_alive(const struct sut *s, int timeout_ms, struct strbuf *why)
{
    const char *ctl = sut_ovs_vswitchd_ctl(s);
    int rc;

    for (size_t i = 0; s && i < s->n_pids; i++) {
        struct pstat ps;
        if (!proc_is_same(s->pids[i], s->pid_starttimes[i])
            || procfs_read_stat(s->pids[i], &ps) == -ESRCH) {
            strbuf_addf(why, "process %d (%s) exited", (int)s->pids[i],
                        s->comms[i]);
            return -ESRCH;
        }
        /* A stopped process keeps its pid and drops every packet: it is
         * not the datapath's loss. */
        if (ps.state == 'T' || ps.state == 't') {
            strbuf_addf(why, "process %d (%s) is stopped", (int)s->pids[i],
                        s->comms[i]);
            return -ETIMEDOUT;
        }
    }
    if (!ctl)
        return 0;
    rc = unixctl_call_timeout(ctl, "version", NULL, timeout_ms, NULL, NULL);
    if (rc && rc != -EREMOTEIO) {
        strbuf_addf(why, "process %d (%s) does not answer on %s within "
                    "%.1f s", (int)s->pids[0], s->comms[0], ctl,
                    timeout_ms / 1000.0);
        return -ETIMEDOUT;
    }
    return 0;
}

/* An OVS answers "version" in a millisecond even under load: 2 s without
 * an answer is a SUT that does not respond. */
int sut_check(void *sut, struct strbuf *why)
{
    return sut_check_alive(sut, SUT_ANSWER_TIMEOUT_MS, why);
}
