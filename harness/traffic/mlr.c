#include "traffic/mlr.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "lib/util.h"

/* Coarse phases stop doubling the width here: wider than this, a phase
 * would decide nothing a first trial at max_load and at its forwarding
 * rate do not. */
#define MLR_COARSEST_WIDTH 0.08
/* A trial counts fully when it is this close to the final duration
 * (durations are doubles computed from settings). */
#define MLR_DURATION_SLACK 0.999

/* One trial, as the search keeps it. */
struct rec {
    size_t load;                /* index into loads */
    double duration;
    double loss;                /* (sent - received) / sent */
    double tx_rate, fwd_rate;   /* pps achieved, pps forwarded */
    bool not_reached;           /* short of rate, or the harness could not
                                   measure there: never a pass */
};

/* What one phase asks: a goal, or a coarser version of it. */
struct phase {
    double loss_ratio, final_duration, duration_sum, exceed_ratio, width;
};

struct mlr {
    const struct mlr_config *cfg;
    mlr_trial_fn *fn;
    void *arg;
    double *loads;
    size_t n_loads, alloc_loads;
    struct rec *recs;
    size_t n_recs, alloc_recs;
    int up_steps, down_steps;   /* expansions in a row, per phase */
};

enum verdict { UNDECIDED, LOWER, UPPER };

/* The good and bad seconds at a load for a phase, and of the bad ones
 * those of trials that fell short of the load ('unreached').  A trial
 * shorter than the phase's final duration proves nothing when it passes,
 * but a loss in it is evidence: it counts as bad for its own length. */
static void sums(const struct mlr *m, const struct phase *p, size_t load,
                 double *good, double *bad, double *unreached)
{
    *good = *bad = *unreached = 0;
    for (size_t i = 0; i < m->n_recs; i++) {
        const struct rec *r = &m->recs[i];
        bool is_bad = r->not_reached || r->loss > p->loss_ratio;
        if (r->load != load)
            continue;
        if (is_bad) {
            *bad += r->duration;
            if (r->not_reached)
                *unreached += r->duration;
        } else if (r->duration >= p->final_duration * MLR_DURATION_SLACK) {
            *good += r->duration;
        }
    }
}

static enum verdict classify(const struct mlr *m, const struct phase *p,
                             size_t load)
{
    double good, bad, missing, total;
    double unreached;

    sums(m, p, load, &good, &bad, &unreached);
    missing = fmax(0, p->duration_sum - good - bad);
    total = good + bad + missing;
    if (total <= 0)
        return UNDECIDED;
    /* Optimistic: every missing second good; still too many bad. */
    if (bad / total > p->exceed_ratio)
        return UPPER;
    /* Pessimistic: every missing second bad; still few enough. */
    if ((bad + missing) / total <= p->exceed_ratio)
        return LOWER;
    return UNDECIDED;
}

/* The relevant upper bound (the lowest upper bound) and the relevant
 * lower bound (the highest lower bound below it); SIZE_MAX: none.  A lower
 * bound above an upper one is noise and ignored. */
static void bounds(const struct mlr *m, const struct phase *p, size_t *lo,
                   size_t *hi)
{
    *lo = *hi = SIZE_MAX;
    for (size_t i = 0; i < m->n_loads; i++)
        if (classify(m, p, i) == UPPER
            && (*hi == SIZE_MAX || m->loads[i] < m->loads[*hi]))
            *hi = i;
    for (size_t i = 0; i < m->n_loads; i++) {
        if (*hi != SIZE_MAX && m->loads[i] >= m->loads[*hi])
            continue;
        if (classify(m, p, i) == LOWER
            && (*lo == SIZE_MAX || m->loads[i] > m->loads[*lo]))
            *lo = i;
    }
}

static size_t find_load(const struct mlr *m, double load)
{
    for (size_t i = 0; i < m->n_loads; i++)
        if (m->loads[i] == load)
            return i;
    return SIZE_MAX;
}

static size_t add_load(struct mlr *m, double load)
{
    size_t i = find_load(m, load);

    if (i != SIZE_MAX)
        return i;
    if (m->n_loads == m->alloc_loads) {
        m->alloc_loads = m->alloc_loads ? 2 * m->alloc_loads : 16;
        m->loads = xrealloc(m->loads, m->alloc_loads * sizeof *m->loads);
    }
    m->loads[m->n_loads] = load;
    return m->n_loads++;
}

/* The mean forwarding rate of the trials at a load. */
static double forwarding_rate(const struct mlr *m, size_t load)
{
    double sum = 0, n = 0;

    for (size_t i = 0; i < m->n_recs; i++)
        if (m->recs[i].load == load)
            sum += m->recs[i].fwd_rate, n++;
    return n ? sum / n : 0;
}

/* What the trials so far lean to at a load, however few: more bad
 * seconds than the exceed ratio allows leans upper. */
static bool leans_upper(const struct mlr *m, const struct phase *p,
                        size_t load)
{
    double good, bad;
    double unreached;

    sums(m, p, load, &good, &bad, &unreached);
    return bad > p->exceed_ratio * (good + bad);
}

/* An undecided load inside the bounds needs more trials before any new
 * load makes sense.  Of those, the highest that leans lower and the
 * lowest that leans upper are where the answer is (coarser phases left
 * them there); the loads far below it are never worth a duration sum.
 * The lower of the two goes first: deciding it upper prunes the other. */
static size_t undecided_candidate(const struct mlr *m, const struct phase *p,
                                  double lo_load, double hi_load)
{
    size_t low = SIZE_MAX, up = SIZE_MAX;

    for (size_t i = 0; i < m->n_loads; i++) {
        double l = m->loads[i];
        if (l <= lo_load || l >= hi_load || classify(m, p, i) != UNDECIDED)
            continue;
        if (leans_upper(m, p, i)) {
            if (up == SIZE_MAX || l < m->loads[up])
                up = i;
        } else if (low == SIZE_MAX || l > m->loads[low]) {
            low = i;
        }
    }
    if (low != SIZE_MAX && (up == SIZE_MAX || m->loads[low] < m->loads[up]))
        return low;
    return up;
}

/* Whether upper bound 'load' is the generator's: trials there fell short
 * of the load, and of the trials that reached it, no more than the exceed
 * ratio lost too much (none reached it: the generator's).  One trial
 * short of rate (the injector's CPU taken away once) at a load where the
 * others lose is the datapath's bound. */
static bool upper_by_generator(const struct mlr *m, const struct phase *p,
                               size_t load)
{
    double good, bad, unreached, lossy;

    sums(m, p, load, &good, &bad, &unreached);
    lossy = bad - unreached;
    return unreached > 0 && lossy <= p->exceed_ratio * (lossy + good);
}

/* The width a phase ends within: its own, or MLR_GENERATOR_WIDTH when
 * the relevant upper bound is the generator's (mlr.h says why). */
static double done_width(const struct mlr *m, const struct phase *p,
                         size_t hi)
{
    if (hi != SIZE_MAX && upper_by_generator(m, p, hi))
        return fmax(p->width, MLR_GENERATOR_WIDTH);
    return p->width;
}

/* The load to measure next for a phase; 0 when the phase is done. */
static double next_load(struct mlr *m, const struct phase *p)
{
    const struct mlr_config *cfg = m->cfg;
    size_t lo, hi, cand;
    double lo_load, hi_load, next;

    bounds(m, p, &lo, &hi);
    lo_load = lo == SIZE_MAX ? 0 : m->loads[lo];
    hi_load = hi == SIZE_MAX ? INFINITY : m->loads[hi];
    if (lo != SIZE_MAX && hi != SIZE_MAX
        && hi_load - lo_load <= done_width(m, p, hi) * hi_load)
        return 0;
    if (hi == SIZE_MAX && lo_load >= cfg->max_load)
        return 0;
    if (lo == SIZE_MAX && hi_load <= cfg->min_load)
        return 0;
    cand = undecided_candidate(m, p, lo_load, hi_load);
    if (cand != SIZE_MAX)
        return m->loads[cand];
    if (lo == SIZE_MAX && hi == SIZE_MAX) {
        next = cfg->max_load;
    } else if (hi == SIZE_MAX) {
        /* Expand up, doubling the step while it keeps passing. */
        next = fmin(cfg->max_load,
                    lo_load * (1 + p->width * (1 << m->up_steps)));
        m->up_steps += m->up_steps < 16;
    } else if (lo == SIZE_MAX) {
        /* Expand down: the forwarding rate at the upper bound is the best
         * guess (RFC 2544's), else a step that doubles each time. */
        double fwd = forwarding_rate(m, hi);
        next = hi_load * (1 - fmin(0.5, p->width * (1 << m->down_steps)));
        if (fwd > 0 && fwd < next && m->down_steps == 0)
            next = fwd;
        next = fmax(cfg->min_load, next);
        m->down_steps += m->down_steps < 16;
    } else {
        /* Bisect in log space: a wide first interval (max_load against
         * the forwarding rate) closes in a few steps. */
        next = sqrt(lo_load * hi_load);
        m->up_steps = m->down_steps = 0;
    }
    next = round(next);
    if (next <= lo_load || next >= hi_load)
        return 0;           /* the grid of whole pps is finer than this */
    return next;
}

static void record(struct mlr *m, double load, double duration,
                   const struct mlr_trial *t, bool harness_limited)
{
    struct rec *r;

    if (m->n_recs == m->alloc_recs) {
        m->alloc_recs = m->alloc_recs ? 2 * m->alloc_recs : 32;
        m->recs = xrealloc(m->recs, m->alloc_recs * sizeof *m->recs);
    }
    r = &m->recs[m->n_recs++];
    r->load = add_load(m, load);
    r->duration = duration;
    r->loss = t->sent == 0 ? 1
              : t->received >= t->sent ? 0
              : (double)(t->sent - t->received) / (double)t->sent;
    r->tx_rate = t->tx_rate > 0 ? t->tx_rate : (double)t->sent / duration;
    /* Per second the trial took, not per second asked: the injector sends
     * every frame, so a trial it could not send at its load lasts longer
     * (1 Mpps asked, 250 kpps sent: 4 s), and frames over the asked
     * seconds would be 4 times the datapath's rate. */
    r->fwd_rate = t->sent ? (double)t->received * r->tx_rate / (double)t->sent
                          : 0;
    r->not_reached = t->short_of_rate || harness_limited || t->sent == 0;
}

/* Runs one trial, repeating invalid ones (they are the harness's, not the
 * datapath's); after max_invalid of them in a row the load counts as not
 * reached.  0, 1 when max_trials is spent, or what fn returned. */
static int measure(struct mlr *m, double load, double duration,
                   struct mlr_result *res)
{
    struct mlr_trial t;
    int invalid = 0, rc;

    if (res->n_trials >= m->cfg->max_trials)
        return 1;
    for (;;) {
        memset(&t, 0, sizeof t);
        rc = m->fn(m->arg, load, duration, &t);
        if (rc < 0)
            return rc;
        if (t.valid)
            break;
        res->n_invalid++;
        if (++invalid >= m->cfg->max_invalid) {
            record(m, load, duration, &t, true);
            return 0;
        }
    }
    res->n_trials++;
    res->trial_seconds += duration;
    record(m, load, duration, &t, false);
    return 0;
}

/* The loss ratio at the exceed ratio's quantile of the trials at a load,
 * worst first and weighted by duration, the missing seconds counted as
 * total loss (the draft's conditional throughput). */
static double quantile_loss(const struct mlr *m, const struct phase *p,
                            size_t load)
{
    double good, bad, missing, total, skip, acc = 0;
    double *loss = xcalloc(m->n_recs + 1, sizeof *loss);
    double *dur = xcalloc(m->n_recs + 1, sizeof *dur);
    size_t n = 0, *order;
    double unreached;
    double q = 1;

    sums(m, p, load, &good, &bad, &unreached);
    missing = fmax(0, p->duration_sum - good - bad);
    total = good + bad + missing;
    for (size_t i = 0; i < m->n_recs; i++) {
        const struct rec *r = &m->recs[i];
        bool is_bad = r->not_reached || r->loss > p->loss_ratio;
        if (r->load != load || (!is_bad && r->duration
                                < p->final_duration * MLR_DURATION_SLACK))
            continue;
        loss[n] = r->not_reached ? 1 : r->loss;
        dur[n++] = r->duration;
    }
    if (missing > 0)
        loss[n] = 1, dur[n++] = missing;
    order = xcalloc(n ? n : 1, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    /* Worst first; n is small (a few dozen), so insertion sort. */
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && loss[order[k]] > loss[order[k - 1]]; k--) {
            size_t t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    skip = p->exceed_ratio * total;
    for (size_t i = 0; i < n; i++) {
        acc += dur[order[i]];
        if (acc > skip) {
            q = loss[order[i]];
            break;
        }
    }
    free(order);
    free(dur);
    free(loss);
    return q;
}

static double mean_tx_rate(const struct mlr *m, size_t load)
{
    double sum = 0, n = 0;

    for (size_t i = 0; i < m->n_recs; i++)
        if (m->recs[i].load == load && !m->recs[i].not_reached)
            sum += m->recs[i].tx_rate, n++;
    return n ? sum / n : 0;
}

static void goal_result(const struct mlr *m, const struct phase *p,
                        struct mlr_goal_result *g)
{
    size_t lo, hi;

    memset(g, 0, sizeof *g);
    bounds(m, p, &lo, &hi);
    if (hi != SIZE_MAX) {
        g->upper_bound = m->loads[hi];
        g->generator_limited = upper_by_generator(m, p, hi);
    }
    g->at_max_load = hi == SIZE_MAX && lo != SIZE_MAX
                     && m->loads[lo] >= m->cfg->max_load;
    if (lo == SIZE_MAX)
        return;
    g->lower_bound = m->loads[lo];
    g->loss_ratio = quantile_loss(m, p, lo);
    /* Never more than was actually sent: a passing trial reached its load
     * within 1 %, but the figure is what it sent, not what it was asked. */
    g->conditional_throughput = fmin(g->lower_bound, mean_tx_rate(m, lo))
                                * (1 - g->loss_ratio);
    g->found = g->at_max_load
               || (hi != SIZE_MAX
                   && g->upper_bound - g->lower_bound
                          <= done_width(m, p, hi) * g->upper_bound);
}

void mlr_goal_defaults(struct mlr_goal *g, double loss_ratio)
{
    g->loss_ratio = loss_ratio;
    g->final_duration = 1;
    g->duration_sum = 21;
    g->exceed_ratio = 0.5;
    g->width = 0.005;
}

int mlr_check(const struct mlr_config *cfg, struct strbuf *why)
{
    const char *bad = NULL;

    if (!(cfg->min_load > 0) || !(cfg->max_load >= cfg->min_load))
        bad = "loads: 0 < min_load <= max_load";
    else if (!(cfg->initial_duration > 0))
        bad = "initial duration > 0";
    else if (cfg->max_trials < 1 || cfg->max_invalid < 1)
        bad = "max_trials >= 1 and max_invalid >= 1";
    else if (cfg->n_goals < 1 || cfg->n_goals > MLR_MAX_GOALS)
        bad = "1 to 4 goals";
    for (size_t i = 0; !bad && i < cfg->n_goals; i++) {
        const struct mlr_goal *g = &cfg->goals[i];
        if (!(g->loss_ratio >= 0 && g->loss_ratio < 1))
            bad = "goal loss ratio in [0, 1)";
        else if (!(g->final_duration > 0)
                 || !(g->duration_sum >= g->final_duration))
            bad = "goal durations: 0 < final duration <= duration sum";
        else if (!(g->exceed_ratio >= 0 && g->exceed_ratio < 1))
            bad = "goal exceed ratio in [0, 1)";
        else if (!(g->width > 0 && g->width < 1))
            bad = "goal width in (0, 1)";
    }
    if (!bad)
        return 0;
    if (why)
        strbuf_addf(why, "expected %s", bad);
    return -EINVAL;
}

/* The phases of a goal, coarsest first: the width doubled per level up to
 * MLR_COARSEST_WIDTH and the duration sum halved per level (at least one
 * initial-length trial), as CSIT's intermediate phases do.  So evidence
 * grows with precision: a load that a lucky first trial made look good is
 * found out after a few trials, not after a whole duration sum. */
static size_t goal_phases(const struct mlr_config *cfg,
                          const struct mlr_goal *g, struct phase *out,
                          size_t max)
{
    size_t levels = 0, n = 0;

    while (levels + 1 < max && g->width * (double)(1 << (levels + 1))
                                   <= MLR_COARSEST_WIDTH)
        levels++;
    for (size_t k = levels; k > 0; k--)
        out[n++] = (struct phase){
            .loss_ratio = g->loss_ratio,
            .final_duration = cfg->initial_duration,
            .duration_sum = fmax(cfg->initial_duration,
                                 g->duration_sum / (double)(1 << k)),
            .exceed_ratio = g->exceed_ratio,
            .width = g->width * (double)(1 << k),
        };
    out[n++] = (struct phase){ g->loss_ratio, g->final_duration,
                               g->duration_sum, g->exceed_ratio, g->width };
    return n;
}

int mlr_search(const struct mlr_config *cfg, mlr_trial_fn *fn, void *arg,
               struct mlr_result *res)
{
    struct mlr m = { .cfg = cfg, .fn = fn, .arg = arg };
    int rc = 0;
    bool all = true;

    memset(res, 0, sizeof *res);
    for (size_t g = 0; g < cfg->n_goals && rc == 0; g++) {
        struct phase ph[8];
        size_t n = goal_phases(cfg, &cfg->goals[g], ph, 8);
        for (size_t k = 0; k < n && rc == 0; k++) {
            double load;
            /* A coarse phase's trials are initial-length, the final
             * phase's the goal's own. */
            double duration = ph[k].final_duration;
            m.up_steps = m.down_steps = 0;
            while (rc == 0 && (load = next_load(&m, &ph[k])) > 0)
                rc = measure(&m, load, duration, res);
        }
    }
    for (size_t g = 0; g < cfg->n_goals; g++) {
        struct phase ph[8];
        size_t n = goal_phases(cfg, &cfg->goals[g], ph, 8);
        goal_result(&m, &ph[n - 1], &res->goal[g]);
        all &= res->goal[g].found;
    }
    res->converged = rc == 0 && all;
    free(m.loads);
    free(m.recs);
    return rc < 0 ? rc : 0;
}
