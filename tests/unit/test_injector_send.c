/* The injector's pacing loop on a backend of our own that waits and
 * pushes back as we say: what it reports as sent, when, and the send
 * time the frames carry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>

#include "traffic/injector.c"
#include "traffic/frame.h"
#include "lib/util.h"

#define MAX_FRAMES 256

struct fake {
    uint8_t bufs[INJECTOR_BATCH][FRAME_MAX];
    size_t len;
    uint64_t stage_wait_ns;         /* stage() waits this long for room */
    uint64_t staged_at[MAX_FRAMES]; /* when stage() had room, per frame */
    uint64_t sent_at[MAX_FRAMES];   /* when send() handed it over */
    uint8_t frames[MAX_FRAMES][FRAME_MAX];
    int pushbacks_left;             /* the last batch is refused so often */
    uint64_t pushback_ns;           /* each refusal takes this long */
    uint64_t total, next;           /* frames expected, frames staged */
    uint64_t batch_first;
};

static void busy_wait(uint64_t ns)
{
    uint64_t end = pace_now_ns() + ns;

    while (pace_now_ns() < end)
        ;
}

static int fake_stage(void *state, int n, size_t len, uint8_t **dst,
                      struct strbuf *err)
{
    struct fake *f = state;

    busy_wait(f->stage_wait_ns);
    f->len = len;
    f->batch_first = f->next;
    for (int k = 0; k < n; k++) {
        dst[k] = f->bufs[k];
        if (f->next + (uint64_t)k < MAX_FRAMES)
            f->staged_at[f->next + (uint64_t)k] = pace_now_ns();
    }
    f->next += (uint64_t)n;
    return 0;
}

static int fake_send(void *state, int from, int n)
{
    struct fake *f = state;

    /* The last batch meets a full queue: pushed back, then sent. */
    if (f->next == f->total && f->pushbacks_left > 0) {
        f->pushbacks_left--;
        busy_wait(f->pushback_ns);
        return 0;
    }
    for (int k = from; k < n; k++) {
        uint64_t seq = f->batch_first + (uint64_t)k;
        if (seq < MAX_FRAMES) {
            f->sent_at[seq] = pace_now_ns();
            memcpy(f->frames[seq], f->bufs[k], f->len);
        }
    }
    return n - from;
}

static void fake_close(void *state)
{
    (void)state;
}

static const struct injector_backend_ops fake_ops = {
    .name = "fake", .help = "a test backend", .stage = fake_stage,
    .send = fake_send, .close = fake_close,
};

static void make_frame(struct frame *fr)
{
    struct frame_spec spec = { .size = 60, .proto = FRAME_UDP,
                               .src_port = 1, .dst_port = 2, .run = 0x800 };

    spec.src_ip = htonl(0xc6120001);
    spec.dst_ip = htonl(0xc6120002);
    assert_int_equal(frame_init(fr, &spec), 0);
}

/* The rate is what was sent when it was sent: a last batch held back by a
 * full queue counts when it left, not when it was staged. */
static void test_injector_send__rate_counts_when_sent(void **state)
{
    struct fake *f = xcalloc(1, sizeof *f);
    struct injector inj = { .ops = &fake_ops, .state = f };
    struct inject_stats *st = xcalloc(1, sizeof *st);
    struct frame fr;
    struct flow_pattern flows = { 0 };
    struct strbuf err = STRBUF_INIT;
    double truth;

    make_frame(&fr);
    f->total = 100;
    f->pushbacks_left = 5;
    /* 100 ms in all at the end, long beside the 9.9 ms of the frames, so
     * the case holds however slowly the frames went (valgrind).  The two
     * clocks (the fake's, the injector's) are read microseconds apart,
     * more when the scheduler steps in between on a busy host: 5 % of the
     * span is 5 ms. */
    f->pushback_ns = 20000000;
    assert_int_equal(injector_send(&inj, &fr, &flows, 100, 10000, NULL, st,
                                   &err), 0);
    assert_int_equal(st->sent, 100);
    assert_int_equal(st->pushback, 5);
    truth = 99 * 1e9 / (double)(f->sent_at[99] - f->sent_at[0]);
    /* Counted when staged it would be about 10 kpps. */
    assert_true(truth < 1000);
    assert_true(fabs(st->tx_rate - truth) / truth < 0.05);
    free(st);
    free(f);
    strbuf_dispose(&err);
}

/* A frame's send time is read once the backend had room for it: waiting
 * for a ring slot is the harness's queueing, not the datapath's latency. */
static void test_injector_send__stamped_after_the_wait(void **state)
{
    struct fake *f = xcalloc(1, sizeof *f);
    struct injector inj = { .ops = &fake_ops, .state = f };
    struct inject_stats *st = xcalloc(1, sizeof *st);
    struct frame fr;
    struct flow_pattern flows = { 0 };
    struct strbuf err = STRBUF_INIT;

    make_frame(&fr);
    f->total = 20;
    f->stage_wait_ns = 1000000;     /* every batch waits 1 ms for room */
    assert_int_equal(injector_send(&inj, &fr, &flows, 20, 100000, NULL, st,
                                   &err), 0);
    for (uint64_t i = 0; i < 20; i++) {
        uint64_t seq, tx_ns;
        assert_true(frame_parse(f->frames[i], f->len, 0x800, &seq, &tx_ns));
        assert_int_equal(seq, i);
        assert_true(tx_ns >= f->staged_at[i]);
        assert_true(tx_ns <= f->sent_at[i]);
    }
    /* The wait shows as the injector's lateness instead. */
    assert_true(hist_percentile(&st->lateness, 50) >= 900000);
    free(st);
    free(f);
    strbuf_dispose(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_injector_send__rate_counts_when_sent),
        cmocka_unit_test(test_injector_send__stamped_after_the_wait),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
