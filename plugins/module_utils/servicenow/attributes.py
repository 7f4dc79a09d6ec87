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

DEFINITIONS_TABLE = "var_dictionary"
VALUES_TABLE = "sys_variable_value"
CONNECTION_TABLE = "http_connection"


def definitions(client, alias_record):
    """{attribute name: definition record} for an alias, falling back to its parent's definitions."""
    owners = [alias_record.get("sys_id")]
    if alias_record.get("parent"):
        owners.append(alias_record["parent"])
    owners = [owner for owner in owners if owner and not lookups.is_placeholder(owner)]
    if not owners:
        return {}
    rows = client.list(DEFINITIONS_TABLE, Query().where("model", "IN", owners), fields=tables.VAR_DICTIONARY.read_fields())
    found = {}
    for owner in owners:  # the alias's own definitions win over its parent's
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


def current_values(client, connection_sys_id):
    if not connection_sys_id or lookups.is_placeholder(connection_sys_id):
        return []
    return client.list(VALUES_TABLE, {"document": CONNECTION_TABLE, "document_key": connection_sys_id},
                       fields=tables.SYS_VARIABLE_VALUE.read_fields())


def reconcile(reconciler, connection_sys_id, known, desired, current, purge=False, owner=None):
    """Make the connection's attribute values equal ``desired`` ({name: value}); returns {name: value} after."""
    items = [{"variable": known[name]["sys_id"], "value": to_snow(value)} for name, value in sorted(desired.items())]
    parent = {"document": CONNECTION_TABLE, "document_key": connection_sys_id}
    names = dict((row.get("sys_id"), name) for name, row in known.items())
    state = reconciler.present_set(VALUES_TABLE, parent, "variable", items, purge=purge,
                                   fields=tables.SYS_VARIABLE_VALUE.read_fields(), label="attributes",
                                   current=current, owner=owner, describe=lambda key: names.get(key, key))
    if state.changed:
        _name_diff(reconciler, names)
        if not reconciler.check_mode:
            _read_back(reconciler.client, connection_sys_id, desired, known)
    return values_of(known, state.records + state.kept)


def _name_diff(reconciler, names):
    """Show attribute names, not definition sys_ids, in the diff."""
    for side in (reconciler.before, reconciler.after):
        rows = side.get("attributes") or []
        side["attributes"] = dict((names.get(row.get("variable"), row.get("variable")), row.get("value"))
                                  for row in rows)


def _read_back(client, connection_sys_id, desired, known):
    """The model is unconfirmed: re-read what was written and name anything that is not there."""
    stored = dict((row.get("variable"), row.get("value")) for row in current_values(client, connection_sys_id))
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
