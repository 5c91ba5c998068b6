/* perftests ab: the driver (ab_run.h).  It does not copy the run's
 * phases: every run of either side is run_execute() with that side's
 * --sut, so each round starts each SUT fresh, tears it down, and leaves a
 * whole run directory with its report and its place in the history.
 * What the driver adds: the order of the runs, each side's environment,
 * the "ab" marker in each run's metadata.json (a series of its own in the
 * history), and the A/B report over the runs (report/ab.h). */
#include "run/ab_run.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/util.h"
#include "report/ab.h"
#include "run/metadata.h"
#include "run/run.h"
#include "run/rundir.h"
#include "sut/sut.h"

LOG_MODULE("ab");

static const char side_name[AB_SIDES] = { 'A', 'B' };

/* The spec run_execute() takes: NULL for the default. */
static const char *sut_spec(const char *spec)
{
    return strcmp(spec, AB_DEFAULT_SPEC) ? spec : NULL;
}

int ab_check_spec(const char *option, const char *spec, struct strbuf *err)
{
    struct strbuf why = STRBUF_INIT;
    int rc = 0;

    if (!spec) {
        strbuf_addf(err, "%s SPEC is missing: expected a --sut SPEC or '%s' "
                    "(a private Open vSwitch from PATH)", option,
                    AB_DEFAULT_SPEC);
        return -EINVAL;
    }
    /* An empty spec is --sut's default too, but says nothing: ask for
     * the word, so that a variable that expanded to nothing is caught. */
    if (!*spec || (rc = sut_check_spec(sut_spec(spec), &why))) {
        strbuf_addf(err, "%s '%s': %s%sor '%s' for the default", option,
                    spec, why.len ? why.buf : "expected a --sut SPEC",
                    why.len ? ", " : " ", AB_DEFAULT_SPEC);
        rc = -EINVAL;
    }
    strbuf_dispose(&why);
    return rc;
}

int ab_check_env(const char *option, const char *kv, struct strbuf *err)
{
    const char *eq = strchr(kv, '=');
    size_t n = eq ? (size_t)(eq - kv) : 0;
    char *key = xstrdup(kv);

    key[n] = 0;
    if (!n || strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvw"
                          "xyz0123456789_") != n || (*kv >= '0' && *kv <= '9'))
        strbuf_addf(err, "%s '%s': expected KEY=VALUE, KEY a variable name",
                    option, kv);
    else if (settings_find(key) >= 0)
        strbuf_addf(err, "%s '%s': %s is a setting, and the settings are "
                    "the same on both sides (-o %s=...)", option, kv, key,
                    key);
    free(key);
    return err->len ? -EINVAL : 0;
}

/* The side of run 'i' (0-based): A B, B A, A B ... so that neither side
 * always goes first (a host warming up or drifting favours no side). */
static int side_of(size_t i)
{
    return (int)((i / 2) % 2 ? 1 - i % 2 : i % 2);
}

void ab_print_plan(const struct ab_config *cfg, FILE *out)
{
    long rounds = settings_int(cfg->settings, SETTING_AB_ROUNDS);

    fprintf(out, "ab:\n  A            %s\n  B            %s\n  rounds       "
            "%ld (AB_ROUNDS), runs in the order", cfg->spec[AB_A],
            cfg->spec[AB_B], rounds);
    for (size_t i = 0; i < (size_t)rounds * 2; i++)
        fprintf(out, " %c", side_name[side_of(i)]);
    for (int s = 0; s < AB_SIDES; s++)
        for (char **e = cfg->env[s]; e && *e; e++)
            fprintf(out, "\n  %c's env      %s", side_name[s], *e);
    fputs("\n\n", out);
}

/* The environment of side 's' for the processes its runs start (the
 * topology script, the SUT): the other side's variables back to what
 * they were, this side's set, PT_AB_SIDE and PT_AB_ROUND.  'saved' holds
 * the original value of each variable of both sides (NULL: unset). */
static void enter_side(const struct ab_config *cfg, char **saved[AB_SIDES],
                       int s, size_t round)
{
    char num[24];

    for (int o = 0; o < AB_SIDES; o++)
        for (size_t i = 0; cfg->env[o] && cfg->env[o][i]; i++) {
            char *key = xstrdup(cfg->env[o][i]);
            *strchr(key, '=') = 0;
            if (o == s)
                setenv(key, strchr(cfg->env[o][i], '=') + 1, 1);
            else if (saved[o][i])
                setenv(key, saved[o][i], 1);
            else
                unsetenv(key);
            free(key);
        }
    snprintf(num, sizeof num, "%zu", round);
    setenv("PT_AB_SIDE", (char[]){ side_name[s], 0 }, 1);
    setenv("PT_AB_ROUND", num, 1);
}

static void save_env(const struct ab_config *cfg, char **saved[AB_SIDES])
{
    for (int s = 0; s < AB_SIDES; s++) {
        size_t n = 0;
        while (cfg->env[s] && cfg->env[s][n])
            n++;
        saved[s] = xcalloc(n + 1, sizeof *saved[s]);
        for (size_t i = 0; i < n; i++) {
            char *key = xstrdup(cfg->env[s][i]);
            *strchr(key, '=') = 0;
            saved[s][i] = getenv(key) ? xstrdup(getenv(key)) : NULL;
            free(key);
        }
    }
}

/* Puts the environment back as it was and frees 'saved'. */
static void restore_env(const struct ab_config *cfg, char **saved[AB_SIDES])
{
    for (int s = 0; s < AB_SIDES; s++) {
        for (size_t i = 0; cfg->env[s] && cfg->env[s][i]; i++) {
            char *key = xstrdup(cfg->env[s][i]);
            *strchr(key, '=') = 0;
            if (saved[s][i])
                setenv(key, saved[s][i], 1);
            else
                unsetenv(key);
            free(key);
            free(saved[s][i]);
        }
        free(saved[s]);
    }
    unsetenv("PT_AB_SIDE");
    unsetenv("PT_AB_ROUND");
}

/* The A/B's own folder, <results>/ab-<host>-<stamp>-<hex>, and ab.log in
 * it (the lines between the runs; each run has its run.log). */
static char *make_dir(const struct ab_config *cfg, char **id)
{
    unsigned char rnd[3];
    char host[256], *abid, *dir = NULL;
    int err;

    host_short_name(host, sizeof host);
    if ((err = random_bytes(rnd, sizeof rnd))) {
        LOG_ERR("no random numbers: %s", strerror(-err));
        return NULL;
    }
    abid = rundir_make_id(host, time(NULL), rnd);
    *id = xasprintf("ab-%s", abid);
    free(abid);
    err = rundir_create(cfg->results_dir, *id, &dir);
    if (err)
        LOG_ERR("cannot create '%s/%s': %s", cfg->results_dir, *id,
                strerror(-err));
    return dir;
}

static void open_log(const char *dir)
{
    char *path = xasprintf("%s/ab.log", dir);

    if (log_open_file(path))
        LOG_WARN("cannot open '%s': the A/B's own lines go to the terminal "
                 "only", path);
    free(path);
}

/* One run of side 's' in round 'round' (1-based).  Its exit code; its
 * directory into *run_dir. */
static int run_side(const struct ab_config *cfg, const char *abid, int s,
                    size_t round, char **run_dir)
{
    json_t *ab = json_pack("{s:s, s:s, s:i, s:s}", "id", abid, "side",
                           (char[]){ side_name[s], 0 }, "round",
                           (json_int_t)round, "spec", cfg->spec[s]);
    struct run_config rc = {
        .settings = cfg->settings,
        .topology = cfg->topology,
        .results_dir = cfg->results_dir,
        .sut = sut_spec(cfg->spec[s]),
        /* The A/B is what a person reads; its runs are its evidence. */
        .no_post = true,
        .no_wait = cfg->no_wait,
        .command_line = cfg->command_line,
        .ab = ab,
        .dir_out = run_dir,
    };
    int code;

    LOG_INFO("round %zu, %c: %s", round, side_name[s], cfg->spec[s]);
    log_close_file();
    code = run_execute(&rc);
    json_decref(ab);
    return code;
}

/* Each metric's verdict, a line each, from the report's summary.json. */
static void say_verdicts(const char *dir)
{
    char *path = xasprintf("%s/summary.json", dir);
    json_t *s = json_load_file(path, 0, NULL), *m;
    size_t i;

    json_array_foreach(json_object_get(json_object_get(s, "ab"), "metrics"),
                       i, m)
        LOG_INFO("%-22s %s%s", json_string_value(json_object_get(m, "name")),
                 json_string_value(json_object_get(m, "verdict")),
                 json_is_true(json_object_get(m, "gate_failed"))
                     ? ": fails the gate" : "");
    json_decref(s);
    free(path);
}

/* The A/B report over the runs so far; whether B failed the gate. */
static bool report(const struct ab_config *cfg, const char *dir,
                   char **runs, const char *sides, const double *seconds,
                   size_t n, const char *start)
{
    struct strbuf err = STRBUF_INIT;
    char end[32];
    struct ab_input in = {
        .dir = dir,
        .topology = cfg->topology,
        .spec_a = cfg->spec[AB_A],
        .spec_b = cfg->spec[AB_B],
        .threshold_pct = settings_double(cfg->settings,
                                         SETTING_REGRESSION_THRESHOLD),
        .runs = runs,
        .sides = sides,
        .seconds = seconds,
        .n_runs = n,
        .start = start,
        .end = end,
    };
    bool gated = false;

    metadata_iso_time(time(NULL), end, sizeof end);
    if (ab_report_make(&in, &gated, &err))
        LOG_ERR("the A/B report is incomplete: %s", err.buf);
    say_verdicts(dir);
    LOG_INFO("A/B report: %s/index.html", dir);
    strbuf_dispose(&err);
    return gated;
}

int ab_execute(const struct ab_config *cfg)
{
    size_t n = 2 * (size_t)settings_int(cfg->settings, SETTING_AB_ROUNDS);
    char **saved[AB_SIDES], start[32], *id = NULL, *dir;
    size_t done = 0;
    int code = PT_EXIT_PASS;

    if (geteuid() != 0) {
        LOG_ERR("perftests ab must run as root: its runs create network "
                "namespaces");
        return PT_EXIT_ENV;
    }
    metadata_iso_time(time(NULL), start, sizeof start);
    if (!(dir = make_dir(cfg, &id))) {
        free(id);
        return PT_EXIT_ENV;
    }
    char **runs = xcalloc(n + 1, sizeof *runs), *sides = xcalloc(n + 1, 1);
    double *seconds = xcalloc(n + 1, sizeof *seconds);

    open_log(dir);
    LOG_INFO("A/B %s: A %s, B %s, %zu rounds of %s", id, cfg->spec[AB_A],
             cfg->spec[AB_B], n / 2, cfg->topology);
    save_env(cfg, saved);
    for (; done < n && !pt_interrupted; done++) {
        int s = side_of(done);
        long long t0 = monotonic_ms();
        enter_side(cfg, saved, s, done / 2 + 1);
        code = run_side(cfg, id, s, done / 2 + 1, &runs[done]);
        sides[done] = side_name[s];
        seconds[done] = (double)(monotonic_ms() - t0) / 1000;
        open_log(dir);
        LOG_INFO("round %zu, %c: exit %d after %.0f s (%s)", done / 2 + 1,
                 side_name[s], code, seconds[done], runs[done]);
        /* A run whose own verdict failed (a fixed limit, say) still
         * measured; one that failed in a phase or was stopped did not. */
        if (code == PT_EXIT_CHECK_FAILED)
            code = PT_EXIT_PASS;
        /* What an interrupted or failed run measured is left out: a
         * search cut short reads as a low figure. */
        if (code) {
            LOG_ERR("the A/B stops: the run of %c in round %zu failed (exit "
                    "%d, see %s/run.log); the report has the runs before it",
                    side_name[s], done / 2 + 1, code, runs[done]);
            free(runs[done]);
            break;
        }
    }
    restore_env(cfg, saved);
    if (!code && pt_interrupted)
        code = PT_EXIT_INTERRUPTED;
    if (report(cfg, dir, runs, sides, seconds, done, start) && !code) {
        LOG_WARN("B is worse than A by more than REGRESSION_THRESHOLD %g %% "
                 "(see %s/junit.xml)", settings_double(
                     cfg->settings, SETTING_REGRESSION_THRESHOLD), dir);
        code = PT_EXIT_CHECK_FAILED;
    }
    log_close_file();
    for (size_t i = 0; i < done; i++)
        free(runs[i]);
    free(runs);
    free(sides);
    free(seconds);
    free(dir);
    free(id);
    return code;
}
