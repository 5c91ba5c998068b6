#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_DRY_RUN = 256, OPT_SUT, OPT_VERSION, OPT_POST, OPT_NO_POST,
       OPT_DB, OPT_JSON, OPT_LAST, OPT_TOPOLOGY, OPT_NOTE, OPT_CSV,
       OPT_NO_WAIT, OPT_SUT_PACKAGES, OPT_A, OPT_B, OPT_A_ENV, OPT_B_ENV,
       OPT_SITE, OPT_INCOMING, OPT_HOSTS, OPT_SOURCE, OPT_DEST,
       OPT_SUT_HOST };

static const struct option long_options[] = {
    { "profile", required_argument, NULL, 'p' },
    { "option", required_argument, NULL, 'o' },
    { "results-dir", required_argument, NULL, 'd' },
    { "dry-run", no_argument, NULL, OPT_DRY_RUN },
    { "sut", required_argument, NULL, OPT_SUT },
    { "sut-packages", required_argument, NULL, OPT_SUT_PACKAGES },
    { "post", required_argument, NULL, OPT_POST },
    { "no-post", no_argument, NULL, OPT_NO_POST },
    { "no-wait", no_argument, NULL, OPT_NO_WAIT },
    { "quiet", no_argument, NULL, 'q' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    { "db", required_argument, NULL, OPT_DB },
    { "json", no_argument, NULL, OPT_JSON },
    { "last", required_argument, NULL, OPT_LAST },
    { "topology", required_argument, NULL, OPT_TOPOLOGY },
    { "note", required_argument, NULL, OPT_NOTE },
    { "csv", no_argument, NULL, OPT_CSV },
    { "a", required_argument, NULL, OPT_A },
    { "b", required_argument, NULL, OPT_B },
    { "a-env", required_argument, NULL, OPT_A_ENV },
    { "b-env", required_argument, NULL, OPT_B_ENV },
    { "site", required_argument, NULL, OPT_SITE },
    { "incoming", required_argument, NULL, OPT_INCOMING },
    { "hosts", required_argument, NULL, OPT_HOSTS },
    { "source", required_argument, NULL, OPT_SOURCE },
    { "dest", required_argument, NULL, OPT_DEST },
    { "sut-host", required_argument, NULL, OPT_SUT_HOST },
    { NULL, 0, NULL, 0 },
};

/* Appends 'arg' to the NULL-terminated array *v of *n entries. */
static void push(char ***v, int *n, char *arg)
{
    *v = xrealloc(*v, (size_t)(*n + 2) * sizeof **v);
    (*v)[(*n)++] = arg;
    (*v)[*n] = NULL;
}

const struct cli_command *cli_find(const struct cli_command *commands,
                                   const char *name)
{
    for (const struct cli_command *c = commands; c->name; c++)
        if (!strcmp(c->name, name))
            return c;
    return NULL;
}

int cli_parse(int argc, char **argv, const struct cli_command *commands,
              struct cli *cli, struct strbuf *err)
{
    int c;

    memset(cli, 0, sizeof *cli);
    cli->level = LOG_LEVEL_INFO;
    cli->overrides = xcalloc(1, sizeof *cli->overrides);
    optind = 0;     /* 0, not 1: resets getopt fully between calls (tests) */
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":p:o:d:qvh", long_options, NULL))
           != -1) {
        switch (c) {
        case 'p':
            cli->profile = optarg;
            break;
        case 'o':
            push(&cli->overrides, &cli->n_overrides, optarg);
            break;
        case 'd':
            cli->results_dir = optarg;
            break;
        case OPT_DRY_RUN:
            cli->dry_run = true;
            break;
        case OPT_SUT:
            cli->sut = optarg;
            break;
        case OPT_SUT_PACKAGES:
            cli->sut_packages = optarg;
            break;
        case OPT_POST:
            cli->post_url = optarg;
            break;
        case OPT_NO_POST:
            cli->no_post = true;
            break;
        case OPT_NO_WAIT:
            cli->no_wait = true;
            break;
        case 'q':
            cli->level = LOG_LEVEL_WARN;
            break;
        case 'v':
            cli->level = LOG_LEVEL_DBG;
            break;
        case 'h':
            cli->help = true;
            break;
        case OPT_VERSION:
            cli->version = true;
            break;
        case OPT_DB:
            cli->db = optarg;
            break;
        case OPT_JSON:
            cli->json = true;
            break;
        case OPT_LAST: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 1000000) {
                strbuf_addf(err, "--last %s: expected a number of runs from "
                            "1 up", optarg);
                return -EINVAL;
            }
            cli->last = (int)n;
            break;
        }
        case OPT_TOPOLOGY:
            cli->topology = optarg;
            break;
        case OPT_NOTE:
            cli->note = optarg;
            break;
        case OPT_CSV:
            cli->csv = true;
            break;
        case OPT_A:
        case OPT_B:
            cli->ab_spec[c - OPT_A] = optarg;
            break;
        case OPT_A_ENV:
        case OPT_B_ENV:
            push(&cli->ab_env[c - OPT_A_ENV], &cli->n_ab_env[c - OPT_A_ENV],
                 optarg);
            break;
        case OPT_SITE:
            cli->site = optarg;
            break;
        case OPT_INCOMING:
            cli->incoming = optarg;
            break;
        case OPT_HOSTS:
            cli->hosts = optarg;
            break;
        case OPT_SOURCE:
            cli->source = optarg;
            break;
        case OPT_DEST:
            cli->dest = optarg;
            break;
        case OPT_SUT_HOST:
            cli->sut_host = optarg;
            break;
        case ':':
            strbuf_addf(err, "option '%s' needs a value", argv[optind - 1]);
            return -EINVAL;
        default:
            if (optopt && optopt < 256)
                strbuf_addf(err, "unknown option '-%c'", optopt);
            else
                strbuf_addf(err, "unknown option '%s'", argv[optind - 1]);
            return -EINVAL;
        }
    }

    const struct cli_command *cmd = NULL;
    char **pos = argv + optind;
    int n_pos = argc - optind;

    if (n_pos > 0)
        cmd = cli_find(commands, pos[0]);
    if (cmd) {
        pos++;
        n_pos--;
    } else {
        cmd = cli_find(commands, "run");
    }
    cli->command = cmd->name;
    /* With --hosts the topology is the two hosts' endpoints. */
    static char *hosts_topology[] = { "hosts", NULL };
    if (!strcmp(cmd->name, "run") && cli->hosts && !n_pos) {
        pos = hosts_topology;
        n_pos = 1;
    }
    cli->args = pos;
    cli->n_args = n_pos;
    if (cli->help || cli->version)
        return 0;
    if (n_pos < cmd->min_args) {
        if (!strcmp(cmd->name, "run"))
            strbuf_addstr(err, "missing TOPOLOGY (see 'perftests list')");
        else
            strbuf_addf(err, "'%s' needs an argument: %s", cmd->name,
                        cmd->synopsis);
        return -EINVAL;
    }
    if (n_pos > cmd->max_args) {
        strbuf_addf(err, "unexpected argument '%s' (usage: %s)",
                    pos[cmd->max_args], cmd->synopsis);
        return -EINVAL;
    }
    return 0;
}

void cli_release(struct cli *cli)
{
    free(cli->overrides);
    cli->overrides = NULL;
    for (int s = 0; s < 2; s++) {
        free(cli->ab_env[s]);
        cli->ab_env[s] = NULL;
    }
}

void cli_usage(const struct cli_command *commands,
               const struct cli_command *cmd, FILE *out)
{
    if (cmd) {
        fprintf(out, "usage: %s\n\n%s", cmd->synopsis, cmd->help);
        return;
    }
    fputs("usage:\n", out);
    for (const struct cli_command *c = commands; c->name; c++)
        fprintf(out, "  %s\n", c->synopsis);
    fputs("  perftests --version\n\n"
          "'perftests COMMAND --help' tells more about each command.\n", out);
}
