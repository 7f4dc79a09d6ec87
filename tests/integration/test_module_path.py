"""The same logic as a shipped module (the path a remote connection or SNOWSPOKE_RUN_AS_MODULE=1 takes) and on the
controller (the default): each converges what the other did, with the same results."""

from tests.integration.conftest import play

MODULE_PATH = {"SNOWSPOKE_RUN_AS_MODULE": "1"}
SECRET = "module-path-client-secret"


def tasks():
    return [
        {"name": "registry", "snowspoke.jira.servicenow_oauth_registry": {
            "name": "Jira path", "client_id": "cid", "client_secret": SECRET,
            "scopes": ["read:jira-work", "offline_access"]}},
        {"name": "credential", "snowspoke.jira.servicenow_credential": {
            "name": "Jira path credential", "type": "oauth_2_0_credentials", "oauth_registry": "Jira path"}},
        {"name": "connection", "snowspoke.jira.servicenow_http_connection": {
            "name": "Jira path connection", "credential": "Jira path credential",
            "connection_url": "https://api.atlassian.com/ex/jira/11223344-5566-7788-99aa-bbccddeeff00",
            "attributes": {"api_version": "2", "server_type": "cloud"}}},
    ]


def test_module_and_controller_paths_agree(ansible, instance, emulator):
    playbook = play(tasks(), instance=instance)
    check = ansible(playbook, check=True, diff=True, env=MODULE_PATH).assert_ok()
    assert not emulator.log.writes(label=instance.name)
    applied = ansible(playbook, env=MODULE_PATH, diff=True).assert_ok()
    assert [e["status"] for e in applied.results] == ["changed"] * 3
    for name in ("registry", "credential", "connection"):
        assert check.task(name)["result"]["changes"] == applied.task(name)["result"]["changes"]
    rerun = ansible(playbook, verbosity=3).assert_ok()  # on the controller
    assert [e["status"] for e in rerun.results] == ["ok"] * 3
    rerun_module = ansible(playbook, env=MODULE_PATH).assert_ok()
    assert [e["status"] for e in rerun_module.results] == ["ok"] * 3
    for name in ("registry", "credential", "connection"):
        controller, module = rerun.task(name)["result"], rerun_module.task(name)["result"]
        assert sorted(set(controller) - {"request_log"}) == sorted(module)
    for run in (check, applied, rerun, rerun_module):
        run.assert_no_secret(SECRET)
