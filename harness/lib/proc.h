/* Child processes the harness starts, and processes it must stop later.
 * A process is identified by pid *and* start time (field 22 of
 * /proc/PID/stat), so a recycled pid is never mistaken for ours. */
#ifndef PT_PROC_H
#define PT_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* Reads the start time (clock ticks since boot) of 'pid'.
 * Returns 0, or -ENOENT when there is no such process. */
int proc_starttime(pid_t pid, unsigned long long *starttime);
/* True if 'pid' runs and started at 'starttime' (0: any start time). */
bool proc_is_same(pid_t pid, unsigned long long starttime);

struct proc_spawn_opts {
    const char *log_path;   /* stdout+stderr appended here; NULL: /dev/null */
    const char *netns;      /* run inside this named namespace; may be NULL */
    pid_t netns_of;         /* or in the network namespace of this process
                             * (0: neither); a JVM's JMX agent listens on
                             * the loopback of its own namespace */
    char *const *envp;      /* NULL: inherit */
};
/* In a child just forked: a process group of its own (a Ctrl-C on the
 * terminal reaches the harness only, and teardown decides the order), no
 * blocked signals and the default actions of those the harness handles. */
void proc_child_reset(void);
/* Starts argv[0] (searched in PATH) in its own process group, so a Ctrl-C
 * on the terminal reaches the harness only and teardown decides the order.
 * Returns 0 and the pid, or a negative errno (also when exec fails). */
int proc_spawn(char *const argv[], const struct proc_spawn_opts *opts,
               pid_t *pid);
/* proc_spawn() with the child's stdin and stdout on one end of a stream
 * socket pair; *sock is the other end (close-on-exec, the caller closes
 * it).  A socket rather than pipes so that writing to a child that died
 * can use MSG_NOSIGNAL instead of raising SIGPIPE.  stderr goes to
 * opts->log_path. */
int proc_spawn_socket(char *const argv[], const struct proc_spawn_opts *opts,
                      pid_t *pid, int *sock);
/* Runs argv to completion; returns its exit status (0..255), 128+signal,
 * or a negative errno.  Output is appended to opts->log_path if given. */
int proc_run(char *const argv[], const struct proc_spawn_opts *opts);
/* Waits for our child 'pid'; returns like proc_run().  When a signal sets
 * pt_interrupted meanwhile, stops the child and returns -EINTR. */
int proc_wait(pid_t pid);
/* Like proc_run(), and appends what the command wrote to stdout to 'out'
 * (stderr still goes to opts->log_path). */
struct strbuf;
int proc_capture(char *const argv[], const struct proc_spawn_opts *opts,
                 struct strbuf *out);
/* Stops the process: SIGTERM, up to 'timeout_ms' to exit, then SIGKILL.
 * A group leader (proc_spawn's children are) is signalled with its group.
 * When the leader has exited and 'starttime' is given, what is left of
 * its group (members started after it) is stopped the same way.
 * Reaps it when it is our child.  A process already gone (or a pid now used
 * by another process) is success.  Returns 0 or a negative errno. */
int proc_stop(pid_t pid, unsigned long long starttime, int timeout_ms);

/* Sizes the receive buffer of every packet (AF_PACKET) socket that
 * process 'pid' (started at 'starttime', 0: any) holds to 'bytes', as
 * net.core.rmem_default would size it (the kernel's sk_rcvbuf, which
 * `ss -m` shows as rb), leaving its other sockets alone.  For a
 * userspace datapath on packet sockets that buffer is its receive queue,
 * like a NIC's ring, and the host's default holds only a few hundred
 * frames.  Reaches the sockets by pidfd_getfd(2) (Linux 5.6; CAP_SYS_PTRACE
 * over the process), so nothing host-wide changes.  Returns the number of
 * sockets sized (0: it held none), or -ESRCH (not that process), -EPERM,
 * -ENOSYS or another negative errno.  '*got' (may be NULL): the size the
 * kernel set on the last one, read back. */
int proc_size_packet_rcvbuf(pid_t pid, unsigned long long starttime,
                            int bytes, int *got);

#endif
