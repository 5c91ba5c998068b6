#!/usr/bin/env bash
# Every topology, for real (root): namespaces, a private OVS where needed,
# UDP probes from the source namespace that must arrive in the destination
# namespace (the connectivity_check phase), teardown, and nothing left.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-topo-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
res=$tmp/results
before=$(leftovers)

# The ci profile's phases, steps and rates with a fifth of its frames: every
# run here passes traffic through its datapath at up to 10 kpps, in a
# little over a third of the time (traffic.sh checks the ci profile's own
# trials).
CI=(-p ci -o WARMUP_RATE=500 -o THROUGHPUT_SCAN_BURST=1000 -o LONG_RUNNING_BURST=1000)

for topo in basic_topology linux_bridge direct example_bridge \
	    "$PWD/topologies/example_bridge.sh"; do
	rm -rf "$res"
	run_pt 0 "${CI[@]}" -d "$res" "$topo"
	has "$topo: probes crossed the datapath" "connectivity: 10 of 10 probes"
	dir=$(run_dir)
	# The SUT's pids (basic_topology's private OVS) are in metadata.json,
	# and gone after the run.
	if [ "$topo" = basic_topology ]; then
		pids=$(python3 -c 'import json,sys; print(" ".join(map(str, json.load(open(sys.argv[1]))["sut"]["pids"])))' "$dir/metadata.json")
		check "metadata.json has the OVS pids" test -n "$pids"
		alive=0; for p in $pids; do running $p && alive=1; done
		check "OVS stopped at teardown" test $alive -eq 0
	fi
	check "$topo: run.log written" grep -q "phase tear_down" "$dir/run.log"
	check "$topo: metadata.json is valid JSON" sh -c 'python3 -m json.tool "$1" >/dev/null' _ "$dir/metadata.json"
	check "$topo: ledger deleted after teardown" test -z "$(ls -A "$res/.ledger")"
	left=$(leftovers)
	if [ "$left" = "$before" ]; then pass "$topo: nothing pt- left"; else fail "$topo: left behind: $left"; fi
done

# The OVS of basic_topology runs in the run's own namespace: no tap of the
# netdev datapath (not even ovs-netdev) ever appears in the root namespace.
check "no ovs-netdev tap in the root namespace" sh -c '! ip -o link | grep -q ovs-netdev'

# A failing topology: the run fails in its phase, exit 4, and tears down.
cat > "$tmp/broken.sh" <<'SH'
TOPOLOGY_SOURCE_HOST=198.18.2.1
TOPOLOGY_DEST_HOST=198.18.2.2
TOPOLOGY_SOURCE_NET=198.18.2.0/24
TOPOLOGY_DEST_NET=198.18.2.0/24
setup_topology() { echo "no datapath today" >&2; return 3; }
tear_down_topology() { :; }
print_topology() { echo broken; }
SH
rm -rf "$res"
run_pt 4 -p ci -d "$res" "$tmp/broken.sh"
has "failure names the phase" "phase create_scenario failed"
check "failure recorded in metadata.json" grep -q '"phase": "create_scenario"' "$(run_dir)/metadata.json"
check "script's stderr kept in topology.log" grep -q "no datapath today" "$(run_dir)/topology.log"
left=$(leftovers)
if [ "$left" = "$before" ]; then pass "failed run: nothing pt- left"; else fail "failed run left: $left"; fi

# Addresses outside 198.18.0.0/15 are refused before anything is created.
sed 's/198\.18\.2\./10.9.9./' "$tmp/broken.sh" > "$tmp/outside.sh"
run_pt 4 -p ci -d "$res" "$tmp/outside.sh"
has "foreign addresses refused, naming the script and the variable" "$tmp/outside.sh: TOPOLOGY_SOURCE_HOST '10.9.9.1' is outside the benchmarking range 198.18.0.0/15"
# A network that is no address of the range, and one with no prefix.
for net in 10.9.9.0/24 garbage/24 198.18.2.0/; do
	sed "s|^TOPOLOGY_DEST_NET=.*|TOPOLOGY_DEST_NET=\"$net\"|" "$tmp/broken.sh" > "$tmp/badnet.sh"
	run_pt 4 -p ci -d "$res" "$tmp/badnet.sh"
	has "network '$net' refused, naming the variable" "TOPOLOGY_DEST_NET '$net' is not a network of 198.18.0.0/15"
done
check "refused networks: nothing pt- left" test "$(leftovers)" = "$before"

# kill -9 in the middle of setup, then `perftests cleanup`: nothing left,
# and a live run's ledger is never touched.
cat > "$tmp/slow.sh" <<SH
TOPOLOGY_SOURCE_HOST=198.18.3.1
TOPOLOGY_DEST_HOST=198.18.3.2
TOPOLOGY_SOURCE_NET=198.18.3.0/24
TOPOLOGY_DEST_NET=198.18.3.0/24
setup_topology() {
	pt_ledger link pt-kb-\$PERFTESTS_SHORT_ID
	ip link add pt-kb-\$PERFTESTS_SHORT_ID type bridge
	touch $tmp/in-setup
	sleep 60
}
tear_down_topology() { :; }
print_topology() { echo slow; }
SH
rm -rf "$res" "$tmp/in-setup"
"$PT" -p ci -d "$res" "$tmp/slow.sh" >"$tmp/killed.out" 2>&1 &
victim=$!
for _ in $(seq 100); do [ -e "$tmp/in-setup" ] && break; sleep 0.1; done
check "run reached the middle of setup" test -e "$tmp/in-setup"
ovs_pids=$(awk -F'\t' '$1 == "process" {print $4}' "$res"/.ledger/* | tr '\n' ' ')
kill -9 "$victim"; wait "$victim" 2>/dev/null
check "the killed run left things behind" test -n "$(leftovers | grep -v -x -F -- "$before")"
run_pt 0 cleanup -d "$res"
has "cleanup replayed the ledger" "1 aborted run cleaned up"
left=$(leftovers)
if [ "$left" = "$before" ]; then pass "after kill -9 + cleanup: nothing pt- left"; else fail "after cleanup: $left"; fi
alive=""; for p in $ovs_pids; do running $p && alive="$alive $p"; done
check "after cleanup: no process of the run left ($ovs_pids)" test -z "$alive"
check "ledger gone" test -z "$(ls -A "$res/.ledger")"
run_pt 0 cleanup -d "$res"
has "cleanup is idempotent" "0 aborted runs cleaned up"

# SIGTERM (and Ctrl-C alike) in the middle of setup: exit 130, the
# teardown runs, nothing is left and no cleanup is needed.
rm -rf "$res" "$tmp/in-setup"
"$PT" -p ci -d "$res" "$tmp/slow.sh" >"$tmp/term.out" 2>&1 &
victim=$!
for _ in $(seq 100); do [ -e "$tmp/in-setup" ] && break; sleep 0.1; done
kill -TERM "$victim"
wait "$victim"; rc=$?
check "SIGTERM: exit 130 (got $rc)" test "$rc" -eq 130
OUT=$(cat "$tmp/term.out")
has "SIGTERM: the log says so" "interrupted by signal 15 during create_scenario"
has "SIGTERM: teardown ran" "phase tear_down"
check "SIGTERM: ledger deleted" test -z "$(ls -A "$res/.ledger")"
left=$(leftovers)
if [ "$left" = "$before" ]; then pass "SIGTERM: nothing pt- left"; else fail "SIGTERM left: $left"; fi

# --sut cmd: a process the harness starts, records and stops.
rm -rf "$res"
run_pt 0 "${CI[@]}" -d "$res" --sut 'cmd:exec sleep 300' linux_bridge
has "--sut cmd: described" "system under test: process"
sut_pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sut"]["pids"][0])' "$(run_dir)/metadata.json")
check "--sut cmd: stopped at teardown" sh -c "! { [ -r /proc/$sut_pid/stat ] && ! grep -q ') Z' /proc/$sut_pid/stat; }"

# --sut pid: a process that is not ours is sampled, never stopped.
sleep 300 & other=$!
rm -rf "$res"
run_pt 0 "${CI[@]}" -d "$res" --sut "pid:$other" direct
check "--sut pid: recorded in metadata.json" grep -q "$other" "$(run_dir)/metadata.json"
check "--sut pid: left running" running "$other"
kill "$other"; wait "$other" 2>/dev/null
run_pt 3 -p ci -d "$res" --sut "pid:999999999" direct
has "--sut pid: a missing process is an environment error" "no process with pid 999999999"
run_pt 2 --sut bogus direct
has "--sut: bad spec says what is expected" "expected ovs-rundir:DIR, ovs-build:DIR, pid:N or cmd:COMMAND"
run_pt 2 -p ci -d "$res" --sut "cmd:sleep 1" basic_topology
has "an OVS topology needs an OVS SUT" "needs an Open vSwitch SUT"

# --sut ovs-rundir: an OVS that already runs (started here, as a lab's
# would be) is attached to, configured, and left running.
d=$tmp/ovs
ovs_lab_start "$d"
rm -rf "$res"
run_pt 0 "${CI[@]}" -d "$res" --sut "ovs-rundir:$d" basic_topology
has "--sut ovs-rundir: probes crossed the running OVS" "connectivity: 10 of 10 probes"
check "--sut ovs-rundir: the OVS still runs" running "$vs_pid"
# SUT_RCVBUF_KB sizes only the sockets of a SUT the run started: an OVS
# attached to keeps what its owner gave it, and the metadata says which.
has "--sut ovs-rundir: its sockets left alone" "left as its owner has them"
check "--sut ovs-rundir: sut_rcvbuf is the host's" python3 -c \
	'import json,sys; m=json.load(open(sys.argv[1]))["sut_rcvbuf"]; sys.exit(not (m["source"] == "net.core.rmem_default" and m["sockets"] == 0 and m["bytes"] == int(open("/proc/sys/net/core/rmem_default").read())))' \
	"$(run_dir)/metadata.json"
check "--sut ovs-rundir: our bridge is gone from it" \
	sh -c "! ovs-vsctl --db=unix:$d/db.sock list-br | grep -q pt-"
# SIGKILLed mid-run, a run cannot remove its bridge from an OVS that is not
# its own: `perftests cleanup` does, through OVSDB, from the ledger, and
# leaves the rows no ledger names.
vsctl() { ovs-vsctl --timeout=10 --db="unix:$d/db.sock" "$@"; }
lab=pt-lab$$
vsctl add-br "$lab" -- set bridge "$lab" datapath_type=netdev
rm -rf "$res"
"$PT" -p ci -d "$res" --sut "ovs-rundir:$d" basic_topology >"$tmp/kill.out" 2>&1 &
victim=$!
for _ in $(seq 300); do grep -q "connectivity: " "$tmp/kill.out" && break; sleep 0.1; done
check "--sut ovs-rundir, SIGKILL: the run was past its connectivity check" \
	grep -q "connectivity: 10 of 10 probes" "$tmp/kill.out"
kill -KILL "$victim"; wait "$victim" 2>/dev/null
check "--sut ovs-rundir, SIGKILL: a pt- bridge outlived the run" \
	sh -c "ovs-vsctl --db=unix:$d/db.sock list-br | grep -v '^$lab\$' | grep -q '^pt-'"
run_pt 0 cleanup -d "$res"
check "--sut ovs-rundir, SIGKILL: cleanup removed the run's bridge" \
	sh -c "! ovs-vsctl --db=unix:$d/db.sock list-br | grep -v '^$lab\$' | grep -q '^pt-'"
check "--sut ovs-rundir, SIGKILL: cleanup left the bridge no ledger names" \
	sh -c "ovs-vsctl --db=unix:$d/db.sock list-br | grep -qx '$lab'"
check "--sut ovs-rundir, SIGKILL: the OVS still runs" running "$vs_pid"
# The same from a shell topology, with pt_ledger's OVS kinds (the
# addresses of slow.sh above).
cat > "$tmp/slowovs.sh" <<SH
$(grep '^TOPOLOGY_' "$tmp/slow.sh")
setup_topology() {
	pt_ledger ovs-bridge br-\$PERFTESTS_SHORT_ID && touch $tmp/foreign-recorded
	pt_ledger ovs-bridge pt-ks-\$PERFTESTS_SHORT_ID || return 1
	ovs-vsctl --timeout=10 add-br pt-ks-\$PERFTESTS_SHORT_ID \\
		-- set bridge pt-ks-\$PERFTESTS_SHORT_ID datapath_type=netdev || return 1
	touch $tmp/in-setup
	sleep 60
}
tear_down_topology() { :; }
print_topology() { echo slowovs; }
SH
rm -rf "$res" "$tmp/in-setup"
"$PT" -p ci -d "$res" --sut "ovs-rundir:$d" "$tmp/slowovs.sh" >"$tmp/killed.out" 2>&1 &
victim=$!
for _ in $(seq 100); do [ -e "$tmp/in-setup" ] && break; sleep 0.1; done
check "shell topology on ovs-rundir: its bridge is there" \
	sh -c "ovs-vsctl --db=unix:$d/db.sock list-br | grep -q '^pt-ks-'"
check "shell topology: pt_ledger refused a bridge without pt-" test ! -e "$tmp/foreign-recorded"
kill -9 "$victim"; wait "$victim" 2>/dev/null
run_pt 0 cleanup -d "$res"
check "shell topology on ovs-rundir, kill -9 + cleanup: its bridge is gone" \
	sh -c "! ovs-vsctl --db=unix:$d/db.sock list-br | grep -q '^pt-ks-'"
check "shell topology on ovs-rundir, kill -9 + cleanup: the OVS still runs" running "$vs_pid"
vsctl del-br "$lab"
ovs-appctl -t "$ctl" exit --cleanup >/dev/null 2>&1
ovs_lab_stop
left=$(leftovers)
if [ "$left" = "$before" ]; then pass "--sut ovs-rundir: nothing pt- left"; else fail "--sut ovs-rundir left: $left"; fi
