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

#endif
