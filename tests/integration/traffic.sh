#!/usr/bin/env bash
# The traffic engine end to end (root): ci-profile runs on direct and on
# basic_topology, checked through trials.csv.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-traffic-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
res=$tmp/results
before=$(leftovers)

# csv FILE PYTHON-EXPR: evaluates EXPR with rows = list of dicts.
csv() {
	python3 - "$1" "$2" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
f = lambda r, k: float(r[k])
ok = eval(sys.argv[2], {"rows": rows, "f": f})
if not ok:
    for r in rows: print("   ", {k: r[k] for k in ("phase","step","rate","sent","received","lost","lat_p50_us","tx_rate","note")})
sys.exit(0 if ok else 1)
PY
}

for topo in direct basic_topology; do
	rm -rf "$res"
	run_pt 0 -p ci -d "$res" "$topo"
	t=$(run_dir)/trials.csv
	check "$topo: trials.csv exists" test -s "$t"
	check "$topo: every phase has rows" csv "$t" \
		'{r["phase"] for r in rows} == {"warm_up", "test_throughput", "long_running_tests"}'
	check "$topo: the steps follow the ci profile" csv "$t" \
		'[f(r,"rate") for r in rows if r["phase"] == "test_throughput"] == [2000, 6000, 10000]'
	check "$topo: latency p50 > 0 and < 10 ms" csv "$t" \
		'all(0 < f(r,"lat_p50_us") < 10000 for r in rows if f(r,"received") > 0)'
	check "$topo: every trial sent all its frames" csv "$t" \
		'all(r["sent"] == r["offered"] for r in rows)'
	has "$topo: final table" "highest loss-free rate"
	left=$(leftovers)
	if [ "$left" = "$before" ]; then pass "$topo: nothing pt- left"; else fail "$topo: left behind: $left"; fi
done

# direct at a low rate: no loss, and the receiver counts exactly what was
# sent at 1000 pps (no duplicates, nothing from elsewhere).
rm -rf "$res"
run_pt 0 -p ci -d "$res" -o WARMUP_PACKETS=0 -o THROUGHPUT_SCAN_START_RATE=1000 \
	-o THROUGHPUT_MAX_SCAN_RATE=1000 -o THROUGHPUT_SCAN_BURST=2000 \
	-o LONG_RUNNING_SCAN_ITERATIONS=0 -o FLOW_PATTERN=single direct
t=$(run_dir)/trials.csv
check "direct 1000 pps: one trial" csv "$t" 'len(rows) == 1'
check "direct 1000 pps: received == sent == 2000, no loss" csv "$t" \
	'all(r["received"] == r["sent"] == "2000" and r["lost"] == "0" and r["duplicates"] == "0" for r in rows)'
check "direct 1000 pps: rate within 1 %" csv "$t" \
	'all(abs(f(r,"tx_rate") - 1000) <= 10 for r in rows)'

# The NDR/PDR search on direct: it finds rates and says which trial decided.
rm -rf "$res"
run_pt 0 -p ci -d "$res" -o THROUGHPUT_SEARCH=ndr -o THROUGHPUT_MAX_SCAN_RATE=20000 \
	-o SEARCH_TRIAL_DURATION=0.3 -o SEARCH_FINAL_DURATION=0.5 -o SEARCH_MAX_TRIALS=8 \
	-o WARMUP_PACKETS=0 -o LONG_RUNNING_SCAN_ITERATIONS=0 direct
has "ndr: NDR and PDR reported" "NDR "
check "ndr: trials recorded" csv "$(run_dir)/trials.csv" 'len(rows) >= 1'

# Bad traffic settings: exit 2 with the key and the allowed values.
run_pt 2 --dry-run -o FLOW_PATTERN=burst direct
has "bad FLOW_PATTERN" "FLOW_PATTERN: expected single, scan or flows:N"
run_pt 2 --dry-run -o FRAME_SIZE=40 direct
has "bad FRAME_SIZE" "FRAME_SIZE: 40 is out of range: expected 60 to 1514"
run_pt 2 --dry-run -o PROTOCOL=tcp -o FRAME_SIZE=64 direct
has "FRAME_SIZE too small for tcp" "FRAME_SIZE: 64 is too small for PROTOCOL tcp: expected 72 to 1514"
