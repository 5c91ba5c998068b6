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

int spool_add(const char *results_dir, const char *bundle,
              const struct post_target *t, struct strbuf *err)
{
    char *dir = xasprintf("%s/.spool", results_dir);
    char *copy = xasprintf("%s/%s", dir, base_name(bundle));
    char *meta = xasprintf("%s.json", copy);
    char *origin = realpath(bundle, NULL);
    json_t *j = json_pack("{s:s, s:s, s:s, s:i, s:f, s:f, s:s?}", "url",
                          t->url, "method", t->method ? t->method : "put",
                          "ssh_key", t->ssh_key ? t->ssh_key : "",
                          "retries", t->retries, "retry_delay",
                          t->retry_delay, "timeout", t->timeout, "origin",
                          origin);
    char *text = json_dumps(j, JSON_INDENT(2));
    int rc = mkdir_p(dir, 0700), fd;

    if (!rc) {
        unlink(copy);
        if (link(bundle, copy))
            rc = copy_file(bundle, copy);
    }
    if (!rc) {
        fd = open(meta, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
            rc = fd < 0 ? -errno : -EIO;
        if (fd >= 0)
            close(fd);
    }
    if (rc)
        strbuf_addf(err, "cannot spool '%s' in '%s': %s", bundle, dir,
                    strerror(-rc));
    free(text);
    json_decref(j);
    free(origin);
    free(meta);
    free(copy);
    free(dir);
    return rc;
}

bool spool_has(const char *results_dir, const char *bundle_name)
{
    char *meta = xasprintf("%s/.spool/%s.json", results_dir,
                           base_name(bundle_name));
    bool has = !access(meta, F_OK);

    free(meta);
    return has;
}

int spool_remove(const char *results_dir, const char *bundle_name,
                 struct strbuf *err)
{
    char *copy = xasprintf("%s/.spool/%s", results_dir,
                           base_name(bundle_name));
    char *meta = xasprintf("%s.json", copy);
    char *posted = xasprintf("%s.posted", copy);
    json_t *j = json_load_file(meta, 0, NULL);
    const char *origin = json_string_value(json_object_get(j, "origin"));
    char *mark = origin ? xasprintf("%s.posted", origin) : NULL;
    int rc = 0;

    /* The record of the landing goes beside the original bundle. */
    if (mark && access(mark, F_OK) && rename(posted, mark))
        copy_file(posted, mark);
    unlink(posted);
    unlink(copy);
    /* Without its JSON the copy is no longer in the spool. */
    if (unlink(meta) && errno != ENOENT) {
        rc = -errno;
        strbuf_addf(err, "cannot take '%s' out of the spool: %s", meta,
                    strerror(errno));
    }
    json_decref(j);
    free(mark);
    free(posted);
    free(meta);
    free(copy);
    return rc;
}

int spool_parse_target(const json_t *j, struct post_target *t)
{
    t->url = json_string_value(json_object_get(j, "url"));
    t->method = json_string_value(json_object_get(j, "method"));
    t->ssh_key = json_string_value(json_object_get(j, "ssh_key"));
    t->retries = (int)json_integer_value(json_object_get(j, "retries"));
    t->retry_delay = json_number_value(json_object_get(j, "retry_delay"));
    t->timeout = json_number_value(json_object_get(j, "timeout"));
    return t->url ? 0 : -EINVAL;
}

/* Delivers one spooled bundle to the target it was spooled with. */
static int send_one(const char *results_dir, const char *name,
                    volatile sig_atomic_t *stop)
{
    char *copy = xasprintf("%s/.spool/%s", results_dir, name);
    char *meta = xasprintf("%s.json", copy);
    struct strbuf err = STRBUF_INIT;
    json_error_t je;
    json_t *j = json_load_file(meta, 0, &je);
    struct post_target t = { .stop = stop };
    int rc;

    if (spool_parse_target(j, &t)) {
        LOG_WARN("spool: '%s' is unreadable (%s); left alone", meta,
                 j ? "no url" : je.text);
        rc = -EINVAL;
    } else if ((rc = post_deliver(&t, copy, results_dir, &err))) {
        LOG_WARN("spool: %s: %s", name, err.buf);
    }
    json_decref(j);
    strbuf_dispose(&err);
    free(meta);
    free(copy);
    return rc;
}

int spool_send(const char *results_dir, const char *only,
               volatile sig_atomic_t *stop, int *sent, int *failed,
               struct strbuf *err)
{
    char *dir = xasprintf("%s/.spool", results_dir);
    struct dirent **list;
    int n = scandir(dir, &list, NULL, alphasort);

    *sent = *failed = 0;
    if (n < 0) {
        int rc = errno == ENOENT ? 0 : -errno;
        if (rc)
            strbuf_addf(err, "cannot read '%s': %s", dir, strerror(errno));
        free(dir);
        return rc;
    }
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        size_t len = strlen(name);
        /* Bundles are what have a ".json" beside them. */
        bool is_meta = len > 5 && !strcmp(name + len - 5, ".json");
        if (is_meta && !(stop && *stop)) {
            char *bundle = xasprintf("%.*s", (int)(len - 5), name);
            if (!only || !strcmp(bundle, base_name(only))) {
                if (send_one(results_dir, bundle, stop))
                    ++*failed;
                else
                    ++*sent;
            }
            free(bundle);
        }
        free(list[i]);
    }
    free(list);
    free(dir);
    return 0;
}
