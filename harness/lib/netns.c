#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "lib/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

/* ---------------------------------------------------------------------
 * Names and paths
 * ------------------------------------------------------------------- */

bool netns_is_root(const char *name)
{
    return !name || !name[0];
}

static int check_ns_name(const char *name)
{
    if (!name || !name[0])
        return -EINVAL;
    if (strlen(name) > NAME_MAX)
        return -ENAMETOOLONG;
    if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
        return -EINVAL;
    return 0;
}

#define NS_PATH_MAX (sizeof NETNS_RUN_DIR + NAME_MAX + 1)

/* 'name' must have passed check_ns_name(), so it fits. */
static void ns_path(char path[static NS_PATH_MAX], const char *name)
{
    snprintf(path, NS_PATH_MAX, "%s/%s", NETNS_RUN_DIR, name);
}

/* ---------------------------------------------------------------------
 * Namespaces
 * ------------------------------------------------------------------- */

/* The root namespace: the one the process started in.  Opened before
 * main() runs, while there is one thread and it has not moved: "at first
 * use" would be wrong when the first use is on a thread that is inside a
 * namespace at that moment (/proc/self/ns/net is the main thread's, and the
 * main thread may be the one that moved). */
static int root_fd = -1;
static int root_err = -EBADF;

__attribute__((constructor)) static void open_root(void)
{
    root_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    root_err = root_fd < 0 ? -errno : 0;
}

int netns_open_fd(const char *name)
{
    char path[NS_PATH_MAX];
    struct statfs sfs;
    int fd, rc;

    if (netns_is_root(name)) {
        if (root_fd < 0)
            return root_err;
        fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
        return fd < 0 ? -errno : fd;
    }
    if ((rc = check_ns_name(name)))
        return rc;
    ns_path(path, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    /* An empty file left by a half-done `ip netns add` is no namespace. */
    if (fstatfs(fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC) {
        close(fd);
        return -ENOENT;
    }
    return fd;
}

bool netns_exists(const char *name)
{
    int fd = netns_open_fd(name);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

int netns_enter(const char *name, int *saved_fd)
{
    int target, cur, rc = 0;

    *saved_fd = -1;
    target = netns_open_fd(name);
    if (target < 0)
        return target;
    /* The calling thread's own namespace, not the process's: callers nest
     * and may already be somewhere else. */
    cur = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (cur < 0)
        rc = -errno;
    else if (setns(target, CLONE_NEWNET) < 0) {
        rc = -errno;
        close(cur);
    }
    close(target);
    if (!rc)
        *saved_fd = cur;
    return rc;
}

int netns_leave(int saved_fd)
{
    int rc;

    if (saved_fd < 0)
        return -EBADF;
    rc = setns(saved_fd, CLONE_NEWNET) < 0 ? -errno : 0;
    close(saved_fd);
    return rc;
}

int netns_socket(const char *netns, int domain, int type, int protocol)
{
    int saved, fd, rc, leave_rc;

    if ((rc = netns_enter(netns, &saved)))
        return rc;
    fd = socket(domain, type | SOCK_CLOEXEC, protocol);
    rc = fd < 0 ? -errno : 0;
    leave_rc = netns_leave(saved);
    if (leave_rc && !rc) {
        close(fd);
        return leave_rc;
    }
    return rc ? rc : fd;
}

/* As iproute2's netns_add(): /run/netns becomes a shared mount point, so
 * that unmounting a namespace file in one mount namespace unmounts it in
 * all of them and the namespace can be freed.  Only once at a time: racing
 * `ip netns add`s stacked bind mounts until the host locked up
 * (https://bugs.debian.org/949235); the flock is the one iproute2 takes, so
 * we exclude each other too. */
static int prepare_run_dir(void)
{
    bool made_mount = false;
    int lock, rc = 0;

    if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
        return -errno;
    lock = open(NETNS_RUN_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (lock < 0)
        return -errno;
    /* Like iproute2, go on without the lock rather than not at all. */
    (void)flock(lock, LOCK_EX);
    while (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
        /* EINVAL: not a mount point yet; make it one, once. */
        if (errno != EINVAL || made_mount) {
            rc = -errno;
            break;
        }
        if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC,
                  NULL) < 0) {
            rc = -errno;
            break;
        }
        made_mount = true;
    }
    close(lock);    /* releases the flock */
    return rc;
}

struct add_job {
    const char *path;
    int err;
};

/* Runs on a thread of its own: unshare() moves only the calling thread,
 * and a thread that ends takes its namespace membership with it, so the
 * caller's thread never leaves its namespace and nothing needs undoing. */
static void *add_thread(void *arg)
{
    struct add_job *job = arg;

    if (unshare(CLONE_NEWNET) < 0)
        job->err = -errno;
    /* thread-self, not self: /proc/self is the main thread's namespace. */
    else if (mount("/proc/thread-self/ns/net", job->path, "none", MS_BIND,
                   NULL) < 0)
        job->err = -errno;
    return NULL;
}

int netns_add(const char *name)
{
    char path[NS_PATH_MAX];
    struct add_job job = { .path = path };
    pthread_t thread;
    int fd, rc;

    if ((rc = check_ns_name(name)) || (rc = prepare_run_dir()))
        return rc;
    ns_path(path, name);
    fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    close(fd);
    rc = -pthread_create(&thread, NULL, add_thread, &job);
    if (!rc) {
        pthread_join(thread, NULL);
        rc = job.err;
    }
    if (rc)
        unlink(path);
    return rc;
}

int netns_del(const char *name)
{
    char path[NS_PATH_MAX];
    int rc;

    if ((rc = check_ns_name(name)))
        return rc;
    ns_path(path, name);
    /* MNT_DETACH, as `ip netns del`: a process still inside keeps the
     * namespace alive, and the name goes now.  EINVAL is a file with
     * nothing mounted on it, a leftover: remove it all the same. */
    if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL)
        return -errno;
    return unlink(path) < 0 ? -errno : 0;
}

/* ---------------------------------------------------------------------
 * Cleanup ledger remover
 * ------------------------------------------------------------------- */

static int remove_netns(const struct ledger_entry *e)
{
    int rc;

    if (!ledger_name_is_ours(e->name))
        return -EPERM;
    rc = netns_del(e->name);
    return rc == -ENOENT ? 0 : rc;
}

const struct ledger_kind_ops ledger_kind_netns = {
    .kind = "netns",
    .remove = remove_netns,
};
