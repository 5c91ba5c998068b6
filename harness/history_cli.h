/* perftests history and perftests compare: the history store from the
 * command line (report/history.h). */
#ifndef PT_HISTORY_CLI_H
#define PT_HISTORY_CLI_H

#include "cli.h"

/* history [ack RUN --note TEXT | export --csv]: the runs by series, an
 * acknowledged step, or the CSV.  The history must exist (exit 2: "no
 * history at FILE").  Returns the exit code. */
int history_cli_history(const struct cli *cli);
/* compare RUN_A RUN_B: every headline metric of both, with the change. */
int history_cli_compare(const struct cli *cli);

/* Whether the command is history import DIR|BUNDLE..., which reads the
 * settings (SITE_MAX_BYTES) that the other history commands do not. */
bool history_cli_is_import(const struct cli *cli);
/* history import DIR|BUNDLE...: each into the history (created when
 * missing), a bundle unpacking to more than 'max_bytes' refused.  Exit 0,
 * 2 when a run or bundle was not one to take, 3 when the history could
 * not be written. */
int history_cli_import(const struct cli *cli, unsigned long long max_bytes);

/* One run directory, or a bundle unpacked into a folder of our own first
 * (at most 'max_bytes' and SITE_MAX_MEMBERS members), into the history at
 * 'db': its series, headline metrics (with the verdicts its host gave
 * them) and outcome as its summary.json says; a run already there (by
 * uuid) replaces itself.  0; -EINVAL when the input is no run to take (a
 * bundle refused, no report, no uuid); else -errno of the environment
 * (no temporary folder, the history not written).  The reason in 'err'. */
int history_cli_import_one(const char *db, const char *arg,
                           unsigned long long max_bytes, struct strbuf *err);

#endif
