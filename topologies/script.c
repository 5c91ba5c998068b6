/* Shell topologies, compatible with the original suite: a script that,
 * when sourced, sets TOPOLOGY_SOURCE_HOST, TOPOLOGY_DEST_HOST,
 * TOPOLOGY_SOURCE_NET and TOPOLOGY_DEST_NET, and defines setup_topology,
 * tear_down_topology and print_topology. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ledger.h"
#include "lib/proc.h"
#include "topologies/topology.h"
#include "lib/util.h"

extern char **environ;

/* Sources the script and calls one function.  pt_ledger lets a script
 * record what it creates in the run's cleanup ledger, before creating it,
 * in the ledger's own line format.  Only a namespace, a link or an OVS
 * bridge or port named pt-… (the row's OVSDB socket by default the SUT's):
 * the replay refuses anything else, so it is refused here already, where
 * the script's author sees it.  pt_print_addresses is how the harness
 * reads the four variables the script sets when sourced. */
static const char wrapper[] =
    "pt_ledger() {\n"
    "  case $1 in netns|link) ;;\n"
    "  ovs-bridge|ovs-port) set -- \"$1\" \"$2\" \"${3:-$OVS_RUNDIR/db.sock}\"\n"
    "    case $3 in /?*) ;; *) echo \"pt_ledger: OVSDB socket '$3' is not an "
    "absolute path\" >&2; return 2;; esac;;\n"
    "  *) echo \"pt_ledger: kind '$1' is not netns, link, ovs-bridge or "
    "ovs-port\" >&2; return 2;; esac\n"
    "  case $2 in pt-?*) ;; *) echo \"pt_ledger: '$2' does not start with "
    "pt-: not recorded (cleanup removes only pt- names)\" >&2; return 2;; "
    "esac\n"
    "  printf '%s\\t%s\\t%s\\t0\\t0\\n' \"$1\" \"$2\" \"${3:--}\" "
    ">> \"$PERFTESTS_LEDGER\"; }\n"
    "pt_print_addresses() { printf '%s\\n' \"$TOPOLOGY_SOURCE_HOST\" "
    "\"$TOPOLOGY_DEST_HOST\" \"$TOPOLOGY_SOURCE_NET\" "
    "\"$TOPOLOGY_DEST_NET\"; }\n"
    "pt_script=$1 pt_fn=$2\n"
    "set --\n"
    ". \"$pt_script\"\n"
    "declare -F \"$pt_fn\" >/dev/null || exit 98\n"
    "\"$pt_fn\"\n";

struct env {
    char **v;
    size_t n;
};

static void env_add(struct env *e, const char *key, const char *value)
{
    e->v = xrealloc(e->v, (e->n + 2) * sizeof *e->v);
    e->v[e->n++] = xasprintf("%s=%s", key, value ? value : "");
    e->v[e->n] = NULL;
}

static void env_free(struct env *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i]);
    free(e->v);
}

/* The environment of the script: ours, plus what the contract promises.
 * OVS_RUNDIR/OVS_DBDIR point ovs-vsctl and ovs-ofctl at the SUT, never
 * at a system OVS by accident; a SUT's own tools come first in PATH, so
 * they are never another version's either. */
static void build_env(const struct topology_ctx *ctx, struct env *e)
{
    const char *path = getenv("PATH");

    memset(e, 0, sizeof *e);
    for (char **p = environ; *p; p++) {
        if (!strncmp(*p, "OVS_", 4) || !strncmp(*p, "TOPOLOGY_", 9)
            || (ctx->tool_path && !strncmp(*p, "PATH=", 5)))
            continue;
        e->v = xrealloc(e->v, (e->n + 2) * sizeof *e->v);
        e->v[e->n++] = xstrdup(*p);
        e->v[e->n] = NULL;
    }
    if (ctx->tool_path) {
        char *tools = xasprintf("%s:%s", ctx->tool_path,
                                path ? path : "/usr/bin:/bin");
        env_add(e, "PATH", tools);
        free(tools);
    }
    env_add(e, "OVS_DATAPATH", ctx->ovs_datapath ? ctx->ovs_datapath
                                                 : "netdev");
    env_add(e, "TOPOLOGY_SOURCE_BINDING", ctx->source_binding);
    env_add(e, "TOPOLOGY_DEST_BINDING", ctx->dest_binding);
    env_add(e, "TOPOLOGY_SOURCE_NETNS", ctx->source_ns);
    env_add(e, "TOPOLOGY_DEST_NETNS", ctx->dest_ns);
    env_add(e, "TOPOLOGY_SOURCE_IF", ctx->source_if);
    env_add(e, "TOPOLOGY_DATAPATH_NETNS", ctx->dp_ns);
    env_add(e, "TOPOLOGY_DEST_IF", ctx->dest_if);
    env_add(e, "PERFTESTS_RUN_ID", ctx->run_id);
    env_add(e, "PERFTESTS_SHORT_ID", ctx->short_id);
    env_add(e, "PERFTESTS_LEDGER", ctx->ledger ? ledger_path(ctx->ledger)
                                               : "/dev/null");
    if (ctx->ovs_rundir) {
        env_add(e, "OVS_RUNDIR", ctx->ovs_rundir);
        env_add(e, "OVS_DBDIR", ctx->ovs_rundir);
    }
}

static int call(const struct topology_ctx *ctx, const char *fn,
                struct strbuf *out, struct strbuf *err)
{
    char *argv[] = { "bash", "-c", (char *)wrapper, "perftests-topology",
                     (char *)ctx->script, (char *)fn, NULL };
    struct env env;
    /* Inside the datapath's namespace: `ip link` there sees the bindings. */
    struct proc_spawn_opts opts = { .log_path = ctx->log_path,
                                    .netns = ctx->dp_ns };
    int rc;

    build_env(ctx, &env);
    opts.envp = env.v;
    if (out) {
        rc = proc_capture(argv, &opts, out);
    } else {
        /* setup and teardown may take a while: in the ledger, so a crash
         * of ours does not leave them running on their own. */
        pid_t pid;
        rc = proc_spawn(argv, &opts, &pid);
        if (!rc && ctx->ledger)
            ledger_record_process(ctx->ledger, "pt-topology-script", pid);
        if (!rc)
            rc = proc_wait(pid);
    }
    env_free(&env);
    if (rc < 0) {
        strbuf_addf(err, "cannot run bash for '%s': %s", ctx->script,
                    strerror(-rc));
        return rc;
    }
    if (rc == 98) {
        strbuf_addf(err, "'%s' does not define %s", ctx->script, fn);
        return -EINVAL;
    }
    if (rc) {
        strbuf_addf(err, "%s in '%s' exited with status %d%s%s", fn,
                    ctx->script, rc, ctx->log_path ? "; see " : "",
                    ctx->log_path ? ctx->log_path : "");
        return -ECHILD;
    }
    return 0;
}

static int script_prepare(struct topology_ctx *ctx, struct strbuf *err)
{
    static const char *const vars[] = {
        "TOPOLOGY_SOURCE_HOST", "TOPOLOGY_DEST_HOST",
        "TOPOLOGY_SOURCE_NET", "TOPOLOGY_DEST_NET",
    };
    char *fields[] = { ctx->source_host, ctx->dest_host, ctx->source_net,
                       ctx->dest_net };
    struct strbuf out = STRBUF_INIT;
    int rc = call(ctx, "pt_print_addresses", &out, err);

    if (rc) {
        strbuf_dispose(&out);
        return rc;
    }
    char *line = out.buf;
    for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
        char *nl = line ? strchr(line, '\n') : NULL;
        if (nl)
            *nl = '\0';
        if (!line || !*line || strlen(line) >= sizeof ctx->source_host) {
            strbuf_addf(err, "'%s' does not set %s when sourced", ctx->script,
                        vars[i]);
            strbuf_dispose(&out);
            return -EINVAL;
        }
        strcpy(fields[i], line);
        line = nl ? nl + 1 : NULL;
    }
    strbuf_dispose(&out);
    return 0;
}

static int script_setup(struct topology_ctx *ctx, struct strbuf *err)
{
    return call(ctx, "setup_topology", NULL, err);
}

static int script_teardown(struct topology_ctx *ctx, struct strbuf *err)
{
    return call(ctx, "tear_down_topology", NULL, err);
}

static int script_print(struct topology_ctx *ctx, FILE *out)
{
    struct strbuf text = STRBUF_INIT, err = STRBUF_INIT;
    int rc = call(ctx, "print_topology", &text, &err);

    fputs(text.buf, out);
    if (rc)
        fprintf(stderr, "perftests: %s\n", err.buf);
    strbuf_dispose(&text);
    strbuf_dispose(&err);
    return rc;
}

const struct topology_ops topology_script_ops = {
    .name = "script",
    .description = "a shell topology in the original suite's format",
    .needs_ovs = false,
    .prepare = script_prepare,
    .setup = script_setup,
    .teardown = script_teardown,
    .print = script_print,
};
