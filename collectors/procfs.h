/* Parsers for the /proc files the proc and system collectors read, apart
 * from the reading so that tests can feed them fixture text. */
#ifndef PT_PROCFS_H
#define PT_PROCFS_H

#include <sys/types.h>

/* The fields of /proc/PID/stat that the proc collector uses. */
struct pstat {
    char comm[64];
    char state;                     /* R S D Z X ... */
    unsigned long long utime, stime;/* clock ticks, all threads */
    unsigned long long vsize;       /* bytes */
    long long rss_pages, threads;
};

/* /proc/PID/stat.  The name is in parentheses and may itself hold spaces
 * and ')': the fields go on after the LAST ')', as procps reads it.
 * 0 or -EINVAL. */
int procfs_parse_stat(const char *text, struct pstat *p);
/* Reads and parses /proc/PID/stat.  0; -ESRCH when the process is gone
 * or a zombie (our own child that exited is one until reaped); -EINVAL. */
int procfs_read_stat(pid_t pid, struct pstat *p);
/* voluntary_ctxt_switches / nonvoluntary_ctxt_switches of a
 * /proc/PID[/task/TID]/status.  0 or -EINVAL. */
int procfs_parse_status(const char *text, unsigned long long *vol,
                        unsigned long long *invol);

/* The aggregate "cpu" line of /proc/stat, in clock ticks. */
struct cpu_ticks {
    unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
};
int procfs_parse_cpu(const char *text, struct cpu_ticks *t);
unsigned long long procfs_cpu_total(const struct cpu_ticks *t);
/* MemAvailable of /proc/meminfo, in bytes.  0 or -EINVAL. */
int procfs_parse_meminfo(const char *text, double *avail_bytes);

/* The figures of /proc/PID/smaps_rollup (Linux 4.14+) that say what a
 * process costs in memory, in kB; -1 when the kernel did not print one. */
struct smaps_rollup {
    long long rss_kb;               /* resident */
    long long pss_kb;               /* resident, shared pages divided
                                     * among their users */
    long long private_dirty_kb;     /* written to, its own: freed only
                                     * when it exits */
    long long swap_kb;
};
/* 0, or -EINVAL when there is no "Rss:" line. */
int procfs_parse_smaps_rollup(const char *text, struct smaps_rollup *out);

#endif
