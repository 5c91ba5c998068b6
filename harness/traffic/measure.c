#include "traffic/measure.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/pace.h"
#include "lib/util.h"

LOG_MODULE("traffic");

static const char csv_header[] =
    "phase,step,steps,rate,offered,sent,received,lost,loss_pct,duplicates,"
    "reordered,tx_rate,rx_rate,duration_s,lat_min_us,lat_p50_us,lat_p90_us,"
    "lat_p99_us,lat_p999_us,lat_max_us,gap_p50_us,gap_p99_us,pushback,"
    "receiver_drops,valid,note,start_time,end_time\n";

int measure_open(struct measure *m, const char *run_dir,
                 const struct settings *s, const struct topology_ctx *ctx,
                 uint32_t run_tag, struct strbuf *err)
{
    char *path = xasprintf("%s/trials.csv", run_dir);

    memset(m, 0, sizeof *m);
    m->s = s;
    m->tty = isatty(STDERR_FILENO) && log_threshold >= LOG_LEVEL_INFO;
    m->csv = fopen(path, "we");
    if (!m->csv) {
        strbuf_addf(err, "cannot create '%s': %s", path, strerror(errno));
        free(path);
        return -errno;
    }
    free(path);
    fputs(csv_header, m->csv);
    fflush(m->csv);
    m->traffic = traffic_open(ctx, s, run_tag, err);
    return m->traffic ? 0 : -EINVAL;
}

void measure_close(struct measure *m)
{
    traffic_close(m->traffic);
    m->traffic = NULL;
    if (m->csv)
        fclose(m->csv);
    m->csv = NULL;
    free(m->rows);
    m->rows = NULL;
    m->n_rows = 0;
}

static void csv_row(FILE *f, const struct measure_row *row)
{
    const struct trial_result *r = &row->r;

    /* The note is free text: quote it, doubling quotes (RFC 4180). */
    fprintf(f, "%s,%d,%d,%.0f,%llu,%llu,%llu,%llu,%.4f,%llu,%llu,%.1f,%.1f,"
               "%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%llu,%llu,%d,\"",
            row->phase, row->step, row->steps, r->rate,
            (unsigned long long)r->offered, (unsigned long long)r->sent,
            (unsigned long long)r->received, (unsigned long long)r->lost,
            r->loss_pct, (unsigned long long)r->duplicates,
            (unsigned long long)r->reordered, r->tx_rate, r->rx_rate,
            r->duration, r->lat_min, r->lat_p50, r->lat_p90, r->lat_p99,
            r->lat_p999, r->lat_max, r->gap_p50, r->gap_p99,
            (unsigned long long)r->pushback,
            (unsigned long long)r->kernel_drops, r->valid ? 1 : 0);
    for (const char *c = r->note; *c; c++) {
        if (*c == '"')
            fputc('"', f);
        fputc(*c, f);
    }
    /* Unix seconds: the report places each trial on the RRD's time axis. */
    fprintf(f, "\",%.3f,%.3f\n", row->start, row->end);
    fflush(f);
}

/* One line per trial; on a terminal the line that said "running" is
 * overwritten with the result. */
static void progress(const struct measure *m, const struct measure_row *row,
                     double eta)
{
    const struct trial_result *r = &row->r;
    char eta_text[32] = "";

    if (eta > 0)
        snprintf(eta_text, sizeof eta_text, ", ETA %.0f s", eta);
    if (m->tty)
        fputs("\r\033[K", stderr);
    LOG_INFO("%s %d/%d: %.0f pps: sent %llu, received %llu, loss %.3f %%, "
             "p99 %.0f us%s%s%s", row->phase, row->step, row->steps, r->rate,
             (unsigned long long)r->sent, (unsigned long long)r->received,
             r->loss_pct, r->lat_p99, eta_text, r->note[0] ? "; " : "",
             r->note);
}

static double wall_time(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void announce(const struct measure *m, const char *phase, int step,
                     int steps, double rate, uint64_t count)
{
    if (m->tty)
        fprintf(stderr, "%s %d/%d: %.0f pps, %llu frames...", phase, step,
                steps, rate, (unsigned long long)count);
}

static int run_one(struct measure *m, const char *phase, int step, int steps,
                   double rate, uint64_t count, double eta,
                   struct trial_result *out, struct strbuf *err)
{
    struct measure_row row = { .phase = phase, .step = step,
                              .steps = steps };
    int rc;

    announce(m, phase, step, steps, rate, count);
    if (m->mark)
        m->mark(m->mark_arg, phase, step, rate);
    row.start = wall_time();
    rc = traffic_trial(m->traffic, rate, count, &pt_stop_traffic, &row.r,
                       err);
    row.end = wall_time();
    if (m->mark)
        m->mark(m->mark_arg, phase, 0, 0);
    if (m->tty && rc)
        fputs("\n", stderr);
    if (rc)
        return rc;
    if (m->n_rows == m->alloc) {
        m->alloc = m->alloc ? 2 * m->alloc : 32;
        m->rows = xrealloc(m->rows, m->alloc * sizeof *m->rows);
    }
    m->rows[m->n_rows++] = row;
    csv_row(m->csv, &row);
    progress(m, &row, eta);
    if (out)
        *out = row.r;
    if (pt_interrupted) {
        strbuf_addstr(err, "interrupted");
        return -EINTR;
    }
    if (pt_stop_traffic) {
        strbuf_addstr(err, "traffic stopped: the system under test is gone");
        return -ESRCH;
    }
    return 0;
}

/* Sleeps 'seconds', waking early for a signal. */
static void pause_for(double seconds)
{
    uint64_t end = pace_now_ns() + (uint64_t)(seconds * 1e9);

    while (!pt_stop_traffic && pace_now_ns() < end)
        sleep_ms(10);
}

int measure_warm_up(struct measure *m, struct strbuf *err)
{
    long long n = settings_int(m->s, SETTING_WARMUP_PACKETS);
    double rate = (double)settings_int(m->s, SETTING_WARMUP_RATE);

    if (!n) {
        LOG_INFO("warm-up skipped (WARMUP_PACKETS = 0)");
        return 0;
    }
    return run_one(m, "warm_up", 1, 1, rate, (uint64_t)n, 0, NULL, err);
}

static int stepped_scan(struct measure *m, struct strbuf *err)
{
    const struct settings *s = m->s;
    long *rates;
    size_t n = search_steps((long)settings_int(s,
                                               SETTING_THROUGHPUT_SCAN_START_RATE),
                            (long)settings_int(s, SETTING_THROUGHPUT_SCAN_STEP),
                            (long)settings_int(s,
                                               SETTING_THROUGHPUT_MAX_SCAN_RATE),
                            &rates);
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
            pause_for(pause);
        rc = run_one(m, "test_throughput", (int)i + 1, (int)n,
                     (double)rates[i], burst, eta, NULL, err);
    }
    free(rates);
    return rc;
}

struct search_ctx {
    struct measure *m;
    struct strbuf *err;
    int max_trials;
};

static int search_trial(void *arg, double rate, double duration,
                        struct search_trial *out)
{
    struct search_ctx *c = arg;
    struct trial_result r;
    uint64_t count = (uint64_t)llround(rate * duration);
    int step = (int)c->m->n_rows + 1;
    int rc;

    if (count < 2)
        count = 2;
    rc = run_one(c->m, "test_throughput", step, c->max_trials, rate, count, 0,
                 &r, c->err);
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

static int ndr_search(struct measure *m, struct strbuf *err)
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
    struct search_ctx c = { m, err, cfg.max_trials };
    int rc = search_run(&cfg, search_trial, &c, &m->search);

    m->searched = true;
    LOG_INFO("NDR %.0f pps (trial %d), PDR %.0f pps at <= %.2f %% loss "
             "(trial %d), %d trials%s", m->search.ndr.rate,
             m->search.ndr.trial + 1, m->search.pdr.rate,
             cfg.pdr_loss * 100, m->search.pdr.trial + 1, m->search.n_trials,
             m->search.converged ? "" : ", not converged (SEARCH_MAX_TRIALS)");
    return rc;
}

int measure_throughput(struct measure *m, struct strbuf *err)
{
    if (!strcmp(settings_str(m->s, SETTING_THROUGHPUT_SEARCH), "ndr"))
        return ndr_search(m, err);
    return stepped_scan(m, err);
}

int measure_long_run(struct measure *m, struct strbuf *err)
{
    int n = (int)settings_int(m->s, SETTING_LONG_RUNNING_SCAN_ITERATIONS);
    double rate = (double)settings_int(m->s, SETTING_LONG_RUNNING_SCAN_RATE);
    uint64_t burst = (uint64_t)settings_int(m->s, SETTING_LONG_RUNNING_BURST);
    int rc = 0;

    for (int i = 0; i < n && !rc; i++)
        rc = run_one(m, "long_running_tests", i + 1, n, rate, burst,
                     (double)(n - i - 1) * (double)burst / rate, NULL, err);
    return rc;
}

double measure_loss_free_rate(const struct measure *m)
{
    double best = 0;

    if (m->searched)
        return m->search.ndr.rate;
    for (size_t i = 0; i < m->n_rows; i++) {
        const struct trial_result *r = &m->rows[i].r;
        if (strcmp(m->rows[i].phase, "test_throughput") || !r->valid
            || r->lost || !r->sent)
            continue;
        /* Never more than was actually sent (and so received). */
        double rate = r->tx_rate && r->tx_rate < r->rate ? r->tx_rate
                                                          : r->rate;
        if (rate > best)
            best = rate;
    }
    return best;
}

/* A search bound: its rate, the trial (row) that decided it, its loss. */
static json_t *bound_json(const struct search_bound *b)
{
    return json_pack("{s:f, s:i, s:f}", "rate_pps", b->rate, "trial",
                     b->trial, "loss_pct", 100.0 * b->loss);
}

json_t *measure_result_json(const struct measure *m)
{
    json_t *o = json_pack("{s:f, s:I}", "loss_free_pps",
                          measure_loss_free_rate(m), "trials",
                          (json_int_t)m->n_rows);

    if (m->searched)
        json_object_set_new(o, "search", json_pack(
            "{s:o, s:o, s:i, s:b}", "ndr", bound_json(&m->search.ndr),
            "pdr", bound_json(&m->search.pdr), "trials",
            m->search.n_trials, "converged", m->search.converged));
    return o;
}

void measure_print_table(const struct measure *m, FILE *out)
{
    if (!m->n_rows)
        return;
    fprintf(out, "\n%-18s %5s %9s %9s %9s %9s %8s %9s %9s\n", "phase", "step",
            "rate", "sent", "received", "tx pps", "loss %", "p50 us",
            "p99 us");
    for (size_t i = 0; i < m->n_rows; i++) {
        const struct measure_row *row = &m->rows[i];
        const struct trial_result *r = &row->r;
        fprintf(out, "%-18s %5d %9.0f %9llu %9llu %9.0f %8.3f %9.1f %9.1f%s\n",
                row->phase, row->step, r->rate, (unsigned long long)r->sent,
                (unsigned long long)r->received, r->tx_rate, r->loss_pct,
                r->lat_p50, r->lat_p99, r->valid ? "" : "  invalid");
    }
    if (m->searched)
        fprintf(out, "NDR %.0f pps, PDR %.0f pps\n", m->search.ndr.rate,
                m->search.pdr.rate);
    else
        fprintf(out, "highest loss-free rate: %.0f pps\n",
                measure_loss_free_rate(m));
}
