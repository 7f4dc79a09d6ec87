"""playbooks/discover.yml against emulated instances: read-only, and its summary says which unconfirmed facts hold."""

import os

from tests.conftest import REPO
from tests.integration.conftest import connection, play
from tests.integration.test_servicenow_common import GATEWAY, WriteLog, fake_secret, task

PLAYBOOK = os.path.join(REPO, "playbooks", "discover.yml")
SUMMARY = "Summary (see docs/live-instance.md)"


def test_discover_fresh_configured_and_bare_instances(ansible, instance, emulator):
    """Three instances in one run: a fresh one (attribute storage undecided), one with a connection whose
    attributes the collection wrote (confirmed) and one without the Jira spoke (problems listed, no failure), read
    with an API key. Nothing is written to any of them, and no credential shows."""
    configured = emulator.servicenow.add_instance(instance.name + "-b")
    bare = emulator.servicenow.add_instance(instance.name + "-c", spoke_installed=False)
    try:
        ansible(play([
            task("credential", "servicenow_credential",
                 {"type": "basic_auth_credentials", "name": "Jira basic", "username": "bot@example.com",
                  "password": fake_secret("api-token")}),
            task("connection", "servicenow_http_connection",
                 {"name": "Jira connection", "credential": "Jira basic", "connection_url": GATEWAY,
                  "attributes": {"api_version": "2", "server_type": "cloud"}}),
            task("child alias", "servicenow_connection_alias", {"name": "Jira_beta"}),
        ], instance=configured)).assert_ok()
        targets = (instance, configured, bare)
        writes = [WriteLog(emulator, target) for target in targets]
        inventory = "[servicenow]\n" + "".join(target.name + "\n" for target in targets)
        host_vars = dict((target.name, dict(connection(target), ca_path=emulator.ca_path)) for target in targets)
        host_vars[bare.name] = {"host": bare.url, "api_key": bare.api_key, "ca_path": emulator.ca_path}
        run = ansible(PLAYBOOK, inventory=inventory, extra_vars={
            "snowspoke_instance": "{{ discover_hosts[inventory_hostname] }}", "discover_hosts": host_vars})
        run.assert_ok()
        run.assert_no_secret(bare.api_key, *[target.admin_password for target in targets])
        assert [log.new() for log in writes] == [[], [], []]

        fresh = run.task(SUMMARY, host=instance.name)["result"]["msg"]
        assert fresh["instance"] == instance.url and fresh["ready_for_setup"] is True
        assert fresh["jira_spoke"].startswith("version ") and "(active)" in fresh["jira_spoke"]
        assert fresh["shipped_alias"].startswith("sn_jira_spoke.Jira (sys_id ")
        assert "scope sn_jira_spoke" in fresh["shipped_alias"]
        assert [line.split(" | ")[0] for line in fresh["attribute_definitions"]] == ["api_version", "server_type"]
        assert fresh["configuration_template"]["connection"]["extended_attributes"]["server_type"] == "cloud"
        assert fresh["connections"] == [] and fresh["attribute_values"] == []
        facts = fresh["unconfirmed_facts"]
        assert facts["attribute_definitions"].startswith("CONFIRMED")
        assert facts["attribute_values"].startswith("UNDECIDED")
        assert "connection_url" in fresh["connection_columns"] and "sys_id" not in fresh["connection_columns"]

        done = run.task(SUMMARY, host=configured.name)["result"]["msg"]
        [record] = configured.records("http_connection")
        assert done["connections"] == ["Jira connection | %s | true" % GATEWAY]
        assert sorted(line.split(" | ")[3] for line in done["attribute_values"]) == ["2", "cloud"]
        assert all(line.startswith("http_connection | %s | " % record["sys_id"]) for line in done["attribute_values"])
        assert done["unconfirmed_facts"]["attribute_values"].startswith("CONFIRMED: 2 sys_variable_value rows")
        assert done["credentials"] == ["Jira basic | basic_auth_credentials"]
        assert done["child_aliases"] == ["global.Jira_beta in scope global"]
        assert "global.Jira_beta in scope global" in done["unconfirmed_facts"]["child_alias_scope"]
        assert "shipped alias is in scope sn_jira_spoke" in done["unconfirmed_facts"]["child_alias_scope"]

        missing = run.task(SUMMARY, host=bare.name)["result"]["msg"]
        assert missing["ready_for_setup"] is False and missing["jira_spoke"] == "NOT installed"
        assert missing["shipped_alias"] == "NOT FOUND" and missing["attribute_definitions"] == []
        assert any("not installed" in problem for problem in missing["problems"])
        assert missing["unconfirmed_facts"]["attribute_definitions"].startswith("NOT FOUND")
    finally:
        emulator.servicenow.remove_instance(configured.name)
        emulator.servicenow.remove_instance(bare.name)


def test_discover_names_how_each_instance_behaves(ansible, emulator, instance):
    """The facts the emulator can play either way are reported as each instance plays them, read-only."""
    from tests.emulator.servicenow.profiles import PROFILES  # pylint: disable=import-outside-toplevel
    hidden = {"row_acls": [{"table": "sys_alias", "query": "nameSTARTSWITHzz_hidden"}], "total_count": "before_acl"}
    cases = {
        "documented": {},
        "no_rows": PROFILES["no_rows"],
        "hidden": hidden,
        "masked": PROFILES["secrets_masked"],
        "empty": PROFILES["secrets_empty"],
        "cascade": PROFILES["no_default_profile"],
        # Two instances play the webhook registry's facts too (each fact is asserted on its own).
        "model_id": dict(PROFILES["attribute_model_id"], webhook_registry_table="sn_jira_spoke_webhook_registries",
                         webhook_registry_fields="prefixed", webhook_callback_types="token_only",
                         webhook_callback_url="not_shown"),
        "orderless": dict(PROFILES["no_order_fields"], webhook_registry_table="absent"),
    }
    targets, secrets = {}, []
    try:
        for case, options in cases.items():
            target = emulator.servicenow.add_instance("%s-%s" % (instance.name, case.replace("_", "")), **options)
            targets[case] = target
            for name in ("alpha", "beta"):
                secrets.append(fake_secret("secret-" + name))
                target.insert("basic_auth_credentials", name=name, user_name="x@example.com", password=secrets[-1])
        targets["hidden"].insert("sys_alias", name="zz_hidden_alias", parent="", type="connection")
        targets["documented"].insert("sys_alias", name="Jira beta", type="connection")
        targets["documented"].insert("oauth_entity", name="Template registry", type="consumer")
        writes = dict((case, WriteLog(emulator, target)) for case, target in targets.items())
        inventory = "[servicenow]\n" + "".join(target.name + "\n" for target in targets.values())
        host_vars = dict((target.name, dict(connection(target), ca_path=emulator.ca_path))
                         for target in targets.values())
        run = ansible(PLAYBOOK, inventory=inventory, extra_vars={
            "snowspoke_instance": "{{ discover_hosts[inventory_hostname] }}", "discover_hosts": host_vars})
        run.assert_ok()
        assert all(log.new() == [] for log in writes.values())

        def behaviour(case):
            return run.task(SUMMARY, host=targets[case].name)["result"]["msg"]["instance_behaviour"]

        documented = behaviour("documented")
        assert documented["invalid_query"] == "ignored" and documented["password2_answer"] == "stored form"
        assert documented["v1_empty_answer"] == "404" and documented["registry_delete"] == "clear"
        assert documented["consumer_registries"] == "found" and documented["alias_names"] == "lenient"
        assert documented["http_connection_order"] == "present" and documented["attribute_model"] != "model_id"
        assert behaviour("no_rows")["invalid_query"] == "no_rows"
        assert behaviour("hidden")["row_count"] == "before ACL"
        assert documented["row_count"] == "no hidden rows seen"
        assert behaviour("masked")["password2_answer"] == "masked"
        assert behaviour("empty")["password2_answer"] == "empty"
        assert behaviour("cascade")["registry_delete"] == "delete"
        assert behaviour("model_id")["attribute_model"] == "model_id"
        assert behaviour("orderless")["http_connection_order"] == "absent"
        # The Jira webhook registry's undocumented facts, as each instance has them.
        assert [documented[fact] for fact in ("webhook_registry_table", "webhook_registry_fields",
                                              "webhook_callback_types", "webhook_callback_url")] == [
            "sn_jira_spoke_webhook_registry", "found", "token and hmac", "shown"]
        other = behaviour("model_id")
        assert [other[fact] for fact in ("webhook_registry_table", "webhook_registry_fields",
                                         "webhook_callback_types", "webhook_callback_url")] == [
            "sn_jira_spoke_webhook_registries", "found", "token only", "derived"]
        assert behaviour("orderless")["webhook_registry_table"] == "not found"
        facts = run.task(SUMMARY, host=targets["model_id"].name)["result"]["msg"]["unconfirmed_facts"]
        assert facts["webhook_registry"]["webhook_registry_fields"].startswith(
            "found - Columns by label: description=webhook_description, name=webhook_name, path=webhook_path, "
            "token=token_verification")
        assert "derives it as https://" in facts["webhook_registry"]["webhook_callback_url"]
        # Not a secret, nor the encrypted form the instance holds for it.
        run.assert_no_secret(*secrets + [row["password"] for target in targets.values()
                                         for row in target.records("basic_auth_credentials")])
    finally:
        for target in targets.values():
            emulator.servicenow.remove_instance(target.name)
