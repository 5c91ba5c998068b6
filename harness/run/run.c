#include "run/run.h"
#include "run/run_priv.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report/bundle.h"
#include "lib/cpus.h"
#include "run/calibration.h"
#include "run/placement.h"
#include "run/run_collectors.h"
#include "lib/ledger.h"
#include "lib/links.h"
#include "lib/log.h"
#include "traffic/measure.h"
#include "run/metadata.h"
#include "lib/netns.h"
#include "report/post.h"
#include "run/probe.h"
#include "remote/hosts.h"
#include "report/report.h"
#include "run/rundir.h"
#include "run/scenario.h"
#include "run/sut_setup.h"
#include "sut/snapshot.h"
#include "lib/strbuf.h"
#include "sut/sut.h"
#include "topologies/topology.h"
#include "lib/util.h"

LOG_MODULE("run");

static void handle_signal(int sig)
{
    pt_interrupted = sig;
    pt_stop_traffic = 1;
}

void run_install_signals(void)
{
    /* A reader that goes away (`perftests ... | head`, a closed terminal
     * or tee) must not kill the run before tear_down: the log keeps going
     * to run.log. */
    catch_stop_signals(handle_signal);
}

/* Records why the current phase failed; returns 'code' for the caller. */
int run_fail(struct run *r, int code, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;

    va_start(ap, fmt);
    strbuf_vaddf(&sb, fmt, ap);
    va_end(ap);
    free(r->error);
    r->error = strbuf_detach(&sb);
    return code;
}

/* Records 'err' as why the phase failed with exit 'code', and frees it. */
int run_fail_with(struct run *r, int code, struct strbuf *err)
{
    run_fail(r, code, "%s", err->buf);
    strbuf_dispose(err);
    return code;
}

static int start_logging(struct run *r)
{
    unsigned char rnd[3];
    char host[256];
    int err;

    host_short_name(host, sizeof host);
    err = random_bytes(rnd, sizeof rnd);
    if (!err)
        err = rundir_make_uuid(r->uuid);
    if (err)
        return run_fail(r, PT_EXIT_ENV, "no random numbers: %s",
                        strerror(-err));
    r->start = time(NULL);
    r->id = rundir_make_id(host, r->start, rnd);
    snprintf(r->short_id, sizeof r->short_id, "%02x%02x%02x", rnd[0], rnd[1],
             rnd[2]);
    err = rundir_create(r->cfg->results_dir, r->id, &r->dir);
    if (err)
        return run_fail(r, PT_EXIT_ENV, "cannot create run directory "
                        "'%s/%s': %s", r->cfg->results_dir, r->id,
                        strerror(-err));
    char *log_path = xasprintf("%s/run.log", r->dir);
    err = log_open_file(log_path);
    free(log_path);
    if (err)
        return run_fail(r, PT_EXIT_ENV, "cannot open run.log in '%s': %s",
                        r->dir, strerror(-err));
    r->ledger_dir = xasprintf("%s/.ledger", r->cfg->results_dir);
    r->ledger = ledger_create(r->ledger_dir, r->id);
    if (!r->ledger)
        return run_fail(r, PT_EXIT_ENV, "cannot create cleanup ledger in "
                        "'%s': %s", r->ledger_dir, strerror(errno));
    LOG_INFO("run %s (uuid %s) in %s", r->id, r->uuid, r->dir);
    return 0;
}

int run_write_metadata(struct run *r)
{
    char *path = xasprintf("%s/metadata.json", r->dir);
    int err = metadata_write(path, r->metadata), rc = 0;

    if (err)
        rc = run_fail(r, PT_EXIT_ENV, "cannot write '%s': %s", path,
                      strerror(-err));
    free(path);
    return rc;
}

static int gather_build_info(struct run *r)
{
    struct metadata_run m = {
        .run_id = r->id, .uuid = r->uuid, .start = r->start,
        .topology = r->cfg->topology, .command_line = r->cfg->command_line,
        .ab = r->cfg->ab,
    };

    r->metadata = metadata_build(&m, r->cfg->settings);
    return run_write_metadata(r);
}

static void say_waiting(const char *holder)
{
    LOG_WARN("waiting for the run that holds %s: %s (--no-wait exits "
             "instead)", host_lock_path(), holder);
}

/* One run at a time on a host (DESIGN.md "Cleanup ledger"): taken before
 * the cleanup, so that replaying ledgers never races another run. */
static int take_host_lock(struct run *r)
{
    struct strbuf holder = STRBUF_INIT;
    char *me = xasprintf("run %s (pid %d, %s)\n", r->id, (int)getpid(),
                         r->dir);
    int fd = host_lock(host_lock_path(), me, !r->cfg->no_wait, say_waiting,
                       &holder);
    int rc = 0;

    if (fd == -EWOULDBLOCK)
        rc = run_fail(r, PT_EXIT_ENV, "another run holds %s: %s",
                      host_lock_path(), holder.buf);
    else if (fd < 0)
        rc = run_fail(r, fd == -EINTR ? PT_EXIT_INTERRUPTED : PT_EXIT_ENV,
                      "cannot take the host lock %s: %s", host_lock_path(),
                      strerror(-fd));
    else
        r->host_lock = fd;
    strbuf_dispose(&holder);
    free(me);
    return rc;
}

static int do_cleanup(struct run *r)
{
    size_t n = 0;
    int err = take_host_lock(r);

    if (err)
        return err;
    err = ledger_cleanup_stale(r->ledger_dir, &n);

    if (n)
        LOG_INFO("cleaned up after %zu aborted run(s)", n);
    if (err)
        return run_fail(r, PT_EXIT_ENV, "cannot clean up what an aborted run "
                        "left: %s (see the warnings above)", strerror(-err));
    return 0;
}

static int load_profile(struct run *r)
{
    const struct settings *s = r->cfg->settings;

    LOG_INFO("profile %s%s%s", s->profile_name,
             s->profile_path ? " from " : "",
             s->profile_path ? s->profile_path : "");
    for (int id = 0; id < N_SETTINGS; id++) {
        struct strbuf line = STRBUF_INIT;
        settings_describe(s, id, 0, &line);
        LOG_DBG("%s", line.buf);
        strbuf_dispose(&line);
    }
    return 0;
}

static int tear_down(struct run *r)
{
    struct strbuf err = STRBUF_INIT;
    int rc = 0;

    /* After a failure the collectors still run: stop them first. */
    collect_stop(r->collect, NULL);
    if (r->measuring) {
        json_object_set_new(r->metadata, "result",
                            measure_result_json(&r->measure));
        measure_print_table(&r->measure, stdout);
        int werr = measure_close(&r->measure);
        if (werr)
            rc = run_fail(r, PT_EXIT_RUN_FAILED, "cannot write trials.csv: "
                          "%s", strerror(-werr));
    }

    /* The agents remove what they made on their hosts, and go. */
    int hrc = run_hosts_close(r);
    if (hrc && !rc)
        rc = hrc;
    if (r->scenario_up && scenario_destroy(r->topo, &r->tctx, &err) < 0)
        LOG_WARN("topology teardown: %s", err.buf);
    if (r->sut && sut_stop(r->sut) < 0)
        LOG_WARN("cannot stop the system under test");
    /* After the SUT: its taps go with the namespace. */
    if (r->tctx.dp_ns[0]) {
        int del_rc = netns_del(r->tctx.dp_ns);
        if (del_rc < 0)
            LOG_WARN("cannot delete namespace '%s': %s", r->tctx.dp_ns,
                     strerror(-del_rc));
        else
            LOG_DBG("deleted namespace '%s'", r->tctx.dp_ns);
    }
    /* The ledger is the backstop: whatever the steps above missed. */
    if (r->ledger && ledger_teardown(r->ledger) < 0)
        rc = run_fail(r, PT_EXIT_RUN_FAILED, "teardown left resources "
                      "behind; 'perftests cleanup' retries (ledger %s)",
                      ledger_path(r->ledger));
    strbuf_dispose(&err);
    return rc;
}

struct phase {
    const char *name;
    int (*fn)(struct run *r);
};

static void record_outcome(struct run *r);

/* The report is made from the run directory alone (as `perftests report`
 * does), so the metadata is written with the outcome so far first.  A
 * verdict that fails a run that otherwise passed makes it exit 1. */
static int make_report(struct run *r)
{
    struct strbuf err = STRBUF_INIT;
    struct report rep;
    char *bundle;

    if (!r->dir)
        return 0;
    record_outcome(r);
    if (report_load(&rep, r->dir, &err)) {
        LOG_WARN("report: %s", err.buf);
        strbuf_dispose(&err);
        return 0;
    }
    rep.history_db = settings_str(r->cfg->settings, SETTING_HISTORY_DB);
    if (!report_make(&rep) && !r->exit_code) {
        LOG_WARN("the verdict is fail: see %s/summary.json", r->dir);
        r->exit_code = PT_EXIT_CHECK_FAILED;
        r->failed_phase = PHASE_MAKE_REPORT;
    }
    report_release(&rep);
    bundle = bundle_path(r->dir);
    if (bundle_write(r->dir, bundle, &err)
        || spool_refresh(r->cfg->results_dir, bundle, &err))
        LOG_WARN("bundle: %s", err.buf);
    else
        LOG_INFO("bundle: %s", bundle);
    free(bundle);
    strbuf_dispose(&err);
    return 0;
}

/* The post target a run's settings describe. */
void run_post_target(const struct settings *s, struct post_target *t)
{
    memset(t, 0, sizeof *t);
    t->url = settings_str(s, SETTING_REPORT_URL);
    t->method = settings_str(s, SETTING_REPORT_METHOD);
    t->ssh_key = settings_str(s, SETTING_REPORT_SSH_KEY);
    t->known_hosts = settings_str(s, SETTING_REPORT_KNOWN_HOSTS);
    t->ca_file = settings_str(s, SETTING_REPORT_CA_FILE);
    t->retries = (int)settings_int(s, SETTING_REPORT_RETRIES);
    t->retry_delay = settings_double(s, SETTING_REPORT_RETRY_DELAY);
    t->timeout = settings_double(s, SETTING_REPORT_TIMEOUT);
    t->stop = &pt_interrupted;
}

/* A bundle that could not be posted waits in the spool, and the exit
 * code says so (3) unless the run failed already. */
static int post_report(struct run *r)
{
    struct strbuf err = STRBUF_INIT;
    struct post_target t;
    char *bundle;
    int rc = 0;

    run_post_target(r->cfg->settings, &t);
    if (!r->dir || !*t.url)
        return 0;
    if (r->cfg->no_post) {
        LOG_INFO("--no-post: the bundle stays here");
        return 0;
    }
    bundle = bundle_path(r->dir);
    if (!path_is_file(bundle))
        rc = run_fail(r, PT_EXIT_RUN_FAILED, "no bundle to post");
    else if (post_deliver(&t, bundle, r->cfg->results_dir, &err))
        /* Ctrl-C ended the upload: interrupted (130) says more than "not
         * posted" (3); the bundle is spooled either way. */
        rc = run_fail(r, pt_interrupted ? PT_EXIT_INTERRUPTED : PT_EXIT_ENV,
                      "%s", err.buf);
    free(bundle);
    strbuf_dispose(&err);
    return rc;
}

static const struct phase phases[N_PHASES] = {
    [PHASE_START_LOGGING] = { "start_logging", start_logging },
    [PHASE_GATHER_BUILD_INFO] = { "gather_build_info", gather_build_info },
    [PHASE_DO_CLEANUP] = { "do_cleanup", do_cleanup },
    [PHASE_LOAD_PROFILE] = { "load_profile", load_profile },
    [PHASE_INSTALL_SUT] = { "install_sut", run_install_sut },
    [PHASE_START_SUT] = { "start_sut", run_start_sut },
    [PHASE_CREATE_SCENARIO] = { "create_scenario", run_create_scenario },
    [PHASE_CONNECTIVITY_CHECK] = { "connectivity_check",
                                   run_connectivity_check },
    [PHASE_START_COLLECTORS] = { "start_collectors", run_start_collectors },
    [PHASE_WARM_UP] = { "warm_up", run_warm_up },
    [PHASE_TEST_THROUGHPUT] = { "test_throughput", run_test_throughput },
    [PHASE_LONG_RUNNING_TESTS] = { "long_running_tests",
                                   run_long_running_tests },
    [PHASE_TCP_THROUGHPUT] = { "tcp_throughput", run_tcp_throughput },
    [PHASE_STOP_COLLECTORS] = { "stop_collectors", run_stop_collectors },
    [PHASE_SNAPSHOT_SUT] = { "snapshot_sut", run_snapshot_phase },
    [PHASE_TEAR_DOWN] = { "tear_down", tear_down },
    [PHASE_MAKE_REPORT] = { "make_report", make_report },
    [PHASE_POST_REPORT] = { "post_report", post_report },
};

const char *run_phase_to_text(enum run_phase phase)
{
    return phase < N_PHASES ? phases[phase].name : "?";
}

static void record_outcome(struct run *r)
{
    if (!r->metadata || !r->dir)
        return;
    char end[32];
    metadata_iso_time(time(NULL), end, sizeof end);
    json_object_set_new(r->metadata, "end", json_string(end));
    /* The marker of a whole run (the report requires it): every phase up
     * to the measurements' end ran and returned. */
    json_t *done = json_array();
    for (enum run_phase p = 0; p < N_PHASES; p++)
        if (r->phases_done & 1u << p)
            json_array_append_new(done, json_string(run_phase_to_text(p)));
    json_object_set_new(r->metadata, "phases_completed", done);
    unsigned measured = (1u << PHASE_SNAPSHOT_SUT) - 1;
    json_object_set_new(r->metadata, "completed", json_boolean(
        (r->phases_done & measured) == measured));
    if (r->exit_code && r->error)
        json_object_set_new(r->metadata, "error",
                            json_pack("{s:s, s:s?, s:i}", "phase",
                                      run_phase_to_text(r->failed_phase),
                                      "reason", r->error, "exit_code",
                                      r->exit_code));
    /* A metadata.json that could not be written (a full disk) leaves an
     * older one that says less: the run cannot pass. */
    if (run_write_metadata(r) && !r->exit_code) {
        LOG_ERR("%s", r->error);
        r->exit_code = PT_EXIT_ENV;
        r->failed_phase = PHASE_MAKE_REPORT;
    }
}

static void run_release(struct run *r)
{
    if (r->topo && r->topo->release)
        r->topo->release(&r->tctx);
    collect_destroy(r->collect);
    sut_destroy(r->sut);
    ledger_destroy(r->ledger);
    if (r->host_lock >= 0)
        close(r->host_lock);
    json_decref(r->metadata);
    free(r->id);
    free(r->dir);
    free(r->ledger_dir);
    free(r->script);
    free(r->topology_log);
    free(r->error);
}

int run_execute(const struct run_config *cfg)
{
    struct run r = { .cfg = cfg, .host_lock = -1 };

    if (topology_find(cfg->topology, &r.topo, &r.script)) {
        LOG_ERR("unknown topology '%s'; these exist:", cfg->topology);
        topology_list(stderr);
        return PT_EXIT_USAGE;
    }
    if (geteuid() != 0) {
        LOG_ERR("perftests must run as root: it creates network namespaces "
                "(try: sudo ./perftests %s)", cfg->topology);
        return PT_EXIT_ENV;
    }
    for (enum run_phase p = 0; p <= N_PHASES; p++) {
        bool cleanup_phase = p >= PHASE_SNAPSHOT_SUT;
        int rc;

        if (pt_interrupted && !r.exit_code) {
            r.exit_code = PT_EXIT_INTERRUPTED;
            r.failed_phase = p < N_PHASES ? p : PHASE_POST_REPORT;
            run_fail(&r, PT_EXIT_INTERRUPTED, "interrupted by signal %d",
                     (int)pt_interrupted);
            LOG_WARN("interrupted before %s; tearing down",
                     p < N_PHASES ? run_phase_to_text(p) : "the end");
        }
        /* After a signal the cleanup phases still run: a signal during
         * snapshot_sut skipped tear_down, leaving the namespaces. */
        if (p == N_PHASES || (r.exit_code && !cleanup_phase))
            continue;
        LOG_INFO("phase %s", run_phase_to_text(p));
        rc = phases[p].fn(&r);
        if (!rc)
            r.phases_done |= 1u << p;
        if (rc && pt_interrupted && !r.exit_code) {
            /* The phase gave up because of the signal (an upload too). */
            rc = run_fail(&r, PT_EXIT_INTERRUPTED, "interrupted by signal "
                          "%d during %s (%s)", (int)pt_interrupted,
                          run_phase_to_text(p), r.error);
        }
        if (rc && !r.exit_code) {
            r.exit_code = rc;
            r.failed_phase = p;
            LOG_ERR("phase %s failed: %s", run_phase_to_text(p), r.error);
        } else if (rc) {
            LOG_ERR("phase %s: %s", run_phase_to_text(p), r.error);
        }
        if (p == PHASE_START_LOGGING && rc)
            break;      /* nowhere to write anything, nothing created */
    }
    /* A signal after the report was made (it said PASS): made again. */
    if (r.exit_code == PT_EXIT_INTERRUPTED
        && r.failed_phase > PHASE_MAKE_REPORT)
        make_report(&r);
    record_outcome(&r);
    if (r.dir)
        LOG_INFO("%s: %s", r.exit_code ? "run failed" : "run passed", r.dir);
    log_close_file();
    if (cfg->dir_out)
        *cfg->dir_out = xstrdup(r.dir ? r.dir : "");
    run_release(&r);
    return r.exit_code;
}

void run_print_plan(const struct run_config *cfg, FILE *out)
{
    const struct settings *s = cfg->settings;
    size_t width = 0;

    fprintf(out, "plan:\n");
    fprintf(out, "  topology     %s\n", cfg->topology);
    if (cfg->hosts) {
        const struct host *src = hosts_find(cfg->hosts, cfg->source);
        const struct host *dst = hosts_find(cfg->hosts, cfg->dest);
        fprintf(out, "  hosts        %s: %s %s on %s (ssh %s) -> %s %s on %s "
                "(ssh %s)%s%s\n", cfg->hosts->path, src->interface,
                src->address, src->name, src->ssh, dst->interface,
                dst->address, dst->name, dst->ssh,
                cfg->sut_host ? ", SUT on " : "",
                cfg->sut_host ? cfg->sut_host : "");
    }
    if (cfg->hosts && !cfg->sut)
        fprintf(out, "  sut          none here: the network between the "
                "hosts\n");
    else
        fprintf(out, "  sut          %s (datapath %s)\n",
                cfg->sut ? cfg->sut : "private Open vSwitch",
                settings_str(s, SETTING_OVS_DATAPATH));
    fprintf(out, "  results      %s/<host>-<YYYYmmdd-HHMMSS>-<6 hex>/\n",
            cfg->results_dir);
    fprintf(out, "  profile      %s%s%s\n", s->profile_name,
            s->profile_path ? " " : "",
            s->profile_path ? s->profile_path : "");
    fprintf(out, "  phases      ");
    for (enum run_phase p = 0; p < N_PHASES; p++)
        fprintf(out, " %s", run_phase_to_text(p));
    fprintf(out, "\n\nsettings:\n");
    for (int id = 0; id < N_SETTINGS; id++)
        if (strlen(setting_defs[id].key) > width)
            width = strlen(setting_defs[id].key);
    for (int id = 0; id < N_SETTINGS; id++) {
        struct strbuf line = STRBUF_INIT;
        settings_describe(s, id, (int)width, &line);
        fprintf(out, "  %s\n", line.buf);
        strbuf_dispose(&line);
    }
}
