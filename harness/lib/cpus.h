/* CPU lists ("0-1,3", as taskset and cpuset(7) write them), pinning (a
 * whole process: every thread it has now, later ones inherit; or the
 * calling thread), and how often the host takes a CPU away (below). */
#ifndef PT_CPUS_H
#define PT_CPUS_H

#include <jansson.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>

#include "lib/strbuf.h"

/* Parses a CPU list into 'set'.  0, or -EINVAL with "expected ..." in
 * 'why' (may be NULL).  CPUs are checked for range (< CPU_SETSIZE), not
 * for being online: pinning says that. */
int cpus_parse(const char *text, cpu_set_t *set, struct strbuf *why);
/* Appends 'set' as a CPU list ("0-1,3"). */
void cpus_format(const cpu_set_t *set, struct strbuf *out);
/* Pins every thread of process 'pid'.  0, or the first negative errno
 * with the thread and the reason in 'err'; the rest are still tried. */
int cpus_pin_process(pid_t pid, const cpu_set_t *set, struct strbuf *err);
/* Pins the calling thread.  0 or a negative errno. */
int cpus_pin_self(const cpu_set_t *set);
/* Pins the calling thread to CPU 'cpu' alone.  0 or a negative errno. */
int cpus_pin_self_to(int cpu);

/* --- Stalls ---
 *
 * How often this host takes a CPU away from whatever runs on it: a thread
 * pinned to each CPU spins on the monotonic clock, and every gap between
 * two readings longer than JITTER_GAP_NS is time the CPU spent elsewhere
 * (interrupts, softirqs, kernel threads, other tasks, the hypervisor).
 *
 * Why a benchmark cares: a datapath that polls a socket loses frames when
 * it is away longer than its receive buffer lasts (about 2 ms at 150 kpps
 * for a 208 KiB buffer), so on a host that takes the SUT's CPU for
 * milliseconds several times a second, zero-loss figures measure those
 * stalls, not the datapath.  The run says so with its figures. */
#define JITTER_GAP_NS 10000             /* shorter is the loop itself */
#define JITTER_MAX_CPUS 64

struct jitter_cpu {
    int cpu;
    double seconds;                     /* how long it spun */
    uint64_t over_100us, over_1ms;      /* gaps longer than these */
    double longest_ms;
    double lost_pct;                    /* share of the time in gaps */
};

/* Spins on every CPU of 'set' at once for 'seconds', at most
 * JITTER_MAX_CPUS of them (the lowest); fills out[0..*n).  0, or a
 * negative errno (a CPU that cannot be pinned to, or no thread). */
int jitter_probe(const cpu_set_t *set, double seconds, struct jitter_cpu *out,
                 size_t *n);
/* {"seconds", "cpus": [{"cpu", "seconds", "over_100us", "over_1ms", "longest_ms",
 * "lost_pct"}], "over_1ms_per_s" (the worst CPU's), "longest_ms"}. */
json_t *jitter_json(const struct jitter_cpu *cpus, size_t n, double seconds);

#endif
