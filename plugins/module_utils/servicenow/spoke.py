# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pre-flight facts of an instance for the Jira spoke (the logic of ``servicenow_spoke_info``).

Everything is read in two Batch API round trips: the connecting user's admin role, the spoke's store app, the
IntegrationHub plugins, the shipped alias, and the schema of every table and field the collection writes
(``sys_db_object`` for table inheritance, ``sys_dictionary`` for fields); then the alias's attribute definitions
and configuration template. Each missing prerequisite becomes one sentence in ``problems`` saying what to do.
"""

from __future__ import annotations

import json
import re

from ..common.errors import RecordError, SnowspokeError
from . import discovery, tables
from .reads import Reads
from .query import Query

SPOKE_SCOPE = "sn_jira_spoke"
SPOKE_ALIAS = "sn_jira_spoke.Jira"
# The IntegrationHub plugins the Jira spoke depends on (ServiceNow docs).
REQUIRED_PLUGINS = (
    "com.glide.hub.action_type.datastream",
    "com.glide.cobject",
    "com.glide.hub.action_step.get_connection_info",
    "com.glide.hub.integration.runtime",
    "com.glide.hub.action_step.rest",
    "com.glide.hub.dynamic_inputs",
    "com.glide.external.app",
)
# Spoke releases that changed what the set-up can use (Jira spoke release notes).
FEATURES = (
    ("oauth_jira_cloud", "4.1.0"),
    ("server_type_attribute", "4.3.2"),
    ("authentication_template", "6.0.1"),
)
# The connection attributes the set-up values on every connection (ServiceNow's set-up procedure).
REQUIRED_ATTRIBUTES = ("api_version", "server_type")
SYSTEM_FIELDS = ("sys_id", "sys_created_on", "sys_updated_on", "sys_created_by", "sys_updated_by",
                 "sys_mod_count", "sys_class_name", "sys_scope", "sys_domain", "sys_tags")

ARGUMENT_SPEC = {
    "spoke_scope": {"type": "str", "default": SPOKE_SCOPE},
    "alias": {"type": "str", "default": SPOKE_ALIAS},
    "required_plugins": {"type": "list", "elements": "str", "default": list(REQUIRED_PLUGINS)},
    "check_schema": {"type": "bool", "default": True},
    "required_attributes": {"type": "list", "elements": "str", "default": list(REQUIRED_ATTRIBUTES)},
    "fail_on_problems": {"type": "bool", "default": True},
    "discover": {"type": "bool", "default": False},
}


def is_true(value):
    """ServiceNow booleans are strings; plugin state reads "active" or "true"."""
    return str(value).strip().lower() in ("true", "1", "active", "yes")


SCHEMA_TABLES = sorted(table.name for table in tables.ALL)
SCHEMA_FIELDS = sorted(set(field for table in tables.ALL for field in table.fields if field not in SYSTEM_FIELDS))


def version_tuple(version):
    return tuple(int(part) for part in re.findall(r"\d+", version or "")[:3]) or (0,)


def reads(params, user):
    """The first round: the spoke's store app, the plugins, the shipped alias, the user's admin role and the table
    hierarchy. Every read is tolerant: a refused one is a problem to report, not a crash."""
    found = Reads()
    found.add("store_app", "sys_store_app", {"scope": params["spoke_scope"]},
              ["sys_id", "name", "scope", "active", "version"], tolerant=True)
    found.add("plugins", "v_plugin", Query().where("id", "IN", sorted(set(params["required_plugins"]))),
              ["id", "name", "active", "version"], tolerant=True)
    found.add("shipped_alias", "sys_alias", {"id": params["alias"]},
              tables.SYS_ALIAS.read_fields("configuration_template.name",
                                           "configuration_template.default_data_template"), tolerant=True)
    if user:
        found.add("admin_role", "sys_user_has_role", {"user.user_name": user, "role.name": "admin"}, ["sys_id"], 1,
                  tolerant=True)
    if params["check_schema"]:
        found.add("db_objects", "sys_db_object", Query().where("name", "IN", SCHEMA_TABLES),
                  ["name", "super_class.name", "super_class.super_class.name"], tolerant=True)
    return found


def more_reads(params, found):
    """The second round, from the first: the alias's attribute definitions and the data dictionary."""
    more = Reads()
    aliases = found.get("shipped_alias")
    if not _failed(aliases) and len(aliases) == 1:
        more.add("definitions", "var_dictionary", {"model": aliases[0]["sys_id"]}, tables.VAR_DICTIONARY.read_fields(),
                 tolerant=True)
    if params["check_schema"]:
        hierarchy = _hierarchy(found["db_objects"], [])
        dictionary_tables = set(SCHEMA_TABLES) | set(parent for chain in (hierarchy or {}).values() for parent in chain)
        more.add("dictionary", "sys_dictionary", Query().where("name", "IN", sorted(dictionary_tables)).where(
            "element", "IN", sorted(SCHEMA_FIELDS)), ["name", "element", "internal_type"], tolerant=True)
    return more


def evaluate(task, params, client, found):
    """The facts of both rounds; fails (unless fail_on_problems is false) listing every problem."""
    facts = {"instance": client.base_url, "problems": []}
    problems = facts["problems"]
    facts["spoke"] = _spoke_facts(found["store_app"], params["spoke_scope"], problems, client.host)
    facts["plugins"] = _plugin_facts(found["plugins"], params["required_plugins"], problems)
    facts["user"] = _user_facts(client, found.get("admin_role"), problems)
    alias = _first(found["shipped_alias"], "sys_alias", problems)
    if alias:
        facts["alias"] = _alias_facts(alias, found["definitions"], problems)
        _attribute_problems(facts["alias"], found["definitions"], params, problems, client.host)
    else:
        facts["alias"] = None
        if not _failed(found["shipped_alias"]):
            problems.append(
                "The Jira spoke's connection alias %s is missing on %s: install or repair the Jira spoke "
                "(the alias ships with it)." % (params["alias"], client.host))
    if params["check_schema"]:
        facts["schema"] = _schema_facts(_hierarchy(found["db_objects"], problems), found["dictionary"], problems)
        for missing in facts["schema"]["missing_optional"]:
            task.warn("Field %s.%s does not exist on %s: the collection only reads or reports it, or writes it when an "
                      "option asks, so the set-up goes on; what needs it reports that it cannot tell." % (
                          missing["table"], missing["field"], client.host))
    facts["ok"] = not problems
    if params.get("discover"):
        facts["discovery"] = discovery.probe(client, alias, facts, params["spoke_scope"])
    if problems and params["fail_on_problems"]:
        raise RecordError(
            "%s is not ready for the Jira spoke set-up: %s" % (client.host, " ".join(
                "(%d) %s" % (number, problem) for number, problem in enumerate(problems, 1))),
            hint="Nothing was changed. playbooks/discover.yml shows, read-only, how this instance differs from what "
                 "the collection needs (docs/live-instance.md).", **facts)
    facts["changed"] = False
    return facts


def run(task):
    """Gather the facts in two round trips; fail (unless fail_on_problems is false) listing every problem."""
    params = task.params
    client = task.servicenow
    found = reads(params, client.user).fetch(client)
    found.update(more_reads(params, found).fetch(client))
    return evaluate(task, params, client, found)


def _failed(answer):
    """Whether a read of list_many(return_errors=True) failed (refused, or rows that did not match the query)."""
    return isinstance(answer, SnowspokeError)


def _first(records, table, problems):
    if _failed(records):
        problems.append("Cannot read %s: %s" % (table, records))
        return None
    return records[0] if records else None


def _spoke_facts(records, scope, problems, host):
    app = _first(records, "sys_store_app", problems)
    if app is None:
        if not _failed(records):
            problems.append(
                "The Jira spoke (%s) is not installed on %s: install it from the ServiceNow Store (it needs an "
                "IntegrationHub subscription), then run again." % (scope, host))
        return {"installed": False, "active": False, "version": None, "scope": scope, "features": {}}
    version = app.get("version") or ""
    facts = {
        "installed": True, "active": is_true(app.get("active")), "version": version, "name": app.get("name"),
        "scope": app.get("scope"), "sys_id": app.get("sys_id"),
        "features": dict((name, version_tuple(version) >= version_tuple(since)) for name, since in FEATURES),
    }
    if not facts["active"]:
        problems.append("The Jira spoke (%s) is installed on %s but not active: activate it (System Applications > "
                        "All Available Applications > All), then run again." % (scope, host))
    return facts


def _plugin_facts(records, required, problems):
    if _failed(records):
        problems.append("Cannot read the plugin list (v_plugin): %s" % records)
        return []
    by_id = dict((record.get("id"), record) for record in records)
    facts = []
    for plugin_id in required:
        record = by_id.get(plugin_id)
        active = record is not None and is_true(record.get("active"))
        facts.append({"id": plugin_id, "name": record.get("name") if record else None, "active": active,
                      "installed": record is not None, "version": record.get("version") if record else None})
        if not active:
            problems.append("IntegrationHub plugin %s is %s: activate it (System Definition > Plugins); the Jira "
                            "spoke depends on it." % (plugin_id, "not active" if record else "not installed"))
    return facts


def _user_facts(client, role_rows, problems):
    if not client.user:
        return {"name": None, "admin": None,
                "note": "The admin role is not checked for %s: the user name is not known." %
                        client.describe_identity()}
    if _failed(role_rows):
        problems.append("Cannot read the roles of user %r (%s): the set-up needs the admin role." % (
            client.user, role_rows.message))
        return {"name": client.user, "admin": False}
    admin = bool(role_rows)
    if not admin:
        problems.append("User %r does not have the admin role on %s: the Jira spoke set-up writes OAuth, "
                        "credential and connection records, which needs admin." % (client.user, client.host))
    return {"name": client.user, "admin": admin}


def _alias_facts(alias, definitions, problems):
    facts = {
        "sys_id": alias["sys_id"], "id": alias.get("id"), "name": alias.get("name"), "type": alias.get("type"),
        "connection_type": alias.get("connection_type"),
        "multiple_connections": is_true(alias.get("multiple_connections")),
        "sys_scope": alias.get("sys_scope"), "attributes": [], "configuration_template": None,
    }
    if _failed(definitions):
        problems.append("Cannot read the alias's attribute definitions (var_dictionary): %s" % definitions)
    else:
        facts["attributes"] = sorted(({
            "element": row.get("element"), "label": row.get("label"), "type": row.get("internal_type"),
            "default_value": row.get("default_value"), "sys_id": row.get("sys_id"),
        } for row in definitions), key=lambda row: row["element"] or "")
    if alias.get("configuration_template"):
        data = alias.get("configuration_template.default_data_template") or ""
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        facts["configuration_template"] = {"sys_id": alias["configuration_template"],
                                           "name": alias.get("configuration_template.name"),
                                           "data": parsed if parsed is not None else data}
    return facts


def _hierarchy(db_objects, problems):
    """{table: [parent, grandparent, ...]} for every table the collection uses; missing tables -> problems."""
    if _failed(db_objects):
        problems.append("Cannot read the table list (sys_db_object): %s" % db_objects)
        return None
    by_name = dict((row.get("name"), row) for row in db_objects)
    hierarchy = {}
    for table in tables.ALL:
        row = by_name.get(table.name)
        if row is None:
            continue
        hierarchy[table.name] = [parent for parent in (row.get("super_class.name"),
                                                       row.get("super_class.super_class.name")) if parent]
    return hierarchy


def _schema_facts(hierarchy, dictionary, problems):
    """Missing tables and fields: a required one (the set-up writes it or finds records by it) is a problem that
    stops the set-up before any write; an optional one (only read or reported) is listed in missing_optional."""
    facts = {"checked": True, "missing_tables": [], "missing_fields": [], "missing_optional": []}
    if hierarchy is None:
        facts["checked"] = False
        return facts
    if _failed(dictionary):
        problems.append("Cannot read the data dictionary (sys_dictionary): %s" % dictionary)
        facts["checked"] = False
        return facts
    defined = set((row.get("name"), row.get("element")) for row in dictionary)
    for table in tables.ALL:
        if table.name not in hierarchy:
            facts["missing_tables"].append(table.name)
            problems.append("Table %s (%s) does not exist on this instance." % (table.name, table.label))
            continue
        owners = [table.name] + hierarchy[table.name]
        for field in table.fields:
            if field in SYSTEM_FIELDS or any((owner, field) in defined for owner in owners):
                continue
            if field in table.optional:
                facts["missing_optional"].append({"table": table.name, "field": field})
                continue
            facts["missing_fields"].append({"table": table.name, "field": field})
            problems.append("Field %s.%s (%s) does not exist on this instance: the set-up writes it or finds "
                            "records by it." % (table.name, field, table.label))
    return facts


def _attribute_problems(alias_facts, definitions, params, problems, host):
    """The attributes every connection gets must be defined on the alias where the collection looks for them."""
    if _failed(definitions):
        return  # reported by _alias_facts
    defined = set(row["element"] for row in alias_facts["attributes"])
    missing = [name for name in params["required_attributes"] if name not in defined]
    if missing:
        problems.append(
            "The alias %s has no definition of attribute %s where the collection looks for it (var_dictionary rows "
            "with model = the alias) on %s: this instance keeps connection attributes some other way, so the "
            "set-up cannot value them. Run playbooks/discover.yml and see docs/live-instance.md." % (
                alias_facts.get("id") or alias_facts["sys_id"], ", ".join(missing), host))
