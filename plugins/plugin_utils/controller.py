# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's logic on the controller, in the task's worker process, instead of shipping it as a module.

Every module of the collection talks to a remote API over HTTPS; where it runs only matters for network reach. On
the controller a task costs a few milliseconds of Python instead of packaging the module and starting a new
interpreter (about 0.4 s of CPU per task, the largest cost of a fleet run). The logic is the very same function
(``module_utils``' ``run(task)``), validated with the same argument spec, so results, check mode, diff, warnings and
failures are identical to the module's.

The module path is still used when the task targets a remote host (a connection other than ``local``, e.g.
``delegate_to`` a jump host that can reach the instance), or when ``SNOWSPOKE_RUN_AS_MODULE=1`` is set.
"""

from __future__ import annotations

import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import SnowspokeError
from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import TaskContext, module_spec
from ansible_collections.snowspoke.jira.plugins.module_utils.common.transport import REQUESTS_IMPORT_ERROR

display = Display()


class ControllerAction(ActionBase):
    """Subclasses set ``LOGIC`` (a module_utils module with ARGUMENT_SPEC, run and optionally MODULE_KWARGS) and
    ``CONNECTION`` (the OptionTable of its connection options)."""

    LOGIC = None
    CONNECTION = None
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def _runs_here(self, task_vars):
        if os.environ.get("SNOWSPOKE_RUN_AS_MODULE") == "1":
            return False
        return self._connection.transport in ("local", "ansible.builtin.local")

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if not self._runs_here(task_vars):
            result.update(self._execute_module(module_name=self._task.resolved_action, module_args=self._task.args,
                                               task_vars=task_vars))
            return result
        if REQUESTS_IMPORT_ERROR:
            result.update(failed=True, msg="The Python library requests is required on the Ansible controller "
                                           "(pip install requests).")
            return result

        argument_spec, module_kwargs = module_spec(self.CONNECTION, self.LOGIC)
        validator = ArgumentSpecValidator(argument_spec, **module_kwargs)
        validation = validator.validate(self._task.args)
        no_log_values = validation._no_log_values  # pylint: disable=protected-access
        if validation.error_messages:
            result.update(failed=True, msg="; ".join(validation.error_messages))
            return remove_values(result, no_log_values)

        task = TaskContext(validation.validated_parameters, check_mode=self._task.check_mode, diff=self._task.diff,
                           verbosity=display.verbosity)
        host = task_vars.get("inventory_hostname") if task_vars else None
        task.on_progress = lambda message: display.display(remove_values(message, no_log_values))
        try:
            outcome = task.success(self.LOGIC.run(task))
        except SnowspokeError as exc:
            outcome = dict(task.failure(exc), failed=True)
        for line in task.lines:
            display.vvv(line, host=host)
        if task.warnings:
            outcome["warnings"] = list(task.warnings)
        outcome["invocation"] = {"module_args": validation.validated_parameters}
        result.update(outcome)
        # As AnsibleModule does: no value of a no_log option anywhere in what goes back.
        return remove_values(result, no_log_values)
