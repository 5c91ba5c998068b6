#!/usr/bin/env bash
# History and regression verdicts end to end (root), on a datapath of known
# capacity: runs of an OpenFlow meter at 20000 pps, then one at half the
# rate with the same topology and settings, which must exit 1 with a JUnit
# failure naming the NDR; the commands on that history, and imports of
# its bundles and of bad input; then a corrupt history, named, with the
# run still made and bundled.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-history-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
res=$tmp/results
before=$(leftovers)
opts="-p ci -d $res --no-post $METERED_QUICK -o REGRESSION_MIN_RUNS=3"

# metered RATE: one run through the meter; exit code in $RC.
metered() {
	OUT=$(PT_METER_PPS=$1 "$PT" $opts tests/topologies/metered_bridge.sh 2>&1)
	RC=$?
}

# summary QUERY: a Python expression on the newest run's summary.json (s).
summary() {
	python3 - "$(run_dir)/summary.json" "$1" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2], {"s": s})
if not ok: print("    ", json.dumps(s.get("regression"))[:800])
sys.exit(0 if ok else 1)
PY
}

for i in 1 2 3; do
	metered 20000
	check "full rate, run $i: passes" test "$RC" -eq 0
done
check "full rate: the first runs had not enough history" \
	summary 's["regression"]["checked"] and s["regression"]["regressed"] == 0 and s["regression"]["metrics"] and all(m["outcome"] == "not enough history" for m in s["regression"]["metrics"])'

# A fixed floor fails a run whatever the history says: set on this run,
# which fails anyway, it costs no run of its own.
opts_plain=$opts
opts="$opts -o MIN_NDR_PPS=15000"
metered 10000
opts=$opts_plain
check "half rate: exit 1" test "$RC" -eq 1
check "MIN_NDR_PPS above the meter: the check says below the floor" summary \
	'any(c["name"] == "MIN_NDR_PPS" and not c["pass"] and "below MIN_NDR_PPS 15000" in c["why"] for c in s["verdict"]["checks"])'
check "half rate: ndr_pps regressed in summary.json" summary \
	'any(m["name"] == "ndr_pps" and m["outcome"] == "regressed" and m["change_pct"] < -40 for m in s["regression"]["metrics"])'
check "half rate: the verdict's check says why" summary \
	'any(c["name"] == "no regression" and not c["pass"] and "ndr_pps" in c["why"] for c in s["verdict"]["checks"])'
check "half rate: a JUnit failure names ndr_pps" python3 -c '
import sys, xml.etree.ElementTree as ET
t = ET.parse(sys.argv[1])
bad = [c for c in t.iter("testcase") if c.get("name") == "ndr_pps" and c.find("failure") is not None]
sys.exit(0 if bad and "baseline median" in bad[0].find("failure").get("message") else 1)
' "$(run_dir)/junit.xml"
check "half rate: the page shows it red" grep -q '<tr class=bad><td class=l>ndr_pps' "$(run_dir)/index.html"
check "half rate: a trend graph of ndr_pps, on the page" sh -c '
head -c 8 "$1/trend-ndr_pps.png" | od -An -c | grep -q "P   N   G" &&
grep -q "<img alt=\"ndr_pps over the last 4 runs of the series\" src=\"trend-ndr_pps.png\">" "$1/index.html"' _ "$(run_dir)"
check "half rate: the history keeps the verdict the trend marks" python3 -c '
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("select outcome from metrics where name = \"ndr_pps\" order by rowid").fetchall()
sys.exit(0 if [r[0] for r in rows].count("regressed") == 1 else 1)
' "$res/history.db"
check "history: four runs, three passed" python3 -c '
import sqlite3, sys
rows = sqlite3.connect(sys.argv[1]).execute("select passed from runs").fetchall()
sys.exit(0 if sorted(r[0] for r in rows) == [0, 1, 1, 1] else 1)
' "$res/history.db"

# The commands on that history.
run_pt 0 history -d "$res"
has "history lists the series" "series: host="
check "history lists all four runs" test "$(printf '%s\n' "$OUT" | grep -c "^  $(hostname -s)-")" -eq 4
run_pt 0 history -d "$res" --json --last 2
check "history --json --last 2: two runs with their metrics" python3 -c '
import json, sys
runs = json.loads(sys.argv[1])
sys.exit(0 if len(runs) == 2 and "ndr_pps" in runs[0]["metrics"] and not runs[0]["passed"] else 1)
' "$OUT"
first=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[1]["run_id"])' "$OUT")
half=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])[0]["run_id"])' "$OUT")
run_pt 0 compare -d "$res" --json "$first" "$half"
check "compare shows the drop of ndr_pps" python3 -c '
import json, sys
m = {x["name"]: x for x in json.loads(sys.argv[1])}
sys.exit(0 if m["ndr_pps"]["change_pct"] < -40 else 1)
' "$OUT"
run_pt 2 history -d "$res" ack "$half"
has "history ack wants a note" "--note TEXT"
run_pt 0 history -d "$res" ack "$half" --note "the meter was halved on purpose"
# The halved rate acknowledged: the next such run starts a new baseline.
metered 10000
check "after the ack: the same rate passes" test "$RC" -eq 0
check "after the ack: not enough history since the step" summary \
	'all(m["outcome"] == "not enough history" for m in s["regression"]["metrics"])'

run_pt 0 history -d "$res" export --csv
check "export --csv: a row per run, a column per metric" python3 -c '
import csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.argv[1])))
sys.exit(0 if len(rows) == 5 and all(r["ndr_pps"] and r["time"] for r in rows) else 1)
' "$OUT"

# The bundles imported into a fresh history give the same series; twice
# adds nothing twice; a bundle with a member that climbs out is refused.
run_pt 0 history --db "$tmp/fresh.db" import "$res"/*.tar.gz
run_pt 0 history --db "$tmp/fresh.db" import "$res"/*.tar.gz
check "import: the same runs, series and figures as the history" python3 -c '
import sqlite3, sys
q = "select r.uuid, r.series, r.passed, m.value from runs r join metrics m on m.uuid = r.uuid and m.name = \"ndr_pps\" order by r.uuid"
a = sqlite3.connect(sys.argv[1]).execute(q).fetchall()
b = sqlite3.connect(sys.argv[2]).execute(q).fetchall()
sys.exit(0 if a == b and len(a) == 5 else 1)
' "$res/history.db" "$tmp/fresh.db"
python3 -c '
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    data = b"x"
    for name in ("run-1/metadata.json", "run-1/../../" + sys.argv[2]):
        i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
' "$tmp/evil.tar.gz" "$(basename "$tmp")-evil"
run_pt 2 history --db "$tmp/fresh.db" import "$tmp/evil.tar.gz"
has "import: a member that climbs out is refused" "would land outside its folder"
# A name of this run's own: a file some other job left cannot fail it.
check "import: nothing landed outside" test ! -e "/tmp/$(basename "$tmp")-evil"
# A bundle is bounded as the site bounds one: SITE_MAX_BYTES unpacked,
# 10000 members.
python3 -c '
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    for i in range(10001):
        t.addfile(tarfile.TarInfo("run-1/f%05d" % i), io.BytesIO(b""))
' "$tmp/members.tar.gz"
run_pt 2 history --db "$tmp/fresh.db" import "$tmp/members.tar.gz"
has "import: a bundle of more than 10000 members is refused" "more than 10000 members"
run_pt 2 history --db "$tmp/fresh.db" import -o SITE_MAX_BYTES=1000 "$res/$first.tar.gz"
has "import: a bundle past SITE_MAX_BYTES is refused" "more than 1000 bytes unpacked"
# Without a uuid, runs would replace each other under "".
mkdir "$tmp/nouuid" && cp -r "$res/$first" "$tmp/nouuid/"
python3 -c '
import json, sys
m = json.load(open(sys.argv[1])); del m["uuid"]; json.dump(m, open(sys.argv[1], "w"))
' "$tmp/nouuid/$first/metadata.json"
run_pt 2 history --db "$tmp/fresh.db" import "$tmp/nouuid/$first"
has "import: a run without a uuid is refused, naming the file" "$tmp/nouuid/$first/metadata.json: no uuid"
check "import: no run under an empty uuid" test "$(sqlite3 "$tmp/fresh.db" "SELECT count(*) FROM runs WHERE uuid = ''")" = 0
run_pt 3 history --db /proc/pt-history.db import "$res/$first"
has "import: a history that cannot be made is the environment's" "could not be added to '/proc/pt-history.db'"
# The commands that read or acknowledge never make a history: a
# mistyped name is said, not listed as an empty one.
for cmd in history "history ack $half --note x" "history export --csv" "compare $first $half"; do
	# shellcheck disable=SC2086 # the command's words
	run_pt 2 $cmd --db "$tmp/typo.db"
	has "$cmd --db FILE that is not there: said" "no history at '$tmp/typo.db'"
done
check "... and not made" test ! -e "$tmp/typo.db"

# A corrupt history: named, the check not done, the run still completes
# with its bundle.  Every run reads the history, so a one-trial run on
# direct shows it as well as a search through the meter would (in a
# tenth of the time).
rm -f "$res"/history.db*
printf 'this is not a database, just text that is long enough to be read' >"$res/history.db"
short_run 1000
OUT=$("$PT" "${SHORT[@]}" --no-post direct 2>&1)
RC=$?
check "corrupt history: the run still passes" test "$RC" -eq 0
has "corrupt history: the file is named" "$res/history.db: not a history database"
check "corrupt history: the check says not done" summary \
	'not s["regression"]["checked"] and s["regression"]["note"].startswith("not done")'
check "corrupt history: the bundle is made" test -s "$(run_dir).tar.gz"

left=$(leftovers)
if [ "$left" = "$before" ]; then pass "nothing pt- left"; else fail "left behind: $left"; fi
