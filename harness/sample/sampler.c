#include "sample/sampler.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "lib/hist.h"
#include "lib/log.h"
#include "lib/pace.h"

LOG_MODULE("collect");

struct active {
    const struct collector_ops *ops;
    void *state;
    struct metric_set ms;
    double *values;
    bool dead;              /* its SUT process is gone: NaN from now on */
    char *failed;           /* why it cannot go on: NaN from now on */
    uint64_t gaps;          /* samples that failed (NaN) */
    uint64_t cpu_ns;        /* the sampler thread's CPU in sample() */
};

/* A collector that could start and did not: reported, not sampled. */
struct nostart {
    const char *name;
    char *why;
};

struct sampler {
    struct active *a;
    size_t n;
    struct nostart *nostart;
    size_t n_nostart;
    struct sink *const *sinks;
    volatile sig_atomic_t *sut_gone;
    double interval;
    pthread_t thread;
    bool running, closed;
    pthread_mutex_t lock;   /* guards mark, stop, why */
    pthread_cond_t wake;
    bool stop;
    const char *phase;
    int step;
    double rate;
    struct strbuf why;      /* why the SUT is considered gone */
    struct hist late;       /* how late each tick was, ns */
    uint64_t ticks;
    uint64_t cpu_ns;        /* the thread's CPU over its whole life */
    uint64_t start_ns, end_ns;
};

static void start_one(struct sampler *s, const struct collector_ops *ops,
                      const struct collector_cfg *cfg)
{
    struct strbuf err = STRBUF_INIT;
    struct active a = { .ops = ops };
    int rc = ops->init(cfg, &a.state, &a.ms, &err);

    if (rc == -ENOTSUP) {
        LOG_INFO("collector '%s' not started: this run has nothing for it%s%s",
                 ops->name, err.len ? ": " : "", err.buf);
    } else if (rc) {
        const char *why = err.len ? err.buf : strerror(-rc);
        LOG_ERR("collector '%s' failed to start: %s", ops->name, why);
        s->nostart = xrealloc(s->nostart,
                              (s->n_nostart + 1) * sizeof *s->nostart);
        s->nostart[s->n_nostart++] = (struct nostart){ ops->name,
                                                       xstrdup(why) };
    } else {
        a.values = xcalloc(a.ms.n ? a.ms.n : 1, sizeof *a.values);
        s->a = xrealloc(s->a, (s->n + 1) * sizeof *s->a);
        s->a[s->n++] = a;
        LOG_INFO("collector '%s': %zu metrics", ops->name, a.ms.n);
    }
    if (rc)
        metric_set_release(&a.ms);
    strbuf_dispose(&err);
}

static void sample_one(struct sampler *s, struct active *a,
                       const struct sample_time *t)
{
    struct strbuf err = STRBUF_INIT;
    int rc = a->failed ? -EPIPE : -ESRCH;

    if (!a->dead && !a->failed)
        rc = a->ops->sample(a->state, t->mono_ns, a->values, &err);
    else if (a->failed)
        a->gaps++;              /* said once already */
    if (rc == -EPIPE && !a->failed) {
        a->failed = xstrdup(err.len ? err.buf : "it stopped working");
        a->gaps++;
        LOG_ERR("collector '%s' failed: %s", a->ops->name, a->failed);
    }
    if (rc == -ESRCH && !a->dead) {
        a->dead = true;
        pthread_mutex_lock(&s->lock);
        if (!s->why.len)
            strbuf_addstr(&s->why, err.len ? err.buf : "the SUT exited");
        pthread_mutex_unlock(&s->lock);
        LOG_ERR("collector '%s': %s", a->ops->name, s->why.buf);
        if (s->sut_gone)
            *s->sut_gone = 1;
    }
    /* A sample that failed is a gap, never zeros; the first one says why,
     * the rest are counted (a warning a second would drown the log). */
    if (rc != -ESRCH && rc != -EPIPE && (rc || err.len) && !a->gaps++)
        LOG_WARN("collector '%s': a sample failed, left as a gap: %s",
                 a->ops->name, err.len ? err.buf : strerror(-rc));
    if (rc)
        for (size_t i = 0; i < a->ms.n; i++)
            a->values[i] = NAN;
    strbuf_dispose(&err);
}

/* CPU time of the calling thread: what the collectors and sinks cost the
 * harness, apart from its traffic threads. */
static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *sampler_loop(void *arg)
{
    struct sampler *s = arg;
    uint64_t t0 = pace_now_ns(), gap = (uint64_t)(s->interval * 1e9);

    /* On a busy 2-core host (injector, receiver, datapath) a tick waited
     * for a CPU up to 5 ms.  The thread needs little CPU (~0.2 % of a
     * core), so letting it go first costs the others nothing; it only
     * works as root and is harmless when refused. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    setpriority(PRIO_PROCESS, (id_t)gettid(), -10);

    for (uint64_t k = 1;; k++) {
        uint64_t due = t0 + k * gap;
        struct timespec ts = { (time_t)(due / 1000000000u),
                               (long)(due % 1000000000u) };
        struct sample_time t;
        struct timespec real;
        int rc = 0;

        /* Sleep to the absolute tick (no drift); stop wakes us early. */
        pthread_mutex_lock(&s->lock);
        while (!s->stop && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&s->wake, &s->lock, &ts);
        if (s->stop) {
            pthread_mutex_unlock(&s->lock);
            break;
        }
        t.phase = s->phase;
        t.step = s->step;
        t.rate = s->rate;
        pthread_mutex_unlock(&s->lock);

        t.mono_ns = pace_now_ns();
        clock_gettime(CLOCK_REALTIME, &real);
        t.real = (double)real.tv_sec + (double)real.tv_nsec / 1e9;
        hist_record(&s->late, t.mono_ns > due ? t.mono_ns - due : 0);
        s->ticks++;
        for (size_t i = 0; i < s->n; i++) {
            uint64_t c0 = thread_cpu_ns();
            sample_one(s, &s->a[i], &t);
            s->a[i].cpu_ns += thread_cpu_ns() - c0;
            for (struct sink *const *sk = s->sinks; *sk; sk++)
                (*sk)->ops->write((*sk)->priv, i, &t, s->a[i].values);
        }
        /* A tick that overran the next one skips it, not bunches up. */
        uint64_t now = pace_now_ns();
        if (now > t0 + (k + 1) * gap)
            k = (now - t0) / gap;
    }
    s->cpu_ns = thread_cpu_ns();
    s->end_ns = pace_now_ns();
    return NULL;
}

struct sampler *sampler_start(const struct sampler_cfg *cfg,
                              struct strbuf *err)
{
    struct sampler *s = xcalloc(1, sizeof *s);
    char *names = xstrdup(cfg->collectors), *save = NULL;
    pthread_condattr_t ca;

    s->sinks = cfg->sinks;
    s->sut_gone = cfg->sut_gone;
    s->interval = cfg->ccfg.interval > 0 ? cfg->ccfg.interval : 1;
    s->phase = "";
    strbuf_init(&s->why);
    hist_init(&s->late);
    pthread_mutex_init(&s->lock, NULL);
    /* The schedule is CLOCK_MONOTONIC: so is the condition's clock. */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);

    for (char *n = strtok_r(names, ", ", &save); n;
         n = strtok_r(NULL, ", ", &save)) {
        const struct collector_ops *ops = collector_find(n);
        if (ops)
            start_one(s, ops, &cfg->ccfg);
        else
            LOG_WARN("collector '%s' does not exist", n);
    }
    free(names);
    for (size_t i = 0; i < s->n; i++)
        for (struct sink *const *sk = s->sinks; *sk; sk++) {
            struct strbuf e = STRBUF_INIT;
            if ((*sk)->ops->add((*sk)->priv, i, s->a[i].ops->name,
                                s->a[i].ms.m, s->a[i].ms.n, &e))
                LOG_WARN("%s: %s", (*sk)->ops->name, e.buf);
            strbuf_dispose(&e);
        }
    if (!s->n) {
        strbuf_addf(err, "no collector could start (COLLECTORS = \"%s\")",
                    cfg->collectors);
        sampler_destroy(s);
        return NULL;
    }
    s->start_ns = pace_now_ns();
    if (pthread_create(&s->thread, NULL, sampler_loop, s)) {
        strbuf_addstr(err, "cannot start the sampler thread");
        sampler_destroy(s);
        return NULL;
    }
    s->running = true;
    return s;
}

void sampler_mark(struct sampler *s, const char *phase, int step,
                  double rate)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->phase = phase;
    s->step = step;
    s->rate = rate;
    pthread_mutex_unlock(&s->lock);
}

int sampler_stop(struct sampler *s, struct strbuf *why)
{
    if (!s)
        return 0;
    if (s->running) {
        pthread_mutex_lock(&s->lock);
        s->stop = true;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->thread, NULL);
        s->running = false;
    }
    if (!s->closed) {
        for (size_t i = 0; i < s->n; i++) {
            if (s->a[i].gaps)
                LOG_WARN("collector '%s': %llu of %llu samples are gaps",
                         s->a[i].ops->name,
                         (unsigned long long)s->a[i].gaps,
                         (unsigned long long)s->ticks);
            s->a[i].ops->close(s->a[i].state);
        }
        for (struct sink *const *sk = s->sinks; *sk; sk++)
            (*sk)->ops->close((*sk)->priv);
        s->closed = true;
    }
    if (s->why.len) {
        if (why)
            strbuf_addstr(why, s->why.buf);
        return -ESRCH;
    }
    return 0;
}

void sampler_get_stats(const struct sampler *s, struct sampler_stats *st)
{
    memset(st, 0, sizeof *st);
    st->ticks = s->ticks;
    for (size_t i = 0; i < s->n; i++)
        st->gaps += s->a[i].gaps;
    st->cpu_ns = s->cpu_ns;
    st->wall_ns = s->end_ns > s->start_ns ? s->end_ns - s->start_ns : 0;
    if (!s->ticks)
        return;
    st->late_p50_ns = hist_percentile(&s->late, 50);
    st->late_p99_ns = hist_percentile(&s->late, 99);
    st->late_max_ns = hist_percentile(&s->late, 100);
}

size_t sampler_collector_stats(const struct sampler *s, size_t i,
                               struct sampler_collector_stat *st)
{
    size_t n = s ? s->n + s->n_nostart : 0;

    if (i >= n)
        return n;
    memset(st, 0, sizeof *st);
    if (i >= s->n) {
        st->name = s->nostart[i - s->n].name;
        st->failed = s->nostart[i - s->n].why;
        return n;
    }
    st->name = s->a[i].ops->name;
    st->metrics = s->a[i].ms.n;
    st->m = s->a[i].ms.m;
    st->gaps = s->a[i].gaps;
    st->cpu_ns = s->a[i].cpu_ns;
    st->failed = s->a[i].failed;
    return n;
}

void sampler_destroy(struct sampler *s)
{
    if (!s)
        return;
    sampler_stop(s, NULL);
    for (size_t i = 0; i < s->n; i++) {
        metric_set_release(&s->a[i].ms);
        free(s->a[i].values);
        free(s->a[i].failed);
    }
    free(s->a);
    for (size_t i = 0; i < s->n_nostart; i++)
        free(s->nostart[i].why);
    free(s->nostart);
    strbuf_dispose(&s->why);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    free(s);
}
