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
short_run 3000

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

# start_bg ARGS...: perftests in the background, its output in $tmp/bg.out,
# its pid in $bg.
start_bg() {
	rm -rf "$res"
	"$PT" "$@" >"$tmp/bg.out" 2>&1 &
	bg=$!
}

# wait_log PATTERN: waits (30 s at most) until the run's run.log has the
# fixed string; sets $d to the run directory.
wait_log() {
	for _ in $(seq 150); do
		d=$(run_dir)
		[ -n "$d" ] && grep -qF -- "$1" "$d/run.log" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# finish_bg: waits for the background run; $RC its exit code, $OUT its
# output, $secs how long it took after the fault.
finish_bg() {
	local t0=$SECONDS
	wait "$bg"
	RC=$?
	secs=$((SECONDS - t0))
	OUT=$(cat "$tmp/bg.out")
}

# A dying SUT (ovs-vswitchd killed mid-trial, by the pid the run recorded)
# is the run's failure, exit 4 with the reason, whichever collectors run:
# never a datapath that lost everything (exit 1).  Without the proc
# collector the death is found when the trial ends: an 8 s trial, killed
# 2 s in, is still under way on a loaded host, and not long to wait for.
for set in netdev,ovs "" proc,system,netdev,ovs; do
	start_bg "${SHORT[@]}" -o THROUGHPUT_SCAN_BURST=8000 -o COLLECTORS="$set" basic_topology
	wait_log "phase test_throughput"
	vs=$(meta "$d" "m['sut']['pids'][0]")
	sleep 2
	kill -9 "$vs"
	finish_bg
	check "COLLECTORS='$set', ovs-vswitchd killed: exit 4 (got $RC)" test "$RC" -eq 4
	has "COLLECTORS='$set', ovs-vswitchd killed: named" "process $vs (ovs-vswitchd) exited"
	check "COLLECTORS='$set', ovs-vswitchd killed: the bundle is made" test -s "$d.tar.gz"
	check "COLLECTORS='$set', ovs-vswitchd killed: metadata.json has the reason" grep -q '"reason": "the system under test .*ovs-vswitchd' "$d/metadata.json"
	gone "COLLECTORS='$set', ovs-vswitchd killed" "$d"
done

# A SUT that stops answering (SIGSTOP) is found within seconds, not taken
# for a datapath that drops everything.  (A 5 s trial, stopped 1 s in.)
start_bg "${SHORT[@]}" -o THROUGHPUT_SCAN_BURST=5000 -o COLLECTORS=netdev,ovs basic_topology
wait_log "phase test_throughput"
vs=$(meta "$d" "m['sut']['pids'][0]")
sleep 1
kill -STOP "$vs"
finish_bg
check "ovs-vswitchd stopped: exit 4 (got $RC)" test "$RC" -eq 4
has "ovs-vswitchd stopped: named" "process $vs (ovs-vswitchd) is stopped"
check "ovs-vswitchd stopped: the run ended within 30 s ($secs s)" test "$secs" -le 30
check "ovs-vswitchd stopped: the bundle is made" test -s "$d.tar.gz"
# Teardown continues it (it is the run's own), so that it takes 'exit
# --cleanup' and removes its taps, instead of two timeouts and a SIGKILL.
has "ovs-vswitchd stopped: continued for its cleanup" "is stopped: continuing it"
check "ovs-vswitchd stopped: it took 'exit --cleanup'" sh -c "! printf '%s' \"\$1\" | grep -q 'did not take'" _ "$OUT"
gone "ovs-vswitchd stopped" "$d"
