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

SYS_ID = re.compile(r"^[0-9a-f]{32}$")


def is_sys_id(value):
    return bool(value) and bool(SYS_ID.match(str(value)))


def placeholder(label, name):
    """A stand-in reference for a record that does not exist yet (check mode only)."""
    return "(new %s %s)" % (label, name)


def is_placeholder(value):
    return str(value or "").startswith("(new ")


def identity_of(value, name_field="name"):
    """How a reference option finds its record: by sys_id when it is one, else by ``name_field``."""
    return {"sys_id": value} if is_sys_id(value) else {name_field: value}


def resolve(task, reconciler, table, value, rows, label, hint, option=None, name_field="name"):
    """The one record among ``rows`` (read with ``identity_of(value)``) that option ``option`` names.

    Missing: in check mode a placeholder (a record an earlier task of the same check run may create; it never
    equals a stored sys_id, so the prediction is "changed", as the real run would be) with a warning, else a
    RecordError naming the record.
    """
    record = reconciler.one(table, identity_of(value, name_field), rows, label=label)
    if record is not None:
        return record
    host = reconciler.client.host
    what = "%s %r%s" % (label[0].upper() + label[1:], value, " (%s)" % option if option else "")
    if task.check_mode:
        task.warn("%s does not exist on %s yet; assuming an earlier task of this check run creates it."
                  % (what, host))
        return {"sys_id": placeholder(label, value), "name": value, "_placeholder": True}
    raise RecordError("%s does not exist on %s." % (what, host), hint=hint)


ALIAS_HINT = ("Give the alias's id (for example sn_jira_spoke.Jira) or sys_id; the shipped alias comes with the Jira "
              "spoke: check it with snowspoke.jira.servicenow_spoke_info.")
CREDENTIAL_HINT = "Create it first with snowspoke.jira.servicenow_credential, or give the name of an existing one."


def describe(records):
    """'name' (sys_id), ... of records, for messages that must say exactly which records are meant."""
    return ", ".join("%r (%s)" % (record.get("name"), record.get("sys_id")) for record in records)


def still_used(what, users, kind, host, hint):
    """The error for removing a record that other records still point at (nothing is removed)."""
    return RecordError("%s is still used by %s %s on %s; nothing was removed." % (what, kind, describe(users), host),
                       hint=hint)
