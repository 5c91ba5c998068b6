/* The JVM part of snapshot_sut: a live heap dump through the sidecar
 * (HotSpotDiagnostic dumpHeap), the way a midolman engineer took one with
 * jmap, into the run directory so the bundle carries it (compressed). */
#include "sut/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collectors/jmx_sidecar.h"
#include "lib/log.h"
#include "sut/sut.h"
#include "lib/util.h"

LOG_MODULE("snapshot");

/* A heap dump is as big as the heap; no JVM here has a terabyte. */
#define HEAP_DUMP_MAX_BYTES (1LL << 40)

/* Takes the heap dump 'from', written by the JVM (user 'uid') in a folder
 * that user owns, into 'to': whatever that user put at 'from' (a link to
 * /etc/shadow, a hard link, a FIFO) is refused, not copied into the
 * bundle.  The copy is made from the descriptor that was checked. */
static int take_dump(const char *from, uid_t uid, const char *to,
                     struct strbuf *err)
{
    struct untrusted want = { .owner = uid, .single_link = true,
                              .max_size = HEAP_DUMP_MAX_BYTES };
    int in = util_open_untrusted(AT_FDCWD, from, &want, NULL, err);
    int rc;

    if (in < 0)
        return in;
    rc = copy_fd_to(in, to, O_EXCL | O_NOFOLLOW, 0600);
    close(in);
    if (rc) {
        strbuf_addf(err, "cannot copy '%s' to '%s': %s", from, to,
                    strerror(-rc));
        if (rc != -EEXIST)          /* what is there is not ours */
            unlink(to);
    }
    return rc;
}

int snapshot_jvm(const struct sut *sut, const char *heapdump,
                 const char *run_dir, struct ledger *ledger,
                 struct strbuf *err)
{
    const pid_t *pids;
    size_t n = sut_pids(sut, &pids);
    struct jmx_target t = { 0 };
    char *dir = NULL, *tmp = NULL, *path, *log;
    struct stat st;
    char proc[32];
    int rc;

    if (strcmp(heapdump, "yes"))
        return 0;
    t.pid = t.netns_of = jmx_find_jvm(pids, n);
    if (!t.pid)
        return 0;
    snprintf(proc, sizeof proc, "/proc/%d", (int)t.pid);
    if (stat(proc, &st))
        return 0;               /* gone: the run says so already */
    path = xasprintf("%s/snapshot/jvm-%d.hprof", run_dir, (int)t.pid);
    log = xasprintf("%s/jmx.log", run_dir);
    dir = xasprintf("%s/snapshot", run_dir);
    mkdir_p(dir, 0755);
    /* The JVM writes the file itself, as its own user: one that is not
     * root gets a private folder of its own to write to, then the file
     * moves into the run directory. */
    if (st.st_uid != geteuid()) {
        char templ[] = "/var/tmp/pt-heap-XXXXXX";
        if (!mkdtemp(templ) || chown(templ, st.st_uid, st.st_gid)) {
            rc = -errno;
            strbuf_addf(err, "cannot make a folder for the heap dump: %s",
                        strerror(-rc));
            goto out;
        }
        tmp = xasprintf("%s/jvm-%d.hprof", templ, (int)t.pid);
    }
    rc = jmx_heap_dump(&t, tmp ? tmp : path, log, ledger, err);
    if (!rc && tmp)
        rc = take_dump(tmp, st.st_uid, path, err);
    if (!rc && !stat(path, &st))
        LOG_INFO("heap dump of JVM %d: %s (%.1f MiB)", (int)t.pid, path,
                 (double)st.st_size / 1048576.0);
out:
    if (tmp) {
        unlink(tmp);
        *strrchr(tmp, '/') = '\0';
        rmdir(tmp);
    }
    free(tmp);
    free(dir);
    free(log);
    free(path);
    return rc;
}
