"""The jira_cloud_id lookup's connection options: the Jira option table's argument spec, env fallbacks included."""

import pytest
from ansible.errors import AnsibleLookupError

from ansible_collections.snowspoke.jira.plugins.lookup.jira_cloud_id import connection_options
from ansible_collections.snowspoke.jira.plugins.module_utils.jira.options import CONNECTION, LOOKUP


def test_environment_fills_what_the_lookup_was_not_given(monkeypatch, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    monkeypatch.setenv("JIRA_CA_PATH", str(ca))
    monkeypatch.setenv("JIRA_TIMEOUT", "7.5")
    options = connection_options({})
    assert options["ca_path"] == str(ca) and options["timeout"] == 7.5
    assert options["validate_certs"] is True and options["retries"] == 4
    assert connection_options({"timeout": 3.0, "ca_path": "/other.pem"})["timeout"] == 3.0
    assert connection_options({"ca_path": "/other.pem"})["ca_path"] == "/other.pem"


def test_empty_environment_variables_count_as_unset(monkeypatch):
    monkeypatch.setenv("JIRA_CA_PATH", "")
    monkeypatch.setenv("JIRA_TIMEOUT", "")
    options = connection_options({})
    assert options["ca_path"] is None and options["timeout"] == 30.0


def test_a_bad_value_names_the_option(monkeypatch):
    monkeypatch.setenv("JIRA_TIMEOUT", "soon")
    with pytest.raises(AnsibleLookupError, match="timeout"):
        connection_options({})


def test_the_lookup_table_is_part_of_the_modules_table():
    """One source: every option of the lookup is the same Option object the Jira modules use."""
    assert all(option is CONNECTION[option.name] for option in LOOKUP.options)
    assert {option.name for option in LOOKUP.options if option.env} == {"timeout", "ca_path"}
