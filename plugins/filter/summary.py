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
    description: The instance's name, for the first line, when the result does not carry it (a failed run).
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
    C(token_health) (per site - the refresh token's status, or the API token's expiry where it is given), with
    O(snowspoke.jira.servicenow_jira_spoke#module:rotate) C(rotated) (the secrets written) and, when the run failed,
    C(failed) (its message).
  type: dict
"""


def _connection_line(site):
    connection = site.get("connection") or {}
    alias = site.get("alias") or {}
    where = "shipped alias %s" % alias.get("id") if alias.get("shipped") else "child alias %s" % alias.get("name")
    return "%s -> %s (%s)" % (connection.get("name"), connection.get("connection_url"), where)


def _token_health(site):
    """The refresh token's status (OAuth) or the API token's expiry (basic, where ``api_token_expires`` is given)."""
    if site.get("consent"):
        return (site["consent"].get("health") or {}).get("status")
    expiry = (site.get("jira") or {}).get("api_token_expiry")
    if expiry:
        if expiry["status"] == "expired":
            return "API token expired on %s" % expiry["expires"]
        return "API token %s, expires on %s (in %d days)" % (expiry["status"], expiry["expires"], expiry["days_left"])
    return None


def summary(result, instance=None):
    result = result or {}
    sites = result.get("sites") or []
    lines = {
        # The host the set-up went to (a play on localhost still names the instance), else the name given.
        "instance": result.get("instance") or instance,
        "option": result.get("option"),
        "state": result.get("state"),
        "check_mode": bool(result.get("check_mode")),
        "connections": [_connection_line(site) for site in sites if site.get("connection")],
        "changes": drift(result),
        "browser_step_pending": list(result.get("pending") or []),
        "token_health": dict((site["name"], _token_health(site)) for site in sites if _token_health(site)),
    }
    if result.get("rotate"):
        lines["rotated"] = list(result.get("rotated") or [])
    if result.get("failed"):
        lines["failed"] = result.get("msg")
    return lines


class FilterModule:
    def filters(self):
        return {"summary": summary}
