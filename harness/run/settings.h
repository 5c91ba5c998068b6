/* Run settings: one table of key, type, range, default and help
 * (SETTINGS_TABLE below), and the values a run resolved for them with the
 * place each value came from.  Precedence, lowest first: built-in default,
 * profile file, environment variable of the same name, `-o KEY=VALUE`. */
#ifndef PT_SETTINGS_H
#define PT_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strbuf.h"

/* The most frames one trial may send: the receiver keeps a bit per frame
 * (12.5 MB at this size) and the frame's sequence number is 32 bits.  At
 * 1.5 Mpps it is still more than a minute. */
#define PT_TRIAL_MAX_FRAMES 100000000

/* The most steps the stepped scan may take: it keeps a rate per step, and
 * at the shortest pause it is still half a day of bursts. */
#define PT_SCAN_MAX_STEPS 10000

enum setting_type { SETTING_INT, SETTING_DOUBLE, SETTING_STRING };

/* X(KEY, alias or NULL, type, min, max, default, validator, help)
 * min/max bound numbers; for strings the validator (may be NULL) decides. */
#define SETTINGS_TABLE(X)                                                     \
    X(THROUGHPUT_MAX_SCAN_RATE, "THROUGHPUT_SCAN_MAX_RATE", SETTING_INT, 1,   \
      100000000, "40000", NULL,                                               \
      "highest rate of the stepped throughput scan (packets/s)")             \
    X(THROUGHPUT_SCAN_START_RATE, NULL, SETTING_INT, 1, 100000000, "1000",    \
      NULL, "rate of the first step of the throughput scan (packets/s)")     \
    X(THROUGHPUT_SCAN_STEP, NULL, SETTING_INT, 1, 100000000, "500", NULL,     \
      "rate added at each step of the throughput scan (packets/s); at "    \
      "most 10000 steps")          \
    X(THROUGHPUT_SCAN_BURST, NULL, SETTING_INT, 1, PT_TRIAL_MAX_FRAMES, "65000", NULL, \
      "packets sent at each step of the throughput scan")                    \
    X(THROUGHPUT_SCAN_PAUSE, NULL, SETTING_DOUBLE, 0, 3600, "5", NULL,        \
      "pause between two steps of the throughput scan (seconds)")            \
    X(LONG_RUNNING_SCAN_RATE, NULL, SETTING_INT, 1, 100000000, "10000", NULL, \
      "rate of the long-running test (packets/s)")                           \
    X(LONG_RUNNING_SCAN_ITERATIONS, NULL, SETTING_INT, 0, 1000000, "10",      \
      NULL, "bursts sent by the long-running test (0 skips it)")             \
    X(LONG_RUNNING_BURST, NULL, SETTING_INT, 1, PT_TRIAL_MAX_FRAMES, "50000", NULL, \
      "packets in each burst of the long-running test")                      \
    X(TCP_PHASE, NULL, SETTING_STRING, 0, 0, "no", settings_check_yes_no,    \
      "yes: the tcp_throughput phase measures TCP with iperf3 (libiperf), "  \
      "a server in the destination namespace, a client in the source")     \
    X(TCP_STREAMS, NULL, SETTING_INT, 1, 128, "1", NULL,                      \
      "parallel TCP streams of the tcp_throughput phase (iperf3 -P; at "    \
      "most iperf3's 128)")                                                 \
    X(TCP_DURATION, NULL, SETTING_INT, 1, 3600, "5", NULL,                    \
      "seconds the tcp_throughput phase sends for (iperf3 -t)")            \
    X(WARMUP_RATE, NULL, SETTING_INT, 1, 100000000, "100", NULL,              \
      "rate of the warm-up (packets/s)")                                     \
    X(WARMUP_PACKETS, NULL, SETTING_INT, 0, PT_TRIAL_MAX_FRAMES, "6000", NULL, \
      "packets sent during the warm-up (0 skips it)")                        \
    X(FRAME_SIZE, NULL, SETTING_INT, 60, 1514, "60", NULL,                    \
      "Ethernet frame size without FCS (bytes)")                             \
    X(FLOW_PATTERN, NULL, SETTING_STRING, 0, 0, "scan",                       \
      settings_check_flow_pattern,                                            \
      "single (one 5-tuple), scan (a new flow per packet) or flows:N")       \
    X(PROTOCOL, NULL, SETTING_STRING, 0, 0, "udp", settings_check_protocol, \
      "udp, or tcp (SYN frames, as the original's nmap scan; FRAME_SIZE "   \
      ">= 72)")                                                               \
    X(THROUGHPUT_SEARCH, NULL, SETTING_STRING, 0, 0, "steps",                 \
      settings_check_search,                                                  \
      "the strategy that picks test_throughput's rates (perftests --help "  \
      "lists them)")                                                          \
    X(PDR_LOSS, NULL, SETTING_DOUBLE, 0, 50, "0.5", NULL,                     \
      "loss accepted for the partial drop rate, percent")                   \
    X(SEARCH_WIDTH, NULL, SETTING_DOUBLE, 0.01, 50, "0.5", NULL,              \
      "a goal is found when its lower and upper bounds are this close, "    \
      "percent")                                                              \
    X(SEARCH_MAX_TRIALS, NULL, SETTING_INT, 2, 10000, "300", NULL,           \
      "most trials a search may run (invalid ones, repeated, not counted)") \
    X(SEARCH_TRIAL_DURATION, NULL, SETTING_DOUBLE, 0.1, 3600, "1", NULL,      \
      "seconds of the coarse trials a search starts with (MLRsearch's "     \
      "initial trial duration)")                                            \
    X(SEARCH_FINAL_DURATION, NULL, SETTING_DOUBLE, 0.1, 3600, "1", NULL,      \
      "seconds of a trial that counts fully toward a goal (MLRsearch's "    \
      "final trial duration)")                                              \
    X(SEARCH_DURATION_SUM, NULL, SETTING_DOUBLE, 0.1, 36000, "21", NULL,      \
      "ndr: seconds of trials that decide a load for a goal (MLRsearch's "  \
      "duration sum)")                                                        \
    X(SEARCH_EXCEED_RATIO, NULL, SETTING_DOUBLE, 0, 99, "50", NULL,           \
      "ndr: share of a load's duration sum, percent, whose trials may lose " \
      "more than the goal allows and the load still pass")                 \
    X(LATENCY_LOADS, NULL, SETTING_STRING, 0, 0, "0,10,50,90",                \
      settings_check_latency_loads,                                           \
      "after a search, a latency trial at each of these percents of PDR "   \
      "(0: a few packets a second); empty: none")                           \
    X(SUT_PACKAGES, NULL, SETTING_STRING, 0, 0, "", settings_check_sut_packages, \
      "a folder of .deb files (a build's) installed with apt before the "   \
      "SUT starts (install_sut); empty: none")                              \
    X(OVS_DATAPATH, NULL, SETTING_STRING, 0, 0, "netdev",                     \
      settings_check_ovs_datapath,                                            \
      "datapath of the OVS bridges: netdev (userspace) or system (the "     \
      "kernel module, which must be loaded)")                               \
    X(OVS_OTHER_CONFIG, NULL, SETTING_STRING, 0, 0, "",                       \
      settings_check_ovs_other_config,                                        \
      "KEY=VALUE,... set in OVS's Open_vSwitch other_config before the "    \
      "topology and read back, e.g. n-handler-threads=1,max-idle=10000")    \
    X(SUT_CPUS, NULL, SETTING_STRING, 0, 0, "auto", settings_check_cpus,     \
      "CPUs the SUT's processes run on: a list like 1 or 2-7, none, or "    \
      "auto (the cores the harness leaves free; none on one core)")         \
    X(INJECTOR_CPUS, NULL, SETTING_STRING, 0, 0, "auto", settings_check_cpus,\
      "CPUs the injector runs on: a list, none, or auto (CPU 0)")           \
    X(RECEIVER_CPUS, NULL, SETTING_STRING, 0, 0, "auto", settings_check_cpus,\
      "CPUs the receiver runs on: a list, none, or auto (CPU 1 from 3 "     \
      "cores up, else CPU 0)")                                                \
    X(JITTER_PROBE, NULL, SETTING_DOUBLE, 0, 60, "1", NULL,                 \
      "seconds spent before the first trial measuring how often this host " \
      "takes the SUT's CPUs away (stalls over 1 ms a second, the longest), " \
      "said with the figures; 0: not measured")                            \
    X(CROSS_CPU_PROBE, NULL, SETTING_STRING, 0, 0, "yes",                   \
      settings_check_yes_no,                                                \
      "yes: before each trial, the round trip of a cache line between the " \
      "injector's CPU and the SUT's (trials.csv cross_cpu_ns): how far "   \
      "apart the host has put them, which moves figures; no: not measured")\
    X(RECEIVER_RPS, NULL, SETTING_STRING, 0, 0, "yes", settings_check_yes_no,\
      "yes: the destination interface's receive processing (RPS) runs on " \
      "RECEIVER_CPUS, so the kernel's half of receiving is not charged to " \
      "the SUT's CPUs; no: where the kernel puts it (the sender's CPU)")   \
    X(SUT_RPS, NULL, SETTING_STRING, 0, 0, "yes", settings_check_yes_no,     \
      "yes: the receive processing (RPS) of the interface the datapath "   \
      "receives on runs on SUT_CPUS, so the SUT pays for its own "         \
      "receiving, as with a NIC; no: where the kernel puts it (the "      \
      "injector's CPU)")                                                    \
    X(SUT_RCVBUF_KB, NULL, SETTING_INT, 0, 1048576, "2048", NULL,           \
      "receive buffer (KiB) of each packet socket of a SUT this run "      \
      "started (a userspace datapath's receive queue, like a NIC ring); " \
      "0: the host's net.core.rmem_default, often 208 KiB, which a few "  \
      "ms of host stall overflow")                                          \
    X(RECEIVER_BUFFER_KB, NULL, SETTING_INT, 64, 4194304, "65536", NULL,     \
      "the receiver's capture buffer (KiB); frames it cannot hold are the " \
      "receiver's drops, which make a trial invalid")                       \
    X(CLOCK_OFFSET_MAX_US, NULL, SETTING_INT, 0, 10000000, "500", NULL,     \
      "with --hosts: the largest uncertainty (us) of the two agents' "     \
      "clock offset for one-way latency; above it (or when 0) latency is " \
      "RTT-derived (half of ICMP round trips through the datapath), and "  \
      "said so")                                                            \
    X(HISTORY_DB, NULL, SETTING_STRING, 0, 0, "<results>/history.db", NULL,  \
      "the SQLite history every run is added to (<results>: the results "  \
      "folder); empty: no history")                                         \
    X(REGRESSION_CHECK, NULL, SETTING_STRING, 0, 0, "yes",                    \
      settings_check_yes_no,                                                  \
      "yes: judge the headline metrics against the series' history; a "    \
      "regression fails the run (exit 1)")                                  \
    X(REGRESSION_BASELINE_RUNS, NULL, SETTING_INT, 1, 1000, "10", NULL,       \
      "the baseline: the last this many passing runs of the series, after " \
      "the last acknowledged step")                                          \
    X(REGRESSION_THRESHOLD, NULL, SETTING_DOUBLE, 0, 1000, "5", NULL,         \
      "a metric regresses when worse than the baseline's median by more "   \
      "than this percent and than the baseline's own spread allows")        \
    X(REGRESSION_MIN_RUNS, NULL, SETTING_INT, 1, 1000, "5", NULL,             \
      "with fewer baseline runs: \"not enough history\", and the check "   \
      "passes")                                                               \
    X(TREND_RUNS, NULL, SETTING_INT, 0, 1000, "30", NULL,                     \
      "the trend graphs in index.html: each headline metric over the "     \
      "series' last this many runs; 0: none")                               \
    X(SITE_MAX_BYTES, NULL, SETTING_INT, 1, 1099511627776.0, "536870912",   \
      NULL, "perftests site: a posted bundle unpacking to more bytes than "  \
      "this is refused (default 512 MiB)")                                  \
    X(AB_ROUNDS, NULL, SETTING_INT, 2, 1000, "5", NULL,                       \
      "perftests ab: rounds, each a fresh run of A and of B (A B, then B "  \
      "A, ...)")                                                              \
    X(MIN_NDR_PPS, NULL, SETTING_DOUBLE, 0, 1e9, "0", NULL,                   \
      "a floor: an NDR (or loss-free rate) below it fails the run; 0: none") \
    X(MAX_P99_US, NULL, SETTING_DOUBLE, 0, 1e9, "0", NULL,                    \
      "a ceiling: a p99 latency at any LATENCY_LOADS above it fails the "   \
      "run; 0: none")                                                         \
    X(MAX_SUT_CPU_PCT, NULL, SETTING_DOUBLE, 0, 1e6, "0", NULL,               \
      "a ceiling: the SUT's mean CPU at the peak step above it fails the "  \
      "run; 0: none")                                                         \
    X(MAX_RSS_SLOPE_MIB_H, NULL, SETTING_DOUBLE, 0, 1e9, "0", NULL,           \
      "a ceiling: the SUT's RSS growing faster in the long run (MiB/h) "    \
      "fails the run, the soak's leak verdict; 0: none")                    \
    X(SAMPLE_INTERVAL, NULL, SETTING_DOUBLE, 0.1, 60, "1", NULL,              \
      "collector sampling interval (seconds)")                               \
    X(COLLECTORS, NULL, SETTING_STRING, 0, 0, "proc,system,netdev,ovs,jmx",  \
      settings_check_collectors,                                              \
      "comma-separated collectors: proc, system, netdev, ovs, jmx (empty: "  \
      "none)")                                                                \
    X(JMX_URL, NULL, SETTING_STRING, 0, 0, "", settings_check_jmx_url,        \
      "the JVM the jmx collector reads: host:port, a service:jmx: URL, or "  \
      "pid (attach to the SUT); empty: JMX_CONFIG's server, else the SUT "  \
      "when it is a JVM")                                                     \
    X(JMX_CONFIG, NULL, SETTING_STRING, 0, 0, "", settings_check_jmx_config,  \
      "a jmxtrans JSON file whose queries the jmx collector adds to its "   \
      "defaults (heap, pools, GC, threads, CPU, classes)")                  \
    X(HEAPDUMP, NULL, SETTING_STRING, 0, 0, "yes", settings_check_yes_no,     \
      "yes: a JVM SUT's live heap dump (.hprof) goes into the run "         \
      "directory at the end; no: none")                                      \
    X(REPORT_URL, NULL, SETTING_STRING, 0, 0, "", settings_check_url,         \
      "where the report bundle is posted: http(s)://, scp:// or sftp:// "    \
      "(empty: not posted)")                                                 \
    X(REPORT_METHOD, NULL, SETTING_STRING, 0, 0, "put",                       \
      settings_check_report_method,                                           \
      "http(s): put (WebDAV PUT, the path created) or post (multipart)")     \
    X(REPORT_RETRIES, NULL, SETTING_INT, 0, 20, "3", NULL,                    \
      "attempts after the first failed one, before the bundle is spooled")   \
    X(REPORT_RETRY_DELAY, NULL, SETTING_DOUBLE, 0, 600, "1", NULL,            \
      "seconds before the first retry; doubled for each next one")          \
    X(REPORT_TIMEOUT, NULL, SETTING_DOUBLE, 1, 3600, "120", NULL,             \
      "seconds one upload may take (connecting: at most 15 of them)")       \
    X(REPORT_SSH_KEY, NULL, SETTING_STRING, 0, 0, "", settings_check_file,    \
      "scp/sftp: the private key file (its .pub beside it)")                \
    X(REPORT_KNOWN_HOSTS, NULL, SETTING_STRING, 0, 0, "", NULL,               \
      "scp/sftp: the known_hosts file the server's host key must be in "    \
      "(empty: ~/.ssh/known_hosts); missing: nothing is sent")              \
    X(REPORT_CA_FILE, NULL, SETTING_STRING, 0, 0, "", settings_check_file,    \
      "https: a PEM file of the CA certificates the server's certificate "  \
      "must chain to, e.g. a lab's own CA (empty: the system's)")           \
    X(GRAPH_WIDTH, NULL, SETTING_INT, 200, 10000, "1400", NULL,               \
      "width of the report's graphs (pixels of the plot area)")             \
    X(GRAPH_HEIGHT, NULL, SETTING_INT, 100, 5000, "500", NULL,                \
      "height of the report's graphs (pixels of the plot area)")

enum setting_id {
#define SETTING_ENUM_(key, ...) SETTING_##key,
    SETTINGS_TABLE(SETTING_ENUM_)
#undef SETTING_ENUM_
    N_SETTINGS
};

/* Checks a string value; returns false and says why in 'why'. */
typedef bool setting_check_fn(const char *value, struct strbuf *why);
setting_check_fn settings_check_flow_pattern;
setting_check_fn settings_check_url;
setting_check_fn settings_check_report_method;
setting_check_fn settings_check_protocol;
setting_check_fn settings_check_search;
setting_check_fn settings_check_collectors;
setting_check_fn settings_check_jmx_url;
setting_check_fn settings_check_jmx_config;
setting_check_fn settings_check_file;
setting_check_fn settings_check_yes_no;
setting_check_fn settings_check_latency_loads;
setting_check_fn settings_check_cpus;
setting_check_fn settings_check_sut_packages;
setting_check_fn settings_check_ovs_datapath;
setting_check_fn settings_check_ovs_other_config;

/* Parses "0,10,50,90": up to 'max' numbers from 0 to 100 into 'out'.
 * How many, or -EINVAL with "expected ..." in 'why'. */
#define PT_MAX_LATENCY_LOADS 16
int settings_parse_percents(const char *text, double *out, size_t max,
                            struct strbuf *why);

struct setting_def {
    const char *key;
    const char *alias;
    enum setting_type type;
    double min, max;
    const char *def;
    setting_check_fn *check;
    const char *help;
};

extern const struct setting_def setting_defs[N_SETTINGS];

enum setting_source {
    SOURCE_DEFAULT, SOURCE_PROFILE, SOURCE_ENV, SOURCE_CMDLINE
};

struct setting_value {
    long long i;            /* SETTING_INT */
    double d;               /* SETTING_DOUBLE */
    char *s;                /* every type: the value as text (owned) */
    enum setting_source source;
    char *file;             /* SOURCE_PROFILE: the file (owned) */
    int line;               /* SOURCE_PROFILE: its line */
};

struct settings {
    struct setting_value v[N_SETTINGS];
    char *profile_name;     /* "default", "ci", a host name, or a path */
    char *profile_path;     /* the file that was read, or NULL */
};

/* Fills every setting with its built-in default. */
void settings_init(struct settings *s);
void settings_release(struct settings *s);

/* Looks a key up by name or alias; -1 if unknown. */
int settings_find(const char *key);
/* The closest known key to 'key' for "did you mean", or NULL. */
const char *settings_suggest(const char *key);

/* Parses 'text' for setting 'id' and stores it with its origin.
 * On a bad value returns -EINVAL and appends "expected ..." to 'why'. */
int settings_set_text(struct settings *s, enum setting_id id,
                      const char *text, enum setting_source source,
                      const char *file, int line, struct strbuf *why);

/* "default", "profiles.d/ci/perftests.conf:12", "environment", "-o". */
void settings_format_source(const struct settings *s, enum setting_id id,
                            struct strbuf *out);
/* "KEY = value (where it came from)", the key padded to 'width', a URL's
 * secrets redacted (the line goes to run.log and the bundle). */
void settings_describe(const struct settings *s, enum setting_id id,
                       int width, struct strbuf *out);
const char *settings_source_to_text(enum setting_source source);

static inline long long settings_int(const struct settings *s,
                                     enum setting_id id)
{
    return s->v[id].i;
}

static inline double settings_double(const struct settings *s,
                                     enum setting_id id)
{
    return s->v[id].d;
}

static inline const char *settings_str(const struct settings *s,
                                       enum setting_id id)
{
    return s->v[id].s;
}

#endif
