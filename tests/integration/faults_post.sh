#!/usr/bin/env bash
# Fault injection on posting (issue 16, "What to build" 3), root, real
# servers on 127.0.0.1 only, each started here and stopped by its pid:
# Debian's nginx (WebDAV, a 409 / 413 / 500 location, TLS with a
# certificate made here), a listener of our own for what nginx cannot do
# (an answer that never comes, a reset mid-body: tests/tools/http_fault.py),
# and Debian's sshd for scp:// and sftp://.  For each case: the exit code,
# the spool, and what the server got (byte-equal where it landed).
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-fpost-XXXXXX)
helpers=()      # pids of the listeners and sshd started here
made_run_sshd=
cleanup() {
	nginx_stop
	for p in "${helpers[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -z "$made_run_sshd" ] || rmdir /run/sshd 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"      # nginx's www-data goes through it
res=$tmp/results www=$tmp/nginx/www
FAST=(-o REPORT_RETRIES=1 -o REPORT_RETRY_DELAY=0.1)

# --- the servers
port=$(free_port) tport=$(free_port)
while [ "$tport" = "$port" ]; do tport=$(free_port); done
mkdir -p "$www/upload" "$www/plain" "$www/tls" "$tmp/tls"
# A self-signed certificate for 127.0.0.1, and another the server does not
# use: trusting the wrong CA must not do.
for c in cert other; do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
		-keyout "$tmp/tls/$c.key" -out "$tmp/tls/$c.pem" 2>/dev/null
done
nginx_conf "$tmp/nginx" "    server {
        listen 127.0.0.1:$port;
        root $www;
$(nginx_webdav /upload/)
        # WebDAV that makes no folders: a PUT below a missing one is 409
        # (RFC 4918 9.7.1; nginx says 500, so it is mapped), and the
        # harness has to MKCOL them first.
        location /plain/ {
            dav_methods PUT MKCOL;
            error_page 500 =409 @conflict;
        }
        location @conflict { return 409; }
        location /small/ {
            client_max_body_size 1k;
            dav_methods PUT;
            create_full_put_path on;
        }
        location /broken/ { return 500; }
    }
    server {
        listen 127.0.0.1:$tport ssl;
        ssl_certificate $tmp/tls/cert.pem;
        ssl_certificate_key $tmp/tls/cert.key;
        root $www;
        # PUT only: a missing folder stays missing (409) until the test
        # makes it, so a spooled bundle can be sent again later.
        location /tls/ { dav_methods PUT; }
    }"
check "nginx starts (http and https)" nginx_start "$tmp/nginx" "$port"
check "nginx's https port answers" wait_listen "$tport"

# start_fault MODE: tests/tools/http_fault.py in that mode; its port in
# FPORT, its log (a line per request) in FLOG.
start_fault() {
	FLOG=$tmp/$1.log
	: >"$FLOG"
	python3 tests/tools/http_fault.py "$1" "$tmp/$1.port" "$FLOG" &
	helpers+=($!)
	for _ in $(seq 50); do [ -s "$tmp/$1.port" ] && break; sleep 0.1; done
	FPORT=$(cat "$tmp/$1.port")
}
# arrived N: the fault listener has logged N requests (30 s at most: a run
# measures first).
arrived() {
	for _ in $(seq 300); do
		[ "$(wc -l <"$FLOG")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# interrupt PID: Ctrl-C to it once its upload is under way; RC its exit
# code, SECS how long it took to end after the signal.
interrupt() {
	arrived 1 || fail "the upload reached the listener"
	local t0=$EPOCHREALTIME
	kill -INT "$1"
	wait "$1"
	RC=$?
	SECS=$(since "$t0")
}
# since T0: seconds from $EPOCHREALTIME T0 to now; within LO HI: LO <= $1 < HI.
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }
within() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x < hi) }'; }
start_fault slow
SLOW=$FPORT SLOW_LOG=$FLOG

# --- Ctrl-C during a run's upload: the run ends at once with 130, the
# bundle waits in the spool.  Its bundle serves every case below.
"$PT" -p ci -d "$res" -o WARMUP_PACKETS=0 -o LONG_RUNNING_SCAN_ITERATIONS=0 \
	-o THROUGHPUT_SCAN_START_RATE=1000 -o THROUGHPUT_MAX_SCAN_RATE=1000 \
	-o THROUGHPUT_SCAN_BURST=2000 -o REPORT_TIMEOUT=60 \
	--post "http://127.0.0.1:$SLOW/incoming/" direct >"$tmp/run.out" 2>&1 &
interrupt $!
id=$(basename "$(run_dir)") bundle=$res/$(basename "$(run_dir)").tar.gz
check "Ctrl-C in the run's upload: exit 130 (got $RC)" test "$RC" -eq 130
check "... within 3 s of the signal (${SECS} s)" within "$SECS" 0 3
check "... the bundle waits in the spool, byte-equal" cmp "$bundle" "$res/.spool/$id.tar.gz"
check "... metadata.json names the interrupted upload" grep -q '"phase": "post_report"' "$(run_dir)/metadata.json"
check "... it is not marked as posted" test ! -e "$bundle.posted"

# fresh CASE: a results folder of the case's own with a copy of the bundle
# in it, B (so each case has its own spool and its own record).
fresh() {
	mkdir -p "$tmp/$1"
	B=$tmp/$1/$id.tar.gz
	cp "$bundle" "$B"
}
# spooled: B waits in its folder's spool, byte-equal, and is not marked
# as posted.
spooled() {
	cmp -s "$B" "$(dirname "$B")/.spool/$id.tar.gz" && test -s "$(dirname "$B")/.spool/$id.tar.gz.json" &&
		test ! -e "$B.posted"
}
# puts PATH: how many PUTs of PATH nginx logged.
puts() { grep -c "^PUT $1 " "$tmp/nginx/access.log"; }

# --- Ctrl-C during `perftests post`: the same.
fresh ctrlc
: >"$SLOW_LOG"
"$PT" post -o REPORT_TIMEOUT=60 --post "http://127.0.0.1:$SLOW/incoming/" "$B" >"$tmp/post.out" 2>&1 &
interrupt $!
check "Ctrl-C in 'perftests post': exit 130 (got $RC)" test "$RC" -eq 130
check "... within 3 s of the signal (${SECS} s)" within "$SECS" 0 3
check "... the bundle waits in the spool" spooled

# --- no double post: what landed is never sent again.
run_pt 0 post --post "http://127.0.0.1:$port/upload/ctrlc/" "$B"
check "the spooled bundle posted directly lands byte-equal" cmp "$B" "$www/upload/ctrlc/$id.tar.gz"
check "... and leaves the spool" test ! -e "$tmp/ctrlc/.spool/$id.tar.gz.json"
run_pt 0 post --post "http://127.0.0.1:$port/upload/ctrlc/" "$B"
has "posting it again is refused" "posted already"
run_pt 0 post -d "$tmp/ctrlc"
check "one PUT in all" test "$(puts "/upload/ctrlc/$id.tar.gz")" -eq 1
# A spool entry of a bundle that landed (a spool restored from a backup,
# or a crash between the landing and the entry's removal) is not sent
# again.  The entry is a real one, spooled while the server failed; its
# target then mended by hand as an operator would.
fresh twice
run_pt 3 post -o REPORT_RETRIES=0 --post "http://127.0.0.1:$port/broken/" "$B"
sed -i "s#/broken/#/upload/twice/#" "$tmp/twice/.spool/$id.tar.gz.json"
cp -a "$tmp/twice/.spool" "$tmp/twice.bak"
run_pt 0 post -d "$tmp/twice"
check "the spool delivers it byte-equal" cmp "$B" "$www/upload/twice/$id.tar.gz"
rm -rf "$tmp/twice/.spool" && cp -a "$tmp/twice.bak" "$tmp/twice/.spool"
run_pt 0 post -d "$tmp/twice"
has "a stale spool entry of a posted bundle is said so" "posted already"
check "... not PUT again" test "$(puts "/upload/twice/$id.tar.gz")" -eq 1
check "... and it leaves the spool" test ! -e "$tmp/twice/.spool/$id.tar.gz.json"

# --- 409: the folders are made (MKCOL), then the PUT lands.
fresh c409
run_pt 0 post --post "http://127.0.0.1:$port/plain/a/b/" "$B"
check "409: the first PUT was refused" grep -q "^PUT /plain/a/b/$id.tar.gz HTTP/1.1 409 " "$tmp/nginx/access.log"
check "... the folders were made" grep -q "^MKCOL /plain/a/b/ HTTP/1.1 201 " "$tmp/nginx/access.log"
check "... then it landed byte-equal" cmp "$B" "$www/plain/a/b/$id.tar.gz"
check "... and is recorded" test -s "$B.posted"

# --- 413: too large for the server.
fresh c413
run_pt 3 post "${FAST[@]}" --post "http://127.0.0.1:$port/small/" "$B"
has "413: the reason is given" "413"
check "... the bundle waits in the spool" spooled
check "... nothing landed" test ! -e "$www/small/$id.tar.gz"

# --- 500: spooled, and a later 'perftests post' keeps it while it lasts.
fresh c500
run_pt 3 post "${FAST[@]}" --post "http://127.0.0.1:$port/broken/" "$B"
check "500: the bundle waits in the spool" spooled
run_pt 3 post -d "$tmp/c500"
has "... the spool is tried again and says so" "0 posted, 1 still waiting"
check "... and still holds it" spooled

# --- a server slower than REPORT_TIMEOUT: each attempt ends at the timeout.
fresh slow
: >"$SLOW_LOG"
t0=$EPOCHREALTIME
run_pt 3 post "${FAST[@]}" -o REPORT_TIMEOUT=2 --post "http://127.0.0.1:$SLOW/incoming/" "$B"
secs=$(since "$t0")
check "slow: two attempts of 2 s end the post (${secs} s)" within "$secs" 4 7
has "... the reason is the timeout" "timed out"
check "... the server got the whole body each time" test "$(awk -v n="$(stat -c %s "$B")" '$3 == n' "$SLOW_LOG" | wc -l)" -eq 2
check "... the bundle waits in the spool" spooled

# --- a reset mid-body.
start_fault reset
fresh reset
run_pt 3 post "${FAST[@]}" --post "http://127.0.0.1:$FPORT/incoming/" "$B"
has "reset: the reason is given" "reset"
check "... the server read 16 KiB of the body, twice" test "$(awk '$3 == 16384' "$FLOG" | wc -l)" -eq 2
check "... the bundle waits in the spool" spooled

# --- TLS with a certificate of no known CA.
fresh tls
turl=https://127.0.0.1:$tport/tls/
run_pt 3 post "${FAST[@]}" --post "$turl" "$B"
has "self-signed: refused without its CA" "certificate"
check "... the bundle waits in the spool" spooled
run_pt 3 post "${FAST[@]}" -o "REPORT_CA_FILE=$tmp/tls/other.pem" --post "$turl" "$B"
has "... refused with another CA" "certificate"
check "... nothing landed" test ! -e "$www/tls/$id.tar.gz"
run_pt 0 post -o "REPORT_CA_FILE=$tmp/tls/cert.pem" --post "$turl" "$B"
check "... with REPORT_CA_FILE naming it, it lands byte-equal" cmp "$B" "$www/tls/$id.tar.gz"
fresh tlsnone
run_pt 2 post -o "REPORT_CA_FILE=$tmp/tls/none.pem" --post "$turl" "$B"
has "a REPORT_CA_FILE that is missing: exit 2 naming it" "REPORT_CA_FILE"
# The spool keeps the CA: a bundle spooled for a folder the server lacks
# goes once the folder is there.
fresh tlsspool
run_pt 3 post "${FAST[@]}" -o "REPORT_CA_FILE=$tmp/tls/cert.pem" --post "${turl}later/" "$B"
check "... the spool entry keeps REPORT_CA_FILE" grep -q "\"ca_file\": \"$tmp/tls/cert.pem\"" "$tmp/tlsspool/.spool/$id.tar.gz.json"
install -d -o www-data "$www/tls/later"
run_pt 0 post -d "$tmp/tlsspool"
check "... and 'perftests post' delivers it with it" cmp "$B" "$www/tls/later/$id.tar.gz"

# --- a results folder other users can write.  A spool that is not root's
# alone is neither written nor read: exit 3 naming it, the bundle stays.
fresh loose
mkdir -m 777 "$tmp/loose/.spool"
run_pt 3 post "${FAST[@]}" --post "http://127.0.0.1:$port/broken/" "$B"
has "a spool others can write is refused, naming it" "'$tmp/loose/.spool' is writable by others"
check "... nothing went into it" test -z "$(ls -A "$tmp/loose/.spool")"
check "... the bundle stays as it was" cmp "$B" "$bundle"
# A run that measured into such a folder: the same exit, and its run
# directory and bundle are all there.
lres=$tmp/loose-run
mkdir -p "$lres" && mkdir -m 777 "$lres/.spool"
"$PT" -p ci -d "$lres" -o WARMUP_PACKETS=0 -o LONG_RUNNING_SCAN_ITERATIONS=0 \
	-o THROUGHPUT_SCAN_START_RATE=1000 -o THROUGHPUT_MAX_SCAN_RATE=1000 \
	-o THROUGHPUT_SCAN_BURST=2000 "${FAST[@]}" \
	--post "http://127.0.0.1:$port/broken/" direct >"$tmp/loose-run.out" 2>&1
RC=$? OUT=$(cat "$tmp/loose-run.out") ld=$(ls -d "$lres"/*-*-*-*/ | head -n 1)
ld=${ld%/}
check "a run with such a spool: exit 3 (got $RC)" test "$RC" -eq 3
has "... naming it" "'$lres/.spool' is writable by others"
check "... its run directory has its summary" test -s "$ld/summary.json"
check "... and its bundle, whole" gzip -t "$ld.tar.gz"
check "... nothing went into the spool" test -z "$(ls -A "$lres/.spool")"

# A record of a landing that root did not make is not believed: another
# user's would have the bundle dropped unsent, a fifo hung the reading.
fresh foreign
run_pt 3 post -o REPORT_RETRIES=0 --post "http://127.0.0.1:$port/broken/" "$B"
sed -i "s#/broken/#/upload/foreign/#" "$tmp/foreign/.spool/$id.tar.gz.json"
echo "2026-01-01T00:00:00Z http://elsewhere/" >"$B.posted"
chown 65534 "$B.posted"
run_pt 0 post -d "$tmp/foreign"
has "another user's .posted is not believed, naming it" "'$B.posted' is owned by uid 65534"
has "... the spooled bundle is sent" "1 posted, 0 still waiting"
check "... and lands byte-equal" cmp "$B" "$www/upload/foreign/$id.tar.gz"
check "... the record is root's own now" test "$(stat -c %u "$B.posted")" -eq 0
fresh fifo
mkfifo "$B.posted"
OUT=$(timeout 60 "$PT" post --post "http://127.0.0.1:$port/upload/fifo/" "$B" 2>&1)
RC=$?
check "a fifo as .posted: no hang, exit 0 (got $RC)" test "$RC" -eq 0
has "... it is named" "'$B.posted' is not a regular file"
check "... the bundle lands byte-equal" cmp "$B" "$www/upload/fifo/$id.tar.gz"
check "... recorded in a file" test -f "$B.posted"

# Under umask 002 (a shared lab account's) the bundle is made 0644, and the
# spool takes it back: it came out 0664 and the spool refused it for good.
mkdir -p "$tmp/umask"
cp -a "$res/$id" "$tmp/umask/"
old_umask=$(umask)
umask 002
run_pt 3 post -o REPORT_RETRIES=0 --post "http://127.0.0.1:$port/broken/" "$tmp/umask/$id"
umask "$old_umask"
check "umask 002: the bundle is 0644" test "$(stat -c %a "$tmp/umask/$id.tar.gz")" = 644
sed -i "s#/broken/#/upload/umask/#" "$tmp/umask/.spool/$id.tar.gz.json"
run_pt 0 post -d "$tmp/umask"
has "... the spool sends it" "1 posted, 0 still waiting"
check "... byte-equal" cmp "$tmp/umask/$id.tar.gz" "$www/upload/umask/$id.tar.gz"

# --- scp and sftp to a real sshd of our own.
ssh=$tmp/ssh
mkdir -p "$ssh/in"
for k in host other user; do ssh-keygen -q -t ed25519 -N '' -C "pt-$k" -f "$ssh/$k"; done
cp "$ssh/user.pub" "$ssh/authorized_keys"
sport=$(free_port)
# sshd wants its privilege separation folder (the package's init makes it).
[ -d /run/sshd ] || { mkdir -m 755 /run/sshd && made_run_sshd=1; }
cat >"$ssh/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $sport
HostKey $ssh/host
PidFile $ssh/sshd.pid
AuthorizedKeysFile $ssh/authorized_keys
# The keys live in /tmp, which StrictModes would refuse.
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
Subsystem sftp internal-sftp
CONF
/usr/sbin/sshd -D -f "$ssh/sshd_config" -E "$ssh/sshd.log" &
helpers+=($!)
check "sshd starts" wait_listen "$sport"
echo "[127.0.0.1]:$sport $(cut -d' ' -f1,2 "$ssh/host.pub")" >"$ssh/known_hosts"
echo "[127.0.0.1]:$sport $(cut -d' ' -f1,2 "$ssh/other.pub")" >"$ssh/changed_hosts"
echo "[127.0.0.1]:1 $(cut -d' ' -f1,2 "$ssh/host.pub")" >"$ssh/unknown_hosts"
SSH=(-o "REPORT_SSH_KEY=$ssh/user")
for scheme in scp sftp; do
	fresh "$scheme"
	url=$scheme://root@127.0.0.1:$sport$ssh/in/$scheme/
	[ "$scheme" = scp ] && mkdir -p "$ssh/in/scp"   # sftp makes it
	run_pt 0 post "${SSH[@]}" -o "REPORT_KNOWN_HOSTS=$ssh/known_hosts" --post "$url" "$B"
	check "$scheme: the bundle lands byte-equal" cmp "$B" "$ssh/in/$scheme/$id.tar.gz"
	check "... with the empty marker after it" test -e "$ssh/in/$scheme/$id.tar.gz.perftest"
	check "... and is recorded" test -s "$B.posted"
	for kh in changed unknown; do
		fresh "$scheme-$kh"
		run_pt 3 post "${SSH[@]}" "${FAST[@]}" -o "REPORT_KNOWN_HOSTS=$ssh/${kh}_hosts" \
			--post "${url}$kh/" "$B"
		has "... a $kh host key is refused, naming the file" "host key is refused: it is not in the known_hosts file '$ssh/${kh}_hosts'"
		check "... the bundle waits in the spool" spooled
		check "... nothing landed" test ! -e "$ssh/in/$scheme/$kh/$id.tar.gz"
	done
done
