/* perftests: a thin command line over the run pipeline (iperf3's habit:
 * main parses and calls the library; the tests link the same objects). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "history_cli.h"
#include "site_cli.h"
#include "report/bundle.h"
#include "lib/ledger.h"
#include "lib/log.h"
#include "report/post.h"
#include "run/ab_run.h"
#include "run/profile.h"
#include "report/report.h"
#include "run/run.h"
#include "run/rundir.h"
#include "remote/agent.h"
#include "remote/hosts.h"
#include "lib/strbuf.h"
#include "sut/sut.h"
#include "topologies/topology.h"
#include "traffic/strategy.h"
#include "lib/util.h"

LOG_MODULE("perftests");

#include "version.h"     /* build/version.h, from the Makefile */

extern char **environ;

static const struct cli_command commands[];

/* Resolves the profile, the environment and -o; on error prints every
 * problem (file:line, variable, option) and returns false. */
static bool load_settings(const struct cli *cli, struct settings *s)
{
    struct strbuf errs = STRBUF_INIT;
    char host[256];
    char *dir = xasprintf("%s/profiles.d", pt_data_dir());
    /* --post URL and --sut-packages DIR are more -o, the last, so they
     * win. */
    char **overrides = xcalloc((size_t)cli->n_overrides + 3,
                               sizeof *overrides);
    char *post = cli->post_url ? xasprintf("REPORT_URL=%s", cli->post_url)
                               : NULL;
    char *packages = cli->sut_packages
        ? xasprintf("SUT_PACKAGES=%s", cli->sut_packages) : NULL;
    struct profile_request req = {
        .profiles_dir = dir,
        .name = cli->profile,
        .hostname = host,
        .envp = environ,
        .overrides = overrides,
    };
    int n;

    memcpy(overrides, cli->overrides, (size_t)cli->n_overrides
                                          * sizeof *overrides);
    overrides[cli->n_overrides] = post ? post : packages;
    overrides[cli->n_overrides + 1] = post ? packages : NULL;

    host_short_name(host, sizeof host);
    n = profile_load(s, &req, &errs);
    if (n)
        fprintf(stderr, "%s%d error%s in the settings; nothing was run\n",
                errs.buf, n, n == 1 ? "" : "s");
    strbuf_dispose(&errs);
    free(dir);
    free(post);
    free(packages);
    free(overrides);
    return n == 0;
}

static char *join_argv(int argc, char **argv)
{
    struct strbuf sb = STRBUF_INIT;

    for (int i = 0; i < argc; i++) {
        char *arg = url_redact(argv[i]);
        strbuf_addf(&sb, "%s%s", i ? " " : "", arg);
        free(arg);
    }
    return strbuf_detach(&sb);
}

static int saved_argc;
static char **saved_argv;

/* Whether 'name' is a topology; if not, says so with the list. */
static bool topology_known(const char *name)
{
    const struct topology_ops *ops;
    char *script = NULL;

    if (topology_find(name, &ops, &script)) {
        fprintf(stderr, "perftests: unknown topology '%s'; these exist:\n",
                name);
        topology_list(stderr);
        return false;
    }
    free(script);
    return true;
}

/* The -o of 'cli' between 'first' (which they override) and 'last'
 * (which override them): a NULL-terminated array to free, *n entries. */
static char **overrides_around(const struct cli *cli,
                               const char *const *first, size_t nf,
                               const char *const *last, size_t nl, int *n)
{
    size_t k = nf + (size_t)cli->n_overrides + nl;
    char **o = xcalloc(k + 1, sizeof *o);

    if (nf)
        memcpy(o, first, nf * sizeof *o);
    memcpy(o + nf, cli->overrides, (size_t)cli->n_overrides * sizeof *o);
    memcpy(o + nf + (size_t)cli->n_overrides, last, nl * sizeof *o);
    *n = (int)k;
    return o;
}

static int run_topology(const struct cli *cli, bool calibrate)
{
    struct settings s;
    int rc;

    if (!topology_known(cli->args[0]))
        return PT_EXIT_USAGE;
    struct strbuf err = STRBUF_INIT;
    if (sut_check_spec(cli->sut, &err)) {
        fprintf(stderr, "perftests: %s\n", err.buf);
        strbuf_dispose(&err);
        return PT_EXIT_USAGE;
    }
    strbuf_dispose(&err);
    if (!load_settings(cli, &s)) {
        settings_release(&s);
        return PT_EXIT_USAGE;
    }

    char *cmdline = join_argv(saved_argc, saved_argv);
    struct hosts hosts = { 0 };
    struct run_config cfg = {
        .settings = &s,
        .topology = cli->args[0],
        .results_dir = rundir_results_dir(cli->results_dir),
        .sut = cli->sut,
        .no_post = cli->no_post,
        .no_wait = cli->no_wait,
        .command_line = cmdline,
        .calibrate = calibrate,
        .hosts = cli->hosts ? &hosts : NULL,
        .source = cli->source,
        .dest = cli->dest,
        .sut_host = cli->sut_host,
    };
    struct strbuf herr = STRBUF_INIT;
    if (cli->hosts && hosts_load(&hosts, cli->hosts, &herr)) {
        fprintf(stderr, "%sthe hosts file has errors; nothing was run\n",
                herr.buf);
        rc = PT_EXIT_USAGE;
    } else if (run_hosts_check(&cfg, &herr)) {
        fprintf(stderr, "perftests: %s\n", herr.buf);
        rc = PT_EXIT_USAGE;
    } else if (cli->dry_run) {
        run_print_plan(&cfg, stdout);
        rc = PT_EXIT_PASS;
    } else {
        run_install_signals();
        rc = run_execute(&cfg);
    }
    strbuf_dispose(&herr);
    hosts_release(&hosts);
    free(cmdline);
    settings_release(&s);
    return rc;
}

/* perftests agent: the other end of a run's SSH session (remote/agent.h).
 * Its ledger lists network state, which a reboot clears: /run, unless -d
 * or PERFTEST_RESULTSDIR says otherwise. */
static int cmd_agent(const struct cli *cli)
{
    const char *env = getenv("PERFTEST_RESULTSDIR");
    const char *base = cli->results_dir ? cli->results_dir
                       : env && *env ? env : AGENT_DEFAULT_DIR;

    return agent_main(STDIN_FILENO, STDOUT_FILENO, base);
}

static int cmd_list(const struct cli *cli)
{
    struct strbuf profiles = STRBUF_INIT;
    char *dir = xasprintf("%s/profiles.d", pt_data_dir());

    (void)cli;
    printf("topologies:\n");
    topology_list(stdout);
    profile_list(dir, &profiles);
    printf("\nprofiles (%s):\n  %s\n", dir, profiles.buf);
    strbuf_dispose(&profiles);
    free(dir);
    return PT_EXIT_PASS;
}

static int cmd_print(const struct cli *cli)
{
    const struct topology_ops *ops;
    struct topology_ctx ctx;
    char *script = NULL;
    int rc = PT_EXIT_PASS;

    if (topology_find(cli->args[0], &ops, &script)) {
        fprintf(stderr, "perftests: unknown topology '%s'; these exist:\n",
                cli->args[0]);
        topology_list(stderr);
        return PT_EXIT_USAGE;
    }
    memset(&ctx, 0, sizeof ctx);
    ctx.script = script;
    ctx.short_id = "XXXXXX";
    if (ops->print(&ctx, stdout) < 0)
        rc = PT_EXIT_RUN_FAILED;
    if (ops->release)
        ops->release(&ctx);
    free(script);
    return rc;
}

static int cmd_cleanup(const struct cli *cli)
{
    const char *results = rundir_results_dir(cli->results_dir);
    char *dir = xasprintf("%s/.ledger", results);
    size_t n = 0;
    int err;

    if (geteuid() != 0) {
        LOG_ERR("cleanup must run as root: it removes network namespaces");
        free(dir);
        return PT_EXIT_ENV;
    }
    err = ledger_cleanup_stale(dir, &n);
    if (err)
        LOG_ERR("cleanup of '%s' incomplete: %s", dir, strerror(-err));
    else
        LOG_INFO("%zu aborted run%s cleaned up (%s)", n, n == 1 ? "" : "s",
                 dir);
    free(dir);
    return err ? PT_EXIT_RUN_FAILED : PT_EXIT_PASS;
}

/* The report again, from the run directory alone (another host will do). */
static int cmd_report(const struct cli *cli)
{
    struct strbuf err = STRBUF_INIT;
    const char *dir = cli->args[0];
    struct report r;
    char *bundle;
    bool pass;
    int rc;

    if (report_load(&r, dir, &err)) {
        LOG_ERR("report %s: %s", dir, err.buf);
        strbuf_dispose(&err);
        return PT_EXIT_USAGE;
    }
    r.history_db = cli->db;
    pass = report_make(&r);
    report_release(&r);
    bundle = bundle_path(dir);
    rc = bundle_write(dir, bundle, &err);
    if (rc)
        LOG_ERR("bundle: %s", err.buf);
    else
        LOG_INFO("bundle: %s", bundle);
    free(bundle);
    strbuf_dispose(&err);
    return rc ? PT_EXIT_RUN_FAILED
              : pass ? PT_EXIT_PASS : PT_EXIT_CHECK_FAILED;
}

/* The whole spool of the results folder. */
static int post_spool(const char *results)
{
    struct strbuf err = STRBUF_INIT;
    int sent, failed, rc = spool_send(results, NULL, &pt_interrupted, &sent,
                                      &failed, &err);

    if (rc)
        LOG_ERR("%s", err.buf);
    else
        LOG_INFO("spool of %s: %d posted, %d still waiting", results, sent,
                 failed);
    strbuf_dispose(&err);
    return rc || failed ? PT_EXIT_ENV : PT_EXIT_PASS;
}

/* One run's bundle (made when missing): from the spool if it waits
 * there, else to REPORT_URL / --post; never twice. */
static int post_one(const struct cli *cli, const char *arg)
{
    struct strbuf err = STRBUF_INIT, where = STRBUF_INIT;
    size_t len = strlen(arg);
    bool is_bundle = len > 7 && !strcmp(arg + len - 7, ".tar.gz");
    char *bundle = is_bundle ? xstrdup(arg) : bundle_path(arg);
    char *results = cli->results_dir ? xstrdup(cli->results_dir)
                                     : xstrdup(bundle);
    struct settings s;
    struct post_target t;
    bool loaded = false;
    int rc = PT_EXIT_PASS, sent, failed;

    if (!cli->results_dir)
        *(strrchr(results, '/') ? strrchr(results, '/') : results) = 0;
    if (!*results)
        strcpy(results, ".");
    if (!is_bundle && !path_is_file(bundle) && path_is_dir(arg)
        && bundle_write(arg, bundle, &err)) {
        LOG_ERR("bundle: %s", err.buf);
        rc = PT_EXIT_USAGE;
    } else if (!path_is_file(bundle)) {
        LOG_ERR("post: '%s' is neither a run directory nor a bundle", arg);
        rc = PT_EXIT_USAGE;
    } else if (post_already(bundle, &where)) {
        LOG_INFO("%s was posted already (%s); nothing to do", bundle,
                 where.buf);
    } else if (!cli->post_url && spool_has(results, bundle)) {
        spool_send(results, bundle, &pt_interrupted, &sent, &failed, &err);
        rc = failed ? PT_EXIT_ENV : PT_EXIT_PASS;
    } else if (loaded = true, !load_settings(cli, &s)) {
        rc = PT_EXIT_USAGE;
    } else {
        run_post_target(&s, &t);
        if (!*t.url) {
            LOG_ERR("post: nowhere to post: give --post URL or set "
                    "REPORT_URL");
            rc = PT_EXIT_USAGE;
        } else if (post_deliver(&t, bundle, results, &err)) {
            LOG_ERR("post: %s", err.buf);
            rc = PT_EXIT_ENV;
        }
    }
    if (loaded)
        settings_release(&s);
    strbuf_dispose(&where);
    strbuf_dispose(&err);
    free(results);
    free(bundle);
    return rc;
}

static int cmd_post(const struct cli *cli)
{
    int rc;

    run_install_signals();
    rc = cli->n_args ? post_one(cli, cli->args[0])
                     : post_spool(rundir_results_dir(cli->results_dir));
    /* Ctrl-C ends the upload under way and leaves the bundle spooled:
     * interrupted (130), as a run is, rather than "not posted" (3). */
    return rc && pt_interrupted ? PT_EXIT_INTERRUPTED : rc;
}

/* The end of the run's help, from the tables that the validators and the
 * dispatch read too, so that it cannot go stale. */
static int cmd_run(const struct cli *cli)
{
    return run_topology(cli, false);
}

/* perftests calibrate: the NDR search on `direct`, kept as this host's
 * ceiling.  Up to 2 Mpps unless -o says otherwise (the defaults are a
 * datapath's, far below the harness's own); the search and the topology
 * are not the user's to change. */
static int cmd_calibrate(const struct cli *cli)
{
    static const char *const first[] = {
        "THROUGHPUT_MAX_SCAN_RATE=2000000", "THROUGHPUT_SCAN_START_RATE=10000",
        "LONG_RUNNING_SCAN_ITERATIONS=0", "LATENCY_LOADS=",
    };
    static const char *const last[] = { "THROUGHPUT_SEARCH=ndr" };
    char *args[] = { "direct", NULL };
    struct cli c = *cli;
    char **o = overrides_around(cli, first, sizeof first / sizeof *first,
                                last, sizeof last / sizeof *last,
                                &c.n_overrides);
    int rc;

    c.overrides = o;
    c.args = args;
    c.n_args = 1;
    rc = run_topology(&c, true);
    free(o);
    return rc;
}

/* perftests ab: the same topology and settings on two SUTs (ab_run.h).
 * The runs are not judged against the history one by one: the A/B is
 * their verdict, and their series is their own (REGRESSION_CHECK=no,
 * last, so that no -o turns it back on). */
static int cmd_ab(const struct cli *cli)
{
    static const char *const spec_opt[] = { "--a", "--b" };
    static const char *const env_opt[] = { "--a-env", "--b-env" };
    static const char *const last[] = { "REGRESSION_CHECK=no" };
    struct strbuf err = STRBUF_INIT;
    struct cli c = *cli;
    struct settings s;
    int rc = PT_EXIT_USAGE;

    for (int side = 0; side < AB_SIDES && !err.len; side++) {
        ab_check_spec(spec_opt[side], cli->ab_spec[side], &err);
        for (int i = 0; i < cli->n_ab_env[side] && !err.len; i++)
            ab_check_env(env_opt[side], cli->ab_env[side][i], &err);
    }
    if (err.len) {
        fprintf(stderr, "perftests ab: %s\n", err.buf);
        strbuf_dispose(&err);
        return PT_EXIT_USAGE;
    }
    if (!topology_known(cli->args[0]))
        return PT_EXIT_USAGE;
    c.overrides = overrides_around(cli, NULL, 0, last, 1, &c.n_overrides);
    if (load_settings(&c, &s)) {
        char *cmdline = join_argv(saved_argc, saved_argv);
        struct ab_config cfg = {
            .settings = &s,
            .topology = cli->args[0],
            .results_dir = rundir_results_dir(cli->results_dir),
            .spec = { cli->ab_spec[AB_A], cli->ab_spec[AB_B] },
            .env = { cli->ab_env[AB_A], cli->ab_env[AB_B] },
            .no_wait = cli->no_wait,
            .command_line = cmdline,
        };
        struct run_config plan = { .settings = &s, .topology = cli->args[0],
                                   .results_dir = cfg.results_dir,
                                   .sut = "--a and --b, above" };
        if (cli->dry_run) {
            ab_print_plan(&cfg, stdout);
            run_print_plan(&plan, stdout);
            rc = PT_EXIT_PASS;
        } else {
            run_install_signals();
            rc = ab_execute(&cfg);
        }
        free(cmdline);
    }
    settings_release(&s);
    free(c.overrides);
    return rc;
}

/* fn(cli, SITE_MAX_BYTES), the settings (profile, environment, -o) read
 * for that one key: the site and history import bound the bundles they
 * unpack by it; everything else of theirs is options. */
static int with_max_bytes(const struct cli *cli,
                          int (*fn)(const struct cli *, unsigned long long))
{
    struct settings s;
    int rc = PT_EXIT_USAGE;

    if (load_settings(cli, &s))
        rc = fn(cli, (unsigned long long)settings_int(
                         &s, SETTING_SITE_MAX_BYTES));
    settings_release(&s);
    return rc;
}

static int cmd_site(const struct cli *cli)
{
    return with_max_bytes(cli, site_cli);
}

/* Listing and ack read no settings: a broken profile does not stop
 * them. */
static int cmd_history(const struct cli *cli)
{
    return history_cli_is_import(cli) ? with_max_bytes(cli,
                                                       history_cli_import)
                                      : history_cli_history(cli);
}

static void run_help_tables(FILE *out)
{
    fputs("\nsystems under test (--sut SPEC):\n", out);
    sut_list_kinds(out);
    fputs("\nthroughput strategies (-o THROUGHPUT_SEARCH=NAME):\n", out);
    strategy_list(out);
}

#define COMMON_OPTIONS                                                       \
    "  -d, --results-dir DIR  results folder (default $PERFTEST_RESULTSDIR "  \
    "or ./results)\n"                                                         \
    "  -q, --quiet            warnings and errors only\n"                     \
    "  -v, --verbose          debug output\n"                                 \
    "  -h, --help             this help\n"

static const struct cli_command commands[] = {
    { "run", "perftests [OPTIONS] TOPOLOGY",
      "Builds TOPOLOGY in network namespaces around the system under test,\n"
      "drives traffic through it and writes a report under the results\n"
      "folder.  Must run as root.  Phases: warm_up, test_throughput (by\n"
      "the strategy THROUGHPUT_SEARCH names, see below),\n"
      "long_running_tests; every trial is a row of trials.csv.  With\n"
      "TCP_PHASE=yes, tcp_throughput: iperf3 (libiperf) from the source\n"
      "to the destination namespace (with --hosts: through their agents),\n"
      "TCP_STREAMS streams for TCP_DURATION s; its JSON in\n"
      "tcp/iperf3.json, its figures in result.tcp.  Meanwhile\n"
      "the collectors (COLLECTORS: proc, system, netdev, ovs, jmx) sample\n"
      "the SUT and the host every second into rrd/*.rrd and\n"
      "collectors.json (jmx: a JVM SUT, JMX_URL, or JMX_CONFIG, a jmxtrans\n"
      "file).  At the end, snapshot/: OVS memory and flows, smaps, a JVM's\n"
      "heap dump (HEAPDUMP).  Then the report: graphs, summary.json,\n"
      "junit.xml, index.html and RUN.tar.gz, posted to REPORT_URL\n"
      "(spooled when that fails).\n"
      "The OVS's own knobs: OVS_DATAPATH (netdev or system) and\n"
      "OVS_OTHER_CONFIG (KEY=VALUE,... into other_config, read back).\n"
      "Settings (FLOW_PATTERN, FRAME_SIZE, PROTOCOL, rates ...): see\n"
      "--dry-run and the README.\n\n"
      "options:\n"
      "  -p, --profile NAME|PATH  profiles.d/NAME/perftests.conf or a file\n"
      "                         (default: profiles.d/<hostname>, else "
      "default)\n"
      "  -o KEY=VALUE           override a setting (repeatable); wins over\n"
      "                         the environment, which wins over the "
      "profile\n"
      "      --sut SPEC         system under test: one of the kinds below\n"
      "                         (default: a private Open vSwitch;\n"
      "                         ovs-build:DIR one from a build tree or "
      "prefix)\n"
      "      --sut-packages DIR install DIR's .deb files with apt first\n"
      "                         (phase install_sut; SUT_PACKAGES)\n"
      "      --dry-run          print the plan and every setting with its\n"
      "                         source, then exit without touching the "
      "system\n"
      "      --post URL         post the report bundle there (REPORT_URL)\n"
      "      --no-post          keep the bundle local, whatever REPORT_URL\n"
      "      --no-wait          exit 3 when another run holds the host "
      "lock\n"
      "                         (/run/perftests.lock), instead of waiting\n"
      "      --hosts FILE       endpoints on other hosts (a libconfig hosts\n"
      "                         file), reached with ssh HOST perftests "
      "agent;\n"
      "                         TOPOLOGY is then 'hosts' (the default)\n"
      "      --source NAME      with --hosts: the host that sends\n"
      "      --dest NAME        with --hosts: the host that receives\n"
      "      --sut-host NAME    with --hosts: the SUT's host, whose agent\n"
      "                         runs the system collector too\n"
      COMMON_OPTIONS
      "\nexit codes: 0 pass, 1 a check failed, 2 usage or configuration "
      "error,\n3 environment error, 4 a phase failed, 130 interrupted.\n",
      1, 1, cmd_run },
    { "calibrate", "perftests calibrate [OPTIONS]",
      "Measures the harness's own loss-free ceiling on this host: the ndr\n"
      "search (MLRsearch) on the `direct` topology, a veth pair with no\n"
      "datapath, up to 2 Mpps unless -o THROUGHPUT_MAX_SCAN_RATE says\n"
      "otherwise.  The NDR is kept with its date in\n"
      "DIR/.calibration/<host>.json; later runs on this host report a\n"
      "figure within 10 % of it as \"at least X pps, limited by the\n"
      "generator\", never as the datapath's.  Run it again after a kernel,\n"
      "CPU or perftests change.  Must run as root.\n\n"
      "options:\n"
      "  -p, --profile NAME|PATH  profiles.d/NAME/perftests.conf or a file\n"
      "  -o KEY=VALUE           override a setting (repeatable)\n"
      "      --no-post          keep the bundle local, whatever REPORT_URL\n"
      COMMON_OPTIONS, 0, 0, cmd_calibrate },
    { "ab", "perftests ab --a SPEC --b SPEC [OPTIONS] TOPOLOGY",
      "A/B of two systems under test, e.g. two builds: is my patch faster?\n"
      "TOPOLOGY with the same settings on A and on B, in AB_ROUNDS\n"
      "(default 5) rounds of fresh runs, interleaved A B, B A, A B ...\n"
      "Each run is a whole run (its own directory, report and history\n"
      "entry, in a series of its own per side: never the nightly\n"
      "baseline).  Then DIR/ab-<host>-<stamp>-<hex>/: index.html (every\n"
      "headline metric's median and spread on both sides, B's change in %\n"
      "with a 95 % confidence interval (Welch), the verdict \"B faster\",\n"
      "\"B slower\" or \"no significant difference\", the first round's\n"
      "graphs side by side), summary.json (\"ab\") and junit.xml (a\n"
      "testcase per metric).  Must run as root.\n\n"
      "options:\n"
      "      --a SPEC, --b SPEC a --sut SPEC (see below), or 'default': a\n"
      "                         private Open vSwitch from PATH\n"
      "      --a-env KEY=VALUE  an environment variable for A's runs only\n"
      "      --b-env KEY=VALUE  (the topology script, the SUT); repeatable;\n"
      "                         every run also gets PT_AB_SIDE=A|B and\n"
      "                         PT_AB_ROUND=N\n"
      "  -p, --profile NAME|PATH  profiles.d/NAME/perftests.conf or a file\n"
      "  -o KEY=VALUE           override a setting (repeatable), both sides\n"
      "      --dry-run          print the order of the runs and the settings\n"
      "      --no-wait          exit 3 when another run holds the host lock\n"
      COMMON_OPTIONS
      "\nexit codes: 0 no metric of B is worse beyond the gate, 1 B is\n"
      "worse than A by more than REGRESSION_THRESHOLD % across the whole\n"
      "interval (the per-patch gate), 2 usage error, 3 environment error,\n"
      "4 a run failed in a phase (the A/B stops there), 130 interrupted.\n",
      1, 1, cmd_ab },
    { "history", "perftests history [ack RUN --note TEXT | export --csv | "
      "import DIR|BUNDLE...] [OPTIONS]",
      "The runs in the history (DIR/history.db, or --db FILE), grouped by\n"
      "series (testbed, topology, traffic settings), newest first: run,\n"
      "start, outcome, SUT version and headline figures.  'history ack RUN\n"
      "--note TEXT' marks RUN as an expected step (a known change):\n"
      "regression baselines restart there.  'history export --csv': a row\n"
      "per run, oldest first, a column per metric (Apache Otava's layout).\n"
      "'history import DIR|BUNDLE...': run directories or posted .tar.gz\n"
      "bundles into the history (a run already there replaces itself); the\n"
      "only one that makes a history: the others say 'no history at FILE'\n"
      "(exit 2) for one that is not there.\n"
      "\noptions:\n"
      "      --topology T       only runs of topology T\n"
      "      --last N           the newest N runs\n"
      "      --json             the runs and their metrics as JSON\n"
      "      --db FILE          the history (default DIR/history.db)\n"
      "      --note TEXT        with ack: what changed\n"
      "      --csv              with export: CSV on standard output\n"
      "  -o SITE_MAX_BYTES=N    with import: the largest unpacked bundle\n"
      "                         (512 MiB); 10000 members at most\n"
      COMMON_OPTIONS
      "\nexit codes: 0 done, 2 usage error, no history at FILE, or a run or\n"
      "bundle import refused, 3 the history could not be written.\n",
      0, 4096, cmd_history },
    { "compare", "perftests compare RUN_A RUN_B [--json] [--db FILE]",
      "Two runs of the history side by side: every headline metric of\n"
      "RUN_A with RUN_B's and the change in %.  A run is its run id or\n"
      "uuid.\n\noptions:\n"
      "      --json             the comparison as JSON\n"
      "      --db FILE          the history (default DIR/history.db)\n"
      COMMON_OPTIONS, 2, 2, history_cli_compare },
    { "site", "perftests site import|build|watch [--site DIR] [--db FILE] "
      "[--incoming DIR] [BUNDLE|DIR...]",
      "The lab's report server: posted bundles published as a static site\n"
      "(DIR, default /srv/perftests/site) that nginx serves as it is.\n"
      "'site import BUNDLE|DIR...': each bundle (a folder: its *.tar.gz)\n"
      "checked and unpacked into DIR/runs/<run id>/, its figures into the\n"
      "lab's history (DIR/history.db, or --db FILE), then the pages\n"
      "rebuilt.  A bundle is refused, with the reason logged, for a member\n"
      "outside its run folder ('..', an absolute path), a link, a device,\n"
      "a file a run never makes, or more than SITE_MAX_BYTES unpacked; a\n"
      "bundle of a run already on the site (same uuid) changes nothing.\n"
      "'site build': the pages again: index.html (every run, newest first,\n"
      "filterable by host and topology), series/<id>.html (trend graphs,\n"
      "regressions), hosts/<id>.html.\n"
      "'site watch --incoming DIR': imports each bundle that lands in the\n"
      "upload folder (renamed into place, or closed after writing, then\n"
      "still for half a second), after those already there; runs until\n"
      "SIGTERM.  report/server/ has its nginx site and systemd unit.\n"
      "\noptions:\n"
      "      --site DIR         the site's folder\n"
      "      --db FILE          the lab's history (default DIR/history.db)\n"
      "      --incoming DIR     with watch: the WebDAV upload folder\n"
      "  -o SITE_MAX_BYTES=N    the largest unpacked bundle (512 MiB)\n"
      COMMON_OPTIONS
      "\nexit codes: 0 done, 1 a bundle was refused, 2 usage error (a\n"
      "BUNDLE|DIR that is not there), 3 the site, its lock or its history\n"
      "could not be written.\n", 1, 4096, cmd_site },
    { "agent", "perftests agent [-d DIR]",
      "Serves a run on another host: line-delimited JSON-RPC 2.0 on stdin\n"
      "and stdout, as `ssh -o BatchMode=yes HOST perftests agent` starts\n"
      "it for `perftests --hosts FILE`.  Methods: hello, clock, prepare,\n"
      "start_rx, start_tx, stop, results, collect, tcp_server, tcp_client,\n"
      "tcp_wait (iperf3 on its endpoint), cleanup.  Opens no port\n"
      "and leaves nothing behind: the end of stdin (the session dropped),\n"
      "SIGHUP or SIGTERM end it, and it removes what it made (its ledger\n"
      "in DIR/.ledger/agent-<BOOT>-net<ID>/, DIR /run/perftests-agent by\n"
      "default, named by the host's boot id and network namespace;\n"
      "an agent replays the ledgers of agents that died in its network\n"
      "namespace when it starts).  Its log goes to stderr.  Must run as\n"
      "root.\n\n"
      "options:\n"
      COMMON_OPTIONS, 0, 0, cmd_agent },
    { "list", "perftests list",
      "Lists the topologies (built-in and shell) and the profiles.\n", 0, 0,
      cmd_list },
    { "print", "perftests print TOPOLOGY",
      "Describes TOPOLOGY (its print_topology).\n", 1, 1, cmd_print },
    { "cleanup", "perftests cleanup [-d DIR]",
      "Removes every namespace, link, process and OVS bridge or port that\n"
      "aborted runs left, as their cleanup ledgers (DIR/.ledger/) list\n"
      "them (OVS rows through the OVSDB socket recorded with them);\n"
      "touches nothing else.  Must run as root.\n\noptions:\n"
      COMMON_OPTIONS,
      0, 0, cmd_cleanup },
    { "report", "perftests report [--db FILE] RUN_DIR",
      "Makes the report of a run again from its directory alone: the\n"
      "graphs (cpu, mem, throughput, loss, latency, ovs .png), summary.json,\n"
      "testspec.csv, junit.xml, index.html, and RUN_DIR.tar.gz beside it.\n"
      "The history is --db FILE, else the run's HISTORY_DB only when it\n"
      "was <results>/...: next to RUN_DIR (a run directory may come from\n"
      "anywhere; what it says is no path to write to).\n"
      "Exit 0 when the verdict is pass, 1 when it is fail, 2 when RUN_DIR\n"
      "is not a run directory.\n\noptions:\n"
      "      --db FILE          the history to judge against and add to\n"
      COMMON_OPTIONS,
      1, 1, cmd_report },
    { "post", "perftests post [RUN_DIR|BUNDLE]",
      "Posts a run's bundle (made first if missing) to REPORT_URL, or the\n"
      "URL it was spooled with; without an argument, everything in the\n"
      "spool (DIR/.spool/).  What landed is never posted again (its\n"
      "BUNDLE.posted says where and when); what fails waits in the spool.\n"
      "Exit 0 when all landed, 3 when something still waits.\n\n"
      "options:\n"
      "  -p, --profile NAME|PATH  where REPORT_URL and REPORT_* come from\n"
      "  -o KEY=VALUE           override a setting (repeatable)\n"
      "      --post URL         post there (REPORT_URL)\n"
      COMMON_OPTIONS, 0, 1, cmd_post },
    { NULL, NULL, NULL, 0, 0, NULL },
};

int main(int argc, char **argv)
{
    struct strbuf err = STRBUF_INIT;
    struct cli cli;
    int rc;

    saved_argc = argc;
    saved_argv = argv;
    if (cli_parse(argc, argv, commands, &cli, &err)) {
        fprintf(stderr, "perftests: %s\n", err.buf);
        fprintf(stderr, "try 'perftests --help'\n");
        strbuf_dispose(&err);
        cli_release(&cli);
        return PT_EXIT_USAGE;
    }
    strbuf_dispose(&err);
    log_set_level(cli.level);
    if (cli.version) {
        printf("perftests %s\n", PT_VERSION);
        rc = PT_EXIT_PASS;
    } else if (cli.help) {
        const struct cli_command *cmd = cli_find(commands, cli.command);
        /* A bare --help shows every command; COMMAND --help just one. */
        bool named = argc > 1 && cli_find(commands, cli.command)
                     && (strcmp(cli.command, "run") || cli.n_args);
        cli_usage(commands, named ? cmd : NULL, stdout);
        if (!named)
            printf("\n%s", commands[0].help);
        if (!named || cmd == &commands[0])
            run_help_tables(stdout);
        rc = PT_EXIT_PASS;
    } else {
        /* Only a run has a run.log to hand early lines to. */
        if ((strcmp(cli.command, "run") && strcmp(cli.command, "calibrate")
             && strcmp(cli.command, "ab"))
            || cli.dry_run)
            log_discard_early();
        rc = cli_find(commands, cli.command)->fn(&cli);
    }
    cli_release(&cli);
    return rc;
}
