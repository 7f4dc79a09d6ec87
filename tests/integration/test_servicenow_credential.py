"""servicenow_credential end to end: basic auth, API key and OAuth 2.0 credentials, write-only secrets sent per
update_secret, through real ansible-playbook runs against an emulated instance."""

from tests.integration.conftest import play
from tests.integration.test_servicenow_common import (
    WriteLog, diff_of, fake_secret, result, status, table_path, task)

MODULE = "servicenow_credential"
BASIC = "Jira cloud basic credential"
BASIC_KEY = "basic_auth_credentials " + BASIC  # diffs are keyed by table and record


def credential_task(name, options, **keywords):
    return task(name, MODULE, options, **keywords)


def test_basic_auth_lifecycle_and_update_secret(ansible, instance, emulator):
    """check -> apply -> rerun -> check -> tamper -> check shows it -> apply repairs only it -> absent -> rerun;
    on_create never resends the API token, always does."""
    token = fake_secret("api-token")
    desired = {"type": "basic_auth_credentials", "name": BASIC, "username": "jira-bot@example.com",
               "password": token}
    writes = WriteLog(emulator, instance)

    run = ansible(play([credential_task("create", desired)], instance=instance), check=True, diff=True).assert_ok()
    assert writes.new() == [] and status(run, "create") == "changed"
    after = diff_of(run, "create")["after"][BASIC_KEY]
    assert after["password"] == "******** (new value)" and after["user_name"] == "jira-bot@example.com"

    run = ansible(play([credential_task("create", desired), credential_task("rerun", desired),
                        credential_task("check", desired, check_mode=True)], instance=instance),
                  diff=True, verbosity=3).assert_ok()
    run.assert_no_secret(token, instance.admin_password)
    assert [status(run, name) for name in ("create", "rerun", "check")] == ["changed", "ok", "ok"]
    record = instance.records("basic_auth_credentials", "name=%s" % BASIC)[0]
    created = result(run, "create")["credential"]
    assert created["sys_id"] == record["sys_id"] and created["type"] == "basic_auth_credentials"
    assert "password" not in created
    assert record["sys_class_name"] == "basic_auth_credentials"  # the child table, not discovery_credentials
    assert instance.clear_value("basic_auth_credentials", record["sys_id"], "password") == token
    assert writes.new() == [("POST", table_path("basic_auth_credentials")),
                            ("PATCH", table_path("basic_auth_credentials", record["sys_id"]))]

    instance.tamper("basic_auth_credentials", record["sys_id"], user_name="someone-else@example.com")
    run = ansible(play([credential_task("check", desired)], instance=instance), check=True, diff=True).assert_ok()
    assert writes.new() == [] and status(run, "check") == "changed"
    diff = diff_of(run, "check")
    before, after = diff["before"][BASIC_KEY], diff["after"][BASIC_KEY]
    assert before["user_name"] == "someone-else@example.com" and after["user_name"] == "jira-bot@example.com"
    assert [field for field in after if after[field] != before.get(field)] == ["user_name"]
    assert before["password"] == after["password"] == "********"
    run.assert_no_secret(record["password"])  # not even the encrypted form the instance returns

    # Repair, then a new token with on_create (not sent: no change), then with always (sent, alone).
    new_token = fake_secret("new-api-token")
    rotate = dict(desired, password=new_token)
    run = ansible(play([credential_task("repair", desired), credential_task("on_create", rotate),
                        credential_task("check", desired, check_mode=True)],
                       instance=instance), diff=True, verbosity=3).assert_ok()
    run.assert_no_secret(token, new_token, instance.admin_password)
    assert [status(run, name) for name in ("repair", "on_create", "check")] == ["changed", "ok", "ok"]
    assert writes.new() == [("PATCH", table_path("basic_auth_credentials", record["sys_id"]))]
    assert instance.get("basic_auth_credentials", record["sys_id"])["user_name"] == "jira-bot@example.com"
    assert instance.clear_value("basic_auth_credentials", record["sys_id"], "password") == token

    always = dict(rotate, update_secret="always")
    run = ansible(play([credential_task("always", always), credential_task("always again", always, check_mode=True)],
                       instance=instance), diff=True).assert_ok()
    run.assert_no_secret(token, new_token)
    assert [status(run, name) for name in ("always", "always again")] == ["changed", "changed"]
    assert diff_of(run, "always")["after"][BASIC_KEY]["password"] == "******** (new value)"
    assert writes.new() == [("PATCH", table_path("basic_auth_credentials", record["sys_id"]))]
    assert instance.clear_value("basic_auth_credentials", record["sys_id"], "password") == new_token

    absent = {"type": "basic_auth_credentials", "name": BASIC, "state": "absent"}
    run = ansible(play([credential_task("check absent", absent, check_mode=True), credential_task("absent", absent),
                        credential_task("rerun", absent)], instance=instance)).assert_ok()
    assert [status(run, name) for name in ("check absent", "absent", "rerun")] == ["changed", "changed", "ok"]
    assert writes.new() == [("DELETE", table_path("basic_auth_credentials", record["sys_id"]))]
    assert instance.records("discovery_credentials") == []


def test_api_key_and_oauth_credentials(ansible, instance, emulator):
    """API key stored write-only; an OAuth 2.0 credential found the same by registry name, profile name and
    profile sys_id; moved to another registry; a shared profile is refused; absent refuses while a connection uses it."""
    api_key = fake_secret("api-key")
    registries = [task("registry %s" % name, "servicenow_oauth_registry",
                       {"name": name, "client_id": "cid-" + name, "client_secret": fake_secret("cs"),
                        "scopes": ["read:jira-work", "offline_access"]}) for name in ("alpha", "beta")]
    ansible(play(registries, instance=instance)).assert_ok()
    alpha = instance.records("oauth_entity_profile", "oauth_entity.name=alpha^default=true")[0]
    beta = instance.records("oauth_entity_profile", "oauth_entity.name=beta^default=true")[0]
    writes = WriteLog(emulator, instance)

    oauth = {"type": "oauth_2_0_credentials", "name": "Jira OAuth"}
    key = {"type": "api_key_credentials", "name": "Jira key", "api_key": api_key}
    run = ansible(play([
        credential_task("api key", key),
        credential_task("api key rerun", dict(key, api_key=fake_secret("other"))),
        credential_task("by registry", dict(oauth, oauth_registry="alpha")),
        credential_task("by profile name", dict(oauth, oauth_profile=alpha["name"])),
        credential_task("by profile sys_id", dict(oauth, oauth_profile=alpha["sys_id"])),
        credential_task("moved", dict(oauth, oauth_registry="beta")),
    ], instance=instance), diff=True, verbosity=3).assert_ok()
    run.assert_no_secret(api_key, instance.admin_password)
    assert [status(run, name) for name in ("api key", "api key rerun", "by registry", "by profile name",
                                           "by profile sys_id", "moved")] == [
        "changed", "ok", "changed", "ok", "ok", "changed"]
    key_record = instance.records("api_key_credentials")[0]
    assert instance.clear_value("api_key_credentials", key_record["sys_id"], "api_key") == api_key
    assert "api_key" not in result(run, "api key")["credential"]
    credential = instance.records("oauth_2_0_credentials", "name=Jira OAuth")[0]
    assert credential["oauth_entity_profile"] == beta["sys_id"]
    assert result(run, "by registry")["credential"]["oauth_entity_profile"] == alpha["sys_id"]
    moved = diff_of(run, "moved")
    assert moved["before"]["oauth_2_0_credentials Jira OAuth"]["oauth_entity_profile"] == alpha["sys_id"]
    assert moved["after"]["oauth_2_0_credentials Jira OAuth"]["oauth_entity_profile"] == beta["sys_id"]
    assert sorted(writes.new()) == sorted([
        ("POST", table_path("api_key_credentials")), ("PATCH", table_path("api_key_credentials", key_record["sys_id"])),
        ("POST", table_path("oauth_2_0_credentials")), ("PATCH", table_path("oauth_2_0_credentials",
                                                                            credential["sys_id"]))])

    # ServiceNow links each credential to its own profile: a second credential on beta's is refused, unwritten.
    shared = ansible(play([credential_task("shared", dict(oauth, name="Jira OAuth 2", oauth_profile=beta["sys_id"]))],
                          instance=instance))
    assert shared.rc != 0 and writes.new() == []
    message = result(shared, "shared")["msg"]
    assert "already used by OAuth 2.0 credential 'Jira OAuth'" in message and "'Jira OAuth 2' was not changed" in message

    # A connection uses the credential: absent refuses naming it, force removes it anyway.
    connection = instance.insert("http_connection", name="Jira OAuth connection", credential=credential["sys_id"],
                                 connection_url="https://acme.atlassian.net", active=False)
    absent = {"type": "oauth_2_0_credentials", "name": "Jira OAuth", "state": "absent"}
    run = ansible(play([credential_task("refused", absent, ignore_errors=True),
                        credential_task("forced", dict(absent, force=True))], instance=instance)).assert_ok()
    assert [status(run, name) for name in ("refused", "forced")] == ["ignored", "changed"]
    message = result(run, "refused")["msg"]
    assert "Jira OAuth connection" in message and connection in message and "force" in message
    assert writes.new() == [("DELETE", table_path("oauth_2_0_credentials", credential["sys_id"]))]
