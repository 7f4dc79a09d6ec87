# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The webhook_summary filter: what the webhook_setup role did on one instance, in a few readable lines."""

from __future__ import annotations

from ansible_collections.snowspoke.jira.plugins.filter.drift import drift

DOCUMENTATION = r"""
name: webhook_summary
short_description: Summarise the webhook_setup role's results for people
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Turns the registered loop results of M(snowspoke.jira.servicenow_jira_webhook) and M(snowspoke.jira.jira_webhook)
    (one item per Jira site, in the same order) into the end-of-run summary of the C(snowspoke.jira.webhook_setup)
    role - the instance, whether the run was a check, one line per site (its callback URL, token masked, and the
    Jira webhook posting to it), and one line per record or webhook that changed or would change.
  - Secrets are never part of it (the modules mask them; of the sites only C(name) and C(url) are read).
options:
  _input:
    description: The registered result of the ServiceNow task (a loop result).
    type: dict
    required: true
  jira:
    description: The registered result of the Jira task (a loop result).
    type: dict
    required: true
  sites:
    description: The sites the role was given (their C(name) and C(url) are shown).
    type: list
    elements: dict
    required: true
  host:
    description: The instance's inventory name, for the first line.
    type: str
  state:
    description: The role's state.
    type: str
    default: present
  check_mode:
    description: Whether the run was a check (C(ansible_check_mode)).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Summary
  ansible.builtin.debug:
    msg: >-
      {{ servicenow_side | snowspoke.jira.webhook_summary(jira_side, sites, host=inventory_hostname,
         check_mode=ansible_check_mode) }}
"""

RETURN = r"""
_value:
  description: C(instance), C(state), C(check_mode), C(webhooks) (one line per site) and C(changes).
  type: dict
"""

_TYPES = {"token": "token-based", "hmac": "HMAC-based"}


def _items(result):
    if isinstance(result, dict) and isinstance(result.get("results"), list):
        return result["results"]
    return [result] if isinstance(result, dict) else []


def _line(site, servicenow, jira):
    name = site.get("name") or site.get("url")
    if servicenow.get("skipped") or jira.get("skipped"):
        return "%s: skipped" % name
    callback = "%s callback %s (%s)" % (_TYPES.get(servicenow.get("callback_type"), "?"), servicenow.get("callback_url"),
                                        "shown by the instance" if servicenow.get("callback_url_source") == "instance"
                                        else "derived")
    webhook = jira.get("webhook")
    if webhook is None:
        return "%s: removed (%s; Jira %s webhook on %s)" % (name, callback, jira.get("kind"), site.get("url"))
    who = "%r" % webhook["name"] if webhook.get("name") else "id %s" % webhook.get("id")
    if webhook.get("id") is None:
        who += " (new)"
    expiry = " until %s" % webhook["expires"] if webhook.get("expires") else ""
    return "%s: %s <- Jira %s webhook %s on %s%s" % (name, callback, jira.get("kind"), who, site.get("url"), expiry)


def webhook_summary(servicenow, jira, sites, host=None, state="present", check_mode=False):
    servicenow_items, jira_items = _items(servicenow), _items(jira)
    lines = [_line(site, servicenow_items[index] if index < len(servicenow_items) else {},
                   jira_items[index] if index < len(jira_items) else {})
             for index, site in enumerate(sites or [])]
    return {
        "instance": host,
        "state": state,
        "check_mode": bool(check_mode),
        "webhooks": lines,
        "changes": drift([servicenow, jira]),
    }


class FilterModule:
    def filters(self):
        return {"webhook_summary": webhook_summary}
