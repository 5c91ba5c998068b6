/* Posting the bundle (DESIGN.md step 16), and the spool of bundles that
 * could not be posted.  post_deliver() is what a caller wants: post,
 * else spool; the run's last phase and `perftests post` both use it.
 *
 * The transports (post.c, libcurl):
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

struct post_transport;

/* REPORT_TIMEOUT's default (run/settings.h): what a spooled entry without
 * a valid timeout gets. */
#define POST_TIMEOUT_DEFAULT 120

struct post_target {
    const char *url;
    const char *method;             /* "put" or "post" (http only) */
    const char *ssh_key;            /* "" or NULL: none */
    const char *known_hosts;        /* scp/sftp host keys; "" or NULL:
                                     * post_known_hosts_default() */
    const char *ca_file;            /* https: the CAs to trust; "" or
                                     * NULL: the system's */
    int retries;                    /* attempts after the first */
    double retry_delay;             /* seconds; doubled each retry */
    double timeout;                 /* seconds for one attempt */
    volatile sig_atomic_t *stop;    /* set: the attempt under way ends
                                     * (-EINTR), no more retries; may be
                                     * NULL */
};

/* One kind of destination: one entry per URL scheme family. */
struct post_transport {
    const char *name;
    /* Whether it takes that URL. */
    bool (*handles)(const char *url);
    /* One attempt: 0, or -errno with the reason (no credentials).  'fd'
     * is the bundle as post_bundle() opened and checked it, to be read
     * from its start (its offset is the transport's); 'bundle' is its
     * name, for the URL and the messages, never to be opened again. */
    int (*send)(const struct post_target *t, const char *bundle, int fd,
                struct strbuf *err);
};

/* The known_hosts file scp/sftp check host keys against: 'setting'
 * (REPORT_KNOWN_HOSTS) when set, else ~/.ssh/known_hosts of the user
 * running perftests ($HOME, else the password database).  Malloc'ed. */
char *post_known_hosts(const char *setting);
/* True for scp:// and sftp:// URLs. */
bool post_url_is_ssh(const char *url);

/* The libcurl transport that takes 'url' (libcurl made ready), or NULL
 * when none does. */
const struct post_transport *post_transport_find(const char *url);

/* Sends 'bundle' to t->url, retrying with backoff.  0 when it landed
 * (then "<bundle>.posted" records where and when), -errno with the last
 * reason otherwise. */
int post_bundle(const struct post_target *t, const char *bundle,
                struct strbuf *err);
/* True when "<bundle>.posted" says it landed already; 'where' gets it. */
bool post_already(const char *bundle, struct strbuf *where);

/* Posts 'bundle' to t (post_bundle: the retries, the record).  When it
 * lands and <results_dir>/.spool/ holds it, it leaves the spool.  When it
 * does not, it is spooled there, unless it waits there already: then the
 * spooled copy and the target it was spooled with stay as they are.
 * 0 when it landed; else the last attempt's -errno, and 'err' says why,
 * naming the URL (without its password), and where the bundle is now. */
int post_deliver(const struct post_target *t, const char *bundle,
                 const char *results_dir, struct strbuf *err);

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
/* The target a spooled bundle's JSON ('j', as read from <bundle>.json)
 * names, 't' cleared first.  The strings in 't' point into 'j', which
 * must outlive it; a number missing or out of range gets its default,
 * said in 'warn'.  0, or -EINVAL when it names no URL.  The spool's
 * reader apart from the reading and the checks of the files, so that
 * tests/fuzz/fuzz_spool.c reaches it. */
struct json_t;
int spool_parse_target(const struct json_t *j, struct post_target *t,
                       struct strbuf *warn);
/* A bundle made again (a signal once the upload had begun: the report
 * then says so) replaces its spooled copy, if there is one, so that what
 * is posted later is the bundle as it is now.  0 or -errno with why. */
int spool_refresh(const char *results_dir, const char *bundle,
                  struct strbuf *err);
/* True when the spool holds a bundle of that name. */
bool spool_has(const char *results_dir, const char *bundle_name);
/* Takes the bundle of that name out of the spool once it landed; the
 * record of the landing, when it was made beside the spooled copy, goes
 * beside the bundle it was spooled from.  0 or -errno with the reason. */
int spool_remove(const char *results_dir, const char *bundle_name,
                 struct strbuf *err);

#endif
