#!/usr/bin/env bash
# The lab site (issue 18) against a real server (root): Debian's nginx on
# 127.0.0.1 with the shipped site (report/server/perftests-site.nginx, its
# folders in a temporary one), started here and stopped by its pid, and
# `perftests site watch` on its upload folder, started here and stopped by
# its pid.  A run posts its bundle and the site lists it within seconds;
# Chromium renders the index and the run's page; a second post changes
# nothing; hostile bundles are refused, each with its reason, and nothing
# lands outside the site; a half-uploaded bundle waits until complete;
# by hand, a refused bundle (one whose uuid is another run's too) exits 1,
# a missing one 2, a site that cannot be locked 3.
# Then the figures: import time per bundle, site build time for 100 runs.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-site-XXXXXX)
WATCH=
stop_watch() {
	[ -n "$WATCH" ] && kill "$WATCH" 2>/dev/null && wait "$WATCH" 2>/dev/null
	local rc=$?
	WATCH=
	return $rc
}
trap 'stop_watch; nginx_stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
srv=$tmp/srv res=$tmp/results bundles=$tmp/bundles
site=$srv/site in=$srv/incoming
export PT_SITE_MAX_BYTES=20000000 PT_SITE_ABSOLUTE=$tmp/escaped-absolute.html
mkdir -p "$in" "$srv/tmp" "$site" "$bundles"
chown www-data "$in" "$srv/tmp"
port=$(free_port)
base=http://127.0.0.1:$port/perftests
nginx_conf "$tmp/nginx" "$(sed -e "s|@SRV@|$srv|g" -e "s|@PORT@|127.0.0.1:$port|" \
	report/server/perftests-site.nginx)"
mk() { python3 tests/integration/site_bundles.py "$@"; }

# wait_for SECONDS COMMAND...: until the command succeeds; the seconds it
# took in $WAITED.
wait_for() {
	local until=$(($(date +%s%N) + $1 * 1000000000)) t0=$(date +%s%N); shift
	while ! "$@" 2>/dev/null; do
		[ "$(date +%s%N)" -lt "$until" ] || return 1
		sleep 0.1
	done
	WAITED=$(awk "BEGIN { printf \"%.1f\", ($(date +%s%N) - $t0) / 1e9 }")
}
on_index() { grep -qF -- "$1" "$site/index.html"; }
# The site's files and their checksums: what "nothing changed" compares.
site_state() { (cd "$site" && find . -type f ! -name '.lock' ! -name 'history.db*' -print0 |
	sort -z | xargs -0 md5sum; sqlite3 history.db 'SELECT uuid, run_id FROM runs ORDER BY uuid') }
put() { curl -sS -o /dev/null -w '%{http_code}' -T "$1" "$base/incoming/$(basename "$1")"; }
dom() { headless --dump-dom "$1" 2>/dev/null; }
watch_log() { grep -qF -- "$1" "$tmp/watch.log"; }

sed -e "s|@SRV@|$srv|g" -e "s|@BINDIR@|$(pwd)|g" report/server/perftests-site.service \
	>"$tmp/perftests-site.service"
if command -v systemd-analyze >/dev/null; then
	check "systemd takes the shipped unit" systemd-analyze verify "$tmp/perftests-site.service"
fi
check "its command is the one this test runs" grep -qx "ExecStart=$(pwd)/perftests site watch --incoming $in --site $site" "$tmp/perftests-site.service"
check "nginx takes the shipped site" /usr/sbin/nginx -t -q -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf"
check "nginx starts" nginx_start "$tmp/nginx" "$port"
"$PT" site watch --incoming "$in" --site "$site" -o SITE_MAX_BYTES=$PT_SITE_MAX_BYTES \
	>"$tmp/watch.log" 2>&1 &
WATCH=$!
check "site watch builds the empty site" wait_for 5 test -s "$site/index.html"

# A short run on direct posts its bundle to the upload folder.
run_pt 0 -p ci -d "$res" -o WARMUP_PACKETS=0 -o LONG_RUNNING_SCAN_ITERATIONS=0 \
	-o THROUGHPUT_SCAN_START_RATE=1000 -o THROUGHPUT_MAX_SCAN_RATE=1000 \
	-o THROUGHPUT_SCAN_BURST=2000 --post "$base/incoming/" direct
d=$(run_dir) id=$(basename "$(run_dir)")
check "the bundle landed in the upload folder" cmp "$res/$id.tar.gz" "$in/$id.tar.gz"
if wait_for 10 on_index "$id"; then
	pass "the site index lists the run ${WAITED} s after the run ended"
	check "within a few seconds" awk "BEGIN { exit !($WAITED <= 5) }"
else
	fail "the site index does not list $id"; sed 's/^/    /' "$tmp/watch.log"
fi
check "the run's files are on the site" cmp "$d/summary.json" "$site/runs/$id/summary.json"
check "nginx serves the index" bash -c "curl -sf '$base/index.html' | grep -qF '$id'"
check "nginx serves the run's page" curl -sf -o /dev/null "$base/runs/$id/index.html"
check "a run's page is served with no script allowed" bash -c "curl -sfI '$base/runs/$id/index.html' | grep -qi \"^content-security-policy: sandbox allow-same-origin; script-src 'none'\""
check "nginx does not serve the history" test "$(curl -s -o /dev/null -w '%{http_code}' "$base/history.db")" = 403
check "nobody reads the uploads back" test "$(curl -s -o /dev/null -w '%{http_code}' "$base/incoming/$id.tar.gz")" = 403
dom "$base/index.html" >"$tmp/index.dom"
check "Chromium renders the index with the run linked" grep -qF "href=\"runs/$id/index.html\"" "$tmp/index.dom"
dom "$base/runs/$id/index.html" >"$tmp/run.dom"
check "Chromium renders the run's page" grep -qF "$id" "$tmp/run.dom"
series=$(grep -o 'series/[0-9a-f]*\.html' "$tmp/index.dom" | head -n 1)
check "the series page is served" curl -sf -o /dev/null "$base/$series"
host=$(grep -o 'hosts/[0-9a-f]*\.html' "$tmp/index.dom" | head -n 1)
check "the host page is served and lists the run" bash -c "curl -sf '$base/$host' | grep -qF '$id'"
ms=$(sed -n "s/.*published as runs\/$id (\([0-9]*\) ms).*/\1/p" "$tmp/watch.log")
echo "import of one bundle: ${ms:-?} ms ($(stat -c %s "$in/$id.tar.gz") bytes)"

# The same bundle again: nothing changes.
before=$(site_state)
check "a second post is taken (PUT 204)" test "$(put "$res/$id.tar.gz")" = 204
check "site watch sees it again" wait_for 5 watch_log "$id is on the site already; nothing to do"
check "a second post changes nothing" test "$before" = "$(site_state)"

# Hostile bundles, each refused with its reason.
for k in dotdot absolute symlink big device; do
	mk hostile $k "$d" "$bundles/$k.tar.gz" >"$bundles/$k.id"
	check "the $k bundle is posted" test "$(put "$bundles/$k.tar.gz")" = 201
done
refused_line() { grep -F "refused '$in/$1.tar.gz'" "$tmp/watch.log" | grep -qF -- "$2"; }
reason() { wait_for 5 refused_line "$@"; }
check "'..' refused" reason dotdot "would land outside its folder (a '..' component)"
check "an absolute path refused" reason absolute "would land outside its folder (an absolute path)"
check "a symbolic link refused" reason symlink "index.html' is a symbolic link"
check "a file over SITE_MAX_BYTES refused" reason big "more than $PT_SITE_MAX_BYTES bytes unpacked"
check "a device node refused" reason device "run.log' is a device node"
for k in dotdot absolute symlink big device; do
	check "nothing of the $k bundle on the site" test ! -e "$site/runs/$(cat "$bundles/$k.id")"
done
check "nothing written outside the site" bash -c "test ! -e '$PT_SITE_ABSOLUTE' && ! find '$tmp' /tmp -maxdepth 6 -name escaped-dotdot.html 2>/dev/null | grep -q ."
check "no unpacking folder left" bash -c "! ls -A '$site/runs' | grep -q '^\.'"

# HTML in a host name: published, and shown as text.
xss=$(mk clone "$d" "$bundles/xss.tar.gz" --host '<script>alert(1)</script>' --minutes 1)
check "the bundle of a host named <script> is posted" test "$(put "$bundles/xss.tar.gz")" = 201
check "it is published" wait_for 5 on_index "$xss"
check "its host name is escaped in the index" grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' "$site/index.html"
check "no script of it in any page" bash -c "! grep -rqF '<script>alert' '$site/index.html' '$site/hosts' '$site/series'"
dom "$base/index.html" >"$tmp/xss.dom"
check "Chromium shows it as text, no script of it" bash -c "grep -qF '&lt;script&gt;alert(1)' '$tmp/xss.dom' && test \"\$(python3 tests/integration/site_bundles.py scripts '$tmp/xss.dom')\" = 1"
# The filter, run by Chromium: that host picked, only its run shows.
dom "$base/index.html?host=%3Cscript%3Ealert(1)%3C%2Fscript%3E" >"$tmp/filtered.dom"
python3 tests/integration/site_bundles.py rows "$tmp/filtered.dom" >"$tmp/rows"
check "the host filter shows that host's run" grep -qP "^shown\t<script>alert\(1\)</script>\t$xss\$" "$tmp/rows"
check "the host filter hides the other hosts' runs" grep -qP "^hidden\t[^\t]*\t$id\$" "$tmp/rows"
check "nothing else shown" test "$(grep -c '^shown' "$tmp/rows")" -eq 1

# Half an upload: nginx holds a slow PUT in its temporary file and renames
# it into place once complete; written straight into the folder, the
# watcher waits for the close.
slow=$(mk clone "$d" "$bundles/slow.tar.gz" --minutes 2)
size=$(stat -c %s "$bundles/slow.tar.gz")
curl -sS -o /dev/null --limit-rate $((size / 3 + 1)) -T "$bundles/slow.tar.gz" "$base/incoming/slow.tar.gz" &
cpid=$!
sleep 1.5
check "a PUT under way is not imported" bash -c "! grep -qF '$slow' '$site/index.html' && test ! -e '$in/slow.tar.gz'"
wait "$cpid"
check "once complete it is published" wait_for 5 on_index "$slow"
local_id=$(mk clone "$d" "$bundles/local.tar.gz" --minutes 3)
python3 - "$bundles/local.tar.gz" "$in/local.tar.gz" "$site/index.html" "$local_id" <<'PY' &
import sys, time
data = open(sys.argv[1], 'rb').read()
with open(sys.argv[2], 'wb') as f:
    f.write(data[:len(data) // 2])
    f.flush()
    time.sleep(2)
    if sys.argv[4] in open(sys.argv[3]).read():
        sys.exit(1)     # imported half way
    f.write(data[len(data) // 2:])
PY
check "a file half written is not imported" wait "$!"
check "once closed it is published" wait_for 5 on_index "$local_id"
check "nothing was refused but the hostile five" test "$(grep -c 'refused' "$tmp/watch.log")" -eq 5
check "site watch ends on SIGTERM, exit 0" stop_watch
check "only the four published runs are on the site" test -z "$(ls -A "$site/runs" | grep -v -e "^$id\$" -e "^$xss\$" -e "^$slow\$" -e "^$local_id\$")"

# The figures: import time per bundle and build time of a site of 100
# runs (site import: one build after all of them).
mkdir "$bundles/many"
regressed=$(mk many "$d" "$bundles/many" 100)
t0=$(date +%s%N)
run_pt 0 site import --site "$tmp/site100" "$bundles/many"
t1=$(date +%s%N)
check "100 runs on the site" test "$(ls "$tmp/site100/runs" | wc -l)" -eq 100
built=$(printf '%s\n' "$OUT" | sed -n 's/.*site built in \([0-9]*\) ms.*/\1/p')
per=$(printf '%s\n' "$OUT" | sed -n 's/.*published as .* (\([0-9]*\) ms)/\1/p' |
	awk '{ s += $1; n++ } END { if (n) printf "%.1f", s / n }')
echo "site import of 100 bundles: $(( (t1 - t0) / 1000000 )) ms; ${per:-?} ms a bundle; site build of 100 runs: ${built:-?} ms"
check "the series page has its trend graphs" bash -c "ls '$tmp/site100'/series/*/trend-loss_free_pps.png >/dev/null"
check "the series page flags the run that regressed" bash -c "grep -qF '<tr class=bad><td class=l>loss_free_pps</td><td class=l><a href=\"../runs/$regressed/index.html\">' '$tmp/site100'/series/*.html"
t0=$(date +%s%N)
run_pt 0 site build --site "$tmp/site100"
echo "site build of 100 runs again: $(( ($(date +%s%N) - t0) / 1000000 )) ms"

# site import by hand: a refused bundle is exit 1 with its reason; one on
# the site already, exit 0 and nothing to do.
run_pt 1 site import --site "$tmp/site100" "$bundles/symlink.tar.gz"
has "site import says why it refused" "index.html' is a symbolic link"
run_pt 0 site import --site "$tmp/site100" "$bundles/many/many-007.tar.gz"
has "site import of a run on the site already" "is on the site already; nothing to do"
run_pt 2 site import --site "$tmp/site100" "$bundles/not-there.tar.gz"
has "site import of a file that is not there: exit 2, named" "'$bundles/not-there.tar.gz': no such file or folder"
# Another run id with the uuid of a run on the site: the history would
# replace that run by its uuid and leave its folder on no page.
id7=$(tar tzf "$bundles/many/many-007.tar.gz" | head -n 1 | cut -d/ -f1)
uuid7=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["uuid"])' "$tmp/site100/runs/$id7/metadata.json")
clash=$(mk clone "$d" "$bundles/clash.tar.gz" --uuid "$uuid7" --minutes 4)
run_pt 1 site import --site "$tmp/site100" "$bundles/clash.tar.gz"
has "another run id with a uuid on the site: refused, naming the run" "its uuid $uuid7 belongs to run '$id7'"
check "nothing of it on the site" test ! -e "$tmp/site100/runs/$clash"
check "the history keeps the run of that uuid" test "$(sqlite3 "$tmp/site100/history.db" "SELECT run_id FROM runs WHERE uuid = '$uuid7'")" = "$id7"
# The site's own fault is no refused bundle: exit 3.
rm -f "$tmp/site100/.lock" && mkdir "$tmp/site100/.lock"
run_pt 3 site import --site "$tmp/site100" "$bundles/many/many-007.tar.gz"
has "a site that cannot be locked: exit 3, said" "cannot lock '$tmp/site100/.lock'"
rmdir "$tmp/site100/.lock"
