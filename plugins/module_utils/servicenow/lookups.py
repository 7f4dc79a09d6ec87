# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding the records a module refers to: an alias by id or sys_id, a credential or profile by name or sys_id.

A reference that does not exist fails with the record named, before any write. In check mode it may instead be a
record an earlier task of the same check run would create: then it resolves to a placeholder (a reference that
never equals a stored sys_id, so the prediction is "changed", as the real run would be) and a warning says so.
"""

from __future__ import annotations

import re

from ..common.errors import RecordError
from . import tables

SYS_ID = re.compile(r"^[0-9a-f]{32}$")


def is_sys_id(value):
    return bool(value) and bool(SYS_ID.match(str(value)))


def placeholder(label, name):
    """A stand-in reference for a record that does not exist yet (check mode only)."""
    return "(new %s %s)" % (label, name)


def is_placeholder(value):
    return str(value or "").startswith("(new ")


def _missing(task, label, name, hint, option=None):
    """A placeholder in check mode, else a RecordError naming the record (and the option that named it)."""
    host = task.servicenow.host
    what = "%s %r%s" % (label[0].upper() + label[1:], name, " (%s)" % option if option else "")
    if task.check_mode:
        task.warn("%s does not exist on %s yet; assuming an earlier task of this check run creates it."
                  % (what, host))
        return {"sys_id": placeholder(label, name), "name": name, "_placeholder": True}
    raise RecordError("%s does not exist on %s." % (what, host), hint=hint)


def by_name_or_sys_id(task, reconciler, table, value, label, hint, name_field="name", fields=None, option=None):
    """The record of ``table`` whose sys_id or ``name_field`` is ``value`` (given in module option ``option``)."""
    identity = {"sys_id": value} if is_sys_id(value) else {name_field: value}
    record = reconciler.find(table, identity, fields=fields, label=label)
    if record is None:
        return _missing(task, label, value, hint, option=option)
    return record


def alias(task, reconciler, value, option="alias"):
    """A connection alias by its ``id`` (``sn_jira_spoke.Jira``) or sys_id."""
    return by_name_or_sys_id(
        task, reconciler, "sys_alias", value, "connection alias", name_field="id",
        fields=tables.SYS_ALIAS.read_fields(), option=option,
        hint="Give the alias's id (for example sn_jira_spoke.Jira) or sys_id; the shipped alias comes with the "
             "Jira spoke: check it with snowspoke.jira.servicenow_spoke_info.")


def credential(task, reconciler, value, option="credential"):
    """A credential of any type (``discovery_credentials`` and its child tables) by name or sys_id."""
    return by_name_or_sys_id(
        task, reconciler, "discovery_credentials", value, "credential", fields=["name", "sys_class_name", "active"],
        option=option,
        hint="Create it first with snowspoke.jira.servicenow_credential, or give the name of an existing one.")


def registry(task, reconciler, name, option="oauth_registry"):
    return by_name_or_sys_id(
        task, reconciler, "oauth_entity", name, "application registry",
        fields=tables.OAUTH_ENTITY.read_fields(), option=option,
        hint="Create it first with snowspoke.jira.servicenow_oauth_registry.")


def default_profile(task, reconciler, registry_record, registry_name):
    """The default OAuth entity profile of a registry (created by the instance with the registry)."""
    if registry_record.get("_placeholder"):
        return {"sys_id": placeholder("OAuth entity profile", "%s default_profile" % registry_name),
                "_placeholder": True}
    profile = reconciler.find("oauth_entity_profile", {"oauth_entity": registry_record["sys_id"], "default": True},
                              fields=tables.OAUTH_ENTITY_PROFILE.read_fields(), label="default OAuth entity profile")
    if profile is None:
        return _missing(task, "default OAuth entity profile of registry", registry_name,
                        hint="Run snowspoke.jira.servicenow_oauth_registry for it: it repairs a missing profile.",
                        option="oauth_registry")
    return profile


def profile(task, reconciler, value, option="oauth_profile"):
    """An OAuth entity profile by name or sys_id."""
    return by_name_or_sys_id(
        task, reconciler, "oauth_entity_profile", value, "OAuth entity profile",
        fields=tables.OAUTH_ENTITY_PROFILE.read_fields(), option=option,
        hint="Give the profile's name or sys_id, or the registry's name in oauth_registry to use its default "
             "profile.")


def users_of(client, table, field, sys_id, fields=("name",)):
    """Records of ``table`` whose reference ``field`` points at ``sys_id`` (who still uses a record)."""
    if not sys_id or is_placeholder(sys_id):
        return []
    return client.list(table, {field: sys_id}, fields=sorted(set(fields) | {"sys_id"}))


def describe(records):
    """'name' (sys_id), ... of records, for messages that must say exactly which records are meant."""
    return ", ".join("%r (%s)" % (record.get("name"), record.get("sys_id")) for record in records)


def still_used(what, users, kind, host, hint):
    """The error for removing a record that other records still point at (nothing is removed)."""
    return RecordError("%s is still used by %s %s on %s; nothing was removed." % (what, kind, describe(users), host),
                       hint=hint)
