/* THROUGHPUT_SEARCH=ndr: NDR and PDR by MLRsearch (mlr.h), its trials run
 * by the traffic engine.  A load is classified from the sum of its trials,
 * so one lucky or unlucky trial moves neither figure. */
#include <math.h>
#include <stdio.h>

#include "lib/log.h"
#include "traffic/measure.h"
#include "traffic/mlr.h"
#include "traffic/strategy.h"

LOG_MODULE("traffic");

/* Invalid trials (the harness dropped) in a row at one load before the
 * load counts as one the harness cannot measure. */
#define NDR_MAX_INVALID 3

static int ndr_trial(void *arg, double load, double duration,
                     struct mlr_trial *out)
{
    struct trial_result r;
    int rc = measure_search_trial(arg, load, duration, &r);

    if (rc)
        return rc;
    out->sent = r.sent;
    out->received = r.received;
    out->tx_rate = r.tx_rate;
    out->valid = r.valid;
    out->short_of_rate = r.short_of_rate;
    return 0;
}

static void goal_from_settings(const struct settings *s, double loss_ratio,
                               struct mlr_goal *g)
{
    g->loss_ratio = loss_ratio;
    g->final_duration = settings_double(s, SETTING_SEARCH_FINAL_DURATION);
    g->duration_sum = settings_double(s, SETTING_SEARCH_DURATION_SUM);
    g->exceed_ratio = settings_double(s, SETTING_SEARCH_EXCEED_RATIO) / 100;
    g->width = settings_double(s, SETTING_SEARCH_WIDTH) / 100;
}

/* The goal's result as the report knows a search bound. */
static void to_bound(const struct mlr_goal_result *g, double max_load,
                     struct search_bound *b)
{
    b->rate = g->conditional_throughput;
    b->trial = -1;
    b->loss = g->loss_ratio;
    b->lower = g->lower_bound;
    b->upper = g->upper_bound;
    b->generator_limited = g->generator_limited;
    if (g->generator_limited)
        snprintf(b->limit, sizeof b->limit, "the generator could not "
                 "send %.0f pps", g->upper_bound);
    else if (g->at_max_load)
        snprintf(b->limit, sizeof b->limit, "no loss up to "
                 "THROUGHPUT_MAX_SCAN_RATE (%.0f pps)", max_load);
}

static int ndr_run(struct measure *m, struct strbuf *err)
{
    const struct settings *s = m->s;
    struct mlr_config cfg = {
        .max_load = (double)settings_int(s, SETTING_THROUGHPUT_MAX_SCAN_RATE),
        .min_load = (double)settings_int(s,
                                         SETTING_THROUGHPUT_SCAN_START_RATE),
        .initial_duration = settings_double(s, SETTING_SEARCH_TRIAL_DURATION),
        .max_trials = (int)settings_int(s, SETTING_SEARCH_MAX_TRIALS),
        .max_invalid = NDR_MAX_INVALID,
        .n_goals = 2,
    };
    struct measure_search c = { m, err, cfg.max_trials };
    struct mlr_result res;
    int rc;

    if (cfg.min_load > cfg.max_load)
        cfg.min_load = cfg.max_load;
    goal_from_settings(s, 0, &cfg.goals[0]);
    goal_from_settings(s, settings_double(s, SETTING_PDR_LOSS) / 100,
                       &cfg.goals[1]);
    rc = mlr_check(&cfg, err);
    if (rc)
        return rc;
    rc = mlr_search(&cfg, ndr_trial, &c, &res);
    to_bound(&res.goal[0], cfg.max_load, &m->search.ndr);
    to_bound(&res.goal[1], cfg.max_load, &m->search.pdr);
    m->search.n_trials = res.n_trials;
    m->search.converged = res.converged;
    m->searched = true;
    LOG_INFO("NDR %.0f pps (bounds %.0f..%.0f), PDR %.0f pps at <= %.2f %% "
             "loss (bounds %.0f..%.0f), %d trials, %.0f s%s%s",
             m->search.ndr.rate, m->search.ndr.lower, m->search.ndr.upper,
             m->search.pdr.rate, cfg.goals[1].loss_ratio * 100,
             m->search.pdr.lower, m->search.pdr.upper, res.n_trials,
             res.trial_seconds,
             res.n_invalid ? ", invalid trials repeated" : "",
             res.converged ? "" : ", not converged (SEARCH_MAX_TRIALS)");
    return rc;
}

const struct strategy_ops strategy_ndr = {
    .name = "ndr",
    .help = "MLRsearch for the NDR and the PDR (loss <= PDR_LOSS %), each "
            "load judged by the sum of its trials",
    .run = ndr_run,
};
