/* The bundle: <run-id>.tar.gz of the run directory, via libarchive. */
#ifndef PT_BUNDLE_H
#define PT_BUNDLE_H

#include "lib/strbuf.h"

/* Writes 'path' (a .tar.gz) with every regular file under 'run_dir',
 * named <basename of run_dir>/... inside; sockets, the bundle itself and
 * files that vanish meanwhile are left out.  0 or -errno with the
 * reason. */
/* "<run_dir>.tar.gz", beside the run directory (malloc'ed). */
char *bundle_path(const char *run_dir);
int bundle_write(const char *run_dir, const char *path, struct strbuf *err);

/* Unpacks the bundle 'path' into the folder 'dest' (which exists) and
 * sets *run_dir to the run directory inside (malloc'ed).  A bundle is
 * input from anyone who can post: no absolute paths, no "..", no links
 * out, regular files and folders only.  0 or -errno with the reason. */
int bundle_extract(const char *path, const char *dest, char **run_dir,
                   struct strbuf *err);

#endif
