/* The build under test's parsing and detection: ovs_build (a build tree
 * or prefix, what is missing), OVS_OTHER_CONFIG's syntax, the kernel
 * module check of OVS_DATAPATH=system, SUT_PACKAGES' folder, and the
 * settings that read them (the runs are in
 * tests/integration/sut_build.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "lib/util.h"
#include "run/settings.h"
#include "sut/ovs_build.h"
#include "sut/ovs_config.h"
#include "sut/packages.h"
#include "tmpdir.h"

static const char *const tree_files[] = {
    "vswitchd/ovs-vswitchd", "ovsdb/ovsdb-server", "ovsdb/ovsdb-tool",
    "utilities/ovs-vsctl", "utilities/ovs-appctl", "utilities/ovs-ofctl",
};
static const char *const prefix_files[] = {
    "sbin/ovs-vswitchd", "sbin/ovsdb-server", "bin/ovsdb-tool",
    "bin/ovs-vsctl", "bin/ovs-appctl", "bin/ovs-ofctl",
};

/* tmpdir_put() of <tmpdir>/<dir>/<rel>, 'rel' with its folders. */
static char *put(const char *dir, const char *rel, const char *text)
{
    const char *slash = strrchr(rel, '/');
    char *sub = slash ? xasprintf("%s/%.*s", dir, (int)(slash - rel), rel)
                      : xstrdup(dir);
    char *path = tmpdir_put(sub, slash ? slash + 1 : rel, text);

    free(sub);
    return path;
}

/* Lays out <tmpdir>/<name>: the programs (executable scripts) and the
 * schema; returns its path. */
static char *make_layout(const char *name, const char *const *progs,
                         size_t n, const char *schema)
{
    for (size_t i = 0; i < n; i++) {
        char *path = put(name, progs[i], "#!/bin/sh\n");
        assert_int_equal(chmod(path, 0755), 0);
        free(path);
    }
    if (schema)
        free(put(name, schema, "{}\n"));
    return xasprintf("%s/%s", tmpdir, name);
}

static void test_ovs_build__tree(void **state)
{
    char *dir = make_layout("tree", tree_files, ARRAY_SIZE(tree_files),
                            "vswitchd/vswitch.ovsschema");
    struct strbuf err = STRBUF_INIT;
    struct ovs_build b;
    struct ovs_programs p;
    (void)state;

    assert_int_equal(ovs_build_detect(dir, &b, &err), 0);
    assert_string_equal(err.buf, "");
    assert_int_equal(b.layout, OVS_BUILD_TREE);
    assert_string_equal(ovs_build_layout_name(b.layout), "build tree");
    char *want = xasprintf("%s/utilities:%s/ovsdb:%s/vswitchd", dir, dir, dir);
    assert_string_equal(b.tool_path, want);
    free(want);
    ovs_build_programs(&b, &p);
    want = xasprintf("%s/vswitchd/ovs-vswitchd", dir);
    assert_string_equal(p.vswitchd, want);
    free(want);
    want = xasprintf("%s/vswitchd/vswitch.ovsschema", dir);
    assert_string_equal(p.schema, want);
    free(want);

    json_t *j = ovs_build_to_json(&b, "ovs-vswitchd (Open vSwitch) 9.9", NULL);
    assert_string_equal(json_string_value(json_object_get(j, "layout")),
                        "build tree");
    assert_true(json_is_null(json_object_get(j, "git_describe")));
    assert_int_equal(json_object_size(json_object_get(j, "files")),
                     N_OVS_BUILD_FILES);
    json_decref(j);
    ovs_build_release(&b);
    strbuf_dispose(&err);
    free(dir);
}

static void test_ovs_build__prefix_relative_dir(void **state)
{
    char *dir = make_layout("prefix", prefix_files, ARRAY_SIZE(prefix_files),
                            "share/openvswitch/vswitch.ovsschema");
    char *cwd = getcwd(NULL, 0);
    struct strbuf err = STRBUF_INIT;
    struct ovs_build b;
    (void)state;

    /* A relative DIR is made absolute: the daemons run elsewhere. */
    assert_int_equal(chdir(tmpdir), 0);
    assert_int_equal(ovs_build_detect("prefix", &b, &err), 0);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(b.layout, OVS_BUILD_PREFIX);
    assert_string_equal(b.dir, dir);
    char *want = xasprintf("%s/bin:%s/sbin", dir, dir);
    assert_string_equal(b.tool_path, want);
    free(want);
    want = xasprintf("%s/bin/ovs-ofctl", dir);
    assert_string_equal(b.files[OVS_BUILD_OFCTL], want);
    free(want);
    ovs_build_release(&b);
    strbuf_dispose(&err);
    free(cwd);
    free(dir);
}

static void test_ovs_build__neither_names_what_is_missing(void **state)
{
    /* A prefix whose ovs-ofctl is missing and whose ovsdb-tool cannot
     * run: not a build, and the message says which files. */
    char *dir = make_layout("half", prefix_files, 5,
                            "share/openvswitch/vswitch.ovsschema");
    char *tool = xasprintf("%s/bin/ovsdb-tool", dir);
    struct strbuf err = STRBUF_INIT;
    struct ovs_build b;
    (void)state;

    assert_int_equal(chmod(tool, 0644), 0);
    assert_int_equal(ovs_build_detect(dir, &b, &err), -EINVAL);
    char *want = xasprintf(
        "'%s' is neither an OVS build tree (vswitchd/ovs-vswitchd, "
        "ovsdb/ovsdb-server, ovsdb/ovsdb-tool, utilities/ovs-vsctl, "
        "utilities/ovs-appctl, utilities/ovs-ofctl, "
        "vswitchd/vswitch.ovsschema; missing vswitchd/ovs-vswitchd, "
        "ovsdb/ovsdb-server, ovsdb/ovsdb-tool, utilities/ovs-vsctl, "
        "utilities/ovs-appctl, utilities/ovs-ofctl, "
        "vswitchd/vswitch.ovsschema) nor an install prefix "
        "(sbin/ovs-vswitchd, sbin/ovsdb-server, bin/ovsdb-tool, "
        "bin/ovs-vsctl, bin/ovs-appctl, bin/ovs-ofctl, "
        "share/openvswitch/vswitch.ovsschema; missing bin/ovsdb-tool, "
        "bin/ovs-ofctl)", dir);
    assert_string_equal(err.buf, want);
    free(want);

    strbuf_reset(&err);
    want = xasprintf("%s/no-such-dir", tmpdir);
    assert_int_equal(ovs_build_detect(want, &b, &err), -ENOENT);
    assert_non_null(strstr(err.buf, "is no directory"));
    free(want);
    strbuf_dispose(&err);
    free(tool);
    free(dir);
}

static void test_ovs_build__version_of_the_binary(void **state)
{
    /* The build's own ovs-vswitchd answers --version, not one in PATH. */
    static const char *const progs[] = { "vswitchd/ovs-vswitchd" };
    char *dir = make_layout("ver", tree_files + 1, ARRAY_SIZE(tree_files) - 1,
                            "vswitchd/vswitch.ovsschema");
    char *vs = put("ver", progs[0], "#!/bin/sh\n"
                          "echo \"ovs-vswitchd (Open vSwitch) 9.8.7 $1\"\n"
                          "echo 'DB Schema 1.0'\n");
    struct strbuf err = STRBUF_INIT;
    struct ovs_build b;
    char *version, *describe;
    (void)state;

    assert_int_equal(chmod(vs, 0755), 0);
    assert_int_equal(ovs_build_detect(dir, &b, &err), 0);
    assert_int_equal(ovs_build_version(&b, NULL, &version, &describe, &err),
                     0);
    assert_string_equal(version, "ovs-vswitchd (Open vSwitch) 9.8.7 "
                                 "--version");
    assert_null(describe);      /* no .git */
    free(version);

    /* One that cannot run: the reason, not a version. */
    free(put("ver", progs[0], "#!/bin/sh\nexit 127\n"));
    assert_int_equal(ovs_build_version(&b, NULL, &version, &describe, &err),
                     -EIO);
    assert_null(version);
    assert_non_null(strstr(err.buf, "--version' exited with status 127"));
    ovs_build_release(&b);
    strbuf_dispose(&err);
    free(vs);
    free(dir);
}

static void test_ovs_build__other_config_parse(void **state)
{
    struct strbuf err = STRBUF_INIT;
    json_t *m;
    (void)state;

    assert_int_equal(ovs_other_config_parse("n-handler-threads=1,"
                                            "n-revalidator-threads=1,"
                                            "max-idle=10000", &m, &err), 0);
    assert_int_equal(json_object_size(m), 3);
    assert_string_equal(json_string_value(json_object_get(m, "max-idle")),
                        "10000");
    json_decref(m);
    /* A value may hold '=' and be empty; "" is no keys. */
    assert_int_equal(ovs_other_config_parse("pmd-cpu-mask=0x6,dpdk-extra=a=b,"
                                            "vlan-limit=", &m, &err), 0);
    assert_string_equal(json_string_value(json_object_get(m, "dpdk-extra")),
                        "a=b");
    assert_string_equal(json_string_value(json_object_get(m, "vlan-limit")),
                        "");
    json_decref(m);
    assert_int_equal(ovs_other_config_parse("", &m, &err), 0);
    assert_int_equal(json_object_size(m), 0);
    json_decref(m);
    assert_string_equal(err.buf, "");

    static const struct { const char *text, *why; } bad[] = {
        { "max-idle", "item 1 'max-idle' is not KEY=VALUE" },
        { "a=1,,b=2", "item 2 '' is not KEY=VALUE" },
        { "=1", "item 1 '=1' is not KEY=VALUE" },
        { "a b=1", "item 1 'a b=1' is not KEY=VALUE" },
        { "a=1,a=2", "item 2 'a=2' repeats its key" },
        { "a=1,", "expected KEY=VALUE after the last ','" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        strbuf_reset(&err);
        assert_int_equal(ovs_other_config_parse(bad[i].text, &m, &err),
                         -EINVAL);
        assert_null(m);
        if (!strstr(err.buf, bad[i].why))
            fail_msg("'%s': '%s' lacks '%s'", bad[i].text, err.buf,
                     bad[i].why);
    }
    strbuf_dispose(&err);
}

static void test_ovs_build__kernel_module(void **state)
{
    char *mod = xasprintf("%s/sys-module/openvswitch", tmpdir);
    char *with = tmpdir_put("proc", "with", "nf_tables 1 0 - Live 0x0\n"
                            "openvswitch 200704 0 - Live 0x0\n");
    char *without = tmpdir_put("proc", "without",
                               "openvswitch_ext 1 0 - Live 0x0\n"
                               "vport_openvswitch 1 0 - Live 0x0\n");
    (void)state;

    assert_false(ovs_kernel_module_loaded(mod, without));
    assert_false(ovs_kernel_module_loaded(NULL, NULL));
    assert_true(ovs_kernel_module_loaded(mod, with));
    assert_int_equal(mkdir_p(mod, 0755), 0);
    assert_true(ovs_kernel_module_loaded(mod, without));

    struct strbuf err = STRBUF_INIT;
    assert_int_equal(ovs_datapath_check("netdev", &err), 0);
    assert_string_equal(err.buf, "");
    strbuf_dispose(&err);
    free(mod);
    free(with);
    free(without);
}

static void test_ovs_build__settings(void **state)
{
    struct settings s;
    struct strbuf why = STRBUF_INIT;
    char *empty = xasprintf("%s/nodebs", tmpdir);
    char *debs = xasprintf("%s/debs", tmpdir);
    (void)state;

    mkdir_p(empty, 0755);
    free(tmpdir_put("debs", "x_1.0_all.deb", "not read here\n"));
    free(tmpdir_put("nodebs", "x.deb.txt", ""));
    settings_init(&s);
    assert_string_equal(settings_str(&s, SETTING_OVS_DATAPATH), "netdev");
    assert_string_equal(settings_str(&s, SETTING_OVS_OTHER_CONFIG), "");
    assert_string_equal(settings_str(&s, SETTING_SUT_PACKAGES), "");
    assert_int_equal(settings_set_text(&s, SETTING_OVS_DATAPATH, "system",
                                       SOURCE_PROFILE, "host.conf", 3, &why),
                     0);
    assert_int_equal(settings_set_text(&s, SETTING_OVS_DATAPATH, "kernel",
                                       SOURCE_CMDLINE, NULL, 0, &why),
                     -EINVAL);
    assert_non_null(strstr(why.buf, "expected netdev or system"));
    strbuf_reset(&why);
    assert_int_equal(settings_set_text(&s, SETTING_OVS_OTHER_CONFIG,
                                       "max-idle", SOURCE_CMDLINE, NULL, 0,
                                       &why), -EINVAL);
    assert_non_null(strstr(why.buf, "expected KEY=VALUE"));
    strbuf_reset(&why);
    assert_int_equal(settings_set_text(&s, SETTING_SUT_PACKAGES, debs,
                                       SOURCE_CMDLINE, NULL, 0, &why), 0);
    assert_int_equal(settings_set_text(&s, SETTING_SUT_PACKAGES, empty,
                                       SOURCE_CMDLINE, NULL, 0, &why),
                     -EINVAL);
    assert_non_null(strstr(why.buf, "has no .deb file"));
    strbuf_reset(&why);
    assert_false(sut_packages_check_dir("/no/such/dir", &why));
    assert_non_null(strstr(why.buf, "is no directory we can read"));

    /* The list reads each file's control fields: not a package, named. */
    json_t *pkgs;
    strbuf_reset(&why);
    assert_int_equal(sut_packages_list(debs, &pkgs, &why), -EIO);
    assert_null(pkgs);
    assert_non_null(strstr(why.buf, "dpkg-deb cannot read"));
    strbuf_reset(&why);
    assert_int_equal(sut_packages_list(empty, &pkgs, &why), -ENOENT);
    settings_release(&s);
    strbuf_dispose(&why);
    free(empty);
    free(debs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ovs_build__tree),
        cmocka_unit_test(test_ovs_build__prefix_relative_dir),
        cmocka_unit_test(test_ovs_build__neither_names_what_is_missing),
        cmocka_unit_test(test_ovs_build__version_of_the_binary),
        cmocka_unit_test(test_ovs_build__other_config_parse),
        cmocka_unit_test(test_ovs_build__kernel_module),
        cmocka_unit_test(test_ovs_build__settings),
    };
    return cmocka_run_group_tests(tests, tmpdir_create, tmpdir_remove);
}
