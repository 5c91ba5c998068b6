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

# The pids a run recorded as its own: the ledger of the run, kept by a copy.
run_dir() { ls -d "$res"/*-*-*-* 2>/dev/null | tail -n 1; }

for topo in basic_topology linux_bridge direct example_bridge \
	    "$PWD/topologies/example_bridge.sh"; do
	rm -rf "$res"
	run_pt 0 -p ci -d "$res" "$topo"
	has "$topo: probes crossed the datapath" "connectivity: 10 of 10 probes"
	dir=$(run_dir)
	check "$topo: run.log written" grep -q "phase tear_down" "$dir/run.log"
	check "$topo: metadata.json is valid JSON" python3 -m json.tool "$dir/metadata.json" >/dev/null
	check "$topo: ledger deleted after teardown" test -z "$(ls -A "$res/.ledger")"
	left=$(leftovers)
	if [ "$left" = "$before" ]; then pass "$topo: nothing pt- left"; else fail "$topo: left behind: $left"; fi
done

# The OVS of basic_topology runs in the run's own namespace: no tap of the
# netdev datapath (not even ovs-netdev) ever appears in the root namespace.
check "no ovs-netdev tap in the root namespace" sh -c '! ip -o link | grep -q ovs-netdev'

# The SUT's pids are in metadata.json, and gone after the run.
rm -rf "$res"
run_pt 0 -p ci -d "$res" basic_topology
pids=$(python3 -c 'import json,sys; print(" ".join(map(str, json.load(open(sys.argv[1]))["sut"]["pids"])))' "$(run_dir)/metadata.json")
check "metadata.json has the OVS pids" test -n "$pids"
alive=0; for p in $pids; do running $p && alive=1; done
check "OVS stopped at teardown" test $alive -eq 0

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
has "foreign addresses refused" "outside the benchmarking range 198.18.0.0/15"

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
