"""The roles' task files: the pre-flight task (tag `preflight`, check mode) runs the set-up task's arguments, so
`--tags preflight` checks exactly what the set-up would do; and every task carries its documented tag."""

import os

import pytest
import yaml

from tests.conftest import REPO

ENGINE = "snowspoke.jira.servicenow_jira_spoke"
# The arguments the pre-flight task sets on its own: it always checks, and never waits for the browser step.
OWN = {"preflight": True, "wait_for_consent": 0}


def tasks(role):
    with open(os.path.join(REPO, "roles", role, "tasks", "main.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.mark.parametrize("role", ["basic_setup", "oauth_setup"])
def test_the_preflight_task_runs_the_setup_arguments_in_check_mode(role):
    preflight, setup, summary = tasks(role)
    assert preflight["check_mode"] is True and preflight["tags"] == ["never", "preflight", "summary"]
    assert setup["tags"] == ["setup"] and summary["tags"] == ["summary"]
    assert set(preflight[ENGINE]) == set(setup[ENGINE])
    for name, value in preflight[ENGINE].items():
        if name in OWN:
            assert value == OWN[name], name
        else:
            assert value == setup[ENGINE][name], name
    assert "ca_path" in setup[ENGINE] and "validate_certs" in setup[ENGINE]
