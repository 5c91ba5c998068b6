/* perftests history and perftests compare: the history store from the
 * command line (report/history.h). */
#ifndef PT_HISTORY_CLI_H
#define PT_HISTORY_CLI_H

#include "cli.h"

/* history [ack RUN --note TEXT]: the runs by series, or an acknowledged
 * step.  Returns the exit code. */
int history_cli_history(const struct cli *cli);
/* compare RUN_A RUN_B: every headline metric of both, with the change. */
int history_cli_compare(const struct cli *cli);

/* One run directory, or a bundle unpacked into a folder of our own first,
 * into the history at 'db': its series, headline metrics (with the
 * verdicts its host gave them) and outcome as its summary.json says; a
 * run already there (by uuid) replaces itself.  0, or -errno with the
 * reason in 'err'. */
int history_cli_import_one(const char *db, const char *arg,
                           struct strbuf *err);

#endif
