/* metadata.json: who ran what, where, with which settings. */
#ifndef PT_METADATA_H
#define PT_METADATA_H

#include <jansson.h>
#include <time.h>

#include "run/settings.h"

struct metadata_run {
    const char *run_id;
    const char *uuid;
    time_t start;
    const char *topology;
    const char *command_line;
    const json_t *ab;           /* perftests ab's marker, or NULL */
};

/* Facts about this host: hostname, kernel, cpu model and count, memory.
 * Returns a new reference. */
json_t *metadata_host(void);
/* Every effective setting with its value and where it came from.
 * Returns a new reference. */
json_t *metadata_settings(const struct settings *s);
/* Jenkins' variables that are set, or NULL when none is.  New reference. */
json_t *metadata_jenkins(void);
/* The whole document.  New reference. */
json_t *metadata_build(const struct metadata_run *run,
                       const struct settings *s);
/* Writes 'doc' (indented) to 'path' atomically.  0 or a negative errno. */
int metadata_write(const char *path, const json_t *doc);
/* ISO 8601 UTC, e.g. 2026-11-23T02:57:34Z, into buf (>= 21 bytes). */
void metadata_iso_time(time_t t, char *buf, size_t len);

#endif
