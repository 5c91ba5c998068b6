/* Delivering a bundle (see post.h): the attempts with their backoff, the
 * record of the landing, and the spool for what did not land.  How one
 * attempt travels is the transport's business (post.c, found by the
 * URL's scheme); nothing here knows libcurl. */
#include "report/post.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"

LOG_MODULE("post");

/* The largest record of a landing believed: one line, a time and a URL. */
#define RECORD_MAX 4096

static void record_posted(const char *bundle, const char *url)
{
    char *path = xasprintf("%s.posted", bundle);
    char *shown = url_redact(url);
    char when[32];
    time_t now = time(NULL);
    char *line;
    int rc;

    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    line = xasprintf("%s %s\n", when, shown);
    /* A new file renamed over whatever is there: a link, a fifo (an open
     * for writing would wait for a reader) or another user's file is
     * replaced, not written through. */
    if ((rc = write_file_atomic(path, line, strlen(line))))
        LOG_WARN("cannot record the landing in '%s': %s", path,
                 strerror(-rc));
    free(line);
    free(shown);
    free(path);
}

bool post_already(const char *bundle, struct strbuf *where)
{
    char *path = xasprintf("%s.posted", bundle);
    /* Anyone who can write the results folder can put a file there: only
     * one that root (or we) made is believed, else a bundle could be
     * dropped unsent, or a fifo hang the reading. */
    struct untrusted want = { .owner = geteuid(), .max_size = RECORD_MAX };
    struct strbuf why = STRBUF_INIT;
    int fd = util_open_untrusted(AT_FDCWD, path, &want, NULL, &why);
    bool posted = fd >= 0 && !strbuf_read_fd(where, fd);

    if (fd >= 0)
        close(fd);
    else if (fd != -ENOENT)
        LOG_WARN("the record of a landing is not believed: %s", why.buf);
    strbuf_rtrim(where);
    strbuf_dispose(&why);
    free(path);
    return posted;
}

int post_bundle(const struct post_target *t, const char *bundle,
                struct strbuf *err)
{
    const struct post_transport *tr = post_transport_find(t->url);
    char *shown = url_redact(t->url);
    double delay = t->retry_delay;
    struct untrusted any_file = { .owner = (uid_t)-1 };
    int rc = -EINVAL, fd;

    /* A file, not a link to one (a spooled "bundle" linking to
     * /etc/shadow); opened once, and every attempt sends from this
     * descriptor: the name may point elsewhere by the next retry. */
    fd = util_open_untrusted(AT_FDCWD, bundle, &any_file, NULL, err);
    if (fd < 0) {
        free(shown);
        return fd;
    }
    if (!tr) {
        strbuf_addf(err, "'%s': not an http(s), scp or sftp URL", shown);
        close(fd);
        free(shown);
        return -EINVAL;
    }
    for (int attempt = 0; attempt <= t->retries; attempt++) {
        strbuf_reset(err);
        rc = tr->send(t, bundle, fd, err);
        if (!rc || (t->stop && *t->stop))
            break;
        if (attempt < t->retries) {
            LOG_WARN("attempt %d of %d failed: %s; again in %.1f s",
                     attempt + 1, t->retries + 1, err->buf, delay);
            sleep_ms((int)(delay * 1000));
            delay = fmin(delay * 2, 300);
        }
    }
    close(fd);
    if (!rc) {
        record_posted(bundle, t->url);
        LOG_INFO("posted %s to %s", bundle, shown);
    }
    free(shown);
    return rc;
}

int post_deliver(const struct post_target *t, const char *bundle,
                 const char *results_dir, struct strbuf *err)
{
    struct strbuf why = STRBUF_INIT, spool_err = STRBUF_INIT;
    /* Asked before posting: a bundle posted from the spool leaves it. */
    bool waiting = spool_has(results_dir, bundle);
    char *shown;
    int rc = post_bundle(t, bundle, &why);

    if (!rc) {
        /* The bundle landed; an entry left in the spool would be posted
         * again by the next `perftests post`, hence the warning. */
        if (waiting && spool_remove(results_dir, bundle, &spool_err))
            LOG_WARN("%s", spool_err.buf);
        strbuf_dispose(&spool_err);
        strbuf_dispose(&why);
        return 0;
    }
    shown = url_redact(t->url);
    strbuf_addf(err, "the bundle could not be posted to %s (%s)", shown,
                why.buf);
    if (waiting)
        strbuf_addf(err, "; it still waits in %s/.spool/", results_dir);
    else if (spool_add(results_dir, bundle, t, &spool_err))
        strbuf_addf(err, ", nor spooled: %s", spool_err.buf);
    else
        strbuf_addf(err, "; it waits in %s/.spool/ for 'perftests post'",
                    results_dir);
    free(shown);
    strbuf_dispose(&spool_err);
    strbuf_dispose(&why);
    return rc;
}
