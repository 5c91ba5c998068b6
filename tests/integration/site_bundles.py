#!/usr/bin/env python3
"""Bundles for tests/integration/site.sh, made from a real run directory.

  site_bundles.py clone RUN_DIR OUT.tar.gz [--host NAME] [--figure PPS]
                  [--minutes N] [--uuid UUID]
      the run again under a new run id and uuid (its host name, its
      headline figure and its start changed when asked, the uuid given
      kept), as a lab host would post it
  site_bundles.py many RUN_DIR OUTDIR N
      N clones, many-<i>.tar.gz, a minute apart, their figures varying,
      the 50th's 400 pps down and judged regressed (its id is printed)
  site_bundles.py rows DOM.html
      the run rows of a page as Chromium dumped it: "hidden|shown<TAB>
      host<TAB>run id" a line (parsed, not grepped: a dumped attribute
      keeps its '<' and '>')
  site_bundles.py scripts DOM.html
      how many script elements the page has
  site_bundles.py hostile KIND RUN_DIR OUT.tar.gz
      the run with one thing no run makes: dotdot, absolute, symlink,
      big (a file past SITE_MAX_BYTES), device

Python's tarfile writes what GNU tar would refuse to, which is the point:
the server must refuse it itself.
"""
import datetime
import html.parser
import io
import json
import os
import sys
import tarfile
import uuid as uuidlib


def add_dir(tar, src, arc, replace):
    """src's files under arc/, the top files named in replace with its
    bytes instead."""
    for root, dirs, files in os.walk(src):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        rel = os.path.relpath(root, src)
        base = arc if rel == '.' else arc + '/' + rel
        for name in sorted(files):
            if name.startswith('.'):
                continue
            path = os.path.join(root, name)
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            if rel == '.' and name in replace:
                add_bytes(tar, base + '/' + name, replace[name])
            else:
                tar.add(path, arcname=base + '/' + name, recursive=False)


def add_bytes(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def renamed(src, host=None, minutes=0, uuid=None):
    """The run's metadata under a new id and uuid ('uuid' when given)."""
    meta = json.load(open(os.path.join(src, 'metadata.json')))
    old = meta['run_id']
    host = host if host is not None else meta['host']['hostname']
    safe = ''.join(c if c.isalnum() or c == '-' else '_' for c in host)
    meta['run_id'] = '%s-%s-%s' % (safe or 'host', old.split('-', 1)[1][:15],
                                   uuidlib.uuid4().hex[:6])
    meta['uuid'] = uuid or str(uuidlib.uuid4())
    meta['host']['hostname'] = host
    if minutes:
        # Later starts: the clones line up after the run, in order.
        start = datetime.datetime.strptime(meta['start'], '%Y-%m-%dT%H:%M:%SZ')
        start += datetime.timedelta(minutes=minutes)
        meta['start'] = start.strftime('%Y-%m-%dT%H:%M:%SZ')
    return meta


def clone(src, out, host=None, figure=None, minutes=0, regressed=False,
          uuid=None):
    meta = renamed(src, host, minutes, uuid)
    replace = {'metadata.json': json.dumps(meta).encode()}
    if figure is not None:
        summary = json.load(open(os.path.join(src, 'summary.json')))
        summary['result']['loss_free_pps'] = figure
        summary['result'].pop('loss_free_limit', None)
        if regressed:
            # As its host judged it: the figure regressed.
            summary['regression'] = {'checked': True, 'metrics': [
                {'name': 'loss_free_pps', 'outcome': 'regressed'}]}
        replace['summary.json'] = json.dumps(summary).encode()
    with tarfile.open(out, 'w:gz') as tar:
        add_dir(tar, src, meta['run_id'], replace)
    print(meta['run_id'])


def hostile(kind, src, out):
    meta = renamed(src)
    top = meta['run_id']
    with tarfile.open(out, 'w:gz') as tar:
        add_bytes(tar, top + '/metadata.json', json.dumps(meta).encode())
        if kind == 'dotdot':
            add_bytes(tar, top + '/../../escaped-dotdot.html', b'<p>out</p>')
        elif kind == 'absolute':
            add_bytes(tar, os.environ['PT_SITE_ABSOLUTE'], b'<p>out</p>')
        elif kind == 'symlink':
            info = tarfile.TarInfo(top + '/index.html')
            info.type = tarfile.SYMTYPE
            info.linkname = '/etc/passwd'
            tar.addfile(info)
        elif kind == 'big':
            limit = int(os.environ['PT_SITE_MAX_BYTES'])
            info = tarfile.TarInfo(top + '/run.log')
            info.size = limit + 1
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(b'\0' * info.size))
        elif kind == 'device':
            info = tarfile.TarInfo(top + '/run.log')
            info.type = tarfile.CHRTYPE
            info.devmajor, info.devminor = 1, 3
            tar.addfile(info)
        else:
            sys.exit('unknown kind ' + kind)
    print(top)


class Rows(html.parser.HTMLParser):
    """The <tr data-host> rows of a page, and its <script> elements."""

    def __init__(self):
        super().__init__()
        self.rows, self.row, self.scripts = [], None, 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == 'script':
            self.scripts += 1
        elif tag == 'tr' and 'data-host' in a:
            self.row = ['hidden' if 'hidden' in a else 'shown',
                        a['data-host'], '']
        elif tag == 'a' and self.row is not None and \
                a.get('href', '').startswith(('runs/', '../runs/')):
            self.row[2] = a['href'].split('/')[-2]

    def handle_data(self, data):
        # A run not on the site is named as text: its id is a cell.
        if self.row is not None and not self.row[2] and '-20' in data:
            self.row[2] = data

    def handle_endtag(self, tag):
        if tag == 'tr' and self.row is not None:
            self.rows.append(self.row)
            self.row = None


def main(argv):
    if argv[1] in ('rows', 'scripts'):
        p = Rows()
        p.feed(open(argv[2]).read())
        if argv[1] == 'scripts':
            print(p.scripts)
        for r in p.rows if argv[1] == 'rows' else []:
            print('\t'.join(r))
    elif argv[1] == 'many':
        for i in range(1, int(argv[4]) + 1):
            with open(os.devnull, 'w') as null:
                sys.stdout, out = null, sys.stdout
                clone(argv[2], '%s/many-%03d.tar.gz' % (argv[3], i),
                      figure=1000 + (i * 37) % 200 - 400 * (i == 50),
                      minutes=10 + i, regressed=i == 50)
                sys.stdout = out
            if i == 50:
                print(json.load(tarfile.open(
                    '%s/many-050.tar.gz' % argv[3]).extractfile(
                        tarfile.open('%s/many-050.tar.gz' % argv[3])
                        .getnames()[0].split('/')[0] + '/metadata.json'))
                      ['run_id'])
    elif argv[1] == 'clone':
        host = figure = uuid = None
        minutes = 0
        rest = argv[4:]
        while rest:
            opt, val, rest = rest[0], rest[1], rest[2:]
            if opt == '--host':
                host = val
            elif opt == '--figure':
                figure = float(val)
            elif opt == '--minutes':
                minutes = int(val)
            elif opt == '--uuid':
                uuid = val
        clone(argv[2], argv[3], host, figure, minutes, uuid=uuid)
    else:
        hostile(argv[2], argv[3], argv[4])


if __name__ == '__main__':
    main(sys.argv)
