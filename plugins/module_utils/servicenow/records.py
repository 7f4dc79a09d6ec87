# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The record reconciler: the one place where desired state meets a ServiceNow table.

Every module describes records as (table, identity, desired fields, secret fields) and lets the Reconciler find,
compare, create, update or delete them. Here, once, live the rules the whole collection keeps:

- identity is explicit: two records matching one identity is an error listing their sys_ids, never a guess;
- only fields that differ are written; check mode writes nothing and predicts exactly what a real run would do;
- secrets are write-only: sent alone with ``sysparm_input_display_value=true`` (ServiceNow ignores encrypted
  fields written otherwise), never compared or returned, masked in diffs, sent again only per ``update_secret``
  (``always``, or ``on_create``: on creation, or when the instance holds no value at all);
- every write is verified against the record the instance answers with (the stored values): a field that did not
  stick (a schema difference, a business rule) fails with table, record and field named;
- a set of child records (the scopes of a registry) is read in one query and reconciled as a whole.
"""

from __future__ import annotations

from ..common.errors import OptionError, RecordError
from .query import to_snow
from .tables import SECRET_FIELDS

MASK = "********"
MASK_NEW = "******** (new value)"
UPDATE_SECRET_CHOICES = ("always", "on_create")
_UNREAD = object()


def _clean(values):
    return dict((field, to_snow(value)) for field, value in values.items() if value is not None)


class DuplicateRecordsError(RecordError):
    """More than one record answers to one identity."""


class RecordState:
    """What the reconciler did (or would do, in check mode) to one record.

    ``action``: ``create``, ``update``, ``delete`` or ``none``; ``record``: the record after the change (predicted
    in check mode; secret fields never included); ``sys_id``: None for a record that would be created.
    """

    def __init__(self, table, action, record, changed_fields=()):
        self.table = table
        self.action = action
        self.record = record
        self.changed_fields = list(changed_fields)

    @property
    def sys_id(self):
        return (self.record or {}).get("sys_id") or None

    @property
    def changed(self):
        return self.action != "none"

    @property
    def exists(self):
        return self.action != "delete" and self.record is not None


class SetState:
    """What the reconciler did to a set of child records: ``records`` (after, in desired order), ``kept`` (records
    not desired but left in place because purge was off) and the keys ``added``, ``updated``, ``removed``."""

    def __init__(self, table, records, added, updated, removed, kept=()):
        self.table = table
        self.records = records
        self.added = added
        self.updated = updated
        self.removed = removed
        self.kept = list(kept)

    @property
    def changed(self):
        return bool(self.added or self.updated or self.removed)


class Reconciler:
    """Reconcile records of one instance. ``check_mode``: read only, predict. Collects a diff per label."""

    def __init__(self, client, check_mode=False, warn=None):
        self.client = client
        self.check_mode = check_mode
        self.warn = warn or (lambda message: None)
        self.before = {}
        self.after = {}
        self.changes = []
        self.changed = False

    def _note(self, action, table, name, **details):
        """One entry of the ``changes`` result: what changed (or would, in check mode), never values."""
        self.changed = True
        self.changes.append(dict(action=action, table=table, record=name, **details))

    # -- reading ---------------------------------------------------------------------------------------------------
    def find(self, table, identity, fields=None, label=None):
        """The one record matching ``identity``, or None; DuplicateRecordsError when several match."""
        wanted = sorted(set(fields or ()) | set(identity) | {"sys_id"})
        records = self.client.list(table, identity, fields=wanted)
        if len(records) > 1:
            shown = ", ".join("%s=%r" % (key, to_snow(value)) for key, value in sorted(identity.items()))
            raise DuplicateRecordsError(
                "%d %s records match %s on %s: %s." % (
                    len(records), label or table, shown, self.client.host,
                    ", ".join(record.get("sys_id", "?") for record in records)),
                hint="Delete or rename all but one of them (or narrow the identity), then run again.",
                table=table, sys_ids=[record.get("sys_id") for record in records])
        return records[0] if records else None

    # -- one record ------------------------------------------------------------------------------------------------
    def present(self, table, identity, desired=None, secrets=None, update_secret="on_create", current=_UNREAD,
                fields=None, label=None, required_secrets=()):
        """Make the record with ``identity`` exist with ``desired`` fields and ``secrets`` (write-only) set.

        ``current``: the record when the caller already read it (None: known absent). ``fields``: more fields to
        read and return. ``required_secrets``: secret fields that must be given when the record is created.
        """
        label = label or table
        desired = _clean(dict(desired or {}))
        secrets = dict((field, value) for field, value in (secrets or {}).items() if value is not None)
        wanted = sorted(set(identity) | set(desired) | set(fields or ()) | set((secrets or {})) | {"sys_id"}
                        | set(required_secrets) | ({"sys_mod_count"} if secrets or required_secrets else set()))
        if current is _UNREAD:
            current = self.find(table, identity, fields=wanted, label=label)
        secret_fields = sorted(set(secrets) | set(required_secrets) | set(SECRET_FIELDS.get(table, ())))

        if current is None:
            missing = [field for field in required_secrets if field not in secrets]
            if missing:
                raise OptionError(
                    "Creating %s %s needs %s: the instance stores it write-only, so it must be given on creation."
                    % (label, _describe(identity), " and ".join(missing)))
            record = dict(_clean(identity), **desired)
            self.record_diff(label, None, self._masked(record, secret_fields, secrets))
            if not self.check_mode:
                record = self._write(table, None, record, secrets, wanted, label)
            self._note("create", table, _record_name(record, identity))
            return RecordState(table, "create", _public(record, secret_fields), sorted(record))

        missing_fields = [field for field in set(desired) | set(identity) if field not in current]
        if missing_fields:
            raise RecordError(
                "%s has no field %s on %s (the instance did not return it)." % (
                    table, ", ".join(sorted(missing_fields)), self.client.host),
                hint="This instance's schema differs from what the collection expects: run "
                     "snowspoke.jira.servicenow_spoke_info for its schema check.", table=table)
        # Identity fields too: ServiceNow matches them case-insensitively, so "jira" finds "Jira" and is renamed.
        target = dict(_clean(identity), **desired)
        changes = dict((field, value) for field, value in target.items() if current.get(field) != value)
        # on_create: on creation only. Whether an encrypted field holds a value cannot be read reliably (an instance
        # may answer "" or a mask for it), but a secret always goes in a second write after the record's creation,
        # so a record never updated since it was created (sys_mod_count 0) is one whose secret never arrived.
        send_secrets = secrets if update_secret == "always" or current.get("sys_mod_count") == "0" else {}
        after = dict(current, **changes)
        if not changes and not send_secrets:
            return RecordState(table, "none", _public(current, secret_fields))
        self.record_diff(label, self._masked(current, secret_fields), self._masked(after, secret_fields, send_secrets))
        if not self.check_mode:
            after = self._write(table, current["sys_id"], changes, send_secrets, wanted, label, base=current)
        self._note("update", table, _record_name(current, identity), fields=sorted(set(changes) | set(send_secrets)))
        return RecordState(table, "update", _public(after, secret_fields), sorted(set(changes) | set(send_secrets)))

    def absent(self, table, identity=None, current=_UNREAD, label=None):
        """Make sure no record matches ``identity`` (or delete ``current``)."""
        label = label or table
        if current is _UNREAD:
            current = self.find(table, identity, label=label)
        if current is None:
            return RecordState(table, "none", None)
        self.record_diff(label, self._masked(current, SECRET_FIELDS.get(table, ())), None)
        if not self.check_mode:
            self.client.delete(table, current["sys_id"])
        self._note("delete", table, _record_name(current, identity or {}))
        return RecordState(table, "delete", _public(current, SECRET_FIELDS.get(table, ())))

    # -- a set of child records -----------------------------------------------------------------------------------
    def present_set(self, table, parent, key, desired, purge=False, fields=None, label=None, current=None,
                    defer_removal=False, owner=None, describe=None):
        """Reconcile the children of one parent in one read: create missing, update differing, and (``purge``)
        delete records whose key is not desired (duplicates of a desired key included).

        ``defer_removal``: report the removals (diff, changes) but leave the deleting to ``remove_deferred(state)``,
        for callers that must first remove what points at those records. ``owner`` names the parent in
        ``changes``; ``describe(key)`` gives a readable name for a key that is a sys_id.

        ``parent``: the fields that tie a child to its parent, e.g. ``{"oauth_entity": <sys_id>}``; a None value
        means the parent does not exist yet (check mode), so every desired child is new. ``desired``: a list of
        dicts, each holding ``key``. ``current``: the children, when the caller read them already.
        """
        label = label or table
        parent_exists = all(value is not None for value in parent.values())
        desired_items = [_clean(item) for item in desired]
        wanted = sorted(set(fields or ()) | set(k for item in desired_items for k in item)
                        | {"sys_id", key} | set(parent))
        if current is None:
            current = self.client.list(table, parent, fields=wanted) if parent_exists else []
        by_key = {}
        extras = []
        for record in current:
            if record.get(key) in by_key:
                extras.append(record)
            else:
                by_key[record.get(key)] = record
        desired_keys = set(item[key] for item in desired_items)
        extras.extend(record for record_key, record in by_key.items() if record_key not in desired_keys)

        before = sorted((_project(record, wanted, table) for record in current),
                        key=lambda r: (r.get(key, ""), r["sys_id"]))
        records, added, updated, removed = [], [], [], []
        for item in desired_items:
            existing = by_key.get(item[key])
            values = dict(item, **_clean(parent)) if parent_exists else dict(item)
            if existing is None:
                added.append(item[key])
                record = values
                if not self.check_mode:
                    record = self._write(table, None, values, {}, wanted, label)
                records.append(record)
                continue
            changes = dict((field, value) for field, value in item.items() if existing.get(field) != value)
            if changes:
                updated.append(item[key])
                record = dict(existing, **changes)
                if not self.check_mode:
                    record = self._write(table, existing["sys_id"], changes, {}, wanted, label, base=existing)
                records.append(record)
            else:
                records.append(existing)
        if purge:
            for record in extras:
                removed.append(record.get(key))
                if not self.check_mode and not defer_removal:
                    self.client.delete(table, record["sys_id"])
        after = [_project(record, wanted, table) for record in records]
        if not purge:
            after.extend(_project(record, wanted, table) for record in extras)
        state = SetState(table, records, added, updated, removed, kept=[] if purge else extras)
        state.pending = list(extras) if purge and defer_removal else []
        if state.changed:
            names = describe or (lambda key: key)
            self._note("update", table, owner or label, added=[names(k) for k in added],
                       updated=[names(k) for k in updated], removed=[names(k) for k in removed])
            self.record_diff(label, before, sorted(after, key=lambda r: (r.get(key, ""), r.get("sys_id") or "")))
        return state

    def remove_deferred(self, state):
        """Delete the records a ``present_set(..., defer_removal=True)`` reported as removed."""
        if not self.check_mode:
            for record in state.pending:
                self.client.delete(state.table, record["sys_id"])
        state.pending = []

    def absent_set(self, table, parent, key, label=None, current=None):
        """Delete every child of a parent (nothing to do when the parent does not exist)."""
        return self.present_set(table, parent, key, [], purge=True, label=label, current=current)

    # -- writing ---------------------------------------------------------------------------------------------------
    def _write(self, table, sys_id, values, secrets, wanted, label, base=None):
        """Create (sys_id None) or update a record, then write secrets alone; verify both from the answers."""
        stored = dict(base or {})
        if sys_id is None or values:
            if sys_id is None:
                answer = self.client.create(table, values, fields=wanted)
            else:
                answer = self.client.update(table, sys_id, values, fields=wanted)
            self._verify(table, answer, values, label)
            stored.update(answer)
            sys_id = answer["sys_id"]
        if secrets:
            answer = self.client.update(table, sys_id, secrets, fields=sorted(set(secrets) | {"sys_id"}),
                                        display_value_input=True)
            stored["_secret_stored"] = self._secret_stored(table, label, stored, answer, secrets)
            stored.update(dict((field, answer.get(field, "")) for field in secrets))
        return stored

    def _secret_stored(self, table, label, before, answer, secrets):
        """True when the answer shows each secret's encrypted value changed; "unknown" when it cannot tell.

        ServiceNow does not document what a write answers for an encrypted field: the stored encrypted form, "", or
        a mask are all plausible. Only a new non-empty value is proof; anything else is reported, never guessed.
        """
        unclear = sorted(field for field in secrets if not answer.get(field) or answer.get(field) == before.get(field))
        if not unclear:
            return True
        self.warn("ServiceNow's answer does not show whether it stored %s of %s %r on %s (the instance hides encrypted "
                  "values in its answers): secret_stored is unknown. The value was sent the documented way "
                  "(sysparm_input_display_value=true); test the connection once to be sure." % (
                      " and ".join("%s.%s" % (table, field) for field in unclear), label,
                      before.get("name") or before.get("sys_id"), self.client.host))
        return "unknown"

    def _verify(self, table, stored, written, label):
        """Compare what was written with what the instance answers it stored."""
        sys_id = stored.get("sys_id", "?")
        for field, value in sorted(written.items()):
            if field not in stored:
                raise RecordError(
                    "ServiceNow did not store %s.%s of %s %s on %s: the instance has no such field." % (
                        table, field, label, sys_id, self.client.host),
                    hint="This instance's schema differs from what the collection expects: run "
                         "snowspoke.jira.servicenow_spoke_info for its schema check.", table=table, sys_id=sys_id)
            if stored[field] != value:
                raise RecordError(
                    "ServiceNow stored %r in %s.%s of %s %s on %s where %r was written." % (
                        stored[field], table, field, label, sys_id, self.client.host, value),
                    hint="A business rule or data policy on the instance changed it; check the field's "
                         "allowed values.", table=table, sys_id=sys_id, field=field)

    # -- diff ------------------------------------------------------------------------------------------------------
    def record_diff(self, label, before, after):
        if label in self.before or label in self.after:
            raise RecordError("internal: diff label %r used twice" % label)
        self.before[label] = before
        self.after[label] = after

    @staticmethod
    def _masked(record, secret_fields, new_secrets=None):
        masked = dict(record)
        for field in secret_fields:
            if field not in masked and not (new_secrets and field in new_secrets):
                continue
            if new_secrets and field in new_secrets:
                masked[field] = MASK_NEW
            elif masked.get(field):
                masked[field] = MASK
            else:
                masked[field] = ""
        return masked

    def diff(self):
        """The ``diff`` result: only the records that change, secrets masked."""
        return {"before": dict(self.before), "after": dict(self.after)}


def _public(record, secret_fields):
    """A record without its secret fields (not even their encrypted form leaves the module); ``secret_stored``
    (True or "unknown") when this run wrote a secret."""
    public = dict((field, value) for field, value in record.items()
                  if field not in secret_fields and field not in ("_secret_stored", "sys_mod_count"))
    if "_secret_stored" in record:
        public["secret_stored"] = record["_secret_stored"]
    return public


def _project(record, fields, table=None):
    secret = SECRET_FIELDS.get(table, ())
    return dict((field, MASK if record.get(field) else "") if field in secret else (field, record.get(field))
                for field in fields if field in record)


def _record_name(record, identity):
    return (record or {}).get("name") or _describe(identity) or (record or {}).get("sys_id")


def _describe(identity):
    return ", ".join("%s=%r" % (key, to_snow(value)) for key, value in sorted(identity.items()))
