#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int write_file_atomic(const char *path, const void *data, size_t len)
{
    char *tmp = xasprintf("%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = 0;

    if (fd < 0) {
        err = -errno;
        goto out;
    }
    errno = 0;
    if (write(fd, data, len) != (ssize_t)len)
        err = errno ? -errno : -ENOSPC;
    /* On the disk before it replaces the old one: a crash leaves one or
     * the other, never an empty file. */
    if (!err && fsync(fd) < 0)
        err = -errno;
    if (close(fd) < 0 && !err)
        err = -errno;
    if (!err && rename(tmp, path) < 0)
        err = -errno;
    if (err)
        unlink(tmp);
out:
    free(tmp);
    return err;
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

int copy_file(const char *from, const char *to)
{
    char buf[65536];
    ssize_t n;
    int in = open(from, O_RDONLY | O_CLOEXEC), out, rc = 0;

    if (in < 0)
        return -errno;
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        rc = -errno;
        close(in);
        return rc;
    }
    while ((n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) {
            rc = -EIO;
            break;
        }
    if (n < 0)
        rc = -errno;
    if (close(out) && !rc)
        rc = -errno;
    close(in);
    return rc;
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

char *url_redact(const char *text)
{
    const char *scheme = strstr(text, "://"), *auth, *at, *colon;
    size_t end;

    if (!scheme)
        return xstrdup(text);
    auth = scheme + 3;
    end = strcspn(auth, "/?#");
    at = memrchr(auth, '@', end);
    if (!at)
        return xstrdup(text);
    colon = memchr(auth, ':', (size_t)(at - auth));
    if (!colon)         /* a user name alone is no secret */
        return xstrdup(text);
    return xasprintf("%.*s:***%s", (int)(colon - text), text, at);
}
