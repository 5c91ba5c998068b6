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

#endif
