/* The spool (see post.h): <results>/.spool/<bundle> and, beside it,
 * <bundle>.json with where it goes and where it came from.  The JSON is
 * mode 0600: a URL may carry a password. */
#include "report/post.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

LOG_MODULE("post");

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/* What a spool must be: root's (or ours, when not root) and nobody
 * else's, since `perftests post` uploads what it holds.  The results
 * folder above it may be one others write. */
static int open_spool(const char *results_dir, struct strbuf *err)
{
    char *dir = xasprintf("%s/.spool", results_dir);
    struct untrusted want = { .owner = geteuid(), .directory = true,
                              .private_mode = true };
    int fd = util_open_untrusted(AT_FDCWD, dir, &want, NULL, err);

    free(dir);
    return fd;
}

/* What a spooled JSON must be to be read: the spool owner's alone. */
static struct untrusted meta_want(void)
{
    return (struct untrusted){ .owner = geteuid(), .private_mode = true,
                               .single_link = true, .max_size = 1 << 16 };
}

/* What a spooled bundle must be to be sent: hard-linked to the bundle
 * outside, so one link is not asked. */
static struct untrusted copy_want(void)
{
    return (struct untrusted){ .owner = geteuid(), .private_mode = true };
}

/* Whether 'name' in the spool 'spoolfd' is one 'want' allows, by
 * fstatat() on the name itself: a link, a fifo or another user's file is
 * not there. */
static bool present(int spoolfd, const char *name, struct untrusted want)
{
    struct strbuf why = STRBUF_INIT;
    struct stat st;
    bool ok = !fstatat(spoolfd, name, &st, AT_SYMLINK_NOFOLLOW)
              && !util_untrusted_check(&st, &want, name, &why);

    strbuf_dispose(&why);
    return ok;
}

/* Copies what is left of 'in' to a new file of the spool and renames it
 * to 'name'. */
static int copy_in(int in, int spoolfd, const char *name)
{
    char *tmp;
    int out = util_replace_open(spoolfd, name, 0600, &tmp);

    if (out < 0)
        return out;
    return util_replace_commit(spoolfd, out, tmp, name, copy_fd(in, out));
}

/* Puts 'bundle' into the spool as 'name', replacing what is there:
 * hard-linked when the spool's reader takes its inode as it is, else
 * copied.  The bundle is opened once and checked; the link, made by
 * name, must be of what was opened, or the copy is made from that. */
static int put_copy(int spoolfd, const char *bundle, const char *name,
                    struct strbuf *err)
{
    struct untrusted any_file = { .owner = (uid_t)-1 };
    struct untrusted want = copy_want();
    struct strbuf why = STRBUF_INIT;
    struct stat st, got;
    /* The spool is ours alone (open_spool()): a fixed name is nobody
     * else's to have put there. */
    char *tmp = xasprintf(".%s.link", name);
    int in = util_open_untrusted(AT_FDCWD, bundle, &any_file, &st, err), rc;

    if (in < 0) {
        free(tmp);
        return in;
    }
    unlinkat(spoolfd, tmp, 0);
    rc = util_untrusted_check(&st, &want, bundle, &why) ? -EPERM
         : linkat(AT_FDCWD, bundle, spoolfd, tmp, 0) ? -errno : 0;
    if (!rc && (fstatat(spoolfd, tmp, &got, AT_SYMLINK_NOFOLLOW)
                || got.st_dev != st.st_dev || got.st_ino != st.st_ino))
        rc = -ESTALE;
    if (!rc && renameat(spoolfd, tmp, spoolfd, name))
        rc = -errno;
    if (rc) {
        unlinkat(spoolfd, tmp, 0);
        rc = copy_in(in, spoolfd, name);
    }
    if (rc)
        strbuf_addf(err, "cannot copy '%s' into the spool: %s", bundle,
                    strerror(-rc));
    close(in);
    strbuf_dispose(&why);
    free(tmp);
    return rc;
}

/* Whether the spool holds an entry of 'name' that its reader takes. */
static bool entry_present(int spoolfd, const char *name)
{
    char *meta = xasprintf("%s.json", name);
    bool has = present(spoolfd, meta, meta_want())
               && present(spoolfd, name, copy_want());

    free(meta);
    return has;
}

int spool_refresh(const char *results_dir, const char *bundle,
                  struct strbuf *err)
{
    struct strbuf why = STRBUF_INIT;
    int spoolfd = open_spool(results_dir, &why), rc = 0;

    /* No spool, or one that is not to be trusted: nothing of it is sent,
     * so there is no copy to replace. */
    if (spoolfd >= 0 && entry_present(spoolfd, base_name(bundle))
        && (rc = put_copy(spoolfd, bundle, base_name(bundle), &why)))
        strbuf_addf(err, "cannot replace the spooled copy of '%s': %s",
                    bundle, why.buf);
    if (spoolfd >= 0)
        close(spoolfd);
    strbuf_dispose(&why);
    return rc;
}

/* The spool of 'results_dir', made when missing, as its reader checks it:
 * a descriptor, or -errno with why, naming it. */
static int make_spool(const char *results_dir, struct strbuf *err)
{
    char *dir = xasprintf("%s/.spool", results_dir);
    int rc = mkdir_p(dir, 0700);

    if (rc)
        strbuf_addf(err, "cannot create '%s': %s", dir, strerror(-rc));
    free(dir);
    return rc ? rc : open_spool(results_dir, err);
}

/* Writes the JSON 'text' of spooled bundle 'name'; mode 0600, for a URL
 * may carry a password. */
static int put_meta(int spoolfd, const char *name, const char *text,
                    struct strbuf *err)
{
    char *meta = xasprintf("%s.json", name), *tmp;
    int fd = util_replace_open(spoolfd, meta, 0600, &tmp), rc;

    if (fd >= 0) {
        errno = 0;
        rc = write(fd, text, strlen(text)) == (ssize_t)strlen(text) ? 0
             : errno ? -errno : -ENOSPC;
        fd = util_replace_commit(spoolfd, fd, tmp, meta, rc);
    }
    if (fd < 0)
        strbuf_addf(err, "cannot write '%s' in the spool: %s", meta,
                    strerror(-fd));
    free(meta);
    return fd < 0 ? fd : 0;
}

int spool_add(const char *results_dir, const char *bundle,
              const struct post_target *t, struct strbuf *err)
{
    char *origin = realpath(bundle, NULL);
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:f, s:f, s:s?}",
                          "url", t->url, "method",
                          t->method ? t->method : "put",
                          "ssh_key", t->ssh_key ? t->ssh_key : "",
                          "known_hosts", t->known_hosts ? t->known_hosts : "",
                          "ca_file", t->ca_file ? t->ca_file : "",
                          "retries", t->retries, "retry_delay",
                          t->retry_delay, "timeout", t->timeout, "origin",
                          origin);
    char *text = json_dumps(j, JSON_INDENT(2));
    struct strbuf why = STRBUF_INIT;
    int spoolfd = make_spool(results_dir, &why), rc = spoolfd < 0 ? spoolfd : 0;

    /* The copy first: an entry is a bundle with its JSON beside it. */
    if (!rc)
        rc = put_copy(spoolfd, bundle, base_name(bundle), &why);
    if (!rc)
        rc = put_meta(spoolfd, base_name(bundle), text, &why);
    if (rc)
        strbuf_addf(err, "cannot spool '%s': %s", bundle, why.buf);
    if (spoolfd >= 0)
        close(spoolfd);
    strbuf_dispose(&why);
    free(text);
    json_decref(j);
    free(origin);
    return rc;
}

bool spool_has(const char *results_dir, const char *bundle_name)
{
    struct strbuf why = STRBUF_INIT;
    int spoolfd = open_spool(results_dir, &why);
    bool has = spoolfd >= 0 && entry_present(spoolfd, base_name(bundle_name));

    if (spoolfd >= 0)
        close(spoolfd);
    strbuf_dispose(&why);
    return has;
}

/* Reads <spool>/<name>.json, a file of the spool's owner alone. */
static json_t *load_meta(int spoolfd, const char *name, struct strbuf *err)
{
    char *meta = xasprintf("%s.json", name);
    struct untrusted want = meta_want();
    int fd = util_open_untrusted(spoolfd, meta, &want, NULL, err);
    json_error_t je;
    json_t *j = NULL;

    if (fd >= 0) {
        j = json_loadfd(fd, 0, &je);
        if (!j)
            strbuf_addf(err, "'%s': %s (line %d)", meta, je.text, je.line);
        else if (!json_is_object(j)) {
            strbuf_addf(err, "'%s': not a JSON object", meta);
            json_decref(j);
            j = NULL;
        }
        close(fd);
    }
    free(meta);
    return j;
}

/* The folder of 'path', resolved; NULL when it does not exist. */
static char *real_dir_of(const char *path)
{
    char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *real;

    if (slash)
        *slash = '\0';
    real = realpath(slash ? (dir[0] ? dir : "/") : ".", NULL);
    free(dir);
    return real;
}

/* The "origin" of spooled bundle 'name' when it is one spool_add() could
 * have written: a bundle of that name in a folder inside the results
 * folder.  Else NULL (and why in 'err'): the record of the landing is not
 * made at a place a file's author chose. */
static char *valid_origin(const char *results_dir, json_t *j,
                          const char *name, struct strbuf *err)
{
    const char *origin = json_string_value(json_object_get(j, "origin"));
    char *dir, *top = realpath(results_dir, NULL), *ok = NULL;
    size_t len = top ? strlen(top) : 0;

    if (!origin)
        return NULL;
    dir = real_dir_of(origin);
    if (origin[0] != '/' || strcmp(base_name(origin), name)
        || strstr(origin, "/../") || !dir || !top
        || strncmp(dir, top, len) || (dir[len] && dir[len] != '/'))
        strbuf_addf(err, "origin '%s' is not a bundle '%s' in '%s'", origin,
                    name, results_dir);
    else
        ok = xasprintf("%s/%s", dir, name);
    free(dir);
    free(top);
    return ok;
}

int spool_remove(const char *results_dir, const char *bundle_name,
                 struct strbuf *err)
{
    const char *name = base_name(bundle_name);
    char *meta = xasprintf("%s.json", name);
    char *posted = xasprintf("%s.posted", name);
    struct strbuf why = STRBUF_INIT, where = STRBUF_INIT;
    int spoolfd = open_spool(results_dir, &why);
    json_t *j = spoolfd >= 0 ? load_meta(spoolfd, name, &why) : NULL;
    char *origin = j ? valid_origin(results_dir, j, name, &why) : NULL;
    char *mark = origin ? xasprintf("%s.posted", origin) : NULL;
    int rc = 0;

    if (spoolfd < 0) {
        strbuf_addf(err, "cannot take '%s' out of the spool: %s", name,
                    why.buf);
        rc = spoolfd;
        goto out;
    }
    /* The record of the landing goes beside the original bundle, unless
     * one to be believed is there already; rename replaces a link or
     * another user's file there rather than following it. */
    if (mark && !post_already(origin, &where)
        && renameat(spoolfd, posted, AT_FDCWD, mark))
        LOG_WARN("spool: cannot move '%s' to '%s': %s", posted, mark,
                 strerror(errno));
    if (why.len)
        LOG_WARN("spool: %s; the record of the landing stays out of it",
                 why.buf);
    unlinkat(spoolfd, posted, 0);
    unlinkat(spoolfd, name, 0);
    /* Without its JSON the copy is no longer in the spool. */
    if (unlinkat(spoolfd, meta, 0) && errno != ENOENT) {
        rc = -errno;
        strbuf_addf(err, "cannot take '%s/.spool/%s' out of the spool: %s",
                    results_dir, meta, strerror(errno));
    }
    close(spoolfd);
out:
    json_decref(j);
    strbuf_dispose(&where);
    strbuf_dispose(&why);
    free(mark);
    free(origin);
    free(posted);
    free(meta);
    return rc;
}

/* A number from the spooled JSON within [min, max], else 'dflt' (with a
 * note in 'warn'): a hand-edited or truncated entry gets the defaults, a
 * missing timeout never means none. */
static double number_in(const json_t *j, const char *key, double min,
                        double max, double dflt, struct strbuf *warn)
{
    json_t *v = json_object_get(j, key);
    double x = json_number_value(v);

    if (json_is_number(v) && x >= min && x <= max)
        return x;
    strbuf_addf(warn, "%s%s %s, %g used", warn->len ? "; " : "", key,
                v ? "out of range" : "missing", dflt);
    return dflt;
}

int spool_parse_target(const json_t *j, struct post_target *t,
                       struct strbuf *warn)
{
    const char *method;

    memset(t, 0, sizeof *t);
    t->url = json_string_value(json_object_get(j, "url"));
    method = json_string_value(json_object_get(j, "method"));
    t->method = method && !strcmp(method, "post") ? "post" : "put";
    t->ssh_key = json_string_value(json_object_get(j, "ssh_key"));
    t->known_hosts = json_string_value(json_object_get(j, "known_hosts"));
    t->ca_file = json_string_value(json_object_get(j, "ca_file"));
    t->retries = (int)number_in(j, "retries", 0, 20, 3, warn);
    t->retry_delay = number_in(j, "retry_delay", 0, 600, 1, warn);
    t->timeout = number_in(j, "timeout", 1, 3600, POST_TIMEOUT_DEFAULT,
                           warn);
    return t->url && t->url[0] ? 0 : -EINVAL;
}

/* Reads and checks spooled bundle 'name' into 't' (its strings point into
 * *json, which the caller json_decref()s).  0, or -errno with why in
 * 'err'; what was defaulted goes to 'warn'. */
static int entry_load(int spoolfd, const char *name, struct post_target *t,
                      json_t **json, struct strbuf *warn, struct strbuf *err)
{
    struct untrusted want = copy_want();
    json_t *j = load_meta(spoolfd, name, err);
    int fd;

    *json = j;
    if (!j)
        return -EINVAL;
    if (spool_parse_target(j, t, warn)) {
        strbuf_addf(err, "'%s.json' has no url", name);
        return -EINVAL;
    }
    /* The bundle is the file of that name in the spool itself, never what
     * a link there points to. */
    fd = util_open_untrusted(spoolfd, name, &want, NULL, err);
    if (fd < 0)
        return fd;
    close(fd);
    return 0;
}

/* True when spooled bundle 'name' landed already, by its record beside
 * the bundle it was spooled from (or beside the copy): an entry left
 * behind (a crash between the landing and its removal, a spool restored
 * from a backup) must not post it twice.  'where' gets the record. */
static bool landed_already(const char *results_dir, json_t *j,
                           const char *copy, const char *name,
                           struct strbuf *where)
{
    struct strbuf why = STRBUF_INIT;
    char *origin = valid_origin(results_dir, j, name, &why);
    bool landed = (origin && post_already(origin, where))
                  || post_already(copy, where);

    strbuf_dispose(&why);
    free(origin);
    return landed;
}

/* Delivers one spooled bundle to the target it was spooled with: 0 when
 * it landed, 1 when it had landed before (the entry is dropped), else
 * -errno. */
static int send_one(const char *results_dir, int spoolfd, const char *name,
                    volatile sig_atomic_t *stop)
{
    char *copy = xasprintf("%s/.spool/%s", results_dir, name);
    struct strbuf err = STRBUF_INIT, warn = STRBUF_INIT, where = STRBUF_INIT;
    struct post_target t;
    json_t *j;
    int rc = entry_load(spoolfd, name, &t, &j, &warn, &err);

    if (warn.len)
        LOG_WARN("spool: %s.json: %s", copy, warn.buf);
    if (rc) {
        LOG_WARN("spool: '%s' not posted: %s; left alone", name, err.buf);
    } else if (landed_already(results_dir, j, copy, name, &where)) {
        LOG_INFO("spool: %s was posted already (%s); taken out of the "
                 "spool, not sent again", name, where.buf);
        if (spool_remove(results_dir, name, &err))
            LOG_WARN("spool: %s", err.buf);
        rc = 1;
    } else {
        t.stop = stop;
        if ((rc = post_deliver(&t, copy, results_dir, &err)))
            LOG_WARN("spool: %s: %s", name, err.buf);
    }
    json_decref(j);
    strbuf_dispose(&where);
    strbuf_dispose(&warn);
    strbuf_dispose(&err);
    free(copy);
    return rc;
}

int spool_send(const char *results_dir, const char *only,
               volatile sig_atomic_t *stop, int *sent, int *failed,
               struct strbuf *err)
{
    char *dir = xasprintf("%s/.spool", results_dir);
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort), spoolfd;

    *sent = *failed = 0;
    if (n < 0) {
        int rc = errno == ENOENT ? 0 : -errno;
        if (rc)
            strbuf_addf(err, "cannot read '%s': %s", dir, strerror(errno));
        free(dir);
        return rc;
    }
    spoolfd = open_spool(results_dir, err);
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        size_t len = strlen(name);
        /* Bundles are what have a ".json" beside them. */
        bool is_meta = len > 5 && !strcmp(name + len - 5, ".json");
        if (spoolfd >= 0 && is_meta && !(stop && *stop)) {
            char *bundle = xasprintf("%.*s", (int)(len - 5), name);
            if (!only || !strcmp(bundle, base_name(only))) {
                int rc = send_one(results_dir, spoolfd, bundle, stop);
                if (rc < 0)
                    ++*failed;
                else if (rc == 0)
                    ++*sent;
            }
            free(bundle);
        }
        free(list[i]);
    }
    free(list);
    free(dir);
    if (spoolfd < 0)
        return spoolfd;
    close(spoolfd);
    return 0;
}
