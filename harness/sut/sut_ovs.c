/* The Open vSwitch kinds of SUT: a private OVS started for the run (the
 * default), the same from a build tree or prefix, or a running one given
 * by its run directory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "sut/ovs_build.h"
#include "sut/ovs_instance.h"
#include "sut/sut_kind.h"

/* What both kinds know once they have an instance: its two daemons are
 * the processes to sample.  Takes ownership of 'ovs'; NULL means it did
 * not start, the reason already in 'err'. */
static int ovs_adopt(struct sut *s, struct ovs_instance *ovs,
                     const char *how)
{
    s->ovs = ovs;
    if (!s->ovs)
        return -EIO;
    s->pids[0] = ovs_instance_vswitchd_pid(s->ovs);
    s->pids[1] = ovs_instance_ovsdb_pid(s->ovs);
    s->n_pids = 2;
    s->version = xstrdup(ovs_instance_version(s->ovs));
    s->description = xasprintf("%s %s (ovs-vswitchd pid %d, "
                               "ovsdb-server pid %d, %s)", how, s->version,
                               (int)s->pids[0], (int)s->pids[1],
                               ovs_instance_rundir(s->ovs));
    return 0;
}

static int private_start(struct sut *s, const struct sut_start_args *a,
                         struct strbuf *err)
{
    return ovs_adopt(s, ovs_instance_start(a->dir, a->netns, a->ledger, err),
                     "private");
}

static int private_stop(struct sut *s)
{
    return s->ovs ? ovs_instance_stop(s->ovs) : 0;
}

const struct sut_kind_ops sut_kind_ovs_private = {
    .name = "ovs-private",
    .usage = "(default)",
    .help = "a private Open vSwitch, or the kernel if no OVS is needed",
    .start = private_start,
    .stop = private_stop,
};

static int rundir_start(struct sut *s, const struct sut_start_args *a,
                        struct strbuf *err)
{
    return ovs_adopt(s, ovs_instance_attach(s->arg, err), "running");
}

/* Not ours: it is never stopped. */
const struct sut_kind_ops sut_kind_ovs_rundir = {
    .name = "ovs-rundir",
    .prefix = "ovs-rundir:",
    .usage = "ovs-rundir:DIR",
    .help = "a running Open vSwitch by its run dir; never stopped",
    .start = rundir_start,
};

/* The directory must hold a build now: a wrong one is a usage error
 * before anything runs, not a SUT that does not start. */
static int build_parse(const char *arg, struct strbuf *err)
{
    struct ovs_build b;
    int rc = ovs_build_detect(arg, &b, err);

    if (!rc)
        ovs_build_release(&b);
    return rc ? -EINVAL : 0;
}

static int build_start(struct sut *s, const struct sut_start_args *a,
                       struct strbuf *err)
{
    struct ovs_build b;
    struct ovs_programs progs;
    char *version = NULL, *describe = NULL, *log = NULL, *how;
    int rc = ovs_build_detect(s->arg, &b, err);

    if (rc)
        return rc;
    rc = mkdir_p(a->dir, 0755);
    if (rc)
        strbuf_addf(err, "cannot create '%s': %s", a->dir, strerror(-rc));
    else
        log = xasprintf("%s/ovs-build-version.out", a->dir);
    /* Its own --version, before anything starts: a binary that does not
     * run here (another libc, a missing library) says so now. */
    if (!rc)
        rc = ovs_build_version(&b, log, &version, &describe, err);
    if (!rc) {
        ovs_build_programs(&b, &progs);
        how = xasprintf("%s %s%s%s%s", ovs_build_layout_name(b.layout), b.dir,
                        describe ? " (git " : "", describe ? describe : "",
                        describe ? ")," : ",");
        rc = ovs_adopt(s, ovs_instance_start_from(a->dir, a->netns, &progs,
                                                  a->ledger, err), how);
        free(how);
    }
    if (!rc) {
        s->details = ovs_build_to_json(&b, version, describe);
        s->tool_path = xstrdup(b.tool_path);
    }
    free(version);
    free(describe);
    free(log);
    ovs_build_release(&b);
    return rc;
}

/* A private OVS, as the default, from the build's own files. */
const struct sut_kind_ops sut_kind_ovs_build = {
    .name = "ovs-build",
    .prefix = "ovs-build:",
    .usage = "ovs-build:DIR",
    .help = "a private Open vSwitch from a build tree or install prefix "
            "(its daemons, schema and tools)",
    .parse = build_parse,
    .start = build_start,
    .stop = private_stop,
};
