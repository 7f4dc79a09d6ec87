# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift filter: one readable line per record a (check-mode) run changes or would change."""

from __future__ import annotations

DOCUMENTATION = r"""
name: drift
short_description: Summarise what registered snowspoke.jira results changed, one line per record
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Takes registered results of the collection's modules (single results or loop results, from a check run or a
    real run) and returns one line per record that changes or would change - created, removed, or which fields
    change (from what to what when the run had C(--diff)). Secrets are never shown (the modules mask them).
options:
  _input:
    description: Registered results (a list of them, or one).
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: What would change
  ansible.builtin.debug:
    msg: "{{ [registries, credentials, connections] | snowspoke.jira.drift }}"
"""

RETURN = r"""
_value:
  description: One sentence per changed record.
  type: list
  elements: str
"""

_MAX_VALUE = 120


def _short(value):
    text = "'%s'" % value if isinstance(value, str) else repr(value)
    return text if len(text) <= _MAX_VALUE else text[:_MAX_VALUE - 4] + "...'"


def _results(value):
    if isinstance(value, dict):
        if isinstance(value.get("results"), list):
            for item in value["results"]:
                yield from _results(item)
        else:
            yield value
    elif isinstance(value, list):
        for item in value:
            yield from _results(item)


def _diff_of(result, change):
    """(before, after) of a change's record in the result's diff (present with --diff): its entry has the change's
    ``key`` (table and record), exactly."""
    diff = result.get("diff") or {}
    key = change.get("key")
    return (diff.get("before") or {}).get(key), (diff.get("after") or {}).get(key)


def _line(change, result):
    action, table, record = change.get("action"), change.get("table"), change.get("record")
    if action in ("create", "delete"):
        return "%s %s %s" % (action, table, _short(record))
    if any(change.get(key) for key in ("added", "updated", "removed")):
        parts = ["%s %s" % (verb, ", ".join(str(key) for key in change[key]))
                 for verb, key in (("add", "added"), ("update", "updated"), ("remove", "removed")) if change.get(key)]
        return "update %s of %s: %s" % (table, _short(record), "; ".join(parts))
    before, after = _diff_of(result, change)
    fields = change.get("fields") or []
    if isinstance(before, dict) and isinstance(after, dict):
        shown = ", ".join("%s %s -> %s" % (field, _short(before.get(field)), _short(after.get(field)))
                          for field in fields)
    else:
        shown = ", ".join(fields)
    return "update %s %s: %s" % (table, _short(record), shown)


def drift(value):
    lines = []
    for result in _results(value):
        if not result.get("changed"):
            continue
        changes = result.get("changes")
        if changes:
            lines.extend(_line(change, result) for change in changes)
        else:
            label = result.get("_ansible_item_label") or result.get("item")
            lines.append("change %s" % (label if isinstance(label, str) else "a record"))
    return lines


class FilterModule:
    def filters(self):
        return {"drift": drift}
