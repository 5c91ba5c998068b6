/* The lab site's intake (site.h): a posted bundle checked, unpacked into
 * a folder of its own on the site and renamed into runs/<run id>/. */
#include "report/site.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/util.h"
#include "report/bundle.h"
#include "report/history.h"

/* What a run directory holds (harness/run/run.c, run_collectors.c,
 * sut_setup.c, snapshot.c, snapshot_jvm.c, the report), as fnmatch()
 * patterns with FNM_PATHNAME: a '*' never crosses a folder.  Anything
 * else in a bundle is no run's, so a bundle carrying it is refused rather
 * than served. */
static const char *const run_files[] = {
    "metadata.json", "summary.json", "trials.csv", "junit.xml",
    "testspec.csv", "index.html", "run.log", "topology.log",
    "collectors.json", "install_sut.log", "jmx.log", "*.png",
    "rrd/*.rrd", "snapshot/*", "sut/*",
};
static const char *const run_folders[] = { "", "rrd", "snapshot", "sut" };

bool site_name_safe(const char *name)
{
    size_t n = strlen(name);

    if (!n || n > 128 || name[0] == '.' || name[0] == '-')
        return false;
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789._-") == n;
}

bool site_member_allowed(const char *rel, bool dir)
{
    const char *const *list = dir ? run_folders : run_files;
    size_t n = dir ? ARRAY_SIZE(run_folders) : ARRAY_SIZE(run_files);

    /* Every component a safe name: no dot files, no "." or "..", no
     * empty component, nothing a URL or a shell would read twice. */
    for (const char *c = rel; *c;) {
        size_t len = strcspn(c, "/");
        char part[130];
        if (len >= sizeof part)
            return false;
        memcpy(part, c, len);
        part[len] = '\0';
        if (!site_name_safe(part))
            return false;
        c += len;
        if (*c == '/' && !*++c)
            return false;
    }
    for (size_t i = 0; i < n; i++)
        if (dir ? !strcmp(rel, list[i])
                : !fnmatch(list[i], rel, FNM_PATHNAME | FNM_PERIOD))
            return true;
    return false;
}

static const struct bundle_policy site_policy_template = {
    .max_members = SITE_MAX_MEMBERS,
    .allowed = site_member_allowed,
};

/* The uuid metadata.json of 'dir' names (malloc'ed), or NULL with the
 * reason; the file is checked to be its run's: run_id is the folder's
 * name. */
static char *run_uuid(const char *dir, const char *id, struct strbuf *err)
{
    char *path = xasprintf("%s/metadata.json", dir);
    json_error_t jerr;
    json_t *meta = NULL;
    const char *uuid, *run_id;
    char *out = NULL;

    if (!path_is_file(path))
        strbuf_addf(err, "'%s' has no metadata.json", id);
    else if (!(meta = json_load_file(path, 0, &jerr)))
        strbuf_addf(err, "'%s': metadata.json: %s (line %d)", id, jerr.text,
                    jerr.line);
    else if (!(uuid = json_string_value(json_object_get(meta, "uuid")))
             || !site_name_safe(uuid))
        strbuf_addf(err, "'%s': metadata.json has no uuid", id);
    else if (!(run_id = json_string_value(json_object_get(meta, "run_id")))
             || strcmp(run_id, id))
        strbuf_addf(err, "'%s': metadata.json's run_id is not its folder's "
                    "name", id);
    else
        out = xstrdup(uuid);
    json_decref(meta);
    free(path);
    return out;
}

/* Refuses (-EEXIST) a run whose uuid the history at 'db' keeps under
 * another run id: the history would replace that run by uuid, and its
 * folder would stay in runs/ with no entry on any page.  A site with no
 * history yet has nothing to clash with.  0, or -errno with the reason. */
static int uuid_free(const char *db, const char *uuid, const char *id,
                     struct strbuf *err)
{
    struct history *h;
    char *there = NULL;
    int rc;

    if (!path_is_file(db))
        return 0;
    if (!(h = history_open(db, false, err)))
        return -EIO;
    rc = history_run_id(h, uuid, &there, err);
    if (!rc && there && strcmp(there, id)) {
        strbuf_addf(err, "its uuid %s belongs to run '%s', on the site "
                    "already", uuid, there);
        rc = -EEXIST;
    }
    free(there);
    history_close(h);
    return rc;
}

/* Moves the run unpacked at 'from' to <site>/runs/<id>, unless that run
 * is there already (*what = SITE_SEEN).  0 or -errno with the reason. */
static int place(const char *site, const char *from, const char *id,
                 const char *uuid, enum site_unpacked *what,
                 struct strbuf *err)
{
    char *to = xasprintf("%s/runs/%s", site, id);
    char *there = NULL;
    int rc = 0;

    *what = SITE_NEW;
    if (path_is_dir(to)) {
        struct strbuf why = STRBUF_INIT;
        there = run_uuid(to, id, &why);
        strbuf_dispose(&why);
        if (there && !strcmp(there, uuid)) {
            *what = SITE_SEEN;
        } else {
            /* Two runs of one id cannot be told apart by their URL: the
             * first keeps it. */
            strbuf_addf(err, "another run named '%s' is on the site already",
                        id);
            rc = -EEXIST;
        }
    } else if (rename(from, to)) {
        rc = -errno;
        *what = SITE_FAILED;
        strbuf_addf(err, "cannot move '%s' to '%s': %s", from, to,
                    strerror(errno));
    }
    free(there);
    free(to);
    return rc;
}

int site_unpack(const char *site, const char *db, const char *path,
                unsigned long long max_bytes, char **run_dir,
                enum site_unpacked *what, struct strbuf *err)
{
    struct bundle_policy policy = site_policy_template;
    char *runs = xasprintf("%s/runs", site);
    char *tmp = xasprintf("%s/.unpack-XXXXXX", runs);
    char *dir = NULL, *uuid = NULL;
    const char *id;
    int rc;

    policy.max_bytes = max_bytes;
    *run_dir = NULL;
    *what = SITE_NEW;
    if ((rc = mkdir_p(runs, 0755)) || !mkdtemp(tmp)) {
        rc = rc ? rc : -errno;
        *what = SITE_FAILED;
        strbuf_addf(err, "cannot make a folder under '%s': %s", runs,
                    strerror(-rc));
        free(runs);
        free(tmp);
        return rc;
    }
    rc = bundle_extract_checked(path, tmp, &policy, &dir, err);
    if (!rc) {
        id = strrchr(dir, '/') + 1;
        if (!site_name_safe(id)) {
            strbuf_addf(err, "'%s': its folder is no run id", path);
            rc = -EINVAL;
        } else if (strbuf_addf(err, "'%s': ", path),
                   !(uuid = run_uuid(dir, id, err))) {
            rc = -EINVAL;
        } else if ((rc = uuid_free(db, uuid, id, err))) {
            /* The reason is said; only a clash is the bundle's. */
            if (rc != -EEXIST)
                *what = SITE_FAILED;
        } else if (!(rc = place(site, dir, id, uuid, what, err))) {
            strbuf_reset(err);
            *run_dir = xasprintf("%s/%s", runs, id);
        }
    }
    if (remove_tree(tmp))
        strbuf_addf(err, "%scannot remove '%s'", err->len ? "; " : "", tmp);
    free(uuid);
    free(dir);
    free(tmp);
    free(runs);
    return rc;
}
