# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory_var filter: one inventory variable of the playbooks, checked by name inside the task that uses it.

The playbooks check their variables here, in the arguments of the one task that sends requests, rather than in
tasks of their own: a task per host costs about as much as a request at fleet scale (see docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

DOCUMENTATION = r"""
name: inventory_var
short_description: Check one inventory variable of the snowspoke.jira playbooks
version_added: 0.2.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Returns the value of a variable of C(site.yml), C(audit.yml), C(rotate.yml) or C(teardown.yml) (or its default
    when it is not set), after checking its type and value; a wrong one fails the task naming the variable, before
    any request.
  - The variables and their types are listed once, in this plugin.
options:
  _input:
    description: The variable's value, C(None) when it is not set (use C(default(None)) before this filter).
    type: raw
    required: true
  name:
    description: The variable's name, one of C(snowspoke_option), C(snowspoke_instance),
      C(snowspoke_instance_overrides), C(snowspoke_jira_sites), C(snowspoke_state), C(snowspoke_grant_type),
      C(snowspoke_wait_for_consent), C(snowspoke_deactivate_others), C(snowspoke_jira_connection),
      C(snowspoke_rotate), C(snowspoke_rotate_unchecked).
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Jira spoke set-up
  snowspoke.jira.servicenow_jira_spoke:
    option: "{{ snowspoke_option | default(None) | snowspoke.jira.inventory_var('snowspoke_option') }}"
    sites: "{{ snowspoke_jira_sites | default(None) | snowspoke.jira.inventory_var('snowspoke_jira_sites') }}"
"""

RETURN = r"""
_value:
  description: The value (an integer or boolean converted from its string form), or the variable's default.
  type: raw
"""

_WHERE = "set it in the inventory (the host's or its group's variables)"

# name -> (type, default, choices, what the value means). required when the default is _REQUIRED.
_REQUIRED = object()
VARIABLES = {
    "snowspoke_option": ("str", _REQUIRED, ("basic", "oauth"),
                         "basic (Option 1, an Atlassian API token) or oauth (Option 2, OAuth 2.0)"),
    "snowspoke_instance": ("dict", {}, None, "the modules' instance option (host, username, password, ...)"),
    "snowspoke_instance_overrides": ("dict", {}, None, "instance settings merged over snowspoke_instance"),
    "snowspoke_jira_sites": ("list", _REQUIRED, None, "a list of dicts, one per Jira site"),
    "snowspoke_state": ("str", "present", ("present", "absent"), None),
    "snowspoke_grant_type": ("str", "authorization_code", ("authorization_code", "client_credentials"), None),
    "snowspoke_wait_for_consent": ("int", 0, None, "seconds to wait for the browser step"),
    "snowspoke_deactivate_others": ("bool", False, None, None),
    "snowspoke_jira_connection": ("dict", {}, None, "how to reach Atlassian (ca_path, validate_certs, proxy, ...)"),
    "snowspoke_rotate": ("bool", False, None, None),
    "snowspoke_rotate_unchecked": ("bool", False, None, None),
}


def _shown(value):
    return repr(value) if isinstance(value, str) else "%r (a %s)" % (value, type(value).__name__)


def _refuse(name, must, value):
    raise AnsibleFilterError("%s must be %s, not %s: %s." % (name, must, _shown(value), _WHERE))


def _checked(name, kind, value, meaning):
    if kind == "str":
        if not isinstance(value, str) or not value.strip():
            _refuse(name, meaning or "a string", value)
        return value
    if kind == "dict":
        if not isinstance(value, Mapping):
            _refuse(name, "a dict (%s)" % meaning, value)
        return value
    if kind == "list":
        if not isinstance(value, (list, tuple)) or not all(isinstance(item, Mapping) for item in value):
            _refuse(name, meaning, value)
        return list(value)
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
            _refuse(name, "an int (%s), 0 or more" % meaning, value)
        return int(value)
    try:  # bool, as Ansible reads one (true/false, yes/no, 1/0)
        return boolean(value, strict=True)
    except TypeError:
        return _refuse(name, "true or false", value)


def inventory_var(value, name):
    """The checked value of inventory variable ``name`` (None: not set)."""
    if name not in VARIABLES:
        raise AnsibleFilterError("inventory_var: unknown variable %r (one of %s)" % (name, ", ".join(VARIABLES)))
    kind, default, choices, meaning = VARIABLES[name]
    if value is None:
        if default is _REQUIRED:
            raise AnsibleFilterError("%s is not set: it must be %s; %s." % (name, meaning or kind, _WHERE))
        return default
    value = _checked(name, kind, value, meaning)
    if choices and value not in choices:
        _refuse(name, meaning or "one of %s" % ", ".join(choices), value)
    return value


class FilterModule:
    def filters(self):
        return {"inventory_var": inventory_var}
