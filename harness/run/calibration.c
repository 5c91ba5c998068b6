#include "run/calibration.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "run/metadata.h"
#include "traffic/measure.h"

LOG_MODULE("run");

char *calibration_path(const char *results_dir, const char *host)
{
    return xasprintf("%s/.calibration/%s.json", results_dir, host);
}

/* A host name is a file name here: nothing that climbs out of the folder. */
static bool host_ok(const char *host)
{
    return host[0] && host[0] != '.' && !strchr(host, '/')
           && strlen(host) < 256;
}

/* The cache's folder and file as the harness writes them: owned by root
 * or by whoever runs it, writable by nobody else, one link, and small (a
 * ceiling and the calibration's result).  A forged ceiling of 1 pps would
 * mark every figure the generator's, and no regression could fire. */
static const struct untrusted cache_trust = {
    .private_mode = true, .single_link = true, .max_size = 4 << 20,
};

/* Opens the cache for 'host' if it can be trusted: a descriptor, -ENOENT
 * (nothing said) when there is none, else a negative errno and why in
 * 'err'. */
static int open_cache(const char *results_dir, const char *host,
                      struct strbuf *err)
{
    char *dir = xasprintf("%s/.calibration", results_dir);
    char *name = xasprintf("%s.json", host);
    struct strbuf why = STRBUF_INIT;
    struct untrusted want = cache_trust;
    int dirfd, fd;

    want.owner = geteuid();
    want.directory = true;
    want.single_link = false;
    want.max_size = 0;
    fd = dirfd = util_open_untrusted(AT_FDCWD, dir, &want, NULL, &why);
    if (dirfd >= 0) {
        want = cache_trust;
        want.owner = geteuid();
        fd = util_open_untrusted(dirfd, name, &want, NULL, &why);
        if (fd < 0)
            strbuf_addf(&why, " in '%s'", dir);
        close(dirfd);
    }
    if (fd < 0 && fd != -ENOENT)
        strbuf_addstr(err, why.buf);
    strbuf_dispose(&why);
    free(dir);
    free(name);
    return fd;
}

int calibration_load(const char *results_dir, const char *host,
                     struct calibration *c, struct strbuf *err)
{
    char *path;
    json_error_t jerr;
    json_t *root, *v;
    const char *what = NULL;
    int rc = 0, fd;

    memset(c, 0, sizeof *c);
    if (!host_ok(host)) {
        strbuf_addf(err, "cannot keep a calibration for host '%s'", host);
        return -EINVAL;
    }
    fd = open_cache(results_dir, host, err);
    if (fd < 0)
        return fd;
    path = calibration_path(results_dir, host);
    root = json_loadfd(fd, JSON_REJECT_DUPLICATES, &jerr);
    close(fd);
    if (!root) {
        strbuf_addf(err, "%s:%d:%d: %s", path, jerr.line, jerr.column,
                    jerr.text);
        free(path);
        return -EINVAL;
    }
    v = json_object_get(root, "ceiling_pps");
    if (!json_is_number(v) || !(json_number_value(v) > 0)
        || !isfinite(json_number_value(v)))
        what = "\"ceiling_pps\": expected a number above 0";
    else if (!json_is_string(json_object_get(root, "date"))
             || json_string_length(json_object_get(root, "date"))
                    >= sizeof c->date)
        what = "\"date\": expected an ISO 8601 time";
    else if (!json_is_string(json_object_get(root, "host"))
             || strcmp(json_string_value(json_object_get(root, "host")),
                       host))
        what = "\"host\": expected this host's name";
    if (what) {
        strbuf_addf(err, "%s: %s", path, what);
        rc = -EINVAL;
    } else {
        const char *run = json_string_value(json_object_get(root, "run"));
        c->ceiling_pps = json_number_value(v);
        snprintf(c->date, sizeof c->date, "%s",
                 json_string_value(json_object_get(root, "date")));
        snprintf(c->run, sizeof c->run, "%s", run ? run : "");
    }
    json_decref(root);
    free(path);
    return rc;
}

int calibration_save(const char *results_dir, const char *host,
                     const struct calibration *c, json_t *detail,
                     struct strbuf *err)
{
    char *dir = xasprintf("%s/.calibration", results_dir);
    char *path = calibration_path(results_dir, host);
    json_t *root = json_pack("{s:s, s:s, s:f, s:s}", "host", host, "date",
                             c->date, "ceiling_pps", c->ceiling_pps, "run",
                             c->run);
    char *text;
    int rc;

    if (!host_ok(host)) {
        strbuf_addf(err, "cannot keep a calibration for host '%s'", host);
        rc = -EINVAL;
        goto out;
    }
    if (detail)
        json_object_set(root, "detail", detail);
    rc = mkdir_p(dir, 0755);
    if (rc) {
        strbuf_addf(err, "cannot create '%s': %s", dir, strerror(-rc));
        goto out;
    }
    text = json_dumps(root, JSON_INDENT(2));
    rc = write_file_atomic(path, text, strlen(text));
    free(text);
    if (rc)
        strbuf_addf(err, "cannot write '%s': %s", path, strerror(-rc));
out:
    json_decref(root);
    free(path);
    free(dir);
    return rc;
}

void calibration_apply(const char *results_dir, struct measure *m)
{
    struct strbuf err = STRBUF_INIT;
    struct calibration c;
    char host[256];
    int rc;

    host_short_name(host, sizeof host);
    rc = calibration_load(results_dir, host, &c, &err);
    if (!rc) {
        m->ceiling = c.ceiling_pps;
        snprintf(m->ceiling_date, sizeof m->ceiling_date, "%s", c.date);
        LOG_INFO("the harness's own ceiling on %s: %.0f pps (calibrated %s)",
                 host, c.ceiling_pps, c.date);
    } else if (rc == -ENOENT) {
        LOG_INFO("no calibration for %s yet: 'perftests calibrate' measures "
                 "the harness's own ceiling", host);
    } else {
        LOG_WARN("calibration ignored: %s", err.buf);
    }
    strbuf_dispose(&err);
}

int calibration_keep(const char *results_dir, const char *run_id,
                     const struct measure *m, struct strbuf *err)
{
    struct calibration c = { .ceiling_pps = m->search.ndr.rate };
    char host[256];
    json_t *detail;
    int rc;

    if (!(c.ceiling_pps > 0)) {
        strbuf_addstr(err, "no loss-free rate found; nothing kept");
        return -ENODATA;
    }
    host_short_name(host, sizeof host);
    metadata_iso_time(time(NULL), c.date, sizeof c.date);
    snprintf(c.run, sizeof c.run, "%s", run_id);
    detail = measure_result_json(m);
    rc = calibration_save(results_dir, host, &c, detail, err);
    json_decref(detail);
    if (!rc)
        LOG_INFO("calibrated: the harness's own ceiling on %s is %.0f pps",
                 host, c.ceiling_pps);
    return rc;
}
