/* CPU lists ("0-1,3", as taskset and cpuset(7) write them) and pinning:
 * a whole process (every thread it has now; later ones inherit) or the
 * calling thread. */
#ifndef PT_CPUS_H
#define PT_CPUS_H

#include <sched.h>
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

#endif
