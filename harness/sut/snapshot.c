/* snapshot_sut: the SUT at the end of the measurements (see snapshot.h).
 * The text files are kept as the SUT printed them; snapshot.json has the
 * figures parsed from them by the collectors' parsers (ovs_text.h,
 * procfs.h), so the snapshot and the RRD series read OVS and /proc the
 * same way. */
#include "sut/snapshot.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "collectors/ovs_text.h"
#include "collectors/procfs.h"
#include "sut/sut.h"
#include "lib/unixctl.h"
#include "lib/util.h"

LOG_MODULE("snapshot");

/* Per command.  A dump of many flows is megabytes of text: more time
 * than the ovs collector gives a sample, less than unixctl's default
 * (a hung daemon would hold the end of the run for long). */
#define SNAPSHOT_TIMEOUT_MS 5000

/* Integral figures stay integers in the JSON. */
static json_t *json_num(double v)
{
    if (v == floor(v) && fabs(v) < 9e15)
        return json_integer((json_int_t)v);
    return json_real(v);
}

static json_t *json_kb(long long kb)
{
    return kb < 0 ? json_null() : json_integer((json_int_t)kb);
}

static void mem_pair(const char *key, size_t len, double v, void *aux)
{
    char *k;

    if (isnan(v) || isinf(v))       /* strtod reads "nan" and "inf" too */
        return;
    k = xasprintf("%.*s", (int)len, key);
    json_object_set_new(aux, k, json_num(v));
    free(k);
}

json_t *snapshot_ovs_json(const char *memory_show, const char *dump_flows)
{
    json_t *ovs = json_object();

    if (dump_flows)
        json_object_set_new(ovs, "flows",
                            json_integer(ovs_count_dump_flows(dump_flows)));
    if (memory_show) {
        json_t *mem = json_object();
        ovs_memory_show_foreach(memory_show, mem_pair, mem);
        json_object_set_new(ovs, "memory", mem);
    }
    return ovs;
}

json_t *snapshot_process_json(pid_t pid, const char *comm,
                              const char *smaps_rollup)
{
    struct smaps_rollup s = { -1, -1, -1, -1 };

    if (smaps_rollup && procfs_parse_smaps_rollup(smaps_rollup, &s))
        s.rss_kb = s.pss_kb = s.private_dirty_kb = s.swap_kb = -1;
    return json_pack("{s:i, s:s, s:o, s:o, s:o, s:o}", "pid", (int)pid,
                     "comm", comm, "rss_kb", json_kb(s.rss_kb), "pss_kb",
                     json_kb(s.pss_kb), "private_dirty_kb",
                     json_kb(s.private_dirty_kb), "swap_kb",
                     json_kb(s.swap_kb));
}

void snapshot_describe(const json_t *snap, struct strbuf *out)
{
    json_t *flows = json_object_get(json_object_get(snap, "ovs"), "flows");
    const char *sep = "";
    size_t i, start = out->len;
    json_t *p;

    if (json_is_integer(flows)) {
        json_int_t n = json_integer_value(flows);
        strbuf_addf(out, "%lld datapath flow%s", (long long)n,
                    n == 1 ? "" : "s");
        sep = ", ";
    }
    json_array_foreach(json_object_get(snap, "processes"), i, p) {
        json_t *rss = json_object_get(p, "rss_kb");
        json_t *pss = json_object_get(p, "pss_kb");
        strbuf_addf(out, "%s%s", sep,
                    json_string_value(json_object_get(p, "comm")) ?: "?");
        if (json_is_integer(rss))
            strbuf_addf(out, " RSS %.1f MiB",
                        (double)json_integer_value(rss) / 1024);
        else
            strbuf_addstr(out, " RSS unknown");
        if (json_is_integer(pss))
            strbuf_addf(out, " (PSS %.1f MiB)",
                        (double)json_integer_value(pss) / 1024);
        sep = ", ";
    }
    if (out->len == start)
        strbuf_addstr(out, "nothing");
}

/* The state of one snapshot while it is taken. */
struct snap {
    char *dir;                  /* <run>/snapshot */
    struct strbuf *err;
    int rc;                     /* the first error */
};

static void snap_error(struct snap *s, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void snap_error(struct snap *s, int rc, const char *fmt, ...)
{
    va_list ap;

    if (s->err->len)
        strbuf_addstr(s->err, "; ");
    va_start(ap, fmt);
    strbuf_vaddf(s->err, fmt, ap);
    va_end(ap);
    if (!s->rc)
        s->rc = rc;
}

static void snap_write(struct snap *s, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", s->dir, name);
    int rc = write_file_atomic(path, text, strlen(text));

    if (rc)
        snap_error(s, rc, "cannot write '%s': %s", path, strerror(-rc));
    free(path);
}

/* Runs a unixctl command on ovs-vswitchd; its output, or NULL with the
 * reason recorded.  Once the daemon did not answer at all, the later
 * commands are not tried (each would wait for the timeout again). */
static char *ask(struct snap *s, const char *ctl, bool *unreachable,
                 const char *cmd, const char *arg)
{
    const char *args[] = { arg, NULL };
    struct strbuf why = STRBUF_INIT;
    char *reply = NULL;
    int rc;

    if (*unreachable)
        return NULL;
    rc = unixctl_call_timeout(ctl, cmd, arg ? args : NULL,
                              SNAPSHOT_TIMEOUT_MS, &reply, &why);
    if (rc) {
        snap_error(s, rc, "%s%s%s: %s", cmd, arg ? " " : "", arg ? arg : "",
                   why.len ? why.buf : strerror(-rc));
        *unreachable = rc != -EREMOTEIO;
    }
    strbuf_dispose(&why);
    return reply;
}

/* dpctl/dump-flows of every datapath.  Without a name it refuses when
 * there are several ("multiple datapaths, specify one"): each is asked by
 * name, and with more than one, each dump follows a "type@name:" line
 * (ovs_count_dump_flows() skips those).  NULL when not one answered. */
static char *dump_flows(struct snap *s, const char *ctl, bool *unreachable,
                        bool *netdev)
{
    char *dps = ask(s, ctl, unreachable, "dpctl/dump-dps", NULL);
    struct strbuf all = STRBUF_INIT;
    int n_dps = 0, n_dumps = 0;

    *netdev = false;
    if (!dps)
        return NULL;
    for (const char *l = dps; *l; ) {
        const char *end = strchrnul(l, '\n');
        n_dps += end > l;
        l = *end ? end + 1 : end;
    }
    for (const char *l = dps; *l; ) {
        const char *end = strchrnul(l, '\n');
        if (end > l) {
            char *dp = xasprintf("%.*s", (int)(end - l), l);
            char *flows = ask(s, ctl, unreachable, "dpctl/dump-flows", dp);
            *netdev = *netdev || !strncmp(dp, "netdev@", 7);
            if (flows) {
                if (n_dps > 1)
                    strbuf_addf(&all, "%s:\n", dp);
                strbuf_addstr(&all, flows);
                n_dumps++;
            }
            free(flows);
            free(dp);
        }
        l = *end ? end + 1 : end;
    }
    if (!n_dps)
        snap_error(s, -ENOENT, "dpctl/dump-dps: no datapath");
    free(dps);
    if (!n_dumps) {
        strbuf_dispose(&all);
        return NULL;
    }
    return strbuf_detach(&all);
}

static json_t *snapshot_ovs(struct snap *s, const char *ctl)
{
    bool unreachable = false, netdev = false;
    char *mem = ask(s, ctl, &unreachable, "memory/show", NULL);
    char *flows = dump_flows(s, ctl, &unreachable, &netdev);
    char *pmd = NULL;
    json_t *ovs;

    /* Only the userspace datapath has these (a kernel one says so in an
     * error). */
    if (netdev)
        pmd = ask(s, ctl, &unreachable, "dpif-netdev/pmd-stats-show", NULL);
    if (mem)
        snap_write(s, "ovs-memory.txt", mem);
    if (flows)
        snap_write(s, "ovs-dpctl-flows.txt", flows);
    if (pmd)
        snap_write(s, "ovs-pmd-stats.txt", pmd);
    ovs = snapshot_ovs_json(mem, flows);
    free(mem);
    free(flows);
    free(pmd);
    return ovs;
}

static json_t *snapshot_process(struct snap *s, pid_t pid, const char *comm)
{
    struct strbuf text = STRBUF_INIT;
    char path[64];
    json_t *p;
    int rc;

    snprintf(path, sizeof path, "/proc/%d/smaps_rollup", (int)pid);
    rc = strbuf_read_file(&text, path);
    if (rc) {
        snap_error(s, rc, "cannot read '%s': %s", path, strerror(-rc));
        p = snapshot_process_json(pid, comm, NULL);
    } else {
        char *name = xasprintf("smaps_rollup-%d.txt", (int)pid);
        snap_write(s, name, text.buf);
        free(name);
        p = snapshot_process_json(pid, comm, text.buf);
        if (json_is_null(json_object_get(p, "rss_kb")))
            snap_error(s, -EINVAL, "%s: no Rss line", path);
    }
    strbuf_dispose(&text);
    return p;
}

/* The process's name, or false when it is gone (an exited child of ours
 * is a zombie until teardown reaps it: gone too). */
static bool process_alive(pid_t pid, char comm[64])
{
    struct pstat st = { .comm = "" };
    int rc = procfs_read_stat(pid, &st);

    /* A zombie still has its name; a process that is gone has none. */
    snprintf(comm, 64, "%s", st.comm[0] ? st.comm : "?");
    return !rc;
}

int snapshot_sut(const struct sut *sut, const char *run_dir,
                 struct strbuf *err)
{
    struct snap s = { .err = err };
    struct strbuf sb = STRBUF_INIT;
    const char *ctl = sut_ovs_vswitchd_ctl(sut);
    const pid_t *pids;
    size_t n = sut_pids(sut, &pids);
    char (*comm)[64];
    json_t *snap, *procs;
    char *text;
    int rc;

    if (!n && !ctl) {
        LOG_INFO("nothing to take: the SUT has no process of its own");
        return 0;
    }
    /* A SUT that died failed the run already: one reason, no cascade of
     * unanswered commands and missing files. */
    comm = xcalloc(n ? n : 1, sizeof *comm);
    for (size_t i = 0; i < n; i++)
        if (!process_alive(pids[i], comm[i]))
            snap_error(&s, -ESRCH, "the system under test is gone: process "
                       "%d (%s) exited", (int)pids[i], comm[i]);
    if (s.rc) {
        free(comm);
        return s.rc;
    }
    s.dir = xasprintf("%s/snapshot", run_dir);
    rc = mkdir_p(s.dir, 0755);
    if (rc) {
        snap_error(&s, rc, "cannot create '%s': %s", s.dir, strerror(-rc));
        free(s.dir);
        free(comm);
        return s.rc;
    }
    snap = json_object();
    if (ctl)
        json_object_set_new(snap, "ovs", snapshot_ovs(&s, ctl));
    procs = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(procs, snapshot_process(&s, pids[i], comm[i]));
    json_object_set_new(snap, "processes", procs);
    text = json_dumps(snap, JSON_INDENT(2));
    strbuf_addf(&sb, "%s\n", text);
    free(text);
    snap_write(&s, "snapshot.json", sb.buf);
    strbuf_reset(&sb);
    snapshot_describe(snap, &sb);
    LOG_INFO("%s (in %s)", sb.buf, s.dir);
    json_decref(snap);
    strbuf_dispose(&sb);
    free(s.dir);
    free(comm);
    return s.rc;
}
