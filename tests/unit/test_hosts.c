/* The hosts file of --hosts: a good one with every member, defaults of
 * the top level, and bad ones, each error with its file:line and what is
 * expected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "remote/hosts.h"
#include "run/run.h"
#include "tmpdir.h"

/* Loads 'text' as a hosts file; returns hosts_load()'s code, the errors
 * in 'errs' (FILE: replaced by "F:" for the asserts). */
static int load(const char *text, struct hosts *h, struct strbuf *errs)
{
    char *path = tmpdir_put("h", "hosts.conf", text);
    struct strbuf raw = STRBUF_INIT;
    int rc = hosts_load(h, path, &raw);
    const char *p = raw.buf;
    char *hit;

    while ((hit = strstr(p, path))) {
        strbuf_add(errs, p, (size_t)(hit - p));
        strbuf_addstr(errs, "F");
        p = hit + strlen(path);
    }
    strbuf_addstr(errs, p);
    strbuf_dispose(&raw);
    free(path);
    return rc;
}

static void test_hosts__good(void **state)
{
    struct strbuf errs = STRBUF_INIT, names = STRBUF_INIT;
    struct hosts h;
    const struct host *x;

    (void)state;
    assert_int_equal(load(
        "ssh_config = \"/etc/pt/ssh_config\";\n"
        "agent = \"/opt/pt/perftests agent\";\n"
        "hosts = ( { name = \"hv1\"; ssh = \"root@198.18.1.10\";\n"
        "            interface = \"ens5\"; address = \"198.18.1.10/24\"; },\n"
        "          { name = \"hv2\"; ssh = \"root@hv2.lab\";\n"
        "            interface = \"pt-d2\"; address = \"198.18.1.20/24\";\n"
        "            namespace = \"blue\"; agent = \"sudo perftests agent\"; }"
        " );\n", &h, &errs), 0);
    assert_string_equal(errs.buf, "");
    assert_int_equal(h.n, 2);
    assert_string_equal(h.ssh_config, "/etc/pt/ssh_config");
    x = hosts_find(&h, "hv1");
    assert_non_null(x);
    assert_string_equal(x->ssh, "root@198.18.1.10");
    assert_string_equal(x->interface, "ens5");
    assert_string_equal(x->address, "198.18.1.10/24");
    assert_null(x->ns);
    assert_string_equal(x->agent, "/opt/pt/perftests agent");
    assert_int_equal(x->line, 3);
    x = hosts_find(&h, "hv2");
    assert_string_equal(x->ns, "blue");
    assert_string_equal(x->agent, "sudo perftests agent");
    assert_null(hosts_find(&h, "hv3"));
    hosts_names(&h, &names);
    assert_string_equal(names.buf, "hv1, hv2");
    hosts_release(&h);
    strbuf_dispose(&names);
    strbuf_dispose(&errs);
}

/* No top level but hosts: no ssh -F, the default agent command. */
static void test_hosts__defaults(void **state)
{
    struct strbuf errs = STRBUF_INIT;
    struct hosts h;

    (void)state;
    assert_int_equal(load("hosts = ( { name = \"a\"; ssh = \"a.lab\"; "
                          "interface = \"eth0\"; address = \"198.18.0.1/24\";"
                          " } );\n", &h, &errs), 0);
    assert_null(h.ssh_config);
    assert_string_equal(h.v[0].agent, HOSTS_DEFAULT_AGENT);
    hosts_release(&h);
    /* A relative ssh_config is beside the hosts file. */
    assert_int_equal(load("ssh_config = \"lab/ssh_config\";\n"
                          "hosts = ( { name = \"a\"; ssh = \"a\"; } );\n",
                          &h, &errs), 0);
    char *want = xasprintf("%s/h/lab/ssh_config", tmpdir);
    assert_string_equal(h.ssh_config, want);
    free(want);
    hosts_release(&h);
    strbuf_dispose(&errs);
}

/* Every problem, each at its line, all in one go. */
static void test_hosts__bad_members(void **state)
{
    struct strbuf errs = STRBUF_INIT;
    struct hosts h;

    (void)state;
    assert_int_equal(load(
        "agent = 3;\n"
        "hosts = (\n"
        "  { name = \"hv1\"; ssh = \"hv1\"; interface = \"e\"; "
        "address = \"198.18.1.1\"; },\n"
        "  { name = \"hv1\"; ssh = 22; interface = \"e\"; "
        "address = \"198.18.1.2/24\"; colour = \"red\"; },\n"
        "  { name = \"bad/name\"; interface = \"a-very-long-ifname\";\n"
        "    address = \"198.18.1.3/24\"; },\n"
        "  \"hv4\",\n"
        "  { name = \"hv5\"; ssh = \"\"; interface = \"\"; }\n"
        ");\n"
        "port = 22;\n", &h, &errs), -EINVAL);
    assert_non_null(strstr(errs.buf, "F:1: agent: expected a non-empty "
                                     "string in double quotes\n"));
    assert_non_null(strstr(errs.buf, "F:3: address: '198.18.1.1': expected "
                                     "an address with its prefix"));
    assert_non_null(strstr(errs.buf, "F:4: ssh: expected a non-empty "
                                     "string"));
    assert_non_null(strstr(errs.buf, "F:4: host: unknown key 'colour'"));
    assert_non_null(strstr(errs.buf, "F:4: name: 'hv1' is defined twice "
                                     "(first at line 3)"));
    assert_non_null(strstr(errs.buf, "F:5: host: missing ssh = \"...\";"));
    assert_non_null(strstr(errs.buf, "F:8: ssh: expected a non-empty "
                                     "string"));
    assert_non_null(strstr(errs.buf, "F:5: name: 'bad/name': expected "
                                     "letters"));
    assert_non_null(strstr(errs.buf, "F:5: interface: 'a-very-long-ifname'"
                                     ": expected an interface name"));
    /* libconfig gives a scalar in a list no line of its own. */
    assert_non_null(strstr(errs.buf, ": hosts: expected a group"));
    assert_non_null(strstr(errs.buf, "F:10: unknown key 'port' (expected "
                                     "hosts, ssh_config, agent)"));
    hosts_release(&h);
    strbuf_dispose(&errs);
}

static void test_hosts__syntax_and_empty(void **state)
{
    struct strbuf errs = STRBUF_INIT;
    struct hosts h;

    (void)state;
    assert_int_equal(load("hosts = ( { name = \"a\"; ssh = ; } );\n", &h, &errs),
                     -EINVAL);
    assert_non_null(strstr(errs.buf, "F:1: syntax error: "));
    hosts_release(&h);
    strbuf_reset(&errs);
    assert_int_equal(load("ssh_config = \"/x\";\n", &h, &errs), -EINVAL);
    assert_non_null(strstr(errs.buf, "F:1: expected hosts = ( { name = "));
    hosts_release(&h);
    strbuf_reset(&errs);
    assert_int_equal(load("\n\nhosts = ();\n", &h, &errs), -EINVAL);
    assert_non_null(strstr(errs.buf, "F:3: expected hosts = ("));
    hosts_release(&h);
    strbuf_reset(&errs);
    assert_int_equal(hosts_load(&h, "/nonexistent/hosts.conf", &errs),
                     -ENOENT);
    assert_non_null(strstr(errs.buf, "/nonexistent/hosts.conf: cannot read "
                                     "the hosts file: No such file"));
    hosts_release(&h);
    strbuf_dispose(&errs);
}

/* How --hosts, --source, --dest, --sut-host and the topology fit
 * together (run_hosts_check: usage errors, exit 2). */
static void test_hosts__run_check(void **state)
{
    struct strbuf errs = STRBUF_INIT;
    struct hosts h;
    struct run_config c = { .topology = "hosts", .hosts = &h };

    (void)state;
    assert_int_equal(load(
        "hosts = ( { name = \"hv1\"; ssh = \"a\"; interface = \"e\"; "
        "address = \"198.18.1.1/24\"; },\n"
        "          { name = \"hv2\"; ssh = \"b\"; interface = \"e\"; "
        "address = \"198.18.1.2/24\"; },\n"
        "          { name = \"lan\"; ssh = \"c\"; interface = \"e\"; "
        "address = \"192.168.1.2/24\"; },\n"
        "          { name = \"gw\"; ssh = \"d\"; },\n"
        "          { name = \"wide\"; ssh = \"e\"; interface = \"e\"; "
        "address = \"198.18.1.3/8\"; } );\n", &h, &errs), 0);
    c.source = "hv1";
    c.dest = "hv2";
    assert_int_equal(run_hosts_check(&c, &errs), 0);
    c.sut_host = "lan";         /* the SUT's host sends nothing */
    assert_int_equal(run_hosts_check(&c, &errs), 0);
    c.sut_host = NULL;
    c.dest = NULL;
    assert_int_equal(run_hosts_check(&c, &errs), -EINVAL);
    assert_string_equal(errs.buf, "--hosts needs --dest NAME (hv1, hv2, "
                                  "lan, gw, wide)");
    strbuf_reset(&errs);
    c.dest = "hv9";
    assert_int_equal(run_hosts_check(&c, &errs), -EINVAL);
    assert_non_null(strstr(errs.buf, "--dest hv9: no such host in "));
    strbuf_reset(&errs);
    c.dest = "lan";
    assert_int_equal(run_hosts_check(&c, &errs), -EINVAL);
    assert_non_null(strstr(errs.buf, "hosts.conf:3: address '192.168.1.2/24' "
                                     "of lan is outside the benchmarking "
                                     "range 198.18.0.0/15"));
    strbuf_reset(&errs);
    /* In the range, but its network (and the route the kernel adds with
     * it) is not. */
    c.dest = "wide";
    assert_int_equal(run_hosts_check(&c, &errs), -EINVAL);
    assert_non_null(strstr(errs.buf, "hosts.conf:5: address '198.18.1.3/8' "
                                     "of wide: expected a prefix from /15 "
                                     "to /32"));
    strbuf_reset(&errs);
    c.dest = "gw";              /* a SUT's host, with no endpoint */
    assert_int_equal(run_hosts_check(&c, &errs), -EINVAL);
    assert_non_null(strstr(errs.buf, "hosts.conf:4: --dest gw: expected "
                                     "interface = \"...\"; and address"));
    strbuf_reset(&errs);
    c.dest = "hv1";
    assert_int_equal(run_hosts_check(&c, &errs), -EINVAL);
    assert_string_equal(errs.buf, "--source and --dest are both hv1: "
                                  "expected two hosts");
    strbuf_reset(&errs);
    c.dest = "hv2";
    c.topology = "direct";
    assert_int_equal(run_hosts_check(&c, &errs), -EINVAL);
    assert_non_null(strstr(errs.buf, "not topology 'direct'"));
    strbuf_reset(&errs);
    c.hosts = NULL;
    assert_int_equal(run_hosts_check(&c, &errs), -EINVAL);
    assert_string_equal(errs.buf, "--source needs --hosts FILE");
    strbuf_reset(&errs);
    c.source = c.dest = NULL;
    assert_int_equal(run_hosts_check(&c, &errs), 0);
    c.topology = "hosts";
    assert_int_equal(run_hosts_check(&c, &errs), -EINVAL);
    assert_string_equal(errs.buf, "topology 'hosts' needs --hosts FILE "
                                  "--source NAME --dest NAME");
    hosts_release(&h);
    strbuf_dispose(&errs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hosts__good),
        cmocka_unit_test(test_hosts__defaults),
        cmocka_unit_test(test_hosts__bad_members),
        cmocka_unit_test(test_hosts__syntax_and_empty),
        cmocka_unit_test(test_hosts__run_check),
    };
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
