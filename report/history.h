/* The history store (issue 15): every run's outcome, trials and headline
 * metrics in an embedded SQLite database (HISTORY_DB, default
 * <results>/history.db), WAL with a busy timeout so that two runs writing
 * at once both land.  A series is what may be compared: one testbed (host
 * name, CPU model, cores), one topology, one set of traffic settings; the
 * SUT's version is never part of it. */
#ifndef PT_HISTORY_H
#define PT_HISTORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"
#include "report/regress.h"

struct history;

/* Opens the database at 'path', creating it only when 'create' (a run
 * and an import add to a history; a reader given a mistyped name must not
 * leave an empty one behind and list nothing).  NULL with the file and
 * the reason in 'err' when it cannot be opened or is not one of ours. */
struct history *history_open(const char *path, bool create,
                             struct strbuf *err);
void history_close(struct history *h);

/* One run as the store keeps it. */
struct history_run {
    const char *uuid, *run_id, *start, *series, *host, *topology;
    const char *sut_version, *perftests_version;
    bool passed;
    json_t *metrics;            /* [{"name", "value", "unit", "better"}] */
    json_t *trials;             /* trials.csv's rows, or NULL */
};

/* Adds or replaces a run (by uuid), its metrics and trials, in one
 * transaction: what the run had before is gone.  0 or -EIO with the
 * reason in 'err'. */
int history_add(struct history *h, const struct history_run *run,
                struct strbuf *err);
/* The run id stored for 'uuid' in *run_id (malloc'ed), NULL when the
 * history has no such run.  0 or -EIO with the reason in 'err'. */
int history_run_id(struct history *h, const char *uuid, char **run_id,
                   struct strbuf *err);
/* The runs of 'series' that started before 'start' (not 'uuid' itself),
 * oldest first, with metric 'metric' of each (NaN when missing).
 * *out is malloc'ed.  0 or -EIO. */
int history_series(struct history *h, const char *series, const char *start,
                   const char *uuid, const char *metric,
                   struct regress_run **out, size_t *n, struct strbuf *err);

/* The trend of 'metric' in 'series': its last 'last' runs (0: all) that
 * started no later than 'start', oldest first, as [{"run_id", "uuid",
 * "acked", "value" (null when missing), "outcome" (the metric's verdict
 * when that run was judged, or null)}].  NULL with the reason in 'err'. */
json_t *history_trend(struct history *h, const char *series,
                      const char *start, const char *metric, int last,
                      struct strbuf *err);
/* The runs, newest first, as [{"run_id", "uuid", "start", "topology",
 * "series", "sut_version", "passed", "acked", "ack_note", "host", "metrics":
 * {name: value}}]; only of 'topology' when not NULL, at most 'last' (0:
 * all).  NULL with the reason in 'err'. */
json_t *history_list(struct history *h, const char *topology, int last,
                     struct strbuf *err);
/* Marks the run (its run id or uuid) as an expected step: baselines
 * restart there.  0, -ENOENT when there is no such run, or -EIO. */
int history_ack(struct history *h, const char *run, const char *note,
                struct strbuf *err);

#endif
