# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's logic on the controller, in the task's worker process, instead of shipping it as a module.

Every module of the collection talks to a remote API over HTTPS; where it runs only matters for network reach. On
the controller a task costs a few milliseconds of Python instead of packaging the module and starting a new
interpreter (about 0.4 s of CPU per task, the largest cost of a fleet run). The logic is the very same function
(``module_utils``' ``run(task)``), fed and drained the way AnsibleModule would do it:

- the arguments go through the same JSON encoding a module's arguments do (no template trust or other tag of the
  controller survives), then the same ``ModuleArgumentSpecValidator`` AnsibleModule uses, so an alias given
  twice or a deprecated option is reported as the same warning or deprecation;
- the task's ``environment:`` keyword (templated and merged exactly as ``ActionBase`` does for a module) is in
  ``os.environ`` for the validation and the run, so the ``SN_*``/``JIRA_*`` fallbacks, ``HTTPS_PROXY``,
  ``NO_PROXY`` and ``REQUESTS_CA_BUNDLE`` act as they would in the module's process; the previous environment is
  restored afterwards (a loop's items run in one worker process);
- every value of a ``no_log`` option is scrubbed, as AnsibleModule does, before anything is displayed (the
  request log at ``-vvv``) or returned (result, warnings, messages); the result goes through the JSON encoding of a
  module's answer, so its types are those a module would return.

Results, check mode, diff, warnings, deprecations and failures are therefore the module's, ``invocation``
included. What the controller cannot do the same way goes to the module path, the classic AnsiballZ module run
by ``_execute_module``, automatically. The rule, in order:

1. ``SNOWSPOKE_RUN_AS_MODULE=1`` in the controller's environment or in the task's ``environment:``;
2. a connection other than ``local`` (for example ``delegate_to`` a jump host that can reach the instance);
3. ``become`` (the module must run as the become user, with that user's environment and files);
4. ``async`` (the async wrapper runs the module and ``async_status`` collects its result; poll 0 works too);
5. the ``requests`` library missing on the controller (the module may find it under the host's interpreter).

Which path ran is visible to the remote side: the User-Agent of every request ends with ``; controller)`` or
``; module)`` (``common/transport.py``), and ``-vvv`` says why a task took the module path.
"""

from __future__ import annotations

import contextlib
import json
import os

from ansible.module_utils.common.arg_spec import ModuleArgumentSpecValidator
from ansible.module_utils.common.json import Direction, get_module_decoder, get_module_encoder
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import (
    TaskContext,
    argument_problem,
    module_spec,
    run_logic,
    scrub,
)
from ansible_collections.snowspoke.jira.plugins.module_utils.common.transport import (
    REQUESTS_IMPORT_ERROR,
    execution_path,
)

display = Display()

LOCAL_CONNECTIONS = frozenset(("local", "ansible.builtin.local", "ansible.legacy.local"))
# The serialization profile of AnsiballZ modules: what a module's arguments and results go through.
PROFILE = "legacy"


def _json_round_trip(value, direction):
    encoded = json.dumps(value, cls=get_module_encoder(PROFILE, direction))
    return json.loads(encoded, cls=get_module_decoder(PROFILE, direction))


@contextlib.contextmanager
def task_environment(environment):
    """``os.environ`` plus ``environment`` (values as text, as the shell prefix of a module gets them) inside the
    block; the previous values (or their absence) come back afterwards, whatever happens inside."""
    saved = dict((name, os.environ.get(name)) for name in environment)
    try:
        for name, value in environment.items():
            os.environ[name] = to_text(value)
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def module_path_reason(connection, task, environment, requests_missing=False):
    """Why this task must run as a shipped module (None: it runs on the controller). See the module docstring."""
    if os.environ.get("SNOWSPOKE_RUN_AS_MODULE") == "1" or to_text(environment.get("SNOWSPOKE_RUN_AS_MODULE")) == "1":
        return "SNOWSPOKE_RUN_AS_MODULE=1"
    if connection.transport not in LOCAL_CONNECTIONS:
        return "the connection is %s, not local" % connection.transport
    if connection.become:
        return "the task uses become"
    if task.async_val:
        return "the task is async"
    if requests_missing:
        return "the requests library is missing on the controller"
    return None


def run_on_controller(connection, logic, args, module_name, check_mode=False, diff=False, verbosity=0, show=None,
                      progress=None):
    """The result a module running ``logic`` would return for ``args``: see the module docstring.

    Validation warnings and deprecations go to Ansible's display (the task's deferred warnings, as a module's
    returned ones do); ``show`` gets each line of the request log, already scrubbed, at ``-vvv``; ``progress``
    each line the logic shows while it waits (a module cannot: there they go to the request log), scrubbed too.
    """
    show = show or (lambda line: None)
    args = _json_round_trip(dict(args), Direction.CONTROLLER_TO_MODULE)
    argument_spec, module_kwargs = module_spec(connection, logic)
    problem = argument_problem(argument_spec, args)
    if problem:  # as the module path fails on it, before AnsibleModule's validation
        return {"failed": True, "msg": problem}
    validator = ModuleArgumentSpecValidator(argument_spec, **module_kwargs)
    validation = validator.validate(args)
    no_log_values = set(validation._no_log_values)  # pylint: disable=protected-access
    params = dict(args, **validation.validated_parameters)
    if validation.error_messages:
        msg = validation.errors.msg
        if isinstance(validation.errors[0], UnsupportedError):  # worded as AnsibleModule words it
            msg = "Unsupported parameters for (%s) module: %s" % (module_name, msg)
        result = {"failed": True, "msg": msg, "invocation": {"module_args": params}}
    else:
        task = TaskContext(params, check_mode=check_mode, diff=diff, verbosity=verbosity)
        if progress is not None:
            task.on_progress = lambda line: progress(scrub(line, no_log_values))
        result = run_logic(logic, task)
        for line in task.lines:
            show(scrub(line, no_log_values))
        for warning in task.warnings:
            display.warning(scrub(warning, no_log_values))
        result.setdefault("invocation", {"module_args": params})
    result = scrub(result, no_log_values)
    return _json_round_trip(result, Direction.MODULE_TO_CONTROLLER)


class ControllerAction(ActionBase):
    """Subclasses set ``LOGIC`` (a module_utils module with ARGUMENT_SPEC, run and optionally MODULE_KWARGS) and
    ``CONNECTION`` (the OptionTable of its connection options)."""

    LOGIC = None
    CONNECTION = None
    TRANSFERS_FILES = False
    _supports_check_mode = True
    # Async tasks are accepted and always handed to the module path, which the async wrapper can run.
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        environment = {}
        # Templated and merged as ActionBase does for the shell prefix of a module.
        self._compute_environment_string(environment)
        host = task_vars.get("inventory_hostname") if task_vars else None
        reason = module_path_reason(self._connection, self._task, environment, bool(REQUESTS_IMPORT_ERROR))
        if reason:
            display.vvv("%s runs as a module: %s" % (self._task.resolved_action, reason), host=host)
            wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
            result.update(self._execute_module(module_name=self._task.resolved_action, module_args=self._task.args,
                                               task_vars=task_vars, wrap_async=wrap_async))
            return result
        with task_environment(environment), execution_path("controller"):
            result.update(run_on_controller(
                self.CONNECTION, self.LOGIC, self._task.args, module_name=self._task.resolved_action,
                check_mode=self._task.check_mode, diff=self._task.diff, verbosity=display.verbosity,
                show=lambda line: display.vvv(line, host=host),
                progress=lambda line: display.display("%s: %s" % (host, line) if host else line)))
        return result
