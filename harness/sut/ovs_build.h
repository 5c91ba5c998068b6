/* An Open vSwitch build to benchmark, given by a directory (--sut
 * ovs-build:DIR): either a build tree (what `make` leaves: vswitchd/,
 * ovsdb/, utilities/) or an install prefix (what `make install` or a
 * package leaves: sbin/, bin/, share/openvswitch/).  Its daemons, its
 * schema and its tools are used, never a system OVS's, so that a shell
 * topology's ovs-vsctl talks to the same version it configures. */
#ifndef PT_OVS_BUILD_H
#define PT_OVS_BUILD_H

#include <jansson.h>

#include "lib/strbuf.h"
#include "sut/ovs_instance.h"

enum ovs_build_file {
    OVS_BUILD_VSWITCHD,
    OVS_BUILD_OVSDB_SERVER,
    OVS_BUILD_OVSDB_TOOL,
    OVS_BUILD_VSCTL,
    OVS_BUILD_APPCTL,
    OVS_BUILD_OFCTL,
    OVS_BUILD_SCHEMA,
    N_OVS_BUILD_FILES
};

enum ovs_build_layout { OVS_BUILD_TREE, OVS_BUILD_PREFIX };

struct ovs_build {
    enum ovs_build_layout layout;
    char *dir;                          /* absolute */
    char *files[N_OVS_BUILD_FILES];     /* absolute paths */
    /* The folders of its tools, ':'-separated, first in a shell
     * topology's PATH. */
    char *tool_path;
};

/* Finds what a build tree or else a prefix holds in 'dir'.  0; -ENOENT
 * when 'dir' is no directory; -EINVAL when it is neither layout, with
 * what each layout needs and what is missing in 'err'.  'b' is filled on
 * success only; ovs_build_release() frees it. */
int ovs_build_detect(const char *dir, struct ovs_build *b,
                     struct strbuf *err);
void ovs_build_release(struct ovs_build *b);
/* "build tree" or "prefix". */
const char *ovs_build_layout_name(enum ovs_build_layout layout);
/* The programs and schema ovs_instance_start_from() takes (borrowed from
 * 'b'). */
void ovs_build_programs(const struct ovs_build *b, struct ovs_programs *p);

/* Its version: the first line of `ovs-vswitchd --version` in *version,
 * and `git describe --always --dirty --tags` in *describe when 'dir' is a
 * git checkout (else NULL); both malloc'ed.  0, or a negative errno with
 * why the binary did not say in 'err' (it does not run here). */
int ovs_build_version(const struct ovs_build *b, const char *log_path,
                      char **version, char **describe, struct strbuf *err);
/* What metadata.json records of it: dir, layout, files, version, git.
 * New reference. */
json_t *ovs_build_to_json(const struct ovs_build *b, const char *version,
                          const char *describe);

#endif
