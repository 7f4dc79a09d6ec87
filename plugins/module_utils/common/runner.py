# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One way through for every module: parse options, build clients lazily, run the logic, shape the result.

A module's logic is a plain function ``run(task) -> dict`` of a TaskContext (options, check mode, diff, log,
warnings, clients). It never sees AnsibleModule, so the same function runs inside a module process
(``run_module``) or on the controller in an action plugin. The result gets ``diff`` only when diff was asked for,
warnings as Ansible warnings, and the request/retry log when run at -vvv (``request_log``).
"""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.validation import check_type_dict

from .errors import SnowspokeError, a_kind
from .transport import REQUESTS_IMPORT_ERROR, execution_path

LOG_VERBOSITY = 3


class TaskContext:
    """What a module's logic gets: ``params``, ``check_mode``, ``diff_wanted``, ``log()``, ``warn()`` and the
    clients (built on first use, so an option error surfaces before any request)."""

    def __init__(self, params, check_mode=False, diff=False, verbosity=0):
        self.params = params
        self.check_mode = bool(check_mode)
        self.diff_wanted = bool(diff)
        self.verbosity = verbosity or 0
        self.lines = []
        self.warnings = []
        self._servicenow = None
        self._reconcilers = []
        self.on_progress = None

    def log(self, message):
        self.lines.append(message)

    def warn(self, message):
        if message not in self.warnings:
            self.warnings.append(message)

    def progress(self, message):
        """A line for the user while the task waits (``on_progress`` shows it at once on the controller path)."""
        self.log(message)
        if self.on_progress is not None:
            self.on_progress(message)

    @property
    def servicenow(self):
        """The ServiceNow client for the ``instance`` option."""
        if self._servicenow is None:
            from ..servicenow.client import ServiceNowClient  # pylint: disable=import-outside-toplevel
            self._servicenow = ServiceNowClient.from_options(self.params.get("instance"), log=self.log,
                                                             warn=self.warn)
        return self._servicenow

    def reconciler(self):
        from ..servicenow.records import Reconciler  # pylint: disable=import-outside-toplevel
        reconciler = Reconciler(self.servicenow, check_mode=self.check_mode, warn=self.warn)
        self._reconcilers.append(reconciler)
        return reconciler

    def success(self, result):
        """The final result of a run: ``changes`` always, diff only with --diff, the request log only at -vvv."""
        result = dict(result)
        result.setdefault("changed", False)
        if self._reconcilers:
            # What changed, record by record (names and fields, never values): with or without --diff.
            result.setdefault("changes", [change for reconciler in self._reconcilers for change in reconciler.changes])
        if not self.diff_wanted:
            result.pop("diff", None)
        if self.verbosity >= LOG_VERBOSITY and self.lines:
            result["request_log"] = list(self.lines)
        return result

    def failure(self, exc):
        """fail_json keyword arguments for a SnowspokeError."""
        result = dict(exc.details)
        result["msg"] = str(exc)
        if self.verbosity >= LOG_VERBOSITY and self.lines:
            result["request_log"] = list(self.lines)
        return result


def module_spec(connection, logic):
    """(argument spec, AnsibleModule keyword arguments) of a module: its connection options (an OptionTable) and
    its logic module's ARGUMENT_SPEC and MODULE_KWARGS. The module and its action plugin both build it here."""
    return dict(connection.argument_spec(), **logic.ARGUMENT_SPEC), dict(getattr(logic, "MODULE_KWARGS", {}))


def _as_dict(value):
    """``value`` as AnsibleModule would take it for a dict option (a dict, JSON or k=v text), or None."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            return check_type_dict(value)
        except TypeError:
            return None
    return None


def argument_problem(argument_spec, params, prefix=""):
    """The first input AnsibleModule's validation would silently convert or refuse without naming it, as a message
    naming the option path; None when there is none. Checked before the validation, on both execution paths:

    - a dict or list given to a string option (AnsibleModule would store ``"{'id': 'x'}"``);
    - a required string option given as empty or blank text;
    - a dict option (or an element of a list of dicts) given something that is not a dict (AnsibleModule's message,
      "dictionary requested", names no option).
    """
    for name, spec in argument_spec.items():
        keys = [name] + list(spec.get("aliases") or ())
        given = [key for key in keys if params.get(key) is not None]
        if not given:
            continue
        value, where = params[given[0]], prefix + given[0]
        kind, options = spec.get("type", "str"), spec.get("options")
        if kind == "str":
            if isinstance(value, (dict, list)):
                return "%s must be a string, not %s." % (where, a_kind(value))
            if spec.get("required") and isinstance(value, str) and not value.strip():
                return "%s must not be empty." % where
        elif kind == "dict" and options:
            found = _as_dict(value)
            if found is None:
                return "%s must be a dict of options (%s), not %s." % (
                    where, ", ".join(sorted(options)), a_kind(value))
            problem = argument_problem(options, found, where + ".")
            if problem:
                return problem
        elif kind == "list" and spec.get("elements") == "dict" and options:
            if not isinstance(value, list):
                return "%s must be a list of dicts (%s), not %s." % (
                    where, ", ".join(sorted(options)), a_kind(value))
            for index, item in enumerate(value):
                found = _as_dict(item)
                if found is None:
                    return "%s[%d] must be a dict (%s), not %s." % (
                        where, index, ", ".join(sorted(options)), a_kind(item))
                problem = argument_problem(options, found, "%s[%d]." % (where, index))
                if problem:
                    return problem
    return None


def scrub(value, no_log_values):
    """``value`` without any value of a no_log option, as AnsibleModule cleans its result (the top-level booleans
    and None of a dict kept as they are)."""
    if not no_log_values:
        return value
    if isinstance(value, dict):
        preserved = dict((key, item) for key, item in value.items() if item is None or isinstance(item, bool))
        cleaned = remove_values(value, no_log_values)
        cleaned.update(preserved)
        return cleaned
    return remove_values(value, no_log_values)


def run_logic(logic, task):
    """``logic.run(task)`` as a result dict: success, a SnowspokeError as a failure (``failed`` and its details), or
    any other exception as a failure naming its type and message (a bug: no traceback, it could hold a secret)."""
    try:
        return task.success(logic.run(task))
    except SnowspokeError as exc:
        return dict(task.failure(exc), failed=True)
    except Exception as exc:  # pylint: disable=broad-except
        return {"failed": True, "msg": "Unexpected error in %s: %s: %s (a bug of snowspoke.jira; please report it)."
                % (logic.__name__.rsplit(".", 1)[-1], type(exc).__name__, exc)}


class _Module(AnsibleModule):
    """AnsibleModule, refusing first what its validation would convert or word without naming the option
    (``argument_problem``), as the controller path does."""

    def _set_internal_properties(self):
        super()._set_internal_properties()
        problem = argument_problem(self.argument_spec, self.params)  # the parameters as given, not validated yet
        if problem:
            self.fail_json(msg=problem)


def run_module(connection, logic):
    """The body of every module's main(): AnsibleModule in, ``logic.run(task)``, exit_json/fail_json out."""
    argument_spec, module_kwargs = module_spec(connection, logic)
    module = _Module(argument_spec=argument_spec, supports_check_mode=True, **module_kwargs)
    if REQUESTS_IMPORT_ERROR:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    task = TaskContext(module.params, check_mode=module.check_mode, diff=module._diff,
                       verbosity=module._verbosity)
    with execution_path("module"):
        result = run_logic(logic, task)
    # AnsibleModule scrubs the result but not its warnings: scrub them here, as the controller path does.
    for warning in task.warnings:
        module.warn(scrub(warning, module.no_log_values))
    if result.pop("failed", False):
        module.fail_json(**result)
    module.exit_json(**result)
