/* Parsers for the text ovs-vswitchd's unixctl commands reply with (what
 * `ovs-appctl` prints).  The text is for people and changes between OVS
 * versions, so every parser is defensive: a line it does not know is
 * skipped, a figure it did not find stays NaN. */
#ifndef PT_OVS_TEXT_H
#define PT_OVS_TEXT_H

#include <stddef.h>

/* dpctl/show, summed over the datapaths listed. */
struct ovs_dp_stats {
    double hit, missed, lost;       /* "lookups: hit:H missed:M lost:L" */
    double flows;                   /* "flows: F" */
};
/* 0, or -EINVAL when no "lookups:" line was found. */
int ovs_parse_dpctl_show(const char *text, struct ovs_dp_stats *out);

/* dpif-netdev/pmd-stats-show, summed over the threads ("main thread:",
 * "pmd thread numa_id N core_id M:"). */
struct ovs_pmd_stats {
    double packets, recirc, emc_hits, smc_hits, megaflow_hits, simple_hits,
           upcalls, upcalls_failed;
    double threads;                 /* sections seen */
};
/* 0, or -EINVAL when no thread section was found. */
int ovs_parse_pmd_stats(const char *text, struct ovs_pmd_stats *out);

/* memory/show: "handlers:1 idl-cells-Open_vSwitch:96 ports:1 ... udpif
 * keys:1" (the idl-cells-* figures of every database summed). */
struct ovs_mem_stats {
    double handlers, revalidators, ports, rules, udpif_keys, idl_cells,
           ofconns;
};
/* 0, or -EINVAL when not one figure was recognised. */
int ovs_parse_memory_show(const char *text, struct ovs_mem_stats *out);
/* Every "key:number" of a memory/show reply, in order, whatever the key:
 * 'fn' gets the key (not NUL-terminated: 'len' bytes, spaces kept, e.g.
 * "udpif keys") and the value.  A key whose value is no number is
 * skipped.  Returns how many were found. */
typedef void ovs_mem_fn(const char *key, size_t len, double v, void *aux);
int ovs_memory_show_foreach(const char *text, ovs_mem_fn *fn, void *aux);

/* The flows in a dpctl/dump-flows reply: its non-empty lines but the
 * headers -- the userspace datapath's "flow-dump from the main thread:"
 * and "flow-dump from pmd on cpu core: N", and "type@name:" lines that
 * separate several datapaths' dumps. */
int ovs_count_dump_flows(const char *text);

#endif
