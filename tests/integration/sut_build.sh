#!/usr/bin/env bash
# The build under test end to end (root): --sut ovs-build:DIR on a prefix
# and on a build tree made of Debian's own OVS files, where the daemons
# that run and the ovs-vsctl a shell topology finds must be the copies;
# OVS_OTHER_CONFIG read back from that private OVS with its own ovs-vsctl;
# --sut-packages with Debian's OVS .deb files (installed, recorded, the run
# passes) and with a package apt cannot install (exit 3, apt's words);
# a DIR that is no build (exit 2) and OVS_DATAPATH=system without the
# kernel module (exit 3).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-sutbuild-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
res=$tmp/results
before=$(leftovers)
# A run of a few seconds: one short step, nothing but the SUT's start and
# the topology matter here.
opts="-p ci -d $res --no-post -o THROUGHPUT_SEARCH=steps -o THROUGHPUT_SCAN_START_RATE=1000 -o THROUGHPUT_MAX_SCAN_RATE=1000 -o THROUGHPUT_SCAN_BURST=1000 -o THROUGHPUT_SCAN_PAUSE=0 -o WARMUP_PACKETS=0 -o LONG_RUNNING_SCAN_ITERATIONS=0 -o LATENCY_LOADS= -o COLLECTORS= -o REGRESSION_CHECK=no -o HISTORY_DB="
knobs="n-handler-threads=1,n-revalidator-threads=1,max-idle=10000"

# The metered bridge, and what its setup saw, in $tmp/probe.<what>: the
# executables of the two daemons, the ovs-vsctl PATH found, what that
# ovs-vsctl reads of other_config, and OVS_DATAPATH.
cat >"$tmp/probe_bridge.sh" <<EOF
. "$PWD/tests/topologies/metered_bridge.sh"
eval "\$(declare -f setup_topology | sed '1s/setup_topology/metered_setup/')"
setup_topology() {
    readlink /proc/\$(cat "\$OVS_RUNDIR/ovs-vswitchd.pid")/exe >"$tmp/probe.vswitchd"
    readlink /proc/\$(cat "\$OVS_RUNDIR/ovsdb-server.pid")/exe >"$tmp/probe.ovsdb"
    command -v ovs-vsctl >"$tmp/probe.vsctl"
    ovs-vsctl --timeout=10 get Open_vSwitch . other_config >"$tmp/probe.other_config"
    echo "\$OVS_DATAPATH" >"$tmp/probe.datapath"
    metered_setup
}
EOF

# meta QUERY: a Python expression on the newest run's metadata.json (m)
# and summary.json (s).
meta() {
	python3 - "$(run_dir)" "$1" <<'PY'
import json, sys
m = json.load(open(sys.argv[1] + "/metadata.json"))
s = json.load(open(sys.argv[1] + "/summary.json"))
ok = eval(sys.argv[2], {"m": m, "s": s})
if not ok: print("    ", json.dumps(m.get("sut"))[:1200])
sys.exit(0 if ok else 1)
PY
}

# used_from LAYOUT DIR: the run just made used DIR's files.
used_from() {
	check "$1: ovs-vswitchd ran from $2" grep -qx "$2/$3/ovs-vswitchd" "$tmp/probe.vswitchd"
	check "$1: ovsdb-server ran from $2" grep -qx "$2/$4/ovsdb-server" "$tmp/probe.ovsdb"
	check "$1: the topology's ovs-vsctl was $2's" grep -qx "$2/$5/ovs-vsctl" "$tmp/probe.vsctl"
	check "$1: OVS_OTHER_CONFIG read back with that ovs-vsctl" grep -q 'max-idle="10000", n-handler-threads="1", n-revalidator-threads="1"' "$tmp/probe.other_config"
	check "$1: the topology got OVS_DATAPATH=netdev" grep -qx netdev "$tmp/probe.datapath"
	check "$1: metadata says ovs-build, $1, its version" meta \
		"m['sut']['kind'] == 'ovs-build' and m['sut']['build']['layout'] == '$1' and m['sut']['build']['dir'] == '$2' and m['sut']['build']['version'].startswith('ovs-vswitchd (Open vSwitch)')"
	check "$1: metadata and summary.json keep other_config" meta \
		"m['sut']['other_config'] == {'n-handler-threads': '1', 'n-revalidator-threads': '1', 'max-idle': '10000'} and s['settings']['OVS_OTHER_CONFIG'] == '$knobs' and s['settings']['OVS_DATAPATH'] == 'netdev'"
}

# A prefix from Debian's own files, as `make install` lays one out.
pre=$tmp/prefix
mkdir -p "$pre/sbin" "$pre/bin" "$pre/share/openvswitch"
cp /usr/sbin/ovs-vswitchd /usr/sbin/ovsdb-server "$pre/sbin/"
cp /usr/bin/ovsdb-tool /usr/bin/ovs-vsctl /usr/bin/ovs-appctl /usr/bin/ovs-ofctl "$pre/bin/"
cp /usr/share/openvswitch/vswitch.ovsschema "$pre/share/openvswitch/"

run_pt 0 $opts --sut "ovs-build:$pre" -o "OVS_OTHER_CONFIG=$knobs" "$tmp/probe_bridge.sh"
used_from prefix "$pre" sbin sbin bin
check "prefix: no git describe outside a checkout" meta "m['sut']['build']['git_describe'] is None"

# The same files where OVS's own build leaves them, in a git checkout;
# OVS_OTHER_CONFIG from a host's profile this time.
tree=$tmp/tree
mkdir -p "$tree/vswitchd" "$tree/ovsdb" "$tree/utilities"
cp /usr/sbin/ovs-vswitchd /usr/share/openvswitch/vswitch.ovsschema "$tree/vswitchd/"
cp /usr/sbin/ovsdb-server /usr/bin/ovsdb-tool "$tree/ovsdb/"
cp /usr/bin/ovs-vsctl /usr/bin/ovs-appctl /usr/bin/ovs-ofctl "$tree/utilities/"
echo "a build" >"$tree/README"
git -C "$tree" init -q && git -C "$tree" add README &&
	git -C "$tree" -c user.name=pt -c user.email=pt@example.invalid commit -qm build &&
	git -C "$tree" tag v0.0.1-pt
{ cat profiles.d/ci/perftests.conf; echo "OVS_OTHER_CONFIG = \"$knobs\";"; } >"$tmp/host.conf"
run_pt 0 ${opts/-p ci/-p $tmp/host.conf} --sut "ovs-build:$tree" "$tmp/probe_bridge.sh"
used_from "build tree" "$tree" vswitchd ovsdb utilities
check "build tree: git describe recorded" meta "m['sut']['build']['git_describe'] == 'v0.0.1-pt'"
line=$(($(wc -l <profiles.d/ci/perftests.conf) + 1))
check "build tree: OVS_OTHER_CONFIG came from the profile" meta \
	"m['settings']['OVS_OTHER_CONFIG']['from'] == '$tmp/host.conf:$line'"

# Neither layout: exit 2 before anything runs, saying what was looked for.
mkdir -p "$tmp/notabuild/sbin"
cp /usr/sbin/ovs-vswitchd "$tmp/notabuild/sbin/"
run_pt 2 $opts --sut "ovs-build:$tmp/notabuild" basic_topology
has "no build: names the layouts" "is neither an OVS build tree (vswitchd/ovs-vswitchd"
has "no build: names what the prefix lacks" "missing sbin/ovsdb-server, bin/ovsdb-tool"

# The system datapath needs the kernel module.
if [ -d /sys/module/openvswitch ] || grep -qs '^openvswitch ' /proc/modules; then
	echo "SKIP: OVS_DATAPATH=system without the module (it is loaded here)"
else
	run_pt 3 $opts -o OVS_DATAPATH=system basic_topology
	has "system datapath: says the module is missing" "OVS_DATAPATH=system needs the openvswitch kernel module"
	check "system datapath: failed in start_sut" meta "m['error']['phase'] == 'start_sut' and m['error']['exit_code'] == 3"
fi

# Debian's OVS packages, as a build job would hand them over.
debs=$tmp/debs
mkdir -p "$debs"
chmod 755 "$tmp" "$debs"
if (cd "$debs" && apt-get download openvswitch-switch openvswitch-common >"$tmp/download.log" 2>&1); then
	run_pt 0 $opts --sut-packages "$debs" basic_topology
	has "packages: install_sut ran" "phase install_sut"
	for p in openvswitch-common openvswitch-switch; do
		v=$(dpkg-deb -f "$debs"/${p}_*.deb Version)
		check "packages: $p $v recorded" meta \
			"any(x['package'] == '$p' and x['version'] == '$v' for x in m['sut_packages'])"
		check "packages: $p $v installed" test "$(dpkg-query -W -f '${Version}' $p)" = "$v"
	done
	check "packages: apt's output kept" grep -q openvswitch-switch "$(run_dir)/install_sut.log"
else
	fail "apt-get download openvswitch-switch openvswitch-common: $(tail -n 1 "$tmp/download.log")"
fi

# A package apt cannot install: exit 3 with apt's own words, no SUT.
bad=$tmp/bad
mkdir -p "$bad/pkg/DEBIAN"
printf 'Package: pt-test-unsatisfiable\nVersion: 1.0\nArchitecture: all\nMaintainer: perftests <pt@example.invalid>\nDepends: pt-no-such-package-anywhere\nDescription: a test package no system can install\n' >"$bad/pkg/DEBIAN/control"
dpkg-deb --build "$bad/pkg" "$bad/pt-test-unsatisfiable_1.0_all.deb" >/dev/null
rm -rf "$bad/pkg"
run_pt 3 $opts -o "SUT_PACKAGES=$bad" basic_topology
has "bad package: apt's reason" "pt-no-such-package-anywhere"
check "bad package: failed in install_sut, before any SUT" meta \
	"m['error']['phase'] == 'install_sut' and 'sut' not in m and m['sut_packages'][0]['package'] == 'pt-test-unsatisfiable'"
check "bad package: not installed" sh -c '! dpkg-query -W pt-test-unsatisfiable >/dev/null 2>&1'

# A folder without .deb files is a usage error, named by its option.
run_pt 2 $opts --sut-packages "$tmp/notabuild" basic_topology
has "no .deb: says so" "SUT_PACKAGES: expected a directory with the build's .deb files"

check "nothing left behind" test "$(leftovers "$before")" = ""
