/* The datapath's own knobs per host (profiles.d/<host>/perftests.conf):
 * OVS_OTHER_CONFIG, keys of Open_vSwitch's other_config column written
 * through OVSDB before the topology and read back, and OVS_DATAPATH, the
 * datapath_type of the bridges, whose "system" needs the kernel module. */
#ifndef PT_OVS_CONFIG_H
#define PT_OVS_CONFIG_H

#include <jansson.h>
#include <stdbool.h>

#include "lib/jsonrpc.h"
#include "lib/strbuf.h"

struct sut;

/* Parses "n-handler-threads=1,max-idle=10000": comma-separated KEY=VALUE,
 * a key made of letters, digits, '-', '_', '.' and ':' (what OVS's keys
 * are made of), once each; the value anything but a comma, possibly
 * empty.  "" is no keys.  0 and a JSON object of strings in *map (new
 * reference), or -EINVAL with "expected ..." naming the item in 'err'. */
int ovs_other_config_parse(const char *text, json_t **map,
                           struct strbuf *err);

/* Writes the keys of 'map' into Open_vSwitch's other_config (keys not
 * named stay as they are), waits for ovs-vswitchd to apply them (cur_cfg),
 * and reads the column back into *kept (new reference).  A key of 'map'
 * missing from it or with another value is named in 'warn'; the call
 * still succeeds.  0 or a negative errno with the reason in 'err'. */
int ovs_other_config_apply(struct jsonrpc *db, const json_t *map,
                           json_t **kept, struct strbuf *warn,
                           struct strbuf *err);

/* The same on the SUT's OVS (NULL 'text' or "": nothing to do, 0).
 * -ENODEV when the SUT is no OVS. */
int sut_ovs_configure(const struct sut *sut, const char *text,
                      json_t **kept, struct strbuf *warn, struct strbuf *err);

/* Whether the openvswitch kernel module is there: 'sys_module' (a
 * /sys/module/openvswitch folder) exists, or 'proc_modules' (a
 * /proc/modules file) lists it.  Either may be NULL. */
bool ovs_kernel_module_loaded(const char *sys_module,
                              const char *proc_modules);
/* 0 when OVS_DATAPATH 'datapath' can run here: "netdev" always, "system"
 * with the kernel module; else -ENODEV with what is missing in 'err'. */
int ovs_datapath_check(const char *datapath, struct strbuf *err);

#endif
