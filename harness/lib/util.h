/* Small file-system and host helpers shared by every module. */
#ifndef PT_UTIL_H
#define PT_UTIL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

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
/* Set when the traffic must stop now: a signal, or the SUT gone. */
extern volatile sig_atomic_t pt_stop_traffic;

/* CLOCK_MONOTONIC in milliseconds, for deadlines of bounded waits. */
long long monotonic_ms(void);
void sleep_ms(int ms);

/* mkdir -p; 0 or a negative errno. */
int mkdir_p(const char *dir, unsigned mode);
bool path_is_file(const char *path);
bool path_is_dir(const char *path);
/* Writes 'len' bytes to path.tmp and renames it over 'path', so a reader
 * never sees half a file.  0 or a negative errno. */
int write_file_atomic(const char *path, const void *data, size_t len);
/* Copies the file 'from' to 'to' (created 0644 or truncated).  0 or a
 * negative errno. */
int copy_file(const char *from, const char *to);
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
