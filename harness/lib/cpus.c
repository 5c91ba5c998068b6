#include "lib/cpus.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cpus_parse(const char *text, cpu_set_t *set, struct strbuf *why)
{
    const char *p = text;

    CPU_ZERO(set);
    while (*p) {
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;
        if (end == p || lo < 0)
            goto bad;
        if (*end == '-') {
            p = end + 1;
            hi = strtol(p, &end, 10);
            if (end == p || hi < lo)
                goto bad;
        }
        if (hi >= CPU_SETSIZE || (*end && *end != ','))
            goto bad;
        for (long c = lo; c <= hi; c++)
            CPU_SET((int)c, set);
        p = *end ? end + 1 : end;
        if (end[0] == ',' && !*p)
            goto bad;
    }
    if (CPU_COUNT(set))
        return 0;
bad:
    if (why)
        strbuf_addstr(why, "expected a CPU list like 0 or 0-1,3");
    CPU_ZERO(set);
    return -EINVAL;
}

void cpus_format(const cpu_set_t *set, struct strbuf *out)
{
    bool first = true;

    for (int c = 0; c < CPU_SETSIZE; c++) {
        int e = c;
        if (!CPU_ISSET(c, set))
            continue;
        while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, set))
            e++;
        strbuf_addf(out, e > c ? "%s%d-%d" : "%s%d", first ? "" : ",", c, e);
        first = false;
        c = e;
    }
}

int cpus_pin_process(pid_t pid, const cpu_set_t *set, struct strbuf *err)
{
    char path[64];
    DIR *d;
    struct dirent *e;
    int rc = 0;

    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    d = opendir(path);
    if (!d) {
        rc = -errno;
        strbuf_addf(err, "cannot list the threads of %d: %s", (int)pid,
                    strerror(errno));
        return rc;
    }
    while ((e = readdir(d))) {
        pid_t tid = (pid_t)atoi(e->d_name);
        /* A thread that ended meanwhile is not a failure. */
        if (tid <= 0 || !sched_setaffinity(tid, sizeof *set, set)
            || errno == ESRCH)
            continue;
        if (!rc) {
            rc = -errno;
            strbuf_addf(err, "cannot pin thread %d of %d: %s", (int)tid,
                        (int)pid, strerror(errno));
        }
    }
    closedir(d);
    return rc;
}

int cpus_pin_self(const cpu_set_t *set)
{
    return sched_setaffinity(0, sizeof *set, set) ? -errno : 0;
}
