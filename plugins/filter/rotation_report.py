# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rotation_report filter: per instance, what playbooks/rotate.yml rotated and what it refused."""

from __future__ import annotations

DOCUMENTATION = r"""
name: rotation_report
short_description: Per instance, what a rotation wrote and what it refused
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Takes the host variables of the instances a rotation ran on (each with the registered result
    C(snowspoke_result) of M(snowspoke.jira.servicenow_jira_spoke) with O(snowspoke.jira.servicenow_jira_spoke#module:rotate))
    and says per instance V(rotated) (the secrets written), V(would rotate) (check mode), V(nothing to rotate) or
    V(refused) with the reason. Never values.
options:
  _input:
    description: Host variables, one dict per instance, with C(inventory_hostname) and C(snowspoke_result).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Rotation report
  ansible.builtin.debug:
    msg: "{{ ansible_play_hosts_all | map('extract', hostvars) | selectattr('snowspoke_result', 'defined')
             | snowspoke.jira.rotation_report }}"
"""

RETURN = r"""
_value:
  description: Per instance name - C(status) (V(rotated), V(would rotate), V(nothing to rotate), V(refused)),
    C(rotated) (the secrets written or that would be) and, when refused, C(reason).
  type: dict
"""


def rotation_report(hosts):
    report = {}
    for host in hosts or []:
        result = host.get("snowspoke_result") or {}
        entry = {"rotated": list(result.get("rotated") or [])}
        if result.get("failed"):
            entry = {"status": "refused", "rotated": [], "reason": result.get("msg")}
        elif entry["rotated"]:
            entry["status"] = "would rotate" if result.get("check_mode") else "rotated"
        else:
            entry["status"] = "nothing to rotate"
        report[host.get("inventory_hostname")] = entry
    return report


class FilterModule:
    def filters(self):
        return {"rotation_report": rotation_report}
