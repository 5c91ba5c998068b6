/* The run's collectors (DESIGN.md steps 8 and 12): the sampler with its two
 * sinks, RRD files under <run>/rrd/ and the in-memory series, and the
 * summary written when they stop (<run>/collectors.json). */
#ifndef PT_COLLECT_H
#define PT_COLLECT_H

#include <signal.h>

#include "sample/series.h"
#include "run/settings.h"
#include "lib/strbuf.h"

struct collect;
struct ledger;
struct sut;
struct topology_ctx;

/* Starts the COLLECTORS for this SUT and topology; processes they start
 * (the JMX sidecar) go into 'ledger'.  'sut_gone' is set if the SUT exits
 * while they run.  NULL: none could start (reason in
 * 'err'), or COLLECTORS is empty ('err' left empty). */
struct collect *collect_start(const struct settings *s, const struct sut *sut,
                              const struct topology_ctx *topo,
                              const char *run_dir, struct ledger *ledger,
                              volatile sig_atomic_t *sut_gone,
                              struct strbuf *err);
/* Tells which trial runs now ("" and 0 between trials).  NULL is fine. */
void collect_mark(struct collect *c, const char *phase, int step,
                  double rate);
/* Stops sampling, writes <run>/collectors.json and logs a summary per
 * phase.  Idempotent.  0, or -ESRCH and why when the SUT exited. */
int collect_stop(struct collect *c, struct strbuf *why);
/* The samples, for the report; valid until collect_destroy(). */
const struct series *collect_series(const struct collect *c);
void collect_destroy(struct collect *c);

#endif
