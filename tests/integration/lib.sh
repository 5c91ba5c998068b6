# Shared helpers of the shell tests: one "PASS: name" or "FAIL: name" line
# per check, which tests/run-tests.sh counts.
PT=${PT:-./perftests}

# A quick NDR search through a meter of tests/topologies/metered_bridge.sh
# (up to 60 kpps, no latency, no collectors): the settings of the tests
# that compare runs (history.sh, ab.sh).
METERED_OPTS="-o THROUGHPUT_SEARCH=ndr -o SEARCH_TRIAL_DURATION=0.5 -o SEARCH_FINAL_DURATION=0.5 -o SEARCH_DURATION_SUM=2 -o WARMUP_PACKETS=0 -o LONG_RUNNING_SCAN_ITERATIONS=0 -o FLOW_PATTERN=single -o THROUGHPUT_MAX_SCAN_RATE=60000 -o LATENCY_LOADS= -o COLLECTORS="

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }

# check NAME COMMAND...: passes when the command succeeds.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# run_pt EXPECTED_RC ARGS...: runs perftests, keeps stdout+stderr in $OUT
# and its exit code in $RC; passes when the code is the expected one.
run_pt() {
	local want=$1; shift
	OUT=$("$PT" "$@" 2>&1)
	RC=$?
	if [ "$RC" -eq "$want" ]; then
		pass "perftests $* -> exit $want"
	else
		fail "perftests $* -> exit $RC, expected $want"
		printf '%s\n' "$OUT" | sed 's/^/    /'
	fi
}

# has NAME PATTERN: $OUT contains the fixed string PATTERN.
has() {
	if printf '%s\n' "$OUT" | grep -qF -- "$2"; then
		pass "$1"
	else
		fail "$1: output lacks '$2'"
		printf '%s\n' "$OUT" | sed 's/^/    /'
	fi
}

# running PID: the process exists and is no zombie (an init that is slow
# to reap orphans must not make a stopped process look alive).
running() {
	[ -r /proc/$1/stat ] || return 1
	[ "$(sed 's/.*) \(.\).*/\1/' /proc/$1/stat)" != Z ]
}

# leftovers: pt- namespaces and links on the machine, one per line.
leftovers() {
	{ ip netns list 2>/dev/null | awk '{print "netns " $1}'
	  ip -o link 2>/dev/null | awk -F': ' '{print "link " $2}'; } |
		grep -E ' pt-' | grep -v -- "${1:-^$}"
}

# run_dir: the newest run directory under $res (not its bundle beside it).
run_dir() {
	local d
	d=$(ls -d "$res"/*-*-*-*/ 2>/dev/null | tail -n 1)
	echo "${d%/}"
}

# stat_ok NAME FILE DS AWK-CONDITION: the condition holds for
# "samples min median max first last" of the data source (rrd_fetch_r).
stat_ok() {
	local s
	s=$(build/tests/tools/rrd_stat "$2" "$3" 2>&1)
	if echo "$s" | awk "{ exit !($4) }"; then pass "$1 ($s)"; else fail "$1: $3 = $s"; fi
}
