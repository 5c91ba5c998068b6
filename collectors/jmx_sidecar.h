/* The JMX sidecar (collectors/jmx/PtJmx.java): JMX is a Java protocol, so
 * a small JVM of ours speaks it, as collectd's GenericJMX and Zabbix's Java
 * gateway do, and talks to us in tab-separated lines on a socket that is
 * its stdin and stdout:
 *   we send     defaults | query\tOBJ\tATTRS\tALIAS\tTYPES ... then start
 *   it answers  metric\tgauge|counter\tLABEL ... ready\tN
 *               sample\tNANOTIME\tV1..VN   (every interval; "nan": unread)
 *               info|warn|error\tTEXT
 * and `--dump PATH` makes it ask the JVM for a heap dump instead. */
#ifndef PT_JMX_SIDECAR_H
#define PT_JMX_SIDECAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/strbuf.h"

struct ledger;

/* Where and how to reach a JVM. */
struct jmx_target {
    pid_t pid;              /* attach to this JVM (Attach API), or 0 */
    char *url;              /* else "host:port" or "service:jmx:..." */
    pid_t netns_of;         /* run the sidecar in this process's network
                             * namespace (0: ours) */
};

/* True when process 'pid' runs a HotSpot JVM (libjvm.so is mapped). */
bool jmx_is_jvm(pid_t pid);
/* The first of 'pids' that is a JVM, or 0. */
pid_t jmx_find_jvm(const pid_t *pids, size_t n);
/* The folder with PtJmx.class: <data dir>/jmx when installed,
 * <checkout>/build/jmx when run from the source tree; NULL when the
 * sidecar was not built (no javac at build time). */
const char *jmx_sidecar_dir(void);
/* "pid 123" or the URL, for messages. */
void jmx_target_describe(const struct jmx_target *t, struct strbuf *out);

struct jmx_sidecar {
    pid_t pid;
    unsigned long long starttime;
    int fd;                 /* its stdin and stdout; -1: not running */
    struct strbuf in;       /* what it wrote that is not a whole line yet */
};

/* Starts the sidecar polling every 'interval' seconds and sends it
 * 'setup' (the query lines) and "start".  stderr goes to 'log_path';
 * the process is recorded in 'ledger' (may be NULL).  0 or -errno with
 * the reason in 'err'. */
int jmx_sidecar_start(struct jmx_sidecar *sc, const struct jmx_target *t,
                      double interval, const char *setup,
                      const char *log_path, struct ledger *ledger,
                      struct strbuf *err);
/* Reads what the sidecar wrote, waiting up to 'timeout_ms' for the first
 * bytes, and calls 'line' for each whole line (without the newline).
 * 0, or -EPIPE when it closed its end (it exited). */
int jmx_sidecar_read(struct jmx_sidecar *sc, int timeout_ms,
                     void (*line)(void *ctx, char *line), void *ctx);
/* Asks it to quit, then stops it by its pid.  Safe to call twice. */
void jmx_sidecar_stop(struct jmx_sidecar *sc);

/* A live heap dump (HotSpotDiagnostic dumpHeap) of 't' into 'path', which
 * the JVM itself writes, within 'timeout_ms'.  0 or -errno with the
 * reason in 'err': -ETIMEDOUT, -EINTR (pt_interrupted), -EIO. */
int jmx_heap_dump(const struct jmx_target *t, const char *path,
                  int timeout_ms, const char *log_path, struct ledger *ledger,
                  struct strbuf *err);

#endif
