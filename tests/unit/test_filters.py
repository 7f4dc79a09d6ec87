"""The spoke_plan and drift filters."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.snowspoke.jira.plugins.filter.drift import drift
from ansible_collections.snowspoke.jira.plugins.filter.spoke_plan import spoke_plan
from ansible_collections.snowspoke.jira.plugins.module_utils.jira import scopes


def test_plan_names_records_per_site():
    plan = spoke_plan([{"url": "https://acme.atlassian.net/"}, {"name": "Beta", "url": "https://b.atlassian.net"}],
                      "basic")
    assert plan[0] == {"index": 0, "name": "acme", "url": "https://acme.atlassian.net", "cloud_id": None,
                       "child_alias": "Jira_acme", "alias_choice": None, "credential": "Jira acme basic credential",
                       "connection": "Jira acme connection", "connection_url": None}
    assert plan[1]["child_alias"] == "Jira_Beta"
    assert "api_token" not in plan[0] and "registry" not in plan[0]


def test_plan_oauth_defaults_follow_the_grant():
    code, service = spoke_plan([
        {"url": "https://a.atlassian.net"},
        {"url": "https://b.atlassian.net", "grant_type": "client_credentials", "registry_name": "Mine"}],
        "oauth", prefix="JS")
    assert code["registry"] == "JS a OAuth registry" and code["scopes"] == list(scopes.PRESETS["documented"])
    assert code["scope_groups"] is None and code["required_scopes"] == list(scopes.PRESETS["documented"])
    assert service["registry"] == "Mine" and service["scopes"] is None
    assert service["scope_groups"] == {"Classic": list(scopes.DOCUMENTED_CLASSIC), "Granular": list(scopes.DOCUMENTED_GRANULAR)}
    assert "offline_access" not in service["required_scopes"]
    assert sorted(service["configured_scopes"]) == sorted(scopes.DOCUMENTED_CLASSIC + scopes.DOCUMENTED_GRANULAR)


@pytest.mark.parametrize("sites,fragment", [
    ([], "at least one Jira site"),
    ([{"name": "x"}], "url is required"),
    ([{"url": "https://a.atlassian.net"}, {"url": "https://A.atlassian.net", "name": "other"}], "the same url"),
    ([{"url": "https://a.atlassian.net"}, {"url": "https://b.atlassian.net", "name": "A"}], "the same name"),
    ([{"url": "https://jira.example.com"}], "is not a Jira Cloud site"),
])
def test_plan_refuses_ambiguous_sites(sites, fragment):
    with pytest.raises(AnsibleFilterError, match=fragment):
        spoke_plan(sites, "basic")


def test_plan_refuses_an_unknown_grant():
    with pytest.raises(AnsibleFilterError, match="grant_type must be"):
        spoke_plan([{"url": "https://a.atlassian.net", "grant_type": "implicit"}], "oauth")


def test_drift_lines_with_and_without_diff():
    created = {"changed": True, "changes": [{"action": "create", "table": "oauth_entity", "record": "Jira a"}]}
    updated = {"changed": True, "changes": [{"action": "update", "table": "http_connection", "record": "Jira a",
                                             "key": "http_connection Jira a", "fields": ["connection_url"]}],
               "diff": {"before": {"http_connection Jira a": {"connection_url": "https://x"},
                                   "http_connection Jira ab": {"connection_url": "https://other"}},
                        "after": {"http_connection Jira a": {"connection_url": "https://y"},
                                  "http_connection Jira ab": {"connection_url": "https://other2"}}}}
    no_diff = {"changed": True, "changes": [{"action": "update", "table": "sys_alias", "record": "Jira b",
                                             "fields": ["multiple_connections"]}]}
    children = {"changed": True, "changes": [{"action": "update", "table": "oauth_entity_scope", "record": "Jira a",
                                              "added": ["read:jql:jira"], "updated": [], "removed": ["old"]}]}
    unchanged = {"changed": False, "changes": []}
    assert drift([{"results": [created, unchanged]}, updated, no_diff, children]) == [
        "create oauth_entity 'Jira a'",
        "update http_connection 'Jira a': connection_url 'https://x' -> 'https://y'",
        "update sys_alias 'Jira b': multiple_connections",
        "update oauth_entity_scope of 'Jira a': add read:jql:jira; remove old",
    ]


@pytest.mark.parametrize("site_name, alias", [
    ("acme", "Jira_acme"), ("acme-ops", "Jira_acme_ops"), ("acme.eu ops", "Jira_acme_eu_ops"), ("-x-", "Jira__x")])
def test_child_alias_names_stay_in_the_documented_character_set(site_name, alias):
    """ServiceNow: "An alias can only contain alpha, number, and underscore characters"."""
    plan = spoke_plan([{"name": "first", "url": "https://first.atlassian.net"},
                       {"name": site_name, "url": "https://second.atlassian.net"}], "basic")
    assert plan[1]["child_alias"] == alias
