/* Finding an OVS build's files (ovs_build.h): one table of what a build
 * tree and an install prefix hold, read by the detection, the error that
 * lists what was looked for, and the PATH a shell topology gets. */
#include "sut/ovs_build.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/proc.h"
#include "lib/util.h"

/* Where each file is in each layout.  The build tree's are where OVS's
 * own Makefile leaves them (automake, programs beside their sources); the
 * prefix's where `make install` and Debian's packages put them. */
static const struct {
    const char *tree, *prefix;
    bool program;
} files[N_OVS_BUILD_FILES] = {
    [OVS_BUILD_VSWITCHD] = { "vswitchd/ovs-vswitchd", "sbin/ovs-vswitchd",
                             true },
    [OVS_BUILD_OVSDB_SERVER] = { "ovsdb/ovsdb-server", "sbin/ovsdb-server",
                                 true },
    [OVS_BUILD_OVSDB_TOOL] = { "ovsdb/ovsdb-tool", "bin/ovsdb-tool", true },
    [OVS_BUILD_VSCTL] = { "utilities/ovs-vsctl", "bin/ovs-vsctl", true },
    [OVS_BUILD_APPCTL] = { "utilities/ovs-appctl", "bin/ovs-appctl", true },
    [OVS_BUILD_OFCTL] = { "utilities/ovs-ofctl", "bin/ovs-ofctl", true },
    [OVS_BUILD_SCHEMA] = { "vswitchd/vswitch.ovsschema",
                           "share/openvswitch/vswitch.ovsschema", false },
};

/* The folders a shell topology finds the tools in, first in its PATH: in
 * a tree each tool sits beside its sources; a prefix has two. */
static const char *const tool_dirs[][3] = {
    [OVS_BUILD_TREE] = { "utilities", "ovsdb", "vswitchd" },
    [OVS_BUILD_PREFIX] = { "bin", "sbin", NULL },
};

static const char *rel_path(enum ovs_build_layout layout,
                            enum ovs_build_file f)
{
    return layout == OVS_BUILD_TREE ? files[f].tree : files[f].prefix;
}

/* A program must be a regular file we may run; the schema one we read. */
static bool usable(const char *path, bool program)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode)
           && access(path, program ? X_OK : R_OK) == 0;
}

/* Appends the files of 'layout' missing in 'dir' to 'missing' (", "
 * between them); how many. */
static size_t find_missing(const char *dir, enum ovs_build_layout layout,
                           struct strbuf *missing)
{
    size_t n = 0;

    for (int f = 0; f < N_OVS_BUILD_FILES; f++) {
        char *path = xasprintf("%s/%s", dir, rel_path(layout, f));
        if (!usable(path, files[f].program))
            strbuf_addf(missing, "%s%s", n++ ? ", " : "",
                        rel_path(layout, f));
        free(path);
    }
    return n;
}

static void add_layout_files(struct strbuf *err, enum ovs_build_layout layout)
{
    for (int f = 0; f < N_OVS_BUILD_FILES; f++)
        strbuf_addf(err, "%s%s", f ? ", " : "", rel_path(layout, f));
}

const char *ovs_build_layout_name(enum ovs_build_layout layout)
{
    return layout == OVS_BUILD_TREE ? "build tree" : "prefix";
}

int ovs_build_detect(const char *dir, struct ovs_build *b, struct strbuf *err)
{
    struct strbuf miss[2] = { STRBUF_INIT, STRBUF_INIT };
    enum ovs_build_layout layout;
    char *abs;
    int rc = 0;

    if (!path_is_dir(dir)) {
        strbuf_addf(err, "'%s' is no directory: expected an OVS build tree "
                    "or install prefix", dir);
        return -ENOENT;
    }
    abs = realpath(dir, NULL);
    if (!abs) {
        strbuf_addf(err, "cannot resolve '%s': %s", dir, strerror(errno));
        return -errno;
    }
    /* A tree first: a prefix never has vswitchd/ovs-vswitchd. */
    if (!find_missing(abs, OVS_BUILD_TREE, &miss[0])) {
        layout = OVS_BUILD_TREE;
    } else if (!find_missing(abs, OVS_BUILD_PREFIX, &miss[1])) {
        layout = OVS_BUILD_PREFIX;
    } else {
        strbuf_addf(err, "'%s' is neither an OVS build tree (", dir);
        add_layout_files(err, OVS_BUILD_TREE);
        strbuf_addf(err, "; missing %s) nor an install prefix (", miss[0].buf);
        add_layout_files(err, OVS_BUILD_PREFIX);
        strbuf_addf(err, "; missing %s)", miss[1].buf);
        rc = -EINVAL;
    }
    strbuf_dispose(&miss[0]);
    strbuf_dispose(&miss[1]);
    if (rc) {
        free(abs);
        return rc;
    }
    memset(b, 0, sizeof *b);
    b->layout = layout;
    b->dir = abs;
    for (int f = 0; f < N_OVS_BUILD_FILES; f++)
        b->files[f] = xasprintf("%s/%s", abs, rel_path(layout, f));
    struct strbuf path = STRBUF_INIT;
    for (size_t i = 0; i < ARRAY_SIZE(tool_dirs[layout])
                       && tool_dirs[layout][i]; i++)
        strbuf_addf(&path, "%s%s/%s", i ? ":" : "", abs,
                    tool_dirs[layout][i]);
    b->tool_path = strbuf_detach(&path);
    return 0;
}

void ovs_build_release(struct ovs_build *b)
{
    if (!b)
        return;
    free(b->dir);
    for (int f = 0; f < N_OVS_BUILD_FILES; f++)
        free(b->files[f]);
    free(b->tool_path);
    memset(b, 0, sizeof *b);
}

void ovs_build_programs(const struct ovs_build *b, struct ovs_programs *p)
{
    p->vswitchd = b->files[OVS_BUILD_VSWITCHD];
    p->ovsdb_server = b->files[OVS_BUILD_OVSDB_SERVER];
    p->ovsdb_tool = b->files[OVS_BUILD_OVSDB_TOOL];
    p->schema = b->files[OVS_BUILD_SCHEMA];
}

/* The first line of what argv prints, or NULL when it fails. */
static char *first_line(char *const argv[], const char *log_path, int *rc)
{
    struct proc_spawn_opts opts = { .log_path = log_path };
    struct strbuf out = STRBUF_INIT;

    *rc = proc_capture(argv, &opts, &out);
    if (*rc || !out.len) {
        strbuf_dispose(&out);
        return NULL;
    }
    out.buf[strcspn(out.buf, "\n")] = '\0';
    return strbuf_detach(&out);
}

int ovs_build_version(const struct ovs_build *b, const char *log_path,
                      char **version, char **describe, struct strbuf *err)
{
    char *vargv[] = { b->files[OVS_BUILD_VSWITCHD], "--version", NULL };
    char *git_dir = xasprintf("%s/.git", b->dir);
    /* Root reading someone's checkout: git refuses a repository of
     * another owner unless told it is safe. */
    char *safe = xasprintf("safe.directory=%s", b->dir);
    char *gargv[] = { "git", "-c", safe, "-C", b->dir, "describe",
                      "--always", "--dirty", "--tags", NULL };
    int rc, grc;

    *describe = NULL;
    *version = first_line(vargv, log_path, &rc);
    if (!*version) {
        if (rc < 0)
            strbuf_addf(err, "cannot run '%s --version': %s",
                        b->files[OVS_BUILD_VSWITCHD], strerror(-rc));
        else
            strbuf_addf(err, "'%s --version' exited with status %d and "
                        "said nothing%s%s", b->files[OVS_BUILD_VSWITCHD], rc,
                        log_path ? "; see " : "", log_path ? log_path : "");
        rc = rc < 0 ? rc : -EIO;
    }
    /* .git is a folder, or a file in a worktree of git's own. */
    if (!rc && access(git_dir, F_OK) == 0)
        *describe = first_line(gargv, log_path, &grc);
    free(git_dir);
    free(safe);
    return rc;
}

json_t *ovs_build_to_json(const struct ovs_build *b, const char *version,
                          const char *describe)
{
    json_t *paths = json_object();

    for (int f = 0; f < N_OVS_BUILD_FILES; f++) {
        const char *name = strrchr(files[f].tree, '/') + 1;
        json_object_set_new(paths, name, json_string(b->files[f]));
    }
    return json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:o}", "dir", b->dir,
                     "layout", ovs_build_layout_name(b->layout), "version",
                     version, "git_describe", describe, "tool_path",
                     b->tool_path, "files", paths);
}
