# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The record reconciler: the one place where desired state meets a ServiceNow table.

Every module describes records as (table, identity, desired fields, secret fields) and lets the Reconciler find,
compare, create, update or delete them. Here, once, live the rules the whole collection keeps:

- identity is explicit: two records matching one identity is an error listing their sys_ids, never a guess;
- only fields that differ are written; check mode writes nothing and predicts exactly what a real run would do;
- secrets are write-only: sent alone with ``sysparm_input_display_value=true`` (ServiceNow ignores encrypted
  fields written otherwise), never compared or returned, masked in diffs, sent again only per ``update_secret``;
- every write is verified against the record the instance answers with (the stored values): a field that did not
  stick (a schema difference, a business rule) fails with table, record and field named;
- a set of child records (the scopes of a registry) is read in one query and reconciled as a whole.

Writes are queued, not sent one by one: ``flush()`` sends them in as few round trips as their dependencies allow
(``writes.py``). A record this run creates is known by a ``Pending`` reference until its write is answered, so a
child can be queued before its parent exists; check mode never flushes.
"""

from __future__ import annotations

from ..common.errors import OptionError, RecordError
from .query import to_snow
from .tables import SECRET_FIELDS
from .writes import Pending, Write, WriteExecutor, is_pending

MASK = "********"
MASK_NEW = "******** (new value)"
UPDATE_SECRET_CHOICES = ("always", "on_create")
_UNREAD = object()
_HIDDEN = ("_secret_stored", "sys_mod_count", "sys_created_on")


def _clean(values):
    return dict((field, value if is_pending(value) else to_snow(value)) for field, value in values.items()
                if value is not None)


def change_key(table, name):
    """The key of one record in ``changes`` and in the diff: its table and its identity, never free text."""
    return "%s %s" % (table, name)


class DuplicateRecordsError(RecordError):
    """More than one record answers to one identity."""


class RecordState:
    """What the reconciler did (or would do, in check mode) to one record.

    ``action``: ``create``, ``update``, ``delete`` or ``none``; ``record``: the record after the change (predicted
    until its write is answered; secret fields never included); ``ref``: its sys_id, or the Pending reference of
    a record this run creates; ``sys_id``: the sys_id once known, else None.
    """

    def __init__(self, table, action, raw, changed_fields=(), secret_fields=(), writes=()):
        self.table = table
        self.action = action
        self._raw = raw
        self.changed_fields = list(changed_fields)
        self._secrets = tuple(secret_fields)
        self.writes = [write for write in writes if write is not None]  # queued (for ``after=`` of others)

    @property
    def record(self):
        return None if self._raw is None else _public(self._raw, self._secrets)

    @property
    def ref(self):
        ref = (self._raw or {}).get("sys_id")
        return ref.value if isinstance(ref, Pending) and ref.value is not None else ref

    @property
    def sys_id(self):
        ref = self.ref
        return None if ref is None or is_pending(ref) else ref

    @property
    def changed(self):
        return self.action != "none"

    @property
    def exists(self):
        return self.action != "delete" and self._raw is not None


class SetState:
    """What the reconciler did to a set of child records: ``records`` (after, in desired order), ``kept`` (records
    not desired but left in place because purge was off) and the keys ``added``, ``updated``, ``removed``;
    ``writes``: the queued writes (for callers that must order other writes after them)."""

    def __init__(self, table, records, added, updated, removed, kept=()):
        self.table = table
        self.records = records
        self.added = added
        self.updated = updated
        self.removed = removed
        self.kept = list(kept)
        self.writes = []
        self.pending = []

    @property
    def changed(self):
        return bool(self.added or self.updated or self.removed)


class Reconciler:
    """Reconcile records of one instance. ``check_mode``: read only, predict. Collects a diff per record."""

    def __init__(self, client, check_mode=False, warn=None, executor=None):
        self.client = client
        self.check_mode = check_mode
        self.warn = warn or (lambda message: None)
        self.executor = executor or WriteExecutor(client)
        self.queue = []
        self.before = {}
        self.after = {}
        self.changes = []
        self.changed = False
        # Called with ``changes`` before every flush (check mode too); raises to stop what must not be written.
        self.guard = None

    def _note(self, action, table, name, **details):
        """One entry of the ``changes`` result: what changed (or would, in check mode), never values."""
        self.changed = True
        self.changes.append(dict(action=action, table=table, record=name, key=change_key(table, name), **details))

    # -- reading ---------------------------------------------------------------------------------------------------
    def find(self, table, identity, fields=None, label=None):
        """The one record matching ``identity``, or None; DuplicateRecordsError when several match."""
        wanted = sorted(set(fields or ()) | set(identity) | {"sys_id"})
        return self.one(table, identity, self.client.list(table, identity, fields=wanted), label=label)

    def one(self, table, identity, records, label=None):
        """The one of ``records`` (read for ``identity``), or None; DuplicateRecordsError when several."""
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
                fields=None, label=None, required_secrets=(), after=()):
        """Make the record with ``identity`` exist with ``desired`` fields and ``secrets`` (write-only) set.

        ``current``: the record when the caller already read it (None: known absent). ``fields``: more fields to
        read and return. ``required_secrets``: secret fields that must be given when the record is created.
        ``after``: writes this record's writes must follow.
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
            name = _record_name(record, identity)
            self.record_diff(table, name, None, self._masked(record, secret_fields, secrets))
            pending = Pending(label, name)
            write = None if self.check_mode else self._queue_write(table, None, record, secrets, wanted, label,
                                                                   record, after, creates=pending,
                                                                   identity=_clean(identity))
            self._note("create", table, name)
            changed = sorted(record)
            record["sys_id"] = pending  # its sys_id once the create is answered
            return RecordState(table, "create", record, changed, secret_fields, writes=[write])

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
        if not changes and not send_secrets:
            return RecordState(table, "none", current, (), secret_fields)
        after_record = dict(current, **changes)
        name = _record_name(current, identity)
        self.record_diff(table, name, self._masked(current, secret_fields),
                         self._masked(after_record, secret_fields, send_secrets))
        write = None if self.check_mode else self._queue_write(table, current["sys_id"], changes, send_secrets,
                                                               wanted, label, after_record, after)
        self._note("update", table, name, fields=sorted(set(changes) | set(send_secrets)))
        return RecordState(table, "update", after_record, sorted(set(changes) | set(send_secrets)), secret_fields,
                           writes=[write])

    def predict(self, table, identity, desired, label=None):
        """A record the instance itself will create as a consequence of another write (the default profile of a
        new registry): shown in the diff, not a change of its own; never written."""
        record = dict(_clean(identity), **_clean(desired))
        name = _record_name(record, identity)
        self.record_diff(table, name, None, record)
        changed = sorted(record)
        record["sys_id"] = Pending(label or table, name)
        return RecordState(table, "create", record, changed, ())

    def absent(self, table, identity=None, current=_UNREAD, label=None, after=(), name=None):
        """Make sure no record matches ``identity`` (or delete ``current``); ``name``: how ``changes`` and the
        diff name it (default: its name)."""
        label = label or table
        if current is _UNREAD:
            current = self.find(table, identity, label=label)
        secret_fields = SECRET_FIELDS.get(table, ())
        if current is None:
            return RecordState(table, "none", None, (), secret_fields)
        name = name or _record_name(current, identity or {})
        self.record_diff(table, name, self._masked(current, secret_fields), None)
        write = None if self.check_mode else self._queue_delete(table, current, label, after)
        self._note("delete", table, name)
        return RecordState(table, "delete", current, (), secret_fields, writes=[write])

    # -- a set of child records -----------------------------------------------------------------------------------
    def present_set(self, table, parent, key, desired, purge=False, fields=None, label=None, current=None,
                    defer_removal=False, owner=None, describe=None, after=()):
        """Reconcile the children of one parent in one read: create missing, update differing, and (``purge``)
        delete records whose key is not desired (duplicates of a desired key included).

        ``defer_removal``: report the removals (diff, changes) but leave the deleting to ``remove_deferred(state)``,
        for callers that must first remove what points at those records. ``owner`` names the parent in
        ``changes``; ``describe(key)`` gives a readable name for a key that is a sys_id.

        ``parent``: the fields that tie a child to its parent, e.g. ``{"oauth_entity": <sys_id>}``; a None or
        Pending value means the parent does not exist yet, so every desired child is new. ``desired``: a list of
        dicts, each holding ``key``. ``current``: the children, when the caller read them already.
        """
        label = label or table
        parent_exists = all(value is not None and not is_pending(value) for value in parent.values())
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
        desired_keys = set(str(item[key]) for item in desired_items)
        extras.extend(record for record_key, record in by_key.items() if record_key not in desired_keys)

        before = sorted((_project(record, wanted, table) for record in current),
                        key=lambda r: (str(r.get(key, "")), r["sys_id"]))
        records, added, updated, removed, writes = [], [], [], [], []
        parent_values = dict((field, value) for field, value in parent.items() if value is not None)
        for item in desired_items:
            existing = by_key.get(str(item[key]))
            if existing is None:
                added.append(item[key])
                record = dict(item, **_clean(parent_values))
                pending = Pending(label, str(item[key]))
                if not self.check_mode:
                    writes.append(self._queue_write(table, None, record, {}, wanted, label, record, after,
                                                    creates=pending,
                                                    identity=dict(_clean(parent_values), **{key: item[key]})))
                record["sys_id"] = pending
                records.append(record)
                continue
            changes = dict((field, value) for field, value in item.items() if existing.get(field) != value)
            if changes:
                updated.append(item[key])
                record = dict(existing, **changes)
                if not self.check_mode:
                    writes.append(self._queue_write(table, existing["sys_id"], changes, {}, wanted, label, record,
                                                    after))
                records.append(record)
            else:
                records.append(existing)
        state = SetState(table, records, added, updated, removed, kept=[] if purge else extras)
        if purge:
            for record in extras:
                removed.append(record.get(key))
            if defer_removal:
                state.pending = list(extras)
            elif not self.check_mode:
                for record in extras:
                    writes.append(self._queue_delete(table, record, label, after))
        state.writes = writes
        after_records = [_project(record, wanted, table) for record in records]
        if not purge:
            after_records.extend(_project(record, wanted, table) for record in extras)
        if state.changed:
            names = describe or (lambda key: key)
            name = owner or label
            self._note("update", table, name, added=[names(k) for k in added],
                       updated=[names(k) for k in updated], removed=[names(k) for k in removed])
            self.record_diff(table, name, before,
                             sorted(after_records, key=lambda r: (str(r.get(key, "")), str(r.get("sys_id") or ""))))
        return state

    def remove_deferred(self, state, after=()):
        """Queue the deletes a ``present_set(..., defer_removal=True)`` reported as removed, after ``after``."""
        if not self.check_mode:
            state.writes.extend(self._queue_delete(state.table, record, state.table, after) for record in state.pending)
        state.pending = []

    def absent_set(self, table, parent, key, label=None, current=None, owner=None, after=(), describe=None):
        """Delete every child of a parent (nothing to do when the parent does not exist)."""
        return self.present_set(table, parent, key, [], purge=True, label=label, current=current, owner=owner,
                                after=after, describe=describe)

    # -- writing ---------------------------------------------------------------------------------------------------
    def _queue_write(self, table, sys_id, values, secrets, wanted, label, record, after, creates=None,
                     identity=None):
        """Queue a create (``creates``: its Pending; ``identity``: how to find it if its answer is lost) or update,
        then its secrets alone in a second write; the answers are verified and folded into ``record`` (which results
        show) when the queue is flushed."""
        write = None
        if sys_id is None or values:
            written = dict(values)
            write = Write("POST" if sys_id is None else "PATCH", table, sys_id, values=written, fields=wanted,
                          label=label, after=after, creates=creates, identity=identity,
                          on_answer=lambda answer: self._stored(table, written, label, record, answer))
            self.queue.append(write)
        if secrets:
            target = creates if sys_id is None else sys_id
            secret_write = Write(
                "PATCH", table, target, values=secrets, fields=sorted(set(secrets) | {"sys_id"}), label=label,
                after=[write] if write is not None else after, display_value_input=True,
                on_answer=lambda answer: self._secrets_stored(table, label, record, answer, secrets))
            self.queue.append(secret_write)
            return secret_write
        return write

    def _queue_delete(self, table, record, label, after):
        write = Write("DELETE", table, record["sys_id"], label=label, after=after)
        self.queue.append(write)
        return write

    def barrier(self):
        """The writes queued so far: give them as ``after`` to make later writes wait for them."""
        return list(self.queue)

    def flush(self):
        """Send the queued writes (nothing in check mode); verification errors raise from here."""
        if self.guard is not None:
            self.guard(self.changes)
        if self.check_mode or not self.queue:
            self.queue = []
            return
        queue, self.queue = self.queue, []
        self.executor.run(queue)

    def _stored(self, table, written, label, record, answer):
        self._verify(table, answer, written, label)
        record.update(answer)

    def _secrets_stored(self, table, label, record, answer, secrets):
        # ``record`` holds what the instance showed before this write (the create's answer, or the read).
        record["_secret_stored"] = self._secret_stored(table, label, record, answer, secrets)
        record.update(dict((field, answer.get(field, "")) for field in secrets))

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
            value = str(value)  # a Pending reference is its sys_id by now
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
    def record_diff(self, table, name, before, after):
        """The before/after of one record (or one set of children), keyed like its entry in ``changes``."""
        key = change_key(table, name)
        if key in self.before or key in self.after:
            raise RecordError("internal: record %r changed twice in one task" % key)
        self.before[key] = _shown(before)
        self.after[key] = _shown(after)

    @staticmethod
    def _masked(record, secret_fields, new_secrets=None):
        masked = dict((field, value) for field, value in record.items() if field not in _HIDDEN)
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


def _shown(value):
    """A diff side with Pending references as their placeholder text (str) or sys_id."""
    if isinstance(value, dict):
        return dict((field, _shown(item)) for field, item in value.items())
    if isinstance(value, list):
        return [_shown(item) for item in value]
    return str(value) if is_pending(value) else value


def _public(record, secret_fields):
    """A record without its secret fields (not even their encrypted form leaves the module); ``secret_stored``
    (True or "unknown") when this run wrote a secret; references to records not created (yet) as placeholders,
    and the record's own sys_id as None until it exists."""
    public = dict((field, _shown(value)) for field, value in record.items()
                  if field not in secret_fields and field not in _HIDDEN)
    if is_pending(record.get("sys_id")):
        public["sys_id"] = None
    if "_secret_stored" in record:
        public["secret_stored"] = record["_secret_stored"]
    return public


def _project(record, fields, table=None):
    """A record's ``fields`` for a diff: secrets masked, the sys_id of a record not created yet left out."""
    secret = SECRET_FIELDS.get(table, ())
    return dict((field, MASK if record.get(field) else "") if field in secret else (field, _shown(record.get(field)))
                for field in fields if field in record and not (field == "sys_id" and is_pending(record[field])))


def _record_name(record, identity):
    return (record or {}).get("name") or _describe(identity) or (record or {}).get("sys_id")


def _describe(identity):
    return ", ".join("%s=%s" % (key, value) if is_pending(value) else "%s=%r" % (key, to_snow(value))
                     for key, value in sorted(identity.items()))
