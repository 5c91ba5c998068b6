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

# summary QUERY: evaluates a Python expression on the run's summary.json
# (as s); fails and prints it when false.
summary() {
	python3 - "$(run_dir)/summary.json" "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2], {"s": s})
if not ok: print("    ", json.dumps(s["result"])[:600])
sys.exit(0 if ok else 1)
PY
}

# meta QUERY: a Python expression on the run's metadata.json (as m).
meta() {
	python3 - "$(run_dir)/metadata.json" "$1" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2], {"m": m})
if not ok: print("    ", json.dumps({k: m.get(k) for k in ("cpu_placement", "host_jitter")}))
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
	# RECEIVER_RPS (default yes): the destination's receive processing
	# runs where the receiver does, said in the metadata and the log.
	check "$topo: receive processing steered to the receiver's CPUs" meta \
		'm["cpu_placement"]["receiver_rps"] == (m["cpu_placement"]["receiver"] if m["cpu_placement"]["receiver"] != "none" else "none")'
	[ "$(nproc)" -gt 1 ] && has "$topo: RECEIVER_RPS in the log" "(the receiver's)"
	# SUT_RPS (default yes): the datapath's receiving on the SUT's CPUs;
	# direct has no datapath, so nothing is steered there.
	check "$topo: the datapath's receive processing on the SUT's CPUs" meta \
		'm["cpu_placement"]["sut_rps"] == (m["cpu_placement"]["sut"] if m["cpu_placement"]["sut"] != "none" and "'"$topo"'" != "direct" else "none")'
	[ "$(nproc)" -gt 1 ] && [ "$topo" = basic_topology ] && has "$topo: SUT_RPS in the log" "SUT_RPS: pt-sb-"
	# JITTER_PROBE (0.2 s in the ci profile): the host's stalls on the
	# CPUs the SUT may use, in the metadata, the summary and the log.
	check "$topo: host stalls measured on the SUT's CPUs" meta \
		'm["host_jitter"]["seconds"] == 0.2 and all(c["seconds"] >= 0.2 and 0 <= c["lost_pct"] <= 100 for c in m["host_jitter"]["cpus"])'
	check "$topo: host stalls in summary.json" summary '"over_1ms_per_s" in s["result"]["host_jitter"]'
	has "$topo: host stalls in the log" "host stalls on CPU"
	# SUT_RCVBUF_KB (2048 by default): the private OVS's packet sockets,
	# one per port, sized; the size is the kernel's, read back.
	[ "$topo" = basic_topology ] && check "$topo: the SUT's packet sockets sized" meta \
		'm["sut_rcvbuf"] == {"source": "SUT_RCVBUF_KB", "bytes": 2048 * 1024, "sockets": m["sut_rcvbuf"]["sockets"]} and m["sut_rcvbuf"]["sockets"] >= 2'
	[ "$topo" = basic_topology ] && has "$topo: SUT_RCVBUF_KB in the log" "packet sockets of the SUT with a 2048 KiB receive buffer"
	# direct's SUT is the kernel (no process): nothing to size, and not
	# called an attached SUT either.
	[ "$topo" = direct ] && check "direct: SUT_RCVBUF_KB says nothing of an attached SUT" \
		sh -c '! printf "%s\n" "$1" | grep -q "SUT_RCVBUF_KB"' _ "$OUT"
	# CROSS_CPU_PROBE (yes): before every trial, a cache line's round
	# trip between the injector's CPU and the SUT's, where both are
	# each pinned to one CPU, apart (basic_topology on 2 or 3 cores: from
	# 4 up the SUT gets several); direct has no SUT CPU.
	if [ "$topo" = basic_topology ] && [ "$(nproc)" -gt 1 ] && [ "$(nproc)" -lt 4 ]; then
		# A probe whose partner thread never got the SUT's CPU has no
		# figure (an empty field), never a wrong one.
		check "$topo: the trials have their cross-CPU round trips" csv "$t" \
			'all(5 < f(r,"cross_cpu_ns") < 1e5 for r in rows if r["cross_cpu_ns"]) and 2 * sum(r["cross_cpu_ns"] != "" for r in rows) >= len(rows)'
		n_probed=$(python3 -c 'import csv,sys; print(sum(r["cross_cpu_ns"] != "" for r in csv.DictReader(open(sys.argv[1]))))' "$t")
		check "$topo: cross_cpu in the metadata, over the probed trials" meta \
			'(x := m["result"]["cross_cpu"])["cpus"] == [int(m["cpu_placement"]["injector"]), int(m["cpu_placement"]["sut"])] and x["trials"] == '"$n_probed"' and x["trials"] + x["failed"] == m["result"]["trials"] and x["min_ns"] <= x["p50_ns"] <= x["max_ns"] and x["moved"] == (x["max_ns"] >= 2 * x["min_ns"])'
		check "$topo: and in summary.json" summary \
			's["result"]["cross_cpu"]["p50_ns"] > 5'
		has "$topo: CROSS_CPU_PROBE in the log" "CROSS_CPU_PROBE: a cache line's round trip between CPU"
		has "$topo: the round trips in the final table" "cross-CPU round trip, CPU"
		check "$topo: the round trips on the page" \
			grep -q "a cache line&#39;s round trip, injector&#39;s CPU to SUT&#39;s\|a cache line's round trip, injector's CPU to SUT's" "$(run_dir)/index.html"
	else
		check "$topo: no cross-CPU probe without a SUT CPU" csv "$t" \
			'all(r["cross_cpu_ns"] == "" for r in rows)'
		check "$topo: no cross_cpu in summary.json" summary '"cross_cpu" not in s["result"]'
	fi
	left=$(leftovers)
	if [ "$left" = "$before" ]; then pass "$topo: nothing pt- left"; else fail "$topo: left behind: $left"; fi
done

# direct at a low rate: no loss, and the receiver counts exactly what was
# sent at 1000 pps (no duplicates, nothing from elsewhere).
rm -rf "$res"
run_pt 0 -p ci -d "$res" -o WARMUP_PACKETS=0 -o THROUGHPUT_SCAN_START_RATE=1000 \
	-o THROUGHPUT_MAX_SCAN_RATE=1000 -o THROUGHPUT_SCAN_BURST=2000 \
	-o LONG_RUNNING_SCAN_ITERATIONS=0 -o FLOW_PATTERN=single -o RECEIVER_RPS=no \
	-o SUT_RCVBUF_KB=0 direct
t=$(run_dir)/trials.csv
check "direct 1000 pps: one trial" csv "$t" 'len(rows) == 1'
check "RECEIVER_RPS=no: not steered" meta 'm["cpu_placement"]["receiver_rps"] == "none"'
check "SUT_RCVBUF_KB=0: the host's buffer, said" meta \
	'm["sut_rcvbuf"] == {"source": "net.core.rmem_default", "bytes": int(open("/proc/sys/net/core/rmem_default").read()), "sockets": 0}'
check "direct 1000 pps: received == sent == 2000, no loss" csv "$t" \
	'all(r["received"] == r["sent"] == "2000" and r["lost"] == "0" and r["duplicates"] == "0" for r in rows)'
check "direct 1000 pps: rate within 1 %" csv "$t" \
	'all(abs(f(r,"tx_rate") - 1000) <= 10 for r in rows)'


# Short MLRsearch settings: half-second trials, a load decided by 2 s.
quick_ndr="-o THROUGHPUT_SEARCH=ndr -o SEARCH_TRIAL_DURATION=0.5 -o SEARCH_FINAL_DURATION=0.5 -o SEARCH_DURATION_SUM=2 -o WARMUP_PACKETS=0 -o LONG_RUNNING_SCAN_ITERATIONS=0 -o FLOW_PATTERN=single"

# The search on direct: no datapath, so every figure is the generator's,
# said so; latency under load at every LATENCY_LOADS.
rm -rf "$res"
run_pt 0 -p ci -d "$res" $quick_ndr -o THROUGHPUT_MAX_SCAN_RATE=20000 \
	-o LATENCY_LOADS=0,10,50,90 direct
has "ndr on direct: limited by the generator" "limited by the generator"
check "ndr on direct: NDR and PDR generator-limited in summary.json" summary \
	's["result"]["ndr"]["generator_limited"] and s["result"]["pdr"]["generator_limited"]'
check "ndr on direct: latency_at_load has every load" summary \
	'[p["load_pct"] for p in s["result"]["latency_at_load"]] == [0, 10, 50, 90] and all(p["p99_us"] > 0 for p in s["result"]["latency_at_load"])'
check "ndr on direct: latency trials in trials.csv" csv "$(run_dir)/trials.csv" \
	'sum(r["phase"] == "latency" for r in rows) == 4'
check "ndr on direct: junit skips the generator's NDR" \
	grep -q '<skipped message="≥ ' "$(run_dir)/junit.xml"
check "ndr on direct: the page says it" \
	grep -q 'limited by the generator' "$(run_dir)/index.html"

# A datapath of known capacity: an OpenFlow meter at 20000 pps.  The NDR
# lands within 2 % of it and is the datapath's, not the generator's.
rm -rf "$res"
OUT=$(PT_METER_PPS=20000 "$PT" -p ci -d "$res" $quick_ndr \
	-o THROUGHPUT_MAX_SCAN_RATE=60000 -o LATENCY_LOADS= -o COLLECTORS= \
	-o SUT_RPS=no -o CROSS_CPU_PROBE=no tests/topologies/metered_bridge.sh 2>&1)
check "metered 20000 pps: the run passes" test $? -eq 0
check "SUT_RPS=no: not steered" meta 'm["cpu_placement"]["sut_rps"] == "none"'
check "CROSS_CPU_PROBE=no: no round trips" csv "$(run_dir)/trials.csv" \
	'all(r["cross_cpu_ns"] == "" for r in rows)'
check "CROSS_CPU_PROBE=no: no cross_cpu in summary.json" summary '"cross_cpu" not in s["result"]'
check "metered 20000 pps: NDR within 2 %" summary \
	'abs(s["result"]["ndr"]["rate_pps"] - 20000) <= 400 and not s["result"]["ndr"]["generator_limited"]'
check "metered 20000 pps: bounds around the meter" summary \
	's["result"]["ndr"]["lower_bound_pps"] <= 20400 and s["result"]["ndr"]["upper_bound_pps"] >= 19600'

# perftests calibrate keeps the harness's ceiling per host; a later run
# reads it, and a figure within 10 % of it is the generator's.
rm -rf "$res"
host=$(hostname -s)
run_pt 0 calibrate -d "$res" --no-post -o SEARCH_TRIAL_DURATION=0.5 \
	-o SEARCH_FINAL_DURATION=0.5 -o SEARCH_DURATION_SUM=1 \
	-o THROUGHPUT_MAX_SCAN_RATE=30000 -o COLLECTORS= -o WARMUP_PACKETS=0
check "calibrate: the cache names the host, a date and a ceiling" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
sys.exit(0 if c["host"] == sys.argv[2] and c["ceiling_pps"] > 0 and c["date"] else 1)
' "$res/.calibration/$host.json" "$host"
# A ceiling just above the meter: the meter's NDR is now within 10 % of it
# (METERED_QUICK is precise enough for that).
python3 -c '
import json, sys
p = sys.argv[1]; c = json.load(open(p)); c["ceiling_pps"] = 21000
json.dump(c, open(p, "w"))' "$res/.calibration/$host.json"
OUT=$(PT_METER_PPS=20000 "$PT" -p ci -d "$res" $METERED_QUICK tests/topologies/metered_bridge.sh 2>&1)
has "calibrated: the run reads the ceiling" "the harness's own ceiling on $host: 21000 pps"
check "calibrated: a figure near the ceiling is the generator's" summary \
	's["result"]["ndr"]["generator_limited"] and "within 10 %" in s["result"]["ndr"]["limit"]'
echo '{"host": "x", "ceiling_pps": "fast"' >"$res/.calibration/$host.json"
run_pt 0 -p ci -d "$res" -o WARMUP_PACKETS=0 -o LONG_RUNNING_SCAN_ITERATIONS=0 \
	-o THROUGHPUT_MAX_SCAN_RATE=2000 -o COLLECTORS= direct
has "a corrupt calibration is named and ignored" "calibration ignored: $res/.calibration/$host.json:2:0: '}' expected"

# Bad traffic settings: exit 2 with the key and the allowed values.
run_pt 2 --dry-run -o RECEIVER_RPS=maybe direct
has "RECEIVER_RPS=maybe: exit 2 naming it" "RECEIVER_RPS"
run_pt 2 --dry-run -o SUT_RCVBUF_KB=-1 direct
has "SUT_RCVBUF_KB=-1: exit 2 naming it" "SUT_RCVBUF_KB"
run_pt 2 --dry-run -o SUT_RPS=1 direct
has "SUT_RPS=1: exit 2 naming it" "SUT_RPS"
run_pt 2 --dry-run -o CROSS_CPU_PROBE=sometimes direct
has "CROSS_CPU_PROBE=sometimes: exit 2 naming it" "CROSS_CPU_PROBE"
run_pt 2 --dry-run -o FLOW_PATTERN=burst direct
has "bad FLOW_PATTERN" "FLOW_PATTERN: expected single, scan or flows:N"
run_pt 2 --dry-run -o FRAME_SIZE=40 direct
has "bad FRAME_SIZE" "FRAME_SIZE: 40 is out of range: expected 60 to 1514"
run_pt 2 --dry-run -o PROTOCOL=tcp -o FRAME_SIZE=64 direct
has "FRAME_SIZE too small for tcp" "FRAME_SIZE: 64 is too small for PROTOCOL tcp: expected 72 to 1514"
