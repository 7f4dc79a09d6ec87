"""servicenow_http_connection end to end: the connection of a Jira site on an alias, its attribute values and the
one-active-connection rule, through real ansible-playbook runs against an emulated instance."""

from tests.emulator.servicenow.seed import JIRA_ALIAS_ID
from tests.integration.conftest import play
from tests.integration.test_servicenow_common import (
    GATEWAY, WriteLog, diff_of, fake_secret, result, status, table_path, task)

MODULE = "servicenow_http_connection"
BASIC = "Jira cloud basic conn"
ATTRIBUTES = {"api_version": "2", "server_type": "cloud"}


def connection_task(title, check_mode=None, ignore_errors=None, **options):
    keywords = dict((key, value) for key, value in (("check_mode", check_mode), ("ignore_errors", ignore_errors))
                    if value is not None)
    return task(title, MODULE, options, **keywords)


def definition_ids(instance):
    """{attribute name: var_dictionary sys_id} of the shipped alias."""
    return dict((row["element"], row["sys_id"]) for row in instance.records("var_dictionary",
                                                                            "model=%s" % JIRA_ALIAS_ID))


def stored_attributes(instance, connection_id):
    names = dict((sys_id, name) for name, sys_id in definition_ids(instance).items())
    return dict((names[row["variable"]], row["value"]) for row in instance.records(
        "sys_variable_value", "document=http_connection^document_key=%s" % connection_id))


# Diffs are keyed by table and record: the attribute values of a connection by the connection's name.
OAUTH_VALUES = "sys_variable_value Jira cloud OAuth Connection"


def test_basic_connection_lifecycle(ansible, instance, emulator):
    """check -> apply -> rerun -> check -> tamper -> check shows it -> apply repairs only it -> absent -> rerun."""
    credential = instance.insert("basic_auth_credentials", name="Jira cloud basic credential",
                                 user_name="jira-bot@example.com", password=fake_secret("api-token"))
    desired = {"name": BASIC, "credential": "Jira cloud basic credential",
               "connection_url": "https://Acme.atlassian.net/", "attributes": ATTRIBUTES}
    writes = WriteLog(emulator, instance)

    run = ansible(play([connection_task("create", **desired)], instance=instance), check=True, diff=True).assert_ok()
    assert writes.new() == [] and status(run, "create") == "changed"
    after = diff_of(run, "create")["after"]
    assert after["http_connection " + BASIC]["connection_url"] == "https://acme.atlassian.net"
    assert after["http_connection " + BASIC]["connection_alias"] == JIRA_ALIAS_ID
    assert after["http_connection " + BASIC]["credential"] == credential
    assert after["sys_variable_value " + BASIC] == ATTRIBUTES

    run = ansible(play([connection_task("create", **desired), connection_task("rerun", **desired),
                        connection_task("check", check_mode=True, **desired)], instance=instance),
                  diff=True).assert_ok()
    assert [status(run, name) for name in ("create", "rerun", "check")] == ["changed", "ok", "ok"]
    [record] = instance.records("http_connection", "name=%s" % BASIC)
    assert (record["connection_url"], record["host"], record["active"]) == (
        "https://acme.atlassian.net", "acme.atlassian.net", "true")
    assert record["connection_alias"] == JIRA_ALIAS_ID and record["credential"] == credential
    assert stored_attributes(instance, record["sys_id"]) == ATTRIBUTES
    created = result(run, "create")
    assert created["connection"]["sys_id"] == record["sys_id"]
    assert created["connection"]["attributes"] == ATTRIBUTES == result(run, "rerun")["connection"]["attributes"]
    assert created["alias"] == {"sys_id": JIRA_ALIAS_ID, "id": "sn_jira_spoke.Jira", "multiple_connections": False}
    assert sorted(writes.new()) == sorted([("POST", table_path("http_connection"))]
                                          + [("POST", table_path("sys_variable_value"))] * 2)

    instance.tamper("http_connection", record["sys_id"], connection_url="https://evil.atlassian.net")
    run = ansible(play([connection_task("check", **desired)], instance=instance), check=True, diff=True).assert_ok()
    assert writes.new() == [] and status(run, "check") == "changed"
    diff = diff_of(run, "check")
    assert list(diff["before"]) == ["http_connection " + BASIC]
    before, after = diff["before"]["http_connection " + BASIC], diff["after"]["http_connection " + BASIC]
    assert [field for field in after if after[field] != before.get(field)] == ["connection_url"]
    assert before["connection_url"] == "https://evil.atlassian.net"

    run = ansible(play([connection_task("repair", **desired), connection_task("check", check_mode=True, **desired)],
                       instance=instance)).assert_ok()
    assert [status(run, name) for name in ("repair", "check")] == ["changed", "ok"]
    assert writes.new() == [("PATCH", table_path("http_connection", record["sys_id"]))]
    assert instance.get("http_connection", record["sys_id"])["connection_url"] == "https://acme.atlassian.net"

    absent = {"name": BASIC, "state": "absent"}
    run = ansible(play([connection_task("check absent", check_mode=True, **absent),
                        connection_task("absent", **absent), connection_task("rerun", **absent)],
                       instance=instance)).assert_ok()
    assert [status(run, name) for name in ("check absent", "absent", "rerun")] == ["changed", "changed", "ok"]
    deleted = writes.new()
    assert len(deleted) == 3 and ("DELETE", table_path("http_connection", record["sys_id"])) in deleted
    assert instance.records("http_connection") == [] and instance.records("sys_variable_value") == []


def test_attributes_and_one_active_connection(ansible, instance, emulator):
    """Attribute values are written, read back and repaired one by one; a second active connection on a
    single-connection alias fails naming the first, and deactivate_others deactivates it."""
    instance.insert("basic_auth_credentials", name="basic", user_name="jira-bot@example.com",
                    password=fake_secret("api-token"))
    instance.insert("oauth_2_0_credentials", name="oauth")
    basic = {"name": BASIC, "credential": "basic", "connection_url": "https://acme.atlassian.net",
             "attributes": {"server_type": "cloud"}}
    oauth = {"name": "Jira cloud OAuth Connection", "credential": "oauth", "connection_url": GATEWAY,
             "attributes": ATTRIBUTES}
    ansible(play([connection_task("basic", **basic)], instance=instance)).assert_ok()
    [first] = instance.records("http_connection")
    assert stored_attributes(instance, first["sys_id"]) == {"server_type": "cloud"}
    writes = WriteLog(emulator, instance)

    run = ansible(play([connection_task("second active", ignore_errors=True, **oauth),
                        connection_task("second inactive", **dict(oauth, active=False)),
                        connection_task("take over", check_mode=True, deactivate_others=True, **oauth)],
                       instance=instance), diff=True).assert_ok()
    assert [status(run, name) for name in ("second active", "second inactive", "take over")] == [
        "ignored", "changed", "changed"]
    message = result(run, "second active")["msg"]
    assert BASIC in message and first["sys_id"] in message and "deactivate_others" in message
    [second] = instance.records("http_connection", "name=Jira cloud OAuth Connection")
    assert second["active"] == "false" and stored_attributes(instance, second["sys_id"]) == ATTRIBUTES
    assert sorted(writes.new()) == sorted([("POST", table_path("http_connection"))]
                                          + [("POST", table_path("sys_variable_value"))] * 2)
    predicted = diff_of(run, "take over")
    assert predicted["after"]["http_connection %s" % BASIC]["active"] == "false"

    run = ansible(play([connection_task("take over", deactivate_others=True, **oauth),
                        connection_task("rerun", **oauth)], instance=instance)).assert_ok()
    assert [status(run, name) for name in ("take over", "rerun")] == ["changed", "ok"]
    assert instance.get("http_connection", first["sys_id"])["active"] == "false"
    assert instance.get("http_connection", second["sys_id"])["active"] == "true"
    assert writes.new() == [("PATCH", table_path("http_connection", first["sys_id"])),
                            ("PATCH", table_path("http_connection", second["sys_id"]))]

    # An attribute value changed behind the module's back: shown by name, repaired alone; purge removes extras.
    [api_version] = [row for row in instance.records("sys_variable_value", "document_key=%s" % second["sys_id"])
                     if row["variable"] == definition_ids(instance)["api_version"]]
    instance.tamper("sys_variable_value", api_version["sys_id"], value="3")
    only_type = {**oauth, "attributes": {"server_type": "cloud"}}
    run = ansible(play([connection_task("check", check_mode=True, **oauth), connection_task("repair", **oauth),
                        connection_task("keep others", **only_type),
                        connection_task("purge", purge_attributes=True, **only_type)],
                       instance=instance), diff=True).assert_ok()
    assert [status(run, name) for name in ("check", "repair", "keep others", "purge")] == [
        "changed", "changed", "ok", "changed"]
    diff = diff_of(run, "check")
    assert list(diff["before"]) == [OAUTH_VALUES]
    assert diff["before"][OAUTH_VALUES] == {"api_version": "3", "server_type": "cloud"}
    assert diff["after"][OAUTH_VALUES] == ATTRIBUTES
    assert result(run, "keep others")["connection"]["attributes"] == ATTRIBUTES
    assert diff_of(run, "purge")["after"][OAUTH_VALUES] == {"server_type": "cloud"}
    assert writes.new() == [("PATCH", table_path("sys_variable_value", api_version["sys_id"])),
                            ("DELETE", table_path("sys_variable_value", api_version["sys_id"]))]
    assert stored_attributes(instance, second["sys_id"]) == {"server_type": "cloud"}


def test_child_alias_and_other_servers(ansible, instance, emulator):
    """A connection on a child alias (by sys_id) uses the parent's attribute definitions; a Jira Data Center
    URL passes with server_type server; validate_url=false skips the Jira Cloud check."""
    instance.insert("basic_auth_credentials", name="basic", user_name="jira-bot@example.com",
                    password=fake_secret("api-token"))
    writes = WriteLog(emulator, instance)
    run = ansible(play([
        task("child", "servicenow_connection_alias", {"name": "Jira_beta"}, register="child"),
        connection_task("beta", name="beta", alias="{{ child.alias.sys_id }}", credential="basic",
                        connection_url=GATEWAY.upper().replace("HTTPS://", "https://"), attributes=ATTRIBUTES),
        connection_task("server", name="server", credential="basic", active=False,
                        connection_url="https://jira.example.com", attributes={"server_type": "server"}),
        connection_task("unchecked", name="unchecked", credential="basic", active=False, validate_url=False,
                        connection_url="https://jira.example.com/jira"),
    ], instance=instance)).assert_ok()
    assert run.statuses() == ["changed"] * 4
    [child] = instance.records("sys_alias", "parent=%s" % JIRA_ALIAS_ID)
    [beta] = instance.records("http_connection", "name=beta")
    assert beta["connection_alias"] == child["sys_id"] and beta["active"] == "true"
    assert beta["connection_url"] == GATEWAY  # a Cloud ID in capitals is stored as Atlassian writes it
    assert stored_attributes(instance, beta["sys_id"]) == ATTRIBUTES
    assert result(run, "beta")["alias"]["id"] == child["id"]
    assert instance.records("http_connection", "name=server")[0]["connection_url"] == "https://jira.example.com"
    assert len(writes.new()) == 1 + 3 + 1 + 1 + 1


def test_attribute_that_does_not_read_back_fails_naming_it(ansible, instance, emulator):
    """Where attribute values live is unconfirmed on real instances: an instance that answers the write but does
    not keep the value (emulated by a fault that answers in its place) fails the task naming table, record and
    attribute, instead of reporting success."""
    instance.insert("basic_auth_credentials", name="basic", user_name="jira-bot@example.com",
                    password=fake_secret("api-token"))
    desired = {"name": BASIC, "credential": "basic", "connection_url": "https://acme.atlassian.net"}
    ansible(play([connection_task("create", **desired)], instance=instance)).assert_ok()
    [record] = instance.records("http_connection")
    definition = definition_ids(instance)["api_version"]
    emulator.add_fault(host=instance.host, method="POST", path="/api/now/table/sys_variable_value$", status=201,
                       times=1, body={"result": {"sys_id": "f" * 32, "document": "http_connection",
                                                 "document_key": record["sys_id"], "variable": definition,
                                                 "value": "2"}})
    run = ansible(play([connection_task("attributes", attributes={"api_version": "2"}, **desired)],
                       instance=instance), verbosity=3)
    assert run.rc != 0
    message = result(run, "attributes")["msg"]
    for word in ("Attribute api_version", record["sys_id"], "sys_variable_value", definition, "reads back as None"):
        assert word in message, (word, message)
    assert "discover.yml" in message
    requests = result(run, "attributes")["request_log"]
    values = "api/now/table/sys_variable_value"
    posted = max(index for index, line in enumerate(requests) if line.startswith("POST " + values))
    assert any(line.startswith("GET " + values) for line in requests[posted + 1:])  # the read-back


def test_one_active_connection_is_counted_per_domain(ansible, instance):
    """ServiceNow: "you can have only one active connection per domain": an active connection of another domain on
    the same alias does not block this one; one of the same domain (global, by default) does."""
    instance.insert("basic_auth_credentials", name="basic", user_name="jira-bot@example.com",
                    password=fake_secret("api-token"))
    other_domain = {"name": "Jira other domain", "credential": "basic", "connection_url": "https://acme.atlassian.net"}
    ansible(play([connection_task("other domain", **other_domain)], instance=instance)).assert_ok()
    [theirs] = instance.records("http_connection")
    instance.tamper("http_connection", theirs["sys_id"], sys_domain="c0ffee00c0ffee00c0ffee00c0ffee00")

    mine = {"name": "Jira this domain", "credential": "basic", "connection_url": "https://beta.atlassian.net"}
    third = {"name": "Jira third", "credential": "basic", "connection_url": "https://gamma.atlassian.net"}
    run = ansible(play([connection_task("this domain", **mine), connection_task("same domain", ignore_errors=True,
                                                                                **third)], instance=instance))
    assert status(run, "this domain") == "changed"
    assert instance.records("http_connection", "name=Jira this domain")[0]["active"] == "true"
    assert status(run, "same domain") == "ignored"
    message = result(run, "same domain")["msg"]
    assert "Jira this domain" in message and "in domain global" in message and "Jira other domain" not in message
    assert instance.get("http_connection", theirs["sys_id"])["active"] == "true"
