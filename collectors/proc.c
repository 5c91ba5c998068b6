/* proc: the SUT's processes, from /proc/PID (stat, status, task/, fd/).
 * CPU is the tick delta of the process (all its threads) over the time
 * between two samples, in % of one core. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "collectors/procfs.h"

struct proc_state {
    pid_t *pids;
    char (*names)[64];
    size_t n;
    unsigned long long prev_utime, prev_stime;
    uint64_t prev_ns;
};

/* Context switches of every thread, and open fds. */
static void read_tasks(pid_t pid, double *vol, double *invol, double *fds)
{
    char path[64];
    DIR *d;
    struct dirent *e;

    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    if ((d = opendir(path))) {
        while ((e = readdir(d))) {
            struct strbuf text = STRBUF_INIT;
            unsigned long long v, n;
            char *p;
            if (e->d_name[0] == '.')
                continue;
            p = xasprintf("/proc/%d/task/%s/status", (int)pid, e->d_name);
            if (!strbuf_read_file(&text, p) && !procfs_parse_status(text.buf, &v, &n)) {
                *vol = (isnan(*vol) ? 0 : *vol) + (double)v;
                *invol = (isnan(*invol) ? 0 : *invol) + (double)n;
            }
            free(p);
            strbuf_dispose(&text);
        }
        closedir(d);
    }
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    if ((d = opendir(path))) {
        double k = 0;
        while ((e = readdir(d)))
            k += e->d_name[0] != '.';
        closedir(d);
        *fds = (isnan(*fds) ? 0 : *fds) + k;
    }
}

static int proc_init(const struct collector_cfg *cfg, void **state,
                     struct metric_set *ms, struct strbuf *err)
{
    static const char *const gauges[] = { "cpu_pct", "cpu_user_pct",
        "cpu_sys_pct", "rss_bytes", "vsz_bytes", "threads" };
    struct proc_state *s;

    if (!cfg->n_pids)
        return -ENOTSUP;
    s = xcalloc(1, sizeof *s);
    s->n = cfg->n_pids;
    s->pids = xcalloc(s->n, sizeof *s->pids);
    s->names = xcalloc(s->n, sizeof *s->names);
    for (size_t i = 0; i < s->n; i++) {
        struct pstat p;
        s->pids[i] = cfg->pids[i];
        if (!procfs_read_stat(s->pids[i], &p))
            snprintf(s->names[i], sizeof s->names[i], "%s", p.comm);
    }
    for (size_t i = 0; i < sizeof gauges / sizeof *gauges; i++)
        metric_set_add(ms, METRIC_GAUGE, "%s", gauges[i]);
    metric_set_add(ms, METRIC_COUNTER, "ctx_voluntary");
    metric_set_add(ms, METRIC_COUNTER, "ctx_involuntary");
    metric_set_add(ms, METRIC_GAUGE, "open_fds");
    *state = s;
    return 0;
}

static int proc_sample(void *state, uint64_t now_ns, double *v,
                       struct strbuf *err)
{
    struct proc_state *s = state;
    unsigned long long ut = 0, st = 0;
    double hz = (double)sysconf(_SC_CLK_TCK);
    double page = (double)sysconf(_SC_PAGESIZE);

    for (int i = 0; i < 9; i++)
        v[i] = NAN;
    v[3] = v[4] = v[5] = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct pstat p;
        int rc = procfs_read_stat(s->pids[i], &p);
        if (rc == -ESRCH) {
            strbuf_addf(err, "SUT process %d (%s) exited", (int)s->pids[i],
                        s->names[i][0] ? s->names[i] : "?");
            return -ESRCH;
        }
        if (rc)
            return rc;
        ut += p.utime;
        st += p.stime;
        v[3] += (double)p.rss_pages * page;
        v[4] += (double)p.vsize;
        v[5] += (double)p.threads;
        read_tasks(s->pids[i], &v[6], &v[7], &v[8]);
    }
    if (s->prev_ns && now_ns > s->prev_ns) {
        double secs = (double)(now_ns - s->prev_ns) / 1e9;
        v[1] = 100.0 * (double)(ut - s->prev_utime) / hz / secs;
        v[2] = 100.0 * (double)(st - s->prev_stime) / hz / secs;
        v[0] = v[1] + v[2];
    }
    s->prev_utime = ut;
    s->prev_stime = st;
    s->prev_ns = now_ns;
    return 0;
}

static void proc_close(void *state)
{
    struct proc_state *s = state;

    free(s->pids);
    free(s->names);
    free(s);
}

const struct collector_ops collector_proc = {
    .name = "proc",
    .description = "the SUT's processes: CPU, memory, threads, switches, fds",
    .init = proc_init,
    .sample = proc_sample,
    .close = proc_close,
};
