/* Throughput strategies: how the test_throughput phase picks the rates of
 * its trials, chosen by THROUGHPUT_SEARCH.  The settings validator,
 * `perftests --help` and measure_throughput() all read strategy_table, so
 * that a value the validator accepts is always one the dispatch can run.
 *
 * Adding a strategy: a file harness/traffic/strategy_NAME.c with a
 * const struct strategy_ops, one row in strategy_table (strategy.c), the
 * file in the Makefile's TRAFFIC_SRCS, and its name in the man page
 * (test_strategy checks that). */
#ifndef PT_STRATEGY_H
#define PT_STRATEGY_H

#include <stdio.h>

#include "lib/strbuf.h"

struct measure;

struct strategy_ops {
    const char *name;   /* the THROUGHPUT_SEARCH value, e.g. "steps" */
    const char *help;   /* what it does, one line of --help */
    /* Runs the test_throughput phase: every trial through measure_trial()
     * (measure.h), which writes its row and progress line.  A strategy
     * that searches for NDR and PDR fills m->search and sets m->searched,
     * so that the results report those instead of the best step.  0, or
     * the negative errno of the trial that failed, the reason in 'err'. */
    int (*run)(struct measure *m, struct strbuf *err);
};

/* Every strategy, NULL-terminated, in the order --help lists them. */
extern const struct strategy_ops *const strategy_table[];

/* The strategy called 'name', or NULL. */
const struct strategy_ops *strategy_find(const char *name);
/* Appends the names as the validator says them: "steps or ndr". */
void strategy_add_names(struct strbuf *out);
/* One "  name  help" line per strategy, the default one marked. */
void strategy_list(FILE *out);

#endif
