/* Posting the bundle (DESIGN.md step 14) with libcurl, and the spool of
 * bundles that could not be posted.
 *
 *   http(s)://  PUT (WebDAV: the folders created when the server wants
 *               that), or POST multipart/form-data (REPORT_METHOD=post);
 *   scp:// sftp://  an upload with REPORT_SSH_KEY, then the empty
 *               <bundle>.perftest marker the original's server watched.
 * A URL ending in '/' gets the bundle's name appended.  Credentials come
 * from ~/.netrc, PERFTESTS_REPORT_USER / PERFTESTS_REPORT_PASSWORD, or
 * the URL; no message shows them. */
#ifndef PT_POST_H
#define PT_POST_H

#include <signal.h>
#include <stdbool.h>

#include "lib/strbuf.h"

struct post_target {
    const char *url;
    const char *method;             /* "put" or "post" (http only) */
    const char *ssh_key;            /* "" or NULL: none */
    int retries;                    /* attempts after the first */
    double retry_delay;             /* seconds; doubled each retry */
    double timeout;                 /* seconds for one attempt */
    volatile sig_atomic_t *stop;    /* set: no more retries; may be NULL */
};

/* One kind of destination: one entry per URL scheme family. */
struct post_transport {
    const char *name;
    bool (*handles)(const char *url);
    /* One attempt: 0, or -errno with the reason (no credentials). */
    int (*send)(const struct post_target *t, const char *bundle,
                struct strbuf *err);
};

/* Sends 'bundle' to t->url, retrying with backoff.  0 when it landed
 * (then "<bundle>.posted" records where and when), -errno with the last
 * reason otherwise. */
int post_bundle(const struct post_target *t, const char *bundle,
                struct strbuf *err);
/* True when "<bundle>.posted" says it landed already; 'where' gets it. */
bool post_already(const char *bundle, struct strbuf *where);

/* Puts 'bundle' and its target in <results_dir>/.spool/ (the bundle
 * hard-linked, else copied).  0 or -errno with the reason. */
int spool_add(const char *results_dir, const char *bundle,
              const struct post_target *t, struct strbuf *err);
/* Posts what the spool holds ('only': the one of this bundle name, NULL:
 * all), each to the target it was spooled with; what lands leaves the
 * spool.  Counts in *sent and *failed; 0, or -errno when the spool could
 * not be read. */
int spool_send(const char *results_dir, const char *only,
               volatile sig_atomic_t *stop, int *sent, int *failed,
               struct strbuf *err);
/* True when the spool holds a bundle of that name. */
bool spool_has(const char *results_dir, const char *bundle_name);

#endif
