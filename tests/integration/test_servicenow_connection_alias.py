"""servicenow_connection_alias end to end: child aliases of the Jira spoke's shipped alias, through real
ansible-playbook runs against an emulated instance."""

from tests.emulator.servicenow.seed import JIRA_ALIAS_ID, JIRA_TEMPLATE_ID
from tests.integration.conftest import play
from tests.integration.test_servicenow_common import WriteLog, diff_of, result, status, table_path, task, warnings_of

MODULE = "servicenow_connection_alias"
CHILD = "Jira_beta_site"


def alias_task(title, check_mode=None, ignore_errors=None, **options):
    """A task of the module on the child alias CHILD (unless ``name`` is given)."""
    keywords = dict((key, value) for key, value in (("check_mode", check_mode), ("ignore_errors", ignore_errors))
                    if value is not None)
    return task(title, MODULE, dict({"name": CHILD}, **options), **keywords)


def children(instance):
    return instance.records("sys_alias", "parent=%s" % JIRA_ALIAS_ID)


def test_child_alias_lifecycle(ansible, instance, emulator):
    """check -> apply -> rerun -> check -> tamper -> check shows it -> apply repairs only it -> update -> absent
    (refused while a connection uses it) -> rerun. Returns the attribute definitions and the template."""
    writes = WriteLog(emulator, instance)
    shipped = instance.get("sys_alias", JIRA_ALIAS_ID)

    run = ansible(play([alias_task("create")], instance=instance), check=True, diff=True).assert_ok()
    assert writes.new() == [] and status(run, "create") == "changed"
    after = diff_of(run, "create")["after"]["sys_alias " + CHILD]
    assert after == {"name": CHILD, "parent": JIRA_ALIAS_ID, "type": "connection",
                     "connection_type": "http_connection", "multiple_connections": "false",
                     "configuration_template": JIRA_TEMPLATE_ID}
    predicted = result(run, "create")
    assert [row["element"] for row in predicted["attributes"]] == ["api_version", "server_type"]

    run = ansible(play([alias_task("create"), alias_task("rerun"), alias_task("check", check_mode=True)],
                       instance=instance), diff=True).assert_ok()
    assert [status(run, name) for name in ("create", "rerun", "check")] == ["changed", "ok", "ok"]
    [child] = children(instance)
    assert writes.new() == [("POST", table_path("sys_alias"))]
    assert (child["type"], child["connection_type"], child["multiple_connections"]) == (
        "connection", "http_connection", "false")
    assert child["configuration_template"] == JIRA_TEMPLATE_ID
    created = result(run, "create")
    assert created["alias"]["sys_id"] == child["sys_id"]
    assert created["parent"]["id"] == "sn_jira_spoke.Jira" and created["parent"]["sys_id"] == JIRA_ALIAS_ID
    # The scope it landed in is reported, with a warning: a REST insert lands in Global.
    assert created["alias"]["scope"] == {"sys_id": "global", "scope": "global", "is_spoke_scope": False}
    assert "not the Jira spoke's (sn_jira_spoke)" in warnings_of(run, "create")
    # The parent's attribute definitions and configuration template.
    attributes = dict((row["element"], row) for row in created["attributes"])
    assert sorted(attributes) == ["api_version", "server_type"]
    assert attributes["api_version"]["default_value"] == "2" and attributes["api_version"]["defined_on"] == "parent"
    assert attributes["server_type"]["label"] == "Server Type"
    template = created["configuration_template"]
    assert template["sys_id"] == JIRA_TEMPLATE_ID
    assert template["data"]["connection"]["extended_attributes"] == {"api_version": "2", "server_type": "cloud"}
    assert template["data"]["credential"]["type"] == "basic_auth_credentials"

    instance.tamper("sys_alias", child["sys_id"], multiple_connections=True)
    run = ansible(play([alias_task("check")], instance=instance), check=True, diff=True).assert_ok()
    assert writes.new() == [] and status(run, "check") == "changed"
    diff = diff_of(run, "check")
    before, after = diff["before"]["sys_alias " + CHILD], diff["after"]["sys_alias " + CHILD]
    assert (before["multiple_connections"], after["multiple_connections"]) == ("true", "false")
    assert [field for field in after if after[field] != before.get(field)] == ["multiple_connections"]

    run = ansible(play([alias_task("repair"), alias_task("check", check_mode=True),
                        alias_task("update", multiple_connections=True)], instance=instance)).assert_ok()
    assert [status(run, name) for name in ("repair", "check", "update")] == ["changed", "ok", "changed"]
    assert writes.new() == [("PATCH", table_path("sys_alias", child["sys_id"]))] * 2
    assert instance.get("sys_alias", child["sys_id"])["multiple_connections"] == "true"

    # A connection on the child: absent refuses naming it; once the connection is gone, absent removes the alias.
    connection = instance.insert("http_connection", name="Jira beta connection", connection_alias=child["sys_id"],
                                 connection_url="https://beta.atlassian.net")
    run = ansible(play([alias_task("refused", state="absent", ignore_errors=True)], instance=instance)).assert_ok()
    message = result(run, "refused")["msg"]
    assert status(run, "refused") == "ignored"
    assert "Jira beta connection" in message and connection in message and "nothing was removed" in message
    assert writes.new() == []
    instance.delete("http_connection", connection)
    run = ansible(play([alias_task("check absent", state="absent", check_mode=True),
                        alias_task("absent", state="absent"), alias_task("rerun", state="absent")],
                       instance=instance)).assert_ok()
    assert [status(run, name) for name in ("check absent", "absent", "rerun")] == ["changed", "changed", "ok"]
    assert writes.new() == [("DELETE", table_path("sys_alias", child["sys_id"]))]
    assert children(instance) == []
    assert instance.get("sys_alias", JIRA_ALIAS_ID) == shipped  # the shipped alias is never touched


def test_shipped_alias_is_only_read(ansible, instance, emulator):
    """The shipped alias cannot be managed or removed, and a child cannot be the parent of another."""
    writes = WriteLog(emulator, instance)
    child_id = instance.insert("sys_alias", name="Jira gamma", id="global.Jira gamma", parent=JIRA_ALIAS_ID,
                               type="connection", connection_type="http_connection")
    run = ansible(play([
        alias_task("shipped present", name="Jira", ignore_errors=True),
        alias_task("shipped absent", name="Jira", state="absent", ignore_errors=True),
        alias_task("by sys_id", name="Jira", parent=JIRA_ALIAS_ID, state="absent", ignore_errors=True),
        alias_task("grandchild", parent=child_id, ignore_errors=True),
    ], instance=instance)).assert_ok()
    assert run.statuses() == ["ignored"] * 4
    for name in ("shipped present", "shipped absent", "by sys_id"):
        assert "is the shipped alias itself" in result(run, name)["msg"]
    assert "itself a child alias" in result(run, "grandchild")["msg"]
    assert writes.new() == []
