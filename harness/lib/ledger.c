#include "lib/ledger.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/links.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/ovsdb.h"
#include "lib/proc.h"
#include "lib/strbuf.h"
#include "lib/util.h"

LOG_MODULE("ledger");

struct ledger {
    char *path;
    /* The sampler's thread records too (a JMX sidecar started again)
     * while the main one records the TCP phase's children: the list and
     * the file's line order are kept under this lock. */
    pthread_mutex_t lock;
    struct ledger_entry *entries;
    size_t n, alloc;
};

static int remove_process(const struct ledger_entry *e)
{
    return proc_stop(e->pid, e->starttime, 3000);
}

static const struct ledger_kind_ops ledger_kind_process = {
    .kind = "process",
    .remove = remove_process,
};

/* Every kind of thing a run may create; one remover each. */
static const struct ledger_kind_ops *const kinds[] = {
    &ledger_kind_process,
    &ledger_kind_netns,
    &ledger_kind_link,
    &ledger_kind_addr,
    &ledger_kind_ovs_bridge,
    &ledger_kind_ovs_port,
};

bool ledger_name_is_ours(const char *name)
{
    return !strncmp(name, LEDGER_PREFIX, strlen(LEDGER_PREFIX));
}

const char *ledger_entry_refusal(const struct ledger_entry *e)
{
    const struct ledger_kind_ops *ops = ledger_kind_find(e->kind);

    if (!ops)
        return "no such kind";
    /* A relative path would name another socket from another folder. */
    if (ops->location_is_path && e->location[0] != '/')
        return "its location is not an absolute path";
    if (strcmp(e->kind, "process"))
        return ledger_name_is_ours(e->name)
                   ? NULL : "its name does not start with " LEDGER_PREFIX;
    /* The pid and start time are the process's only identity: without
     * both, the entry could name any process (and pid 1's group is every
     * process). */
    if (e->pid <= 1)
        return "pid 1 or lower is no process the harness started";
    if (!e->starttime)
        return "start time 0 would match any process";
    if (e->pid == getpid())
        return "it is this process";
    return NULL;
}

const struct ledger_kind_ops *ledger_kind_find(const char *kind)
{
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kinds[i]->kind, kind))
            return kinds[i];
    return NULL;
}

/* Appends one line and forces it to disk: the point of the ledger is to
 * survive a kill -9 that comes right after. */
static int append_line(const char *path, const char *line)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    size_t len = strlen(line);
    int err = 0;

    if (fd < 0)
        return -errno;
    if (write(fd, line, len) != (ssize_t)len)
        err = errno ? -errno : -EIO;
    else if (fdatasync(fd) < 0)
        err = -errno;
    close(fd);
    return err;
}

/* The owner line goes into a temporary name that is then renamed: a
 * concurrent cleanup never sees a ledger without its owner (which it would
 * have to take for an aborted run's). */
static int create_owned(const char *dir, const char *run_id, const char *path)
{
    char *tmp = xasprintf("%s/.%s.tmp", dir, run_id);
    unsigned long long st = 0;
    char *line;
    int err;

    proc_starttime(getpid(), &st);
    line = xasprintf("owner\t%d\t%llu\n", (int)getpid(), st);
    unlink(tmp);
    err = append_line(tmp, line);
    if (!err && rename(tmp, path) < 0)
        err = -errno;
    if (err)
        unlink(tmp);
    free(line);
    free(tmp);
    return err;
}

struct ledger *ledger_create(const char *dir, const char *run_id)
{
    struct ledger *l;
    struct stat st;
    int err = mkdir_p(dir, 0755);

    /* A umask may have made it group-writable: the next replay would
     * refuse it (see ledger_cleanup_stale()). */
    if (!err && !stat(dir, &st) && st.st_uid == geteuid()
        && (st.st_mode & (S_IWGRP | S_IWOTH)))
        chmod(dir, st.st_mode & ~(mode_t)(S_IWGRP | S_IWOTH));
    if (err) {
        errno = -err;
        return NULL;
    }
    l = xcalloc(1, sizeof *l);
    pthread_mutex_init(&l->lock, NULL);
    l->path = xasprintf("%s/%s", dir, run_id);
    err = create_owned(dir, run_id, l->path);
    if (err) {
        ledger_destroy(l);
        errno = -err;
        return NULL;
    }
    return l;
}

const char *ledger_path(const struct ledger *l)
{
    return l->path;
}

static bool valid_field(const char *s)
{
    return !strpbrk(s, "\t\n");
}

static int record(struct ledger *l, const struct ledger_entry *e)
{
    char *line;
    int err;

    line = xasprintf("%s\t%s\t%s\t%d\t%llu\n", e->kind, e->name,
                     e->location[0] ? e->location : "-", (int)e->pid,
                     e->starttime);
    pthread_mutex_lock(&l->lock);
    err = append_line(l->path, line);
    if (!err) {
        if (l->n == l->alloc) {
            l->alloc = l->alloc ? 2 * l->alloc : 16;
            l->entries = xrealloc(l->entries, l->alloc * sizeof *l->entries);
        }
        l->entries[l->n++] = *e;
    }
    pthread_mutex_unlock(&l->lock);
    free(line);
    return err;
}

static int fill_entry(struct ledger_entry *e, const char *kind,
                      const char *name, const char *location)
{
    memset(e, 0, sizeof *e);
    if (strlen(kind) >= sizeof e->kind || strlen(name) >= sizeof e->name
        || (location && strlen(location) >= sizeof e->location))
        return -ENAMETOOLONG;
    if (!valid_field(name) || (location && !valid_field(location))
        || !name[0] || (location && !strcmp(location, "-")))
        return -EINVAL;
    strcpy(e->kind, kind);
    strcpy(e->name, name);
    if (location)
        strcpy(e->location, location);
    return 0;
}

int ledger_record(struct ledger *l, const char *kind, const char *name,
                  const char *location)
{
    struct ledger_entry e;
    int err;

    if (!strcmp(kind, "process"))
        return -EINVAL;
    err = fill_entry(&e, kind, name, location);
    if (err)
        return err;
    /* What the replay would refuse is refused here, where the caller
     * can still say so, and not found out after a crash. */
    return ledger_entry_refusal(&e) ? -EINVAL : record(l, &e);
}

int ledger_record_process(struct ledger *l, const char *label, pid_t pid)
{
    struct ledger_entry e;
    int err = fill_entry(&e, "process", label, NULL);

    if (err)
        return err;
    e.pid = pid;
    err = proc_starttime(pid, &e.starttime);
    return err ? err : record(l, &e);
}

int ledger_parse_line(const char *line, struct ledger_entry *e)
{
    char kind[16], name[64], location[LEDGER_LOCATION_MAX];
    int pid;
    unsigned long long st;

    _Static_assert(LEDGER_LOCATION_MAX == 256, "%255[ below");
    if (sscanf(line, "%15[^\t]\t%63[^\t]\t%255[^\t]\t%d\t%llu", kind,
               name, location, &pid, &st) != 5)
        return -EINVAL;
    if (fill_entry(e, kind, name, strcmp(location, "-") ? location : NULL))
        return -EINVAL;
    e->pid = pid;
    e->starttime = st;
    return 0;
}

/* Removes entries[n-1] .. entries[0]; returns 0 or the first error. */
static int remove_all(const struct ledger_entry *entries, size_t n,
                      size_t *n_removed)
{
    int first_err = 0;

    for (size_t i = n; i-- > 0;) {
        const struct ledger_entry *e = &entries[i];
        const struct ledger_kind_ops *ops = ledger_kind_find(e->kind);
        int err = ops ? ops->remove(e) : -EINVAL;

        if (err == -ENOENT)
            err = 0;
        if (err) {
            LOG_WARN("cannot remove %s '%s'%s%s: %s", e->kind, e->name,
                     e->location[0] ? " in " : "", e->location,
                     strerror(-err));
            if (!first_err)
                first_err = err;
        } else {
            LOG_DBG("removed %s '%s'", e->kind, e->name);
            if (n_removed)
                (*n_removed)++;
        }
    }
    return first_err;
}

int ledger_teardown(struct ledger *l)
{
    int err;

    pthread_mutex_lock(&l->lock);
    err = remove_all(l->entries, l->n, NULL);
    if (!err) {
        l->n = 0;
        if (unlink(l->path) < 0 && errno != ENOENT)
            err = -errno;
    }
    pthread_mutex_unlock(&l->lock);
    return err;
}

void ledger_destroy(struct ledger *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->lock);
    free(l->path);
    free(l->entries);
    free(l);
}

/* A ledger file as read back. */
struct ledger_file {
    pid_t owner;
    unsigned long long starttime;
    struct ledger_entry *entries;
    size_t n, alloc;
};

/* What a ledger file and its folder must be: written by root (or by us,
 * when not root) and nobody else, since replaying one stops processes. */
static const struct untrusted ledger_trust = {
    .owner = 0, .private_mode = true, .single_link = true,
    .max_size = 4 << 20,
};

/* Adds the entry of line 'lineno' of 'shown', or says why it will not. */
static void add_line(struct ledger_file *f, const char *line, size_t lineno,
                     const char *shown)
{
    struct ledger_entry e;
    const char *why;

    /* A line torn by a crash mid-write is skipped, not fatal. */
    if (!line[0] || ledger_parse_line(line, &e)) {
        LOG_WARN("%s:%zu: skipped: not a ledger entry", shown, lineno);
        return;
    }
    why = ledger_entry_refusal(&e);
    if (why) {
        LOG_WARN("%s:%zu: refused %s '%s': %s", shown, lineno, e.kind,
                 e.name, why);
        return;
    }
    if (f->n == f->alloc) {
        f->alloc = f->alloc ? 2 * f->alloc : 16;
        f->entries = xrealloc(f->entries, f->alloc * sizeof *f->entries);
    }
    f->entries[f->n++] = e;
}

/* Reads ledger 'name' in 'dirfd' ('shown' in messages).  0, -ENOENT, or
 * -EPERM when it is not a ledger to act on (said in the log). */
static int read_file(int dirfd, const char *name, const char *shown,
                     struct ledger_file *f)
{
    struct strbuf sb = STRBUF_INIT, why = STRBUF_INIT;
    struct untrusted want = ledger_trust;
    int opid = 0, fd, err = 0;
    size_t lineno = 1;

    memset(f, 0, sizeof *f);
    want.owner = geteuid();
    fd = util_open_untrusted(dirfd, name, &want, NULL, &why);
    if (fd == -ENOENT) {
        err = -ENOENT;
        goto out;
    }
    if (fd < 0 || (err = strbuf_read_fd(&sb, fd))) {
        LOG_WARN("%s: not replayed: %s", shown,
                 fd < 0 ? why.buf : strerror(-err));
        err = -EPERM;
        goto out;
    }
    /* Only a run that is being created has no owner line yet, and a
     * ledger is renamed into place with it (create_owned()). */
    if (sscanf(sb.buf, "owner\t%d\t%llu\n", &opid, &f->starttime) != 2
        || opid <= 0 || !strchr(sb.buf, '\n')) {
        LOG_WARN("%s:1: not replayed: no owner line", shown);
        err = -EPERM;
        goto out;
    }
    f->owner = opid;
    for (char *line = strchr(sb.buf, '\n'); line && line[1]; ) {
        char *next = strchr(++line, '\n');
        if (next)
            *next = '\0';
        add_line(f, line, ++lineno, shown);
        line = next;
    }
out:
    if (fd >= 0)
        close(fd);
    strbuf_dispose(&why);
    strbuf_dispose(&sb);
    return err;
}

static bool file_is_stale(const struct ledger_file *f)
{
    return !proc_is_same(f->owner, f->starttime);
}

/* Removes what 'f' lists, then the file; 0 or the first error. */
static int replay(int dirfd, const char *name, struct ledger_file *f,
                  size_t *n_removed)
{
    int err = remove_all(f->entries, f->n, n_removed);

    if (!err && unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
        err = -errno;
    return err;
}

bool ledger_is_stale(const char *path)
{
    struct ledger_file f;
    bool stale = !read_file(AT_FDCWD, path, path, &f) && file_is_stale(&f);

    free(f.entries);
    return stale;
}

int ledger_replay_file(const char *path, size_t *n_removed)
{
    struct ledger_file f;
    int err = read_file(AT_FDCWD, path, path, &f);

    if (!err)
        err = replay(AT_FDCWD, path, &f, n_removed);
    free(f.entries);
    return err;
}

/* Opens the ledger folder 'dir' if it can be trusted; -ENOENT when there
 * is none, another negative errno (logged) when it cannot. */
static int open_dir(const char *dir)
{
    struct strbuf why = STRBUF_INIT;
    struct untrusted want = ledger_trust;
    int fd;

    want.owner = geteuid();
    want.directory = true;
    fd = util_open_untrusted(AT_FDCWD, dir, &want, NULL, &why);
    if (fd < 0 && fd != -ENOENT)
        LOG_WARN("ledgers in '%s' not replayed: %s", dir, why.buf);
    strbuf_dispose(&why);
    return fd;
}

int ledger_cleanup_stale(const char *dir, size_t *n_ledgers)
{
    int dirfd = open_dir(dir), first_err = 0;
    struct dirent *de;
    DIR *d;

    if (n_ledgers)
        *n_ledgers = 0;
    if (dirfd < 0)
        return dirfd == -ENOENT ? 0 : dirfd;
    d = fdopendir(dup(dirfd));
    if (!d) {
        first_err = -errno;
        close(dirfd);
        return first_err;
    }
    while ((de = readdir(d))) {
        struct ledger_file f;
        /* Dot names: "." and "..", and ledgers being created. */
        if (de->d_name[0] == '.')
            continue;
        char *shown = xasprintf("%s/%s", dir, de->d_name);
        if (!read_file(dirfd, de->d_name, shown, &f) && file_is_stale(&f)) {
            size_t removed = 0;
            int err = replay(dirfd, de->d_name, &f, &removed);
            LOG_INFO("replayed stale ledger '%s': %zu entries", de->d_name,
                     removed);
            if (err && !first_err)
                first_err = err;
            if (n_ledgers)
                (*n_ledgers)++;
        }
        free(f.entries);
        free(shown);
    }
    closedir(d);
    close(dirfd);
    return first_err;
}
