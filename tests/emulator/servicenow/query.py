"""ServiceNow encoded queries (``sysparm_query``): parsing and evaluation.

Grammar handled: conditions ``<field><OP><value>`` joined by ``^`` (AND) and ``^OR`` (OR with the previous
condition, binding tighter than AND), ``^NQ`` (a new OR-ed query), ``ORDERBY<field>``/``ORDERBYDESC<field>``
and the UI's trailing ``^EQ``. Fields may dot-walk through references (``user.user_name=admin``).

Comparisons are on the stored strings and case-insensitive (ServiceNow's database collation); the ordering
operators compare numbers numerically.

A parsed query knows nothing of tables: ``bind`` applies ServiceNow's handling of invalid conditions (a field
the table does not have, a dot-walk through a non-reference, an unparseable token) once the caller says which
paths are valid.
"""

import re
from dataclasses import dataclass, field
from typing import List, Optional

_OPERATORS = ("ISNOTEMPTY", "ISEMPTY", "EMPTYSTRING", "ANYTHING", "NOT IN", "NOT LIKE", "DOESNOTCONTAIN",
              "STARTSWITH", "ENDSWITH", "LIKE", "IN", "!=", ">=", "<=", "=", ">", "<")
_CONDITION = re.compile(r"^([a-z0-9_][a-z0-9_.]*?)(%s)(.*)$" % "|".join(re.escape(op) for op in _OPERATORS),
                        re.DOTALL)
_NO_VALUE = frozenset(("ISNOTEMPTY", "ISEMPTY", "EMPTYSTRING", "ANYTHING"))


@dataclass
class Condition:
    path: Optional[str]  # None: the token could not be parsed
    operator: str
    value: str

    def test(self, resolve, record):
        return _compare(self.operator, resolve(record, self.path) or "", self.value)


@dataclass
class Query:
    """A parsed query: ``groups`` is an OR of AND-lists of OR-lists of conditions; ``order`` (path, desc)."""

    groups: List[List[List[Condition]]] = field(default_factory=list)
    order: List[tuple] = field(default_factory=list)
    nothing: bool = False

    def also(self, conditions):
        """AND ``conditions`` to every group (URL name-value filters)."""
        if conditions and not self.groups:
            self.groups.append([])
        for group in self.groups:
            group.extend([condition] for condition in conditions)
        return self

    def bind(self, valid, no_rows=False):
        """The query as an instance runs it. ServiceNow docs, Table API (c_TableAPI.md, sysparm_query): an
        invalid part is ignored and the rest applies; with glide.invalid_query.returns_no_rows=true (``no_rows``)
        the query returns no rows. Within an ^OR list only the invalid alternative goes; a group left without
        conditions matches every record. ORDERBY an unknown field is ignored either way."""
        def ok(condition):
            return condition.path is not None and valid(condition.path)
        order = [(path, descending) for path, descending in self.order if valid(path)]
        conditions = [c for group in self.groups for alternatives in group for c in alternatives]
        if no_rows and not all(ok(c) for c in conditions):
            return Query(order=order, nothing=True)
        groups = [[kept for kept in ([c for c in alternatives if ok(c)] for alternatives in group) if kept]
                  for group in self.groups]
        return Query(groups, order)

    def matches(self, record, resolve):
        if self.nothing:
            return False
        if not self.groups:
            return True
        return any(
            all(any(cond.test(resolve, record) for cond in alternatives) for alternatives in group)
            for group in self.groups
        )

    def apply(self, records, resolve, sort_key):
        """Filter and order ``records``; ``sort_key(record, path)`` gives an ordering key for ORDERBY."""
        selected = [r for r in records if self.matches(r, resolve)]
        for path, descending in reversed(self.order):
            selected.sort(key=lambda record, p=path: sort_key(record, p), reverse=descending)
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
        return Condition(None, "", token)
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
