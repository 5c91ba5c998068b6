/* `make bench`: the traffic engine against its peers on the `direct`
 * topology (one veth pair, no datapath), in one run, on one machine:
 *   - injector maximum rate, single flow and scan, one core; the same
 *     for trafgen (netsniff-ng, -P 1) and nping when installed;
 *   - rate accuracy and gap jitter at 1 k, 10 k, 100 kpps, ours and
 *     trafgen's, both seen by the same neutral capture;
 *   - the receiver's loss-free ceiling.
 * Prints a table and writes bench.json.  Figures, not pass/fail: this
 * machine is small and noisy, compare the ratios. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "traffic/flow.h"
#include "traffic/frame.h"
#include "lib/hist.h"
#include "traffic/injector.h"
#include "lib/ledger.h"
#include "lib/links.h"
#include "lib/netns.h"
#include "lib/pace.h"
#include "traffic/pcapns.h"
#include "lib/proc.h"
#include "run/scenario.h"
#include "run/settings.h"
#include "lib/strbuf.h"
#include "traffic/traffic.h"
#include "lib/util.h"

#define MAX_FRAMES 2000000      /* per maximum-rate measurement */
#define MAX_ROUNDS 15

struct bench {
    struct topology_ctx ctx;
    const struct topology_ops *ops;
    struct ledger *ledger;
    char dir[64], short_id[7];
    /* trafgen configs: paced (to the destination), and the two maximum
     * rate ones (to another host, as ours). */
    char cfg_paced[96], cfg_single[96], cfg_scan[96];
    struct injector *inj;
    struct frame frame;
    json_t *json;
};

static struct bench *the_bench;     /* for die(): the ledger undoes */

static void die(const char *what, const char *why)
{
    fprintf(stderr, "bench: %s: %s\n", what, why);
    if (the_bench && the_bench->ledger)
        ledger_teardown(the_bench->ledger);
    exit(1);
}

static void pin_to_cpu(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* --- A neutral capture: arrival times in the destination namespace. --- */

struct capture {
    pcap_t *pcap;
    uint64_t *t;            /* arrival times, ns */
    size_t n, max;
    volatile int stop;
    pthread_t thread;
};

static void on_packet(u_char *arg, const struct pcap_pkthdr *h,
                      const u_char *bytes)
{
    struct capture *c = (struct capture *)arg;

    (void)bytes;
    if (c->n < c->max)
        c->t[c->n++] = (uint64_t)h->ts.tv_sec * 1000000000ull
                       + (uint64_t)h->ts.tv_usec;   /* nano precision */
}

static void *capture_loop(void *arg)
{
    struct capture *c = arg;

    pin_to_cpu(1);
    while (!c->stop && c->n < c->max)
        if (pcap_dispatch(c->pcap, 4096, on_packet, (u_char *)c) < 0)
            break;
    return NULL;
}

static void capture_start(struct bench *b, struct capture *c, size_t max)
{
    struct pcapns_opts o = { .snaplen = 64, .buffer_bytes = 64 << 20,
                             .immediate = true, .nano = true };
    struct strbuf err = STRBUF_INIT;
    struct bpf_program prog;

    memset(c, 0, sizeof *c);
    c->pcap = pcapns_open(b->ctx.dest_ns, b->ctx.dest_if, &o, &err);
    if (!c->pcap)
        die("capture", err.buf);
    if (pcap_compile(c->pcap, &prog, "udp", 1, PCAP_NETMASK_UNKNOWN)
        || pcap_setfilter(c->pcap, &prog))
        die("capture filter", pcap_geterr(c->pcap));
    pcap_freecode(&prog);
    pcap_setnonblock(c->pcap, 0, NULL);
    c->t = xcalloc(max, sizeof *c->t);
    c->max = max;
    pthread_create(&c->thread, NULL, capture_loop, c);
}

struct accuracy {
    double achieved, error_pct, jitter_p50_us, jitter_p99_us;
    uint64_t packets;
    uint64_t burst;         /* leading frames < 1/10 gap apart */
};

/* Waits for the last frames, stops, and measures the arrivals: achieved
 * rate over first..last, and how far each gap was from 1/rate. */
static void capture_finish(struct capture *c, double rate, struct accuracy *a)
{
    struct hist *h = xcalloc(1, sizeof *h);
    double ideal = 1e9 / rate;

    sleep_ms(300);
    c->stop = 1;
    pcap_breakloop(c->pcap);
    pthread_join(c->thread, NULL);
    memset(a, 0, sizeof *a);
    a->packets = c->n;
    hist_init(h);
    while (a->burst + 1 < c->n
           && (double)(c->t[a->burst + 1] - c->t[a->burst]) < ideal / 10)
        a->burst++;
    for (size_t i = 1; i < c->n; i++)
        hist_record(h, (uint64_t)fabs((double)(c->t[i] - c->t[i - 1])
                                      - ideal));
    if (c->n > 1) {
        a->achieved = (double)(c->n - 1) * 1e9
                      / (double)(c->t[c->n - 1] - c->t[0]);
        a->error_pct = 100.0 * (a->achieved - rate) / rate;
        a->jitter_p50_us = (double)hist_percentile(h, 50) / 1e3;
        a->jitter_p99_us = (double)hist_percentile(h, 99) / 1e3;
    }
    pcap_close(c->pcap);
    free(c->t);
    free(h);
}

/* --- The topology. --- */

static void setup(struct bench *b)
{
    struct strbuf err = STRBUF_INIT;
    uint8_t rnd[3];
    char *script = NULL;
    int rc;

    snprintf(b->dir, sizeof b->dir, "/tmp/pt-bench-XXXXXX");
    if (!mkdtemp(b->dir))
        die("mkdtemp", strerror(errno));
    random_bytes(rnd, sizeof rnd);
    snprintf(b->short_id, sizeof b->short_id, "%02x%02x%02x", rnd[0], rnd[1],
             rnd[2]);
    b->ledger = ledger_create(b->dir, "bench");
    if (!b->ledger)
        die("ledger", b->dir);
    b->ctx.run_id = "bench";
    b->ctx.short_id = b->short_id;
    b->ctx.ledger = b->ledger;
    snprintf(b->ctx.dp_ns, sizeof b->ctx.dp_ns, "pt-dp-%s", b->short_id);
    if ((rc = ledger_record(b->ledger, "netns", b->ctx.dp_ns, NULL))
        || (rc = netns_add(b->ctx.dp_ns)))
        die("namespace", strerror(-rc));
    if (topology_find("direct", &b->ops, &script))
        die("topology", "direct not found");
    if (scenario_create(b->ops, &b->ctx, &err))
        die("topology direct", err.buf);
}

static void teardown(struct bench *b)
{
    struct strbuf err = STRBUF_INIT;

    injector_close(b->inj);
    scenario_destroy(b->ops, &b->ctx, &err);
    netns_del(b->ctx.dp_ns);
    ledger_teardown(b->ledger);
    ledger_destroy(b->ledger);
    unlink(b->cfg_paced);
    unlink(b->cfg_single);
    unlink(b->cfg_scan);
    strbuf_dispose(&err);
    rmdir(b->dir);
}

/* Our frame, 60 bytes; trafgen gets the very same bytes. */
static void build_frame(struct bench *b)
{
    struct frame_spec spec = { .size = 60, .proto = FRAME_UDP,
                               .src_port = FLOW_SRC_PORT,
                               .dst_port = FLOW_DST_PORT, .run = 0x5a5a5 };
    struct strbuf err = STRBUF_INIT;

    if (netns_link_get_mac(b->ctx.source_ns, b->ctx.source_if, spec.src_mac)
        || netns_link_get_mac(b->ctx.dest_ns, b->ctx.dest_if, spec.dst_mac))
        die("MAC", "cannot read");
    inet_pton(AF_INET, b->ctx.source_host, &spec.src_ip);
    inet_pton(AF_INET, b->ctx.dest_host, &spec.dst_ip);
    frame_init(&b->frame, &spec);
    b->inj = injector_open(b->ctx.source_ns, b->ctx.source_if, &err);
    if (!b->inj)
        die("injector", err.buf);
}

/* --- Ours. --- */

/* For the maximum rates the frames go to a MAC that is not the
 * destination's: its kernel drops them first thing (PACKET_OTHERHOST), so
 * what is measured is the sender, not the destination's IP stack (which
 * otherwise costs most: a route lookup and an ICMP error per frame). */
static const uint8_t other_host[6] = { 0x02, 0x70, 0x74, 0, 0, 0xfe };

static void set_dst_mac(struct frame *f, const uint8_t *mac)
{
    memcpy(f->buf, mac, 6);
}

static double ours_max(struct bench *b, const char *pattern)
{
    struct inject_stats *st = xcalloc(1, sizeof *st);
    struct strbuf err = STRBUF_INIT;
    struct flow_pattern fp;
    uint8_t dst[6];
    double rate;

    flow_parse(pattern, &fp, &err);
    pin_to_cpu(0);
    memcpy(dst, b->frame.buf, 6);
    set_dst_mac(&b->frame, other_host);
    /* Unpaced: every packet is due already. */
    if (injector_send(b->inj, &b->frame, &fp, MAX_FRAMES, 1e12, NULL, st,
                      &err))
        die("injector", err.buf);
    set_dst_mac(&b->frame, dst);
    rate = st->tx_rate;
    free(st);
    return rate;
}

static void ours_paced(struct bench *b, double rate, struct accuracy *a)
{
    struct inject_stats *st = xcalloc(1, sizeof *st);
    struct strbuf err = STRBUF_INIT;
    uint64_t count = (uint64_t)(rate * 2);      /* two seconds */
    struct flow_pattern fp;
    struct capture c;

    flow_parse("single", &fp, &err);
    capture_start(b, &c, count);
    pin_to_cpu(0);
    if (injector_send(b->inj, &b->frame, &fp, count, rate, NULL, st, &err))
        die("injector", err.buf);
    capture_finish(&c, rate, a);
    free(st);
}

/* --- Peers, run in the source namespace and measured the same way: the
 *     interface's own tx counter over the wall time of the run. --- */

static bool installed(const char *tool)
{
    char *argv[] = { "sh", "-c", NULL, NULL };
    char *cmd = xasprintf("command -v %s >/dev/null", tool);
    bool ok;

    argv[2] = cmd;
    ok = proc_run(argv, NULL) == 0;
    free(cmd);
    return ok;
}

/* Runs argv in the source namespace; packets it sent per second: the
 * interface's tx counter over the tool's own send time when it prints one
 * (trafgen: "S sec, U usec on CPU0"), as ours counts first to last send;
 * else over the wall time of the run. */
static double peer_rate(struct bench *b, char *const argv[], uint64_t *sent)
{
    struct proc_spawn_opts o = { .netns = b->ctx.source_ns };
    struct netns_link_stats s0, s1;
    struct strbuf out = STRBUF_INIT;
    unsigned long sec, usec;
    uint64_t t0, t1;
    double secs;
    const char *p;
    int rc;

    netns_link_stats(b->ctx.source_ns, b->ctx.source_if, &s0);
    t0 = pace_now_ns();
    rc = proc_capture(argv, &o, &out);
    t1 = pace_now_ns();
    netns_link_stats(b->ctx.source_ns, b->ctx.source_if, &s1);
    *sent = s1.tx_packets - s0.tx_packets;
    secs = (double)(t1 - t0) / 1e9;
    p = strstr(out.buf, " usec on CPU");
    while (p && p > out.buf && p[-1] != '\n')
        p--;
    if (p && sscanf(p, " %lu sec, %lu usec", &sec, &usec) == 2
        && sec + usec > 0)
        secs = (double)sec + (double)usec / 1e6;
    strbuf_dispose(&out);
    if (rc)
        fprintf(stderr, "bench: %s exited %d\n", argv[0], rc);
    return rc ? 0 : (double)*sent / secs;
}

/* trafgen's packet config: our frame's bytes; for the scan the low byte of
 * the destination port counts up (a new flow each packet, 255 of them)
 * and the UDP checksum is 0 ("none", valid for IPv4). */
static void trafgen_config(struct bench *b, char *path, size_t size,
                           bool scan, bool other)
{
    FILE *f;

    snprintf(path, size, "%s/trafgen-%s%s.cfg", b->dir,
             scan ? "scan" : "single", other ? "-other" : "");
    f = fopen(path, "we");
    if (!f)
        die(path, strerror(errno));
    fputs("{ ", f);
    for (size_t i = 0; i < b->frame.len; i++) {
        if (other && i < 6)
            fprintf(f, "0x%02x, ", other_host[i]);
        else if (scan && i == 37)
            fputs("dinc(1, 255), ", f);
        else if (scan && (i == 40 || i == 41))
            fputs("0x00, ", f);
        else
            fprintf(f, "0x%02x, ", b->frame.buf[i]);
    }
    fputs("}\n", f);
    fclose(f);
}

/* Do not let trafgen retune the host's socket memory or IRQ affinity. */
static double trafgen_run(struct bench *b, const char *cfg, uint64_t count,
                          double rate)
{
    char n[32], r[32];
    uint64_t sent;
    char *argv[] = { "trafgen", "-o", b->ctx.source_if, "-i", (char *)cfg,
                     "-P", "1", "--no-sock-mem", "--notouch-irq", "-n", n,
                     NULL, NULL, NULL };
    size_t end = sizeof argv / sizeof *argv - 3;    /* the first NULL */

    snprintf(n, sizeof n, "%llu", (unsigned long long)count);
    if (rate > 0) {
        snprintf(r, sizeof r, "%.0fpps", rate);
        argv[end] = "-b";
        argv[end + 1] = r;
    }
    return peer_rate(b, argv, &sent);
}

static double nping_run(struct bench *b, bool scan)
{
    char *argv[] = { "nping", "--udp", "-g", "40000", "-p",
                     scan ? "1-20000" : "5001", "-c", scan ? "1" : "20000",
                     "--rate", "1000000", "-N", "-q", "-H",
                     b->ctx.dest_host, NULL };
    uint64_t sent;

    return peer_rate(b, argv, &sent);
}

/* --- The receiver's ceiling: whole trials, injector and receiver. --- */

struct ceiling {
    double rate, tx_rate;
    uint64_t sent, received, drops;
};

static void receiver_ceiling(struct bench *b, double inj_max,
                             struct ceiling *rows, int *n_rows)
{
    struct settings s;
    struct strbuf err = STRBUF_INIT;
    struct traffic *t;
    struct trial_result *r = xcalloc(1, sizeof *r);

    settings_init(&s);
    settings_set_text(&s, SETTING_FLOW_PATTERN, "single", SOURCE_CMDLINE,
                      NULL, 0, &err);
    t = traffic_open(&b->ctx, &s, 0x77, &err);
    if (!t)
        die("traffic", err.buf);
    *n_rows = 0;
    /* Doubling up to the injector's maximum, then unpaced. */
    for (double rate = 25000; *n_rows < 16; rate *= 2) {
        bool top = rate >= inj_max;
        double ask = top ? 1e12 : rate;
        uint64_t count = (uint64_t)((top ? inj_max : rate) * 1.0);

        if (traffic_trial(t, ask, count, NULL, r, &err))
            die("trial", err.buf);
        rows[*n_rows] = (struct ceiling){ ask, r->tx_rate, r->sent,
                                          r->received, r->kernel_drops };
        ++*n_rows;
        if (top)
            break;
    }
    traffic_close(t);
    settings_release(&s);
    free(r);
}

/* --- The report. --- */

static void put(json_t *obj, const char *key, double v)
{
    json_object_set_new(obj, key, json_real(round(v * 100) / 100));
}

static void print_accuracy(const char *who, double rate,
                           const struct accuracy *a, json_t *arr)
{
    json_t *o = json_object();

    printf("  %-9s %6.0f pps: achieved %9.1f (%+6.2f %%), gap deviation "
           "p50 %7.2f us, p99 %8.2f us, %llu frames", who, rate,
           a->achieved, a->error_pct, a->jitter_p50_us, a->jitter_p99_us,
           (unsigned long long)a->packets);
    if (a->burst)
        printf(", the first %llu in one burst",
               (unsigned long long)a->burst + 1);
    printf("\n");
    json_object_set_new(o, "tool", json_string(who));
    put(o, "target_pps", rate);
    put(o, "achieved_pps", a->achieved);
    put(o, "error_pct", a->error_pct);
    put(o, "gap_dev_p50_us", a->jitter_p50_us);
    put(o, "gap_dev_p99_us", a->jitter_p99_us);
    json_object_set_new(o, "start_burst",
                        json_integer((json_int_t)(a->burst ? a->burst + 1 : 0)));
    json_array_append_new(arr, o);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Prints and records the median of 'n' rounds, and their range. */
static double report_max(const char *tool, const char *pattern, double *v,
                         int n, json_t *obj)
{
    char *key = xasprintf("%s_%s", tool, pattern);
    json_t *o = json_object(), *all = json_array();
    double med;

    for (int i = 0; i < n; i++)
        json_array_append_new(all, json_real(round(v[i])));
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    printf("  %-10s %-7s %10.0f  [%.0f-%.0f]\n", tool, pattern, med, v[0],
           v[n - 1]);
    put(o, "median_pps", med);
    json_object_set_new(o, "rounds_pps", all);
    json_object_set_new(obj, key, o);
    free(key);
    return med;
}

static const char *out_path(void)
{
    const char *p = getenv("PT_BENCH_JSON");
    return p && *p ? p : "build/bench/bench.json";
}

int main(void)
{
    static const double rates[] = { 1000, 10000, 100000 };
    struct bench b = { 0 };
    struct accuracy a;
    struct ceiling rows[16];
    const char *r_env = getenv("PT_BENCH_ROUNDS");
    int rounds = r_env && atoi(r_env) > 0 && atoi(r_env) <= MAX_ROUNDS
                     ? atoi(r_env) : 3;
    double ours[2][MAX_ROUNDS], peer[2][MAX_ROUNDS];
    double single, scan, tg_single, tg_scan;
    json_t *maxr = json_object(), *acc = json_array(), *ceil = json_array();
    bool have_trafgen = installed("trafgen"), have_nping = installed("nping");
    int n_rows;

    if (geteuid())
        die("needs root", "it makes namespaces (sudo make bench)");
    the_bench = &b;
    setup(&b);
    build_frame(&b);
    if (have_trafgen) {
        trafgen_config(&b, b.cfg_paced, sizeof b.cfg_paced, false, false);
        trafgen_config(&b, b.cfg_single, sizeof b.cfg_single, false, true);
        trafgen_config(&b, b.cfg_scan, sizeof b.cfg_scan, true, true);
    }

    printf("injector maximum rate, 60-byte frames, one core (pps): median "
           "of %d interleaved rounds [min-max]\n", rounds);
    for (int i = 0; i < rounds; i++) {
        ours[0][i] = ours_max(&b, "single");
        if (have_trafgen)
            peer[0][i] = trafgen_run(&b, b.cfg_single, MAX_FRAMES, 0);
        ours[1][i] = ours_max(&b, "scan");
        if (have_trafgen)
            peer[1][i] = trafgen_run(&b, b.cfg_scan, MAX_FRAMES, 0);
    }
    single = report_max("perftests", "single", ours[0], rounds, maxr);
    scan = report_max("perftests", "scan", ours[1], rounds, maxr);
    if (have_trafgen) {
        tg_single = report_max("trafgen", "single", peer[0], rounds, maxr);
        tg_scan = report_max("trafgen", "scan", peer[1], rounds, maxr);
        printf("  perftests/trafgen: %.2fx single, %.2fx scan\n",
               single / tg_single, scan / tg_scan);
        put(maxr, "ratio_single", single / tg_single);
        put(maxr, "ratio_scan", scan / tg_scan);
    } else {
        printf("  trafgen: not installed (apt-get install netsniff-ng)\n");
    }
    if (have_nping) {
        /* nping is an order of magnitude slower: one round tells. */
        double ns = nping_run(&b, false), nc = nping_run(&b, true);
        report_max("nping", "single", &ns, 1, maxr);
        report_max("nping", "scan", &nc, 1, maxr);
    } else {
        printf("  nping: not installed (apt-get install nmap)\n");
    }

    printf("rate accuracy and gap jitter, 2 s each, seen by one capture\n");
    for (size_t i = 0; i < sizeof rates / sizeof *rates; i++) {
        ours_paced(&b, rates[i], &a);
        print_accuracy("perftests", rates[i], &a, acc);
        if (have_trafgen) {
            struct capture c;
            capture_start(&b, &c, (size_t)(rates[i] * 2));
            trafgen_run(&b, b.cfg_paced, (uint64_t)(rates[i] * 2), rates[i]);
            capture_finish(&c, rates[i], &a);
            print_accuracy("trafgen", rates[i], &a, acc);
        }
    }

    printf("receiver: whole trials (injector and receiver together), up to "
           "the injector's maximum\n");
    receiver_ceiling(&b, single, rows, &n_rows);
    double ceiling_rate = 0;
    for (int i = 0; i < n_rows; i++) {
        json_t *o = json_object();
        bool clean = rows[i].received == rows[i].sent && !rows[i].drops;
        char asked[32] = "unpaced";
        if (rows[i].rate < 1e12)
            snprintf(asked, sizeof asked, "%.0f pps", rows[i].rate);
        printf("  %12s: sent at %8.0f pps: %8llu, received %8llu, receiver "
               "drops %llu%s\n", asked, rows[i].tx_rate,
               (unsigned long long)rows[i].sent,
               (unsigned long long)rows[i].received,
               (unsigned long long)rows[i].drops, clean ? "" : "  <- loss");
        /* The ceiling is what was achieved, not what was asked. */
        if (clean && rows[i].tx_rate > ceiling_rate)
            ceiling_rate = rows[i].tx_rate;
        put(o, "requested_pps", rows[i].rate < 1e12 ? rows[i].rate : 0);
        put(o, "achieved_pps", rows[i].tx_rate);
        json_object_set_new(o, "sent", json_integer((json_int_t)rows[i].sent));
        json_object_set_new(o, "received",
                            json_integer((json_int_t)rows[i].received));
        json_object_set_new(o, "receiver_drops",
                            json_integer((json_int_t)rows[i].drops));
        json_array_append_new(ceil, o);
    }
    printf("  loss-free ceiling: %.0f pps\n", ceiling_rate);
    teardown(&b);

    json_t *root = json_object();
    json_object_set_new(root, "max_rate_pps", maxr);
    json_object_set_new(root, "accuracy", acc);
    json_object_set_new(root, "receiver", ceil);
    put(root, "receiver_ceiling_pps", ceiling_rate);
    mkdir_p("build/bench", 0755);
    if (json_dump_file(root, out_path(), JSON_INDENT(2)))
        die("cannot write", out_path());
    printf("wrote %s\n", out_path());
    json_decref(root);
    return 0;
}
