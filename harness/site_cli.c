/* perftests site import|build|watch: the lab's report server (issue 18).
 * Posted bundles are checked and unpacked by report/site.c, their figures
 * go into the lab's history through the same import as `perftests
 * history import`, and the static pages are rebuilt after each change. */
#include "site_cli.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "history_cli.h"
#include "lib/log.h"
#include "lib/util.h"
#include "report/site.h"
#include "run/run.h"

LOG_MODULE("site");

#define SITE_DEFAULT_DIR "/srv/perftests/site"
/* A posted file is imported once its size and time have stood still this
 * long after the last write that closed it or the rename that put it
 * there: a writer that closes and opens again is not caught half way. */
#define SITE_SETTLE_MS 500

struct site_ctx {
    const char *site;
    char *db;
    unsigned long long max_bytes;
    /* Bundles published, refused (the bundle's fault: exit 1), and not
     * imported for the site's own fault (its lock, its history: exit 3). */
    int changed, refused, failed;
};

/* A name a posted bundle has: <something>.tar.gz, not a dot file (nginx
 * and curl's temporary names, editors' swap files). */
static bool bundle_name(const char *name)
{
    size_t n = strlen(name);

    return n > 7 && name[0] != '.' && !strcmp(name + n - 7, ".tar.gz");
}

/* One import or build at a time on a site: `site import` by hand while
 * `site watch` runs waits for it.  The descriptor, or -1 logged. */
static int lock_site(const struct site_ctx *c)
{
    char *path = xasprintf("%s/.lock", c->site);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

    if (fd < 0 || flock(fd, LOCK_EX)) {
        LOG_ERR("cannot lock '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    free(path);
    return fd;
}

/* One bundle onto the site and into the history: counts it in
 * c->changed, or in c->refused or c->failed with the reason logged. */
static void import_bundle(struct site_ctx *c, const char *path)
{
    struct strbuf err = STRBUF_INIT;
    enum site_unpacked what;
    long long t0 = monotonic_ms();
    char *run_dir = NULL;
    int lock = lock_site(c), rc;

    if (lock < 0) {
        c->failed++;
        return;
    }
    if (site_unpack(c->site, c->db, path, c->max_bytes, &run_dir, &what,
                    &err)) {
        if (what == SITE_FAILED) {
            LOG_ERR("'%s' not imported: %s", path, err.buf);
            c->failed++;
        } else {
            LOG_WARN("refused %s", err.buf);
            c->refused++;
        }
    } else if (what == SITE_SEEN) {
        LOG_INFO("'%s': %s is on the site already; nothing to do", path,
                 strrchr(run_dir, '/') + 1);
    } else if (strbuf_reset(&err), (rc = history_cli_import_one(
                   c->db, run_dir, c->max_bytes, &err))) {
        /* Not in the history is not on the index: the folder goes, so
         * that the next post of it is imported whole. */
        LOG_ERR("'%s': not added to the history: %s", path, err.buf);
        remove_tree(run_dir);
        if (rc == -EINVAL)
            c->refused++;
        else
            c->failed++;
    } else {
        LOG_INFO("'%s': published as runs/%s (%lld ms)", path,
                 strrchr(run_dir, '/') + 1, monotonic_ms() - t0);
        c->changed++;
    }
    close(lock);
    free(run_dir);
    strbuf_dispose(&err);
}

/* A site never built (a fresh folder): built once even with nothing new. */
static bool unbuilt(const struct site_ctx *c)
{
    char *path = xasprintf("%s/index.html", c->site);
    bool missing = !path_is_file(path);

    free(path);
    return missing;
}

static int build(struct site_ctx *c)
{
    struct strbuf err = STRBUF_INIT;
    long long t0 = monotonic_ms();
    int lock = lock_site(c), rc;

    if (lock < 0)
        return PT_EXIT_ENV;
    rc = site_build(c->site, c->db, &err);
    close(lock);
    if (rc)
        LOG_ERR("the site is not built: %s", err.buf);
    else
        LOG_INFO("site built in %lld ms: %s/index.html",
                 monotonic_ms() - t0, c->site);
    strbuf_dispose(&err);
    return rc ? PT_EXIT_ENV : PT_EXIT_PASS;
}

/* 'arg' itself, or each bundle in the folder 'arg', in name order. */
static void import_arg(struct site_ctx *c, const char *arg)
{
    struct dirent **list;
    int n;

    if (!path_is_dir(arg)) {
        import_bundle(c, arg);
        return;
    }
    if ((n = scandir(arg, &list, NULL, alphasort)) < 0) {
        LOG_ERR("cannot read '%s': %s", arg, strerror(errno));
        c->failed++;
        return;
    }
    int found = 0;
    for (int i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", arg, list[i]->d_name);
        if (bundle_name(list[i]->d_name) && path_is_file(path)) {
            import_bundle(c, path);
            found++;
        }
        free(path);
        free(list[i]);
    }
    free(list);
    /* A run directory given by mistake, or an empty upload folder: said,
     * not taken for success. */
    if (!found) {
        LOG_WARN("'%s' holds no bundle (*.tar.gz)", arg);
        c->refused++;
    }
}

/* The pending uploads of 'watch': name -> [size, mtime, since (ms)]. */
static void note_pending(json_t *pending, const char *name)
{
    json_object_set_new(pending, name, json_pack("[I, I, I]", (json_int_t)-1,
                                                 (json_int_t)0,
                                                 (json_int_t)monotonic_ms()));
}

/* Whether the file has stood still SITE_SETTLE_MS; false (and forgotten
 * by the caller) when it is gone, by *gone. */
static bool settled(const char *path, json_t *entry, bool *gone)
{
    struct stat st;
    long long now = monotonic_ms();
    json_int_t mtime;

    *gone = lstat(path, &st) || !S_ISREG(st.st_mode);
    if (*gone)
        return false;
    mtime = (json_int_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    if (json_integer_value(json_array_get(entry, 0)) != st.st_size
        || json_integer_value(json_array_get(entry, 1)) != mtime) {
        json_array_set_new(entry, 0, json_integer(st.st_size));
        json_array_set_new(entry, 1, json_integer(mtime));
        json_array_set_new(entry, 2, json_integer(now));
        return false;
    }
    return now - json_integer_value(json_array_get(entry, 2))
           >= SITE_SETTLE_MS;
}

/* Every bundle in 'incoming' into 'pending': at the start, and when
 * inotify lost events. */
static void note_all(const char *incoming, json_t *pending)
{
    struct dirent *de;
    DIR *d = opendir(incoming);

    if (!d) {
        LOG_ERR("cannot read '%s': %s", incoming, strerror(errno));
        return;
    }
    while ((de = readdir(d)))
        if (bundle_name(de->d_name))
            note_pending(pending, de->d_name);
    closedir(d);
}

/* Reads the inotify events waiting on 'fd' into 'pending'. */
static void read_events(int fd, const char *incoming, json_t *pending)
{
    char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;

    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const void *)p;
            if (ev->len && bundle_name(ev->name))
                note_pending(pending, ev->name);
            /* Events were lost: the folder itself says what is there
             * (a bundle on the site already is a no-op). */
            if (ev->mask & IN_Q_OVERFLOW) {
                LOG_WARN("inotify lost events; reading '%s' again",
                         incoming);
                note_all(incoming, pending);
            }
            p += sizeof *ev + ev->len;
        }
}

/* site watch: the bundles already there, then each one that a rename
 * (nginx moving a finished PUT into place) or a close after writing puts
 * into 'incoming', once it stands still; the pages after each change.
 * Ends on SIGINT or SIGTERM. */
static int watch(struct site_ctx *c, const char *incoming)
{
    json_t *pending = json_object(), *entry;
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int rc = PT_EXIT_PASS;

    if (fd < 0 || inotify_add_watch(fd, incoming, IN_MOVED_TO
                                    | IN_CLOSE_WRITE | IN_ONLYDIR) < 0) {
        LOG_ERR("cannot watch '%s': %s", incoming, strerror(errno));
        if (fd >= 0)
            close(fd);
        json_decref(pending);
        return PT_EXIT_ENV;
    }
    /* Watched first, then listed: a post landing in between is seen. */
    note_all(incoming, pending);
    LOG_INFO("watching '%s' for bundles; the site is '%s'", incoming,
             c->site);
    if (unbuilt(c) && build(c))
        rc = PT_EXIT_ENV;
    while (!pt_interrupted && !rc) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        const char *name;
        void *tmp;

        poll(&p, 1, json_object_size(pending) ? 100 : 1000);
        read_events(fd, incoming, pending);
        c->changed = 0;
        json_object_foreach_safe(pending, tmp, name, entry) {
            char *path = xasprintf("%s/%s", incoming, name);
            bool gone;
            if (settled(path, entry, &gone)) {
                import_bundle(c, path);
                json_object_del(pending, name);
            } else if (gone) {
                json_object_del(pending, name);
            }
            free(path);
        }
        if (c->changed)
            build(c);
    }
    close(fd);
    json_decref(pending);
    return rc;
}

int site_cli(const struct cli *cli, unsigned long long max_bytes)
{
    const char *verb = cli->args[0];
    bool import = !strcmp(verb, "import") && cli->n_args >= 2;
    bool make = !strcmp(verb, "build") && cli->n_args == 1;
    bool watching = !strcmp(verb, "watch") && cli->n_args == 1
                    && cli->incoming;
    struct site_ctx c = {
        .site = cli->site ? cli->site : SITE_DEFAULT_DIR,
        .max_bytes = max_bytes,
    };
    int rc, err;

    if (!import && !make && !watching) {
        fprintf(stderr, "perftests: site: expected import BUNDLE|DIR..., "
                "build, or watch --incoming DIR\n");
        return PT_EXIT_USAGE;
    }
    /* A mistyped name is the command line's fault, not a refused
     * bundle's: said before anything is imported. */
    for (int i = 1; import && i < cli->n_args; i++)
        if (!path_is_file(cli->args[i]) && !path_is_dir(cli->args[i])) {
            fprintf(stderr, "perftests: site import: '%s': no such file "
                    "or folder (expected a bundle, .tar.gz, or a folder "
                    "of them)\n", cli->args[i]);
            return PT_EXIT_USAGE;
        }
    if ((err = mkdir_p(c.site, 0755))) {
        LOG_ERR("cannot create '%s': %s", c.site, strerror(-err));
        return PT_EXIT_ENV;
    }
    c.db = cli->db ? xstrdup(cli->db) : xasprintf("%s/history.db", c.site);
    if (import) {
        for (int i = 1; i < cli->n_args; i++)
            import_arg(&c, cli->args[i]);
        rc = c.changed || unbuilt(&c) ? build(&c) : PT_EXIT_PASS;
        if (!rc && c.failed)
            rc = PT_EXIT_ENV;
        else if (!rc && c.refused)
            rc = PT_EXIT_CHECK_FAILED;
    } else if (make) {
        rc = build(&c);
    } else {
        run_install_signals();
        rc = watch(&c, cli->incoming);
    }
    free(c.db);
    return rc;
}
