#!/usr/bin/env bash
# The command line as a user meets it: help, list, dry run, bad input.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export PERFTEST_RESULTSDIR=$tmp/results

run_pt 0 --help
has "help lists the commands" "perftests cleanup"
has "help tells the exit codes" "2 usage or configuration error"
run_pt 0 list --help
has "list --help is about list" "Lists the topologies"
run_pt 0 cleanup --help
has "cleanup --help is about cleanup" "cleanup ledgers"
run_pt 0 --version
has "version" "perftests "

run_pt 0 list
has "list shows basic_topology" "basic_topology"
has "list shows direct" "direct"
has "list shows the shell example" "example_bridge"
has "list shows profiles" "ci default nightly"

run_pt 0 --dry-run -o THROUGHPUT_MAX_SCAN_RATE=5000 basic_topology
has "dry run shows the plan" "topology     basic_topology"
has "dry run shows -o as the source" "THROUGHPUT_MAX_SCAN_RATE     = 5000         (-o)"
has "dry run shows the profile line" "profiles.d/default/perftests.conf:13)"
check "dry run creates no run directory" test ! -e "$tmp/results"

FRAME_SIZE=128 run_pt 0 --dry-run -p ci basic_topology
has "environment beats the profile" "FRAME_SIZE                   = 128          (environment)"
FRAME_SIZE=128 run_pt 0 --dry-run -p ci -o FRAME_SIZE=256 basic_topology
has "-o beats the environment" "FRAME_SIZE                   = 256          (-o)"
run_pt 0 --dry-run -o THROUGHPUT_SCAN_MAX_RATE=7000 direct
has "the original's spelling is an alias" "THROUGHPUT_MAX_SCAN_RATE     = 7000"

printf 'FRAME_SIZE = 64;\nTHROUGHPUT_SCAN_STEPP = 5;\n' > "$tmp/bad.conf"
run_pt 2 --dry-run -p "$tmp/bad.conf" basic_topology
has "broken profile names file:line and key" "$tmp/bad.conf:2: unknown key 'THROUGHPUT_SCAN_STEPP' (did you mean 'THROUGHPUT_SCAN_STEP'?)"
# @include: read beside the profile (not in the working directory), and
# what it sets or breaks is named with its own file and line.
mkdir -p "$tmp/inc"
printf '@include "common.conf"\nFRAME_SIZE = 128;\n' > "$tmp/inc/host.conf"
printf 'WARMUP_PACKETS = 7;\n' > "$tmp/inc/common.conf"
run_pt 0 --dry-run -p "$tmp/inc/host.conf" direct
has "an included key is named with its file and line" "WARMUP_PACKETS               = 7            ($tmp/inc/common.conf:1)"
has "the profile's own key with the profile's line" "FRAME_SIZE                   = 128          ($tmp/inc/host.conf:2)"
printf 'WARMUP_PACKETS = 7;\nTHROUGHPUT_SCAN_STEPP = 5;\n' > "$tmp/inc/common.conf"
run_pt 2 --dry-run -p "$tmp/inc/host.conf" direct
has "a bad key in an included file names that file's line" "$tmp/inc/common.conf:2: unknown key 'THROUGHPUT_SCAN_STEPP'"
printf 'WARMUP_PACKETS = ;\n' > "$tmp/inc/common.conf"
run_pt 2 --dry-run -p "$tmp/inc/host.conf" direct
has "a syntax error in an included file names that file's line" "$tmp/inc/common.conf:1: syntax error"
printf 'THROUGHPUT_SCAN_MAX_RATE=40000\nFLOW_PATTERN=scan\n' > "$tmp/shell.conf"
run_pt 2 -p "$tmp/shell.conf" basic_topology
has "shell-style profile says how to write it" "$tmp/shell.conf:2: FLOW_PATTERN: shell-style assignment"
check "a bad profile creates no run directory" test ! -e "$tmp/results"

run_pt 2 --dry-run -o FRAME_SIZE=10 basic_topology
has "bad -o names the option" "-o FRAME_SIZE=10: FRAME_SIZE: 10 is out of range"
FRAME_SIZE=big run_pt 2 --dry-run basic_topology
has "bad environment names the variable" "environment variable FRAME_SIZE: expected an integer"
run_pt 2 --dry-run -o REPORT_SSH_KEY=/nonexistent/pt-key direct
has "an unreadable REPORT_SSH_KEY is said before the run" "-o REPORT_SSH_KEY=/nonexistent/pt-key: REPORT_SSH_KEY: cannot read '/nonexistent/pt-key'"
run_pt 2 --dry-run -p nosuchprofile basic_topology
has "unknown profile lists the profiles" "expected one of: ci default nightly"
run_pt 2 --dry-run no_such_topology
has "unknown topology lists what exists" "linux_bridge"
run_pt 2 --bogus
has "unknown option" "unknown option '--bogus'"
run_pt 2
has "missing topology" "missing TOPOLOGY"

run_pt 0 print basic_topology
has "print describes the topology" "OVS bridge"
run_pt 0 print example_bridge
has "print runs print_topology of a shell topology" "example_bridge: a shell topology"
