/* The bundle: <run-id>.tar.gz of the run directory, via libarchive. */
#ifndef PT_BUNDLE_H
#define PT_BUNDLE_H

#include <stdbool.h>

#include "lib/strbuf.h"

/* Writes 'path' (a .tar.gz) with every regular file under 'run_dir',
 * named <basename of run_dir>/... inside; sockets, the bundle itself and
 * files that vanish meanwhile are left out.  0 or -errno with the
 * reason. */
/* "<run_dir>.tar.gz", beside the run directory (malloc'ed). */
char *bundle_path(const char *run_dir);
int bundle_write(const char *run_dir, const char *path, struct strbuf *err);

/* What a bundle may unpack to on top of the rules below: a bound on the
 * unpacked size and on the members (a bundle is input: `history import`
 * and the site both bound them), and for a server taking bundles from the
 * network (report/site.c) only the files a run makes. */
struct bundle_policy {
    unsigned long long max_bytes;   /* unpacked data at most; 0: any */
    unsigned long max_members;      /* 0: any */
    /* Whether 'rel', a member's path below the top folder ("" for the
     * top folder itself), is one a run makes.  NULL: any. */
    bool (*allowed)(const char *rel, bool dir);
};
/* Unpacks the bundle 'path' into the folder 'dest' (which exists) and
 * sets *run_dir to the run directory inside (malloc'ed).  A bundle is
 * input from anyone who can post: no absolute paths, no "..", no links
 * (symbolic or hard), no devices, fifos or sparse files: regular files
 * and folders only, all in one top folder; and what 'policy' (NULL: no
 * more) asks.  0 or -errno with the reason naming the member: -EFBIG past
 * max_bytes or max_members, -EPERM for a member not allowed.  What was
 * unpacked before a refusal stays in 'dest' (the caller unpacks into a
 * folder of its own and removes it). */
int bundle_extract_checked(const char *path, const char *dest,
                           const struct bundle_policy *policy,
                           char **run_dir, struct strbuf *err);

#endif
