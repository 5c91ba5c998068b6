#!/usr/bin/env bash
# The collectors end to end (root): what a SUT does shows in the RRD files
# (read back with rrd_fetch_r), OVS counters move, a SUT that dies fails
# the run with its name.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-collect-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
res=$tmp/results
# A short run: one 6-second trial at 1000 pps, nothing else.
short_run 6000

# sut_pid RUN_DIR: the SUT's first pid, from the run's metadata.
sut_pid() {
	python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['sut']['pids'][0])" "$1/metadata.json"
}

# A SUT that spins one core: 90-100 % CPU.
rm -rf "$res"
run_pt 0 "${SHORT[@]}" --sut 'cmd:while :; do :; done' direct
d=$(run_dir)
check "rrd files for proc, system, netdev" test -s "$d/rrd/proc.rrd" -a -s "$d/rrd/system.rrd" -a -s "$d/rrd/netdev.rrd"
stat_ok "spinning SUT: CPU median 90-100 %" "$d/rrd/proc.rrd" cpu_pct '$1 >= 3 && $3 >= 90 && $3 <= 100.5'
stat_ok "host CPU idle below 100 %" "$d/rrd/system.rrd" cpu_idle_pct '$1 >= 3 && $3 < 100'
stat_ok "netdev: the destination received" "$d/rrd/netdev.rrd" dst_rx_pkts '$4 > 500'
check "collectors.json has the step" python3 -c "
import json,sys; j=json.load(open('$d/collectors.json'))
s=[x for x in j['steps'] if x['phase']=='test_throughput']
sys.exit(not (s and s[0]['cpu_mean_pct'] > 80 and j['sampler']['ticks'] >= 5))"
has "ovs collector says why it did not start" "collector 'ovs' not started"
# Its snapshot: the process's smaps_rollup, no OVS part.
check "snapshot: smaps_rollup of a cmd: SUT" test -s "$d/snapshot/smaps_rollup-$(sut_pid "$d").txt"
check "snapshot.json of a cmd: SUT: RSS, no ovs" python3 -c "
import json,sys; j=json.load(open('$d/snapshot/snapshot.json'))
p=j['processes']
sys.exit(not ('ovs' not in j and len(p) == 1 and p[0]['comm'] == 'sh' and p[0]['rss_kb'] > 0))"

# A SUT that allocates and touches 200 MiB.
rm -rf "$res"
run_pt 0 "${SHORT[@]}" --sut "cmd:x=\$(head -c 220000000 /dev/zero | tr '\\0' a); sleep 600" direct
stat_ok "200 MiB SUT: RSS >= 200 MiB" "$(run_dir)/rrd/proc.rrd" rss_bytes '$4 >= 200*1048576'

# basic_topology: the datapath's counters move.
rm -rf "$res"
run_pt 0 "${SHORT[@]}" basic_topology
d=$(run_dir)
stat_ok "ovs: upcalls > 0" "$d/rrd/ovs.rrd" upcalls '$4 > 0'
stat_ok "ovs: datapath hits > 0" "$d/rrd/ovs.rrd" dp_hit '$4 > 0'
stat_ok "proc: ovs-vswitchd RSS > 1 MiB" "$d/rrd/proc.rrd" rss_bytes '$4 > 1048576'
# snapshot_sut: OVS's memory report and datapath flows, every process's
# smaps_rollup, the figures in snapshot.json and in summary.json.
check "snapshot: ovs-memory.txt" test -s "$d/snapshot/ovs-memory.txt"
check "snapshot: ovs-dpctl-flows.txt and ovs-pmd-stats.txt" test -s "$d/snapshot/ovs-dpctl-flows.txt" -a -s "$d/snapshot/ovs-pmd-stats.txt"
check "snapshot: smaps_rollup of ovs-vswitchd" test -s "$d/snapshot/smaps_rollup-$(sut_pid "$d").txt"
check "snapshot.json: flows > 0, ovs-vswitchd RSS > 0" python3 -c "
import json,sys; j=json.load(open('$d/snapshot/snapshot.json'))
p=j['processes'][0]
sys.exit(not (j['ovs']['flows'] > 0 and j['ovs']['memory']['handlers'] >= 1
              and p['comm'] == 'ovs-vswitchd' and p['rss_kb'] > 0 and len(j['processes']) == 2))"
check "summary.json has the snapshot" python3 -c "
import json,sys; s=json.load(open('$d/summary.json')); j=json.load(open('$d/snapshot/snapshot.json'))
sys.exit(s.get('snapshot') != j)"
check "summary.json with a snapshot validates against its schema" python3 -c "
import json, jsonschema
jsonschema.validate(json.load(open('$d/summary.json')), json.load(open('tests/summary.schema.json')))"
check "the log sums the snapshot up" grep -qE "snapshot: [0-9]+ datapath flows, ovs-vswitchd RSS [0-9.]+ MiB \(PSS [0-9.]+ MiB\)" "$d/run.log"

# A SUT that exits mid-run fails the run and is named.
rm -rf "$res"
run_pt 4 "${SHORT[@]}" --sut 'cmd:exec sleep 3' direct
has "a dead SUT is named" "(sleep) exited"
has "a dead SUT: the snapshot says so once" "snapshot skipped: the system under test is gone"
check "a dead SUT: no snapshot" test ! -e "$(run_dir)/snapshot"
check "metadata.json has the error" grep -q '"reason": "the system under test exited' "$(run_dir)/metadata.json"

# ovs-vswitchd killed mid-run (by its pid, from the run's metadata): the
# run fails naming it, and leaves nothing behind.
rm -rf "$res"
"$PT" "${SHORT[@]}" -o THROUGHPUT_SCAN_BURST=30000 basic_topology >"$tmp/kill.out" 2>&1 &
ptpid=$!
vs=
for _ in $(seq 100); do
	d=$(run_dir)
	[ -n "$d" ] && grep -q "collector 'ovs'" "$d/run.log" 2>/dev/null &&
		vs=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['sut']['pids'][0])" "$d/metadata.json" 2>/dev/null) &&
		[ -n "$vs" ] && break
	sleep 0.2
done
check "found ovs-vswitchd's pid" test -n "$vs"
sleep 2
[ -n "$vs" ] && kill -9 "$vs"
wait "$ptpid"
RC=$?
OUT=$(cat "$tmp/kill.out")
check "killed ovs-vswitchd: exit 4" test "$RC" -eq 4
has "killed ovs-vswitchd is named" "(ovs-vswitchd) exited"
check "killed ovs-vswitchd: the snapshot says so once" test "$(grep -v 'phase snapshot_sut' "$tmp/kill.out" | grep -c snapshot)" -eq 1
has "killed ovs-vswitchd: the snapshot names it" "snapshot skipped: the system under test is gone: process $vs (ovs-vswitchd) exited"
check "nothing left behind" test -z "$(ip netns list | grep -F -- "-${d##*-}")"

# Bad COLLECTORS: exit 2 naming the key and the choices.
run_pt 2 --dry-run -o COLLECTORS=proc,cpu direct
has "bad COLLECTORS" "unknown collector 'cpu': expected a comma-separated list of proc, system, netdev, ovs"
