/* The jmx collector's C half: the jmxtrans parser on the original suite's
 * midolman file (tests/unit/fixtures/midolman-jmxtrans.json, copied from
 * shared/compat as it is) and on broken files, the lines handed to the
 * sidecar, and the data source names long JMX labels get. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collectors/collector.h"
#include "collectors/jmxconf.h"
#include "collectors/jmx_sidecar.h"
#include "lib/strbuf.h"
#include "lib/util.h"
/* The collector's line handling and its start-up wait are static. */
#include "collectors/jmx.c"

#define COMPAT "tests/unit/fixtures/midolman-jmxtrans.json"

static void test_jmxconf__midolman_file_loads(void **state)
{
    struct strbuf err = STRBUF_INIT;
    struct jmx_config c;

    assert_int_equal(jmx_config_load(COMPAT, &c, &err), 0);
    assert_int_equal(err.len, 0);
    assert_int_equal(c.n, 20);
    assert_int_equal(c.n_servers, 1);
    assert_string_equal(c.target, "127.0.0.1:7200");
    /* Every query has its RRDToolWriter: counted, to be ignored. */
    assert_int_equal(c.n_output_writers, 20);
    assert_string_equal(c.q[0].obj, "java.lang:type=MemoryPool,name=CMS Old Gen");
    assert_int_equal(c.q[0].n_attrs, 1);
    assert_string_equal(c.q[0].attrs[0], "Usage");
    assert_null(c.q[0].alias);
    assert_int_equal(c.q[0].n_type_names, 0);
    /* typeNames live in the writer's settings in this file. */
    assert_string_equal(c.q[3].obj, "java.lang:type=OperatingSystem");
    assert_int_equal(c.q[3].n_attrs, 2);
    assert_string_equal(c.q[3].attrs[1], "ProcessCpuTime");
    assert_int_equal(c.q[3].n_type_names, 1);
    assert_string_equal(c.q[3].type_names[0], "name");
    assert_int_equal(c.q[4].n_attrs, 11);
    assert_string_equal(c.q[4].attrs[10], "999thPercentile");
    /* The pattern query stays a pattern: the sidecar expands it. */
    assert_string_equal(c.q[14].obj, "org.midonet.midolman.monitoring."
                        "metrics:type=PacketPipelineGauge,name=*");
    assert_string_equal(c.q[19].obj, "org.midonet.midolman.monitoring."
                        "metrics:type=FlowTablesMeter,name=wildcardFlowsCreated");
    jmx_config_release(&c);
    strbuf_dispose(&err);
}

/* A syntax error names the file, line and column. */
static void test_jmxconf__broken_json_says_where(void **state)
{
    static const char text[] =
        "{\n"
        "  \"servers\": [ {\n"
        "    \"queries\": [ { \"obj\": \"java.lang:type=Memory\" },\n"
        "                   { \"obj\" \"java.lang:type=Threading\" } ]\n"
        "  } ]\n"
        "}\n";
    struct strbuf err = STRBUF_INIT;
    struct jmx_config c;

    assert_int_equal(jmx_config_parse(text, "x.json", &c, &err), -EINVAL);
    assert_non_null(strstr(err.buf, "x.json:4:"));
    assert_non_null(strstr(err.buf, "':'"));
    jmx_config_release(&c);
    strbuf_reset(&err);
    assert_int_equal(jmx_config_parse("{\"servers\": [", "y.json", &c, &err),
                     -EINVAL);
    assert_non_null(strstr(err.buf, "y.json:1:"));
    jmx_config_release(&c);
    strbuf_dispose(&err);
}

/* Valid JSON of the wrong shape names the field and what it expects. */
static void test_jmxconf__wrong_fields(void **state)
{
    static const struct { const char *text, *want; } cases[] = {
        { "{}", "expected an object with \"servers\"" },
        { "{\"servers\": [ { \"queries\": 3 } ]}",
          "servers[0].queries: expected an array" },
        { "{\"servers\": [ { \"queries\": [ { \"attr\": [\"A\"] } ] } ]}",
          "servers[0].queries[0].obj: expected an ObjectName" },
        { "{\"servers\": [ { \"queries\": [ { \"obj\": \"a:b=c\", "
          "\"attr\": \"Usage\" } ] } ]}",
          "servers[0].queries[0].attr: expected an array of strings" },
        { "{\"servers\": [ { \"queries\": [] }, { \"port\": true, "
          "\"queries\": [] } ]}", "servers[1].port: expected a port" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct strbuf err = STRBUF_INIT;
        struct jmx_config c;
        assert_int_equal(jmx_config_parse(cases[i].text, "z.json", &c, &err),
                         -EINVAL);
        if (!strstr(err.buf, cases[i].want))
            fail_msg("case %zu: '%s' lacks '%s'", i, err.buf, cases[i].want);
        jmx_config_release(&c);
        strbuf_dispose(&err);
    }
}

static void test_jmxconf__sidecar_lines(void **state)
{
    static const char text[] =
        "{\"servers\": [ { \"url\": \"service:jmx:rmi:///jndi/rmi://h:1/jmxrmi\","
        " \"queries\": [ { \"obj\": \"a:type=B,name=*\", \"attr\": [\"X\", \"Y\"],"
        " \"resultAlias\": \"al\", \"typeNames\": [\"name\"] },"
        " { \"obj\": \"c:type=D\\tE\" } ] } ]}";
    struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
    struct jmx_config c;

    assert_int_equal(jmx_config_parse(text, "s.json", &c, &err), 0);
    assert_string_equal(c.target, "service:jmx:rmi:///jndi/rmi://h:1/jmxrmi");
    jmx_config_to_lines(&c, true, &out);
    /* A tab inside a field would split it: it became a space. */
    assert_string_equal(out.buf, "defaults\n"
                        "query\ta:type=B,name=*\tX,Y\tal\tname\n"
                        "query\tc:type=D E\t\t\t\n");
    jmx_config_release(&c);
    strbuf_dispose(&out);
    strbuf_dispose(&err);
}

/* Labels that fit stay; long ones get a readable head and a hash tail,
 * distinct even when the heads are the same. */
static void test_metric__long_labels(void **state)
{
    struct metric_set ms = { 0 };

    metric_set_add_label(&ms, METRIC_GAUGE, "heap_used");
    metric_set_add_label(&ms, METRIC_GAUGE, "MemoryPool.CMS Old Gen.Usage.max");
    metric_set_add_label(&ms, METRIC_GAUGE, "PacketPipelineHistogram."
                         "simulationLatency.99thPercentile");
    metric_set_add_label(&ms, METRIC_GAUGE, "PacketPipelineHistogram."
                         "simulationLatency.999thPercentile");
    metric_set_add_label(&ms, METRIC_COUNTER, "gc.G1 Young Generation.count");
    metric_set_add_label(&ms, METRIC_GAUGE, "heap.used");
    assert_string_equal(ms.m[0].name, "heap_used");
    assert_string_equal(metric_label(&ms.m[0]), "heap_used");
    assert_string_equal(ms.m[0].label, "");
    for (size_t i = 1; i < ms.n; i++) {
        assert_true(strlen(ms.m[i].name) <= 19);
        assert_true(strspn(ms.m[i].name, "abcdefghijklmnopqrstuvwxyz"
                           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
                    == strlen(ms.m[i].name));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(ms.m[i].name, ms.m[j].name);
    }
    assert_memory_equal(ms.m[1].name, "MemoryPool_CMS", 14);
    assert_string_equal(metric_label(&ms.m[2]), "PacketPipelineHistogram."
                        "simulationLatency.99thPercentile");
    assert_int_equal(ms.m[4].kind, METRIC_COUNTER);
    /* "heap.used" would be heap_used, which is taken. */
    assert_string_not_equal(ms.m[5].name, "heap_used");
    metric_set_release(&ms);
}

static void test_jmx__this_process_is_no_jvm(void **state)
{
    assert_false(jmx_is_jvm(getpid()));
    assert_false(jmx_is_jvm(0));
}

/* A real JVM (the integration tests' PtTestApp, which `make test` builds)
 * is one, and jmx_find_jvm() picks it among a SUT's processes. */
static void test_jmx__a_jvm_is_found(void **state)
{
    const char *cls = "build/tests/jmx/PtTestApp.class";
    pid_t jvm, pids[2];
    bool seen = false;
    int status;

    if (!path_is_file(cls) || system("command -v java >/dev/null"))
        skip();
    jvm = fork();
    assert_true(jvm >= 0);
    if (jvm == 0) {
        freopen("/dev/null", "w", stdout);
        execlp("java", "java", "-Xmx64m", "-cp", "build/tests/jmx",
               "PtTestApp", (char *)NULL);
        _exit(127);
    }
    /* libjvm.so is mapped within the JVM's first moments. */
    for (int i = 0; i < 200 && !seen; i++) {
        seen = jmx_is_jvm(jvm);
        if (!seen)
            sleep_ms(50);
    }
    pids[0] = getpid();
    pids[1] = jvm;
    assert_int_equal(jmx_find_jvm(pids, 2), seen ? jvm : 0);
    kill(jvm, SIGKILL);
    waitpid(jvm, &status, 0);
    assert_true(seen);
    assert_false(jmx_is_jvm(jvm));
}

/* A state as jmx_init() has it while it waits, reading from a socket the
 * test writes to as the sidecar would; sv[1] is the sidecar's end. */
static struct jmx_state *waiting_state(struct metric_set *ms, int sv[2])
{
    struct jmx_state *s = xcalloc(1, sizeof *s);

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    s->sc.fd = sv[0];
    strbuf_init(&s->sc.in);
    strbuf_init(&s->setup);
    strbuf_init(&s->why);
    s->interval = 1;
    s->ms = ms;
    return s;
}

/* "ready" and the first sample in one read: the sample is kept, and
 * nothing is written before the buffer for it exists (issue 16 item 3:
 * on_sample wrote through a NULL 'last'). */
static void test_jmx__ready_and_sample_in_one_read(void **state)
{
    static const char lines[] = "metric\tgauge\theap_used\n"
                                "metric\tcounter\tgc_count\n"
                                "ready\t2\n"
                                "sample\t123456789\t4096\tnan\n";
    struct metric_set ms = { 0 };
    int sv[2];
    struct jmx_state *s = waiting_state(&ms, sv);

    assert_int_equal(write(sv[1], lines, sizeof lines - 1),
                     (ssize_t)(sizeof lines - 1));
    assert_int_equal(wait_ready(s, monotonic_ms() + 5000), 0);
    assert_true(s->ready);
    assert_int_equal(ms.n, 2);
    assert_non_null(s->last);
    assert_int_equal(s->last_ns, 123456789);
    assert_true(s->last[0] == 4096);
    assert_true(isnan(s->last[1]));
    close(sv[1]);
    s->ms = NULL;
    jmx_close(s);
    metric_set_release(&ms);
}

static void *interrupt_later(void *arg)
{
    sleep_ms(300);
    pt_interrupted = SIGINT;
    return NULL;
}

/* A sidecar that never says "ready" (a JVM that hangs) holds the start
 * up for 60 s; Ctrl-C must end it at once, also when the signal went to
 * another thread and left this one's poll() running. */
static void test_jmx__start_wait_ends_on_interrupt(void **state)
{
    struct metric_set ms = { 0 };
    int sv[2];
    struct jmx_state *s = waiting_state(&ms, sv);
    long long t0 = monotonic_ms();
    pthread_t th;

    pthread_create(&th, NULL, interrupt_later, NULL);
    assert_int_equal(wait_ready(s, t0 + JMX_START_TIMEOUT_MS), -EINTR);
    assert_true(monotonic_ms() - t0 < 2000);
    pthread_join(th, NULL);
    pt_interrupted = 0;
    close(sv[1]);
    s->ms = NULL;
    jmx_close(s);
    metric_set_release(&ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jmxconf__midolman_file_loads),
        cmocka_unit_test(test_jmxconf__broken_json_says_where),
        cmocka_unit_test(test_jmxconf__wrong_fields),
        cmocka_unit_test(test_jmxconf__sidecar_lines),
        cmocka_unit_test(test_metric__long_labels),
        cmocka_unit_test(test_jmx__this_process_is_no_jvm),
        cmocka_unit_test(test_jmx__a_jvm_is_found),
        cmocka_unit_test(test_jmx__ready_and_sample_in_one_read),
        cmocka_unit_test(test_jmx__start_wait_ends_on_interrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
