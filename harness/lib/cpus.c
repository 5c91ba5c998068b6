#include "lib/cpus.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pace.h"

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

int cpus_pin_self_to(int cpu)
{
    cpu_set_t one;

    if (cpu < 0 || cpu >= CPU_SETSIZE)
        return -EINVAL;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    return cpus_pin_self(&one);
}

/* ------------------------------------------------------------------
 * Stalls
 * ---------------------------------------------------------------- */

struct spinner {
    pthread_t thread;
    double seconds;
    int rc;
    struct jitter_cpu res;
};

static void *spin(void *arg)
{
    struct spinner *sp = arg;
    struct jitter_cpu *r = &sp->res;
    uint64_t start, end, prev, lost = 0, longest = 0;

    if ((sp->rc = cpus_pin_self_to(r->cpu)))
        return NULL;
    start = prev = pace_now_ns();
    end = start + (uint64_t)(sp->seconds * 1e9);
    for (;;) {
        uint64_t t = pace_now_ns(), gap = t - prev;

        prev = t;
        if (gap > JITTER_GAP_NS) {
            lost += gap;
            r->over_100us += gap > 100000;
            r->over_1ms += gap > 1000000;
            if (gap > longest)
                longest = gap;
        }
        if (t >= end)
            break;
    }
    r->seconds = (double)(prev - start) / 1e9;
    r->longest_ms = (double)longest / 1e6;
    r->lost_pct = prev > start ? 100.0 * (double)lost / (double)(prev - start)
                               : 0;
    return NULL;
}

int jitter_probe(const cpu_set_t *set, double seconds, struct jitter_cpu *out,
                 size_t *n)
{
    struct spinner sp[JITTER_MAX_CPUS];
    size_t k = 0, started = 0;
    int rc = 0;

    memset(sp, 0, sizeof sp);
    for (int c = 0; c < CPU_SETSIZE && k < JITTER_MAX_CPUS; c++)
        if (CPU_ISSET(c, set)) {
            sp[k].res.cpu = c;
            sp[k++].seconds = seconds;
        }
    /* All at once: a stall that hits several CPUs (the hypervisor's)
     * shows on each, and the probe takes 'seconds' whatever the count. */
    for (; started < k; started++) {
        int e = pthread_create(&sp[started].thread, NULL, spin, &sp[started]);
        if (e) {
            rc = -e;
            break;
        }
    }
    for (size_t i = 0; i < started; i++) {
        pthread_join(sp[i].thread, NULL);
        if (sp[i].rc && !rc)
            rc = sp[i].rc;
        out[i] = sp[i].res;
    }
    *n = started;
    return !rc && !k ? -EINVAL : rc;
}

json_t *jitter_json(const struct jitter_cpu *cpus, size_t n, double seconds)
{
    json_t *arr = json_array();
    double worst_rate = 0, longest = 0;

    for (size_t i = 0; i < n; i++) {
        const struct jitter_cpu *c = &cpus[i];
        double rate = c->seconds > 0 ? (double)c->over_1ms / c->seconds : 0;

        if (rate > worst_rate)
            worst_rate = rate;
        if (c->longest_ms > longest)
            longest = c->longest_ms;
        json_array_append_new(arr, json_pack(
            "{s:i, s:f, s:I, s:I, s:f, s:f}", "cpu", c->cpu, "seconds",
            c->seconds, "over_100us", (json_int_t)c->over_100us, "over_1ms",
            (json_int_t)c->over_1ms, "longest_ms", c->longest_ms, "lost_pct",
            c->lost_pct));
    }
    return json_pack("{s:f, s:o, s:f, s:f}", "seconds", seconds, "cpus", arr,
                     "over_1ms_per_s", worst_rate, "longest_ms", longest);
}
