/* How far apart the host has put two CPUs: the round trip of one cache
 * line bounced between a thread pinned to each.
 *
 * Why a benchmark measures it: a datapath on its own CPU takes every
 * frame from the injector's CPU and hands it to the receiver's, so each
 * frame moves cache lines between CPUs.  On a VM the hypervisor places
 * the guest's CPUs on physical cores, and moves them: on the 2-core VM of
 * issue 14 the round trip flipped between about 60 ns (one shared L3) and
 * about 300 ns (two), each for tens of seconds.  In 30-trial runs at 250
 * kpps offered, OVS forwarded a median of 144-158 kpps in the near trials
 * and 127-131 kpps in the far ones: a sixth of the figure, though trials
 * within either placement still varied by a third for other reasons.  No
 * setting inside the guest chooses this; a run can only measure it,
 * trial by trial, and say it with the figures. */
#ifndef PT_XCPU_H
#define PT_XCPU_H

/* Round trips a batch; the lowest batch mean is the answer, since a
 * batch the host interrupted is longer, never shorter. */
#define XCPU_TRIPS 64
#define XCPU_BATCHES 8
/* A batch not through this long after it began (the partner's CPU busy
 * elsewhere) is dropped; no batch through: no figure.  So a probe takes
 * at most about (2 * XCPU_BATCHES + 1) * XCPU_WAIT_NS, a third of a
 * second, when the partner's CPU is taken, and well under a millisecond
 * when both are free. */
#define XCPU_WAIT_NS 20000000

/* A run whose slowest round trip is this many times its fastest was
 * moved by the host: its two placements here differ fivefold, batches
 * within one by a third at most. */
#define XCPU_MOVED_RATIO 2

/* The round trip in ns between 'cpu_a' and 'cpu_b', in *ns.  0, or
 * -EINVAL (the same CPU, or out of range), -ETIMEDOUT (no batch went
 * through), or the errno of pinning or starting a thread.  Leaves the
 * caller's own affinity alone, and never waits for the partner thread to
 * end (it ends by itself once it runs again). */
int xcpu_round_trip(int cpu_a, int cpu_b, double *ns);

#endif
