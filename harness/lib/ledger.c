#include "lib/ledger.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/links.h"
#include "lib/log.h"
#include "lib/netns.h"
#include "lib/proc.h"
#include "lib/strbuf.h"
#include "lib/util.h"

LOG_MODULE("ledger");

struct ledger {
    char *path;
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
};

bool ledger_name_is_ours(const char *name)
{
    return !strncmp(name, LEDGER_PREFIX, strlen(LEDGER_PREFIX));
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

struct ledger *ledger_create(const char *dir, const char *run_id)
{
    struct ledger *l;
    unsigned long long st = 0;
    char *line;
    int err = mkdir_p(dir, 0755);

    if (err) {
        errno = -err;
        return NULL;
    }
    l = xcalloc(1, sizeof *l);
    l->path = xasprintf("%s/%s", dir, run_id);
    proc_starttime(getpid(), &st);
    line = xasprintf("owner\t%d\t%llu\n", (int)getpid(), st);
    err = append_line(l->path, line);
    free(line);
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
                     e->netns[0] ? e->netns : "-", (int)e->pid, e->starttime);
    err = append_line(l->path, line);
    free(line);
    if (err)
        return err;
    if (l->n == l->alloc) {
        l->alloc = l->alloc ? 2 * l->alloc : 16;
        l->entries = xrealloc(l->entries, l->alloc * sizeof *l->entries);
    }
    l->entries[l->n++] = *e;
    return 0;
}

static int fill_entry(struct ledger_entry *e, const char *kind,
                      const char *name, const char *netns)
{
    memset(e, 0, sizeof *e);
    if (strlen(kind) >= sizeof e->kind || strlen(name) >= sizeof e->name
        || (netns && strlen(netns) >= sizeof e->netns))
        return -ENAMETOOLONG;
    if (!valid_field(name) || (netns && !valid_field(netns)) || !name[0])
        return -EINVAL;
    strcpy(e->kind, kind);
    strcpy(e->name, name);
    if (netns)
        strcpy(e->netns, netns);
    return 0;
}

int ledger_record(struct ledger *l, const char *kind, const char *name,
                  const char *netns)
{
    struct ledger_entry e;
    int err;

    if (!ledger_kind_find(kind) || !strcmp(kind, "process"))
        return -EINVAL;
    if (!ledger_name_is_ours(name))
        return -EINVAL;
    err = fill_entry(&e, kind, name, netns);
    return err ? err : record(l, &e);
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
    char kind[16], name[64], netns[64];
    int pid;
    unsigned long long st;

    if (sscanf(line, "%15[^\t]\t%63[^\t]\t%63[^\t]\t%d\t%llu", kind, name,
               netns, &pid, &st) != 5)
        return -EINVAL;
    if (fill_entry(e, kind, name, strcmp(netns, "-") ? netns : NULL))
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
                     e->netns[0] ? " in " : "", e->netns, strerror(-err));
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
    int err = remove_all(l->entries, l->n, NULL);

    if (!err) {
        l->n = 0;
        if (unlink(l->path) < 0 && errno != ENOENT)
            err = -errno;
    }
    return err;
}

void ledger_destroy(struct ledger *l)
{
    if (!l)
        return;
    free(l->path);
    free(l->entries);
    free(l);
}

/* Reads the owner and entries of a ledger file. */
static int read_file(const char *path, pid_t *owner, unsigned long long *st,
                     struct ledger_entry **entries, size_t *n)
{
    struct strbuf sb = STRBUF_INIT;
    size_t alloc = 0;
    int err = strbuf_read_file(&sb, path);
    int opid = 0;

    *entries = NULL;
    *n = 0;
    if (err)
        goto out;
    if (sscanf(sb.buf, "owner\t%d\t%llu", &opid, st) != 2) {
        err = -EINVAL;
        goto out;
    }
    *owner = opid;
    for (char *line = strchr(sb.buf, '\n'); line && line[1]; ) {
        char *next = strchr(++line, '\n');
        if (next)
            *next = '\0';
        if (*n == alloc) {
            alloc = alloc ? 2 * alloc : 16;
            *entries = xrealloc(*entries, alloc * sizeof **entries);
        }
        /* A line torn by a crash mid-write is skipped, not fatal. */
        if (!ledger_parse_line(line, &(*entries)[*n]))
            (*n)++;
        line = next;
    }
out:
    strbuf_dispose(&sb);
    return err;
}

bool ledger_is_stale(const char *path)
{
    struct ledger_entry *entries;
    unsigned long long st = 0;
    pid_t owner = 0;
    size_t n;
    int err = read_file(path, &owner, &st, &entries, &n);

    free(entries);
    if (err == -EINVAL)
        return true;        /* torn owner line: nobody can own it */
    return !err && !proc_is_same(owner, st);
}

int ledger_replay_file(const char *path, size_t *n_removed)
{
    struct ledger_entry *entries;
    unsigned long long st;
    pid_t owner;
    size_t n;
    int err = read_file(path, &owner, &st, &entries, &n);

    if (err && err != -EINVAL)
        return err;
    err = remove_all(entries, n, n_removed);
    free(entries);
    if (!err && unlink(path) < 0 && errno != ENOENT)
        err = -errno;
    return err;
}

int ledger_cleanup_stale(const char *dir, size_t *n_ledgers)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int first_err = 0;

    if (n_ledgers)
        *n_ledgers = 0;
    if (!d)
        return errno == ENOENT ? 0 : -errno;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char *path = xasprintf("%s/%s", dir, de->d_name);
        if (ledger_is_stale(path)) {
            size_t removed = 0;
            int err = ledger_replay_file(path, &removed);
            LOG_INFO("replayed stale ledger '%s': %zu entries", de->d_name,
                     removed);
            if (err && !first_err)
                first_err = err;
            if (n_ledgers)
                (*n_ledgers)++;
        }
        free(path);
    }
    closedir(d);
    return first_err;
}
