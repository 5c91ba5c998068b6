/* Option parsing: commands, repeatable -o, errors that say what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "cli.h"
#include "run/ab_run.h"

static int dummy(const struct cli *cli) { (void)cli; return 0; }

static const struct cli_command commands[] = {
    { "run", "perftests [OPTIONS] TOPOLOGY", "", 1, 1, dummy },
    { "list", "perftests list", "", 0, 0, dummy },
    { "print", "perftests print TOPOLOGY", "", 1, 1, dummy },
    { "history", "perftests history", "", 0, 2, dummy },
    { "ab", "perftests ab --a SPEC --b SPEC TOPOLOGY", "", 1, 1, dummy },
    { NULL, NULL, NULL, 0, 0, NULL },
};

static int parse(struct cli *cli, struct strbuf *err, int argc, ...)
{
    static char *argv[32];  /* cli->args points into it after return */
    va_list ap;

    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    argv[argc] = NULL;
    return cli_parse(argc, argv, commands, cli, err);
}

static void test_cli__run_with_options(void **state)
{
    struct cli cli;
    struct strbuf err = STRBUF_INIT;
    (void)state;

    assert_int_equal(parse(&cli, &err, 9, "perftests", "-p", "ci", "-o",
                           "FRAME_SIZE=64", "basic_topology", "--option",
                           "WARMUP_RATE=5", "--dry-run"), 0);
    assert_string_equal(cli.command, "run");
    assert_int_equal(cli.n_args, 1);
    assert_string_equal(cli.args[0], "basic_topology");
    assert_string_equal(cli.profile, "ci");
    assert_int_equal(cli.n_overrides, 2);
    assert_string_equal(cli.overrides[0], "FRAME_SIZE=64");
    assert_string_equal(cli.overrides[1], "WARMUP_RATE=5");
    assert_null(cli.overrides[2]);
    assert_true(cli.dry_run);
    assert_false(cli.no_wait);
    assert_int_equal(cli.level, LOG_LEVEL_INFO);
    cli_release(&cli);
    assert_int_equal(parse(&cli, &err, 3, "perftests", "--no-wait",
                           "basic_topology"), 0);
    assert_true(cli.no_wait);
    cli_release(&cli);
    strbuf_dispose(&err);
}

/* --hosts: the topology may be left out, and is `hosts` then. */
static void test_cli__hosts(void **state)
{
    struct cli cli;
    struct strbuf err = STRBUF_INIT;
    (void)state;

    assert_int_equal(parse(&cli, &err, 9, "perftests", "--hosts",
                           "/etc/pt/hosts.conf", "--source", "hv1", "--dest",
                           "hv2", "--sut-host", "gw"), 0);
    assert_string_equal(cli.command, "run");
    assert_int_equal(cli.n_args, 1);
    assert_string_equal(cli.args[0], "hosts");
    assert_string_equal(cli.hosts, "/etc/pt/hosts.conf");
    assert_string_equal(cli.source, "hv1");
    assert_string_equal(cli.dest, "hv2");
    assert_string_equal(cli.sut_host, "gw");
    cli_release(&cli);
    /* Named, it is the one given (the run says whether it fits). */
    assert_int_equal(parse(&cli, &err, 4, "perftests", "--hosts", "h.conf",
                           "direct"), 0);
    assert_string_equal(cli.args[0], "direct");
    cli_release(&cli);
    /* Without --hosts a topology is still needed. */
    assert_int_equal(parse(&cli, &err, 3, "perftests", "--source", "hv1"),
                     -EINVAL);
    assert_string_equal(err.buf, "missing TOPOLOGY (see 'perftests list')");
    cli_release(&cli);
    strbuf_dispose(&err);
}

static void test_cli__subcommands(void **state)
{
    struct cli cli;
    struct strbuf err = STRBUF_INIT;
    (void)state;

    assert_int_equal(parse(&cli, &err, 3, "perftests", "-v", "list"), 0);
    assert_string_equal(cli.command, "list");
    assert_int_equal(cli.level, LOG_LEVEL_DBG);
    cli_release(&cli);
    assert_int_equal(parse(&cli, &err, 4, "perftests", "print", "direct",
                           "-q"), 0);
    assert_string_equal(cli.command, "print");
    assert_string_equal(cli.args[0], "direct");
    assert_int_equal(cli.level, LOG_LEVEL_WARN);
    cli_release(&cli);
    assert_int_equal(parse(&cli, &err, 3, "perftests", "list", "--help"), 0);
    assert_true(cli.help);
    cli_release(&cli);
    strbuf_dispose(&err);
}

/* The history's options: --db, --json, --last, --topology, --note. */
static void test_cli__history_options(void **state)
{
    struct cli cli;
    struct strbuf err = STRBUF_INIT;
    (void)state;

    assert_int_equal(parse(&cli, &err, 11, "perftests", "history", "ack",
                           "r1", "--note", "new build", "--db", "h.db",
                           "--json", "--last", "7"), 0);
    assert_string_equal(cli.command, "history");
    assert_int_equal(cli.n_args, 2);
    assert_string_equal(cli.note, "new build");
    assert_string_equal(cli.db, "h.db");
    assert_true(cli.json);
    assert_int_equal(cli.last, 7);
    assert_null(cli.topology);
    cli_release(&cli);
    assert_int_equal(parse(&cli, &err, 4, "perftests", "history", "--last",
                           "0"), -EINVAL);
    assert_string_equal(err.buf, "--last 0: expected a number of runs from "
                                 "1 up");
    cli_release(&cli);
    strbuf_dispose(&err);
}

/* ab: both sides, each side's environment in order; what --a, --b and
 * --a-env accept, each refusal naming the option. */
static void test_cli__ab_options(void **state)
{
    struct cli cli;
    struct strbuf err = STRBUF_INIT;
    (void)state;

    assert_int_equal(parse(&cli, &err, 10, "perftests", "ab", "--a",
                           "default", "--b", "cmd:sleep 9", "--b-env",
                           "X=1", "--b-env=Y=a=b", "basic_topology"), 0);
    assert_string_equal(cli.command, "ab");
    assert_string_equal(cli.ab_spec[AB_A], "default");
    assert_string_equal(cli.ab_spec[AB_B], "cmd:sleep 9");
    assert_int_equal(cli.n_ab_env[AB_A], 0);
    assert_int_equal(cli.n_ab_env[AB_B], 2);
    assert_string_equal(cli.ab_env[AB_B][1], "Y=a=b");
    assert_null(cli.ab_env[AB_B][2]);
    cli_release(&cli);

    assert_int_equal(ab_check_spec("--a", "default", &err), 0);
    assert_int_equal(ab_check_spec("--b", "pid:12", &err), 0);
    assert_int_equal(ab_check_spec("--b", NULL, &err), -EINVAL);
    assert_non_null(strstr(err.buf, "--b SPEC is missing"));
    strbuf_reset(&err);
    assert_int_equal(ab_check_spec("--a", "", &err), -EINVAL);
    assert_non_null(strstr(err.buf, "--a '': expected a --sut SPEC"));
    strbuf_reset(&err);
    assert_int_equal(ab_check_spec("--b", "ovs", &err), -EINVAL);
    assert_non_null(strstr(err.buf, "--b 'ovs': --sut ovs: expected"));
    assert_non_null(strstr(err.buf, "or 'default'"));
    strbuf_reset(&err);
    assert_int_equal(ab_check_env("--a-env", "PT_METER_PPS=10", &err), 0);
    assert_int_equal(ab_check_env("--a-env", "K=", &err), 0);
    assert_int_equal(ab_check_env("--a-env", "NOEQUALS", &err), -EINVAL);
    assert_non_null(strstr(err.buf, "--a-env 'NOEQUALS': expected KEY=VALUE"));
    strbuf_reset(&err);
    assert_int_equal(ab_check_env("--b-env", "1X=2", &err), -EINVAL);
    strbuf_reset(&err);
    assert_int_equal(ab_check_env("--b-env", "FRAME_SIZE=64", &err),
                     -EINVAL);
    assert_non_null(strstr(err.buf, "FRAME_SIZE is a setting"));
    strbuf_dispose(&err);
}

static void test_cli__errors(void **state)
{
    struct cli cli;
    struct strbuf err = STRBUF_INIT;
    (void)state;

    assert_int_equal(parse(&cli, &err, 1, "perftests"), -EINVAL);
    assert_string_equal(err.buf, "missing TOPOLOGY (see 'perftests list')");
    cli_release(&cli);
    strbuf_reset(&err);
    assert_int_equal(parse(&cli, &err, 3, "perftests", "--bogus", "x"),
                     -EINVAL);
    assert_string_equal(err.buf, "unknown option '--bogus'");
    cli_release(&cli);
    strbuf_reset(&err);
    assert_int_equal(parse(&cli, &err, 3, "perftests", "a", "b"), -EINVAL);
    assert_string_equal(err.buf, "unexpected argument 'b' (usage: perftests "
                                 "[OPTIONS] TOPOLOGY)");
    cli_release(&cli);
    strbuf_reset(&err);
    assert_int_equal(parse(&cli, &err, 2, "perftests", "print"), -EINVAL);
    assert_string_equal(err.buf, "'print' needs an argument: perftests print "
                                 "TOPOLOGY");
    cli_release(&cli);
    strbuf_reset(&err);
    assert_int_equal(parse(&cli, &err, 3, "perftests", "x", "-o"), -EINVAL);
    assert_string_equal(err.buf, "option '-o' needs a value");
    cli_release(&cli);
    strbuf_dispose(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli__run_with_options),
        cmocka_unit_test(test_cli__hosts),
        cmocka_unit_test(test_cli__subcommands),
        cmocka_unit_test(test_cli__errors),
        cmocka_unit_test(test_cli__history_options),
        cmocka_unit_test(test_cli__ab_options),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
