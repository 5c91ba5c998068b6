#include "traffic/measure.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/hist.h"
#include "lib/log.h"
#include "lib/pace.h"
#include "lib/util.h"
#include "lib/xcpu.h"
#include "traffic/strategy.h"
#include "traffic/tcp.h"

LOG_MODULE("traffic");

const char measure_csv_header[] =
    "phase,step,steps,rate,offered,sent,received,lost,loss_pct,duplicates,"
    "reordered,tx_rate,rx_rate,duration_s,lat_min_us,lat_p50_us,lat_p90_us,"
    "lat_p99_us,lat_p999_us,lat_max_us,gap_p50_us,gap_p99_us,pushback,"
    "receiver_drops,source_drops,valid,note,start_time,end_time,"
    /* A tcp_throughput row's own figures (tcp.h); the packet columns
     * above are empty in it, and these in the other rows. */
    "streams,bits_per_second,retransmits,sender_cpu_pct,"
    /* CROSS_CPU_PROBE, before the trial (lib/xcpu.h); empty: none. */
    "cross_cpu_ns\n";

int measure_open(struct measure *m, const char *run_dir,
                 const struct settings *s, const struct topology_ctx *ctx,
                 const struct traffic_ops *ops, void *ops_arg,
                 uint32_t run_tag, struct strbuf *err)
{
    char *path = xasprintf("%s/trials.csv", run_dir);

    memset(m, 0, sizeof *m);
    m->s = s;
    m->xcpu_a = m->xcpu_b = -1;
    m->tty = isatty(STDERR_FILENO) && log_threshold >= LOG_LEVEL_INFO;
    m->csv = fopen(path, "we");
    if (!m->csv) {
        strbuf_addf(err, "cannot create '%s': %s", path, strerror(errno));
        free(path);
        return -errno;
    }
    free(path);
    if (fputs(measure_csv_header, m->csv) < 0 || fflush(m->csv)) {
        int e = errno;
        strbuf_addf(err, "cannot write trials.csv in '%s': %s", run_dir,
                    strerror(e));
        fclose(m->csv);
        m->csv = NULL;
        return -e;
    }
    m->traffic = traffic_open_with(ops, ops_arg, ctx, s, run_tag, err);
    return m->traffic ? 0 : -EINVAL;
}

int measure_close(struct measure *m)
{
    int rc = 0;

    traffic_close(m->traffic);
    m->traffic = NULL;
    if (m->csv && (fflush(m->csv) || fsync(fileno(m->csv))))
        rc = -errno;
    if (m->csv && fclose(m->csv) && !rc)
        rc = -errno;
    m->csv = NULL;
    free(m->rows);
    m->rows = NULL;
    m->n_rows = 0;
    free(m->latency);
    m->latency = NULL;
    m->n_latency = 0;
    return rc;
}

/* The note is free text: quoted, its quotes doubled (RFC 4180). */
static void csv_quoted(FILE *f, const char *text)
{
    fputc('"', f);
    for (const char *c = text; *c; c++) {
        if (*c == '"')
            fputc('"', f);
        fputc(*c, f);
    }
    fputc('"', f);
}

/* Ends the row that began at 'start' (rows are flushed one by one). */
static int csv_end_row(FILE *f, off_t start)
{
    /* A row that did not reach the file (a full disk) is an error: a
     * trials.csv that lacks rows must not make a passing report. */
    if (!fflush(f) && !ferror(f))
        return 0;
    int rc = -(errno ? errno : EIO);
    /* What reached the file of a row cut short is taken back (a full disk
     * writes part of one): the rows before it stay whole, none torn. */
    __fpurge(f);
    if (start >= 0 && !ftruncate(fileno(f), start))
        fseeko(f, start, SEEK_SET);
    return rc;
}

static int csv_row(FILE *f, const struct measure_row *row)
{
    const struct trial_result *r = &row->r;
    off_t start = ftello(f);

    fprintf(f, "%s,%d,%d,%.0f,%llu,%llu,%llu,%llu,%.4f,%llu,%llu,%.1f,%.1f,"
               "%.3f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%llu,%llu,%llu,%d,",
            row->phase, row->step, row->steps, r->rate,
            (unsigned long long)r->offered, (unsigned long long)r->sent,
            (unsigned long long)r->received, (unsigned long long)r->lost,
            r->loss_pct, (unsigned long long)r->duplicates,
            (unsigned long long)r->reordered, r->tx_rate, r->rx_rate,
            r->duration, r->lat_min, r->lat_p50, r->lat_p90, r->lat_p99,
            r->lat_p999, r->lat_max, r->gap_p50, r->gap_p99,
            (unsigned long long)r->pushback,
            (unsigned long long)r->kernel_drops,
            (unsigned long long)r->source_drops, r->valid ? 1 : 0);
    csv_quoted(f, r->note);
    /* Unix seconds: the report places each trial on the RRD's time axis. */
    fprintf(f, ",%.3f,%.3f,,,,,", row->start, row->end);
    if (isfinite(row->cross_cpu_ns))
        fprintf(f, "%.1f", row->cross_cpu_ns);
    fputc('\n', f);
    return csv_end_row(f, start);
}

int measure_tcp_row(struct measure *m, const char *phase, int step,
                    int steps, const struct tcp_result *res, double start,
                    double end)
{
    off_t at = ftello(m->csv);
    char note[160], retrans[32] = "", cpu[32] = "";

    /* What iperf3 did not say is an empty field, as elsewhere a gap. */
    if (res->retransmits >= 0)
        snprintf(retrans, sizeof retrans, "%lld", res->retransmits);
    if (isfinite(res->sender_cpu_pct))
        snprintf(cpu, sizeof cpu, "%.2f", res->sender_cpu_pct);
    snprintf(note, sizeof note, "TCP, %d stream%s: %.3f Gbit/s, %s "
             "retransmits, sender CPU %s%s", res->streams,
             res->streams == 1 ? "" : "s", res->bits_per_second / 1e9,
             *retrans ? retrans : "unknown", *cpu ? cpu : "unknown",
             *cpu ? " %" : "");
    /* The packet columns stay empty: iperf3 counts bytes, not frames. */
    fprintf(m->csv, "%s,%d,%d,,,,,,,,,,,%.3f,,,,,,,,,,,,1,", phase, step,
            steps, isfinite(res->duration_s) ? res->duration_s : end - start);
    csv_quoted(m->csv, note);
    fprintf(m->csv, ",%.3f,%.3f,%d,%.0f,%s,%s,\n", start, end, res->streams,
            res->bits_per_second, retrans, cpu);
    return csv_end_row(m->csv, at);
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

double measure_wall_time(void)
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

/* After this many probes in a row without a figure the SUT's CPU is
 * taken for good (a real-time poller): each would cost a third of a
 * second and leave a thread waiting for that CPU. */
#define XCPU_GIVE_UP 3

/* CROSS_CPU_PROBE, before the trial, never during it: the probe spins on
 * the SUT's CPU.  A probe without a figure leaves the field empty and is
 * said once; several in a row end the probing, said too. */
static void probe_cross_cpu(struct measure *m, struct measure_row *row)
{
    double ns;
    int e;

    if (m->xcpu_a < 0 || m->xcpu_failed_run >= XCPU_GIVE_UP)
        return;
    e = xcpu_round_trip(m->xcpu_a, m->xcpu_b, &ns);
    if (!e) {
        row->cross_cpu_ns = ns;
        m->xcpu_failed_run = 0;
        return;
    }
    if (!m->xcpu_failed++)
        LOG_WARN("CROSS_CPU_PROBE: no round trip between CPU %d and CPU %d "
                 "before this trial: %s", m->xcpu_a, m->xcpu_b,
                 strerror(-e));
    if (++m->xcpu_failed_run == XCPU_GIVE_UP)
        LOG_WARN("CROSS_CPU_PROBE: %d probes in a row had no figure; no "
                 "more in this run (CPU %d is taken)", XCPU_GIVE_UP,
                 m->xcpu_b);
}

int measure_trial(struct measure *m, const char *phase, int step, int steps,
                  double rate, uint64_t count, double eta,
                  struct trial_result *out, struct strbuf *err)
{
    struct measure_row row = { .phase = phase, .step = step,
                              .steps = steps, .cross_cpu_ns = NAN };
    int rc;

    probe_cross_cpu(m, &row);
    announce(m, phase, step, steps, rate, count);
    if (m->mark)
        m->mark(m->mark_arg, phase, step, rate);
    row.start = measure_wall_time();
    rc = traffic_trial(m->traffic, rate, count, &pt_stop_traffic, &row.r,
                       err);
    row.end = measure_wall_time();
    if (m->mark)
        m->mark(m->mark_arg, phase, 0, 0);
    if (m->tty && rc)
        fputs("\n", stderr);
    if (rc)
        return rc;
    if (m->check && (rc = m->check(m->check_arg, err))) {
        row.r.valid = false;
        snprintf(row.r.note, sizeof row.r.note, "the system under test "
                 "failed during the trial: %s", err->buf);
    }
    if (m->n_rows == m->alloc) {
        m->alloc = m->alloc ? 2 * m->alloc : 32;
        m->rows = xrealloc(m->rows, m->alloc * sizeof *m->rows);
    }
    m->rows[m->n_rows++] = row;
    progress(m, &row, eta);
    int werr = csv_row(m->csv, &row);
    if (werr) {
        strbuf_reset(err);
        strbuf_addf(err, "cannot write trials.csv: %s", strerror(-werr));
        return werr;
    }
    if (out)
        *out = row.r;
    if (rc)
        return -ESRCH;
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

int measure_search_trial(struct measure_search *c, double rate,
                         double duration, struct trial_result *out)
{
    uint64_t count = (uint64_t)llround(rate * duration);

    return measure_trial(c->m, "test_throughput", (int)c->m->n_rows + 1,
                         c->max_trials, rate, count < 2 ? 2 : count, 0, out,
                         c->err);
}

void measure_pause(double seconds)
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
    return measure_trial(m, "warm_up", 1, 1, rate, (uint64_t)n, 0, NULL, err);
}

/* Marks a figure the generator, not the datapath, set: no datapath at
 * all, within CALIBRATION_NEAR of the harness's ceiling, or bounded by a
 * load the generator could not reach (the strategy said so). */
static void judge_limit(const struct measure *m, struct search_bound *b,
                        const char *what)
{
    if (m->harness_only) {
        b->generator_limited = true;
        snprintf(b->limit, sizeof b->limit, "no datapath in this topology: "
                 "the harness's own ceiling");
    } else if (m->ceiling > 0 && b->rate >= 0.9 * m->ceiling) {
        b->generator_limited = true;
        snprintf(b->limit, sizeof b->limit, "within 10 %% of the harness's "
                 "ceiling, %.0f pps (calibrated %s)", m->ceiling,
                 m->ceiling_date);
    }
    if (b->generator_limited && what)   /* NULL: the caller says it */
        LOG_WARN("%s >= %.0f pps, limited by the generator: %s", what,
                 b->rate, b->limit);
}

int measure_throughput(struct measure *m, struct strbuf *err)
{
    const char *name = settings_str(m->s, SETTING_THROUGHPUT_SEARCH);
    const struct strategy_ops *strategy = strategy_find(name);
    int rc;

    /* The validator admits only the table's names; this guards settings
     * filled some other way. */
    if (!strategy) {
        strbuf_addf(err, "unknown throughput strategy '%s': expected ", name);
        strategy_add_names(err);
        return -EINVAL;
    }
    rc = strategy->run(m, err);
    if (!rc && m->searched)
        rc = measure_latency_at_loads(m, err);
    if (m->searched) {
        judge_limit(m, &m->search.ndr, "NDR");
        judge_limit(m, &m->search.pdr, "PDR");
    }
    return rc;
}

int measure_long_run(struct measure *m, struct strbuf *err)
{
    int n = (int)settings_int(m->s, SETTING_LONG_RUNNING_SCAN_ITERATIONS);
    double rate = (double)settings_int(m->s, SETTING_LONG_RUNNING_SCAN_RATE);
    uint64_t burst = (uint64_t)settings_int(m->s, SETTING_LONG_RUNNING_BURST);
    int rc = 0;

    for (int i = 0; i < n && !rc; i++)
        rc = measure_trial(m, "long_running_tests", i + 1, n, rate, burst,
                     (double)(n - i - 1) * (double)burst / rate, NULL, err);
    return rc;
}

/* The stepped scan's best loss-free row, and its rate; -1 when none. */
static long best_loss_free(const struct measure *m, double *rate)
{
    long best = -1;

    *rate = 0;
    for (size_t i = 0; i < m->n_rows; i++) {
        const struct trial_result *r = &m->rows[i].r;
        if (strcmp(m->rows[i].phase, "test_throughput") || !r->valid
            || r->lost || r->sent < 2 || !(r->tx_rate > 0))
            continue;
        /* Never more than was actually sent (and so received); a trial of
         * one frame has no rate and proves none. */
        double v = r->tx_rate < r->rate ? r->tx_rate : r->rate;
        if (v > *rate) {
            *rate = v;
            best = (long)i;
        }
    }
    return best;
}

double measure_loss_free_rate(const struct measure *m)
{
    double best;

    if (m->searched)
        return m->search.ndr.rate;
    best_loss_free(m, &best);
    return best;
}

bool measure_loss_free_limit(const struct measure *m, char *why, size_t len)
{
    struct search_bound b = { .trial = -1 };
    long i = best_loss_free(m, &b.rate);

    if (m->searched || i < 0)
        return false;
    /* The step sent less than it asked: the datapath lost nothing at what
     * the generator managed, and nothing says what it would do above. */
    if (m->rows[i].r.short_of_rate) {
        b.generator_limited = true;
        snprintf(b.limit, sizeof b.limit, "the generator sent %.0f of the "
                 "%.0f pps asked", m->rows[i].r.tx_rate, m->rows[i].r.rate);
    }
    judge_limit(m, &b, NULL);
    if (b.generator_limited)
        snprintf(why, len, "%s", b.limit);
    return b.generator_limited;
}

/* A search bound: its rate, the trial (row) that decided it, its loss,
 * its bounds, and whether the generator, not the datapath, set it. */
static json_t *bound_json(const struct search_bound *b)
{
    json_t *o = json_pack("{s:f, s:i, s:f, s:f, s:f, s:b}", "rate_pps",
                          b->rate, "trial", b->trial, "loss_pct",
                          100.0 * b->loss, "lower_bound_pps", b->lower,
                          "upper_bound_pps", b->upper, "generator_limited",
                          b->generator_limited);
    if (b->limit[0])
        json_object_set_new(o, "limit", json_string(b->limit));
    return o;
}

/* The trials' cross-CPU round trips in 'h' (ns); how many. */
static uint64_t cross_cpu_hist(const struct measure *m, struct hist *h)
{
    hist_init(h);
    /* A row no probe wrote (a zeroed one) is no 0 ns figure. */
    for (size_t i = 0; m->xcpu_a >= 0 && i < m->n_rows; i++)
        if (isfinite(m->rows[i].cross_cpu_ns) && m->rows[i].cross_cpu_ns > 0)
            hist_record(h, (uint64_t)llround(m->rows[i].cross_cpu_ns));
    return h->count;
}

/* Whether the host moved the two CPUs during the run: its two placements
 * differ about fivefold (lib/xcpu.h), batches within one by a third. */
static bool cross_cpu_moved(const struct hist *h)
{
    return h->count && h->max >= XCPU_MOVED_RATIO * h->min;
}

static json_t *cross_cpu_json(const struct measure *m)
{
    struct hist *h = xcalloc(1, sizeof *h);
    json_t *o = NULL;

    if (cross_cpu_hist(m, h))
        o = json_pack("{s:[i,i], s:I, s:I, s:I, s:I, s:I, s:b}", "cpus",
                      m->xcpu_a, m->xcpu_b, "trials", (json_int_t)h->count,
                      "failed", (json_int_t)m->xcpu_failed,
                      "min_ns", (json_int_t)h->min, "p50_ns",
                      (json_int_t)hist_percentile(h, 50), "max_ns",
                      (json_int_t)h->max, "moved", cross_cpu_moved(h));
    free(h);
    return o;
}

json_t *measure_result_json(const struct measure *m)
{
    json_t *o = json_pack("{s:f, s:I}", "loss_free_pps",
                          measure_loss_free_rate(m), "trials",
                          (json_int_t)m->n_rows);
    char why[96];

    if (measure_loss_free_limit(m, why, sizeof why))
        json_object_set_new(o, "loss_free_limit", json_string(why));

    if (m->searched)
        json_object_set_new(o, "search", json_pack(
            "{s:o, s:o, s:i, s:b}", "ndr", bound_json(&m->search.ndr),
            "pdr", bound_json(&m->search.pdr), "trials",
            m->search.n_trials, "converged", m->search.converged));
    if (m->n_latency)
        json_object_set_new(o, "latency_at_load", measure_latency_json(m));
    if (m->ceiling > 0)
        json_object_set_new(o, "harness_ceiling", json_pack(
            "{s:f, s:s}", "rate_pps", m->ceiling, "date", m->ceiling_date));
    json_t *x = cross_cpu_json(m);
    if (x)
        json_object_set_new(o, "cross_cpu", x);
    return o;
}

/* From cross_cpu_json(), so the table and summary.json say the same. */
static void print_cross_cpu(const struct measure *m, FILE *out)
{
    json_t *x = cross_cpu_json(m);
    json_int_t lo, hi;

    if (!x)
        return;
    lo = json_integer_value(json_object_get(x, "min_ns"));
    hi = json_integer_value(json_object_get(x, "max_ns"));
    fprintf(out, "cross-CPU round trip, CPU %d to %d: %lld ns median, "
            "%lld-%lld ns over %lld trials\n", m->xcpu_a, m->xcpu_b,
            (long long)json_integer_value(json_object_get(x, "p50_ns")),
            (long long)lo, (long long)hi,
            (long long)json_integer_value(json_object_get(x, "trials")));
    if (json_is_true(json_object_get(x, "moved")))
        LOG_WARN("the host moved CPUs %d and %d during the run (a cache "
                 "line's round trip between them ranged from %lld to %lld "
                 "ns): trials on either side are not comparable, see "
                 "trials.csv's cross_cpu_ns", m->xcpu_a, m->xcpu_b,
                 (long long)lo, (long long)hi);
    json_decref(x);
}

void measure_print_table(const struct measure *m, FILE *out)
{
    char why[96];

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
    else if (measure_loss_free_limit(m, why, sizeof why))
        fprintf(out, "highest loss-free rate: >= %.0f pps, limited by the "
                "generator: %s\n", measure_loss_free_rate(m), why);
    else
        fprintf(out, "highest loss-free rate: %.0f pps\n",
                measure_loss_free_rate(m));
    print_cross_cpu(m, out);
}
