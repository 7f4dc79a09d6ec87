# -*- coding: utf-8 -*-
# Copyright: snowspoke developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Import a collection tarball the way Galaxy does (galaxy-importer), and fail on any warning or error.

Usage: ``.venv/bin/python tools/galaxy_check.py [-v] TARBALL`` (``make galaxy-check`` builds the tarball first).

galaxy-importer itself exits 0 after a warning (an ansible-lint finding, a missing changelog, an undeclared
collection); Galaxy then shows that warning on the collection's page. Here every WARNING or ERROR line counts:
the importer's output is printed in full, then the findings, and the exit code is 1. Settings come from
tools/galaxy-importer.cfg; scratch files (the extracted tarball, ansible-lint's cache) go under
.cache/galaxy-importer.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, 'tools', 'galaxy-importer.cfg')
WORK_DIR = os.path.join(ROOT, '.cache', 'galaxy-importer')
TARBALL_NAME = re.compile(r'^(?P<namespace>\w+)-(?P<name>\w+)-(?P<version>[0-9a-zA-Z.+-]+)\.tar\.gz$')


class Recorder(logging.Handler):
    """Keeps every record, to print the whole log on failure and count the findings."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self, min_level: int = logging.INFO) -> list[str]:
        """The records at ``min_level`` or above, as galaxy-importer's CLI prints them."""
        return [('%s: %s' % (r.levelname, r.getMessage())) if r.levelno > logging.INFO else r.getMessage()
                for r in self.records if r.levelno >= min_level]


def run(tarball: str, verbose: bool) -> int:
    """Import ``tarball``; return 0 when galaxy-importer reported nothing at WARNING level or above."""
    match = TARBALL_NAME.match(os.path.basename(tarball))
    if not match:
        print('galaxy-check: %s is not named <namespace>-<name>-<version>.tar.gz' % tarball)
        return 2

    # galaxy-importer finds ansible-doc and ansible-lint on PATH (and skips them with a mere warning if missing).
    os.environ['PATH'] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get('PATH', '')])
    # The schema validators read the configuration file themselves: make it ours for every reader.
    os.environ['GALAXY_IMPORTER_CONFIG'] = CONFIG
    for key in [key for key in os.environ if key.startswith('GALAXY_IMPORTER_') and key != 'GALAXY_IMPORTER_CONFIG']:
        del os.environ[key]  # an override from the caller's environment would change what is checked

    # Imported here: galaxy-importer reads its configuration when imported.
    # pylint: disable=import-outside-toplevel
    from galaxy_importer import __version__, collection, config
    from galaxy_importer.exceptions import ImporterError

    os.makedirs(os.path.join(WORK_DIR, 'tmp'), exist_ok=True)
    cfg = config.Config(config_data=dict(config.ConfigFile.load(),
                                         tmp_root_dir=os.path.join(WORK_DIR, 'tmp'),
                                         ansible_local_tmp=os.path.join(WORK_DIR, 'ansible-tmp')))

    recorder = Recorder()
    logger = logging.getLogger('galaxy-check')
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    logger.addHandler(recorder)
    # Messages some loaders send to their module loggers instead of the import's logger.
    library = logging.getLogger('galaxy_importer')
    library.setLevel(logging.WARNING)
    library.addHandler(recorder)

    started = time.monotonic()
    result = None
    filename = collection.CollectionFilename(*match.group('namespace', 'name', 'version'))
    with open(tarball, 'rb') as handle:
        try:
            result = collection.import_collection(handle, filename, logger=logger, cfg=cfg)
        except ImporterError as error:
            logger.error('The import failed for the following reason: %s', error)
        except Exception as error:  # pylint: disable=broad-exception-caught
            logger.exception('Unexpected error occurred: %s', error)
    elapsed = time.monotonic() - started

    findings = recorder.lines(logging.WARNING)
    if findings or verbose:
        print('\n'.join(recorder.lines(logging.DEBUG if verbose else logging.INFO)))
    if findings:
        print('\ngalaxy-check: galaxy-importer %s reported %d finding(s) on %s:'
              % (__version__, len(findings), os.path.basename(tarball)))
        print('\n'.join('  ' + line for line in findings))
        return 1
    contents = result['contents'] if result else []
    print('galaxy-check: galaxy-importer %s imported %s.%s %s: %d content items (%s), no warning, in %.1fs' % (
        __version__, filename.namespace, filename.name, filename.version, len(contents),
        ', '.join('%d %s' % (n, kind) for kind, n in sorted(_count(contents).items())), elapsed))
    return 0


def _count(contents: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in contents:
        counts[item['content_type']] = counts.get(item['content_type'], 0) + 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('tarball', help='the collection tarball (ansible-galaxy collection build)')
    parser.add_argument('-v', '--verbose', action='store_true', help='print the whole import log')
    args = parser.parse_args()
    return run(os.path.abspath(args.tarball), args.verbose)


if __name__ == '__main__':
    sys.exit(main())
