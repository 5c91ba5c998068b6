#!/bin/sh
# make install-server's last step, on the server itself (not with DESTDIR):
# the publisher's user, the folders with their owners, nginx's site in
# place of Debian's default one, and both services started.
# Usage: setup.sh SRV (the folder of the incoming uploads and of the site)
set -eu
srv=$1
id perftests >/dev/null 2>&1 ||
	useradd --system --home-dir "$srv" --no-create-home \
		--shell /usr/sbin/nologin perftests
# nginx writes the uploads (and its temporary files beside them); the
# publisher reads them and writes the site, which nginx only reads.
install -d -m 0755 "$srv"
install -d -m 0755 -o www-data -g www-data "$srv/incoming"
install -d -m 0700 -o www-data -g www-data "$srv/tmp"
install -d -m 0755 -o perftests -g perftests "$srv/site"
# Debian's default site answers every name on port 80; the lab site
# takes its place.
rm -f /etc/nginx/sites-enabled/default
ln -sf /etc/nginx/sites-available/perftests /etc/nginx/sites-enabled/perftests
nginx -t
systemctl daemon-reload
systemctl enable --now nginx perftests-site
systemctl reload nginx
echo "the lab site: http://$(hostname -f 2>/dev/null || hostname)/perftests/"
echo "on every lab host: REPORT_URL=http://$(hostname -f 2>/dev/null || hostname)/perftests/incoming/"
