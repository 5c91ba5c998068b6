/* Command-line parsing, kept apart from main() so the tests can drive it. */
#ifndef PT_CLI_H
#define PT_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "lib/log.h"
#include "lib/strbuf.h"

struct cli {
    const char *command;    /* "run", "list", "cleanup", "print", ... */
    char **args;            /* positional arguments after the command */
    int n_args;
    const char *profile;    /* -p/--profile */
    char **overrides;       /* -o KEY=VALUE, NULL-terminated (owned array) */
    int n_overrides;
    const char *results_dir;    /* -d/--results-dir */
    const char *sut;        /* --sut SPEC */
    const char *sut_packages;   /* --sut-packages DIR: SUT_PACKAGES, above
                                   -o */
    const char *post_url;   /* --post URL: REPORT_URL, above -o */
    bool no_post;           /* --no-post */
    bool no_wait;           /* --no-wait: no waiting for the host lock */
    bool dry_run;
    /* Several hosts: --hosts FILE, --source NAME, --dest NAME, --sut-host
     * NAME (remote/hosts.h) */
    const char *hosts;
    const char *source;
    const char *dest;
    const char *sut_host;
    /* history, compare */
    const char *db;         /* --db FILE: the history (else HISTORY_DB) */
    bool json;              /* --json */
    int last;               /* --last N (0: all) */
    const char *topology;   /* --topology T */
    const char *note;       /* --note TEXT (history ack) */
    bool csv;               /* --csv (history export) */
    /* site */
    const char *site;       /* --site DIR: the lab site's folder */
    const char *incoming;   /* --incoming DIR: where bundles are posted */
    /* ab: --a and --b (A first), --a-env and --b-env KEY=VALUE
     * (NULL-terminated, owned arrays) */
    const char *ab_spec[2];
    char **ab_env[2];
    int n_ab_env[2];
    bool help;
    bool version;
    enum log_level level;   /* -q / -v */
};

/* One entry per subcommand; "run" is what a bare TOPOLOGY means. */
struct cli_command {
    const char *name;
    const char *synopsis;
    const char *help;       /* the text of `perftests NAME --help` */
    int min_args, max_args;
    int (*fn)(const struct cli *cli);
};

/* Parses argv into 'cli'.  Returns 0, or -EINVAL with the reason in 'err'.
 * 'commands' is the table the first positional argument is looked up in;
 * anything else there is a topology name for "run". */
int cli_parse(int argc, char **argv, const struct cli_command *commands,
              struct cli *cli, struct strbuf *err);
void cli_release(struct cli *cli);
const struct cli_command *cli_find(const struct cli_command *commands,
                                   const char *name);
/* Prints the usage of every command, or of 'cmd' alone. */
void cli_usage(const struct cli_command *commands,
               const struct cli_command *cmd, FILE *out);

#endif
