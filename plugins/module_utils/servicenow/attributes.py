# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection attributes (``api_version``, ``server_type``): the one place that knows where they are stored.

ServiceNow documents attributes as defined on the alias ("Connection Attributes") and valued per connection (its
Attributes tab), but not the tables behind them. The model used here is INFERRED from how other "Variables"
fields work (reference: servicenow.md, marked unconfirmed):

- definitions: ``var_dictionary`` rows with ``model`` = the alias's sys_id and ``element`` = the attribute name
  (a child alias without its own definitions uses its parent's);
- values: ``sys_variable_value`` rows with ``document`` = ``http_connection``, ``document_key`` = the
  connection's sys_id, ``variable`` = the definition's sys_id, ``value``.

Because it is inferred, every write is read back in a separate request, and anything not found fails with a
message naming the table, the record and the attribute. ``playbooks/discover.yml`` shows how to confirm the model
on a real instance before the first write.
"""

from __future__ import annotations

from ..common.errors import OptionError, RecordError
from . import lookups, tables
from .query import Query, to_snow
from .records import change_key

DEFINITIONS_TABLE = "var_dictionary"
VALUES_TABLE = "sys_variable_value"
CONNECTION_TABLE = "http_connection"


def owners_of(alias_record):
    """The aliases whose definitions apply to ``alias_record``: itself, then its parent (a child alias without its
    own definitions uses its parent's)."""
    owners = [alias_record.get("sys_id"), alias_record.get("parent")]
    return [owner for owner in owners if owner and lookups.is_sys_id(owner)]


def definitions_read(owners):
    """The read of the definitions of ``owners`` (sys_ids), for a Reads round."""
    return DEFINITIONS_TABLE, Query().where("model", "IN", owners), tables.VAR_DICTIONARY.read_fields()


def definitions_from(rows, owners):
    """{attribute name: definition record}: the alias's own definitions win over its parent's."""
    found = {}
    for owner in owners:
        for row in rows:
            if row.get("model") == owner and row.get("element") not in found:
                found[row["element"]] = row
    return found


def check_names(desired, known, alias_label):
    unknown = sorted(set(desired) - set(known))
    if unknown:
        raise OptionError(
            "attributes %s %s not defined on alias %s (defined: %s)." % (
                ", ".join(unknown), "is" if len(unknown) == 1 else "are", alias_label,
                ", ".join(sorted(known)) or "none"),
            hint="Check the spelling; snowspoke.jira.servicenow_spoke_info lists the alias's attribute definitions.")


def values_read(connection_sys_id):
    """The read of a connection's attribute values, for a Reads round."""
    return (VALUES_TABLE, {"document": CONNECTION_TABLE, "document_key": connection_sys_id},
            tables.SYS_VARIABLE_VALUE.read_fields())


def reconcile(reconciler, connection_ref, known, desired, current, purge=False, owner=None, after=()):
    """Queue the writes that make the connection's attribute values equal ``desired`` ({name: value}); the SetState
    (``values_of(known, state.records + state.kept)`` gives {name: value} after)."""
    items = [{"variable": known[name]["sys_id"], "value": to_snow(value)} for name, value in sorted(desired.items())]
    parent = {"document": CONNECTION_TABLE, "document_key": connection_ref}
    names = dict((row.get("sys_id"), name) for name, row in known.items())
    state = reconciler.present_set(VALUES_TABLE, parent, "variable", items, purge=purge,
                                   fields=tables.SYS_VARIABLE_VALUE.read_fields(), label="attribute value",
                                   current=current, owner=owner, describe=lambda key: names.get(str(key), str(key)),
                                   after=after)
    if state.changed:
        _name_diff(reconciler, owner, names)
    return state


def remove_all(reconciler, connection_sys_id, current, definitions=(), owner=None):
    """Queue the deletes of a connection's attribute values (``current``), named by attribute where one of
    ``definitions`` (var_dictionary rows) says; the SetState."""
    names = dict((row.get("sys_id"), row.get("element")) for row in definitions or () if row.get("element"))
    state = reconciler.absent_set(VALUES_TABLE, {"document": CONNECTION_TABLE, "document_key": connection_sys_id},
                                  "variable", label="attribute value", current=current, owner=owner,
                                  describe=lambda key: names.get(str(key), str(key)))
    if state.changed:
        _name_diff(reconciler, owner, names)
    return state


def _name_diff(reconciler, owner, names):
    """Show attribute names, not definition sys_ids, in the diff."""
    key = change_key(VALUES_TABLE, owner)
    for side in (reconciler.before, reconciler.after):
        rows = side.get(key) or []
        side[key] = dict((names.get(row.get("variable"), row.get("variable")), row.get("value")) for row in rows)


def read_back(client, connection_sys_id, desired, known):
    """The model is unconfirmed: re-read what was written and name anything that is not there."""
    table, query, fields = values_read(connection_sys_id)
    stored = dict((row.get("variable"), row.get("value")) for row in client.list(table, query, fields=fields))
    for name, value in sorted(desired.items()):
        got = stored.get(known[name]["sys_id"])
        if got != to_snow(value):
            raise RecordError(
                "Attribute %s of http_connection %s reads back as %r from %s (document=http_connection, "
                "document_key=%s, variable=%s) on %s, where %r was written." % (
                    name, connection_sys_id, got, VALUES_TABLE, connection_sys_id, known[name]["sys_id"],
                    client.host, to_snow(value)),
                hint="This instance stores connection attributes differently from what the collection assumes: "
                     "run playbooks/discover.yml against it and see docs/live-instance.md.")


def values_of(known, rows):
    """{attribute name: value} of stored rows."""
    by_variable = dict((row["sys_id"], name) for name, row in known.items())
    return dict((by_variable.get(row.get("variable"), row.get("variable")), row.get("value")) for row in rows)
