"""Fixtures of `make bench`: the integration tests' emulators, and one Bench per session whose table is printed
(and written to .cache/bench/results.json) at the end, whether the targets pass or not."""

import pytest

from tests.integration.conftest import emulator  # noqa: F401  pylint: disable=unused-import

from .cases import Bench

_SESSION = {}


@pytest.fixture(scope="session")
def bench(emulator):  # pylint: disable=redefined-outer-name
    measured = _SESSION["bench"] = Bench(emulator)
    yield measured
    measured.close()


def pytest_terminal_summary(terminalreporter):
    measured = _SESSION.get("bench")
    if measured is None or not measured.cases:
        return
    path = measured.save()
    terminalreporter.section("snowspoke.jira bench: the collection (playbooks/site.yml) and the uri baseline")
    for line in measured.table().splitlines():
        terminalreporter.write_line(line)
    terminalreporter.write_line("* extrapolated. Figures written to %s" % path)
