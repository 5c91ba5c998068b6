/* Latency under load: after a search, one trial at each LATENCY_LOADS
 * percent of the PDR (CSIT's 0, 10, 50 and 90 %), so that latency is
 * compared at the same share of each build's own capacity, not at a step
 * that happens to sit near one build's limit. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "lib/log.h"
#include "traffic/measure.h"

LOG_MODULE("traffic");

/* "0 %" is a light load, not no load: a few packets a second still give a
 * histogram.  Every latency trial sends enough frames for p99.9 to mean
 * something. */
#define LATENCY_MIN_RATE 100
#define LATENCY_MIN_FRAMES 1000

int measure_latency_at_loads(struct measure *m, struct strbuf *err)
{
    double loads[PT_MAX_LATENCY_LOADS];
    double pdr = m->search.pdr.rate;
    double duration = settings_double(m->s, SETTING_SEARCH_FINAL_DURATION);
    int n = settings_parse_percents(settings_str(m->s, SETTING_LATENCY_LOADS),
                                    loads, PT_MAX_LATENCY_LOADS, err);
    int rc = 0;

    if (n <= 0)
        return n < 0 ? -EINVAL : 0;
    if (!(pdr > 0)) {
        LOG_WARN("no latency under load: the search found no PDR");
        return 0;
    }
    free(m->latency);
    m->latency = xcalloc((size_t)n, sizeof *m->latency);
    m->n_latency = 0;
    for (int i = 0; i < n && !rc; i++) {
        struct latency_point *p = &m->latency[m->n_latency];
        struct trial_result r;
        double rate = fmax(LATENCY_MIN_RATE, round(pdr * loads[i] / 100));
        uint64_t count = (uint64_t)fmax(LATENCY_MIN_FRAMES,
                                        llround(rate * duration));
        rc = measure_trial(m, "latency", i + 1, n, rate, count, 0, &r, err);
        if (rc)
            break;
        *p = (struct latency_point){
            .load_pct = loads[i], .rate_pps = rate, .p50_us = r.lat_p50,
            .p90_us = r.lat_p90, .p99_us = r.lat_p99, .p999_us = r.lat_p999,
            .max_us = r.lat_max, .loss_pct = r.loss_pct, .valid = r.valid,
        };
        m->n_latency++;
    }
    return rc;
}

json_t *measure_latency_json(const struct measure *m)
{
    json_t *a = json_array();

    for (size_t i = 0; i < m->n_latency; i++) {
        const struct latency_point *p = &m->latency[i];
        json_array_append_new(a, json_pack(
            "{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:b}", "load_pct",
            p->load_pct, "rate_pps", p->rate_pps, "p50_us", p->p50_us,
            "p90_us", p->p90_us, "p99_us", p->p99_us, "p999_us", p->p999_us,
            "max_us", p->max_us, "loss_pct", p->loss_pct, "valid",
            p->valid));
    }
    return a;
}
