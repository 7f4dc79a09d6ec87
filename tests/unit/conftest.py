"""Unit-test fixtures shared across files."""

import pytest

from tests.emulator.server import EmulatorServer
from tests.support.fronts import AppSlot


@pytest.fixture(name="front", scope="module")
def fixture_front(tls_material):
    """An emulator front for this test module whose Atlassian application a test swaps in (``front.slot.app``)."""
    slot = AppSlot("atlassian")
    server = EmulatorServer([slot], tls=tls_material).start()
    server.slot = slot
    yield server
    server.stop()
