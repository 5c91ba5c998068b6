/* The provider side of sut.h: what a kind of system under test fills in.
 * Users include sut.h.  sut.c reads sut_kind_table to parse --sut, to
 * list the kinds in --help and in its "expected ..." errors, and to
 * dispatch sut_start() and sut_stop(), so that the three cannot disagree.
 *
 * Adding a kind: a const struct sut_kind_ops in a file of harness/sut/
 * (sut_ovs.c, sut_proc.c show how), one row in sut_kind_table (sut.c), the
 * file in the Makefile's SUT_SRCS, and its prefix in the man page
 * (test_sut checks that). */
#ifndef PT_SUT_KIND_H
#define PT_SUT_KIND_H

#include <jansson.h>
#include <sys/types.h>

#include "lib/strbuf.h"
#include "sut/sut.h"

struct ledger;
struct ovs_instance;

struct sut {
    const struct sut_kind_ops *kind;
    struct ovs_instance *ovs;   /* an OVS kind's instance, else NULL */
    pid_t pids[2];              /* what the collectors sample */
    size_t n_pids;
    unsigned long long starttime;   /* of the process start() started, so
                                       that stop() stops that one only */
    /* Each of pids as sut_start() found it right after start(): its start
     * time and name, so that sut_check_alive() tells a process that
     * exited (or a pid used again) apart from the one it verified. */
    unsigned long long pid_starttimes[2];
    char comms[2][64];
    char *arg;              /* the text after the prefix, or NULL */
    char *version;
    char *description;
    /* What the kind adds to metadata.json's "sut" (ovs-build: the
     * build's files and version), or NULL. */
    json_t *details;
    /* Folders first in a shell topology's PATH (the build's tools), or
     * NULL. */
    char *tool_path;
};

/* What sut_start() was given, for start(). */
struct sut_start_args {
    const char *dir;        /* this run's folder for the SUT */
    const char *netns;      /* where a private OVS runs; "" or NULL: ours */
    struct ledger *ledger;  /* what start() creates is recorded there */
};

struct sut_kind_ops {
    const char *name;       /* metadata.json's "kind", e.g. "pid" */
    /* What its --sut SPEC starts with, e.g. "pid:"; NULL for the kind a
     * run gets without --sut (one row at most). */
    const char *prefix;
    const char *usage;      /* the spec in --help and errors: "pid:N" */
    const char *help;       /* what it is, one line of --help */
    /* Checks 'arg', the text after the prefix (never empty).  0, or
     * -EINVAL with what is expected in 'err' ("expected pid:N ...").
     * May be NULL: any text goes. */
    int (*parse)(const char *arg, struct strbuf *err);
    /* Starts or attaches to the SUT: fills pids, version and description
     * of 's' (s->arg is set).  0, or a negative errno with the reason in
     * 'err'; sut_start() then calls stop() and gives up. */
    int (*start)(struct sut *s, const struct sut_start_args *a,
                 struct strbuf *err);
    /* Stops what start() started, also after a start() that failed half
     * way.  0 or a negative errno.  May be NULL: the kind only attaches. */
    int (*stop)(struct sut *s);
};

/* Every kind --sut can name, the default first; NULL-terminated. */
extern const struct sut_kind_ops *const sut_kind_table[];

/* Splits 'spec' into its kind and the text after the prefix (NULL for the
 * default).  0, or -EINVAL with what is expected in 'err'. */
int sut_kind_parse(const char *spec, const struct sut_kind_ops **kind,
                   const char **arg, struct strbuf *err);

#endif
