# -*- coding: utf-8 -*-
# Copyright: snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run ``ansible-test sanity`` on a copy of the collection, without reaching any host but the package index.

Usage: ``.venv/bin/python tools/sanity.py [extra ansible-test sanity arguments]`` (``make sanity`` does this).

1. Installs ``tools/get_pip_offline.py`` as the get-pip script that ansible-test would otherwise download.
2. Exports the collection (tracked and untracked, not ignored, files) to
   ``.cache/sanity/ansible_collections/<namespace>/<name>``, the layout ansible-test requires,
   and makes that copy its own git repository so ansible-test lists exactly those files and never walks up
   into the real checkout (which ignores ``.cache/``).
3. Runs ``ansible-test sanity --python <this Python> --requirements`` there, skipping the tests that cannot run.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import re
import shutil
import subprocess
import sys
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAND_IN = os.path.join(ROOT, 'tools', 'get_pip_offline.py')
WORK_DIR = os.path.join(ROOT, '.cache', 'sanity')

# Never exported, even when no git metadata is available to tell what is ignored.
EXCLUDED_DIRS = {'.git', '.venv', '.cache', '.pytest_cache', '__pycache__', 'collections', 'context'}

# Sanity tests that never run here, with the reason printed when they are skipped.
SKIPPED_TESTS = {
    'pslint': 'needs PowerShell and PSScriptAnalyzer, and the collection ships no PowerShell',
}

# Tests that need an executable which no Python package provides: skipped, with a notice, when it is missing.
EXTERNAL_TOOLS = {
    'shellcheck': 'shellcheck',  # Debian package shellcheck
}


def log(message: str) -> None:
    """Print a progress line."""
    print('sanity: %s' % message, flush=True)


def ansible_test_pip_version() -> str:
    """Return the pip version whose get-pip script ansible-test looks for in its cache."""
    import ansible_test  # pylint: disable=import-outside-toplevel

    source = os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')
    with open(source, encoding='utf-8') as handle:
        match = re.search(r"\bpip\s*=\s*'([0-9][0-9.]*)'", handle.read())
    if not match:
        raise SystemExit('sanity: cannot find the pip version ansible-test bootstraps in %s' % source)
    return match.group(1)


def install_get_pip() -> None:
    """Put the get-pip stand-in where ansible-test looks before it tries to download the real script."""
    version = ansible_test_pip_version()
    target = os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % version.replace('.', '_'))

    if os.path.exists(target):
        with open(target, encoding='utf-8', errors='replace') as handle:
            ours = 'snowspoke-get-pip-offline' in handle.read()
        if not ours:
            log('keeping the existing get-pip script at %s' % target)
            return
        if filecmp.cmp(STAND_IN, target, shallow=False):
            return

    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(STAND_IN, target)
    log('installed the get-pip stand-in for pip %s at %s' % (version, target))


def collection_files() -> list[str]:
    """Return the repository-relative paths to export: what git would commit, or a filtered walk without git."""
    if os.path.exists(os.path.join(ROOT, '.git')):
        listing = subprocess.run(
            ['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
            cwd=ROOT, check=True, capture_output=True,
        ).stdout.decode('utf-8')
        return sorted(path for path in listing.split('\0') if path and os.path.lexists(os.path.join(ROOT, path)))

    paths = []
    for current, dirs, files in os.walk(ROOT):
        dirs[:] = [name for name in dirs if name not in EXCLUDED_DIRS]
        rel = os.path.relpath(current, ROOT)
        if rel == os.path.join('tests', 'output'):
            dirs[:] = []
            continue
        paths.extend(os.path.normpath(os.path.join(rel, name)) for name in files if not name.endswith('.pyc'))
    return sorted(paths)


def export_collection() -> str:
    """Copy the collection to a fresh ansible_collections/<namespace>/<name> tree and return its path."""
    with open(os.path.join(ROOT, 'galaxy.yml'), encoding='utf-8') as handle:
        galaxy = yaml.safe_load(handle)
    target = os.path.join(WORK_DIR, 'ansible_collections', galaxy['namespace'], galaxy['name'])

    shutil.rmtree(WORK_DIR, ignore_errors=True)
    files = collection_files()
    for path in files:
        destination = os.path.join(target, path)
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, path), destination, follow_symlinks=False)

    # A repository of its own stops ansible-test's search for one at the copy, and lists exactly these files.
    git = ['git', '-c', 'init.defaultBranch=main']
    subprocess.run(git + ['init', '--quiet'], cwd=target, check=True)
    subprocess.run(git + ['add', '--all'], cwd=target, check=True)
    log('exported %d files to %s' % (len(files), target))
    return target


def skip_options() -> list[str]:
    """Return --skip-test options for the tests that cannot run on this machine."""
    skipped = dict(SKIPPED_TESTS)
    for test, tool in EXTERNAL_TOOLS.items():
        if not shutil.which(tool):
            skipped[test] = '%s is not installed' % tool
    options = []
    for test, reason in sorted(skipped.items()):
        log('skipping %s: %s' % (test, reason))
        options += ['--skip-test', test]
    return options


def main() -> int:
    """Set up and run ansible-test sanity; return its exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('extra', nargs=argparse.REMAINDER, help='more ansible-test sanity arguments')
    args, unknown = parser.parse_known_args()  # options such as --test reach ansible-test unchanged
    args.extra = unknown + args.extra

    started = time.monotonic()
    install_get_pip()
    target = export_collection()

    python = '%d.%d' % sys.version_info[:2]
    ansible_test = os.path.join(os.path.dirname(sys.executable), 'ansible-test')
    color = 'yes' if sys.stdout.isatty() else 'no'
    command = [ansible_test, 'sanity', '--python', python, '--requirements', '--color', color]
    command += skip_options() + args.extra

    # ansible-test must find this Python's tools (ansible-doc, ...) first on PATH.
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get('PATH', ''))
    log('running: %s' % ' '.join(command[1:]))
    status = subprocess.run(command, cwd=target, env=env, check=False).returncode
    log('%s in %.0fs' % ('passed' if status == 0 else 'FAILED (exit %d)' % status, time.monotonic() - started))
    return status


if __name__ == '__main__':
    sys.exit(main())
