# -*- coding: utf-8 -*-
# Copyright: snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local stand-in for the get-pip bootstrap script that ansible-test downloads.

ansible-test bootstraps pip in each virtual environment it creates by running
``python get_pip_<version>.py --disable-pip-version-check pip==<version> --no-setuptools --no-wheel``.
It downloads that script from a host that is not reachable from air-gapped or proxied machines,
unless a copy already sits at ``~/.ansible/test/cache/get_pip_<version>.py``.
``tools/sanity.py`` installs this file there instead.

It bootstraps pip from the standard library's ``ensurepip`` and then lets that pip install the requested
version through the machine's normal pip configuration (index, proxy, CA certificate).
"""

from __future__ import annotations

import os
import subprocess
import sys

# get-pip options that the pip bundled with ensurepip does not understand: we honour them afterwards.
SKIP_FLAGS = {'--no-setuptools': 'setuptools', '--no-wheel': 'wheel'}

MARKER = 'snowspoke-get-pip-offline'  # lets tools/sanity.py recognise (and refresh) its own copy


def pip_environment() -> dict[str, str]:
    """Return the environment for pip, without a config override that would hide the machine's pip.conf."""
    env = dict(os.environ)
    # ensurepip points PIP_CONFIG_FILE at /dev/null; inherited, it would hide the index and CA settings.
    if env.get('PIP_CONFIG_FILE') == os.devnull:
        del env['PIP_CONFIG_FILE']
    return env


def run(args: list[str], env: dict[str, str], quiet: bool = False) -> int:
    """Run the current Python with the given arguments and return its exit code; quiet shows output on failure."""
    result = subprocess.run([sys.executable] + args, env=env, check=False, capture_output=quiet, text=True)
    if quiet and result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
    return result.returncode


def main(argv: list[str]) -> int:
    """Bootstrap pip, install what the caller asked for, and drop what it asked to leave out."""
    unwanted = [SKIP_FLAGS[arg] for arg in argv if arg in SKIP_FLAGS]
    pip_args = [arg for arg in argv if arg not in SKIP_FLAGS]
    env = pip_environment()

    # A subprocess keeps ensurepip's changes to os.environ (it removes every PIP_* variable) out of ours.
    status = run(['-m', 'ensurepip', '--default-pip'], env, quiet=True)
    if status:
        print('get-pip stand-in: ensurepip failed (is the Python venv/ensurepip module installed?)', file=sys.stderr)
        return status

    if any(not arg.startswith('-') for arg in pip_args):
        status = run(['-m', 'pip', 'install', '--quiet'] + pip_args, env)
        if status:
            return status

    if unwanted:
        # ensurepip of Python 3.11 also installs setuptools; the real get-pip would not have.
        status = run(['-m', 'pip', 'uninstall', '--yes', '--quiet', '--disable-pip-version-check'] + unwanted, env)

    return status


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
