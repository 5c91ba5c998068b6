/* Parsers for the text ovs-vswitchd's unixctl commands reply with (what
 * `ovs-appctl` prints).  The text is for people and changes between OVS
 * versions, so every parser is defensive: a line it does not know is
 * skipped, a figure it did not find stays NaN. */
#ifndef PT_OVS_TEXT_H
#define PT_OVS_TEXT_H

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

#endif
