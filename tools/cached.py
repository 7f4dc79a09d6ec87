# -*- coding: utf-8 -*-
# Copyright: snowspoke developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a check only when its inputs changed since it last passed.

Usage: ``.venv/bin/python tools/cached.py NAME INPUT... -- COMMAND...`` (the Makefile's galaxy-check and docs-lint).

The key is a SHA-256 over the command line, the toolchain (requirements.txt and requirements-dev.txt) and the
inputs: the content of each file, every file under each directory (without ``__pycache__``), and for a
collection tarball its MANIFEST.json (which holds the checksum of FILES.json, which holds every file's; the
tarball's own bytes change with each build's time stamps). When COMMAND exits 0 the key is written to
``.cache/stamps/NAME``; a later run with the same key prints that it is skipped. ``FORCE=1`` always runs.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAMPS = os.path.join(ROOT, '.cache', 'stamps')
TOOLCHAIN = ('requirements.txt', 'requirements-dev.txt')


def _files(path: str) -> list[str]:
    if os.path.isfile(path):
        return [path]
    found = []
    for directory, subdirs, names in os.walk(path):
        subdirs[:] = sorted(d for d in subdirs if d != '__pycache__')
        found += [os.path.join(directory, name) for name in sorted(names) if not name.endswith('.pyc')]
    return found


def _content(path: str) -> bytes:
    if path.endswith('.tar.gz'):
        with tarfile.open(path) as tarball:
            member = tarball.extractfile('MANIFEST.json')
            if member is None:
                raise SystemExit('cached: %s has no MANIFEST.json' % path)
            return member.read()
    with open(path, 'rb') as handle:
        return handle.read()


def key(command: list[str], inputs: list[str]) -> str:
    """The SHA-256 of the command, the toolchain files and the inputs."""
    digest = hashlib.sha256()
    digest.update(repr(command).encode('utf-8'))
    for path in [os.path.join(ROOT, name) for name in TOOLCHAIN] + inputs:
        if not os.path.exists(path):
            raise SystemExit('cached: input %s does not exist' % path)
        for name in _files(path):
            digest.update(b'\0' + os.path.relpath(name, ROOT).encode('utf-8') + b'\0')
            digest.update(hashlib.sha256(_content(name)).digest())
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    if '--' not in argv or argv.index('--') < 1 or argv.index('--') == len(argv) - 1:
        print(__doc__.split('\n\n', 1)[1].split('\n\n', 1)[0])
        return 2
    split = argv.index('--')
    name, inputs, command = argv[0], argv[1:split], argv[split + 1:]
    stamp = os.path.join(STAMPS, name)
    wanted = key(command, inputs)
    if os.environ.get('FORCE') != '1' and os.path.exists(stamp):
        with open(stamp, encoding='utf-8') as handle:
            if handle.read().strip() == wanted:
                print('%s: inputs unchanged since it last passed (%s); skipped, FORCE=1 runs it again'
                      % (name, os.path.relpath(stamp, ROOT)))
                return 0
    status = subprocess.call(command)
    if status == 0:
        os.makedirs(STAMPS, exist_ok=True)
        with open(stamp, 'w', encoding='utf-8') as handle:
            handle.write(wanted + '\n')
    elif os.path.exists(stamp):
        os.remove(stamp)
    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
