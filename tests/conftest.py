"""Test-wide set-up: the collection importable as ``ansible_collections.snowspoke.jira`` and a network guard.

Plain pytest is enough (no pytest-ansible needed): the collection is linked into a temporary
``ansible_collections/`` tree that is put on ``sys.path`` and exported as ``ANSIBLE_COLLECTIONS_PATH`` for the
ansible-playbook runs of the integration tests.
"""

import atexit
import os
import shutil
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUARD = os.path.join(REPO, "tests", "support", "loopback_guard")


def _collections_root():
    root = tempfile.mkdtemp(prefix="snowspoke-collections-")
    namespace = os.path.join(root, "ansible_collections", "snowspoke")
    os.makedirs(namespace)
    os.symlink(REPO, os.path.join(namespace, "jira"))
    atexit.register(shutil.rmtree, root, True)  # removes the link, never what it points to
    return root


COLLECTIONS_ROOT = _collections_root()
if COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, COLLECTIONS_ROOT)
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", COLLECTIONS_ROOT)
sys.path.insert(0, GUARD)

from tests_loopback_guard import install  # noqa: E402  pylint: disable=wrong-import-position

install()


import pytest  # noqa: E402  pylint: disable=wrong-import-position,wrong-import-order

from tests.emulator import certs  # noqa: E402  pylint: disable=wrong-import-position


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    """With pytest-ansible installed, let it inject ANSIBLE_COLLECTIONS_PATH into Ansible's collection finder
    (instead of making a ``collections/`` tree in the repository); plain pytest needs nothing more."""
    if hasattr(config.option, "ansible_unit_inject_only"):
        config.option.ansible_unit_inject_only = True


@pytest.fixture(scope="session")
def tls_material(tmp_path_factory):
    """A CA and server certificate generated for this test session (never committed)."""
    return certs.generate(str(tmp_path_factory.mktemp("tls")))
