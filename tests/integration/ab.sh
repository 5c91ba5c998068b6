#!/usr/bin/env bash
# perftests ab end to end (root), on a datapath of known capacity (the
# OpenFlow meter of tests/topologies/metered_bridge.sh): the default OVS on
# both sides through the same meter says "no significant difference" and
# exits 0; B's runs given half the meter rate (--b-env PT_METER_PPS) say
# "B slower", fail the gate (exit 1, a JUnit failure) and mark the page.
# Each run is in the history, in a series of its own per side.  Then the
# usage errors, each naming its option (exit 2).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-ab-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
res=$tmp/results
before=$(leftovers)
opts="-p ci -d $res --no-post -o AB_ROUNDS=2 $METERED_OPTS"

# ab_dir: the newest A/B report directory under $res.
ab_dir() {
	local d
	d=$(ls -d "$res"/ab-*/ 2>/dev/null | tail -n 1)
	echo "${d%/}"
}

# ab QUERY: a Python expression on the newest A/B's summary.json (s, and
# m(name): that metric).
ab() {
	python3 - "$(ab_dir)/summary.json" "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
m = lambda name: next(x for x in s["ab"]["metrics"] if x["name"] == name)
ok = eval(sys.argv[2], {"s": s, "m": m})
if not ok: print("    ", json.dumps(s["ab"]["metrics"])[:1500])
sys.exit(0 if ok else 1)
PY
}

t0=$(date +%s)
PT_METER_PPS=20000 run_pt 0 ab --a default --b default $opts tests/topologies/metered_bridge.sh
has "identical: ndr_pps says no significant difference" "no significant difference"
check "identical: ndr_pps and pdr_pps are no significant difference" \
	ab 'all(m(n)["outcome"] == "no significant difference" for n in ("ndr_pps", "pdr_pps"))'
check "identical: two runs a side, in the order A B B A" \
	ab '[r["side"] for r in s["ab"]["runs"]] == ["A", "B", "B", "A"] and m("ndr_pps")["a"]["n"] == 2 == m("ndr_pps")["b"]["n"] and all(r["seconds"] > 1 for r in s["ab"]["runs"])'
check "identical: medians at the meter, an interval around 0" \
	ab '18000 < m("ndr_pps")["a"]["median"] < 21000 and m("ndr_pps")["ci_low_pct"] <= 0 <= m("ndr_pps")["ci_high_pct"]'
echo "    identical SUTs: $(python3 -c '
import json, sys
for x in json.load(open(sys.argv[1]))["ab"]["metrics"]: print(x["name"], x["verdict"], end="; ")
' "$(ab_dir)/summary.json") ($(( $(date +%s) - t0 )) s for 2 rounds)"
check "identical: JUnit has a testcase per metric, no failure" python3 -c '
import sys, xml.etree.ElementTree as ET
cases = list(ET.parse(sys.argv[1]).iter("testcase"))
sys.exit(0 if {c.get("name") for c in cases} >= {"ndr_pps", "pdr_pps"} and not any(c.find("failure") is not None for c in cases) else 1)
' "$(ab_dir)/junit.xml"
check "identical: the page has both sides' graphs side by side" sh -c '
grep -q "<h1>PASS: A/B of" "$1/index.html" && grep -q "src=\"a/throughput.png\"" "$1/index.html" &&
grep -q "src=\"b/throughput.png\"" "$1/index.html" && head -c 8 "$1/b/throughput.png" | od -An -c | grep -q "P   N   G"' _ "$(ab_dir)"
check "identical: every run's metadata.json carries its side and round" python3 -c '
import json, sys, os
res, runs = sys.argv[1], json.load(open(sys.argv[2]))["ab"]["runs"]
ab = [json.load(open(os.path.join(res, r["dir"], "metadata.json")))["ab"] for r in runs]
sys.exit(0 if [(a["side"], a["round"]) for a in ab] == [("A", 1), ("B", 1), ("B", 2), ("A", 2)] else 1)
' "$res" "$(ab_dir)/summary.json"

t0=$(date +%s)
PT_METER_PPS=20000 run_pt 1 ab --a default --b default --b-env PT_METER_PPS=10000 $opts tests/topologies/metered_bridge.sh
has "half rate on B: the log says B slower" "B slower by"
check "half rate on B: ndr_pps B slower by about half, gated" \
	ab 'm("ndr_pps")["outcome"] == "B worse" and -60 < m("ndr_pps")["change_pct"] < -40 and m("ndr_pps")["gate_failed"] and m("ndr_pps")["verdict"].startswith("B slower by")'
check "half rate on B: A's runs kept the full rate" \
	ab '18000 < m("ndr_pps")["a"]["median"] < 21000 and 9000 < m("ndr_pps")["b"]["median"] < 10500'
echo "    half rate on B: $(python3 -c '
import json, sys
print(next(x["verdict"] for x in json.load(open(sys.argv[1]))["ab"]["metrics"] if x["name"] == "ndr_pps"))
' "$(ab_dir)/summary.json") ($(( $(date +%s) - t0 )) s for 2 rounds)"
check "half rate on B: a JUnit failure names ndr_pps" python3 -c '
import sys, xml.etree.ElementTree as ET
bad = [c for c in ET.parse(sys.argv[1]).iter("testcase") if c.get("name") == "ndr_pps" and c.find("failure") is not None]
sys.exit(0 if bad and "B slower" in bad[0].find("failure").get("message") else 1)
' "$(ab_dir)/junit.xml"
check "half rate on B: the page is FAIL with ndr_pps red" sh -c '
grep -q "<h1>FAIL: A/B of" "$1/index.html" && grep -q "<tr class=bad><td class=l>ndr_pps" "$1/index.html"' _ "$(ab_dir)"

check "history: all 8 runs, each side a series of its own, not the plain one" python3 -c '
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("select series from runs").fetchall()
sides = sorted(r[0].rsplit(" ", 1)[1] for r in rows)
sys.exit(0 if sides == ["ab=A"] * 4 + ["ab=B"] * 4 else 1)
' "$res/history.db"

run_pt 2 ab --b default $opts basic_topology
has "no --a: named" "--a SPEC is missing"
run_pt 2 ab --a default --b ovs-rundir: $opts basic_topology
has "a bad --b: named, with what is expected" "--b 'ovs-rundir:': --sut ovs-rundir:: expected"
run_pt 2 ab --a default --b default --a-env FRAME_SIZE=64 $opts basic_topology
has "a setting in --a-env: refused" "FRAME_SIZE is a setting"
run_pt 2 ab --a default --b default $opts -o AB_ROUNDS=1 basic_topology
has "AB_ROUNDS=1: refused with the key" "AB_ROUNDS"

check "nothing left behind" test -z "$(leftovers "$before")"
