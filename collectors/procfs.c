/* Parsers of /proc text (see procfs.h). */
#include "collectors/procfs.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/strbuf.h"

int procfs_parse_stat(const char *text, struct pstat *p)
{
    const char *open = strchr(text, '('), *close = strrchr(text, ')');
    size_t len;

    memset(p, 0, sizeof *p);
    if (!open || !close || close < open)
        return -EINVAL;
    len = (size_t)(close - open - 1);
    if (len >= sizeof p->comm)
        len = sizeof p->comm - 1;
    memcpy(p->comm, open + 1, len);
    /* Fields 3.. : state ppid pgrp session tty tpgid flags minflt cminflt
     * majflt cmajflt utime stime cutime cstime priority nice threads
     * itrealvalue starttime vsize rss */
    if (sscanf(close + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
                          "%llu %*d %*d %*d %*d %lld %*d %*u %llu %lld",
               &p->state, &p->utime, &p->stime, &p->threads, &p->vsize,
               &p->rss_pages) != 6)
        return -EINVAL;
    return 0;
}

/* The number after "\nKEY:" (or at the very start), or -EINVAL. */
static int field_ull(const char *text, const char *key, unsigned long long *v)
{
    size_t klen = strlen(key);

    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        if (!strncmp(p, key, klen) && p[klen] == ':')
            return sscanf(p + klen + 1, "%llu", v) == 1 ? 0 : -EINVAL;
    return -EINVAL;
}

int procfs_parse_status(const char *text, unsigned long long *vol,
                        unsigned long long *invol)
{
    if (field_ull(text, "voluntary_ctxt_switches", vol)
        || field_ull(text, "nonvoluntary_ctxt_switches", invol))
        return -EINVAL;
    return 0;
}

int procfs_parse_cpu(const char *text, struct cpu_ticks *t)
{
    memset(t, 0, sizeof *t);
    /* "cpu  user nice system idle iowait irq softirq steal ...": kernels
     * before 2.6.11 stop after idle. */
    return sscanf(text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
                  &t->user, &t->nice, &t->sys, &t->idle, &t->iowait, &t->irq,
                  &t->softirq, &t->steal) >= 4 ? 0 : -EINVAL;
}

unsigned long long procfs_cpu_total(const struct cpu_ticks *t)
{
    return t->user + t->nice + t->sys + t->idle + t->iowait + t->irq
           + t->softirq + t->steal;
}

int procfs_parse_meminfo(const char *text, double *avail_bytes)
{
    unsigned long long kb;

    if (field_ull(text, "MemAvailable", &kb))
        return -EINVAL;
    *avail_bytes = (double)kb * 1024;
    return 0;
}

int procfs_parse_smaps_rollup(const char *text, struct smaps_rollup *out)
{
    static const struct {
        const char *key;
        size_t offset;
    } keys[] = {
        { "Rss", offsetof(struct smaps_rollup, rss_kb) },
        { "Pss", offsetof(struct smaps_rollup, pss_kb) },
        { "Private_Dirty", offsetof(struct smaps_rollup, private_dirty_kb) },
        { "Swap", offsetof(struct smaps_rollup, swap_kb) },
    };

    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        long long *v = (long long *)((char *)out + keys[i].offset);
        unsigned long long kb;
        *v = field_ull(text, keys[i].key, &kb) ? -1 : (long long)kb;
    }
    return out->rss_kb < 0 ? -EINVAL : 0;
}

int procfs_read_stat(pid_t pid, struct pstat *p)
{
    struct strbuf text = STRBUF_INIT;
    char path[64];
    int rc;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    rc = strbuf_read_file(&text, path);
    if (!rc)
        rc = procfs_parse_stat(text.buf, p);
    strbuf_dispose(&text);
    if (!rc && (p->state == 'Z' || p->state == 'X'))
        rc = -ESRCH;
    return rc == -ENOENT ? -ESRCH : rc;
}
