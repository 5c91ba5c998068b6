/* jmx: a JVM's figures over JMX (what jmxtrans did for midolman), read by
 * the sidecar (jmx_sidecar.h) and handed to the sinks like any other
 * collector's.  The sidecar polls on its own schedule; each tick takes its
 * newest sample.  If it dies it is restarted once; dying again fails the
 * collector (-EPIPE), which the run reports: never a silent gap. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collectors/collector.h"
#include "collectors/jmx_sidecar.h"
#include "collectors/jmxconf.h"
#include "lib/log.h"
#include "lib/util.h"

LOG_MODULE("jmx");

/* A JVM starts, attaches and resolves its queries in a second or two; a
 * loaded host may take much longer. */
#define JMX_START_TIMEOUT_MS 60000

struct jmx_state {
    struct jmx_target target;
    struct jmx_sidecar sc;
    struct strbuf setup;        /* the query lines, sent at every start */
    char *log_path;
    struct ledger *ledger;
    double interval;
    /* What the first start declared; a restart must declare the same. */
    struct metric_set *ms;      /* only during init() */
    char **labels;
    size_t n;
    /* The handshake of the current start. */
    size_t n_seen;
    bool ready, mismatch;
    double *last;               /* the newest sample */
    uint64_t last_ns;           /* its time (the sidecar's nanoTime is
                                 * CLOCK_MONOTONIC, as ours) */
    int restarts;
    struct strbuf why;          /* the sidecar's last error line */
};

static void on_metric(struct jmx_state *s, char *rest)
{
    char *tab = strchr(rest, '\t');
    const char *label = tab ? tab + 1 : "";

    if (!tab)
        return;
    *tab = '\0';
    /* "ready" closes the set: the sample buffer is sized by then, so a
     * metric after it is a mismatch, as one a restart did not declare. */
    if (s->ms && !s->ready) {
        metric_set_add_label(s->ms, strcmp(rest, "counter") ? METRIC_GAUGE
                                                            : METRIC_COUNTER,
                             label);
        s->labels = xrealloc(s->labels, (s->n + 1) * sizeof *s->labels);
        s->labels[s->n++] = xstrdup(label);
    } else if (s->n_seen >= s->n || strcmp(s->labels[s->n_seen], label)) {
        s->mismatch = true;
    }
    s->n_seen++;
}

static void on_sample(struct jmx_state *s, char *rest)
{
    char *save = NULL, *f = strtok_r(rest, "\t", &save);
    size_t i = 0;

    if (!f || !s->ready)
        return;
    s->last_ns = strtoull(f, NULL, 10);
    for (f = strtok_r(NULL, "\t", &save); f && i < s->n;
         f = strtok_r(NULL, "\t", &save))
        s->last[i++] = strcmp(f, "nan") ? strtod(f, NULL) : NAN;
    while (i < s->n)
        s->last[i++] = NAN;
}

/* The first sample may come in the same read as "ready": the buffer it
 * is written to must exist as soon as the metrics are known. */
static void on_ready(struct jmx_state *s)
{
    s->ready = !s->mismatch && s->n_seen == s->n;
    if (s->ready && !s->last)
        s->last = xcalloc(s->n ? s->n : 1, sizeof *s->last);
}

static void on_line(void *ctx, char *line)
{
    struct jmx_state *s = ctx;
    char *tab = strchr(line, '\t');
    char *rest = tab ? tab + 1 : (char *)"";

    if (tab)
        *tab = '\0';
    if (!strcmp(line, "sample"))
        on_sample(s, rest);
    else if (!strcmp(line, "metric"))
        on_metric(s, rest);
    else if (!strcmp(line, "ready"))
        on_ready(s);
    else if (!strcmp(line, "info"))
        LOG_INFO("%s", rest);
    else if (!strcmp(line, "warn"))
        LOG_WARN("%s", rest);
    else if (!strcmp(line, "error")) {
        strbuf_reset(&s->why);
        strbuf_addstr(&s->why, rest);
    }
}

/* Waits for the sidecar's "ready" until 'deadline' (monotonic_ms()).
 * In short slices: a Ctrl-C may be delivered to another thread of ours,
 * which leaves this poll() running, so the flag is looked at every slice.
 * 0, -EINTR (interrupted), -ETIMEDOUT or -EIO (the sidecar exited). */
static int wait_ready(struct jmx_state *s, long long deadline)
{
    while (!s->ready && !s->mismatch) {
        long long left = deadline - monotonic_ms();
        if (pt_interrupted)
            return -EINTR;
        if (left <= 0)
            return -ETIMEDOUT;
        if (jmx_sidecar_read(&s->sc, left < 200 ? (int)left : 200, on_line,
                             s))
            return -EIO;
    }
    return 0;
}

/* Where to connect: JMX_URL, else the query file's server, else the SUT
 * when it is a JVM.  -ENOTSUP when there is no JVM to watch. */
static int pick_target(const struct collector_cfg *cfg,
                       const struct jmx_config *jc, struct jmx_target *t,
                       struct strbuf *err)
{
    const char *url = cfg->jmx_url ? cfg->jmx_url : "";
    pid_t jvm = jmx_find_jvm(cfg->pids, cfg->n_pids);

    memset(t, 0, sizeof *t);
    t->netns_of = jvm;
    if (!strcmp(url, "pid") || (!*url && !jc->target && jvm)) {
        if (!jvm) {
            strbuf_addstr(err, "JMX_URL is \"pid\" and no process of the "
                          "system under test is a JVM");
            return -EINVAL;
        }
        t->pid = jvm;
    } else if (*url || jc->target) {
        t->url = xstrdup(*url ? url : jc->target);
    } else {
        strbuf_addstr(err, "the system under test is no JVM and JMX_URL is "
                      "empty");
        return -ENOTSUP;
    }
    return 0;
}

static int start_sidecar(struct jmx_state *s, struct strbuf *err)
{
    s->n_seen = 0;
    s->ready = s->mismatch = false;
    strbuf_reset(&s->why);
    return jmx_sidecar_start(&s->sc, &s->target, s->interval, s->setup.buf,
                             s->log_path, s->ledger, err);
}

static void jmx_close(void *state)
{
    struct jmx_state *s = state;

    jmx_sidecar_stop(&s->sc);
    for (size_t i = 0; i < s->n; i++)
        free(s->labels[i]);
    free(s->labels);
    free(s->last);
    free(s->target.url);
    free(s->log_path);
    strbuf_dispose(&s->setup);
    strbuf_dispose(&s->why);
    free(s);
}

static int jmx_init(const struct collector_cfg *cfg, void **state,
                    struct metric_set *ms, struct strbuf *err)
{
    struct jmx_config jc = { 0 };
    struct jmx_state *s = xcalloc(1, sizeof *s);
    long long deadline = monotonic_ms() + JMX_START_TIMEOUT_MS;
    int rc = 0;

    s->sc.fd = -1;
    strbuf_init(&s->setup);
    strbuf_init(&s->why);
    if (cfg->jmx_config && *cfg->jmx_config) {
        rc = jmx_config_load(cfg->jmx_config, &jc, err);
        if (!rc && jc.n_output_writers)
            LOG_INFO("%s: %zu outputWriters ignored: perftests writes its "
                     "own RRD files", cfg->jmx_config, jc.n_output_writers);
        if (!rc && jc.n_servers > 1)
            LOG_WARN("%s: %zu servers; all queries go to the first one's "
                     "JVM", cfg->jmx_config, jc.n_servers);
    }
    if (!rc)
        rc = pick_target(cfg, &jc, &s->target, err);
    jmx_config_to_lines(&jc, true, &s->setup);
    jmx_config_release(&jc);
    s->interval = cfg->interval > 0 ? cfg->interval : 1;
    s->ledger = cfg->ledger;
    if (cfg->run_dir)
        s->log_path = xasprintf("%s/jmx.log", cfg->run_dir);
    s->ms = ms;
    if (!rc)
        rc = start_sidecar(s, err);
    if (!rc)
        rc = wait_ready(s, deadline);
    s->ms = NULL;
    if (rc && rc != -ENOTSUP && rc != -EINVAL && !err->len) {
        strbuf_addstr(err, "cannot read ");
        jmx_target_describe(&s->target, err);
        strbuf_addf(err, ": %s", s->why.len ? s->why.buf
                    : rc == -ETIMEDOUT ? "no answer within 60 s"
                    : rc == -EINTR ? "interrupted"
                                   : "the sidecar exited");
    }
    if (rc) {
        jmx_close(s);
        return rc;
    }
    *state = s;
    return 0;
}

/* The sidecar is gone: the first time it is started again; the second
 * time the collector has failed. */
static int restart(struct jmx_state *s, struct strbuf *err)
{
    struct strbuf why = STRBUF_INIT;
    int rc;

    strbuf_addstr(&why, s->why.len ? s->why.buf : "it exited");
    jmx_sidecar_stop(&s->sc);
    s->sc.fd = -1;
    if (s->restarts++) {
        strbuf_addf(err, "the JMX sidecar died again (%s); no more JMX "
                    "figures this run", why.buf);
        strbuf_dispose(&why);
        return -EPIPE;
    }
    LOG_WARN("the JMX sidecar died (%s); starting it again, once", why.buf);
    rc = start_sidecar(s, err);
    if (!rc)
        strbuf_addf(err, "the JMX sidecar died (%s) and restarts", why.buf);
    strbuf_dispose(&why);
    return rc ? -EPIPE : -EAGAIN;
}

static int jmx_sample(void *state, uint64_t now_ns, double *v,
                      struct strbuf *err)
{
    struct jmx_state *s = state;
    double age;

    if (jmx_sidecar_read(&s->sc, 0, on_line, s) == -EPIPE)
        return restart(s, err);
    if (s->mismatch) {
        strbuf_addstr(err, "the restarted JMX sidecar found other metrics "
                      "than the first one");
        return -EPIPE;
    }
    if (!s->ready) {
        strbuf_addstr(err, "the JMX sidecar is starting");
        return -EAGAIN;
    }
    /* It polls every interval on its own clock: its newest sample is at
     * most one interval old, unless the JVM stopped answering. */
    age = ((double)now_ns - (double)s->last_ns) / 1e9;
    if (!s->last_ns || age > 1.5 * s->interval) {
        strbuf_addf(err, "no sample from the JMX sidecar for %.1f s",
                    s->last_ns ? age : 0);
        return -EAGAIN;
    }
    memcpy(v, s->last, s->n * sizeof *v);
    return 0;
}

const struct collector_ops collector_jmx = {
    .name = "jmx",
    .description = "a JVM over JMX: heap, pools, GC, threads, CPU, "
                   "and the queries of a jmxtrans file (JMX_CONFIG)",
    .init = jmx_init,
    .sample = jmx_sample,
    .close = jmx_close,
};
