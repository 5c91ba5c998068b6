#!/usr/bin/env bash
# The jmx collector and the JVM snapshot with a real JVM (root): the test
# program tests/jmx/PtTestApp (a custom MBean whose Count moves, two Gauge
# MBeans for a name=* pattern) is the SUT, attached by pid and over a JMX
# port; the RRD holds what JMX said, a jmxtrans file in the original's
# format works, the heap dump is a real .hprof, and a sidecar that dies is
# restarted once, then reported failed.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
if [ ! -f build/jmx/PtJmx.class ] || [ ! -f build/tests/jmx/PtTestApp.class ]; then
	fail "the JMX sidecar and test program are not built (no javac?)"
	exit 0
fi
tmp=$(mktemp -d /tmp/pt-jmx-XXXXXX)
res=$tmp/results
app=
stop_app() { [ -n "$app" ] && kill "$app" 2>/dev/null && wait "$app" 2>/dev/null; app=; }
trap 'stop_app; rm -rf "$tmp"' EXIT

# start_app [JVM OPTIONS]: the test program in the background; waits until
# its MBeans are registered.
start_app() {
	# The last app's "ready" must not be read before the shell that
	# starts this one has emptied the file.
	rm -f "$tmp/app.out"
	java "$@" -cp build/tests/jmx PtTestApp >"$tmp/app.out" 2>&1 &
	app=$!
	for _ in $(seq 100); do
		grep -q ready "$tmp/app.out" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "PtTestApp did not start: $(cat "$tmp/app.out")"
}

# A short run on `direct`: one 8-second trial at 1000 pps.
short_run 8000

# 1. Attached by pid, the default queries.
start_app
run_pt 0 "${SHORT[@]}" --sut "pid:$app" direct
d=$(run_dir)
has "the sidecar attached by pid" "collector 'jmx':"
stat_ok "heap used > 0" "$d/rrd/jmx.rrd" heap_used '$1 >= 4 && $2 > 0'
# Committed is at least used in every sample, so in the medians too.
used=$(build/tests/tools/rrd_stat "$d/rrd/jmx.rrd" heap_used | awk '{print $3}')
stat_ok "heap committed >= used ($used)" "$d/rrd/jmx.rrd" heap_committed "\$3 >= ${used:-1e300}"
stat_ok "JVM threads > 1" "$d/rrd/jmx.rrd" threads '$3 > 1'
stat_ok "classes loaded > 100" "$d/rrd/jmx.rrd" classes_loaded '$3 > 100'
check "jvm.png drawn" test -s "$d/jvm.png"
# A gap is a tick that found the sidecar's newest sample over 1.5 s old:
# one pause of the JVM or of this 2-core host makes one, so one is allowed.
check "collectors.json: jmx sampled, at most one gap, not failed" python3 -c "
import json,sys; c=json.load(open('$d/collectors.json'))['sampler']['collectors']['jmx']
sys.exit(not (c['metrics'] >= 10 and c['gaps'] <= 1 and 'failed' not in c))"
check "summary.json: the JVM's figures per step" python3 -c "
import json,sys; s=json.load(open('$d/summary.json'))
st=s['phases'][0]['steps'][0]
sys.exit(not (st['jvm_heap_used_max_bytes'] > 0 and 'jvm_gc_time_ms' in st and s['verdict']['pass']))"
hprof=$(ls "$d"/snapshot/jvm-*.hprof 2>/dev/null | head -n 1)
check "heap dump written" test -s "$hprof"
check "heap dump starts with JAVA PROFILE 1.0.2" sh -c "head -c 18 '$hprof' | grep -q 'JAVA PROFILE 1.0.2'"
check "the heap dump is in the bundle" sh -c "tar tzf '$d.tar.gz' | grep -q 'snapshot/jvm-$app.hprof'"
# sidecars PID: how many of our sidecars attached to PID still run (the
# pattern is anchored at the java executable, "java" or $JAVA_HOME's, so
# this shell's own command line, which holds it too, is not one).
sidecars() {
	for c in /proc/[0-9]*/cmdline; do tr '\0' ' ' <"$c" 2>/dev/null; echo; done |
		grep -cE "^([^ ]*/)?java .*PtJmx --pid $1 "
}
check "the sidecar is gone" test "$(sidecars "$app")" -eq 0
check "the ledger is gone" test -z "$(ls -A "$res/.ledger")"
stop_app

# 2. A jmxtrans file in the original's format, over a JMX port: the custom
# MBean, a name=* pattern, an MBean that does not exist; writers ignored.
# The port is picked right before the JVM binds it, not a run earlier.
port=$(free_port)
start_app -Dcom.sun.management.jmxremote.port="$port" \
	-Dcom.sun.management.jmxremote.host=127.0.0.1 \
	-Dcom.sun.management.jmxremote.authenticate=false \
	-Dcom.sun.management.jmxremote.ssl=false
cat >"$tmp/queries.json" <<JSON
{
  "servers" : [ {
    "host" : "127.0.0.1",
    "port" : "$port",
    "queries" : [ {
      "obj" : "perftests.test:type=Counter,name=ticks",
      "attr" : [ "Count" ],
      "outputWriters" : [ {
        "@class" : "com.googlecode.jmxtrans.model.output.RRDToolWriter",
        "settings" : { "outputFile" : "/tmp/x.rrd", "typeNames" : ["name"] }
      } ]
    }, {
      "obj" : "perftests.test:type=Gauge,name=*",
      "attr" : [ "Value" ],
      "outputWriters" : [ { "settings" : { "typeNames" : ["name"] } } ]
    }, {
      "obj" : "org.midonet.midolman.monitoring.metrics:type=FlowTablesGauge,name=currentDatapathFlows",
      "attr" : [ "Value" ]
    } ]
  } ]
}
JSON
run_pt 0 "${SHORT[@]}" -o JMX_CONFIG="$tmp/queries.json" -o HEAPDUMP=no \
	--sut "pid:$app" direct
d=$(run_dir)
has "outputWriters are ignored, said once" "2 outputWriters ignored"
has "the missing MBean is named" "currentDatapathFlows"
stat_ok "custom counter increasing" "$d/rrd/jmx.rrd" Counter_ticks_Count '$1 >= 4 && $6 > $5 + 20'
stat_ok "pattern expanded: alpha" "$d/rrd/jmx.rrd" Gauge_alpha_Value '$1 >= 4'
stat_ok "pattern expanded: beta" "$d/rrd/jmx.rrd" Gauge_beta_Value '$1 >= 4'
stat_ok "defaults still there over the port" "$d/rrd/jmx.rrd" heap_used '$2 > 0'
check "HEAPDUMP=no: no heap dump" sh -c "! ls '$d'/snapshot/*.hprof 2>/dev/null | grep -q ."

# 3. The original's midolman file loads as it is: its java.lang queries
# that exist work, midolman's MBeans are warnings, the rest keeps going.
run_pt 0 "${SHORT[@]}" -o JMX_CONFIG=tests/unit/fixtures/midolman-jmxtrans.json \
	-o JMX_URL=pid -o HEAPDUMP=no --sut "pid:$app" direct
d=$(run_dir)
has "midolman's MBeans are warnings" "no MBean matches 'org.midonet.midolman.monitoring.metrics:type=PacketPipelineHistogram,name=simulationLatency'"
stat_ok "with the midolman file: heap used > 0" "$d/rrd/jmx.rrd" heap_used '$2 > 0'
ds=$(python3 -c "
import json; m=json.load(open('$d/collectors.json'))['sampler']['collectors']['jmx']['labels']
print([k for k, v in m.items() if v == 'OperatingSystem.ProcessCpuTime'][0])" 2>/dev/null)
check "collectors.json names the long label's data source" test -n "$ds"
stat_ok "with the midolman file: ProcessCpuTime moves" "$d/rrd/jmx.rrd" "${ds:-none}" '$1 >= 4 && $6 > $5'

# 4. The sidecar killed twice (by the pids the run recorded in its
# ledger): restarted once, then the collector fails and the verdict says so.
# A 14 s trial: the second sidecar dies about 8 s in (2 s after the first
# is found, 4 s after the second), with time left for the run to see it.
rm -rf "$res"
"$PT" "${SHORT[@]}" -o THROUGHPUT_SCAN_BURST=14000 -o HEAPDUMP=no \
	--sut "pid:$app" direct >"$tmp/kill.out" 2>&1 &
ptpid=$!
sidecar() { awk -F'\t' '$2 == "pt-jmx" { p = $4 } END { print p }' "$res"/.ledger/* 2>/dev/null; }
first=
for _ in $(seq 150); do
	first=$(sidecar)
	[ -n "$first" ] && grep -q "collector 'jmx':" "$(run_dir)/run.log" 2>/dev/null && break
	sleep 0.2
done
check "found the sidecar's pid in the ledger" test -n "$first"
sleep 2; kill -9 "$first" 2>/dev/null
second=
for _ in $(seq 100); do
	second=$(sidecar)
	[ -n "$second" ] && [ "$second" != "$first" ] && break
	sleep 0.2
done
check "a second sidecar was started" test -n "$second" -a "$second" != "$first"
sleep 4; kill -9 "$second" 2>/dev/null
wait "$ptpid"
RC=$?
OUT=$(cat "$tmp/kill.out")
d=$(run_dir)
check "a failed collector: exit 1 (verdict)" test "$RC" -eq 1
has "the restart is said" "starting it again, once"
has "the failure is said" "collector 'jmx' failed: the JMX sidecar died again"
check "summary.json: check 'collectors worked' failed" python3 -c "
import json,sys; s=json.load(open('$d/summary.json'))
c=[x for x in s['verdict']['checks'] if x['name']=='collectors worked']
sys.exit(not (c and not c[0]['pass'] and 'jmx' in c[0]['why']))"
check "no sidecar left" sh -c "! kill -0 $second 2>/dev/null"
stop_app

# 5. Bad settings: exit 2 saying where and what is expected.
printf '{\n  "servers": [ {\n    "queries": [ { "obj" "x" } ]\n  } ]\n}\n' >"$tmp/broken.json"
run_pt 2 --dry-run -o JMX_CONFIG="$tmp/broken.json" direct
has "broken JSON: file, line and column" "JMX_CONFIG"
has "broken JSON: where" "$tmp/broken.json:3:"
run_pt 2 --dry-run -o JMX_URL=localhost direct
has "bad JMX_URL: what is expected" "expected host:port"

# 6. No JVM to watch: the jmx collector says why and stays out.
run_pt 0 "${SHORT[@]}" -o THROUGHPUT_SCAN_BURST=2000 direct
has "no JVM: jmx not started, and why" "collector 'jmx' not started: this run has nothing for it: the system under test is no JVM"
