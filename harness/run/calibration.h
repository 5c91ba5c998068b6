/* The harness's own ceiling on this host: the NDR of the `direct`
 * topology (a bare veth pair, no datapath), measured by `perftests
 * calibrate` and kept per host with its date in
 * <results>/.calibration/<host>.json.  A run reads it to tell a datapath's
 * figure from the generator's: a result within 10 % of the ceiling is "at
 * least X, limited by the generator". */
#ifndef PT_CALIBRATION_H
#define PT_CALIBRATION_H

#include <jansson.h>

#include "lib/strbuf.h"

/* A result at or above this share of the ceiling is the generator's. */
#define CALIBRATION_NEAR 0.9

struct calibration {
    double ceiling_pps;     /* > 0 */
    char date[32];          /* ISO 8601, UTC */
    char run[96];           /* the calibration run's id */
};

/* Reads the cache for 'host'.  0; -ENOENT when there is none; -EINVAL
 * when the file is not one we wrote (it is input: anyone with the results
 * folder may have written it), with the file and what is wrong in 'err'. */
int calibration_load(const char *results_dir, const char *host,
                     struct calibration *c, struct strbuf *err);
/* Writes the cache for 'host' atomically; 'detail' (may be NULL, not
 * taken) is kept beside the figures.  0 or -errno, the file in 'err'. */
int calibration_save(const char *results_dir, const char *host,
                     const struct calibration *c, json_t *detail,
                     struct strbuf *err);
struct measure;
/* Gives the measurement this host's ceiling, if calibrated, so that a
 * figure near it is reported as the generator's; says what it found. */
void calibration_apply(const char *results_dir, struct measure *m);
/* Keeps the NDR of the calibration run 'run_id' (on `direct`) as this
 * host's ceiling.  0; -ENODATA when no loss-free rate was found, or
 * -errno; the reason in 'err'. */
int calibration_keep(const char *results_dir, const char *run_id,
                     const struct measure *m, struct strbuf *err);
/* "<results>/.calibration/<host>.json", malloc'ed. */
char *calibration_path(const char *results_dir, const char *host);

#endif
