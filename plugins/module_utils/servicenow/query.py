# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Encoded queries the client can check for itself.

ServiceNow does not refuse a condition on a field the table does not have: it drops the condition and applies the
rest, so a read meant for one record can answer with the whole table (unless the instance property
``glide.invalid_query.returns_no_rows`` is true, when it answers nothing). A query is therefore built here from
conditions that are both encoded for ``sysparm_query`` and evaluated on every row the instance returns: a row that
does not match what was asked for stops the run before anything is written (``UnverifiedRowError``), naming the
table, the query and the field that was probably ignored.

Comparisons follow ServiceNow's: on the stored strings, case-insensitively.
"""

from __future__ import annotations

from ..common.errors import OptionError, RecordError

VERIFY_HINT = ("Nothing was changed. Run playbooks/discover.yml against this instance (see docs/live-instance.md) "
               "and look the field up in System Definition > Dictionary.")


def to_snow(value):
    """A value in ServiceNow's stored form: strings, booleans as "true"/"false", whole numbers as digits."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class UnverifiedRowError(RecordError):
    """A read answered with a row that does not match its query: the instance ignored part of it."""


class Condition:
    """``field`` (a dot-walk path is fine) compared with ``value`` by ``operator``: ``=``, ``!=``, ``STARTSWITH``,
    ``IN`` (a list) or ``ISEMPTY``."""

    OPERATORS = ("=", "!=", "STARTSWITH", "IN", "ISEMPTY")

    def __init__(self, field, operator, value=None):
        if operator not in self.OPERATORS:
            raise ValueError("unsupported operator %r" % operator)
        self.field = field
        self.operator = operator
        if operator == "IN":
            self.value = [to_snow(item) for item in value]
            bad = [item for item in self.value if not item or "," in item or "^" in item]
        else:
            self.value = to_snow(value) if operator != "ISEMPTY" else None
            bad = [self.value] if self.value and "^" in self.value else []
        if bad:
            raise OptionError("%s %r cannot be used to find a record: a value holds ',' or '^', or is empty." % (
                field, bad[0]))

    def encode(self):
        if self.operator == "ISEMPTY":
            return "%sISEMPTY" % self.field
        if self.operator == "IN":
            return "%sIN%s" % (self.field, ",".join(self.value))
        return "%s%s%s" % (self.field, self.operator, self.value)

    def matches(self, actual):
        actual = (actual or "").lower()
        if self.operator == "ISEMPTY":
            return actual == ""
        if self.operator == "IN":
            return actual in [item.lower() for item in self.value]
        if self.operator == "STARTSWITH":
            return actual.startswith((self.value or "").lower())
        equal = actual == (self.value or "").lower()
        return equal if self.operator == "=" else not equal


class Query:
    """An AND of conditions. ``Query.of({"name": "x", "parent": None})``: ``name=x^parentISEMPTY``."""

    def __init__(self, *conditions):
        self.conditions = tuple(conditions)

    @classmethod
    def of(cls, identity):
        """``field=value`` for each item (an empty or None value: ``fieldISEMPTY``), in a stable order."""
        conditions = []
        for field, value in sorted(identity.items()):
            value = to_snow(value)
            conditions.append(Condition(field, "ISEMPTY") if value in (None, "") else Condition(field, "=", value))
        return cls(*conditions)

    def where(self, field, operator, value=None):
        """This query and one more condition."""
        return Query(*(self.conditions + (Condition(field, operator, value),)))

    @property
    def fields(self):
        """The fields a row must carry for the query to be checked on it."""
        return sorted(set(condition.field for condition in self.conditions))

    def encode(self):
        return "^".join(condition.encode() for condition in self.conditions)

    def __str__(self):
        return self.encode()

    def mismatch(self, row):
        """None when ``row`` matches; else (condition, what the row holds, or None when the field is missing)."""
        for condition in self.conditions:
            if condition.field not in row:
                return condition, None
            actual = row[condition.field]
            if isinstance(actual, dict):  # a reference read with its link: compare the sys_id
                actual = actual.get("value")
            if not condition.matches(actual):
                return condition, actual
        return None

    def verify(self, table, rows, host):
        """``rows`` unchanged when each matches; UnverifiedRowError (before anything acts on them) otherwise."""
        for row in rows:
            found = self.mismatch(row)
            if found is None:
                continue
            condition, actual = found
            said = ("did not return field %s" % condition.field if actual is None else
                    "returned a row with %s=%r" % (condition.field, actual))
            raise UnverifiedRowError(
                "ServiceNow instance %s answered a read of table %s (query %s) with a row that does not match it: it "
                "%s (sys_id %s). The instance ignored part of the query: field %s.%s may not exist here." % (
                    host, table, self.encode() or "(none)", said, row.get("sys_id", "?"), table,
                    condition.field), hint=VERIFY_HINT, table=table, query=self.encode(), field=condition.field)
        return rows


def as_query(query):
    """A Query from a Query, a dict identity or None (everything)."""
    if query is None:
        return Query()
    if isinstance(query, Query):
        return query
    if isinstance(query, dict):
        return Query.of(query)
    raise TypeError("a Query or an identity dict is required, not %r" % type(query).__name__)
