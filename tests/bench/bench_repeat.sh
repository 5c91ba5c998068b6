#!/usr/bin/env bash
# `make bench`: do the figures repeat?  PT_REPEAT_RUNS (default 5) back to
# back NDR/PDR searches (THROUGHPUT_SEARCH=ndr, MLRsearch) of
# basic_topology with one flow, and PT_REPEAT_DIRECT_RUNS (default 3) on
# direct, which must come out as the generator's, never an NDR.  Prints
# each run's figures and time, and the spread (max - min over median; figures the generator bounded left out) of
# NDR and PDR; writes build/bench/repeat.json.  Figures, not pass/fail.
# Targets (issue 14): spread <= 5 % over 5 runs, each run <= 90 s.
#
# PT_REPEAT_OPTS adds -o settings to every run, after ours (default: a
# 7 s duration sum and a 1 % width: with CSIT's 21 s and 0.5 % one search
# here took 354 s); PT_REPEAT_PLACEMENT="auto none" runs the
# basic_topology set once per SUT/injector/receiver placement, to see what
# pinning does here.
#
# PT_REPEAT_ATTACHED_RUNS (default 0) more basic_topology runs on ONE
# ovs-vswitchd started once (--sut ovs-rundir:, pinned where SUT_CPUS
# "auto" puts a SUT, and named as that list so SUT_RPS applies),
# placement "one-ovs": against the fresh-OVS set it tells the harness's
# own repeatability (one instance) from the spread between instances.  Not
# by default: an OVS attached to keeps the host's socket buffer
# (SUT_RCVBUF_KB sizes only a SUT the run started), so its figures are of
# another configuration.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
runs=${PT_REPEAT_RUNS:-5}
direct_runs=${PT_REPEAT_DIRECT_RUNS:-3}
placements=${PT_REPEAT_PLACEMENT:-auto}
attached_runs=${PT_REPEAT_ATTACHED_RUNS:-0}
out=${PT_REPEAT_JSON:-build/bench/repeat.json}
tmp=$(mktemp -d /tmp/pt-bench-repeat-XXXXXX)
vs_pid= db_pid=
trap '[ -n "$vs_pid" ] && ovs_lab_stop; rm -rf "$tmp"' EXIT
mkdir -p "$(dirname "$out")"
if [ "$(id -u)" -ne 0 ]; then
	echo "bench_repeat: needs root (namespaces); skipped"
	exit 0
fi

common="-o THROUGHPUT_SEARCH=ndr -o FLOW_PATTERN=single -o LONG_RUNNING_SCAN_ITERATIONS=0 -o LATENCY_LOADS= -o WARMUP_PACKETS=1000 -o WARMUP_RATE=1000 -o COLLECTORS= -o THROUGHPUT_MAX_SCAN_RATE=1000000"
opts=${PT_REPEAT_OPTS--o SEARCH_DURATION_SUM=7 -o SEARCH_WIDTH=1}
: >"$tmp/rows"
# one TOPOLOGY PLACEMENT I [OPTIONS]: one run; appends a JSON row to
# $tmp/rows.  PLACEMENT one-ovs is auto on the OVS of ovs_lab_start.
one() {
	local topo=$1 place=$2 i=$3 start end dir cpus=$2
	shift 3
	[ "$place" = one-ovs ] && cpus=auto
	start=$(date +%s.%N)
	./perftests --no-post -d "$tmp/res" $common -o "SUT_CPUS=$cpus" \
		-o "INJECTOR_CPUS=$cpus" -o "RECEIVER_CPUS=$cpus" \
		$opts "$@" "$topo" >"$tmp/run.out" 2>&1
	local rc=$?
	end=$(date +%s.%N)
	dir=$(ls -td "$tmp"/res/*-*-*-*/ 2>/dev/null | head -n 1)
	python3 - "$dir/summary.json" "$topo" "$place" "$i" "$rc" "$start" "$end" >>"$tmp/rows" <<'PY'
import json, sys
path, topo, place, i, rc, start, end = sys.argv[1:]
try:
    r = json.load(open(path))["result"]
except Exception:
    r = {}
j = r.get("host_jitter") or {}
x = r.get("cross_cpu") or {}
b = lambda k: r.get(k) or {}
print(json.dumps({"topology": topo, "placement": place, "run": int(i),
    "exit": int(rc), "seconds": round(float(end) - float(start), 1),
    "ndr_pps": b("ndr").get("rate_pps"), "pdr_pps": b("pdr").get("rate_pps"),
    "ndr_bounds": [b("ndr").get("lower_bound_pps"), b("ndr").get("upper_bound_pps")],
    "pdr_bounds": [b("pdr").get("lower_bound_pps"), b("pdr").get("upper_bound_pps")],
    "generator_limited": bool(b("ndr").get("generator_limited")),
    "pdr_generator_limited": bool(b("pdr").get("generator_limited")),
    "stalls_over_1ms_per_s": j.get("over_1ms_per_s"),
    "longest_stall_ms": j.get("longest_ms"),
    "cross_cpu_p50_ns": x.get("p50_ns"), "cross_cpu_moved": x.get("moved"),
    "limit": b("ndr").get("limit", "")}))
PY
	tail -n 1 "$tmp/rows" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("%-15s %-5s run %d: NDR %s%s PDR %s%s, %.0f s, exit %d; host stalls > 1 ms: %s/s, longest %s ms; cross-CPU round trip %s ns%s" % (r["topology"], r["placement"], r["run"], r["ndr_pps"] and round(r["ndr_pps"]), " (generator-limited)" if r["generator_limited"] else "", r["pdr_pps"] and round(r["pdr_pps"]), " (generator-limited)" if r.get("pdr_generator_limited") else "", r["seconds"], r["exit"], "-" if r["stalls_over_1ms_per_s"] is None else "%.0f" % r["stalls_over_1ms_per_s"], "-" if r["longest_stall_ms"] is None else "%.1f" % r["longest_stall_ms"], "-" if r["cross_cpu_p50_ns"] is None else r["cross_cpu_p50_ns"], " (moved)" if r["cross_cpu_moved"] else ""))'
	rm -rf "$tmp/res"
}

for place in $placements; do
	for i in $(seq "$runs"); do one basic_topology "$place" "$i"; done
done
if [ "$attached_runs" -gt 0 ]; then
	# Where SUT_CPUS=auto puts a SUT (run/placement.c): CPU 1 of 2,
	# 2..n-1 of more, anywhere on one.
	n=$(nproc); sut_cpus=
	[ "$n" -eq 2 ] && sut_cpus=1
	[ "$n" -gt 2 ] && sut_cpus=2-$((n - 1))
	ovs_lab_start "$tmp/ovs" "$sut_cpus"
	for i in $(seq "$attached_runs"); do
		one basic_topology one-ovs "$i" --sut "ovs-rundir:$tmp/ovs" \
			${sut_cpus:+-o SUT_CPUS=$sut_cpus}
	done
	ovs_lab_stop
	vs_pid= db_pid=
fi
for i in $(seq "$direct_runs"); do one direct auto "$i"; done

python3 - "$tmp/rows" "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def spread(v):
    v = [x for x in v if x]
    if len(v) < 2: return None
    return 100 * (max(v) - min(v)) / statistics.median(v)
sets = {}
for r in rows:
    sets.setdefault((r["topology"], r["placement"]), []).append(r)
summary = []
print("\n%-15s %-5s %4s %10s %8s %10s %8s %8s %8s" % ("topology", "place",
      "runs", "NDR med", "spread", "PDR med", "spread", "max s",
      "limited (NDR PDR)"))
for (topo, place), rs in sets.items():
    # A figure the generator bounded is "at least X": its spread is the
    # generator's, so the spreads are of the datapath's figures only.
    nd = [r["ndr_pps"] for r in rs if not r["generator_limited"]]
    pd = [r["pdr_pps"] for r in rs if not r["pdr_generator_limited"]]
    if not nd: nd = [r["ndr_pps"] for r in rs]
    if not pd: pd = [r["pdr_pps"] for r in rs]
    s = {"topology": topo, "placement": place, "runs": len(rs),
         "ndr_median": statistics.median([x or 0 for x in nd]),
         "ndr_spread_pct": spread(nd),
         "pdr_median": statistics.median([x or 0 for x in pd]),
         "pdr_spread_pct": spread(pd),
         "seconds_max": max(r["seconds"] for r in rs),
         "seconds_median": statistics.median([r["seconds"] for r in rs]),
         "generator_limited": sum(r["generator_limited"] for r in rs),
         "pdr_generator_limited": sum(r["pdr_generator_limited"] for r in rs)}
    summary.append(s)
    fmt = lambda x: "-" if x is None else "%.1f %%" % x
    print("%-15s %-5s %4d %10.0f %8s %10.0f %8s %8.0f %5d/%d %d/%d" % (topo,
          place, len(rs), s["ndr_median"], fmt(s["ndr_spread_pct"]),
          s["pdr_median"], fmt(s["pdr_spread_pct"]), s["seconds_max"],
          s["generator_limited"], len(rs), s["pdr_generator_limited"],
          len(rs)))
json.dump({"runs": rows, "summary": summary}, open(sys.argv[2], "w"), indent=2)
print("\nwritten:", sys.argv[2])
PY
