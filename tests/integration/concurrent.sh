#!/usr/bin/env bash
# Two runs at once on one host (root, issue 16 item 7): the host lock makes
# them one after the other, each with its own results folder, and neither
# removes anything of the other; the second says which run it waited for.
# With --no-wait, a run that finds the lock held exits 3 naming the holder.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-concurrent-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
before=$(leftovers)
# A lock of the test's own: runs of other checkouts on this host (which
# hold /run/perftests.lock) must not decide who goes first here.
export PERFTESTS_LOCK=$tmp/perftests.lock
opts="-p ci --no-post -o THROUGHPUT_SEARCH=ndr -o SEARCH_TRIAL_DURATION=0.5 -o SEARCH_FINAL_DURATION=0.5 -o SEARCH_DURATION_SUM=2 -o WARMUP_PACKETS=0 -o LONG_RUNNING_SCAN_ITERATIONS=0 -o FLOW_PATTERN=single -o THROUGHPUT_MAX_SCAN_RATE=20000 -o LATENCY_LOADS= -o COLLECTORS="

# trial_span DIR: "first-start last-end" of the trials in DIR/trials.csv.
trial_span() {
	python3 - "$1/trials.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(min(float(r["start_time"]) for r in rows),
      max(float(r["end_time"]) for r in rows))
PY
}

# newest DIR: the run directory under results folder DIR.
newest() { res=$1 run_dir; }

# Two runs started together.
"$PT" $opts -d "$tmp/a" direct >"$tmp/a.out" 2>&1 & pa=$!
"$PT" $opts -d "$tmp/b" direct >"$tmp/b.out" 2>&1 & pb=$!
wait "$pa"; ra=$?
wait "$pb"; rb=$?
check "two at once: the first exits 0 (got $ra)" test "$ra" -eq 0
check "two at once: the second exits 0 (got $rb)" test "$rb" -eq 0

# Which one waited: exactly one of them, and it names the other.
if grep -q "waiting for the run that holds" "$tmp/a.out"; then
	first=b second=a first_pid=$pb
else
	first=a second=b first_pid=$pa
fi
check "two at once: exactly one waited" test "$(cat "$tmp/a.out" "$tmp/b.out" |
	grep -c "waiting for the run that holds")" -eq 1
d1=$(newest "$tmp/$first") d2=$(newest "$tmp/$second")
OUT=$(cat "$tmp/$second.out")
has "two at once: the second names the run it waited for" \
	"waiting for the run that holds $PERFTESTS_LOCK: run $(basename "$d1") (pid $first_pid, "
check "two at once: the first's trials all end before the second's begin" \
	python3 -c 'import sys; a = sys.argv[1].split(); b = sys.argv[2].split()
sys.exit(0 if float(a[1]) <= float(b[0]) else 1)' "$(trial_span "$d1")" "$(trial_span "$d2")"
for w in "$first" "$second"; do
	d=$(newest "$tmp/$w")
	check "two at once, $w: probes crossed" grep -q "connectivity: 10 of 10 probes" "$tmp/$w.out"
	check "two at once, $w: summary.json written" test -s "$d/summary.json"
	check "two at once, $w: its ledger is gone, after its own teardown" \
		test -z "$(ls -A "$tmp/$w/.ledger")"
done
# The first's results are untouched by the second's cleanup.
check "two at once: the first's run dir is whole" sh -c \
	"test -s '$d1/trials.csv' && test -s '$d1/metadata.json' && test -s '$d1/index.html'"
left=$(leftovers)
if [ "$left" = "$before" ]; then pass "two at once: nothing pt- left"; else fail "two at once left: $left"; fi

# --no-wait while a run holds the lock: exit 3, naming it.
"$PT" $opts -d "$tmp/c" direct >"$tmp/c.out" 2>&1 & pc=$!
for _ in $(seq 200); do grep -qs "pid $pc," "$PERFTESTS_LOCK" && break; sleep 0.05; done
check "--no-wait: the holder took the lock" grep -qs "pid $pc," "$PERFTESTS_LOCK"
run_pt 3 $opts --no-wait -d "$tmp/d" direct
has "--no-wait: names the holder" "another run holds $PERFTESTS_LOCK: run "
has "--no-wait: names the holder's pid" "(pid $pc, "
wait "$pc"; rc=$?
check "--no-wait: the holder still finished with exit 0 (got $rc)" test "$rc" -eq 0
check "--no-wait: the holder's run made its summary" test -s "$(newest "$tmp/c")/summary.json"
left=$(leftovers)
if [ "$left" = "$before" ]; then pass "--no-wait: nothing pt- left"; else fail "--no-wait left: $left"; fi
