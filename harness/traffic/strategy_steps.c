/* THROUGHPUT_SEARCH=steps, the original's stepped scan: bursts of
 * THROUGHPUT_SCAN_BURST frames from THROUGHPUT_SCAN_START_RATE up by
 * THROUGHPUT_SCAN_STEP to THROUGHPUT_MAX_SCAN_RATE, a pause between. */
#include <stdlib.h>

#include "lib/log.h"
#include "traffic/measure.h"
#include "traffic/strategy.h"

LOG_MODULE("traffic");

static int steps_run(struct measure *m, struct strbuf *err)
{
    const struct settings *s = m->s;
    long start = (long)settings_int(s, SETTING_THROUGHPUT_SCAN_START_RATE);
    long step = (long)settings_int(s, SETTING_THROUGHPUT_SCAN_STEP);
    long max = (long)settings_int(s, SETTING_THROUGHPUT_MAX_SCAN_RATE);
    long *rates;
    size_t n = search_steps(start, step, max, &rates);
    uint64_t burst = (uint64_t)settings_int(s, SETTING_THROUGHPUT_SCAN_BURST);
    double pause = settings_double(s, SETTING_THROUGHPUT_SCAN_PAUSE);
    int rc = 0;

    if (!n)
        LOG_WARN("no throughput steps: THROUGHPUT_SCAN_START_RATE is above "
                 "THROUGHPUT_MAX_SCAN_RATE");
    for (size_t i = 0; i < n && !rc; i++) {
        double eta = 0;
        for (size_t j = i + 1; j < n; j++)
            eta += (double)burst / (double)rates[j] + pause;
        if (i)
            measure_pause(pause);
        rc = measure_trial(m, "test_throughput", (int)i + 1, (int)n,
                           (double)rates[i], burst, eta, NULL, err);
    }
    free(rates);
    return rc;
}

const struct strategy_ops strategy_steps = {
    .name = "steps",
    .help = "the original's stepped scan, a burst at each rate",
    .run = steps_run,
};
