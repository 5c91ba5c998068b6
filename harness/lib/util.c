#include "lib/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/strbuf.h"

#ifndef PT_DATADIR
#define PT_DATADIR "/usr/local/share/perftests"
#endif

volatile sig_atomic_t pt_interrupted;
volatile sig_atomic_t pt_stop_traffic;

long long monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

int mkdir_p(const char *dir, unsigned mode)
{
    char *tmp = xstrdup(dir);
    int err = 0;

    for (char *p = tmp + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(tmp, mode) < 0 && errno != EEXIST) {
                err = -errno;
                break;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    free(tmp);
    return err;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) ? -1 : 0;
}

int remove_tree(const char *path)
{
    int rc = nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);

    /* Either way errno says what failed: remove()'s, or nftw()'s own. */
    return rc ? -errno : 0;
}

bool path_is_file(const char *path)
{
    struct stat st;
    return !stat(path, &st) && S_ISREG(st.st_mode);
}

bool path_is_dir(const char *path)
{
    struct stat st;
    return !stat(path, &st) && S_ISDIR(st.st_mode);
}

int util_replace_open(int dirfd, const char *name, mode_t mode, char **tmp)
{
    const char *slash = strrchr(name, '/');
    int dir_len = slash ? (int)(slash + 1 - name) : 0;

    /* A name of our own choosing that nobody can have put there first:
     * O_EXCL fails on anything that exists, a dangling link included, so
     * a link planted at a name we could guess is never written through.
     * A leading dot keeps it out of what bundle_write() and the spool's
     * reader list, should they look while it is being written. */
    for (int tries = 0; tries < 16; tries++) {
        unsigned char rnd[6];
        int fd, err;
        if ((err = random_bytes(rnd, sizeof rnd)))
            return err;
        *tmp = xasprintf("%.*s.%s.%02x%02x%02x%02x%02x%02x", dir_len, name,
                         name + dir_len, rnd[0], rnd[1], rnd[2], rnd[3],
                         rnd[4], rnd[5]);
        fd = openat(dirfd, *tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW
                    | O_CLOEXEC, 0600);
        if (fd >= 0) {
            /* The mode asked for, not what the umask leaves of it: under
             * umask 002 a bundle came out group-writable, and the spool's
             * reader refused it for good. */
            if (fchmod(fd, mode) < 0) {
                err = -errno;
                close(fd);
                unlinkat(dirfd, *tmp, 0);
                free(*tmp);
                *tmp = NULL;
                return err;
            }
            return fd;
        }
        err = -errno;
        free(*tmp);
        *tmp = NULL;
        if (err != -EEXIST)
            return err;
    }
    return -EEXIST;
}

int util_replace_commit(int dirfd, int fd, char *tmp, const char *name,
                        int rc)
{
    /* On the disk before it replaces the old one: a crash leaves one or
     * the other, never an empty file. */
    if (!rc && fsync(fd) < 0)
        rc = -errno;
    if (close(fd) < 0 && !rc)
        rc = -errno;
    /* rename() replaces whatever is at 'name', a link included, rather
     * than writing through it. */
    if (!rc && renameat(dirfd, tmp, dirfd, name) < 0)
        rc = -errno;
    if (rc)
        unlinkat(dirfd, tmp, 0);
    free(tmp);
    return rc;
}

int write_file_atomic(const char *path, const void *data, size_t len)
{
    char *tmp;
    int fd = util_replace_open(AT_FDCWD, path, 0644, &tmp), err = 0;

    if (fd < 0)
        return fd;
    errno = 0;
    if (write(fd, data, len) != (ssize_t)len)
        err = errno ? -errno : -ENOSPC;
    return util_replace_commit(AT_FDCWD, fd, tmp, path, err);
}

int random_bytes(void *buf, size_t len)
{
    ssize_t n = getrandom(buf, len, 0);
    return n == (ssize_t)len ? 0 : (n < 0 ? -errno : -EIO);
}

void host_short_name(char *buf, size_t len)
{
    if (gethostname(buf, len) < 0 || !buf[0])
        snprintf(buf, len, "localhost");
    buf[len - 1] = '\0';
    char *dot = strchr(buf, '.');
    if (dot)
        *dot = '\0';
}

int copy_fd(int in, int out)
{
    char buf[65536];
    ssize_t n;

    while ((n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return w < 0 ? -errno : -EIO;
            done += w;
        }
    }
    return 0;
}

int copy_fd_to(int in, const char *to, int oflags, mode_t mode)
{
    int out = open(to, O_WRONLY | O_CREAT | O_CLOEXEC | oflags, mode), rc;

    if (out < 0)
        return -errno;
    rc = copy_fd(in, out);
    if (close(out) && !rc)
        rc = -errno;
    return rc;
}

int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC), rc;

    if (in < 0)
        return -errno;
    rc = copy_fd_to(in, to, O_TRUNC, 0644);
    close(in);
    return rc;
}

int util_untrusted_check(const struct stat *st, const struct untrusted *w,
                         const char *name, struct strbuf *err)
{
    const char *what = w->directory ? "a directory" : "a regular file";

    if (w->directory ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode)) {
        strbuf_addf(err, "'%s' is not %s", name, what);
        return -EINVAL;
    }
    if (st->st_uid != 0 && w->owner != (uid_t)-1 && st->st_uid != w->owner) {
        strbuf_addf(err, "'%s' is owned by uid %u, not by root or uid %u",
                    name, (unsigned)st->st_uid, (unsigned)w->owner);
        return -EPERM;
    }
    if (w->private_mode && (st->st_mode & (S_IWGRP | S_IWOTH))) {
        strbuf_addf(err, "'%s' is writable by others (mode %04o)", name,
                    (unsigned)(st->st_mode & 07777));
        return -EPERM;
    }
    if (w->single_link && !w->directory && st->st_nlink != 1) {
        strbuf_addf(err, "'%s' has %lu hard links, not 1", name,
                    (unsigned long)st->st_nlink);
        return -EMLINK;
    }
    if (w->max_size && !w->directory && st->st_size > w->max_size) {
        strbuf_addf(err, "'%s' is %lld bytes, more than the %lld expected",
                    name, (long long)st->st_size, (long long)w->max_size);
        return -EFBIG;
    }
    return 0;
}

int util_open_untrusted(int dirfd, const char *name,
                        const struct untrusted *want, struct stat *st,
                        struct strbuf *err)
{
    struct stat local;
    /* O_NONBLOCK: a FIFO put there must not hang the open(). */
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC
                    | O_NONBLOCK | (want->directory ? O_DIRECTORY : 0));
    int rc;

    if (!st)
        st = &local;
    if (fd < 0) {
        rc = -errno;
        if (rc == -ELOOP || (rc == -ENOTDIR && want->directory
                             && !fstatat(dirfd, name, st,
                                         AT_SYMLINK_NOFOLLOW)
                             && S_ISLNK(st->st_mode))) {
            strbuf_addf(err, "'%s' is a symbolic link", name);
            return -ELOOP;
        }
        strbuf_addf(err, "cannot open '%s': %s", name, strerror(-rc));
        return rc;
    }
    rc = fstat(fd, st) ? -errno : util_untrusted_check(st, want, name, err);
    if (!rc && fcntl(fd, F_SETFL, 0) < 0)
        rc = -errno;
    if (rc) {
        close(fd);
        return rc;
    }
    return fd;
}

const char *host_lock_path(void)
{
    const char *env = getenv("PERFTESTS_LOCK");

    return env && env[0] ? env : HOST_LOCK_PATH;
}

int host_lock(const char *path, const char *me, bool wait,
              void (*waiting)(const char *holder), struct strbuf *holder)
{
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    int rc = 0;

    if (fd < 0)
        return -errno;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        rc = errno == EWOULDBLOCK ? 0 : -errno;
        if (!rc) {
            /* The holder writes its name right after it took the lock:
             * an empty file is most likely that moment, not a nameless
             * run, so look again for a little while. */
            for (int i = 0; i < 50 && !holder->len; i++) {
                if (i)
                    sleep_ms(10);
                strbuf_reset(holder);
                if (lseek(fd, 0, SEEK_SET) == 0)
                    strbuf_read_fd(holder, fd);
                strbuf_rtrim(holder);
            }
            if (!holder->len)
                strbuf_addstr(holder, "a run that has not said its name");
            rc = -EWOULDBLOCK;
        }
        if (rc == -EWOULDBLOCK && wait) {
            if (waiting)
                waiting(holder->buf);
            /* The run's signal handlers do not restart: Ctrl-C ends the
             * wait with EINTR. */
            while ((rc = flock(fd, LOCK_EX) < 0 ? -errno : 0) == -EINTR)
                if (pt_interrupted)
                    break;
        }
    }
    if (!rc && (ftruncate(fd, 0) < 0
                || pwrite(fd, me, strlen(me), 0) != (ssize_t)strlen(me)))
        rc = -errno;
    if (rc) {
        close(fd);
        return rc;
    }
    return fd;
}

const char *pt_data_dir(void)
{
    static char dir[PATH_MAX];
    char exe[PATH_MAX];
    ssize_t n;

    if (dir[0])
        return dir;
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char *probe = xasprintf("%s/profiles.d", exe);
            bool found = path_is_dir(probe);
            free(probe);
            if (found) {
                snprintf(dir, sizeof dir, "%s", exe);
                return dir;
            }
        }
    }
    snprintf(dir, sizeof dir, "%s", PT_DATADIR);
    return dir;
}

/* Query keys whose values are secrets: exact names (case ignored) ... */
static const char *const secret_keys[] = {
    "key", "sig", "pass", "pwd", "auth", "code", "jwt",
};
/* ... and parts of names: access_token, X-Amz-Signature, client_secret,
 * X-Amz-Credential, api_key, sessionid, password, passwd. */
static const char *const secret_parts[] = {
    "token", "secret", "passw", "signature", "credential", "apikey",
    "api_key", "api-key", "session", "private",
};

static bool is_secret_key(const char *key, size_t len)
{
    char name[64];

    if (!len || len >= sizeof name)
        return false;
    memcpy(name, key, len);
    name[len] = '\0';
    for (size_t i = 0; i < sizeof secret_keys / sizeof *secret_keys; i++)
        if (!strcasecmp(name, secret_keys[i]))
            return true;
    for (size_t i = 0; i < sizeof secret_parts / sizeof *secret_parts; i++)
        if (strcasestr(name, secret_parts[i]))
            return true;
    return false;
}

/* Copies the URL 'url' (of 'len' bytes, "scheme://" included) to 'out',
 * its password and the values of secret query (and fragment) keys as
 * "***". */
static void redact_one(struct strbuf *out, const char *url, size_t len)
{
    const char *auth = strstr(url, "://") + 3, *end = url + len;
    size_t auth_len = strcspn(auth, "/?#");
    const char *at, *colon, *p;

    if (auth + auth_len > end)
        auth_len = (size_t)(end - auth);
    at = memrchr(auth, '@', auth_len);
    colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon) {        /* a user name alone is no secret */
        strbuf_add(out, url, (size_t)(colon + 1 - url));
        strbuf_addstr(out, "***");
        p = at;
    } else {
        p = url;
    }
    /* The path is copied as it is; from the first '?' or '#' on, each
     * key=value pair is looked at. */
    const char *q = auth + auth_len;
    q += strcspn(q, "?#");
    if (q > end)
        q = end;
    strbuf_add(out, p, (size_t)(q - p));
    while (q < end) {
        strbuf_addch(out, *q++);        /* '?', '#', '&' or ';' */
        size_t pair = strcspn(q, "&;#?");
        if (q + pair > end)
            pair = (size_t)(end - q);
        const char *eq = memchr(q, '=', pair);
        if (eq && eq + 1 < q + pair && is_secret_key(q, (size_t)(eq - q))) {
            strbuf_add(out, q, (size_t)(eq + 1 - q));
            strbuf_addstr(out, "***");
        } else {
            strbuf_add(out, q, pair);
        }
        q += pair;
    }
}

char *url_redact(const char *text)
{
    struct strbuf out = STRBUF_INIT;
    const char *p = text, *sep;

    /* Every URL in the text: a command line or a log line holds several,
     * each ending at white space or a quote. */
    while ((sep = strstr(p, "://"))) {
        const char *start = sep;
        while (start > p && (isalnum((unsigned char)start[-1])
                             || strchr("+.-", start[-1])))
            start--;
        size_t len = (size_t)(sep - start) + 3
                     + strcspn(sep + 3, " \t\r\n\"'<>`");
        strbuf_add(&out, p, (size_t)(start - p));
        if (start == sep)           /* no scheme: not a URL */
            strbuf_add(&out, sep, len);
        else
            redact_one(&out, start, len);
        p = start + len;
    }
    strbuf_addstr(&out, p);
    return strbuf_detach(&out);
}

void catch_stop_signals(void (*fn)(int))
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}
