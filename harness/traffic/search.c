#include "traffic/search.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"

size_t search_steps(long start, long step, long max, long **rates)
{
    size_t n;

    *rates = NULL;
    if (start > max)
        return 0;
    /* A step of 0 (settings forbid it; callers may not) is one rate. */
    n = step > 0 ? (size_t)((max - start) / step) + 1 : 1;
    *rates = xrealloc(NULL, n * sizeof **rates);
    for (size_t i = 0; i < n; i++)
        (*rates)[i] = start + (long)i * step;
    return n;
}

/* What the search remembers of a trial. */
struct record {
    struct search_trial t;
    double loss;            /* (sent - received) / sent; 1 when none sent */
    bool failed;            /* invalid twice at this rate: counts as loss */
};

struct search {
    const struct search_config *cfg;
    struct record *rec;
    int n;
};

/* A search goal: the highest rate with loss <= 'max_loss' in trials at
 * least 'duration' long. */
struct goal {
    double max_loss;
    double duration;
};

/* The tightest bounds the history gives for a goal: 'lo' the best passing
 * trial below every failing one, 'hi' the lowest failing one; -1: none.
 * Failing trials of any length count (a longer trial does not lose less);
 * passing ones only when they are long enough. */
static void bounds(const struct search *s, const struct goal *g, int *lo,
                   int *hi)
{
    *lo = *hi = -1;
    for (int i = 0; i < s->n; i++) {
        const struct record *r = &s->rec[i];
        bool fail = r->failed || (r->t.valid && r->loss > g->max_loss);
        if (fail && (*hi < 0 || r->t.rate < s->rec[*hi].t.rate))
            *hi = i;
    }
    for (int i = 0; i < s->n; i++) {
        const struct record *r = &s->rec[i];
        if (!r->t.valid || r->failed || r->loss > g->max_loss
            || r->t.duration < g->duration)
            continue;
        if (*hi >= 0 && r->t.rate >= s->rec[*hi].t.rate)
            continue;       /* noise: passed above a failure; ignore */
        if (*lo < 0 || r->t.rate > s->rec[*lo].t.rate)
            *lo = i;
    }
}

/* The rate a passing trial proves: never more than it actually sent. */
static double proven_rate(const struct record *r)
{
    if (r->t.tx_rate > 0 && r->t.tx_rate < r->t.rate)
        return r->t.tx_rate;
    return r->t.rate;
}

/* Whether a trial at 'rate', at least 'duration' long, said something:
 * an invalid one (the harness dropped) did not, and is run again. */
static bool tried(const struct search *s, double rate, double duration)
{
    for (int i = 0; i < s->n; i++)
        if (s->rec[i].t.rate == rate && s->rec[i].t.duration >= duration
            && (s->rec[i].t.valid || s->rec[i].failed))
            return true;
    return false;
}

/* The next rate to try for a goal, or 0 when the goal is settled. */
static double next_rate(const struct search *s, const struct goal *g)
{
    const struct search_config *cfg = s->cfg;
    struct goal any = { g->max_loss, 0 };
    int lo, hi, lo_any, hi_any, fails = 0;
    double hi_rate, next;

    bounds(s, g, &lo, &hi);
    if (hi < 0)
        /* Nothing failed: passing at the top settles it. */
        return lo >= 0 ? 0 : cfg->max_rate;
    hi_rate = s->rec[hi].t.rate;
    if (lo >= 0) {
        if (hi_rate - s->rec[lo].t.rate <= cfg->width * hi_rate)
            return 0;
        return (s->rec[lo].t.rate + hi_rate) / 2;
    }
    /* No long-enough pass below the failure: confirm what shorter trials
     * passed, first. */
    bounds(s, &any, &lo_any, &hi_any);
    if (lo_any >= 0 && !tried(s, s->rec[lo_any].t.rate, g->duration))
        return s->rec[lo_any].t.rate;
    /* Search down: the first failure's forwarding rate is the best guess
     * at the capacity (RFC 2544 style); after that, halve. */
    for (int i = 0; i < s->n; i++)
        fails += s->rec[i].failed || (s->rec[i].t.valid
                                      && s->rec[i].loss > g->max_loss);
    next = hi_rate / 2;
    if (fails == 1 && s->rec[hi].t.rx_rate < hi_rate * (1 - cfg->width)
        && s->rec[hi].t.rx_rate > next)
        next = s->rec[hi].t.rx_rate;
    if (next < cfg->min_rate)
        next = cfg->min_rate < hi_rate && !tried(s, cfg->min_rate, 0)
                   ? cfg->min_rate : 0;
    return next;
}

static double loss_of(const struct search_trial *t)
{
    if (!t->sent)
        return 1;
    return t->received >= t->sent
               ? 0 : (double)(t->sent - t->received) / (double)t->sent;
}

static void result_bound(const struct search *s, const struct goal *g,
                         struct search_bound *b)
{
    struct goal any = { g->max_loss, 0 };
    int lo, hi;

    bounds(s, g, &lo, &hi);
    if (lo < 0)     /* not settled: report what shorter trials showed */
        bounds(s, &any, &lo, &hi);
    b->trial = lo;
    b->rate = lo >= 0 ? proven_rate(&s->rec[lo]) : 0;
    b->loss = lo >= 0 ? s->rec[lo].loss : 1;
}

int search_run(const struct search_config *cfg, search_trial_fn *fn,
               void *arg, struct search_result *result)
{
    double final = fmax(cfg->final_duration, cfg->short_duration);
    /* NDR first, then PDR, each narrowed with short trials and then
     * confirmed with final ones. */
    const struct goal goals[] = {
        { 0, cfg->short_duration }, { 0, final },
        { cfg->pdr_loss, cfg->short_duration }, { cfg->pdr_loss, final },
    };
    struct search s = { .cfg = cfg };
    size_t g = 0;
    int rc = 0;

    memset(result, 0, sizeof *result);
    s.rec = xrealloc(NULL, (size_t)(cfg->max_trials > 0 ? cfg->max_trials : 1)
                               * sizeof *s.rec);
    while (g < sizeof goals / sizeof *goals) {
        double rate = next_rate(&s, &goals[g]);
        struct record *r;

        if (rate <= 0) {
            g++;
            continue;
        }
        if (s.n >= cfg->max_trials)
            break;
        r = &s.rec[s.n];
        memset(r, 0, sizeof *r);
        rc = fn(arg, rate, goals[g].duration, &r->t);
        if (rc < 0)
            break;
        r->t.rate = rate;
        r->t.duration = goals[g].duration;
        r->loss = loss_of(&r->t);
        /* The harness dropped frames itself: once may be a hiccup, twice
         * in a row at one rate means it cannot measure there. */
        r->failed = !r->t.valid && s.n > 0 && !s.rec[s.n - 1].t.valid
                    && s.rec[s.n - 1].t.rate == rate;
        s.n++;
    }
    result->n_trials = s.n;
    result->converged = rc >= 0 && g == sizeof goals / sizeof *goals;
    result_bound(&s, &goals[1], &result->ndr);
    result_bound(&s, &goals[3], &result->pdr);
    free(s.rec);
    return rc < 0 ? rc : 0;
}
