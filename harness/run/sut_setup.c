/* The SUT's packages, datapath and other_config (sut_setup.h): the run's
 * side, which logs and records; sut/packages.c and sut/ovs_config.c do
 * the work. */
#include "run/sut_setup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cpus.h"
#include "lib/log.h"
#include "lib/util.h"
#include "sut/ovs_config.h"
#include "sut/packages.h"
#include "sut/sut.h"

LOG_MODULE("run");

int sut_setup_install(const struct settings *s, const char *run_dir,
                      json_t *metadata, struct strbuf *err)
{
    const char *dir = settings_str(s, SETTING_SUT_PACKAGES);
    char *log = xasprintf("%s/install_sut.log", run_dir);
    json_t *pkgs, *p;
    size_t i;
    int rc;

    if (!*dir) {
        LOG_INFO("SUT_PACKAGES is empty: nothing to install");
        free(log);
        return 0;
    }
    /* The folder had .deb files when the settings were read; one that
     * lost them since, or a file dpkg-deb cannot read, is the host's. */
    rc = sut_packages_list(dir, &pkgs, err);
    if (!rc) {
        json_array_foreach(pkgs, i, p)
            LOG_INFO("installing %s %s from %s",
                     json_string_value(json_object_get(p, "package")),
                     json_string_value(json_object_get(p, "version")),
                     json_string_value(json_object_get(p, "file")));
        rc = sut_packages_install(pkgs, log, err);
        json_object_set_new(metadata, "sut_packages", pkgs);
    }
    if (!rc)
        LOG_INFO("installed %zu package%s from %s (apt's output: %s)",
                 json_array_size(pkgs), json_array_size(pkgs) == 1 ? "" : "s",
                 dir, log);
    free(log);
    return rc ? PT_EXIT_ENV : 0;
}

int sut_setup_check_datapath(const struct settings *s, struct strbuf *err)
{
    return ovs_datapath_check(settings_str(s, SETTING_OVS_DATAPATH), err)
               ? PT_EXIT_ENV : 0;
}

int sut_setup_configure(const struct settings *s, const struct sut *sut,
                        json_t *metadata, struct strbuf *err)
{
    const char *text = settings_str(s, SETTING_OVS_OTHER_CONFIG);
    struct strbuf warn = STRBUF_INIT;
    json_t *kept = NULL;
    int rc;

    if (!*text)
        return 0;
    if (!sut_ovs_db_socket(sut)) {
        /* The kernel's bridge or a process: there is no OVS to set. */
        LOG_WARN("OVS_OTHER_CONFIG is ignored: the SUT is no Open vSwitch");
        return 0;
    }
    rc = sut_ovs_configure(sut, text, &kept, &warn, err);
    if (rc) {
        strbuf_addstr(err, " (setting OVS_OTHER_CONFIG)");
        return PT_EXIT_ENV;
    }
    if (warn.len)
        LOG_WARN("OVS_OTHER_CONFIG: %s", warn.buf);
    else
        LOG_INFO("OVS other_config: %s, read back", text);
    json_object_set_new(json_object_get(metadata, "sut"), "other_config",
                        kept);
    strbuf_dispose(&warn);
    return 0;
}

/* Resolved once the SUT runs, its processes pinned now (threads they
 * start later inherit it), the injector and the receiver when the traffic
 * engine opens.  A process this run did not start is pinned only when
 * SUT_CPUS names CPUs: it is someone else's. */
int sut_setup_place(const struct settings *s, const struct sut *sut,
                    struct placement *p, json_t *metadata,
                    struct strbuf *err)
{
    struct strbuf why = STRBUF_INIT;
    const pid_t *pids;
    size_t n = sut_pids(sut, &pids);
    int cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
    json_t *j;

    if (placement_resolve(s, cores > 0 ? cores : 1, p, err))
        return PT_EXIT_USAGE;
    if (!sut_started_here(sut)
        && !strcmp(settings_str(s, SETTING_SUT_CPUS), "auto"))
        p->sut.pinned = false;
    for (size_t i = 0; p->sut.pinned && i < n; i++) {
        strbuf_reset(&why);
        if (cpus_pin_process(pids[i], &p->sut.set, &why))
            LOG_WARN("SUT_CPUS: %s", why.buf);
    }
    strbuf_dispose(&why);
    j = placement_json(p);
    json_object_set_new(metadata, "cpu_placement", j);
    LOG_INFO("CPU placement (%d cores): SUT on %s, injector on %s, "
             "receiver on %s", cores,
             json_string_value(json_object_get(j, "sut")),
             json_string_value(json_object_get(j, "injector")),
             json_string_value(json_object_get(j, "receiver")));
    return 0;
}
