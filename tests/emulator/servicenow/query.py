"""ServiceNow encoded queries (``sysparm_query``): parsing and evaluation.

Grammar handled: conditions ``<field><OP><value>`` joined by ``^`` (AND) and ``^OR`` (OR with the previous
condition, binding tighter than AND), ``^NQ`` (a new OR-ed query), ``ORDERBY<field>``/``ORDERBYDESC<field>``
and the UI's trailing ``^EQ``. Fields may dot-walk through references (``user.user_name=admin``).

Comparisons are on the stored strings and case-insensitive (ServiceNow's database collation); the ordering
operators compare numbers numerically. Deliberate simplification: a condition on a field that does not exist
(or that cannot be parsed) matches nothing, where real ServiceNow may ignore the condition and return the
unfiltered set; tests can therefore rely on a typo giving an empty answer instead of every record.
"""

import re
from dataclasses import dataclass, field
from typing import List

_OPERATORS = ("ISNOTEMPTY", "ISEMPTY", "EMPTYSTRING", "ANYTHING", "NOT IN", "NOT LIKE", "DOESNOTCONTAIN",
              "STARTSWITH", "ENDSWITH", "LIKE", "IN", "!=", ">=", "<=", "=", ">", "<")
_CONDITION = re.compile(r"^([a-z0-9_][a-z0-9_.]*?)(%s)(.*)$" % "|".join(re.escape(op) for op in _OPERATORS),
                        re.DOTALL)
_NO_VALUE = frozenset(("ISNOTEMPTY", "ISEMPTY", "EMPTYSTRING", "ANYTHING"))


@dataclass
class Condition:
    path: str
    operator: str
    value: str

    def test(self, resolve, record):
        known, actual = resolve(record, self.path)
        if not known:
            return False
        return _compare(self.operator, actual or "", self.value)


@dataclass
class Query:
    """A parsed query: ``groups`` is an OR of AND-lists of OR-lists of conditions; ``order`` (path, desc)."""

    groups: List[List[List[Condition]]] = field(default_factory=list)
    order: List[tuple] = field(default_factory=list)
    invalid: bool = False

    def matches(self, record, resolve):
        if self.invalid:
            return False
        if not self.groups:
            return True
        return any(
            all(any(cond.test(resolve, record) for cond in alternatives) for alternatives in group)
            for group in self.groups
        )

    def apply(self, records, resolve, sort_key=None):
        """Filter and order ``records``; ``sort_key(record, path)`` gives an ordering key for ORDERBY."""
        selected = [r for r in records if self.matches(r, resolve)]
        key = sort_key or (lambda record, path: (resolve(record, path)[1] or "").lower())
        for path, descending in reversed(self.order):
            selected.sort(key=lambda record, p=path: key(record, p), reverse=descending)
        return selected


def parse(text):
    """Parse an encoded query string (None or "" gives a query that matches everything)."""
    query = Query()
    if not text:
        return query
    group = []
    for token in text.split("^"):
        if not token or token == "EQ":
            continue
        if token.startswith("ORDERBYDESC"):
            query.order.append((token[len("ORDERBYDESC"):], True))
            continue
        if token.startswith("ORDERBY"):
            query.order.append((token[len("ORDERBY"):], False))
            continue
        new_group = token.startswith("NQ")
        if new_group:
            token = token[2:]
            if group:
                query.groups.append(group)
            group = []
        alternative = token.startswith("OR") and not new_group
        if alternative:
            token = token[2:]
        condition = _parse_condition(token)
        if condition is None:
            query.invalid = True
            continue
        if alternative and group:
            group[-1].append(condition)
        else:
            group.append([condition])
    if group:
        query.groups.append(group)
    return query


def _parse_condition(token):
    match = _CONDITION.match(token)
    if match is None:
        return None
    path, operator, value = match.groups()
    if operator in _NO_VALUE:
        value = ""
    return Condition(path, operator, value)


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


def _compare(operator, actual, expected):  # pylint: disable=too-many-return-statements
    left, right = actual.lower(), expected.lower()
    if operator == "=":
        return left == right
    if operator == "!=":
        return left != right
    if operator == "IN":
        return left in [item.strip().lower() for item in expected.split(",")]
    if operator == "NOT IN":
        return left not in [item.strip().lower() for item in expected.split(",")]
    if operator == "STARTSWITH":
        return left.startswith(right)
    if operator == "ENDSWITH":
        return left.endswith(right)
    if operator == "LIKE":
        return right in left
    if operator in ("NOT LIKE", "DOESNOTCONTAIN"):
        return right not in left
    if operator in ("ISEMPTY", "EMPTYSTRING"):
        return left == ""
    if operator == "ISNOTEMPTY":
        return left != ""
    if operator == "ANYTHING":
        return True
    a_num, b_num = _number(actual), _number(expected)
    if a_num is not None and b_num is not None:
        left, right = a_num, b_num
    if operator == ">":
        return left > right
    if operator == "<":
        return left < right
    if operator == ">=":
        return left >= right
    return left <= right
