#!/usr/bin/env bash
# Fault injection (issue 16), root, real processes: what ends a run early
# or from outside, and what it must leave behind: the documented exit
# code, a run directory that says what happened, never a PASS that was
# not earned, and no pt- namespace, link or process of the run.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-faults-XXXXXX)
# What a failed check left behind goes, by the runs' own ledgers.
trap '"$PT" cleanup -d "$res" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
res=$tmp/results
# A short run: one trial at 1000 pps, nothing else.
SHORT=(-p ci -d "$res" -o WARMUP_PACKETS=0 -o LONG_RUNNING_SCAN_ITERATIONS=0
	-o THROUGHPUT_SCAN_START_RATE=1000 -o THROUGHPUT_MAX_SCAN_RATE=1000
	-o THROUGHPUT_SCAN_BURST=3000)

# meta RUN_DIR EXPR: a Python expression on metadata.json's 'm'.
meta() {
	python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print($2)" "$1/metadata.json"
}

# gone NAME RUN_DIR: nothing of the run is left: no namespace or link with
# its short id, no SUT process it recorded.
gone() {
	local d=$2 id=${2##*-} p alive=
	check "$1: no pt- namespace or link of the run" test -z "$(leftovers | grep -F -- "-$id")"
	for p in $(meta "$d" "' '.join(map(str, m.get('sut', {}).get('pids', [])))"); do
		running "$p" && alive="$alive $p"
	done
	check "$1: no SUT process left$alive" test -z "$alive"
}

# Output piped to a reader that exits (`perftests ... | head`): the next
# write must not kill the run before tear_down; it finishes, logging to
# run.log, and exits as it would have.  The reader quits once the
# namespaces and the private OVS exist.
rm -rf "$res"
"$PT" "${SHORT[@]}" basic_topology 2>&1 | sed -n '/phase connectivity_check/q' 
RC=${PIPESTATUS[0]}
d=$(run_dir)
check "a reader that exits: the run goes on to exit 0 (got $RC)" test "$RC" -eq 0
check "a reader that exits: run.log has every phase" grep -q "phase post_report" "$d/run.log"
check "a reader that exits: run.log ends with the outcome" grep -q "run passed" "$d/run.log"
gone "a reader that exits" "$d"
