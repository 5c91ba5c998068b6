# Shared helpers of the shell tests: one "PASS: name" or "FAIL: name" line
# per check, which tests/run-tests.sh counts.
PT=${PT:-./perftests}

# short_run FRAMES: SHORT=(...) the options of a short run into $res: no
# warm-up, no long run, one trial of FRAMES frames at 1000 pps.
short_run() {
	SHORT=(-p ci -d "$res" -o WARMUP_PACKETS=0 -o LONG_RUNNING_SCAN_ITERATIONS=0
		-o THROUGHPUT_SCAN_START_RATE=1000 -o THROUGHPUT_MAX_SCAN_RATE=1000
		-o THROUGHPUT_SCAN_BURST="$1")
}

# A quick NDR search through a meter of tests/topologies/metered_bridge.sh
# (up to 60 kpps, no latency, no collectors): the settings of the tests
# that compare runs (ab.sh; history.sh with METERED_QUICK below).
METERED_OPTS="-o THROUGHPUT_SEARCH=ndr -o SEARCH_TRIAL_DURATION=0.5 -o SEARCH_FINAL_DURATION=0.5 -o SEARCH_DURATION_SUM=2 -o WARMUP_PACKETS=0 -o LONG_RUNNING_SCAN_ITERATIONS=0 -o FLOW_PATTERN=single -o THROUGHPUT_MAX_SCAN_RATE=60000 -o LATENCY_LOADS= -o COLLECTORS="
# Quicker still, for a test whose checks allow 2 % (history.sh, a
# calibrated run of traffic.sh): quarter-second trials, four of them
# deciding a load (as many as METERED_OPTS's half-second ones, so a hiccup
# of the host is outvoted as well, in two thirds of the time).  The meter's
# bucket lets such a trial pass up to 2 % above its rate, so the PDR sits
# at that ceiling, often the same figure to the packet in several runs:
# not for ab.sh, whose Welch interval of two sides without spread is a
# point, and a difference of 4 pps "significant".
METERED_QUICK="$METERED_OPTS -o SEARCH_TRIAL_DURATION=0.25 -o SEARCH_FINAL_DURATION=0.25 -o SEARCH_DURATION_SUM=1"

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; }

# check NAME COMMAND...: passes when the command succeeds.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# run_pt EXPECTED_RC ARGS...: runs perftests, keeps stdout+stderr in $OUT
# and its exit code in $RC; passes when the code is the expected one.
# run_pt_err: the same with stderr alone in $OUT (the log and the errors,
# without the table a run prints last on stdout).
run_pt() { run_pt_keep all "$@"; }
run_pt_err() { run_pt_keep err "$@"; }
run_pt_keep() {
	local keep=$1 want=$2 before; shift 2
	before=$(run_dirs)
	if [ "$keep" = err ]; then OUT=$("$PT" "$@" 2>&1 >/dev/null); else OUT=$("$PT" "$@" 2>&1); fi
	RC=$?
	LAST_RUN_SEEN=$(run_dirs)
	LAST_RUN=$(LC_ALL=C comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$LAST_RUN_SEEN") | tail -n 1)
	if [ "$RC" -eq "$want" ]; then
		pass "perftests $* -> exit $want"
	else
		fail "perftests $* -> exit $RC, expected $want"
		printf '%s\n' "$OUT" | sed 's/^/    /'
	fi
}

# has NAME PATTERN: $OUT contains the fixed string PATTERN.
has() {
	if printf '%s\n' "$OUT" | grep -qF -- "$2"; then
		pass "$1"
	else
		fail "$1: output lacks '$2'"
		printf '%s\n' "$OUT" | sed 's/^/    /'
	fi
}

# running PID: the process exists and is no zombie (an init that is slow
# to reap orphans must not make a stopped process look alive).
running() {
	[ -r /proc/$1/stat ] || return 1
	[ "$(sed 's/.*) \(.\).*/\1/' /proc/$1/stat)" != Z ]
}

# leftovers: pt- namespaces and links on the machine, one per line.
leftovers() {
	{ ip netns list 2>/dev/null | awk '{print "netns " $1}'
	  ip -o link 2>/dev/null | awk -F': ' '{print "link " $2}'; } |
		grep -E ' pt-' | grep -v -- "${1:-^$}"
}

# run_dirs: the run directories under $res (not their bundles beside
# them), one per line in name order.
run_dirs() {
	[ -n "$res" ] || return 0
	LC_ALL=C ls -d "$res"/*-*-*-*/ 2>/dev/null | sed 's:/$::'
}

# run_dir: the run directory the last run_pt made, while no run has come
# or gone since; else the newest by name.  A name holds the start to the
# second, so two runs started in one second sort by their random tails:
# a run that fails at once and the next one are such a pair.
run_dir() {
	if [ -n "$LAST_RUN" ] && [ "$(run_dirs)" = "$LAST_RUN_SEEN" ]; then
		echo "$LAST_RUN"
	else
		run_dirs | tail -n 1
	fi
}

# stat_ok NAME FILE DS AWK-CONDITION: the data source has samples and the
# condition holds for "samples min median max first last" (rrd_fetch_r).
# rrd_stat's error, or "0 nan ...", fails: awk would compare such words as
# strings, and "rrd_stat: no data source" >= 4 is true.
stat_ok() {
	local s
	if s=$(build/tests/tools/rrd_stat "$2" "$3" 2>&1) &&
		echo "$s" | awk "NF == 6 && \$1 > 0 && \$1 == \$1 + 0 { exit !($4) } { exit 1 }"; then
		pass "$1 ($s)"
	else
		fail "$1: $3 = $s"
	fi
}

# headless ARGS...: Debian's Chromium, headless, on ARGS: a profile of its
# own in $tmp (not the CI user's $HOME), /tmp instead of a container's
# small /dev/shm, and two minutes at most, so a hung browser fails its
# check instead of the whole job.
headless() {
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
		--disable-dev-shm-usage --user-data-dir="$tmp/chromium-profile" "$@"
}

# free_port: a TCP port free on 127.0.0.1 now (the kernel's pick).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_listen PORT: until 127.0.0.1:PORT takes connections (5 s at most).
wait_listen() {
	for _ in $(seq 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# nginx_conf DIR SERVERS: the configuration of a private nginx (Debian's)
# with prefix DIR, run as www-data (DIR and what is above it must let that
# user in), its http block holding SERVERS (server { ... } blocks).  The
# access log, DIR/access.log, says "REQUEST STATUS REQUEST_LENGTH" a line.
nginx_conf() {
	mkdir -p "$1/tmp"
	chown -R www-data "$1"
	cat >"$1/nginx.conf" <<CONF
user www-data;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log;
events { worker_connections 64; }
http {
    log_format withlen '\$request \$status \$request_length';
    access_log $1/access.log withlen;
    client_body_temp_path $1/tmp/body;
    proxy_temp_path $1/tmp/proxy;
    fastcgi_temp_path $1/tmp/fastcgi;
    uwsgi_temp_path $1/tmp/uwsgi;
    scgi_temp_path $1/tmp/scgi;
    client_max_body_size 512m;
$2
}
CONF
}

# nginx_webdav PREFIX: a location of nginx_conf's SERVERS that takes WebDAV
# PUT below PREFIX, making the folders a PUT needs (create_full_put_path).
nginx_webdav() {
	printf '        location %s {\n            dav_methods PUT MKCOL;\n' "$1"
	printf '            create_full_put_path on;\n            dav_access user:rw group:r all:r;\n        }\n'
}

# nginx_start DIR PORT: starts the nginx nginx_conf wrote, in the
# foreground of a child whose pid is NGX (nginx_stop stops it by that pid,
# so no other nginx on the host is touched); waits until PORT answers.
NGX=
nginx_start() {
	/usr/sbin/nginx -p "$1" -c "$1/nginx.conf" -g 'daemon off;' &
	NGX=$!
	wait_listen "$2"
}

nginx_stop() {
	[ -n "$NGX" ] && kill "$NGX" 2>/dev/null && wait "$NGX" 2>/dev/null
	NGX=
}

# ovs_lab_start DIR [TASKSET_CPUS]: an OVS of our own that runs before and
# after perftests, as a lab's does (for --sut ovs-rundir:DIR), in the root
# namespace where such an OVS is; its pids in $db_pid and $vs_pid, its
# control socket in $ctl.  TASKSET_CPUS pins ovs-vswitchd from its start.
ovs_lab_start() {
	local d=$1 pin=${2:+taskset -c $2}
	mkdir -p "$d"
	export OVS_RUNDIR=$d OVS_DBDIR=$d OVS_LOGDIR=$d OVS_SYSCONFDIR=$d
	ovsdb-tool create "$d/conf.db" /usr/share/openvswitch/vswitch.ovsschema
	ovsdb-server "$d/conf.db" --remote="punix:$d/db.sock" --pidfile="$d/ovsdb-server.pid" \
		--log-file="$d/ovsdb-server.log" >/dev/null 2>&1 & db_pid=$!
	for _ in $(seq 100); do [ -S "$d/db.sock" ] && break; sleep 0.1; done
	ovs-vsctl --db="unix:$d/db.sock" --no-wait init
	$pin ovs-vswitchd "unix:$d/db.sock" --pidfile="$d/ovs-vswitchd.pid" \
		--log-file="$d/ovs-vswitchd.log" >/dev/null 2>&1 & vs_pid=$!
	ctl=$d/ovs-vswitchd.$vs_pid.ctl
	for _ in $(seq 100); do ovs-appctl -t "$ctl" version >/dev/null 2>&1 && break; sleep 0.1; done
	unset OVS_RUNDIR OVS_DBDIR OVS_LOGDIR OVS_SYSCONFDIR
}

# ovs_lab_stop: ends what ovs_lab_start started, by its pids.
ovs_lab_stop() {
	kill "$vs_pid" "$db_pid" 2>/dev/null
	wait "$vs_pid" "$db_pid" 2>/dev/null
}
