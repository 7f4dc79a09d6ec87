# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Queued writes and how they are sent: in as few round trips as their dependencies allow.

A write waits for the writes it depends on: the create of every record it refers to (a ``Pending`` reference in
its values, or the record it updates) and any it is explicitly ordered ``after``. Each round sends every write
whose dependencies are answered, together, through the Batch API (``/api/now/v1/batch``).

What the Batch API does with writes is partly undocumented, so it is relied on for nothing it does not promise:

- items of one batch are independent (nothing in a round depends on another item of it), so the order in which
  the instance processes them does not matter (ServiceNow says the API "is not intended for parallel transaction
  processing" but does not promise an order);
- sys_ids are the instance's own (a client-chosen sys_id on insert is not documented): a reference to a new record
  is sent only once the record's create has been answered;
- every item's answer is verified like a single request's, and ``unserviced_requests`` (the instance's time limit)
  are sent again;
- an instance that refuses writes in a batch (403 for an item that a single request then gets through), or does not
  offer the Batch API, gets one request per write from then on.
"""

from __future__ import annotations

from ..common.errors import AccessDeniedError, NotFoundError, RecordError, UnexpectedContentError


class Pending:
    """The sys_id of a record this run creates: ``value`` once its create is answered (never in check mode).
    Shown, until then, as ``(new <label> <name>)``."""

    __slots__ = ("label", "name", "value", "write")

    def __init__(self, label, name):
        self.label = label
        self.name = name
        self.value = None
        self.write = None

    def __str__(self):
        return self.value or "(new %s %s)" % (self.label, self.name)

    __repr__ = __str__


def is_pending(value):
    """Whether ``value`` is a reference to a record not created (yet)."""
    return isinstance(value, Pending) and value.value is None


def resolved(value):
    """A value to send: a Pending reference as its sys_id."""
    if isinstance(value, Pending):
        if value.value is None:
            raise RecordError("internal: %s is sent before it exists" % value)
        return value.value
    return value


class Write:
    """One write: ``method`` POST (``creates`` is the new record's Pending), PATCH or DELETE of ``target`` (a sys_id
    or a Pending), ``values`` to send, ``fields`` to ask back; ``on_answer(record)`` verifies the answer."""

    def __init__(self, method, table, target, values=None, fields=None, label=None, after=(), creates=None,
                 display_value_input=False, on_answer=None):
        self.method = method
        self.table = table
        self.target = target
        self.values = dict(values or {})
        self.fields = fields
        self.label = label or table
        self.after = [write for write in after if write is not None]
        self.creates = creates
        self.display_value_input = display_value_input
        self.on_answer = on_answer
        self.done = False
        if creates is not None:
            creates.write = self

    def dependencies(self):
        refs = [value for value in list(self.values.values()) + [self.target] if isinstance(value, Pending)]
        return self.after + [ref.write for ref in refs if ref.write is not None]

    def ready(self):
        return all(write.done for write in self.dependencies())

    def payload(self):
        return dict((field, resolved(value)) for field, value in self.values.items())

    @property
    def sys_id(self):
        return resolved(self.target) if self.target is not None else None

    def complete(self, answer):
        """Fold the instance's answer in: resolve the created record's Pending, verify, mark done."""
        if self.creates is not None:
            self.creates.value = answer["sys_id"]
        if self.on_answer is not None and answer is not None:
            self.on_answer(answer)
        self.done = True

    def describe(self):
        return "%s %s%s" % (self.method, self.table, "" if self.method == "POST" else " " + str(self.target))


class WriteExecutor:
    """Sends queued writes for one ServiceNow client, round after round."""

    def __init__(self, client, batch=True):
        self.client = client
        self.batch = batch  # False once the instance showed it takes no writes in a batch

    def run(self, writes):
        remaining = [write for write in writes if not write.done]
        while remaining:
            ready = [write for write in remaining if write.ready()]
            if not ready:
                raise RecordError("internal: queued writes wait on each other: %s" % ", ".join(
                    write.describe() for write in remaining))
            self._send(ready)
            remaining = [write for write in remaining if not write.done]

    def _send(self, writes):
        if self.batch and len(writes) > 1:
            try:
                answers = self.client.write_many(writes)
            except (NotFoundError, AccessDeniedError, UnexpectedContentError) as exc:
                self.client.log("Batch API not available for writes (%s); one request per write" % exc.status)
                self.batch = False
            else:
                self._fold(writes, answers)
                return
        for write in writes:
            write.complete(self.client.write_one(write))

    def _fold(self, writes, answers):
        """Complete what the batch did; a refused item is tried alone once (some instances refuse writes in a
        batch); an unserviced one stays queued for the next round. The first real failure raises at the end."""
        failure = None
        for write, (outcome, value) in zip(writes, answers):
            if outcome == "ok":
                write.complete(value)
            elif outcome == "refused" and failure is None:
                try:
                    write.complete(self.client.write_one(write))
                except AccessDeniedError as exc:
                    failure = exc
                else:
                    if self.batch:
                        self.client.log("%s was refused inside a batch but not alone: one request per write from "
                                        "now on" % write.describe())
                    self.batch = False
            elif outcome in ("refused", "failed") and failure is None:
                failure = value
        if failure is not None:
            raise failure
