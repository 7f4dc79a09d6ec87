# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The summary filter: what a servicenow_jira_spoke run did on one instance, in a few readable lines."""

from __future__ import annotations

from ansible_collections.snowspoke.jira.plugins.filter.drift import drift

DOCUMENTATION = r"""
name: summary
short_description: Summarise a snowspoke.jira.servicenow_jira_spoke result for people
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Turns the registered result of M(snowspoke.jira.servicenow_jira_spoke) into the end-of-run summary the roles and
    playbooks show - the instance, whether the run was a check, one line per connection (its URL and alias), one
    line per record that changed or would change, the browser steps still to do and the token health.
  - Secrets are never part of it (the module never returns them).
options:
  _input:
    description: The registered result.
    type: dict
    required: true
  instance:
    description: The instance's name, for the first line.
    type: str
"""

EXAMPLES = r"""
- name: Summary
  ansible.builtin.debug:
    msg: "{{ jira_spoke | snowspoke.jira.summary(inventory_hostname) }}"
"""

RETURN = r"""
_value:
  description: C(instance), C(option), C(state), C(check_mode), C(connections), C(changes), C(browser_step_pending),
    C(token_health) and, when the run failed, C(failed) (its message).
  type: dict
"""


def _connection_line(site):
    connection = site.get("connection") or {}
    alias = site.get("alias") or {}
    where = "shipped alias %s" % alias.get("id") if alias.get("shipped") else "child alias %s" % alias.get("name")
    return "%s -> %s (%s)" % (connection.get("name"), connection.get("connection_url"), where)


def summary(result, instance=None):
    result = result or {}
    sites = result.get("sites") or []
    lines = {
        "instance": instance,
        "option": result.get("option"),
        "state": result.get("state"),
        "check_mode": bool(result.get("check_mode")),
        "connections": [_connection_line(site) for site in sites if site.get("connection")],
        "changes": drift(result),
        "browser_step_pending": list(result.get("pending") or []),
        "token_health": dict((site["name"], (site.get("consent") or {}).get("health", {}).get("status"))
                             for site in sites if site.get("consent")),
    }
    if result.get("failed"):
        lines["failed"] = result.get("msg")
    return lines


class FilterModule:
    def filters(self):
        return {"summary": summary}
