/* THROUGHPUT_SEARCH=binary: the one-trial NDR/PDR binary search of
 * search.c (RFC 2544 style).  Quicker than ndr, but each bound rests on one
 * trial, so its figures repeat only as well as single trials do. */
#include <math.h>

#include "lib/log.h"
#include "traffic/measure.h"
#include "traffic/strategy.h"

LOG_MODULE("traffic");

static int binary_trial(void *arg, double rate, double duration,
                        struct search_trial *out)
{
    struct measure_search *c = arg;
    struct trial_result r;
    int rc = measure_search_trial(c, rate, duration, &r);

    if (rc)
        return rc;
    out->rate = rate;
    out->duration = duration;
    out->sent = r.sent;
    out->received = r.received;
    out->tx_rate = r.tx_rate;
    out->rx_rate = r.rx_rate;
    out->valid = r.valid;
    return 0;
}

static int binary_run(struct measure *m, struct strbuf *err)
{
    const struct settings *s = m->s;
    struct search_config cfg = {
        .max_rate = (double)settings_int(s, SETTING_THROUGHPUT_MAX_SCAN_RATE),
        .min_rate = (double)settings_int(s, SETTING_THROUGHPUT_SCAN_START_RATE),
        .pdr_loss = settings_double(s, SETTING_PDR_LOSS) / 100.0,
        .width = settings_double(s, SETTING_SEARCH_WIDTH) / 100.0,
        .max_trials = (int)settings_int(s, SETTING_SEARCH_MAX_TRIALS),
        .short_duration = settings_double(s, SETTING_SEARCH_TRIAL_DURATION),
        .final_duration = settings_double(s, SETTING_SEARCH_FINAL_DURATION),
    };
    struct measure_search c = { m, err, cfg.max_trials };
    int rc = search_run(&cfg, binary_trial, &c, &m->search);

    m->searched = true;
    LOG_INFO("NDR %.0f pps (trial %d), PDR %.0f pps at <= %.2f %% loss "
             "(trial %d), %d trials%s", m->search.ndr.rate,
             m->search.ndr.trial + 1, m->search.pdr.rate,
             cfg.pdr_loss * 100, m->search.pdr.trial + 1, m->search.n_trials,
             m->search.converged ? "" : ", not converged (SEARCH_MAX_TRIALS)");
    return rc;
}

const struct strategy_ops strategy_binary = {
    .name = "binary",
    .help = "a quick NDR/PDR binary search, each bound decided by one trial",
    .run = binary_run,
};
