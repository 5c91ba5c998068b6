/* The jmx collector's reading of the sidecar's lines (collectors/jmx.c,
 * on_line()): what the metric set becomes while it starts, and when a
 * sidecar counts as having declared other metrics than the first one.
 * The lines are handed over as jmx_sidecar_read() would; no sidecar runs.
 * tests/fuzz/fuzz_jmx.c reads the same lines from a socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

/* The file itself, for its static line handler and state; the library's
 * jmx.o is then not linked. */
#include "collectors/jmx.c"

/* A collector as jmx_init() has it while it waits for "ready". */
static struct jmx_state *starting(struct metric_set *ms)
{
    struct jmx_state *s = xcalloc(1, sizeof *s);

    s->sc.fd = -1;
    strbuf_init(&s->sc.in);
    strbuf_init(&s->setup);
    strbuf_init(&s->why);
    s->ms = ms;
    return s;
}

/* on_line() takes the line as jmx_sidecar_read() hands it: writable. */
static void line(struct jmx_state *s, const char *text)
{
    char *copy = xstrdup(text);

    on_line(s, copy);
    free(copy);
}

/* A metric after "ready" (found by tests/fuzz/fuzz_jmx.c, in the read
 * that brought "ready"): the set is closed, since the sample buffer is
 * sized for it, so the sidecar is taken as wrong and nothing is added.
 * Adding it let the next sample write past the buffer's end. */
static void test_jmx__metric_after_ready_is_a_mismatch(void **state)
{
    struct metric_set ms = { 0 };
    struct jmx_state *s = starting(&ms);

    line(s, "metric\tgauge\theap_used");
    line(s, "ready\t1");
    assert_true(s->ready);
    line(s, "metric\tgauge\tlate");
    line(s, "metric\tcounter\tlater");
    assert_int_equal(ms.n, 1);
    assert_int_equal(s->n, 1);
    assert_string_equal(s->labels[0], "heap_used");
    assert_true(s->mismatch);
    s->ms = NULL;
    jmx_close(s);
    metric_set_release(&ms);
}

/* A sidecar started (the first, while the metric set is open, or again)
 * that declares 'first' and 'second', then says "ready"; start_sidecar()
 * resets the handshake for each. */
static void restart_declaring(struct jmx_state *s, const char *first,
                              const char *second)
{
    s->n_seen = 0;
    s->ready = false;
    line(s, first);
    line(s, second);
    line(s, "ready\t2");
}

/* A restarted sidecar declares its metrics again, with the set closed:
 * the same ones in the same order are no mismatch, another one is. */
static void test_jmx__restart_declares_the_same_metrics(void **state)
{
    struct metric_set ms = { 0 };
    struct jmx_state *s = starting(&ms);

    restart_declaring(s, "metric\tgauge\theap_used",
                      "metric\tcounter\tgc_count");
    s->ms = NULL;
    restart_declaring(s, "metric\tgauge\theap_used",
                      "metric\tcounter\tgc_count");
    assert_true(s->ready);
    assert_false(s->mismatch);
    restart_declaring(s, "metric\tgauge\theap_used",
                      "metric\tgauge\tthreads");
    assert_true(s->mismatch);
    assert_false(s->ready);
    assert_int_equal(ms.n, 2);
    jmx_close(s);
    metric_set_release(&ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jmx__metric_after_ready_is_a_mismatch),
        cmocka_unit_test(test_jmx__restart_declares_the_same_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
