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

# Every measuring phase does something, briefly (about a second of
# traffic in all): warm-up, one step, one long-run burst.
FAST=(-p ci -d "$res" --no-post -o WARMUP_PACKETS=200 -o WARMUP_RATE=1000
	-o THROUGHPUT_SCAN_START_RATE=1000 -o THROUGHPUT_MAX_SCAN_RATE=1000
	-o THROUGHPUT_SCAN_BURST=400 -o LONG_RUNNING_SCAN_ITERATIONS=1
	-o LONG_RUNNING_BURST=300 -o LONG_RUNNING_SCAN_RATE=1000)

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
	[ -n "$d" ] && not_pass "$1" "$d"
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

# at_phase START|END PHASE SIG ARGS...: one run under gdb, SIG delivered
# at the start or the end of PHASE; $RC its exit code (137 for SIGKILL,
# as a shell reports it).
at_phase() {
	local where=$1 fn
	fn=$(phase_fn "$2")
	{
		echo "set pagination off"
		echo "set confirm off"
		# The run's own handlers must see its signals, not gdb.
		echo "handle SIGINT SIGTERM SIGPIPE SIGHUP nostop noprint pass"
		echo "break run.c:$fn"
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
	judge "SIGKILL at the start of $p" 137
done
echo "# signals at boundaries: $((SECONDS - t0)) s"
