/* Run identity and the run directory:
 * <results-dir>/<host>-<YYYYmmdd-HHMMSS>-<6 hex>/ (the original's test-id
 * shape, with random hex instead of a git revision so two runs in the same
 * second never collide). */
#ifndef PT_RUNDIR_H
#define PT_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Returns the malloc'ed run id for 'host' at 'when' (UTC). */
char *rundir_make_id(const char *host, time_t when, const unsigned char rnd[3]);
bool rundir_id_valid(const char *id);
/* Formats a random (version 4) UUID into 'out' (37 bytes). */
int rundir_make_uuid(char out[37]);
/* The results folder: -d DIR, else $PERFTEST_RESULTSDIR (as the original),
 * else ./results. */
const char *rundir_results_dir(const char *option);
/* Creates <results>/<id>; fails with -EEXIST rather than reuse a folder.
 * Stores the malloc'ed path. */
int rundir_create(const char *results_dir, const char *id, char **path);

#endif
