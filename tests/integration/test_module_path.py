"""The controller path (the action plugins, the default) and the module path (the shipped modules: a remote
connection, become, async, or SNOWSPOKE_RUN_AS_MODULE=1) give the same results.

Every one of the ten modules runs on each path through the same sequence on a fresh instance of the same name
(and the same Jira site): check + diff, apply + diff, rerun at -vvv with failures and warnings. The WHOLE recorded
results are compared (``invocation`` and ``request_log`` included), less VOLATILE below. Which path ran is proven
from the emulator's request log: every request's User-Agent ends with ``; controller)`` or ``; module)``
(plugins/module_utils/common/transport.py), a marker that is no key of any result.
"""

import copy
import hashlib
import itertools
import os
import re

import pytest

from tests.emulator.servicenow import instance as emulated_instance
from tests.emulator.servicenow import seed as emulated_seed
from tests.integration.conftest import connection, play

MODULE_PATH = {"SNOWSPOKE_RUN_AS_MODULE": "1"}
PATHS = ("controller", "module")
SECRET = "paths-client-secret-%s" % os.urandom(6).hex()
WEBHOOK_TOKEN = "paths-webhook-token-%s" % os.urandom(6).hex()
CREDENTIAL_PASSWORD = "paths-password-%s" % os.urandom(6).hex()
CLOUD_ID = "11223344-5566-7788-99aa-bbccddeeff00"

# Each path runs on its own fresh instance of the same name and admin password, whose sys_ids the emulator draws
# from the same deterministic sequence (fresh_instance): the sys_ids of both runs are equal, not masked.
# What may still differ, and why; everything else must be equal:
# - ServiceNow date-times (YYYY-MM-DD HH:MM:SS): the records were created at different moments;
# - ``exception``: Ansible's traceback text of a failure (only with tracebacks on), which names the files that ran.
DATE_TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}\b")
VOLATILE_KEYS = ("exception",)


def canonical(results):
    """The recorded results of a run with their volatile parts masked (see VOLATILE_KEYS and DATE_TIME)."""

    def walk(value):
        if isinstance(value, dict):
            return dict((key, walk(value[key])) for key in sorted(value) if key not in VOLATILE_KEYS)
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, str):
            return DATE_TIME.sub("<date-time>", value)
        return value

    return [walk({"task": entry["task"], "status": entry["status"], "result": copy.deepcopy(entry["result"])})
            for entry in results]


def differences(one, other, where=""):
    """Where two canonical results differ: ``path: value != value`` lines (empty when equal)."""
    if isinstance(one, dict) and isinstance(other, dict):
        found = []
        for key in sorted(set(one) | set(other)):
            if key not in one or key not in other:
                found.append("%s.%s: only on the %s path" % (where, key, PATHS[0] if key in one else PATHS[1]))
            else:
                found.extend(differences(one[key], other[key], "%s.%s" % (where, key)))
        return found
    if isinstance(one, list) and isinstance(other, list) and len(one) == len(other):
        return [line for index, (left, right) in enumerate(zip(one, other))
                for line in differences(left, right, "%s[%d]" % (where, index))]
    return [] if one == other else ["%s: %r != %r" % (where, one, other)]


def servicenow_tasks(jira_url, token_name):
    """One task per ServiceNow module (the registry, its credential, connection, child alias, token info and the
    pre-flight), jira_scope_check, and the engine servicenow_jira_spoke, in set-up order."""
    return [
        {"name": "spoke info", "snowspoke.jira.servicenow_spoke_info": {}},
        {"name": "registry", "snowspoke.jira.servicenow_oauth_registry": {
            "name": "Jira paths", "client_id": "paths-client", "client_secret": SECRET,
            "scopes": ["read:jira-work", "offline_access"]}},
        {"name": "credential", "snowspoke.jira.servicenow_credential": {
            "name": "Jira paths credential", "type": "oauth_2_0_credentials", "oauth_registry": "Jira paths"}},
        {"name": "alias", "snowspoke.jira.servicenow_connection_alias": {"name": "Jira_paths_site"}},
        {"name": "connection", "snowspoke.jira.servicenow_http_connection": {
            "name": "Jira paths connection", "credential": "Jira paths credential",
            "connection_url": "https://api.atlassian.com/ex/jira/%s" % CLOUD_ID,
            "attributes": {"api_version": "2", "server_type": "cloud"}}},
        {"name": "token info", "snowspoke.jira.servicenow_oauth_token_info": {"credential": "Jira paths credential"}},
        {"name": "scope check", "snowspoke.jira.jira_scope_check": {
            "jira_url": jira_url, "username": token_name[0], "api_token": token_name[1], "probes": False}},
        # The engine, on a child alias (the shipped one holds the connection above).
        {"name": "engine", "snowspoke.jira.servicenow_jira_spoke": {
            "option": "basic", "name_prefix": "Engine", "sites": [
                {"name": "paths", "url": jira_url, "username": token_name[0], "api_token": token_name[1],
                 "alias": "child"}]}},
        # The bi-directional webhook: the ServiceNow side (token and registry), then the Jira admin webhook.
        {"name": "webhook registry", "snowspoke.jira.servicenow_jira_webhook": {
            "name": "Jira paths webhook", "token": "{{ webhook_token }}", "callback_type": "hmac"}},
        {"name": "jira webhook", "snowspoke.jira.jira_webhook": {
            "jira_url": jira_url, "username": token_name[0], "api_token": token_name[1], "name": "ServiceNow paths",
            "url": "https://paths.service-now.com/api/sn_jira_spoke/jira_webhook_callbacks/wh_entry",
            "secret": "{{ webhook_token }}", "events": ["jira:issue_created"]}},
    ]


def failure_tasks():
    """Failures and warnings: of the logic, of the argument spec (an alias given twice, an unknown option), and of
    the offline scope check; each ignored so that the play goes on."""
    return [
        {"name": "missing registry", "ignore_errors": True, "snowspoke.jira.servicenow_credential": {
            "name": "Jira paths orphan", "type": "oauth_2_0_credentials", "oauth_registry": "No such registry"}},
        {"name": "alias twice", "snowspoke.jira.servicenow_credential": {
            "name": "Jira paths basic", "type": "basic_auth_credentials", "username": "jira-bot",
            "user_name": "jira-bot", "password": "{{ credential_password }}"}},
        {"name": "unknown option", "ignore_errors": True, "snowspoke.jira.servicenow_http_connection": {
            "name": "Jira paths connection", "credential": "Jira paths credential", "no_such_option": 1,
            "connection_url": "https://api.atlassian.com/ex/jira/%s" % CLOUD_ID}},
        {"name": "missing token info", "ignore_errors": True, "snowspoke.jira.servicenow_oauth_token_info": {
            "credential": "No such credential"}},
        {"name": "missing alias", "ignore_errors": True, "snowspoke.jira.servicenow_connection_alias": {
            "name": "Jira_paths_site", "parent": "no.such.alias"}},
        {"name": "offline scopes", "ignore_errors": True, "snowspoke.jira.jira_scope_check": {
            "configured_scopes": ["read:jira-work"], "required_scopes": ["read:jira-work", "write:jira-work"]}},
        {"name": "webhook no token", "ignore_errors": True, "snowspoke.jira.servicenow_jira_webhook": {
            "name": "Jira paths webhook", "token": "", "callback_type": "hmac"}},
        {"name": "jira webhook bad url", "ignore_errors": True, "snowspoke.jira.jira_webhook": {
            "jira_url": "https://paths.atlassian.net", "username": "a@example.com", "api_token": "{{ webhook_token }}",
            "name": "ServiceNow paths", "url": "ftp://paths.example.com/hook"}},
        {"name": "engine bad input", "ignore_errors": True, "snowspoke.jira.servicenow_jira_spoke": {
            "option": "oauth", "sites": [{"url": "https://paths.atlassian.net", "client_id": "x",
                                          "client_secret": "{{ credential_password }}", "cloud_id": "not-a-uuid"}]}},
    ]


def run_sequence(ansible, emulator, instance, site, token, env):
    """check + diff, apply + diff, rerun at -vvv with the failures: the canonical results and the User-Agents of
    the requests this sequence sent to the instance and to the site."""
    tasks = servicenow_tasks(site.url, (token[0], "{{ jira_token }}"))
    extra = {"jira_token": token[1], "credential_password": CREDENTIAL_PASSWORD, "webhook_token": WEBHOOK_TOKEN}
    # Each path starts from a site without webhooks and the same webhook ids.
    site.admin_webhooks.clear()
    emulator.atlassian.webhooks._next_admin = 900001  # pylint: disable=protected-access
    before = len(emulator.log)
    runs = [
        ansible(play(tasks, instance=instance), extra_vars=extra, check=True, diff=True, env=env),
        ansible(play(tasks, instance=instance), extra_vars=extra, diff=True, env=env),
        ansible(play(tasks + failure_tasks(), instance=instance), extra_vars=extra, verbosity=3, env=env),
    ]
    for run in runs:
        run.assert_ok()
        run.assert_no_secret(SECRET, CREDENTIAL_PASSWORD, WEBHOOK_TOKEN, token[1], instance.admin_password)
    entries = emulator.log.entries()[before:]
    agents = set(entry.user_agent for entry in entries if entry.label in (instance.name, site.name))
    return [canonical(run.results) for run in runs], agents, runs


@pytest.fixture(name="fresh_instance")
def fresh_instance_fixture(emulator, instance, monkeypatch):
    """``fresh_instance()`` replaces the test's instance by a new one of the same name and admin password, whose
    seed and later records get the sys_ids of one fixed sequence (the same for every call)."""
    name, password = instance.name, instance.admin_password

    def fresh():
        counter = itertools.count(1)

        def sys_id():
            return hashlib.sha1(("%s-%d" % (name, next(counter))).encode("ascii")).hexdigest()[:32]

        monkeypatch.setattr(emulated_instance, "new_sys_id", sys_id)
        monkeypatch.setattr(emulated_seed, "new_sys_id", sys_id)
        emulator.servicenow.remove_instance(name)
        return emulator.servicenow.add_instance(name, admin_password=password)

    return fresh


@pytest.fixture(name="site")
def site_fixture(emulator, instance):
    site = emulator.atlassian.add_site("p" + instance.name)
    admin = site.add_user("admin-%s@example.com" % site.name, "Paths Admin", admin=True)
    return site, (admin.email, admin.add_api_token())


def test_both_paths_give_the_same_results(ansible, emulator, fresh_instance, site):
    site, token = site
    sequences = {}
    for path in PATHS:
        sequences[path] = run_sequence(ansible, emulator, fresh_instance(), site, token,
                                       MODULE_PATH if path == "module" else {})
    for path in PATHS:
        agents = sequences[path][1]
        assert agents and all(agent.endswith("; %s)" % path) for agent in agents), (path, agents)

    controller, module = sequences["controller"][0], sequences["module"][0]
    for phase, (left, right) in zip(("check", "apply", "rerun and failures"), zip(controller, module)):
        assert [entry["task"] for entry in left] == [entry["task"] for entry in right]
        for one, other in zip(left, right):
            assert one == other, "%s, task %r: the paths differ:\n%s" % (
                phase, one["task"], "\n".join(differences(one, other))[:3000])

    # The sequence did what it says, so the comparison compared something.
    check, apply, rerun = sequences["controller"][2]
    assert apply.statuses() == ["ok", "changed", "changed", "changed", "changed", "ok", "ok", "changed", "changed",
                                "changed"]
    assert check.statuses() == apply.statuses()
    assert rerun.statuses() == ["ok"] * 10 + ["ignored", "changed"] + ["ignored"] * 7
    assert "token" in rerun.task("webhook no token")["result"]["msg"]
    assert "ftp://paths.example.com/hook" in rerun.task("jira webhook bad url")["result"]["msg"]
    assert "cloud_id 'not-a-uuid' is not a Cloud ID" in rerun.task("engine bad input")["result"]["msg"]
    assert "Both option username and its alias user_name are set." in rerun.task("alias twice")["result"]["warnings"]
    assert all("request_log" in rerun.task(task)["result"] for task in ("registry", "scope check"))
    assert rerun.task("unknown option")["result"]["msg"].startswith(
        "Unsupported parameters for (snowspoke.jira.servicenow_http_connection) module: no_such_option.")


def env_play(instance, later_task=True):
    """spoke info with the instance given only through ``environment:``, then (``later_task``) the same task
    without it: the environment of a task must not reach the next one."""
    tasks = [{"name": "from env", "snowspoke.jira.servicenow_spoke_info": {"fail_on_problems": False},
              "environment": {"SN_HOST": instance.name, "SN_USERNAME": "{{ sn_user }}", "SN_PASSWORD": "{{ sn_pw }}",
                              "SN_TIMEOUT": 7}}]
    if later_task:
        tasks.append({"name": "no env", "snowspoke.jira.servicenow_spoke_info": {}, "ignore_errors": True})
        # A loop's items run in one worker process: the first item's environment must be gone for the second.
        tasks.append({"name": "loop", "snowspoke.jira.servicenow_spoke_info": {"fail_on_problems": False},
                      "ignore_errors": True, "environment": "{{ sn_env if item else {} }}",
                      "loop": [True, False]})
    return play(tasks, vars={"sn_user": instance.admin_user, "sn_env": {
        "SN_HOST": instance.name, "SN_USERNAME": "{{ sn_user }}", "SN_PASSWORD": "{{ sn_pw }}"}})


@pytest.mark.parametrize("path", PATHS)
def test_task_environment_reaches_the_fallbacks_and_not_the_next_task(ansible, emulator, instance, path):
    before = len(emulator.log)
    run = ansible(env_play(instance), extra_vars={"sn_pw": instance.admin_password},
                  env=MODULE_PATH if path == "module" else {}).assert_ok()
    run.assert_no_secret(instance.admin_password)
    result = run.task("from env")["result"]
    assert run.task("from env")["status"] == "ok" and result["instance"] == instance.url
    assert result["invocation"]["module_args"]["instance"]["host"] == instance.name
    assert result["invocation"]["module_args"]["instance"]["timeout"] == 7.0
    assert run.task("no env")["status"] == "ignored"
    assert run.task("no env")["result"]["msg"].startswith("instance.host is required")
    items = run.task("loop")["result"]["results"]
    assert [item.get("failed", False) for item in items] == [False, True]
    assert items[1]["msg"].startswith("instance.host is required")
    agents = set(entry.user_agent for entry in emulator.log.entries()[before:] if entry.label == instance.name)
    assert agents == {"snowspoke.jira (Ansible collection; %s)" % path}


@pytest.mark.parametrize("path", PATHS)
def test_task_environment_proxy_wins_over_the_process_one_and_is_named(ansible, instance, path):
    """HTTPS_PROXY from ``environment:`` is the one requests uses (a closed port here), and the error names it; the
    next task is back on the process's proxy (the emulator)."""
    tasks = [
        {"name": "bad proxy", "ignore_errors": True,
         "snowspoke.jira.servicenow_spoke_info": {"instance": connection(instance, retries=0)},
         "environment": {"HTTPS_PROXY": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9"}},
        {"name": "good proxy", "snowspoke.jira.servicenow_spoke_info": {}},
    ]
    run = ansible(play(tasks, instance=instance), env=MODULE_PATH if path == "module" else {}).assert_ok()
    failed = run.task("bad proxy")
    assert failed["status"] == "ignored"
    assert "127.0.0.1:9" in failed["result"]["msg"], failed["result"]["msg"]
    assert run.task("good proxy")["status"] == "ok"


def test_become_async_and_remote_connections_take_the_module_path(ansible, emulator, instance):
    """What the controller cannot do the same way runs as a module, without SNOWSPOKE_RUN_AS_MODULE."""
    spoke = {"snowspoke.jira.servicenow_spoke_info": {}}
    tasks = [
        dict(spoke, name="plain"),
        dict(spoke, name="become", become=True, become_method="su", become_user="root"),
        dict(spoke, name="async", **{"async": 60, "poll": 1}),
    ]
    agents = {}
    for task in tasks:
        before = len(emulator.log)
        run = ansible(play([task], instance=instance)).assert_ok()
        assert run.task(task["name"])["status"] == "ok", run.task(task["name"])
        agents[task["name"]] = set(entry.user_agent for entry in emulator.log.entries()[before:]
                                   if entry.label == instance.name)
    assert agents == {
        "plain": {"snowspoke.jira (Ansible collection; controller)"},
        "become": {"snowspoke.jira (Ansible collection; module)"},
        "async": {"snowspoke.jira (Ansible collection; module)"},
    }


def test_delegation_to_a_host_with_another_connection_takes_the_module_path(ansible, emulator, instance):
    """A connection that is not ``local`` (here ``ssh`` to a host that is never reached: only the choice of path is
    checked, from -vvv)."""
    inventory = "localhost ansible_connection=local\njump ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=9\n"
    task = {"name": "via jump", "snowspoke.jira.servicenow_spoke_info": {"instance": connection(instance)},
            "delegate_to": "jump", "ignore_unreachable": True}
    run = ansible(play([task]), inventory=inventory, verbosity=3)
    assert "runs as a module: the connection is ssh, not local" in run.output
