# Several "hosts" on this machine, for the tests of `perftests --hosts`
# (README "Several hosts"; sourced after lib.sh, bash, root).
#
# hosts_up N makes hv1..hvN.  Each is a network namespace pt-h<tag>-<i>
# running its own Debian sshd (`/usr/sbin/sshd -D`, its own host key, its
# own configuration, all in a folder of the test), listening on
# 198.18.<m>.<8i-6> inside it.  The root namespace reaches it through a
# veth pair, pt-h<tag>-m<i> (root side, .<8i-7>/29) and pt-h<tag>-n<i>
# (inside, .<8i-6>/29 and .<8i-5>/29, on which nothing listens: a host
# that is up without an sshd); N is at most 30.  A key made here logs in
# as root; an ssh_config names the hosts hv1..hvN and trusts only the
# host keys made here.  hv1 and hv2 are joined by a data link, pt-h<tag>-d1 (in hv1,
# 198.18.<m+8>.1/24) and pt-h<tag>-d2 (in hv2, .2/24): the network between
# them, the datapath a two-host run measures.  Root's ~/.ssh, /etc/ssh and
# the system's sshd are never read nor touched: every ssh here runs with
# -F, which also keeps ssh from making ~/.ssh.
#
# It sets:
#   HOSTS_DIR        the test's folder for keys, configurations, logs
#   HOSTS_FILE       a hosts file of every host, agent = "<PT> agent"
#   SSH_CONFIG       an ssh_config that reaches hv1..hvN (ssh -F)
#   SSH_CONFIG_BADKEY  the same, but hv2 gets a key it does not accept
#   HOST_NS[i] HOST_ADDR[i] HOST_DEAD[i] HOST_IF[i] HOST_DATA[i] SSHD_PID[i]
#     the namespace, sshd's address, an address of the host where nothing
#     listens, the data interface and its address (CIDR) of hv<i>
#
# Everything is written to $HOSTS_DIR/ledger before it is made, so
# hosts_down (call it from the test's EXIT trap) removes all of it
# however the test ends: sshd by the pid started here once its start time
# still matches, then whatever else still runs on a host (what a session
# left behind: its pid and start time read again just before the signal),
# the namespaces, the root side links, the folder.  /run/sshd (sshd's
# privilege separation folder, which Debian's init makes) is made only
# when missing, and then removed again.

HOSTS_DIR= HOSTS_FILE= SSH_CONFIG= SSH_CONFIG_BADKEY=
HOST_NS=() HOST_ADDR=() HOST_DEAD=() HOST_IF=() HOST_DATA=() SSHD_PID=()
HOSTS_N=0

# hosts_record KIND NAME [MORE]: one line of the ledger, before the thing.
hosts_record() { echo "$*" >>"$HOSTS_DIR/ledger"; }

# proc_start PID: the process's start time (field 22 of /proc/PID/stat,
# after the command name, which may hold spaces), empty when it is gone.
proc_start() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	set -- $s
	echo "${20}"
}

# hosts_pick_tag: a tag of 4 hex digits whose names nothing on the machine
# has yet, and a 198.18.<m>.0/24 for the control links that no address of
# the root namespace is in (240..247; the data links take m+8, inside the
# hosts only).  Other tests use 198.18.0-5.x.
hosts_pick_tag() {
	local m
	for _ in 1 2 3 4 5 6 7 8; do
		HOSTS_TAG=$(od -An -N2 -tx2 /dev/urandom | tr -d ' ')
		ip netns list | grep -q "^pt-h$HOSTS_TAG-" || ip -o link | grep -q "pt-h$HOSTS_TAG-" || break
	done
	for m in 240 241 242 243 244 245 246 247; do
		if [ -z "$(ip -o addr show to "198.18.$m.0/24")" ]; then HOSTS_NET=$m; return 0; fi
	done
	echo "lib_hosts: every 198.18.240-247.0/24 is in use in the root namespace" >&2
	return 1
}

# hosts_ssh_config FILE [BAD]: an ssh_config for hv1..hvN (by name or by
# either address) that trusts the hosts' own keys only and logs in with
# the key made here, except on hv<BAD>, which gets a key it does not know.
# The key is said per host: IdentityFile adds up over the blocks that
# match, and a host without one would be offered root's own keys.
hosts_ssh_config() {
	local i key
	{
		for ((i = 1; i <= HOSTS_N; i++)); do
			key=$HOSTS_DIR/client
			[ "$i" = "${2:-0}" ] && key=$HOSTS_DIR/stranger
			# The name stands for sshd's address; the address where nothing
			# listens is reached as itself.
			printf 'Host hv%d\n    HostName %s\nHost hv%d %s %s\n    IdentityFile %s\n' \
				"$i" "${HOST_ADDR[i]}" "$i" "${HOST_ADDR[i]}" "${HOST_DEAD[i]}" "$key"
		done
		cat <<CONF
Host *
    User root
    IdentitiesOnly yes
    IdentityAgent none
    UserKnownHostsFile $HOSTS_DIR/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    CheckHostIP no
    BatchMode yes
    ForwardAgent no
    ForwardX11 no
    ClearAllForwardings yes
    ConnectTimeout 3
    ServerAliveInterval 5
    LogLevel ERROR
CONF
	} >"$1"
}

# hosts_file FILE SSH_CONFIG ENTRY...: a hosts file; each ENTRY is
# "NAME TARGET I": host NAME reached as TARGET (user@address), with the
# data interface and address of hv<I> when it has one (a host past the
# second has none: it can only be --sut-host).
hosts_file() {
	local file=$1 cfg=$2 e name target i sep=
	shift 2
	{
		printf 'ssh_config = "%s";\n' "$cfg"
		printf 'agent = "%s agent";\n' "$(realpath "$PT")"
		printf 'hosts = (\n'
		for e in "$@"; do
			read -r name target i <<<"$e"
			printf '%s  { name = "%s"; ssh = "%s";' "$sep" "$name" "$target"
			[ -z "${HOST_IF[i]:-}" ] ||
				printf ' interface = "%s"; address = "%s";' "${HOST_IF[i]}" "${HOST_DATA[i]}"
			printf ' }'
			sep=$',\n'
		done
		printf '\n);\n'
	} >"$file"
}

# hosts_wait_ssh I: until hv<I>'s sshd takes connections (5 s at most).
hosts_wait_ssh() {
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/${HOST_ADDR[$1]}/22") 2>/dev/null && return 0
		running "${SSHD_PID[$1]}" || return 1
		sleep 0.1
	done
	return 1
}

# host_up I: hv<I>'s namespace, control link, sshd.
host_up() {
	local i=$1 ns=pt-h$HOSTS_TAG-$1 out=pt-h$HOSTS_TAG-m$1 in=pt-h$HOSTS_TAG-n$1
	local base=$((8 * i - 8)) d=$HOSTS_DIR/hv$i pid
	HOST_NS[i]=$ns
	HOST_ADDR[i]=198.18.$HOSTS_NET.$((base + 2))
	HOST_DEAD[i]=198.18.$HOSTS_NET.$((base + 3))
	mkdir -p "$d"
	hosts_record netns "$ns"
	ip netns add "$ns" || return 1
	ip -n "$ns" link set lo up || return 1
	# The root side goes with its peer, and the peer with the namespace;
	# recorded anyway, should the namespace be gone first.
	hosts_record link "$out"
	ip link add "$out" type veth peer name "$in" netns "$ns" || return 1
	ip addr add "198.18.$HOSTS_NET.$((base + 1))/29" dev "$out" || return 1
	ip link set "$out" up || return 1
	ip -n "$ns" addr add "${HOST_ADDR[i]}/29" dev "$in" || return 1
	ip -n "$ns" addr add "${HOST_DEAD[i]}/29" dev "$in" || return 1
	ip -n "$ns" link set "$in" up || return 1
	ssh-keygen -q -t ed25519 -N '' -C "pt-hv$i" -f "$d/host_key" || return 1
	echo "${HOST_ADDR[i]} $(cut -d' ' -f1,2 "$d/host_key.pub")" >>"$HOSTS_DIR/known_hosts"
	cat >"$d/sshd_config" <<CONF
ListenAddress ${HOST_ADDR[i]}
Port 22
HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $HOSTS_DIR/authorized_keys
# The keys live in /tmp, which StrictModes would refuse.
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
UseDNS no
AllowAgentForwarding no
AllowTcpForwarding no
X11Forwarding no
PermitTunnel no
PrintMotd no
PrintLastLog no
CONF
	# `ip netns exec` execs sshd: the pid of the job is sshd's.
	ip netns exec "$ns" /usr/sbin/sshd -D -f "$d/sshd_config" -E "$d/sshd.log" &
	pid=$!
	SSHD_PID[i]=$pid
	hosts_record sshd "$pid" "$(proc_start "$pid")" "$d/sshd_config"
	hosts_wait_ssh "$i" || { echo "lib_hosts: sshd of hv$i does not listen:" >&2; cat "$d/sshd.log" >&2; return 1; }
}

# hosts_up N: hv1..hvN, and the data link between hv1 and hv2 (N >= 2).
hosts_up() {
	local i
	HOSTS_N=$1
	HOSTS_DIR=$(mktemp -d /tmp/pt-hosts-XXXXXX) || return 1
	: >"$HOSTS_DIR/ledger"
	: >"$HOSTS_DIR/known_hosts"
	hosts_pick_tag || return 1
	if [ ! -d /run/sshd ]; then
		hosts_record made /run/sshd
		mkdir -m 755 /run/sshd || return 1
	fi
	ssh-keygen -q -t ed25519 -N '' -C pt-client -f "$HOSTS_DIR/client" || return 1
	ssh-keygen -q -t ed25519 -N '' -C pt-stranger -f "$HOSTS_DIR/stranger" || return 1
	cp "$HOSTS_DIR/client.pub" "$HOSTS_DIR/authorized_keys"
	for ((i = 1; i <= HOSTS_N; i++)); do
		host_up "$i" || return 1
	done
	if [ "$HOSTS_N" -ge 2 ]; then
		HOST_IF[1]=pt-h$HOSTS_TAG-d1 HOST_IF[2]=pt-h$HOSTS_TAG-d2
		HOST_DATA[1]=198.18.$((HOSTS_NET + 8)).1/24 HOST_DATA[2]=198.18.$((HOSTS_NET + 8)).2/24
		hosts_record link "${HOST_IF[1]}" "${HOST_NS[1]}"
		hosts_record link "${HOST_IF[2]}" "${HOST_NS[2]}"
		ip link add "${HOST_IF[1]}" netns "${HOST_NS[1]}" type veth \
			peer name "${HOST_IF[2]}" netns "${HOST_NS[2]}" || return 1
		for i in 1 2; do
			ip -n "${HOST_NS[i]}" addr add "${HOST_DATA[i]}" dev "${HOST_IF[i]}" || return 1
			ip -n "${HOST_NS[i]}" link set "${HOST_IF[i]}" up || return 1
		done
	fi
	SSH_CONFIG=$HOSTS_DIR/ssh_config SSH_CONFIG_BADKEY=$HOSTS_DIR/ssh_config.badkey
	hosts_ssh_config "$SSH_CONFIG"
	hosts_ssh_config "$SSH_CONFIG_BADKEY" 2
	HOSTS_FILE=$HOSTS_DIR/hosts.conf
	local entries=()
	for ((i = 1; i <= HOSTS_N; i++)); do entries+=("hv$i root@${HOST_ADDR[i]} $i"); done
	hosts_file "$HOSTS_FILE" "$SSH_CONFIG" "${entries[@]}"
}

# hosts_data_addr add|del: puts the data links' addresses on (as a lab
# host's interface has its address) or takes them off (the agent then
# adds them for a run, and must take them off again).
hosts_data_addr() {
	local i
	for i in 1 2; do
		ip -n "${HOST_NS[i]}" addr "$1" "${HOST_DATA[i]}" dev "${HOST_IF[i]}" || return 1
	done
}

# host_has_addr I: hv<I>'s data interface has its address now.
host_has_addr() {
	ip -n "${HOST_NS[$1]}" -o addr show dev "${HOST_IF[$1]}" | grep -qF " ${HOST_DATA[$1]} "
}

# host_procs I: the pids of what runs on hv<I> besides its sshd: in its
# network namespace (`ip netns pids`), or in sshd's mount namespace (which
# `ip netns exec` made for it and every session inherits: a session's
# process that moved to another network namespace still counts).
host_procs() {
	local i=$1 sshd=${SSHD_PID[$1]} mnt
	# One stat for every process: a readlink each would take seconds.
	mnt=$(stat -L -c %i "/proc/$sshd/ns/mnt" 2>/dev/null)
	{
		ip netns pids "${HOST_NS[i]}" 2>/dev/null
		[ -z "$mnt" ] || stat -L -c '%i %n' /proc/[0-9]*/ns/mnt 2>/dev/null |
			awk -v ino="$mnt" '$1 == ino { split($2, p, "/"); print p[3] }'
	} | sort -un | grep -vx "$sshd"
}

# host_quiet I: nothing but sshd runs on hv<I>, waiting up to 10 s for the
# sessions of a run that just ended to go (a busy 2-core host tears an
# agent and its session down slowly); what is left is in HOST_LEFT.
host_quiet() {
	for _ in $(seq 100); do
		HOST_LEFT=$(host_procs "$1")
		[ -z "$HOST_LEFT" ] && return 0
		sleep 0.1
	done
	HOST_LEFT=$(for p in $HOST_LEFT; do echo "$p $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; done)
	return 1
}

# host_state I: what hv<I> has, as its own tools see it through its sshd
# (its namespaces too: one made by a session lives in sshd's mount
# namespace): links, addresses, namespaces.  IPv6 link-local addresses
# are left out: the kernel adds them on its own a moment after a link
# comes up.
host_state() {
	ssh -F "$SSH_CONFIG" "hv$1" \
		"ip -o link | awk -F': ' '{ sub(/@.*/, \"\", \$2); print \"link \" \$2 }';
		 ip -o addr | awk '\$4 !~ /^fe80:/ { print \"addr \" \$2 \" \" \$4 }';
		 ip netns list | awk '{ print \"netns \" \$1 }'" | sort
}

# agent_pid I: the pid of the `perftests agent` running on hv<I> (its
# argv[0] ends in perftests, its argv[1] is "agent": the shell that a
# session may put before it does not count).
agent_pid() {
	local p
	for p in $(host_procs "$1"); do
		[ -r "/proc/$p/cmdline" ] || continue
		mapfile -d '' -t argv <"/proc/$p/cmdline"
		if [ "${argv[0]##*/}" = perftests ] && [ "${argv[1]:-}" = agent ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# kill_verified PID START SIGNAL: the signal to PID while its start time is
# still START (a pid reused since is left alone).
kill_verified() {
	[ -n "$2" ] && [ "$(proc_start "$1")" = "$2" ] && kill "-$3" "$1" 2>/dev/null
}

# hosts_down: removes what the ledger lists, newest first.
hosts_down() {
	[ -n "$HOSTS_DIR" ] && [ -f "$HOSTS_DIR/ledger" ] || return 0
	local kind name a b i p starts=()
	# What still runs on a host, gathered while its sshd is there to tell
	# its mount namespace: pid and start time, signalled only if unchanged.
	for ((i = 1; i <= HOSTS_N; i++)); do
		[ -n "${SSHD_PID[i]:-}" ] || continue
		for p in $(host_procs "$i"); do starts+=("$p $(proc_start "$p")"); done
	done
	while read -r kind name a b; do
		case $kind in
		sshd)
			# name: the pid; a: its start time; b: its configuration,
			# which its command line names.
			if [ "$(proc_start "$name")" = "$a" ] &&
				tr '\0' ' ' <"/proc/$name/cmdline" 2>/dev/null | grep -qF -- "-f $b "; then
				kill -TERM "$name"
				wait "$name" 2>/dev/null
			fi ;;
		esac
	done < <(tac "$HOSTS_DIR/ledger")
	for p in "${starts[@]}"; do
		read -r a b <<<"$p"
		kill_verified "$a" "$b" TERM
	done
	for p in "${starts[@]}"; do
		read -r a b <<<"$p"
		for _ in $(seq 20); do running "$a" && [ "$(proc_start "$a")" = "$b" ] || break; sleep 0.1; done
		kill_verified "$a" "$b" KILL
	done
	while read -r kind name a b; do
		case $kind in
		link)
			if [ -n "$a" ]; then
				ip -n "$a" link del "$name" 2>/dev/null
			else
				ip link del "$name" 2>/dev/null
			fi ;;
		netns) ip netns del "$name" 2>/dev/null ;;
		made) rmdir "$name" 2>/dev/null ;;
		esac
	done < <(tac "$HOSTS_DIR/ledger")
	[ -n "${KEEP:-}" ] || rm -rf "$HOSTS_DIR"
	HOSTS_DIR=
}
