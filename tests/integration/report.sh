#!/usr/bin/env bash
# The report and its posting against a real server (root): Debian's nginx
# on 127.0.0.1 with WebDAV PUT, started here with its own prefix and
# stopped by its pid.  The bundle lands byte-equal; a stopped server
# spools it and `perftests post` delivers it later; a location answering
# 500 is retried, then spooled; Chromium renders index.html; summary.json
# validates against its schema; junit.xml parses.
cd "$(dirname "$0")/../.." || exit 1
. tests/integration/lib.sh
tmp=$(mktemp -d /tmp/pt-report-XXXXXX)
trap 'nginx_stop; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
res=$tmp/results www=$tmp/nginx/www
port=$(free_port)
mkdir -p "$www/upload"
chmod 755 "$tmp"
nginx_conf "$tmp/nginx" "    server {
        listen 127.0.0.1:$port;
        root $www;
$(nginx_webdav /upload/)
        location /broken/ { return 500; }
        # An upload handler stand-in: nginx reads the multipart body (to
        # pass it on), keeps it in a file, and the answer is 201.
        location /post/ {
            client_body_in_file_only on;
            proxy_pass http://127.0.0.1:$port/sink/;
        }
        location /sink/ { return 201; }
    }"
start_nginx() { nginx_start "$tmp/nginx" "$port"; }
short_run 2000
url=http://127.0.0.1:$port/upload/nightly/

check "nginx starts" start_nginx

# A whole ci-profile run of basic_topology, posted.
run_pt 0 -p ci -d "$res" --post "$url" basic_topology
d=$(run_dir) id=$(basename "$(run_dir)")
check "the bundle landed byte-equal" cmp "$res/$id.tar.gz" "$www/upload/nightly/$id.tar.gz"
tar -tzf "$www/upload/nightly/$id.tar.gz" >"$tmp/list" 2>/dev/null
for f in index.html summary.json junit.xml testspec.csv trials.csv metadata.json run.log \
	collectors.json cpu.png mem.png throughput.png loss.png latency.png ovs.png rrd/proc.rrd rrd/trials.rrd; do
	check "the bundle has $f" grep -qx "$id/$f" "$tmp/list"
done
check "a record of the landing" test -s "$res/$id.tar.gz.posted"
mkdir -p "$tmp/unpacked"
tar -xzf "$www/upload/nightly/$id.tar.gz" -C "$tmp/unpacked"
check "it unpacks to the run's own files" cmp "$tmp/unpacked/$id/summary.json" "$d/summary.json"
check "testspec.csv has the original's columns" grep -qx "gitrev,host,start,end,topology,profile" "$d/testspec.csv"
check "summary.json validates against its schema" /usr/bin/python3 -c "
import json, sys, jsonschema
jsonschema.validate(json.load(open('$d/summary.json')), json.load(open('tests/summary.schema.json')))"
check "junit.xml: a testcase per trial, per check and per metric against the history" python3 -c "
import csv, json, sys, xml.etree.ElementTree as ET
cases = ET.parse('$d/junit.xml').getroot().findall('.//testcase')
trials = list(csv.DictReader(open('$d/trials.csv')))
s = json.load(open('$d/summary.json'))
checks = s['verdict']['checks']
metrics = s['regression']['metrics'] if s['regression']['checked'] else []
sys.exit(not (len(trials) > 0 and len(cases) == len(trials) + len(checks) + len(metrics)))"
for g in cpu throughput latency ovs; do
	check "$g.png is not blank" test "$(python3 tests/tools/png_colors.py "$d/$g.png")" -gt 3
done
headless --screenshot="$tmp/shot.png" \
	--window-size=1400,1800 "file://$d/index.html" >"$tmp/chromium.log" 2>&1
check "Chromium renders index.html, not blank" test "$(python3 tests/tools/png_colors.py "$tmp/shot.png" 2>/dev/null || echo 0)" -gt 10
check "index.html asks for nothing outside" bash -c "! grep -Eq '(src|href)=\"(https?:)?//' '$d/index.html'"
run_pt 0 report "$d"
has "perftests report regenerates" "6 graphs, verdict pass"

# REPORT_METHOD=post: one multipart request carrying the whole bundle.
cp "$res/$id.tar.gz" "$tmp/copy.tar.gz"
run_pt 0 post -d "$tmp" -o REPORT_METHOD=post --post "http://127.0.0.1:$port/post/" "$tmp/copy.tar.gz"
check "POST multipart carried the bundle" python3 -c "
import glob, os, sys
bundle = open('$tmp/copy.tar.gz', 'rb').read()
bodies = [open(f, 'rb').read() for f in glob.glob('$tmp/nginx/tmp/body/**/*', recursive=True) if os.path.isfile(f)]
sys.exit(not any(b'name=\"file\"' in b and bundle in b for b in bodies if b))"

# No credentials in logs, metadata or the bundle.
run_pt 0 --dry-run -p ci -o "REPORT_URL=http://user:s3cret@127.0.0.1:$port/upload/" direct
check "dry-run hides the password" sh -c '! printf %s "$1" | grep -q s3cret' _ "$OUT"

# The server is down: the bundle is spooled and the exit code says so.
nginx_stop
rm -rf "$res"
run_pt 3 "${SHORT[@]}" -o REPORT_RETRIES=1 -o REPORT_RETRY_DELAY=0.1 \
	-o "REPORT_URL=http://user:s3cret@127.0.0.1:$port/upload/late/" direct
has "the run says where the bundle waits" "waits in $res/.spool/"
id=$(basename "$(run_dir)")
check "the bundle is in the spool" test -s "$res/.spool/$id.tar.gz"
# The bundle is gzip: its members are read unpacked.
check "no password in metadata, log or bundle" bash -c "! grep -rqa s3cret '$(run_dir)' && tar -xzOf '$res/$id.tar.gz' >'$tmp/members' && ! grep -qa s3cret '$tmp/members'"
check "nginx starts again" start_nginx
run_pt 0 post -d "$res"
has "post sends the spool" "1 posted, 0 still waiting"
check "the spool is empty" test -z "$(ls -A "$res/.spool")"
check "the spooled bundle landed byte-equal" cmp "$res/$id.tar.gz" "$www/upload/late/$id.tar.gz"
puts=$(grep -c "^PUT /upload/late/$id.tar.gz " "$tmp/nginx/access.log")
run_pt 0 post "$(run_dir)"
has "never twice" "posted already"
check "no second PUT" test "$(grep -c "^PUT /upload/late/$id.tar.gz " "$tmp/nginx/access.log")" -eq "$puts"

# A server that answers 500: 1 + REPORT_RETRIES attempts, then the spool.
rm -f "$res/$id.tar.gz.posted"
run_pt 3 post --post "http://127.0.0.1:$port/broken/" -o REPORT_RETRIES=2 \
	-o REPORT_RETRY_DELAY=0.1 -p ci "$(run_dir)"
check "three attempts reached the server" test "$(grep -c "^PUT /broken/$id.tar.gz HTTP/1.1 500 " "$tmp/nginx/access.log")" -eq 3
check "then it waits in the spool" test -s "$res/.spool/$id.tar.gz.json"
check "the spool file is private (0600)" test "$(stat -c %a "$res/.spool/$id.tar.gz.json")" = 600

# Bad input: exit 2 naming the key.
run_pt 2 --dry-run -o REPORT_METHOD=get direct
has "bad REPORT_METHOD" "REPORT_METHOD"
run_pt 2 report "$tmp"
has "report of a folder that is no run" "is not a run directory"
