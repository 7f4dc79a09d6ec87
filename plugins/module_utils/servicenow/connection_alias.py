# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Child connection aliases of the Jira spoke's shipped alias, one per extra Jira site
(``servicenow_connection_alias``).

The shipped alias (``sn_jira_spoke.Jira``) is only read, never changed or removed. A child created over REST must
carry ``type``, ``connection_type`` and ``multiple_connections`` itself (the UI copies them from the parent) and
keeps its ``parent`` for life. ServiceNow wants a child alias in the Jira spoke's application scope; a REST insert
lands in the session's current scope, so the scope it landed in is reported, with a warning when it is not the
spoke's.
"""

from __future__ import annotations

import json
import re

from ..common.errors import RecordError
from . import lookups, tables
from .reads import Reads
from .spoke import SPOKE_ALIAS, SPOKE_SCOPE

ARGUMENT_SPEC = {
    "name": {"type": "str", "required": True},
    "parent": {"type": "str", "default": SPOKE_ALIAS},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "multiple_connections": {"type": "bool", "default": False},
    "spoke_scope": {"type": "str", "default": SPOKE_SCOPE},
    "force": {"type": "bool", "default": False},
}
MODULE_KWARGS = {}
# ServiceNow docs: "An alias can only contain alpha, number, and underscore characters" (records with spaces exist).
DOCUMENTED_NAME = re.compile(r"^[A-Za-z0-9_]+$")


PARENT_EXTRA = ("configuration_template.name", "configuration_template.default_data_template")
CHILD_EXTRA = ("sys_scope.scope",)
DEFINITION_FIELDS = tables.VAR_DICTIONARY.read_fields()


def _by_parent(parent):
    return {"parent": parent} if lookups.is_sys_id(parent) else {"parent.id": parent}


def reads(params):
    """What the alias unit needs, by names (one round trip): the parent, the child, the attribute definitions of
    both (for the result), and for a removal the connections on the child."""
    name, parent = params["name"], params["parent"]
    found = Reads()
    found.add("parent", "sys_alias", lookups.identity_of(parent, "id"), tables.SYS_ALIAS.read_fields(*PARENT_EXTRA))
    found.add("alias", "sys_alias", dict(_by_parent(parent), name=name), tables.SYS_ALIAS.read_fields(*CHILD_EXTRA))
    if params["state"] == "absent":
        found.add("users", "sys_connection", dict(("connection_alias." + field, value) for field, value in
                                                  dict(_by_parent(parent), name=name).items()),
                  ["name", "connection_alias"])
    else:
        found.add("parent_definitions", "var_dictionary",
                  {"model": parent} if lookups.is_sys_id(parent) else {"model.id": parent}, DEFINITION_FIELDS)
        found.add("definitions", "var_dictionary", dict(("model." + field, value) for field, value in
                                                        dict(_by_parent(parent), name=name).items()),
                  DEFINITION_FIELDS)
    return found


def _strip(record, extra):
    return None if record is None else dict((key, value) for key, value in record.items() if key not in extra)


def reconcile(task, reconciler, params, found, after=()):
    """Queue the child alias's writes (after ``after``); (its RecordState, the parent record, what the result
    needs)."""
    client = reconciler.client
    parent = lookups.resolve(task, reconciler, "sys_alias", params["parent"], found["parent"], "connection alias",
                             option="parent", name_field="id", hint=lookups.ALIAS_HINT)
    if parent.get("parent") and not parent.get("_placeholder"):
        raise RecordError("Alias %s is itself a child alias (of %s): give the shipped alias as parent." % (
            params["parent"], parent["parent"]))
    identity = {"name": params["name"], "parent": parent["sys_id"]}
    if params["name"].lower() == (parent.get("name") or "").lower():
        raise RecordError("Alias %r is the shipped alias itself: this module only manages its child aliases."
                          % params["name"])
    rows = [row for row in found["alias"] if row.get("parent") == parent["sys_id"]]
    current = reconciler.one("sys_alias", identity, rows, label="child connection alias")
    extra = {"template": parent, "scope": (current or {}).get("sys_scope.scope")}
    parent, current = _strip(parent, PARENT_EXTRA), _strip(current, CHILD_EXTRA)

    if params["state"] == "absent":
        if current is not None:
            users = [row for row in found["users"] if row.get("connection_alias") == current["sys_id"]]
            if users and not params["force"]:
                raise lookups.still_used(
                    "Alias %r" % params["name"], users, "connection", client.host,
                    hint="Remove its connections first (snowspoke.jira.servicenow_http_connection state=absent), or "
                         "set force=true.")
        return (reconciler.absent("sys_alias", current=current, label="child connection alias", after=after), parent,
                extra)

    if not DOCUMENTED_NAME.match(params["name"]):
        task.warn("Alias name %r has characters other than letters, digits and '_', which ServiceNow documents as the "
                  "only ones an alias may contain: an instance that enforces it refuses the name." % params["name"])
    desired = {
        "type": parent.get("type") or "connection",
        "connection_type": parent.get("connection_type") or "http_connection",
        "multiple_connections": params["multiple_connections"],
    }
    if parent.get("configuration_template"):
        desired["configuration_template"] = parent["configuration_template"]
    state = reconciler.present("sys_alias", identity, desired, current=current, fields=tables.SYS_ALIAS.read_fields(),
                               label="child connection alias")
    return state, parent, extra


def run(task):
    params = task.params
    reconciler = task.reconciler()
    client = reconciler.client
    found = reads(params).fetch(client)
    state, parent, extra = reconcile(task, reconciler, params, found)
    reconciler.flush()
    if params["state"] == "absent":
        return {"changed": reconciler.changed, "alias": None, "parent": _describe(parent), "diff": reconciler.diff()}
    alias = state.record
    scope_name = extra["scope"]
    if state.action == "create" and state.sys_id:
        # Where a REST insert lands is unconfirmed: read the scope of what was created.
        scope_name = (client.list("sys_alias", {"sys_id": state.sys_id}, fields=list(CHILD_EXTRA))
                      or [{}])[0].get("sys_scope.scope")
    definitions = dict((row["element"], row) for row in found["parent_definitions"] if not parent.get("_placeholder")
                       and row.get("model") == parent["sys_id"])
    definitions.update((row["element"], row) for row in found["definitions"]
                       if state.sys_id and row.get("model") == state.sys_id)
    return {
        "changed": reconciler.changed,
        "alias": dict(alias, scope=scope_report(task, client, alias, scope_name, params["spoke_scope"],
                                                state.action == "create")),
        "parent": _describe(parent),
        "attributes": sorted(({"element": name, "label": row.get("label"), "default_value": row.get("default_value"),
                               "type": row.get("internal_type"), "sys_id": row.get("sys_id"),
                               "defined_on": "alias" if row.get("model") == alias.get("sys_id") else "parent"}
                              for name, row in definitions.items()), key=lambda row: row["element"]),
        "configuration_template": template_of(extra["template"]),
        "diff": reconciler.diff(),
    }


def _describe(alias):
    return dict((key, alias.get(key)) for key in ("sys_id", "id", "name", "multiple_connections", "sys_scope"))


def scope_report(task, client, alias, scope_name, spoke_scope, created):
    """The application scope the alias is in; a warning when this run created it outside the Jira spoke's."""
    scope_id = alias.get("sys_scope")
    if not alias.get("sys_id"):
        return {"sys_id": None, "scope": None, "is_spoke_scope": None}
    scope_name = scope_name or ("global" if scope_id in (None, "", "global") else scope_id)
    in_spoke = scope_name == spoke_scope
    if created and not in_spoke:
        task.warn("Child alias %r was created on %s in application scope %r, not the Jira spoke's (%s). ServiceNow "
                  "expects child aliases of the Jira spoke in its scope: switch to the Jira Spoke application in the "
                  "instance's application picker and move it (or create it there), or accept it if flows find it." % (
                      alias.get("name"), client.host, scope_name, spoke_scope))
    return {"sys_id": scope_id, "scope": scope_name, "is_spoke_scope": in_spoke}


def template_of(parent):
    """The parent's configuration template (read by dot-walking from the parent alias)."""
    if not parent or not parent.get("configuration_template") or parent.get("_placeholder"):
        return None
    data = parent.get("configuration_template.default_data_template") or ""
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = data
    return {"sys_id": parent["configuration_template"], "name": parent.get("configuration_template.name"),
            "data": parsed}
