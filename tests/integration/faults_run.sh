#!/usr/bin/env bash
# Fault injection of the run itself (issue 16, "What to build" 3), root,
# real processes: signals at every phase, a shell topology that hangs, a
# full disk, and a receiver that drops frames itself.  After each: the
# documented exit code, never a PASS that was not earned, and nothing of
# the run left (no pt- namespace or link with its id, no process its
# ledger named).  The report server and scp/sftp are in faults.sh.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-fsig-XXXXXX)
res=$tmp/results
trap '"$PT" cleanup -d "$res" >/dev/null 2>&1; rm -rf "$tmp"' EXIT

# Every measuring phase does something, briefly: warm-up, one step, one
# long-run burst, at 5000 pps (a fifth of a second of traffic in all,
# which most of the runs below go through).
POSTING=(-p ci -d "$res" -o WARMUP_PACKETS=200 -o WARMUP_RATE=5000
	-o THROUGHPUT_SCAN_START_RATE=5000 -o THROUGHPUT_MAX_SCAN_RATE=5000
	-o THROUGHPUT_SCAN_BURST=400 -o LONG_RUNNING_SCAN_ITERATIONS=1
	-o LONG_RUNNING_BURST=300 -o LONG_RUNNING_SCAN_RATE=5000)
FAST=("${POSTING[@]}" --no-post)

# keep_ledger: adds the run's ledgers as they are now to $tmp/ledger, so
# that what the run created can still be looked for after it removed them.
keep_ledger() {
	mkdir -p "$tmp/ledger"
	cp "$res"/.ledger/* "$tmp/ledger/" 2>/dev/null
}

# traces RUN_DIR: what is left of the run, one line each: its ledger file,
# namespaces and links with its short id, and live processes that its
# ledger copy names (pid and start time both match).
traces() {
	local d=$1 id=${1##*-} kind name ns pid st
	[ -n "$d" ] && [ -e "$res/.ledger/${d##*/}" ] && echo "ledger ${d##*/}"
	[ -n "$d" ] && leftovers | grep -F -- "-$id"
	cat "$tmp"/ledger/* 2>/dev/null | while IFS=$'\t' read -r kind name ns pid st; do
		[ "$kind" = process ] && running "$pid" &&
			[ "$(awk '{print $22}' "/proc/$pid/stat" 2>/dev/null)" = "$st" ] &&
			echo "process $pid ($name)"
	done
}

# nothing_left NAME RUN_DIR: passes when traces finds nothing.
nothing_left() {
	local t
	t=$(traces "$2")
	check "$1${t:+: left }$(echo $t)" test -z "$t"
}

# verdict RUN_DIR: summary.json's verdict, "none" without one.
verdict() {
	[ -s "$1/summary.json" ] || { echo none; return; }
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["verdict"]["verdict"])' "$1/summary.json"
}

# not_pass NAME RUN_DIR: neither the summary the run made (the one in its
# bundle) nor the one `perftests report` makes again from the directory
# says PASS (no summary at all is no PASS either).
not_pass() {
	local own again
	own=$(verdict "$2")
	"$PT" report "$2" >/dev/null 2>&1
	again=$(verdict "$2")
	check "$1: the verdict is not PASS (run: $own, report: $again)" \
		test "$own" != pass -a "$again" != pass
}

# judge NAME WANT: after a fault, the exit code ($RC) is WANT; a run that
# could handle the signal (not SIGKILL) removed what it made itself; after
# `perftests cleanup` nothing is left in any case; the verdict is no PASS.
judge() {
	local d
	d=$(run_dir)
	check "$1: exit $2 (got ${RC:-none})" test "${RC:-none}" = "$2"
	keep_ledger
	[ "$2" != 137 ] && nothing_left "$1: the run removed what it made" "$d"
	"$PT" cleanup -d "$res" >/dev/null 2>&1
	nothing_left "$1: nothing left after perftests cleanup" "$d"
	[ -n "$d" ] && [ -z "$report_made" ] && not_pass "$1" "$d"
}

# landed PHASE: the last phase the run logged before the first line that
# says it was interrupted is PHASE (the signal hit the phase it aimed at).
landed() {
	awk '/ phase [a-z_]+$/ { p = $NF } /interrupted/ { print p; exit }' "$(run_dir)/run.log"
}

# --- Signals at every phase boundary (issue 16: SIGINT, SIGTERM, SIGKILL) -
#
# Most phases take a millisecond, too short to aim at from the log, so a
# boundary is hit exactly with gdb: perftests stops at the phase's
# function (after its "phase X" log line), and the signal is delivered
# there ("start": the phase runs with the signal pending) or when the
# function returns ("end": the signal comes between two phases).  gdb's
# $_exitcode is the code perftests exits with.
command -v gdb >/dev/null || fail "signals at phase boundaries: gdb (Debian gdb) is needed"

# phase_fn PHASE: the function of PHASE in run.c's phases[] table.
phase_fn() {
	tr -s ' \n' '  ' <harness/run/run.c |
		sed -n "s/.*\[PHASE_[A-Z_]*\] = { \"$1\", \([a-z_]*\) }.*/\1/p"
}

# gone PID: PID ends within 3 s (a zombie waiting for init counts as
# ended: the signal took it, only its reaping is not ours).
gone() {
	[ -n "$1" ] || return 1
	for _ in $(seq 30); do
		[ -d "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ] ||
			return 0
		sleep 0.1
	done
	return 1
}

# at_phase START|END PHASE SIG ARGS...: one run under gdb, SIG delivered
# at the start or the end of PHASE; $RC its exit code (137 for SIGKILL,
# as a shell reports it).
at_phase() {
	local where=$1 sig=$3 fn file
	fn=$(phase_fn "$2")
	# run.c has the table; a phase's function is in run.c or run_phases.c.
	file=$(grep -l -E "^(static )?int $fn\(" harness/run/run.c harness/run/run_phases.c | head -n 1)
	{
		echo "set pagination off"
		echo "set confirm off"
		# Every breakpoint is in perftests itself: the libraries'
		# symbols, which gdb would read at each of these runs, are not
		# needed (a third of a second a run).
		echo "set auto-solib-add off"
		# The run's own handlers must see its signals, not gdb.
		echo "handle SIGINT SIGTERM SIGPIPE SIGHUP nostop noprint pass"
		echo "break ${file##*/}:$fn"
		echo "run"
		echo "delete"
		[ "$where" = end ] && echo "finish"
		# The ledger as it is now, and as it is when tear_down starts
		# (what the phase made with the signal pending).
		echo "shell cp $res/.ledger/* $tmp/ledger/ 2>/dev/null"
		[ "$fn" != tear_down ] && printf '%s\n' "break run.c:tear_down" \
			"commands" "silent" "shell cp $res/.ledger/* $tmp/ledger/ 2>/dev/null" \
			"continue" "end"
		echo "signal $3"
		echo 'if $_isvoid($_exitcode)'
		echo '  printf "pt-exit=%d\n", 128 + $_exitsignal'
		echo 'else'
		echo '  printf "pt-exit=%d\n", $_exitcode'
		echo 'end'
	} >"$tmp/gdb.cmds"
	shift 3
	rm -rf "$res" "$tmp/ledger"
	mkdir -p "$tmp/ledger"
	gdb -q -batch -x "$tmp/gdb.cmds" --args "$PT" "$@" >"$tmp/gdb.out" 2>&1
	RC=$(sed -n 's/^pt-exit=//p' "$tmp/gdb.out")
	# gdb delivers SIGKILL, then may fail reading the registers of a
	# thread that is gone with it ("No such process"), which ends its
	# script before the exit code is printed: the process was killed.
	[ -z "$RC" ] && [ "$sig" = SIGKILL ] &&
		grep -qE "No such process|terminated with signal SIGKILL" "$tmp/gdb.out" &&
		RC=137
	[ -n "$RC" ] || grep -v "Thread 0x" "$tmp/gdb.out" | tail -n 5 | sed 's/^/    gdb: /'
}

# PT_FAULT_PHASES="a b" narrows the sweep to those phases (to debug one).
phases=${PT_FAULT_PHASES:-$("$PT" --dry-run direct | sed -n 's/^  phases *//p')}
[ -z "$PT_FAULT_PHASES" ] &&
	check "the phase list is known (--dry-run)" test "$(echo $phases | wc -w)" -ge 16
t0=$SECONDS
# SIGINT at the start and at the end of every phase.  The start runs on
# basic_topology (a private OVS: its processes must go too), the end on
# direct (no SUT process; the fastest), so both kinds of run are seen at
# every phase.
for p in $phases; do
	at_phase start "$p" SIGINT "${FAST[@]}" basic_topology
	judge "SIGINT at the start of $p" 130
	at_phase end "$p" SIGINT "${FAST[@]}" direct
	judge "SIGINT at the end of $p" 130
done
# SIGTERM and SIGKILL at a representative subset of the boundaries (time):
# before anything exists, with the SUT up but no namespace, with
# namespaces and the SUT up, after the measurements, during the cleanup
# phases, and the last one.
for p in do_cleanup start_sut create_scenario stop_collectors tear_down post_report; do
	at_phase start "$p" SIGTERM "${FAST[@]}" basic_topology
	judge "SIGTERM at the start of $p" 130
	at_phase start "$p" SIGKILL "${FAST[@]}" basic_topology
	# At post_report the report is whole (see mid below): its PASS stands.
	[ "$p" = post_report ] && report_made=1
	judge "SIGKILL at the start of $p" 137
	report_made=
done
echo "# signals at boundaries: $((SECONDS - t0)) s"

# --- Signals mid-phase, aimed from run.log --------------------------------
# The phases that last long enough to be hit from their log line: the host
# lock's wait in do_cleanup (held here), a topology that hangs in
# create_scenario (below), a trial in test_throughput, the upload's
# retries in post_report (to a closed port).  tear_down is over in a few
# hundredths of a second, too short to aim at from the log: the
# boundaries above cover it (SIGINT, SIGTERM and SIGKILL at its start).

# bg_run ARGS...: perftests in the background; $bg its pid.
bg_run() {
	rm -rf "$res" "$tmp/ledger"
	"$PT" "$@" >"$tmp/bg.out" 2>&1 &
	bg=$!
}

# logged PATTERN: waits (20 s at most) until the run's run.log has the
# fixed string.
logged() {
	for _ in $(seq 100); do
		grep -qF -- "$1" "$(run_dir)/run.log" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# mid PHASE PATTERN DELAY SIG WANT ARGS...: SIG at DELAY s after the run
# logged PATTERN; checks that it landed in PHASE, then judges the run.
# $secs: how long the run took to end after the signal.
mid() {
	local ph=$1 pat=$2 delay=$3 sig=$4 want=$5 t name
	shift 5
	name="$sig during $ph"
	bg_run "$@"
	check "$name: the run logged '$pat'" logged "$pat"
	# $mid_wait_file: a file the run's topology writes once it runs, on a
	# host too busy for the delay alone to be enough.
	for _ in $(seq 100); do
		[ -z "$mid_wait_file" ] || [ -s "$mid_wait_file" ] && break
		sleep 0.1
	done
	sleep "$delay"
	keep_ledger
	kill -s "$sig" "$bg"
	t=$SECONDS
	wait "$bg"
	RC=$?
	secs=$((SECONDS - t))
	if [ "$sig" = KILL ]; then
		t=$(grep -o ' phase [a-z_]*$' "$(run_dir)/run.log" | tail -n 1)
	else
		t=$(landed)
	fi
	check "$name: landed there (${t# phase })" test "${t# phase }" = "$ph"
	# SIGKILL while posting a report made whole: the report's PASS is
	# the measurements', which all completed; only the upload was lost.
	[ "$ph$sig" = post_reportKILL ] && report_made=1
	judge "$name" "$want"
	report_made=
}

# A topology whose setup_topology hangs (with a child of its own in the
# background), as a lab script waiting for a device might.
hang=$tmp/hang_topology.sh
cat >"$hang" <<SH
TOPOLOGY_SOURCE_HOST=198.18.3.1
TOPOLOGY_DEST_HOST=198.18.3.2
TOPOLOGY_SOURCE_NET=198.18.3.0/24
TOPOLOGY_DEST_NET=198.18.3.0/24
setup_topology() { sleep 1000 & echo \$! >"$tmp/hang.child"; sleep infinity; }
tear_down_topology() { :; }
print_topology() { echo "hangs in setup_topology"; }
SH

t0=$SECONDS
exec {hostlock}>"$tmp/host.lock"
flock "$hostlock"
for sig in INT TERM KILL; do
	want=130
	[ $sig = KILL ] && want=137
	PERFTESTS_LOCK=$tmp/host.lock mid do_cleanup "waiting for the run" 0.2 $sig $want \
		"${FAST[@]}" basic_topology
	rm -f "$tmp/hang.child"
	mid_wait_file=$tmp/hang.child mid create_scenario "phase create_scenario" 0.5 $sig $want "${FAST[@]}" "$hang"
	# Ctrl-C of a hanging topology ends the run in bounded time, its
	# script's background child included.
	check "$sig during a hanging setup_topology: ended within 10 s ($secs s)" test "$secs" -lt 10
	check "$sig during a hanging setup_topology: its child is gone" \
		gone "$(cat "$tmp/hang.child" 2>/dev/null)"
	# A 3 s trial (at 5000 pps), hit half a second in.
	mid test_throughput "phase test_throughput" 0.5 $sig $want \
		"${FAST[@]}" -o THROUGHPUT_SCAN_BURST=15000 basic_topology
done
exec {hostlock}>&-
for sig in INT KILL; do
	want=130
	[ $sig = KILL ] && want=137
	mid post_report "phase post_report" 1.5 $sig $want "${POSTING[@]}" \
		-o REPORT_URL=http://127.0.0.1:9/ -o REPORT_RETRIES=3 direct
done
echo "# signals mid-phase: $((SECONDS - t0)) s"

# --- A full disk ------------------------------------------------------------
# The results folder is a small tmpfs, mounted in a private mount
# namespace (unshare -m): the host never sees it and it goes with the
# namespace, whatever happens to the test.  What the run left there is
# copied out to $tmp/full before the namespace ends.
full=$tmp/full
cat >"$tmp/full.sh" <<'SH'
# full.sh ROWS OUT PERFTESTS ARGS...: in the private namespace: a 4 MiB
# tmpfs on the results folder, filled before the run (ROWS 0) or once its
# trials.csv has ROWS rows (a loop, as another writer would).
rows=$1 out=$2 res=$3
shift 3
mkdir -p "$res" && mount -t tmpfs -o size=4m pt-full "$res" || exit 99
fill() { cat /dev/zero >"$res/filler" 2>/dev/null; }
[ "$rows" = 0 ] && fill
"$@" >"$out/out" 2>&1 &
pid=$!
if [ "$rows" != 0 ]; then
	while kill -0 "$pid" 2>/dev/null &&
		[ "$(cat "$res"/*/trials.csv 2>/dev/null | wc -l)" -le "$rows" ]; do
		sleep 0.02
	done
	fill
fi
wait "$pid"
echo $? >"$out/rc"
rm -f "$res/filler"
cp -r "$res"/. "$out/res"
SH

# disk_full ROWS NAME ARGS...: a run on a full disk; $RC, $OUT, and $d its
# run directory as copied out.
disk_full() {
	local rows=$1
	shift
	rm -rf "$full" "$res"
	mkdir -p "$full/res"
	unshare -m bash "$tmp/full.sh" "$rows" "$full" "$res" "$PT" "$@"
	RC=$(cat "$full/rc" 2>/dev/null)
	OUT=$(cat "$full/out")
	d=$(ls -d "$full"/res/*-*-*-*/ 2>/dev/null | tail -n 1)
	d=${d%/}
	# What the copy's ledger names (the run's own is gone with the tmpfs).
	rm -rf "$tmp/ledger"
	mkdir -p "$tmp/ledger"
	cp "$full"/res/.ledger/* "$tmp/ledger/" 2>/dev/null
}

t0=$SECONDS
# No room from the start: the run cannot even begin; it says what it
# could not write.
disk_full 0 "${FAST[@]}" direct
check "a full disk from the start: exit 3 (got $RC)" test "$RC" = 3
has "a full disk from the start: the error names what" "No space left on device"
has "a full disk from the start: ... and where" "$res"
check "a full disk from the start: no summary says PASS" test "$(verdict "$d")" != pass

# Full after the third trial row: the run fails naming trials.csv, keeps
# the rows written before, every one whole, and says no PASS.
# Forty steps: trials.csv outgrows the page tmpfs gave it before the fill
# (its rows are about 200 bytes), so a later row meets the full disk.
disk_full 3 "${FAST[@]}" -o THROUGHPUT_SCAN_START_RATE=1000 -o THROUGHPUT_SCAN_STEP=1000 \
	-o THROUGHPUT_MAX_SCAN_RATE=40000 -o THROUGHPUT_SCAN_BURST=200 -o THROUGHPUT_SCAN_PAUSE=0 basic_topology
check "a disk full after 3 trials: exit 4 (got $RC)" test "$RC" = 4
has "a disk full after 3 trials: trials.csv is named" "cannot write trials.csv: No space left on device"
logged_rows=$(printf '%s\n' "$OUT" | grep -c 'traffic: [a-z_]* [0-9]*/[0-9]*: ')
csv_rows=$(($(wc -l <"$d/trials.csv") - 1))
# The row whose write failed was logged, not written.
check "a disk full after 3 trials: trials.csv has every row logged before it ($csv_rows of $logged_rows)" \
	test "$csv_rows" -ge 3 -a "$csv_rows" -eq $((logged_rows - 1))
check "a disk full after 3 trials: every row of trials.csv parses" python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
sys.exit(any(len(r) != len(rows[0]) for r in rows))' "$d/trials.csv"
not_pass "a disk full after 3 trials" "$d"
nothing_left "a disk full after 3 trials: nothing left" "$d"
echo "# disk full: $((SECONDS - t0)) s"

# --- Receiver-side drops ----------------------------------------------------
# A receiver buffer of 64 KiB (a few hundred frames) behind a burst at
# 200 kpps overflows: the receiver drops frames itself.  Those trials are
# invalid, named so, and never the datapath's loss: no loss-free rate is
# claimed from them, and the run does not pass.
t0=$SECONDS
rm -rf "$res"
run_pt 1 "${FAST[@]}" -o RECEIVER_BUFFER_KB=64 -o THROUGHPUT_SCAN_START_RATE=200000 \
	-o THROUGHPUT_MAX_SCAN_RATE=200000 -o THROUGHPUT_SCAN_BURST=100000 -o WARMUP_PACKETS=0 \
	-o LONG_RUNNING_SCAN_ITERATIONS=0 direct
d=$(run_dir)
has "receiver drops: the trial says so" "invalid: the receiving side dropped"
check "receiver drops: each trial with receiver_drops is invalid, and there are some" python3 -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
dropped = [r for r in rows if int(r["receiver_drops"]) > 0]
print("    %d of %d trials with receiver drops" % (len(dropped), len(rows)))
sys.exit(not dropped or any(r["valid"] != "0" for r in dropped))' "$d/trials.csv"
check "receiver drops: no loss-free rate is claimed from them" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["result"]
sys.exit(bool(r.get("loss_free_pps") or r.get("max_loss_free_pps")))' "$d/summary.json"
not_pass "receiver drops" "$d"
echo "# receiver drops: $((SECONDS - t0)) s"
