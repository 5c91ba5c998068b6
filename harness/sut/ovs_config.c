/* OVS_OTHER_CONFIG and OVS_DATAPATH (ovs_config.h): what ovs-vsctl set
 * Open_vSwitch . other_config:KEY=VALUE does, over our own OVSDB
 * connection, and the kernel module check of the system datapath. */
#include "sut/ovs_config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ovsdb.h"
#include "lib/util.h"
#include "sut/ovs_instance.h"
#include "sut/sut_kind.h"

/* How long ovs-vswitchd may take to apply the keys (thread counts make it
 * restart its handlers). */
#define APPLY_TIMEOUT_MS 10000

static bool key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || strchr("-_.:", c);
}

int ovs_other_config_parse(const char *text, json_t **map, struct strbuf *err)
{
    json_t *m = json_object();
    const char *p = text ? text : "";
    int item = 0;

    *map = NULL;
    while (*p) {
        size_t len = strcspn(p, ","), klen = strcspn(p, "=,");
        char *key = xasprintf("%.*s", (int)klen, p);
        bool ok = klen > 0 && p[klen] == '=';

        item++;
        for (size_t i = 0; ok && i < klen; i++)
            ok = key_char(p[i]);
        if (!ok || json_object_get(m, key)) {
            strbuf_addf(err, "expected KEY=VALUE,... (an OVS other_config "
                        "key of letters, digits, '-', '_', '.', ':', each "
                        "once); item %d '%.*s' %s", item, (int)len, p,
                        ok ? "repeats its key" : "is not KEY=VALUE");
            free(key);
            json_decref(m);
            return -EINVAL;
        }
        json_object_set_new(m, key, json_stringn(p + klen + 1,
                                                 len - klen - 1));
        free(key);
        p += len;
        if (*p == ',' && !*++p) {
            strbuf_addstr(err, "expected KEY=VALUE after the last ','");
            json_decref(m);
            return -EINVAL;
        }
    }
    *map = m;
    return 0;
}

/* One transaction: the named keys are deleted, then inserted with their
 * new values ("insert" alone keeps a key that exists already). */
static json_t *set_ops(const json_t *map)
{
    json_t *keys = json_array(), *pairs = json_array(), *v;
    const char *k;

    json_object_foreach((json_t *)map, k, v) {
        json_array_append_new(keys, json_string(k));
        json_array_append_new(pairs, json_pack("[s,O]", k, v));
    }
    return json_pack("[{s:s, s:s, s:[], s:[[s,s,[s,o]], [s,s,[s,o]]]}]",
                     "op", "mutate", "table", "Open_vSwitch", "where",
                     "mutations", "other_config", "delete", "set", keys,
                     "other_config", "insert", "map", pairs);
}

/* Reads other_config: ["map", [[k, v], ...]] becomes {k: v}. */
static int get_other_config(struct jsonrpc *db, json_t **out,
                            struct strbuf *err)
{
    json_t *ops = json_pack("[{s:s, s:s, s:[], s:[s]}]", "op", "select",
                            "table", "Open_vSwitch", "where", "columns",
                            "other_config");
    json_t *result, *pairs, *pair;
    size_t i;
    int rc = ovsdb_transact(db, ops, &result, NULL, err);

    if (rc)
        return rc;
    json_t *rows = json_object_get(json_array_get(result, 0), "rows");
    json_t *column = json_object_get(json_array_get(rows, 0), "other_config");
    pairs = json_array_get(column, 1);
    if (!json_is_array(pairs)) {
        strbuf_addstr(err, "Open_vSwitch has no row with other_config");
        json_decref(result);
        return -EPROTO;
    }
    *out = json_object();
    json_array_foreach(pairs, i, pair)
        if (json_is_string(json_array_get(pair, 0)))
            json_object_set(*out, json_string_value(json_array_get(pair, 0)),
                            json_array_get(pair, 1));
    json_decref(result);
    return 0;
}

int ovs_other_config_apply(struct jsonrpc *db, const json_t *map,
                           json_t **kept, struct strbuf *warn,
                           struct strbuf *err)
{
    json_t *v;
    const char *k;
    size_t n = 0;
    int rc;

    *kept = NULL;
    rc = ovsdb_transact(db, set_ops(map), NULL, NULL, err);
    /* ovs-vswitchd reads other_config when it reconfigures: the keys are
     * in effect once it acknowledged a next_cfg after them. */
    if (!rc)
        rc = ovsdb_bump_cfg(db, NULL, err);
    if (!rc)
        rc = ovsdb_wait_reconfigured(db, APPLY_TIMEOUT_MS, err);
    if (!rc)
        rc = get_other_config(db, kept, err);
    if (rc)
        return rc;
    json_object_foreach((json_t *)map, k, v) {
        json_t *got = json_object_get(*kept, k);
        if (got && json_equal(got, v))
            continue;
        strbuf_addf(warn, "%sother_config:%s=%s %s", n++ ? "; " : "", k,
                    json_string_value(v), got ? "was kept as " : "was not "
                    "kept");
        if (got)
            strbuf_addf(warn, "'%s'", json_string_value(got));
    }
    return 0;
}

int sut_ovs_configure(const struct sut *sut, const char *text,
                      json_t **kept, struct strbuf *warn, struct strbuf *err)
{
    struct jsonrpc *db;
    json_t *map;
    int rc;

    *kept = NULL;
    if (!text || !*text)
        return 0;
    if (!sut || !sut->ovs) {
        strbuf_addstr(err, "the SUT is no Open vSwitch");
        return -ENODEV;
    }
    rc = ovs_other_config_parse(text, &map, err);
    if (rc)
        return rc;
    rc = ovs_instance_db_open(sut->ovs, &db);
    if (rc) {
        strbuf_addf(err, "cannot connect to '%s': %s",
                    ovs_instance_db_socket(sut->ovs), strerror(-rc));
    } else {
        rc = ovs_other_config_apply(db, map, kept, warn, err);
        jsonrpc_close(db);
    }
    json_decref(map);
    return rc;
}

bool ovs_kernel_module_loaded(const char *sys_module, const char *proc_modules)
{
    struct strbuf sb = STRBUF_INIT;
    bool found = false;

    if (sys_module && path_is_dir(sys_module))
        return true;
    /* A module built in has /sys/module/<name> only when it has
     * parameters; /proc/modules lists the loaded ones, one a line. */
    if (proc_modules && strbuf_read_file(&sb, proc_modules) == 0)
        for (char *line = sb.buf; line && *line && !found;) {
            found = !strncmp(line, "openvswitch ", 12);
            line = strchr(line, '\n');
            line = line ? line + 1 : NULL;
        }
    strbuf_dispose(&sb);
    return found;
}

int ovs_datapath_check(const char *datapath, struct strbuf *err)
{
    if (!datapath || strcmp(datapath, "system"))
        return 0;
    if (ovs_kernel_module_loaded("/sys/module/openvswitch", "/proc/modules"))
        return 0;
    strbuf_addstr(err, "OVS_DATAPATH=system needs the openvswitch kernel "
                  "module, and it is not loaded (neither "
                  "/sys/module/openvswitch nor /proc/modules has it; try "
                  "modprobe openvswitch, or OVS_DATAPATH=netdev)");
    return -ENODEV;
}
