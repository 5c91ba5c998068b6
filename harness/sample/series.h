/* The in-memory series: a sink that keeps every sample with the phase and
 * step it belongs to, so that a summary can say "CPU at step 7
 * (4000 pps): 63 %".  It outlives the sampler: the report reads it. */
#ifndef PT_SERIES_H
#define PT_SERIES_H

#include <jansson.h>
#include <stddef.h>

#include "collectors/sink.h"

struct series;

struct series *series_create(void);
void series_destroy(struct series *s);
/* The sink to give the sampler; closing it keeps the data. */
struct sink *series_sink(struct series *s);

/* The samples of one metric: times, values and marks; NULL and 0 when
 * there is no such collector or metric. */
struct series_view {
    size_t n;
    const struct sample_time *t;    /* n times (phase/step/rate marks) */
    const double *v;                /* n values, stride 'stride' */
    size_t stride;
};
int series_view(const struct series *s, const char *collector,
                const char *metric, struct series_view *view);

/* Per phase and per step: mean and max CPU %, RSS at start and end; for
 * the long run the RSS slope (MiB/hour, least squares).  New reference. */
json_t *series_summary(const struct series *s);

/* Least-squares slope of y over x; NaN with fewer than 2 points or no
 * spread in x.  NaN points are skipped. */
double series_slope(const double *x, const double *y, size_t n,
                    size_t stride);

#endif
