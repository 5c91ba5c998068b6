/* Small file-system and host helpers shared by every module. */
#ifndef PT_UTIL_H
#define PT_UTIL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes (DESIGN.md "Exit codes"). */
enum pt_exit {
    PT_EXIT_PASS = 0,
    PT_EXIT_CHECK_FAILED = 1,   /* run completed, a threshold failed */
    PT_EXIT_USAGE = 2,          /* usage or configuration error */
    PT_EXIT_ENV = 3,            /* not root, missing dependency, no SUT */
    PT_EXIT_RUN_FAILED = 4,     /* a phase failed */
    PT_EXIT_INTERRUPTED = 130,
};

/* The signal (SIGINT, SIGTERM, SIGHUP) that asked the run to stop, or 0.
 * Set by the run's handler; long waits (child processes) poll it. */
extern volatile sig_atomic_t pt_interrupted;
/* SIGINT, SIGTERM and SIGHUP go to 'fn'; SIGPIPE is ignored, so that a
 * reader that went away (`| head`, a dropped session) makes writes fail
 * with EPIPE instead of killing us before we clean up.  For the run and
 * the agent alike. */
void catch_stop_signals(void (*fn)(int));
/* Set when the traffic must stop now: a signal, or the SUT gone. */
extern volatile sig_atomic_t pt_stop_traffic;

/* CLOCK_MONOTONIC in milliseconds, for deadlines of bounded waits. */
long long monotonic_ms(void);
void sleep_ms(int ms);

/* mkdir -p; 0 or a negative errno. */
int mkdir_p(const char *dir, unsigned mode);
bool path_is_file(const char *path);
bool path_is_dir(const char *path);
/* rm -r of 'path' without following links (a link is removed, not what it
 * points at).  0 or a negative errno. */
int remove_tree(const char *path);
/* Writes 'len' bytes to a new file beside 'path' (util_replace_open(),
 * mode 0644) and renames it over 'path', so a reader never sees half a
 * file and a link at 'path' is replaced, not written through.  0 or a
 * negative errno. */
int write_file_atomic(const char *path, const void *data, size_t len);
/* Creates a file of a new random name beside 'name' (relative to
 * 'dirfd'; AT_FDCWD for a path), with O_EXCL and O_NOFOLLOW, since the
 * folder may be one others write, and with 'mode' whatever the umask.
 * Returns its descriptor for writing and sets *tmp to its name
 * (malloc'ed), or returns a negative errno.  util_replace_commit() ends
 * it either way. */
int util_replace_open(int dirfd, const char *name, mode_t mode, char **tmp);
/* When 'rc' is 0: fsync()s and closes 'fd' and renames 'tmp' over 'name'
 * (both relative to 'dirfd'); else, or when that fails, closes 'fd' and
 * removes 'tmp'.  Takes ownership of 'tmp'.  Returns 'rc', or the error
 * of the step that failed. */
int util_replace_commit(int dirfd, int fd, char *tmp, const char *name,
                        int rc);
/* Copies the file 'from' to 'to' (created 0644 or truncated).  0 or a
 * negative errno. */
int copy_file(const char *from, const char *to);
/* What a file found in a folder that someone else may write must be before
 * the harness, as root, reads it (util_open_untrusted()). */
struct untrusted {
    uid_t owner;            /* who may own it besides root; (uid_t)-1: any */
    bool directory;         /* a directory; else a regular file */
    bool private_mode;      /* not writable by group or others */
    bool single_link;       /* one hard link only (a file, not a link to
                             * one outside the folder) */
    off_t max_size;         /* a file's size at most; 0: any */
};
/* Opens 'name' (relative to 'dirfd'; AT_FDCWD for a path) read-only without
 * following a symbolic link in its last component, then checks with
 * fstat() what was opened, so nothing can be swapped in between.  Returns
 * the descriptor (close-on-exec; *st filled when 'st' is not NULL), or a
 * negative errno with what is wrong in 'err': -ELOOP a symbolic link,
 * -EINVAL not a regular file (or not a directory), -EPERM the wrong owner
 * or writable by others, -EMLINK more than one link, -EFBIG too big. */
struct strbuf;
int util_open_untrusted(int dirfd, const char *name,
                        const struct untrusted *want, struct stat *st,
                        struct strbuf *err);
/* The checks of util_open_untrusted() on what stat() said of 'name':
 * 0, or the same -errno and words in 'err'.  For asking whether a file
 * is there to be believed without opening it (fstatat() with
 * AT_SYMLINK_NOFOLLOW: a link is then "not a regular file"). */
int util_untrusted_check(const struct stat *st, const struct untrusted *want,
                         const char *name, struct strbuf *err);
/* Copies what is left to read of 'in' into 'out'; 0 or a negative errno. */
int copy_fd(int in, int out);
/* Copies what is left of 'in' into the file 'to', opened for writing with
 * O_CREAT and 'oflags' (O_TRUNC, or O_EXCL | O_NOFOLLOW where the folder
 * is not ours) and 'mode'.  'in' stays open.  0 or -errno. */
int copy_fd_to(int in, const char *to, int oflags, mode_t mode);
/* The host-wide lock of a run: two runs on one host distort each other's
 * figures, and each could take the other's ledger for an aborted run's.
 * PERFTESTS_LOCK names the file, else HOST_LOCK_PATH. */
#define HOST_LOCK_PATH "/run/perftests.lock"
const char *host_lock_path(void);
/* Takes the lock on 'path' (flock: the kernel drops it when the process
 * ends, kill -9 included) and writes 'me' into it, for whoever waits.
 * When another process holds it, what it wrote goes to 'holder'; then,
 * with 'wait', waiting() is called once with it and the lock is waited for
 * (-EINTR when pt_interrupted is set meanwhile), else -EWOULDBLOCK.
 * Returns the descriptor that holds the lock (keep it open) or a negative
 * errno. */
int host_lock(const char *path, const char *me, bool wait,
              void (*waiting)(const char *holder), struct strbuf *holder);
/* Fills 'buf' from the kernel's random source; 0 or a negative errno. */
int random_bytes(void *buf, size_t len);
/* This host's name up to the first dot (the original used `hostname`). */
void host_short_name(char *buf, size_t len);
/* Folder that holds profiles.d/ and topologies/: the directory of the
 * running binary when it has them (a checkout), else the install prefix's
 * share directory.  Never NULL. */
const char *pt_data_dir(void);

/* 'text' with every URL in it redacted: the password of its user info
 * ("http://u:secret@h/" -> "http://u:***@h/") and the values of query or
 * fragment keys that carry secrets (token, access_token, sig, key,
 * password, X-Amz-Signature, ...: "?token=***"); other text as it is.
 * Malloc'ed.  Credentials never reach a log, metadata or a bundle: every
 * place that shows a URL or a command line goes through this. */
char *url_redact(const char *text);

#endif
