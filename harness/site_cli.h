/* perftests site: the lab's report server from the command line
 * (report/site.h). */
#ifndef PT_SITE_CLI_H
#define PT_SITE_CLI_H

#include "cli.h"

/* site import BUNDLE|DIR... | build | watch --incoming DIR, on the site
 * --site DIR with the history --db FILE (default DIR/history.db); a
 * bundle unpacking to more than 'max_bytes' (SITE_MAX_BYTES) is refused.
 * Returns the exit code: 0, 1 when a bundle was refused, 2 usage (a
 * BUNDLE|DIR that is not there), 3 the site, its lock or its history
 * could not be written. */
int site_cli(const struct cli *cli, unsigned long long max_bytes);

#endif
