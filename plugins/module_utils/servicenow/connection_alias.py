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
from . import attributes, lookups, tables
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


def run(task):
    params = task.params
    reconciler = task.reconciler()
    client = reconciler.client
    parent = lookups.alias(task, reconciler, params["parent"], option="parent")
    if parent.get("parent") and not parent.get("_placeholder"):
        raise RecordError("Alias %s is itself a child alias (of %s): give the shipped alias as parent." % (
            params["parent"], parent["parent"]))
    identity = {"name": params["name"], "parent": parent["sys_id"]}
    if params["name"] == parent.get("name"):
        raise RecordError("Alias %r is the shipped alias itself: this module only manages its child aliases."
                          % params["name"])

    if params["state"] == "absent":
        current = reconciler.find("sys_alias", identity, fields=tables.SYS_ALIAS.read_fields(),
                                  label="child connection alias")
        if current is not None:
            connections = lookups.users_of(client, "sys_connection", "connection_alias", current["sys_id"])
            if connections and not params["force"]:
                raise lookups.still_used(
                    "Alias %r" % params["name"], connections, "connection", client.host,
                    hint="Remove its connections first (snowspoke.jira.servicenow_http_connection state=absent), or "
                         "set force=true.")
        state = reconciler.absent("sys_alias", current=current, label="sys_alias")
        return {"changed": state.changed, "alias": None, "parent": _describe(parent), "diff": reconciler.diff()}

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
    state = reconciler.present("sys_alias", identity, desired, fields=tables.SYS_ALIAS.read_fields(),
                               label="sys_alias")
    alias = dict(state.record)
    scope = _scope_report(task, client, alias, params["spoke_scope"])
    known = attributes.definitions(client, alias) if state.sys_id else attributes.definitions(client, parent)
    return {
        "changed": state.changed,
        "alias": dict(alias, scope=scope),
        "parent": _describe(parent),
        "attributes": sorted(({"element": name, "label": row.get("label"), "default_value": row.get("default_value"),
                               "type": row.get("internal_type"), "sys_id": row.get("sys_id"),
                               "defined_on": "alias" if row.get("model") == alias.get("sys_id") else "parent"}
                              for name, row in known.items()), key=lambda row: row["element"]),
        "configuration_template": _template(client, parent.get("configuration_template")),
        "diff": reconciler.diff(),
    }


def _describe(alias):
    return dict((key, alias.get(key)) for key in ("sys_id", "id", "name", "multiple_connections", "sys_scope"))


def _scope_report(task, client, alias, spoke_scope):
    """The application scope the alias is in; a warning when it is not the Jira spoke's."""
    scope_id = alias.get("sys_scope")
    if not alias.get("sys_id"):
        return {"sys_id": None, "scope": None, "is_spoke_scope": None}
    rows = client.list("sys_scope", {"sys_id": scope_id}, fields=["sys_id", "scope", "name"], limit=1) \
        if scope_id and scope_id != "global" else []
    scope_name = rows[0].get("scope") if rows else (scope_id or "global")
    in_spoke = scope_name == spoke_scope
    if not in_spoke:
        task.warn("Child alias %r is in application scope %r, not the Jira spoke's (%s). ServiceNow expects child "
                  "aliases of the Jira spoke in its scope: switch to the Jira Spoke application in the instance's "
                  "application picker and move it (or create it there), or accept it if flows find it." % (
                      alias.get("name"), scope_name, spoke_scope))
    return {"sys_id": scope_id, "scope": scope_name, "is_spoke_scope": in_spoke}


def _template(client, template_sys_id):
    if not template_sys_id or lookups.is_placeholder(template_sys_id):
        return None
    rows = client.list("sys_alias_templates", {"sys_id": template_sys_id},
                       fields=["sys_id", "name", "default_data_template"], limit=1)
    if not rows:
        return None
    data = rows[0].get("default_data_template") or ""
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = data
    return {"sys_id": rows[0]["sys_id"], "name": rows[0].get("name"), "data": parsed}
