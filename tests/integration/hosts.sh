#!/usr/bin/env bash
# Several hosts over real SSH (issue 19, part 4; README "Several hosts"),
# root: three "hosts", each a namespace with its own Debian sshd, the
# first two joined by a data link (tests/integration/lib_hosts.sh), and
# `perftests --hosts` driving agents on them.  (a) the hosts: each reached
# by its name, a key they do not know and a host key nobody trusts are
# refused; (b) a host that cannot be reached: exit 3 naming it, and a bad
# hosts file: exit 2; (c) a two-host run over SSH, every phase, latency
# reported (one-way, then RTT-derived), nothing left on any host nor
# here; (d) the SUT on the third
# host; (e) an agent killed mid-trial: exit 4 in that phase naming the
# host, nothing left; (f) the harness killed mid-trial: the agents clean
# up by themselves; (g) the TCP phase across the two hosts; (h) an agent
# killed in it: exit 4 naming the host, nothing left.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
. tests/integration/lib_hosts.sh
tmp=$(mktemp -d /tmp/pt-hoststest-XXXXXX)
RUNPID=
cleanup() {
	# A run still going (the test failed while waiting for it) is stopped
	# as Ctrl-C would, then the hosts go.
	if [ -n "$RUNPID" ] && running "$RUNPID"; then kill -INT "$RUNPID"; wait "$RUNPID"; fi
	hosts_down
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
res=$tmp/results
before=$(leftovers)
t_start=$EPOCHREALTIME

# since T0: seconds from $EPOCHREALTIME T0 to now.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
below() { awk -v x="$1" -v hi="$2" 'BEGIN { exit !(x < hi) }'; }

# py FILE EXPR: EXPR true of j (the file's JSON) or rows (its CSV rows).
py() {
	python3 - "$@" <<'PY'
import csv, json, sys
f, expr = sys.argv[1], sys.argv[2]
try:
    data = {"rows": list(csv.DictReader(open(f)))} if f.endswith(".csv") else {"j": json.load(open(f))}
    ok = eval(expr, data)
except (OSError, ValueError, KeyError, TypeError) as e:
    print("    %s: %s: %s" % (f, type(e).__name__, e))
    sys.exit(1)
if not ok: print("    ", json.dumps(data.get("j", {}).get("result", data.get("rows")))[:800])
sys.exit(0 if ok else 1)
PY
}
# rx_packets: frames hv2's data interface received so far.
rx_packets() {
	ip -n "${HOST_NS[2]}" -j -s link show dev "${HOST_IF[2]}" |
		grep -o '"rx":{[^}]*' | grep -o '"packets":[0-9]*' | cut -d: -f2
}
# under_way OUT: waits (20 s at most) until the run $RUNPID, whose output
# is OUT, is in a trial: its phase started and hv2 receives; under_way is
# then 1, else empty.
under_way() {
	local rx0=
	under_way=
	for _ in $(seq 200); do
		running "$RUNPID" || break
		if [ -z "$rx0" ] && grep -q "phase test_throughput" "$1"; then rx0=$(rx_packets); fi
		if [ -n "$rx0" ] && [ "$(rx_packets)" -gt $((rx0 + 500)) ]; then under_way=1; break; fi
		sleep 0.1
	done
}
# children PID: the pids of PID's children (from /proc: the parent is
# the field after the state, past the command name, which may hold
# spaces).
children() {
	local parent=$1 f st
	for f in /proc/[0-9]*/stat; do
		{ read -r st <"$f"; } 2>/dev/null || continue
		st=${st##*) }
		set -- $st
		[ "$2" = "$parent" ] && { f=${f#/proc/}; echo "${f%/stat}"; }
	done
}
# not_under_way WHAT OUT: the run $RUNPID (its output in OUT) did not get
# where the test waited for it: said, its output shown, and it stopped.
not_under_way() {
	fail "$1"
	sed 's/^/    /' "$2" | tail -n 15
	running "$RUNPID" && kill -INT "$RUNPID"
	wait "$RUNPID"
	RUNPID=
}
# after_kill OUT PHASE HOST WHAT: the run $RUNPID (its output in OUT),
# whose agent on HOST was just killed, ends within 10 s with exit 4, its
# phase PHASE failed naming HOST.
after_kill() {
	local t0=$EPOCHREALTIME secs
	for _ in $(seq 300); do running "$RUNPID" || break; sleep 0.1; done
	if running "$RUNPID"; then fail "the run still runs 30 s after the kill"; kill -INT "$RUNPID"; fi
	wait "$RUNPID"
	RC=$? secs=$(since "$t0") RUNPID=
	check "$4: exit 4 (got $RC)" test "$RC" -eq 4
	check "... within 10 s of the kill (${secs} s), not at the end of its traffic" below "$secs" 10
	if grep -qE "phase $2 failed: .*$3" "$1"; then
		pass "... the phase fails naming $3"
	else
		fail "... the phase fails naming $3"; tail -n 15 "$1" | sed 's/^/    /'
	fi
}
# snap: what each host has now (links, addresses, namespaces), for clean.
snap() { local i; for ((i = 1; i <= HOSTS_N; i++)); do host_state "$i" >"$tmp/state$i.before"; done; }
# clean NAME: nothing runs on either host but its sshd, each host has what
# it had at the last snap, and nothing pt- is left here.
clean() {
	local i left
	for ((i = 1; i <= HOSTS_N; i++)); do
		if host_quiet "$i"; then pass "$1: nothing runs on hv$i but its sshd"
		else fail "$1: left running on hv$i: $HOST_LEFT"; fi
		host_state "$i" >"$tmp/state$i.after"
		if cmp -s "$tmp/state$i.before" "$tmp/state$i.after"; then
			pass "$1: hv$i has the links, addresses and namespaces it had"
		else
			fail "$1: hv$i changed:"
			diff "$tmp/state$i.before" "$tmp/state$i.after" | sed 's/^/    /'
		fi
	done
	left=$(leftovers "pt-h$HOSTS_TAG-")
	if [ "$left" = "$before" ]; then pass "$1: nothing pt- left here"; else fail "$1: left behind: $left"; fi
}

# --- (a) the hosts themselves.
t0=$EPOCHREALTIME
if hosts_up 3; then
	pass "three hosts up, each a namespace with its own sshd ($(since "$t0") s)"
else
	fail "three hosts up"
	exit 1
fi
snap
for i in 1 2; do
	check "ssh hv$i runs in its namespace ${HOST_NS[i]}" \
		test "$(ssh -F "$SSH_CONFIG" "hv$i" ip netns identify 2>&1)" = "${HOST_NS[i]}"
	check "hv$i has its data interface ${HOST_IF[i]} with ${HOST_DATA[i]}" \
		grep -qx "addr ${HOST_IF[i]} ${HOST_DATA[i]}" "$tmp/state$i.before"
done
OUT=$(ssh -F "$SSH_CONFIG_BADKEY" hv2 true 2>&1)
check "a key hv2 does not know is refused (ssh exit $?)" test "$?" -eq 255
has "... Permission denied (publickey)" "Permission denied (publickey)"
OUT=$(ssh -F "$SSH_CONFIG_BADKEY" hv1 true 2>&1)
check "... the same configuration still reaches hv1" test "$?" -eq 0
: >"$tmp/no_known_hosts"
OUT=$(ssh -F "$SSH_CONFIG" -o UserKnownHostsFile="$tmp/no_known_hosts" hv1 true 2>&1)
check "a host key that is not known is refused (ssh exit $?)" test "$?" -eq 255
has "... Host key verification failed" "Host key verification failed"

HOSTS=(--hosts "$HOSTS_FILE" --source hv1 --dest hv2)

# --- (b) a host that cannot be reached: exit 3 before anything is made,
# the host named with ssh's own words; the host that was reached keeps
# nothing of it.
short_run 1000
hosts_file "$tmp/dead.conf" "$SSH_CONFIG" "hv1 root@${HOST_ADDR[1]} 1" "hv2 root@${HOST_DEAD[2]} 2"
t0=$EPOCHREALTIME
run_pt_err 3 "${SHORT[@]}" --hosts "$tmp/dead.conf" --source hv1 --dest hv2
secs=$(since "$t0") dead_rc=$RC
has "no sshd on hv2's address: hv2 named" "cannot reach hv2"
has "... with ssh's reason" "Connection refused"
check "... said within 10 s (${secs} s)" eval '[ "$dead_rc" -eq 3 ] && below "$secs" 10'
hosts_file "$tmp/badkey.conf" "$SSH_CONFIG_BADKEY" "hv1 root@${HOST_ADDR[1]} 1" "hv2 root@${HOST_ADDR[2]} 2"
run_pt_err 3 "${SHORT[@]}" --hosts "$tmp/badkey.conf" --source hv1 --dest hv2
has "a key hv2 refuses: exit 3 naming it" "cannot reach hv2 (ssh exit 255: "
has "... with ssh's reason" "Permission denied (publickey)"
# A host never reached made nothing: no cleanup of it to fail.
if printf '%s\n' "$OUT" | grep -q "could not remove everything"; then
	fail "... no failed cleanup is said of hv2, which made nothing"
	printf '%s\n' "$OUT" | grep "could not remove everything" | sed 's/^/    /'
else
	pass "... no failed cleanup is said of hv2, which made nothing"
fi
clean "unreachable hv2"
# A bad hosts file or host name: exit 2 with the file, the line and what
# is expected, before any host is asked.
sed 's/interface = /iface = /' "$HOSTS_FILE" >"$tmp/typo.conf"
run_pt_err 2 "${SHORT[@]}" --hosts "$tmp/typo.conf" --source hv1 --dest hv2
has "a misspelt key: exit 2 with the file and line" "$tmp/typo.conf:4: host: unknown key 'iface'"
run_pt_err 2 "${SHORT[@]}" --hosts "$HOSTS_FILE" --source hv1 --dest hv9
has "a host the file lacks: exit 2 naming it" "hv9"

# --- (c) a two-host run over SSH: warm-up, the NDR search, latency at
# half the PDR, a long run, the collectors, the report; the topology is
# `hosts` (the default with --hosts): the network between the two.
rm -rf "$res"
run_pt 0 -p ci -d "$res" "${HOSTS[@]}" $METERED_OPTS -o THROUGHPUT_MAX_SCAN_RATE=20000 \
	-o WARMUP_RATE=1000 -o WARMUP_PACKETS=200 -o LATENCY_LOADS=50 \
	-o LONG_RUNNING_SCAN_ITERATIONS=1 -o LONG_RUNNING_BURST=2000 -o LONG_RUNNING_SCAN_RATE=2000 \
	-o COLLECTORS=system,netdev
d=$(run_dir)
if [ -n "$d" ]; then
	check "two hosts: every phase has rows in trials.csv" py "$d/trials.csv" \
		'{r["phase"] for r in rows} == {"warm_up", "test_throughput", "latency", "long_running_tests"}'
	check "... every trial sent its frames and received some" py "$d/trials.csv" \
		'all(r["sent"] == r["offered"] and int(r["received"]) > 0 for r in rows)'
	check "... an NDR in summary.json" py "$d/summary.json" 'j["result"]["ndr"]["rate_pps"] > 0'
	check "... latency at 50 % of the PDR in summary.json" py "$d/summary.json" \
		'[p["load_pct"] for p in j["result"]["latency_at_load"]] == [50] and 0 < j["result"]["latency_at_load"][0]["p50_us"] <= j["result"]["latency_at_load"][0]["p99_us"]'
	check "... metadata.json has hv1 as the source, hv2 as the destination" py "$d/metadata.json" \
		'{(h["role"], h["name"]) for h in j["hosts"]} == {("source", "hv1"), ("dest", "hv2")}'
	# Both agents run on this kernel: its clock, so one-way and exact.
	check "... summary.json says the latency is one-way" py "$d/summary.json" \
		'j["result"]["latency_clock"]["mode"] == "one-way"'
	check "... the topology is hosts" py "$d/summary.json" 'j["run"]["topology"] == "hosts"'
	check "... each host's collectors' RRD files came back" \
		test -s "$d/hosts/hv1/rrd/system.rrd" -a -s "$d/hosts/hv2/rrd/system.rrd"
	check "... the report and the bundle" test -s "$d/index.html" -a -s "$d/junit.xml" -a -s "$d.tar.gz"
	# The time to start: from the first line of run.log to the first trial's
	# phase (the agents reached, prepared, their clocks compared).
	echo "two hosts: $(awk '/ phase start_logging$/ { a = $1 } / phase warm_up$/ { b = $1 }
		END { split(a, x, /[T:Z]/); split(b, y, /[T:Z]/);
		      printf "%.2f s from start to warm_up", (y[2]-x[2])*3600 + (y[3]-x[3])*60 + (y[4]-x[4]) }' "$d/run.log")"
else
	fail "two hosts: no run directory"
fi
clean "two-host run"
# The same hosts with CLOCK_OFFSET_MAX_US=0: even a clock known exactly
# is not trusted, so the latency is RTT-derived (the source's agent times
# ICMP echoes through the datapath), and said so.
rm -rf "$res"
short_run 2000
run_pt 0 "${SHORT[@]}" "${HOSTS[@]}" -o CLOCK_OFFSET_MAX_US=0
has "RTT-derived latency: the log says so" "latency: RTT-derived, not one-way"
d=$(run_dir)
if [ -n "$d" ]; then
	check "... and summary.json, with a latency for the trial" py "$d/summary.json" \
		'j["result"]["latency_clock"]["mode"] == "rtt-derived" and 0 < j["result"]["latency"][0]["p50_us"] <= j["result"]["latency"][0]["p99_us"]'
else
	fail "RTT-derived latency: no run directory"
fi
clean "rtt-derived run"

# --- (d) the SUT on a third host, hv3 (--sut-host): an agent there for
# its collectors, whose RRD files come back with the run.
rm -rf "$res"
short_run 2000
run_pt 0 "${SHORT[@]}" "${HOSTS[@]}" --sut-host hv3
d=$(run_dir)
if [ -n "$d" ]; then
	check "sut on hv3: metadata.json has it as the sut" py "$d/metadata.json" \
		'any(h["role"] == "sut" and h["name"] == "hv3" for h in j["hosts"])'
	check "... its collectors' RRD files came back" test -n "$(find "$d/hosts/hv3" -name '*.rrd' 2>/dev/null)"
else
	fail "sut on hv3: no run directory"
fi
clean "sut on hv3"

# --- (e) the agent on hv2 (the receiver) killed in the middle of a
# 30-second trial: the run fails in test_throughput with exit 4 naming
# hv2, at once rather than at the trial's end, and nothing is left: the
# data interfaces have no address now, so the agents add them, and the
# killed one's must go too.
check "the data addresses taken off" hosts_data_addr del
snap
rm -rf "$res"
short_run 30000
"$PT" "${SHORT[@]}" "${HOSTS[@]}" >"$tmp/kill.out" 2>&1 &
RUNPID=$!
under_way "$tmp/kill.out"
apid=$(agent_pid 2)
if [ -z "$under_way" ] || [ -z "$apid" ]; then
	not_under_way "a 30 s trial under way (${under_way:-no traffic at hv2}), hv2's agent found (pid ${apid:-none})" "$tmp/kill.out"
else
	pass "a 30 s trial under way, hv2 receiving; hv2's agent is pid $apid"
	check "... hv2's agent added its address" host_has_addr 2
	check "... killed (SIGKILL)" kill_verified "$apid" "$(proc_start "$apid")" KILL
	after_kill "$tmp/kill.out" test_throughput hv2 "an agent killed mid-trial"
	check "... metadata.json says test_throughput" grep -q '"phase": "test_throughput"' "$(run_dir)/metadata.json"
	check "... the report is still made" test -s "$(run_dir)/summary.json"
fi
clean "agent killed"

# --- (f) the harness itself killed (kill -9) mid-trial: nobody tells the
# agents anything, but their SSH sessions drop, and each ends and removes
# what it made (the addresses it added) by itself.
rm -rf "$res"
short_run 30000
"$PT" "${SHORT[@]}" "${HOSTS[@]}" >"$tmp/kill9.out" 2>&1 &
RUNPID=$!
under_way "$tmp/kill9.out"
if [ -z "$under_way" ]; then
	not_under_way "a 30 s trial under way (no traffic at hv2)" "$tmp/kill9.out"
else
	# Its ssh clients, which outlive it for as long as their sessions do.
	clients=$(children "$RUNPID")
	check "the harness has ssh clients in a 30 s trial" test -n "$clients"
	check "the harness killed (SIGKILL) in a 30 s trial, its ssh clients: $(echo $clients)" \
		kill -KILL "$RUNPID"
	wait "$RUNPID" 2>/dev/null
	RUNPID=
	gone=1
	for p in $clients; do
		for _ in $(seq 50); do running "$p" || break; sleep 0.1; done
		running "$p" && gone=
	done
	check "... its ssh clients end with their sessions" test -n "$gone"
fi
clean "harness killed"

# --- (g) the TCP phase across the two hosts: iperf3's server on hv2,
# its client on hv1, over the data link (its addresses added by the
# agents and taken off again); its figures where a run on one host puts
# them.
rm -rf "$res"
short_run 1000
run_pt 0 "${SHORT[@]}" "${HOSTS[@]}" -o TCP_PHASE=yes -o TCP_STREAMS=2 -o TCP_DURATION=2
d=$(run_dir)
if [ -n "$d" ]; then
	has "tcp across hosts: through the agents" "tcp_throughput: 2 streams for 2 s from ${HOST_DATA[1]%/*} to iperf3 on ${HOST_DATA[2]%/*} (agents)"
	check "... a tcp_throughput row of 2 streams above 1 Mbit/s" py "$d/trials.csv" \
		'any(r["phase"] == "tcp_throughput" and r["streams"] == "2" and float(r["bits_per_second"]) > 1e6 and float(r["sender_cpu_pct"]) > 0 for r in rows)'
	check "... summary.json has it" py "$d/summary.json" \
		'(t := j["result"]["tcp"])["bits_per_second"] > 1e6 and t["streams"] == 2 and t["sender_cpu_pct"] > 0 and t["json"] == "tcp/iperf3.json" and "limit" not in t'
	check "... iperf3's JSON kept in the run directory" py "$d/tcp/iperf3.json" \
		'j["start"]["test_start"]["num_streams"] == 2 and "error" not in j'
	check "... hv2's iperf3 server log, fetched from its agent: the client from hv1" \
		grep -q "Accepted connection from ${HOST_DATA[1]%/*}" "$d/tcp/iperf3-server.log"
	check "... junit.xml: a testcase '2 streams' in the suite tcp_throughput" python3 -c "
import sys, xml.etree.ElementTree as ET
s = [s for s in ET.parse('$d/junit.xml').getroot() if s.get('name') == 'tcp_throughput']
sys.exit(not (len(s) == 1 and [c.get('name') for c in s[0]] == ['2 streams']))"
	check "... index.html has the TCP table" grep -q '<h2>TCP throughput</h2>' "$d/index.html"
else
	fail "tcp across hosts: no run directory"
fi
clean "tcp across hosts"

# --- (h) hv1's agent killed while its iperf3 client runs: the TCP phase
# fails with exit 4 naming hv1, the client ends with its agent, hv2's
# server is stopped, nothing is left on either host.
rm -rf "$res"
short_run 1000
"$PT" "${SHORT[@]}" "${HOSTS[@]}" -o TCP_PHASE=yes -o TCP_DURATION=30 >"$tmp/tcpkill.out" 2>&1 &
RUNPID=$!
apid= client=
for _ in $(seq 300); do
	running "$RUNPID" || break
	if grep -q "phase tcp_throughput" "$tmp/tcpkill.out"; then
		apid=$(agent_pid 1)
		[ -n "$apid" ] && client=$(children "$apid")
		[ -n "$client" ] && break
	fi
	sleep 0.1
done
if [ -z "$client" ]; then
	not_under_way "the TCP phase under way, hv1's agent (pid ${apid:-none}) running the iperf3 client" "$tmp/tcpkill.out"
else
	pass "the TCP phase under way: hv1's agent $apid runs the iperf3 client $client"
	check "... hv1's agent killed (SIGKILL)" kill_verified "$apid" "$(proc_start "$apid")" KILL
	after_kill "$tmp/tcpkill.out" tcp_throughput hv1 "an agent killed in the TCP phase"
	gone=1
	for p in $client; do running "$p" && gone=; done
	check "... the iperf3 client ended with its agent" test -n "$gone"
	check "... the UDP trial is kept" grep -q '^test_throughput,1,' "$(run_dir)/trials.csv"
fi
clean "agent killed in the TCP phase"
echo "hosts.sh: $(since "$t_start") s"
