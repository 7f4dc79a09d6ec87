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

from ..common.errors import (
    AccessDeniedError,
    HTTPError,
    NotFoundError,
    RecordError,
    TransportError,
    UnexpectedContentError,
)


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
    or a Pending), ``values`` to send, ``fields`` to ask back; ``on_answer(record)`` verifies the answer.
    ``identity``: the fields that find the record a POST makes (to look for it when its answer is lost)."""

    def __init__(self, method, table, target, values=None, fields=None, label=None, after=(), creates=None,
                 display_value_input=False, on_answer=None, identity=None):
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
        self.identity = dict(identity or {})
        self.done = False
        self.attempts = 0
        if creates is not None:
            creates.write = self

    def dependencies(self):
        refs = [value for value in list(self.values.values()) + list(self.identity.values()) + [self.target]
                if isinstance(value, Pending)]
        return self.after + [ref.write for ref in refs if ref.write is not None and ref.write is not self]

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
        if self.method == "POST":
            return "the create of %s %s" % (self.label, self.creates.name if self.creates is not None else "")
        what = "the %s of %s %s" % ("update" if self.method == "PATCH" else "delete", self.label, self.target)
        return what + (" (its secret)" if self.display_value_input else "")


class OutcomeUnknownError(RecordError):
    """A write's answer was lost every time it was tried: it may have been applied."""


# Transport failures that happened before the request reached the server: resending is safe, whatever the method.
NOT_SENT = frozenset(("connection refused", "connect timeout", "proxy unreachable", "proxy refused",
                      "proxy closed the connection", "proxy timeout"))


class WriteExecutor:
    """Sends queued writes for one ServiceNow client, round after round.

    A write whose answer is lost (the connection dropped or timed out after the request left, or a 5xx) is
    recovered within the retry budget of the client's transport: an update or delete is sent again (they are
    idempotent; a delete answered 404 has happened), and a create is first looked for by its identity - found, it
    happened and is not sent again; not found, it is sent again. So a create is never applied twice.
    """

    def __init__(self, client, batch=True, sleep=None):
        self.client = client
        self.batch = batch  # False once the instance showed it takes no writes in a batch
        retry = getattr(getattr(client, "transport", None), "retry", None)
        self.retries = retry.retries if retry is not None else 4
        self.delay = retry.delay if retry is not None else (lambda attempt: 0.0)
        self.sleep = sleep or (retry.sleep if retry is not None else (lambda seconds: None))

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
                outcomes = self._lost(writes, self.client.write_many)
            except (NotFoundError, AccessDeniedError, UnexpectedContentError) as exc:
                self.client.log("Batch API not available for writes (%s); one request per write" % exc.status)
                self.batch = False
            else:
                self._fold(writes, outcomes)
                return
        self._fold(writes, [self._lost([write], lambda one: [("ok", self.client.write_one(one[0]))])[0]
                            for write in writes])

    @staticmethod
    def _lost(writes, send):
        """``send(writes)``'s outcomes, or, when the answer never arrived, "unknown" (it may have been applied) or
        "unsent" (it never left) for each write."""
        try:
            return send(writes)
        except TransportError as exc:
            if not exc.details.get("retryable"):
                raise
            return [("unsent" if exc.details.get("reason") in NOT_SENT else "unknown", exc)] * len(writes)
        except HTTPError as exc:
            if exc.status is None or exc.status < 500:
                raise
            return [("unknown", exc)] * len(writes)

    def _fold(self, writes, outcomes):
        """Complete what was done; a refused item is tried alone once (some instances refuse writes in a batch); an
        unserviced, unsent or lost one is tried again (a lost create first looked for). The first real failure
        raises at the end, once the rest is folded in."""
        failure = None
        again, look_for = [], []
        for write, (outcome, value) in zip(writes, outcomes):
            if outcome == "refused" and failure is None:
                try:
                    # Alone, its answer can be lost like any other's: folded in below the same way.
                    outcome, value = self._lost([write], lambda one: [("ok", self.client.write_one(one[0]))])[0]
                except AccessDeniedError as exc:
                    failure = exc
                    continue
                if self.batch:
                    self.client.log("%s was refused inside a batch but not alone: one request per write from "
                                    "now on" % write.describe())
                self.batch = False
            if outcome == "ok":
                write.complete(value)
            elif outcome in ("refused", "failed"):
                failure = failure or value
            elif outcome == "unserviced":
                continue  # the instance's batch time limit: sent in the next round
            else:
                write.attempts += 1
                self.client.log("%s got no answer (%s): %s" % (
                    write.describe(), value, "looked for" if write.method == "POST" and outcome == "unknown"
                    else "sent again"))
                if write.attempts > self.retries:
                    failure = failure or OutcomeUnknownError(
                        "%s on %s got no answer in %d attempts (%s), so it may or may not have been applied." % (
                            write.describe()[0].upper() + write.describe()[1:], self.client.host, write.attempts,
                            value), hint="Run again: the set-up finds what was applied and completes the rest.",
                        table=write.table)
                elif write.method == "POST" and outcome == "unknown":
                    look_for.append(write)
                else:
                    again.append(write)
        if look_for and failure is None:
            self._look_for(look_for)
        if failure is not None:
            raise failure
        if again or look_for:
            self.sleep(self.delay(max(write.attempts for write in again + look_for) - 1))

    def _look_for(self, writes):
        """Lost creates: read each by its identity. Found, it was applied (verified like an answer); not found, it
        stays queued to be sent again."""
        reads = [(write.table, dict((field, resolved(value)) for field, value in write.identity.items()),
                  write.fields, None) for write in writes]
        for write, rows in zip(writes, self.client.list_many(reads)):
            if len(rows) == 1:
                self.client.log("%s was applied although its answer was lost: not sent again" % write.describe())
                write.complete(rows[0])
            elif len(rows) > 1:
                raise RecordError(
                    "%d %s records now match %s on %s after %s lost its answer: %s." % (
                        len(rows), write.label, write.identity, self.client.host, write.describe(),
                        ", ".join(row.get("sys_id", "?") for row in rows)),
                    hint="Another run may be setting up the same instance: run again once it is done.",
                    table=write.table)
