"""The two ways a module's logic runs, in-process and side by side: ``run_module`` (what a shipped module does,
under AnsibleModule) and ``run_on_controller`` (what the action plugins do). Same arguments, same environment:
the same result, warnings and deprecations; no value of a no_log option anywhere, displayed lines included."""

import io
import json
import os
import types
from contextlib import redirect_stdout

import pytest
from ansible._internal._display_utils import DeferredWarningContext  # pylint: disable=import-error
from ansible.module_utils.testing import patch_module_args

from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import RecordError
from ansible_collections.snowspoke.jira.plugins.module_utils.common.options import Option, OptionTable
from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import run_module
from ansible_collections.snowspoke.jira.plugins.module_utils.common.transport import (
    USER_AGENT,
    default_user_agent,
)
from ansible_collections.snowspoke.jira.plugins.plugin_utils import controller

SECRET = "probe-secret-%s" % os.urandom(4).hex()
CONNECTION = OptionTable("probe", "A probe connection.", [
    Option("host", env=["PROBE_HOST"]),
    Option("token", no_log=True, env=["PROBE_TOKEN"]),
])


def _run(task):
    """Echoes what it saw; logs, warns and fails with the secret token in the text, as a careless logic might."""
    token = task.params["probe"]["token"]
    task.log("GET /probe with %s -> 200" % token)
    task.warn("the token %s is old" % token)
    if task.params["fail"]:
        raise RecordError("refused %s" % token, hint="try another token than %s" % token, record="r1")
    if task.params["crash"]:
        raise KeyError(token)
    return {"changed": not task.check_mode, "host": task.params["probe"]["host"], "name": task.params["name"],
            "diff": {"before": {}, "after": {"token": token}}, "agent": default_user_agent(),
            "proxy": os.environ.get("HTTPS_PROXY"), "counts": (1, 2), "keys": {3: "three"}}


LOGIC = types.SimpleNamespace(
    __name__="ansible_collections.snowspoke.jira.plugins.module_utils.probe",
    ARGUMENT_SPEC={
        "name": {"type": "str", "aliases": ["title", "label"],
                 "deprecated_aliases": [{"name": "label", "version": "9.0.0", "collection_name": "snowspoke.jira"}]},
        "legacy": {"type": "int", "removed_in_version": "9.0.0", "removed_from_collection": "snowspoke.jira"},
        "fail": {"type": "bool", "default": False},
        "crash": {"type": "bool", "default": False},
    },
    MODULE_KWARGS={},
    run=_run,
)


def captured(function):
    """(return value, warnings, deprecations as plain dicts) of ``function()`` under Ansible's deferred warnings,
    which is how a task's worker collects them (a module's returned ones and the controller's alike)."""
    with DeferredWarningContext(variables={}) as context:
        value = function()
    return (value, [warning.event.msg for warning in context.get_warnings()],
            [(item.event.msg, item.version, item.deprecator.resolved_name)
             for item in context.get_deprecation_warnings()])


def as_module(args, check_mode=False, diff=False, verbosity=0):
    def call():
        internal = {"_ansible_check_mode": check_mode, "_ansible_diff": diff, "_ansible_verbosity": verbosity,
                    "_ansible_module_name": "snowspoke.jira.probe"}
        out = io.StringIO()
        with patch_module_args(dict(args, **internal)), redirect_stdout(out), pytest.raises(SystemExit):
            run_module(CONNECTION, LOGIC)
        return json.loads(out.getvalue())
    return captured(call)


def as_controller(args, check_mode=False, diff=False, verbosity=0, shown=None):
    def call():
        with controller.execution_path("controller"):
            return controller.run_on_controller(
                CONNECTION, LOGIC, args, "snowspoke.jira.probe", check_mode=check_mode, diff=diff,
                verbosity=verbosity, show=(shown.append if shown is not None else None))
    return captured(call)


def without_agent(outcome):
    result, warnings, deprecations = outcome
    return dict(result, agent=None), warnings, deprecations


ARGS = {"probe": {"host": "h1", "token": SECRET}, "name": "n1", "label": "n1", "legacy": 1}


@pytest.mark.parametrize("case", [
    dict(args=ARGS),
    dict(args=ARGS, check_mode=True, diff=True, verbosity=3),
    dict(args=dict(ARGS, fail=True), verbosity=3),
    dict(args=dict(ARGS, crash=True)),
    dict(args=dict(ARGS, unknown=1)),
    dict(args={"name": "n1", "fail": "maybe"}),
], ids=["apply", "check-diff-vvv", "failure", "crash", "unknown-option", "bad-type"])
def test_same_result_warnings_and_deprecations(case):
    module, controller_side = as_module(**case), as_controller(**case)
    assert without_agent(controller_side) == without_agent(module)
    blob = json.dumps([module, controller_side], default=str)
    assert SECRET not in blob


def test_what_both_paths_report():
    result, warnings, deprecations = as_controller(ARGS, diff=True, verbosity=3)
    assert warnings == ["Both option name and its alias label are set.", "the token ******** is old"]
    assert [(message.split(".")[0], version) for message, version, _by in deprecations] == [
        ("Alias 'label' is deprecated", "9.0.0"), ("Param 'legacy' is deprecated", "9.0.0")]
    assert result["invocation"]["module_args"]["probe"]["token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert result["diff"]["after"]["token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert result["request_log"] == ["GET /probe with ******** -> 200"]
    assert result["counts"] == [1, 2] and result["keys"] == {"3": "three"}  # what a module's JSON answer makes of them
    assert result["agent"] == USER_AGENT[:-1] + "; controller)"
    assert as_module(ARGS)[0]["agent"] == USER_AGENT[:-1] + "; module)"
    failure = as_controller(dict(ARGS, fail=True))[0]
    assert failure["failed"] is True and failure["record"] == "r1"
    assert failure["msg"] == "refused ******** try another token than ********"
    crash = as_controller(dict(ARGS, crash=True))[0]
    assert crash["msg"] == "Unexpected error in probe: KeyError: '********' (a bug of snowspoke.jira; please report it)."


def test_lines_are_scrubbed_before_they_are_shown():
    shown = []
    as_controller(ARGS, verbosity=3, shown=shown)
    assert shown == ["GET /probe with ******** -> 200"]


def test_environment_fallbacks_see_the_task_environment():
    environment = {"PROBE_HOST": "from-env", "PROBE_TOKEN": SECRET, "HTTPS_PROXY": "http://proxy.test:3128"}
    before = dict(os.environ)
    with controller.task_environment(environment):
        result = as_controller({"name": "n1"})[0]
    assert result["host"] == "from-env" and result["proxy"] == "http://proxy.test:3128"
    assert result["invocation"]["module_args"]["probe"]["token"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert dict(os.environ) == before


def test_task_environment_restores_on_error_and_as_text(monkeypatch):
    monkeypatch.setenv("PROBE_KEPT", "old")
    monkeypatch.delenv("PROBE_NEW", raising=False)
    with pytest.raises(RuntimeError):
        with controller.task_environment({"PROBE_KEPT": 5, "PROBE_NEW": True}):
            assert (os.environ["PROBE_KEPT"], os.environ["PROBE_NEW"]) == ("5", "True")
            raise RuntimeError
    assert os.environ["PROBE_KEPT"] == "old" and "PROBE_NEW" not in os.environ


class _Connection:
    def __init__(self, transport="local", become=None):
        self.transport = transport
        self.become = become


class _Task:
    def __init__(self, async_val=0):
        self.async_val = async_val


@pytest.mark.parametrize("connection, task, environment, missing, expected", [
    (_Connection(), _Task(), {}, False, None),
    (_Connection("ansible.builtin.local"), _Task(), {}, False, None),
    (_Connection(), _Task(), {"SNOWSPOKE_RUN_AS_MODULE": "1"}, False, "SNOWSPOKE_RUN_AS_MODULE=1"),
    (_Connection(), _Task(), {"SNOWSPOKE_RUN_AS_MODULE": 1}, False, "SNOWSPOKE_RUN_AS_MODULE=1"),
    (_Connection("ssh"), _Task(), {}, False, "the connection is ssh, not local"),
    (_Connection(become=object()), _Task(), {}, False, "the task uses become"),
    (_Connection(), _Task(async_val=30), {}, False, "the task is async"),
    (_Connection(), _Task(), {}, True, "the requests library is missing on the controller"),
])
def test_the_module_path_rule(monkeypatch, connection, task, environment, missing, expected):
    monkeypatch.delenv("SNOWSPOKE_RUN_AS_MODULE", raising=False)
    assert controller.module_path_reason(connection, task, environment, missing) == expected


def test_the_module_path_rule_reads_the_controller_environment(monkeypatch):
    monkeypatch.setenv("SNOWSPOKE_RUN_AS_MODULE", "1")
    assert controller.module_path_reason(_Connection(), _Task(), {}) == "SNOWSPOKE_RUN_AS_MODULE=1"
