#!/usr/bin/env bash
# The tcp_throughput phase on one host (root): iperf3's library (libiperf)
# through a real datapath, basic_topology's private Open vSwitch, from the
# source namespace to the destination one.  iperf3's JSON is kept, its
# figures reach summary.json (schema-valid), the page, JUnit and
# trials.csv; on direct it is flagged as the host's own ceiling; bad
# settings are refused before anything runs; a datapath
# that drops TCP (tests/topologies/no_tcp_bridge.sh) fails the phase with
# exit 4 and iperf3's reason, keeping what the UDP phases measured.
# Nothing pt- stays behind, no iperf3 child either.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-tcp-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
res=$tmp/results
short_run 200
TCP=(-o TCP_PHASE=yes -o TCP_DURATION=2 -o COLLECTORS=proc,system)
before=$(leftovers)

# Settings are checked before anything runs (exit 2, the key named).
run_pt 2 "${SHORT[@]}" "${TCP[@]}" -o TCP_STREAMS=129 basic_topology
has "TCP_STREAMS out of range is named" "TCP_STREAMS"
has "and what is expected" "expected 1 to 128"
run_pt 2 "${SHORT[@]}" -o TCP_PHASE=maybe basic_topology
has "TCP_PHASE takes yes or no" "expected yes or no"

# A TCP phase of two streams through basic_topology.
run_pt 0 "${SHORT[@]}" "${TCP[@]}" -o TCP_STREAMS=2 basic_topology
d=$(run_dir)
has "the phase ran" "phase tcp_throughput"
check "iperf3's JSON is kept: two streams, bits received" python3 -c "
import json, sys
j = json.load(open('$d/tcp/iperf3.json'))
sys.exit(not (j['start']['test_start']['num_streams'] == 2
              and j['end']['sum_received']['bits_per_second'] > 0
              and 'error' not in j))"
check "iperf3's server log says it listened and took the client" \
	grep -q "Accepted connection from 198.18.0.1" "$d/tcp/iperf3-server.log"
check "summary.json: result.tcp has throughput, retransmits, sender CPU" python3 -c "
import json, sys
t = json.load(open('$d/summary.json'))['result']['tcp']
print('    %.3f Gbit/s, %s retransmits, sender CPU %.1f %%' % (
    t['bits_per_second'] / 1e9, t['retransmits'], t['sender_cpu_pct']))
sys.exit(not (t['bits_per_second'] > 0 and t['sender_cpu_pct'] > 0
              and isinstance(t['retransmits'], int) and t['retransmits'] >= 0
              and t['streams'] == 2 and t['duration_s'] >= 2
              and t['json'] == 'tcp/iperf3.json'))"
check "summary.json validates against its schema" python3 -c "
import json, jsonschema
jsonschema.validate(json.load(open('$d/summary.json')), json.load(open('tests/summary.schema.json')))"
check "summary.json's phase tcp_throughput has the stream set" python3 -c "
import json, sys
p = [p for p in json.load(open('$d/summary.json'))['phases'] if p['name'] == 'tcp_throughput']
sys.exit(not (len(p) == 1 and p[0]['steps'][0]['streams'] == 2
              and p[0]['steps'][0]['bits_per_second'] > 0))"
check "trials.csv: a tcp_throughput row with its figures, the UDP row intact" python3 -c "
import csv, sys
rows = list(csv.DictReader(open('$d/trials.csv')))
tcp = [r for r in rows if r['phase'] == 'tcp_throughput']
udp = [r for r in rows if r['phase'] == 'test_throughput']
sys.exit(not (len(tcp) == 1 and tcp[0]['streams'] == '2'
              and float(tcp[0]['bits_per_second']) > 0
              and float(tcp[0]['sender_cpu_pct']) > 0 and tcp[0]['rate'] == ''
              and len(udp) == 1 and udp[0]['streams'] == '' and int(udp[0]['received']) > 0))"
check "junit.xml: a testcase '2 streams' in the suite tcp_throughput" python3 -c "
import sys, xml.etree.ElementTree as ET
s = [s for s in ET.parse('$d/junit.xml').getroot() if s.get('name') == 'tcp_throughput']
sys.exit(not (len(s) == 1 and [c.get('name') for c in s[0]] == ['2 streams']
              and s[0].get('failures') == '0'))"
check "index.html has the TCP table and links iperf3.json" \
	sh -c "grep -q '<h2>TCP throughput</h2>' '$d/index.html' && grep -q 'href=\"tcp/iperf3.json\"' '$d/index.html'"
check "the history has the tcp_bps metric" python3 -c "
import json, sys
m = json.load(open('$d/summary.json'))['regression']['metrics']
sys.exit(not [x for x in m if x['name'] == 'tcp_bps' and x['value'] > 0 and x['better'] == 'higher'])"
check "the bundle has tcp/iperf3.json" sh -c "tar -tzf '$d.tar.gz' | grep -q '/tcp/iperf3.json$'"
check "nothing pt- left after the run" test "$(leftovers)" = "$before"
check "no ledger left after the run" \
	sh -c "! ls '$res/.ledger/'* >/dev/null 2>&1"

# On direct (no datapath) the figure is the host's own ceiling, and says
# so, as the UDP one of such a topology does.
run_pt 0 "${SHORT[@]}" "${TCP[@]}" -o TCP_DURATION=1 direct
d=$(run_dir)
has "direct: the log says it is the host's own ceiling" "no datapath in topology 'direct': the figure is the host's own ceiling"
check "direct: result.tcp.limit says it, tcp_bps stays out of the history" python3 -c "
import json, sys
j = json.load(open('$d/summary.json'))
t = j['result']['tcp']
sys.exit(not (t['bits_per_second'] > 0 and 'own ceiling' in t['limit']
              and not [m for m in j['regression']['metrics'] if m['name'] == 'tcp_bps']))"
check "direct: the page says it under the TCP table" grep -q "Not the datapath's: no datapath in this topology" "$d/index.html"
rm -rf "$res"

# A datapath that drops TCP: the client cannot connect, the phase fails
# with exit 4 and iperf3's reason; the UDP trial is kept.
run_pt 4 "${SHORT[@]}" "${TCP[@]}" tests/topologies/no_tcp_bridge.sh
d=$(run_dir)
has "the phase is named with iperf3's reason" "phase tcp_throughput failed: tcp_throughput: from pt-src-"
has "the reason is the connection" "unable to connect to server"
check "metadata.json names the phase" python3 -c "
import json, sys
e = json.load(open('$d/metadata.json'))['error']
sys.exit(not (e['phase'] == 'tcp_throughput' and e['exit_code'] == 4))"
check "iperf3's JSON with its error is kept" grep -q '"error"' "$d/tcp/iperf3.json"
check "the UDP trial is kept" grep -q '^test_throughput,1,' "$d/trials.csv"
check "no result.tcp for a failed test" python3 -c "
import json, sys
sys.exit('tcp' in json.load(open('$d/summary.json'))['result'])"
check "nothing pt- left after the failed run" test "$(leftovers)" = "$before"
check "no ledger left after the failed run" \
	sh -c "! ls '$res/.ledger/'* >/dev/null 2>&1"

# Ctrl-C in the middle of the TCP test: the client is stopped at once
# (not after its 30 s), the server with it, exit 130, nothing left.
"$PT" "${SHORT[@]}" "${TCP[@]}" -o TCP_DURATION=30 direct >"$tmp/bg.out" 2>&1 &
bg=$!
# The log says the phase began before the server is forked, and the
# client is forked only when the server is ready: wait for both entries.
children=
for _ in $(seq 300); do
	children=$(awk -F'\t' '$1 == "process" && $2 ~ /^pt-iperf3-/ {print $4}' "$res"/.ledger/* 2>/dev/null)
	[ "$(echo $children | wc -w)" -ge 2 ] && break
	sleep 0.1
done
check "both iperf3 children are in the ledger while they run" test "$(echo $children | wc -w)" -eq 2
t0=$SECONDS
kill -INT "$bg"
wait "$bg"
RC=$?
check "Ctrl-C during the TCP test exits 130 (got $RC)" test "$RC" -eq 130
check "within seconds, not the test's 30 s ($((SECONDS - t0)) s)" test $((SECONDS - t0)) -lt 10
for c in $children; do
	check "iperf3 child $c is gone" sh -c "! test -d /proc/$c || grep -q ') Z' /proc/$c/stat"
done
check "nothing pt- left after Ctrl-C" test "$(leftovers)" = "$before"
check "no ledger left after Ctrl-C" sh -c "! ls '$res/.ledger/'* >/dev/null 2>&1"
