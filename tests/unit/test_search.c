/* The NDR/PDR search against a simulated datapath of known capacity, and
 * the stepped scan's rates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <math.h>
#include <stdlib.h>

#include "traffic/search.h"

/* A datapath that forwards everything up to 'capacity' pps, loses a
 * small fraction ('soft_loss') up to 'soft_capacity', and beyond that
 * forwards 'soft_capacity' at most.  The sender itself cannot exceed
 * 'tx_cap' pps (0: no cap).  Trials that are too short to show a small
 * loss pass: 'short_forgiven' seconds or less hide the soft loss. */
struct sim {
    double capacity, soft_capacity, soft_loss, tx_cap, short_forgiven;
    int calls, invalid_from, invalid_calls, abort_at;
    bool invalid_first_long;    /* the first final-length trial is invalid */
    int first_long;             /* its call number, 1-based */
    double rates[64], durations[64];
};

static int sim_trial(void *arg, double rate, double duration,
                     struct search_trial *out)
{
    struct sim *s = arg;
    double tx = s->tx_cap > 0 && rate > s->tx_cap ? s->tx_cap : rate;
    double fwd;

    if (s->calls < 64) {
        s->rates[s->calls] = rate;
        s->durations[s->calls] = duration;
    }
    if (s->abort_at && s->calls + 1 == s->abort_at)
        return -EINTR;
    s->calls++;
    out->sent = (uint64_t)llround(tx * duration);
    if (tx <= s->capacity)
        fwd = tx;
    else if (tx <= s->soft_capacity)
        fwd = duration <= s->short_forgiven ? tx : tx * (1 - s->soft_loss);
    else
        fwd = s->soft_capacity;
    out->received = (uint64_t)llround(fwd * duration);
    if (out->received > out->sent)
        out->received = out->sent;
    out->tx_rate = tx;
    out->rx_rate = fwd;
    out->valid = !(s->invalid_from && rate >= s->invalid_from);
    if (s->invalid_first_long && !s->first_long && duration >= 10) {
        s->first_long = s->calls;
        out->valid = false;
    }
    if (!out->valid)
        s->invalid_calls++;
    return 0;
}

static struct search_config config(void)
{
    struct search_config c = {
        .max_rate = 1e6, .min_rate = 1000, .pdr_loss = 0.005,
        .width = 0.01, .max_trials = 40, .short_duration = 1,
        .final_duration = 10,
    };
    return c;
}

/* The bound is within 'width' below the truth and never above it. */
static void assert_near_below(double found, double truth, double width)
{
    assert_true(found <= truth);
    assert_true(found >= truth * (1 - width));
}

static void test_search__finds_ndr_and_pdr(void **state)
{
    struct search_config c = config();
    struct sim s = { .capacity = 300000, .soft_capacity = 450000,
                     .soft_loss = 0.001 };
    struct search_result r;
    (void)state;

    assert_int_equal(search_run(&c, sim_trial, &s, &r), 0);
    assert_true(r.converged);
    assert_int_equal(r.n_trials, s.calls);
    assert_near_below(r.ndr.rate, 300000, c.width);
    /* Above soft_capacity the loss is 1 - soft_capacity / rate: within
     * pdr_loss up to soft_capacity / (1 - pdr_loss). */
    assert_near_below(r.pdr.rate, 450000 / (1 - c.pdr_loss), c.width);
    assert_true(r.ndr.loss == 0);
    assert_true(r.pdr.loss <= c.pdr_loss);
    /* The deciding trials are final (long) ones. */
    assert_true(s.durations[r.ndr.trial] == c.final_duration);
    assert_true(s.durations[r.pdr.trial] == c.final_duration);
    /* The first trial is at the top. */
    assert_true(s.rates[0] == c.max_rate);
}

/* Short trials can look loss-free where long ones are not: the bound must
 * come from a long trial that passed. */
static void test_search__short_trials_are_confirmed(void **state)
{
    struct search_config c = config();
    struct sim s = { .capacity = 200000, .soft_capacity = 400000,
                     .soft_loss = 0.01, .short_forgiven = 1 };
    struct search_result r;
    (void)state;

    assert_int_equal(search_run(&c, sim_trial, &s, &r), 0);
    assert_true(r.converged);
    assert_near_below(r.ndr.rate, 200000, c.width);
    /* 1 % soft loss is above PDR's 0.5 %: PDR is the hard capacity too. */
    assert_near_below(r.pdr.rate, 200000, c.width);
    assert_true(s.durations[r.ndr.trial] == c.final_duration);
}

static void test_search__everything_passes(void **state)
{
    struct search_config c = config();
    struct sim s = { .capacity = 2e6, .soft_capacity = 2e6 };
    struct search_result r;
    (void)state;

    assert_int_equal(search_run(&c, sim_trial, &s, &r), 0);
    assert_true(r.converged);
    assert_true(r.ndr.rate == c.max_rate);
    assert_true(r.pdr.rate == c.max_rate);
    /* One short trial, one final: nothing to search. */
    assert_int_equal(r.n_trials, 2);
}

/* The sender cannot reach the rate asked for: the bound is what it sent,
 * never what was asked. */
static void test_search__bound_is_what_was_sent(void **state)
{
    struct search_config c = config();
    struct sim s = { .capacity = 2e6, .soft_capacity = 2e6, .tx_cap = 123456 };
    struct search_result r;
    (void)state;

    assert_int_equal(search_run(&c, sim_trial, &s, &r), 0);
    assert_true(r.ndr.rate == 123456);
    assert_true(r.pdr.rate == 123456);
}

static void test_search__all_loss(void **state)
{
    struct search_config c = config();
    struct sim s = { .capacity = 10, .soft_capacity = 10 };
    struct search_result r;
    (void)state;

    assert_int_equal(search_run(&c, sim_trial, &s, &r), 0);
    assert_true(r.ndr.rate == 0);
    assert_int_equal(r.ndr.trial, -1);
    assert_true(r.ndr.loss == 1);
    assert_true(r.pdr.rate == 0);
    /* It went down to min_rate and stopped there. */
    assert_true(s.rates[s.calls - 1] == c.min_rate);
    assert_true(s.calls < c.max_trials);
}

static void test_search__abort_keeps_what_was_measured(void **state)
{
    struct search_config c = config();
    struct sim s = { .capacity = 300000, .soft_capacity = 300000,
                     .abort_at = 4 };
    struct search_result r;
    (void)state;

    assert_int_equal(search_run(&c, sim_trial, &s, &r), -EINTR);
    assert_false(r.converged);
    assert_int_equal(r.n_trials, 3);
    /* Three short trials were measured: a bound from them is reported. */
    assert_true(r.ndr.rate > 0 && r.ndr.rate <= 300000);
}

static void test_search__max_trials(void **state)
{
    struct search_config c = config();
    struct sim s = { .capacity = 300000, .soft_capacity = 300000 };
    struct search_result r;
    (void)state;

    c.max_trials = 3;
    assert_int_equal(search_run(&c, sim_trial, &s, &r), 0);
    assert_false(r.converged);
    assert_int_equal(r.n_trials, 3);
    assert_int_equal(s.calls, 3);
}

/* The harness dropping frames itself makes a trial invalid: it is
 * repeated once, then counted as a failure at that rate. */
/* An invalid confirmation trial proves nothing: it is run again at the
 * same rate, never taken as tried. */
static void test_search__invalid_confirmation_repeated(void **state)
{
    struct search_config c = config();
    struct sim s = { .capacity = 300000, .soft_capacity = 300000,
                     .invalid_first_long = true };
    struct search_result r;
    bool repeated = false;
    (void)state;

    assert_int_equal(search_run(&c, sim_trial, &s, &r), 0);
    assert_true(s.first_long > 0);
    for (int i = s.first_long; i < s.calls && i < 64; i++)
        repeated |= s.rates[i] == s.rates[s.first_long - 1]
                    && s.durations[i] >= 10;
    assert_true(repeated);
    assert_near_below(r.ndr.rate, 300000, c.width);
}

static void test_search__invalid_trials(void **state)
{
    struct search_config c = config();
    struct sim s = { .capacity = 800000, .soft_capacity = 800000,
                     .invalid_from = 500000 };
    struct search_result r;
    (void)state;

    assert_int_equal(search_run(&c, sim_trial, &s, &r), 0);
    assert_true(r.converged);
    assert_true(s.rates[0] == s.rates[1]);          /* repeated once */
    assert_true(s.rates[2] < s.rates[1]);           /* then lower */
    assert_near_below(r.ndr.rate, 500000, c.width);
    assert_true(s.invalid_calls >= 2);
}

static void test_search__steps(void **state)
{
    long *rates;
    size_t n;
    (void)state;

    n = search_steps(10000, 10000, 50000, &rates);
    assert_int_equal(n, 5);
    assert_int_equal(rates[0], 10000);
    assert_int_equal(rates[4], 50000);
    free(rates);
    n = search_steps(2000, 4000, 10000, &rates);    /* max not on a step */
    assert_int_equal(n, 3);
    assert_int_equal(rates[2], 10000);
    free(rates);
    assert_int_equal(search_steps(5, 1, 4, &rates), 0);
    assert_null(rates);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search__finds_ndr_and_pdr),
        cmocka_unit_test(test_search__short_trials_are_confirmed),
        cmocka_unit_test(test_search__everything_passes),
        cmocka_unit_test(test_search__bound_is_what_was_sent),
        cmocka_unit_test(test_search__all_loss),
        cmocka_unit_test(test_search__abort_keeps_what_was_measured),
        cmocka_unit_test(test_search__max_trials),
        cmocka_unit_test(test_search__invalid_trials),
        cmocka_unit_test(test_search__invalid_confirmation_repeated),
        cmocka_unit_test(test_search__steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
