/* setns, execvpe and pipe2 are GNU extensions; the Makefile also sets it. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "lib/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "lib/util.h"

/* Reads field 5 (process group) and 22 (start time) of /proc/PID/stat;
 * 'pgrp' may be NULL.  0, -ENOENT (no such process) or -EINVAL. */
static int read_stat(pid_t pid, pid_t *pgrp, unsigned long long *starttime)
{
    struct strbuf sb = STRBUF_INIT;
    char path[64];
    const char *p;
    int err, group = 0;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    err = strbuf_read_file(&sb, path);
    if (err) {
        strbuf_dispose(&sb);
        return err == -ESRCH ? -ENOENT : err;
    }
    /* comm may hold spaces and ')': the fields resume after the last ')'. */
    p = strrchr(sb.buf, ')');
    /* After ')' comes field 3 (state), then 4 (ppid) and 5 (pgrp). */
    if (!p || sscanf(p + 1, " %*c %*d %d", &group) != 1) {
        strbuf_dispose(&sb);
        return -EINVAL;
    }
    p++;
    for (int field = 3; field < 22 && p; field++)
        p = strchr(p + 1, ' ');
    if (!p || sscanf(p, " %llu", starttime) != 1) {
        strbuf_dispose(&sb);
        return -EINVAL;
    }
    if (pgrp)
        *pgrp = (pid_t)group;
    strbuf_dispose(&sb);
    return 0;
}

int proc_starttime(pid_t pid, unsigned long long *starttime)
{
    return read_stat(pid, NULL, starttime);
}

bool proc_is_same(pid_t pid, unsigned long long starttime)
{
    unsigned long long st;
    char path[64];
    struct strbuf sb = STRBUF_INIT;
    bool zombie;

    if (pid <= 0 || proc_starttime(pid, &st) < 0)
        return false;
    if (starttime && st != starttime)
        return false;
    /* A zombie has exited; it only waits for its parent to reap it. */
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (strbuf_read_file(&sb, path) < 0) {
        strbuf_dispose(&sb);
        return false;
    }
    const char *p = strrchr(sb.buf, ')');
    zombie = p && p[1] == ' ' && p[2] == 'Z';
    strbuf_dispose(&sb);
    return !zombie;
}

/* Joins the network namespace named in 'opts', or that of opts->netns_of.
 * 0 or -1 with errno set. */
static int child_setns(const struct proc_spawn_opts *opts)
{
    char path[128];
    int fd, rc;

    if (opts && opts->netns && opts->netns[0])
        snprintf(path, sizeof path, "/run/netns/%s", opts->netns);
    else if (opts && opts->netns_of > 0)
        snprintf(path, sizeof path, "/proc/%d/ns/net", (int)opts->netns_of);
    else
        return 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = setns(fd, CLONE_NEWNET);
    close(fd);
    return rc;
}

/* 'in_fd' / 'out_fd' >= 0 replace stdin / stdout (proc_capture,
 * proc_spawn_socket); stderr still goes to the log. */
void proc_child_reset(void)
{
    setpgid(0, 0);
    /* The harness blocks or handles these; a child starts clean. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
}

static void child_exec(char *const argv[], const struct proc_spawn_opts *opts,
                       int errpipe, int in_fd, int out_fd)
{
    int fd;

    proc_child_reset();

    fd = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        if (fd != in_fd)
            close(fd);
    }
    if (opts && opts->log_path)
        fd = open(opts->log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    else
        fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) {
        dup2(out_fd >= 0 ? out_fd : fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
    if (child_setns(opts) < 0)
        goto fail;
    if (opts && opts->envp)
        execvpe(argv[0], argv, opts->envp);
    else
        execvp(argv[0], argv);
fail:;
    int e = errno;
    if (write(errpipe, &e, sizeof e) < 0)
        _exit(127);
    _exit(127);
}

static int spawn(char *const argv[], const struct proc_spawn_opts *opts,
                 pid_t *pidp, int in_fd, int out_fd)
{
    int pipefd[2];
    int child_errno = 0;
    pid_t pid;
    ssize_t n;

    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return -errno;
    pid = fork();
    if (pid < 0) {
        int err = -errno;
        close(pipefd[0]);
        close(pipefd[1]);
        return err;
    }
    if (pid == 0) {
        close(pipefd[0]);
        child_exec(argv, opts, pipefd[1], in_fd, out_fd);
    }
    close(pipefd[1]);
    /* The pipe closes on a successful exec; otherwise it carries errno. */
    do {
        n = read(pipefd[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    close(pipefd[0]);
    if (n == sizeof child_errno) {
        waitpid(pid, NULL, 0);
        return -child_errno;
    }
    *pidp = pid;
    return 0;
}

int proc_spawn(char *const argv[], const struct proc_spawn_opts *opts,
               pid_t *pidp)
{
    return spawn(argv, opts, pidp, -1, -1);
}

int proc_spawn_socket(char *const argv[], const struct proc_spawn_opts *opts,
                      pid_t *pidp, int *sock)
{
    int sv[2], err;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    err = spawn(argv, opts, pidp, sv[1], sv[1]);
    close(sv[1]);
    if (err) {
        close(sv[0]);
        return err;
    }
    *sock = sv[0];
    return 0;
}

int proc_wait(pid_t pid)
{
    int status;

    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return -errno;
        /* Ctrl-C: the child (and its group) must not hold teardown up. */
        if (pt_interrupted) {
            proc_stop(pid, 0, 2000);
            return -EINTR;
        }
    }
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

int proc_run(char *const argv[], const struct proc_spawn_opts *opts)
{
    pid_t pid;
    int err = proc_spawn(argv, opts, &pid);

    return err ? err : proc_wait(pid);
}

int proc_capture(char *const argv[], const struct proc_spawn_opts *opts,
                 struct strbuf *out)
{
    char buf[4096];
    int fds[2];
    pid_t pid;
    ssize_t n;
    int err;

    if (pipe2(fds, O_CLOEXEC) < 0)
        return -errno;
    err = spawn(argv, opts, &pid, -1, fds[1]);
    close(fds[1]);
    if (err) {
        close(fds[0]);
        return err;
    }
    /* Ctrl-C: a command that hangs with its output open (a shell
     * topology's) must not hold teardown up; proc_stop() takes its process
     * group with it.  The flag is looked at every slice: the signal may
     * have gone to another thread of ours and left this one waiting. */
    for (;;) {
        struct pollfd p = { .fd = fds[0], .events = POLLIN };
        if (pt_interrupted) {
            close(fds[0]);
            proc_stop(pid, 0, 2000);
            return -EINTR;
        }
        if (poll(&p, 1, 200) <= 0)
            continue;
        n = read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        strbuf_add(out, buf, (size_t)n);
    }
    close(fds[0]);
    return proc_wait(pid);
}


/* Waits up to 'timeout_ms' for 'pid' to be gone; reaps it if it is our
 * child.  True when gone. */
static bool wait_gone(pid_t pid, unsigned long long starttime, int timeout_ms)
{
    for (int waited = 0;; waited += 10) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || !proc_is_same(pid, starttime))
            return true;
        if (waited >= timeout_ms)
            return false;
        sleep_ms(10);
    }
}

/* True when 'pid' is a child of ours that runs (or is still unreaped). */
static bool is_our_child(pid_t pid)
{
    siginfo_t si;

    memset(&si, 0, sizeof si);
    return !waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
}

/* How many live processes of group 'pgrp' started at or after
 * 'starttime'; -1 when the group is not the one that leader made: a live
 * process with the leader's pid leads it now (the pid was reused, so the
 * old group had emptied), or a member is older than the leader. */
static int orphans_of(pid_t pgrp, unsigned long long starttime)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d))) {
        unsigned long long st;
        pid_t pid = (pid_t)atoi(e->d_name), group;
        if (pid <= 0 || read_stat(pid, &group, &st) || group != pgrp
            || !proc_is_same(pid, st))
            continue;
        if (pid == pgrp || st < starttime) {
            n = -1;
            break;
        }
        n++;
    }
    closedir(d);
    return n;
}

/* A group leader that exited leaves its group behind when it started
 * something in the background (a shell topology's `daemon &`).  The pid
 * cannot be reused while the group holds it, so members of group 'pid'
 * that started after the leader are the leader's; they are signalled as
 * the group, like a live leader's.  Only with the leader's start time:
 * without it nothing says whose group that is. */
static int stop_orphans(pid_t pid, unsigned long long starttime,
                        int timeout_ms)
{
    int sig = SIGTERM;

    if (!starttime || orphans_of(pid, starttime) <= 0)
        return 0;
    for (int waited = 0;; waited += 10) {
        int n = orphans_of(pid, starttime);
        if (n <= 0)
            return 0;
        if (waited == 0 || (sig == SIGTERM && waited >= timeout_ms)) {
            sig = waited ? SIGKILL : SIGTERM;
            if (kill(-pid, sig) < 0 && errno != ESRCH)
                return -errno;
        }
        if (waited >= timeout_ms + 5000)
            return -ETIMEDOUT;
        sleep_ms(10);
    }
}

int proc_stop(pid_t pid, unsigned long long starttime, int timeout_ms)
{
    if (pid <= 0)
        return -EINVAL;
    if (!proc_is_same(pid, starttime)) {
        waitpid(pid, NULL, WNOHANG);    /* reap a zombie child of ours */
        return stop_orphans(pid, starttime, timeout_ms);
    }
    /* proc_spawn() made the process a group leader: signal the group, so
     * what it started (a topology script's commands) goes with it.  Only
     * when the leader is verifiably the process we started (its start time
     * matched above, or it is our own child): a bare pid could name anyone's
     * group, pid 1's included. */
    pid_t target = (starttime || is_our_child(pid)) && getpgid(pid) == pid
                       ? -pid : pid;
    if (kill(target, SIGTERM) < 0 && errno != ESRCH)
        return -errno;
    if (wait_gone(pid, starttime, timeout_ms))
        return 0;
    if (kill(target, SIGKILL) < 0 && errno != ESRCH)
        return -errno;
    return wait_gone(pid, starttime, 5000) ? 0 : -ETIMEDOUT;
}

/* pidfd_open/pidfd_getfd have no glibc 2.36 wrappers; the syscall numbers
 * are in the kernel headers. */
static int pidfd_open_(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

static int pidfd_getfd_(int pidfd, int fd)
{
#ifdef SYS_pidfd_getfd
    return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
#else
    (void)pidfd, (void)fd;
    errno = ENOSYS;
    return -1;
#endif
}

/* One of the process's descriptors, if it is a packet socket: sized. */
static int size_if_packet(int pidfd, int fd, int bytes, int *got)
{
    int s = pidfd_getfd_(pidfd, fd), dom = 0, half = bytes / 2, rc = 0;
    socklen_t len = sizeof dom;

    if (s < 0)
        return errno == EBADF ? 0 : -errno;     /* closed meanwhile */
    if (getsockopt(s, SOL_SOCKET, SO_DOMAIN, &dom, &len) == 0
        && dom == AF_PACKET) {
        /* The kernel doubles what it is given (its bookkeeping), so half
         * of 'bytes' gives an sk_rcvbuf of 'bytes'; FORCE: rmem_max,
         * another host-wide setting, does not cap it. */
        if (setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &half, sizeof half)) {
            rc = -errno;
        } else {
            if (got) {
                len = sizeof *got;
                getsockopt(s, SOL_SOCKET, SO_RCVBUF, got, &len);
            }
            rc = 1;
        }
    }
    close(s);
    return rc;
}

int proc_size_packet_rcvbuf(pid_t pid, unsigned long long starttime,
                            int bytes, int *got)
{
    char dir[64], link[PATH_MAX], target[64];
    struct dirent *e;
    int pidfd, n = 0, rc = 0;
    DIR *d;

    if (pid <= 0 || bytes <= 0)
        return -EINVAL;
    pidfd = pidfd_open_(pid);
    if (pidfd < 0)
        return errno == ESRCH ? -ESRCH : -errno;
    /* Checked after the pidfd pins the process: a pid reused in between
     * fails here rather than lending us someone else's sockets. */
    if (!proc_is_same(pid, starttime)) {
        close(pidfd);
        return -ESRCH;
    }
    snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
    d = opendir(dir);
    if (!d) {
        rc = -errno;
        close(pidfd);
        return rc;
    }
    while (rc >= 0 && (e = readdir(d))) {
        char *end;
        long fd = strtol(e->d_name, &end, 10);
        ssize_t k;

        if (*end || end == e->d_name)
            continue;
        snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
        k = readlink(link, target, sizeof target - 1);
        if (k <= 0)
            continue;
        target[k] = '\0';
        if (strncmp(target, "socket:", 7))
            continue;
        rc = size_if_packet(pidfd, (int)fd, bytes, got);
        n += rc > 0;
    }
    closedir(d);
    close(pidfd);
    return rc < 0 ? rc : n;
}
