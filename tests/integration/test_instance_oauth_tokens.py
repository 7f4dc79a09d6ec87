"""OAuth to the ServiceNow instance itself (``instance: {client_id, client_secret, ...}`` -> ``/oauth_token.do``):
how many token requests a run costs, counted from the emulator's request log, on both execution paths.

One per task and instance, never more, however many requests the task makes: the client keeps its token for the
task. Not one per run: each task runs in a worker process of its own (forked per task, per host) and a token is
never written anywhere a later task could read it (disk, facts, results); docs/architecture.md says why.
"""

import pytest

from tests.integration.conftest import play

MODULE_PATH = {"SNOWSPOKE_RUN_AS_MODULE": "1"}
TOKEN_PATH = r"^/oauth_token\.do$"


def oauth(instance, grant):
    options = {"host": instance.url, "client_id": instance.oauth_client_id,
               "client_secret": instance.oauth_client_secret, "grant_type": grant}
    if grant == "password":
        options.update(username=instance.admin_user, password=instance.admin_password)
    return options


def tasks():
    return [
        {"name": "spoke info", "snowspoke.jira.servicenow_spoke_info": {"fail_on_problems": False}},
        {"name": "registry", "snowspoke.jira.servicenow_oauth_registry": {
            "name": "Jira tokens", "client_id": "tokens-client", "client_secret": "{{ jira_secret }}",
            "scopes": ["read:jira-work", "offline_access"]}},
        {"name": "credential", "snowspoke.jira.servicenow_credential": {
            "name": "Jira tokens credential", "type": "oauth_2_0_credentials", "oauth_registry": "Jira tokens"}},
        {"name": "connection", "snowspoke.jira.servicenow_http_connection": {
            "name": "Jira tokens connection", "credential": "Jira tokens credential",
            "connection_url": "https://api.atlassian.com/ex/jira/11223344-5566-7788-99aa-bbccddeeff00"}},
        {"name": "token info", "snowspoke.jira.servicenow_oauth_token_info": {"credential": "Jira tokens credential"}},
        {"name": "loop", "snowspoke.jira.servicenow_spoke_info": {"fail_on_problems": False, "check_schema": False},
         "loop": [1, 2]},
    ]


@pytest.mark.parametrize("grant", ["password", "client_credentials"])
@pytest.mark.parametrize("path", ["controller", "module"])
def test_at_most_one_token_request_per_task(ansible, emulator, instance, path, grant):
    playbook = play(tasks(), module_defaults={"group/snowspoke.jira.servicenow": {"instance": oauth(instance, grant)}})
    before = len(emulator.log)
    run = ansible(playbook, extra_vars={"jira_secret": "tokens-%s" % instance.name},
                  env=MODULE_PATH if path == "module" else {}).assert_ok()
    run.assert_no_secret(instance.oauth_client_secret, instance.admin_password)
    entries = [entry for entry in emulator.log.entries()[before:] if entry.label == instance.name]
    tokens = [entry for entry in entries if entry.path == "/oauth_token.do"]
    executions = len(tasks()) - 1 + 2  # the loop's two items are two executions of the logic
    assert len(tokens) == executions, [(entry.method, entry.path) for entry in entries]
    assert all(entry.status == 200 for entry in tokens)
    assert len(entries) - len(tokens) > 2 * executions  # tasks made several requests each on one token
    assert set(entry.user_agent for entry in entries) == {"snowspoke.jira (Ansible collection; %s)" % path}
