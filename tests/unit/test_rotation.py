"""Rotation logic: the options, the guard that lets only secrets through, what is reported rotated, expiry dates;
and the rotation_report filter."""

import datetime

import pytest

from ansible_collections.snowspoke.jira.plugins.filter.rotation_report import rotation_report
from ansible_collections.snowspoke.jira.plugins.filter.summary import summary
from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import OptionError, RecordError
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow import plan, rotation

PARAMS = {"rotate": True, "rotate_unchecked": False, "state": "present", "check_token": True, "probe_scopes": True,
          "option": "oauth"}
SECRET = {"action": "update", "table": "basic_auth_credentials", "record": "Jira acme basic credential",
          "fields": ["password"]}


@pytest.mark.parametrize("change, message", [
    ({"state": "absent"}, "state must be present"),
    ({"check_token": False}, "check_token and probe_scopes must stay true"),
    ({"probe_scopes": False}, "check_token and probe_scopes must stay true"),
    ({"rotate": False, "rotate_unchecked": True}, "rotate_unchecked applies only with rotate: true"),
])
def test_options_that_contradict_a_rotation(change, message):
    with pytest.raises(OptionError, match=message):
        rotation.check_options(dict(PARAMS, **change))


def test_only_secrets_pass_the_guard():
    rotation.guard([SECRET, dict(SECRET, table="oauth_entity", fields=["client_secret"])], "x.service-now.com")
    for other in (dict(SECRET, fields=["password", "user_name"]), dict(SECRET, action="create", fields=None),
                  dict(SECRET, table="http_connection", fields=["connection_url"]),
                  dict(SECRET, action="delete", fields=None)):
        with pytest.raises(RecordError, match="nothing written.*%s %s" % (other["action"], other["table"])):
            rotation.guard([SECRET, other], "x.service-now.com")


def test_what_is_reported_rotated():
    other = dict(SECRET, table="oauth_entity", record="Jira b OAuth registry", fields=["client_secret"])
    assert sorted(rotation.rotated([SECRET, other]).values()) == [
        "API token of credential 'Jira acme basic credential'", "client secret of registry 'Jira b OAuth registry'"]
    assert rotation.rotated([dict(SECRET, fields=["user_name"])]) == {}


def test_3lo_sites_are_refused_unless_accepted():
    sites = plan.plan([{"url": "https://a.atlassian.net", "client_id": "x", "client_secret": "y"},
                       {"url": "https://b.atlassian.net", "client_id": "x", "client_secret": "y",
                        "grant_type": "client_credentials"}], "oauth")
    with pytest.raises(OptionError, match=r"client secret of site a \(sites\[0\]\) cannot be checked"):
        rotation.refuse_unchecked(sites, PARAMS, "x.service-now.com")
    rotation.refuse_unchecked(sites, dict(PARAMS, rotate_unchecked=True), "x.service-now.com")
    rotation.refuse_unchecked(sites[1:], PARAMS, "x.service-now.com")


@pytest.mark.parametrize("given, days, status", [
    ("2027-01-10", 40, "valid"), ("2026-12-15", 14, "expiring"), (datetime.date(2026, 12, 1), 0, "expiring"),
    ("2026-11-30", -1, "expired")])
def test_expiry(given, days, status):
    (site,) = plan.plan([{"url": "https://a.atlassian.net", "username": "u@example.com", "api_token": "t",
                          "api_token_expires": given}], "basic")
    found = rotation.expiry(site, datetime.date(2026, 12, 1), 14)
    assert (found["days_left"], found["status"]) == (days, status)
    warning = rotation.expiry_warning(site, found, "x.service-now.com")
    assert (warning is None) == (status == "valid")


@pytest.mark.parametrize("given", ["next week", "2026-13-01", 20261201, ["2026-12-01"]])
def test_a_malformed_expiry_date_is_refused(given):
    with pytest.raises(OptionError, match=r"site a \(sites\[0\]\): api_token_expires .* YYYY-MM-DD"):
        plan.plan([{"url": "https://a.atlassian.net", "username": "u@example.com", "api_token": "t",
                    "api_token_expires": given}], "basic")


def test_an_oauth_site_takes_no_api_token_expiry():
    with pytest.raises(OptionError, match="api_token_expires do"):
        plan.plan([{"url": "https://a.atlassian.net", "client_id": "x", "client_secret": "y",
                    "api_token_expires": "2027-01-01"}], "oauth")


def test_rotation_report():
    hosts = [
        {"inventory_hostname": "a", "snowspoke_result": {"rotate": True, "rotated": ["API token of credential 'c'"]}},
        {"inventory_hostname": "b", "snowspoke_result": {"rotate": True, "check_mode": True, "rotated": ["x"]}},
        {"inventory_hostname": "c", "snowspoke_result": {"rotate": True, "rotated": []}},
        {"inventory_hostname": "d", "snowspoke_result": {"failed": True, "msg": "Rotation refused for site acme"}},
    ]
    assert rotation_report(hosts) == {
        "a": {"status": "rotated", "rotated": ["API token of credential 'c'"]},
        "b": {"status": "would rotate", "rotated": ["x"]},
        "c": {"status": "nothing to rotate", "rotated": []},
        "d": {"status": "refused", "rotated": [], "reason": "Rotation refused for site acme"}}


def test_summary_shows_rotation_and_api_token_expiry():
    result = {"rotate": True, "rotated": ["API token of credential 'c'"], "sites": [
        {"name": "acme", "jira": {"api_token_expiry": {"expires": "2026-12-06", "days_left": 5, "status": "expiring"}}},
        {"name": "beta", "jira": {}}]}
    lines = summary(result, "x")
    assert lines["rotated"] == ["API token of credential 'c'"]
    assert lines["token_health"] == {"acme": "API token expiring, expires on 2026-12-06 (in 5 days)"}
    assert "rotated" not in summary({"sites": []}, "x")
