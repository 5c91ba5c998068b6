#!/usr/bin/env bash
# Several hosts over real SSH (issue 19, part 4; README "Several hosts"),
# root: two "hosts", each a namespace with its own Debian sshd
# (tests/integration/lib_hosts.sh), and `perftests --hosts` driving
# agents on them.  (a) the hosts: each reached by its name, a key they do
# not know and a host key nobody trusts are refused; (b) a host that
# cannot be reached: exit 3 naming it; (c) a two-host run over SSH, every
# phase, latency reported, nothing left on either host nor here; (d) an
# agent killed mid-trial: exit 4 in that phase naming the host, nothing
# left; (e) the TCP phase across the two hosts.
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

# run_err EXPECTED_RC ARGS...: as run_pt, with stderr alone in $OUT (the
# log is there; what the run prints last is on stdout).
run_err() {
	local want=$1; shift
	OUT=$("$PT" "$@" 2>&1 >/dev/null)
	RC=$?
	if [ "$RC" -eq "$want" ]; then
		pass "perftests $* -> exit $want"
	else
		fail "perftests $* -> exit $RC, expected $want"
		printf '%s\n' "$OUT" | sed 's/^/    /'
	fi
}
# since T0: seconds from $EPOCHREALTIME T0 to now.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
below() { awk -v x="$1" -v hi="$2" 'BEGIN { exit !(x < hi) }'; }

# clean NAME: nothing runs on either host but its sshd, each host has what
# it had before the run (links, addresses, namespaces), and nothing pt- is
# left here.
clean() {
	local i left
	for i in 1 2; do
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
	left=$(leftovers)
	if [ "$left" = "$before" ]; then pass "$1: nothing pt- left here"; else fail "$1: left behind: $left"; fi
}

# --- (a) the hosts themselves.
t0=$EPOCHREALTIME
if hosts_up 2; then
	pass "two hosts up, each a namespace with its own sshd ($(since "$t0") s)"
else
	fail "two hosts up"
	exit 1
fi
for i in 1 2; do
	check "ssh hv$i runs in its namespace ${HOST_NS[i]}" \
		test "$(ssh -F "$SSH_CONFIG" "hv$i" ip netns identify 2>&1)" = "${HOST_NS[i]}"
	host_state "$i" >"$tmp/state$i.before"
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
