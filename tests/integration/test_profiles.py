"""The set-up on every plausible ServiceNow: the basic and OAuth lifecycles (set-up, rerun, check rerun, audit,
teardown, teardown rerun) on each emulator profile (tests/emulator/servicenow/profiles.py).

Each cell either converges - every record read back independently from the emulator's store, the rerun, the check
rerun and the audit with changed=0 and no write - or stops before its first write with a message that names the
fact and points at playbooks/discover.yml. In every cell, whatever the outcome, no write touches a record outside
the set-up's own (from the request log), and unrelated rows seeded in every table the set-up touches (some hidden
by the profile's row ACLs) survive unchanged.
"""

import os

import pytest
import yaml

from tests.conftest import REPO
from tests.emulator.servicenow.profiles import PROFILES
from tests.emulator.servicenow.seed import JIRA_ALIAS_ID

PLAYBOOKS = os.path.join(REPO, "playbooks")
SEED_SCOPES = [
    "manage:jira-configuration", "manage:jira-project", "manage:jira-webhook", "read:jira-work", "read:jira-user",
    "write:jira-work", "delete:sprint:jira-software", "read:issue-details:jira", "read:jql:jira",
    "read:sprint:jira-software", "write:sprint:jira-software", "read:board-scope:jira-software",
    "read:project:jira", "offline_access",
]
# What the profiles' realities mean for the set-up: where the collection cannot work safely it must stop before
# writing; everywhere else it must converge.
STOPS_BEFORE_WRITING = {"attribute_model_id": "var_dictionary.model"}
# Tables the set-up writes, and the shipped alias it must never change.
OWNED = ("oauth_entity", "oauth_entity_scope", "oauth_entity_profile", "oauth_entity_profile_scope",
         "basic_auth_credentials", "oauth_2_0_credentials", "sys_alias", "http_connection", "sys_variable_value",
         "oauth_credential", "oauth_requestor_profile")
LIFECYCLE = [os.path.join(PLAYBOOKS, name) for name in ("site.yml", "site.yml", "audit.yml")]
TEARDOWN = [os.path.join(PLAYBOOKS, "teardown.yml")] * 2


def seed_unrelated(instance):
    """Rows of someone else in every table the set-up touches; names starting zz_hidden are the ones a profile's row
    ACLs hide. Returns their sys_ids by table."""
    rows = {}

    def add(table, **fields):
        rows.setdefault(table, []).append(instance.insert(table, **fields))
        return rows[table][-1]

    for prefix in ("Other", "zz_hidden"):
        registry = add("oauth_entity", name="%s app registry" % prefix, type="oauth_provider", client_id="other-id",
                       client_secret="other-secret-value")
        scope = add("oauth_entity_scope", name="read:jira-work", oauth_entity_scope="read:jira-work",
                    oauth_entity=registry)
        profile = add("oauth_entity_profile", name="%s app registry default_profile" % prefix, oauth_entity=registry,
                      default=True, grant_type="authorization_code")
        add("oauth_entity_profile_scope", oauth_entity_profile=profile, oauth_entity_scope=scope)
        oauth_credential = add("oauth_2_0_credentials", name="%s OAuth credential" % prefix,
                               oauth_entity_profile=profile)
        requestor = add("oauth_requestor_profile", requestor_id=oauth_credential, oauth_entity_profile=profile)
        add("oauth_credential", type="refresh_token", peer=registry, oauth_requestor_profile=requestor,
            token_received="other-refresh-token")
        basic = add("basic_auth_credentials", name="%s basic credential" % prefix, user_name="other@example.com",
                    password="other-password-value")
        alias = add("sys_alias", name="%s_alias" % prefix, id="global.%s_alias" % prefix, parent=JIRA_ALIAS_ID,
                    type="connection", connection_type="http_connection")
        connection = add("http_connection", name="%s connection" % prefix, connection_alias=alias, credential=basic,
                         connection_url="https://other.atlassian.net", active=True)
        for definition in instance.records("var_dictionary"):
            if definition["element"] in ("api_version", "server_type"):
                add("sys_variable_value", document="http_connection", document_key=connection,
                    variable=definition["sys_id"], value="other")
    # An inactive connection on the shipped alias itself: the one-active rule and teardown must leave it alone.
    add("http_connection", name="zz_hidden inactive connection", connection_alias=JIRA_ALIAS_ID,
        credential=rows["basic_auth_credentials"][0], connection_url="https://inactive.atlassian.net", active=False)
    return rows


def snapshot(instance, sys_ids):
    return dict((table, dict((sys_id, instance.get(table, sys_id)) for sys_id in ids)) for table, ids in sys_ids.items())


def owned_ids(instance):
    return set(row["sys_id"] for table in OWNED for row in instance.records(table))


def inventory(instance, option, site):
    host = {"snowspoke_instance": {"host": instance.url, "username": instance.admin_user,
                                   "password": instance.admin_password},
            "snowspoke_option": option, "snowspoke_jira_sites": [site]}
    return yaml.safe_dump({"all": {"children": {"servicenow": {"hosts": {instance.name: host}}}}})


def lifecycle_playbook(paths):
    return yaml.safe_dump([{"import_playbook": path} for path in paths])


def by_play(run):
    plays = {}
    for entry in run.results:
        plays.setdefault(entry["play"], []).append(entry)
    return plays


def writes_between(emulator, instance, start, end=None):
    return [entry for entry in emulator.log.writes(label=instance.name)
            if entry.time >= start and (end is None or entry.time < end)]


def assert_writes_stay_within(writes, allowed, before):
    """A write creates in an owned table, or changes/deletes a record the set-up made (never one that was there)."""
    for entry in writes:
        parts = entry.path.strip("/").split("/")
        assert parts[:3] == ["api", "now", "table"], "a write outside the Table API: %s %s" % (
            entry.method, entry.path)
        table, sys_id = parts[3], parts[4] if len(parts) > 4 else None
        assert table in OWNED, "a write to table %s: %s %s" % (table, entry.method, entry.path)
        if entry.method != "POST":
            assert sys_id in allowed and sys_id not in before, "%s of a record the set-up did not make: %s" % (
                entry.method, entry.path)


def read_back(instance, option, site, secret):
    """The records of a converged set-up, read from the emulator's own store (not through the collection)."""
    [connection] = instance.records("http_connection", "name=Jira acme connection")
    assert connection["connection_alias"] == JIRA_ALIAS_ID and connection["active"] == "true"
    if option == "basic":
        [credential] = instance.records("basic_auth_credentials", "name=Jira acme basic credential")
        assert credential["user_name"] == site["username"]
        assert instance.clear_value("basic_auth_credentials", credential["sys_id"], "password") == secret
        assert connection["connection_url"] == site["url"]
        assert instance.attribute_values(connection["sys_id"]) == {"server_type": "cloud"}
    else:
        [registry] = instance.records("oauth_entity", "name=Jira acme OAuth registry")
        assert registry["client_id"] == site["client_id"] and registry["type"] == "oauth_provider"
        assert instance.clear_value("oauth_entity", registry["sys_id"], "client_secret") == secret
        scopes = instance.records("oauth_entity_scope", "oauth_entity=%s" % registry["sys_id"])
        assert sorted(row["oauth_entity_scope"] for row in scopes) == sorted(SEED_SCOPES)
        [profile] = instance.records("oauth_entity_profile", "oauth_entity=%s" % registry["sys_id"])
        assert profile["default"] == "true"
        mirrored = instance.records("oauth_entity_profile_scope", "oauth_entity_profile=%s" % profile["sys_id"])
        assert sorted(row["oauth_entity_scope"] for row in mirrored) == sorted(row["sys_id"] for row in scopes)
        [credential] = instance.records("oauth_2_0_credentials", "name=Jira acme OAuth credential")
        assert credential["oauth_entity_profile"] == profile["sys_id"]
        assert connection["connection_url"] == "https://api.atlassian.com/ex/jira/%s" % site["cloud_id"]
        assert instance.attribute_values(connection["sys_id"]) == {"api_version": "2", "server_type": "cloud"}
    assert connection["credential"] == credential["sys_id"]


@pytest.mark.parametrize("option", ["basic", "oauth"])
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_lifecycle_on_every_profile(ansible, emulator, instance, profile, option):
    instance.set_options(**PROFILES[profile])
    cloud = emulator.atlassian
    jira = cloud.add_site("%s-%s" % (option, instance.name))
    if option == "basic":
        user = jira.add_user("bot@%s.example" % instance.name, admin=True)
        secret = user.add_api_token(kind="classic")
        site = {"name": "acme", "url": jira.url, "username": user.email, "api_token": secret}
    else:
        app = cloud.add_oauth_app("ServiceNow %s" % instance.name, scopes=SEED_SCOPES,
                                  callback_urls=["%s/oauth_redirect.do" % instance.url])
        secret = app.client_secret
        site = {"name": "acme", "url": jira.url, "client_id": app.client_id, "client_secret": secret,
                "cloud_id": jira.cloud_id}
    unrelated = seed_unrelated(instance)
    before_ids = owned_ids(instance)
    unrelated_before = snapshot(instance, unrelated)
    inv = inventory(instance, option, site)

    run = ansible(lifecycle_playbook(LIFECYCLE), inventory=inv, diff=True)
    setup_done = owned_ids(instance)
    converged = run.rc == 0
    if converged:
        read_back(instance, option, site, secret)
    down = ansible(lifecycle_playbook(TEARDOWN), inventory=inv)
    writes = emulator.log.writes(label=instance.name)
    assert_writes_stay_within(writes, setup_done - before_ids, before_ids)
    assert snapshot(instance, unrelated) == unrelated_before, "an unrelated record changed"
    for done in (run, down):
        done.assert_no_secret(secret, instance.admin_password, "other-secret-value", "other-password-value")

    if profile in STOPS_BEFORE_WRITING:
        assert run.rc != 0 and down.rc != 0 and writes == [], "%s must stop before writing" % profile
        for done in (run, down):
            [failed] = done.failed
            message = failed["result"]["msg"]
            assert STOPS_BEFORE_WRITING[profile] in message and "discover.yml" in message, message
        return

    run.assert_ok()
    down.assert_ok()
    plays = by_play(run)
    assert sorted(plays) == [1, 2, 3]
    assert any(entry["status"] == "changed" for entry in plays[1])
    for number in (2, 3):
        assert [entry["task"] for entry in plays[number] if entry["status"] == "changed"] == [], (
            "play %d changed something" % number)
    assert writes_between(emulator, instance, plays[2][0]["play_started"], down.results[0]["play_started"]) == [], \
        "the rerun or the audit wrote"
    teardown = by_play(down)
    assert any(entry["status"] == "changed" for entry in teardown[1])
    assert [entry for entry in teardown[2] if entry["status"] == "changed"] == []
    assert owned_ids(instance) == before_ids, "teardown left records the set-up made (or removed others)"
