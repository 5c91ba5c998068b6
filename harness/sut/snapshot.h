/* snapshot_sut (DESIGN.md step 13): what the SUT looks like once the
 * measurements are done, kept in <run>/snapshot/ for the report and for a
 * person who wonders where the memory went:
 *
 *   ovs-memory.txt        memory/show of an OVS SUT
 *   ovs-dpctl-flows.txt   dpctl/dump-flows of each of its datapaths
 *   ovs-pmd-stats.txt     dpif-netdev/pmd-stats-show (userspace datapath)
 *   smaps_rollup-PID.txt  /proc/PID/smaps_rollup of every SUT process
 *   jvm-PID.hprof         a JVM SUT's live heap dump (HEAPDUMP=yes)
 *   snapshot.json         {"ovs": {"flows": N, "memory": {...}},
 *                          "processes": [{"pid", "comm", "rss_kb",
 *                          "pss_kb", "private_dirty_kb", "swap_kb"}]}
 *
 * The OVS figures come over ovs-vswitchd's unixctl socket (never by
 * running ovs-appctl); the heap dump through the JMX sidecar. */
#ifndef PT_SNAPSHOT_H
#define PT_SNAPSHOT_H

#include <jansson.h>
#include <sys/types.h>

#include "lib/strbuf.h"

struct ledger;
struct sut;

/* Takes the snapshot of 'sut' into <run_dir>/snapshot/ and logs one line
 * that sums it up.  A SUT with no process of its own (the kernel) has
 * nothing to take: 0.  Returns 0 when everything was taken; -ESRCH when a
 * SUT process is gone (nothing is taken then); else the first negative
 * errno, with every reason in 'err', after writing what could be taken. */
int snapshot_sut(const struct sut *sut, const char *run_dir,
                 struct strbuf *err);

/* A live heap dump of the SUT's JVM (the first of its processes that is
 * one) into <run_dir>/snapshot/jvm-PID.hprof, when 'heapdump' is "yes".
 * The JVM writes the file itself, so a JVM that runs as another user
 * writes into a private folder of its user first.  The sidecar is
 * recorded in 'ledger'.  0 (also when there is no JVM) or a negative
 * errno with the reason in 'err'. */
int snapshot_jvm(const struct sut *sut, const char *heapdump,
                 const char *run_dir, struct ledger *ledger,
                 struct strbuf *err);

/* --- the pure parts, text in and JSON out (tests feed them fixtures) --- */

/* snapshot.json's "ovs" member: "flows" counted in a dpctl/dump-flows
 * reply, "memory" every key:value pair of a memory/show reply (keys as
 * OVS prints them).  Either text may be NULL (not taken): its member is
 * left out.  New reference. */
json_t *snapshot_ovs_json(const char *memory_show, const char *dump_flows);
/* One entry of "processes" from the text of /proc/PID/smaps_rollup
 * (NULL or unparsable: the figures are null).  New reference. */
json_t *snapshot_process_json(pid_t pid, const char *comm,
                              const char *smaps_rollup);
/* The log line's text for a snapshot.json root, e.g. "12 datapath flows,
 * ovs-vswitchd RSS 24.1 MiB (PSS 20.3 MiB)". */
void snapshot_describe(const json_t *snap, struct strbuf *out);

#endif
