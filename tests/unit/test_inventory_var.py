"""The inventory_var filter: the playbooks' variables checked by name, converted as Ansible converts them."""

import os
import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.snowspoke.jira.plugins.filter.inventory_var import VARIABLES, inventory_var


@pytest.mark.parametrize("name, given, expected", [
    ("snowspoke_option", "oauth", "oauth"),
    ("snowspoke_state", None, "present"),
    ("snowspoke_wait_for_consent", "30", 30),
    ("snowspoke_wait_for_consent", 0, 0),
    ("snowspoke_deactivate_others", "yes", True),
    ("snowspoke_rotate", None, False),
    ("snowspoke_jira_connection", None, {}),
    ("snowspoke_jira_sites", ({"url": "https://acme.atlassian.net"},), [{"url": "https://acme.atlassian.net"}]),
])
def test_values_and_defaults(name, given, expected):
    assert inventory_var(given, name) == expected


@pytest.mark.parametrize("name, given, words", [
    ("snowspoke_option", None, ["snowspoke_option is not set", "basic (Option 1"]),
    ("snowspoke_option", "oauth2", ["snowspoke_option must be basic (Option 1", "not 'oauth2'", "inventory"]),
    ("snowspoke_option", 3, ["not 3 (a int)"]),
    ("snowspoke_jira_sites", None, ["snowspoke_jira_sites is not set"]),
    ("snowspoke_jira_sites", ["https://acme.atlassian.net"], ["a list of dicts"]),
    ("snowspoke_state", "removed", ["one of present, absent", "'removed'"]),
    ("snowspoke_wait_for_consent", -5, ["an int", "0 or more"]),
    ("snowspoke_wait_for_consent", True, ["an int"]),
    ("snowspoke_deactivate_others", "maybe", ["true or false", "'maybe'"]),
    ("snowspoke_jira_connection", "proxy", ["snowspoke_jira_connection must be a dict"]),
    ("snowspoke_instance", ["dev1"], ["snowspoke_instance must be a dict"]),
])
def test_refusals_name_the_variable(name, given, words):
    with pytest.raises(AnsibleFilterError) as raised:
        inventory_var(given, name)
    for word in words:
        assert word in str(raised.value)


def test_an_unknown_name_is_a_mistake_of_the_playbook():
    with pytest.raises(AnsibleFilterError, match="unknown variable 'snowspoke_options'"):
        inventory_var("basic", "snowspoke_options")


def test_every_variable_the_tasks_use_is_listed():
    tasks = os.path.join(os.path.dirname(__file__), "..", "..", "playbooks", "tasks", "jira_spoke.yml")
    used = set(re.findall(r"inventory_var\('(\w+)'\)", open(tasks).read()))
    assert used <= set(VARIABLES) and len(used) >= 9
