/* The libcurl transports (see post.h); the retries around them and the
 * fallback to the spool are in deliver.c. */
#include "report/post.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/util.h"

/* The URL a bundle goes to: "dir/" + its name, or the URL as it is. */
static char *target_url(const char *url, const char *bundle)
{
    const char *name = strrchr(bundle, '/');

    name = name ? name + 1 : bundle;
    return url[strlen(url) - 1] == '/' ? xasprintf("%s%s", url, name)
                                       : xstrdup(url);
}

/* libcurl asks about once a second and at every chunk: a set stop flag
 * (Ctrl-C) ends the transfer instead of waiting out REPORT_TIMEOUT. */
static int stop_requested(void *arg, curl_off_t dltotal, curl_off_t dlnow,
                          curl_off_t ultotal, curl_off_t ulnow)
{
    const volatile sig_atomic_t *stop = arg;

    return stop && *stop;
}

/* A handle with what every transport shares: timeouts, credentials,
 * errors into 'errbuf'.  TLS peers and hosts are verified (libcurl's
 * default, left alone), against REPORT_CA_FILE when given: a lab's own
 * CA is trusted by naming it, never by turning verification off. */
static CURL *handle(const struct post_target *t, const char *url,
                    char *errbuf)
{
    CURL *c = curl_easy_init();
    const char *user = getenv("PERFTESTS_REPORT_USER");
    const char *pass = getenv("PERFTESTS_REPORT_PASSWORD");

    if (!c)
        return NULL;
    errbuf[0] = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(t->timeout * 1000));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     (long)(fmin(t->timeout, 15) * 1000));
    curl_easy_setopt(c, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
    if (user && *user)
        curl_easy_setopt(c, CURLOPT_USERNAME, user);
    if (pass && *pass)
        curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
    if (t->ca_file && *t->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, t->ca_file);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "perftests");
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, stop_requested);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)t->stop);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    return c;
}

/* Performs 'c'; for http, a status of 400 or more is a failure too. */
static int perform(CURL *c, const char *errbuf, const char *what,
                   struct strbuf *err)
{
    CURLcode cc = curl_easy_perform(c);
    long status = 0;

    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (cc != CURLE_OK) {
        if (cc == CURLE_ABORTED_BY_CALLBACK) {
            strbuf_addf(err, "%s: interrupted", what);
            return -EINTR;
        }
        /* The peer is not who it should be (TLS certificate, ssh host
         * key): the transport says which file decides. */
        if (cc == CURLE_PEER_FAILED_VERIFICATION) {
            strbuf_addf(err, "%s: %s", what, errbuf[0]
                        ? errbuf : "the server's identity was refused");
            return -EPERM;
        }
        strbuf_addf(err, "%s: %s", what, errbuf[0] ? errbuf
                                                   : curl_easy_strerror(cc));
        return -EIO;
    }
    if (status >= 400) {
        strbuf_addf(err, "%s: the server answered %ld", what, status);
        return status == 409 ? -ENOENT : -EIO;
    }
    return 0;
}

/* A stream of the bundle post_bundle() opened and checked, from its
 * start (an attempt after the first reads it all again), and its size in
 * *st; NULL with errno set.  A stream of its own to close, on the same
 * file: the name is never opened again, so what is sent is what was
 * checked, whatever the name points to by now. */
static FILE *from_start(int fd, struct stat *st)
{
    int copy;
    FILE *f;

    if (lseek(fd, 0, SEEK_SET) < 0 || fstat(fd, st) < 0
        || (copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
        return NULL;
    if (!(f = fdopen(copy, "rb")))
        close(copy);
    return f;
}

/* Uploads the bundle 'fd', named 'name' (-1: nothing, an empty file), to
 * 'url'. */
static int upload(const struct post_target *t, const char *url, int fd,
                  const char *name, void (*extra)(CURL *, const void *),
                  const void *arg, struct strbuf *err)
{
    char errbuf[CURL_ERROR_SIZE];
    CURL *c = handle(t, url, errbuf);
    FILE *f = NULL;
    struct stat st = { 0 };
    char *shown = url_redact(url);
    int rc;

    if (!c) {
        free(shown);
        return -ENOMEM;
    }
    if (fd >= 0 && !(f = from_start(fd, &st))) {
        rc = -errno;
        strbuf_addf(err, "cannot read '%s': %s", name, strerror(errno));
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READDATA, f ? f : stdin);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
    if (extra)
        extra(c, arg);
    rc = perform(c, errbuf, shown, err);
out:
    if (f)
        fclose(f);
    curl_easy_cleanup(c);
    free(shown);
    return rc;
}

/* The multipart part's data comes from the stream of from_start(). */
static size_t part_read(char *buf, size_t size, size_t n, void *arg)
{
    size_t got = fread(buf, size, n, arg);

    /* 0 is the end of the file to libcurl: a read error must not send a
     * bundle cut short as if whole. */
    return got == 0 && ferror((FILE *)arg) ? CURL_READFUNC_ABORT : got;
}

static int part_seek(void *arg, curl_off_t offset, int origin)
{
    return fseeko(arg, (off_t)offset, origin) ? CURL_SEEKFUNC_FAIL
                                              : CURL_SEEKFUNC_OK;
}

static bool is_https(const char *url)
{
    return !strncmp(url, "https://", 8);
}

static bool is_http(const char *url)
{
    return !strncmp(url, "http://", 7) || !strncmp(url, "https://", 8);
}

/* WebDAV MKCOL of every folder of 'url' below the host, for servers that
 * do not create a PUT's path themselves; "exists already" is fine. */
static void make_folders(const struct post_target *t, const char *url)
{
    const char *path = strchr(strstr(url, "://") + 3, '/');

    for (const char *p = path ? strchr(path + 1, '/') : NULL; p;
         p = strchr(p + 1, '/')) {
        char *dir = xasprintf("%.*s/", (int)(p - url), url);
        char errbuf[CURL_ERROR_SIZE];
        CURL *c = handle(t, dir, errbuf);
        if (c) {
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "MKCOL");
            curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
            curl_easy_perform(c);
            curl_easy_cleanup(c);
        }
        free(dir);
    }
}

static int http_send(const struct post_target *t, const char *bundle,
                     int fd, struct strbuf *err)
{
    char *url = target_url(t->url, bundle);
    int rc;

    if (t->method && !strcmp(t->method, "post")) {
        char errbuf[CURL_ERROR_SIZE];
        CURL *c = handle(t, t->url, errbuf);
        curl_mime *mime = c ? curl_mime_init(c) : NULL;
        curl_mimepart *part = mime ? curl_mime_addpart(mime) : NULL;
        char *shown = url_redact(t->url);
        struct stat st;
        FILE *f = NULL;
        rc = -ENOMEM;
        if (part && !(f = from_start(fd, &st))) {
            rc = -errno;
            strbuf_addf(err, "cannot read '%s': %s", bundle,
                        strerror(errno));
        } else if (part) {
            /* What curl_mime_filedata() did by name, from the stream. */
            curl_mime_name(part, "file");
            curl_mime_filename(part, strrchr(bundle, '/')
                                         ? strrchr(bundle, '/') + 1 : bundle);
            curl_mime_type(part, "application/octet-stream");
            curl_mime_data_cb(part, (curl_off_t)st.st_size, part_read,
                              part_seek, NULL, f);
            curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
            rc = perform(c, errbuf, shown, err);
        }
        curl_mime_free(mime);
        curl_easy_cleanup(c);
        if (f)
            fclose(f);
        free(shown);
    } else {
        rc = upload(t, url, fd, bundle, NULL, NULL, err);
        if (rc == -ENOENT) {
            /* 409: the folder is missing and the server will not make
             * it (nginx does with create_full_put_path). */
            strbuf_reset(err);
            make_folders(t, url);
            rc = upload(t, url, fd, bundle, NULL, NULL, err);
        }
    }
    if (rc == -EPERM && is_https(t->url)) {
        if (t->ca_file && *t->ca_file)
            strbuf_addf(err, " (trusted: the CAs in REPORT_CA_FILE '%s')",
                        t->ca_file);
        else
            strbuf_addstr(err, " (trusted: the system's CAs; "
                          "REPORT_CA_FILE can name the one that signed it)");
    }
    free(url);
    return rc;
}

bool post_url_is_ssh(const char *url)
{
    return !strncmp(url, "scp://", 6) || !strncmp(url, "sftp://", 7);
}

char *post_known_hosts(const char *setting)
{
    const char *home = getenv("HOME");
    struct passwd *pw;

    if (setting && *setting)
        return xstrdup(setting);
    if ((!home || !*home) && (pw = getpwuid(getuid())))
        home = pw->pw_dir;
    return xasprintf("%s/.ssh/known_hosts", home && *home ? home : "");
}

/* What an ssh upload needs besides the handle: the key pair and the
 * known_hosts file (checked to exist by ssh_send). */
struct ssh_args {
    const struct post_target *t;
    const char *known_hosts;
};

static void ssh_options(CURL *c, const void *arg)
{
    const struct ssh_args *a = arg;
    const struct post_target *t = a->t;

    if (t->ssh_key && *t->ssh_key) {
        char *pub = xasprintf("%s.pub", t->ssh_key);
        curl_easy_setopt(c, CURLOPT_SSH_PRIVATE_KEYFILE, t->ssh_key);
        if (!access(pub, R_OK))
            curl_easy_setopt(c, CURLOPT_SSH_PUBLIC_KEYFILE, pub);
        free(pub);
    }
    /* With a known_hosts file and no key callback, libcurl takes only a
     * host key that matches an entry: unknown and changed keys fail. */
    curl_easy_setopt(c, CURLOPT_SSH_KNOWNHOSTS, a->known_hosts);
    curl_easy_setopt(c, CURLOPT_FTP_CREATE_MISSING_DIRS,
                     (long)CURLFTP_CREATE_DIR);
}

static int ssh_send(const struct post_target *t, const char *bundle, int fd,
                    struct strbuf *err)
{
    char *known = post_known_hosts(t->known_hosts);
    struct ssh_args a = { t, known };
    char *url, *marker;
    int rc;

    /* Without the file libcurl would check no host key at all: a man in
     * the middle would get the bundle and the login. */
    if (access(known, R_OK)) {
        char *shown = url_redact(t->url);
        strbuf_addf(err, "%s: cannot check the server's host key: cannot "
                    "read the known_hosts file '%s': %s (set "
                    "REPORT_KNOWN_HOSTS, or add the host with ssh-keyscan "
                    "after checking its fingerprint)", shown, known,
                    strerror(errno));
        free(shown);
        free(known);
        return -ENOENT;
    }
    url = target_url(t->url, bundle);
    marker = xasprintf("%s.perftest", url);
    rc = upload(t, url, fd, bundle, ssh_options, &a, err);
    /* The original's server picked a bundle up when its marker came. */
    if (!rc)
        rc = upload(t, marker, -1, NULL, ssh_options, &a, err);
    /* libcurl's words ("SSH remote key was not OK") name no file. */
    if (rc == -EPERM) {
        char *shown = url_redact(t->url);
        strbuf_reset(err);
        strbuf_addf(err, "%s: the server's host key is refused: it is not "
                    "in the known_hosts file '%s' (an unknown host, or its "
                    "key changed); nothing was sent", shown, known);
        free(shown);
    }
    free(marker);
    free(url);
    free(known);
    return rc;
}

static const struct post_transport transports[] = {
    { "http", is_http, http_send },
    { "ssh", post_url_is_ssh, ssh_send },
};

const struct post_transport *post_transport_find(const char *url)
{
    for (size_t i = 0; i < sizeof transports / sizeof *transports; i++)
        if (transports[i].handles(url)) {
            /* Once would do; libcurl counts the calls and wants one
             * before the first handle. */
            curl_global_init(CURL_GLOBAL_DEFAULT);
            return &transports[i];
        }
    return NULL;
}
