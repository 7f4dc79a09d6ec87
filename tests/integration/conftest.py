"""Fixtures of the integration tests: the emulators on a free port, a fresh instance per test, and a way to run
real ansible-playbook against them."""

import hashlib
import textwrap

import pytest
import yaml

from tests.emulator.atlassian import AtlassianCloud
from tests.emulator.server import EmulatorServer
from tests.emulator.servicenow import ServiceNowFleet
from tests.support.playbooks import run_playbook


@pytest.fixture(scope="session")
def emulator(tls_material):
    """One emulator process-side server for the whole session: a ServiceNow fleet and an Atlassian Cloud."""
    fleet = ServiceNowFleet()
    cloud = AtlassianCloud()
    server = EmulatorServer([fleet, cloud], tls=tls_material).start()
    server.servicenow = fleet
    server.atlassian = cloud
    yield server
    server.stop()


@pytest.fixture
def instance(emulator, request):
    """A fresh emulated instance for this test, named after it (so logs and failures point back to it)."""
    digest = hashlib.sha1(request.node.nodeid.encode("utf-8")).hexdigest()[:10]
    created = emulator.servicenow.add_instance("t" + digest)
    yield created
    emulator.servicenow.remove_instance(created.name)


def connection(instance, **overrides):
    """The ``instance`` option for a module talking to ``instance`` as its admin."""
    options = {"host": instance.url, "username": instance.admin_user, "password": instance.admin_password}
    options.update(overrides)
    return options


def play(tasks, instance=None, gather_facts=False, **play_options):
    """A one-play playbook (YAML text) on localhost, with the ServiceNow group defaults set for ``instance``."""
    body = {"hosts": "localhost", "gather_facts": gather_facts, "tasks": tasks}
    if instance is not None:
        body["module_defaults"] = {"group/snowspoke.jira.servicenow": {"instance": connection(instance)}}
    body.update(play_options)
    return yaml.safe_dump([body], sort_keys=False)


@pytest.fixture
def ansible(emulator):
    """``ansible(playbook, **options)`` runs ansible-playbook against the emulators; see run_playbook."""

    def run(playbook, **options):
        return run_playbook(emulator, playbook, **options)

    return run


def dedent(text):
    return textwrap.dedent(text).lstrip()
