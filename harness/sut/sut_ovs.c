/* The Open vSwitch kinds of SUT: a private OVS started for the run (the
 * default), or a running one given by its run directory. */
#include <errno.h>

#include "lib/util.h"
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
