"""A minimal in-memory stand-in for ServiceNowClient, for the reconciler's logic tests.

It keeps the Table API rules the reconciler depends on: values are stored as strings; queries compare
case-insensitively; a condition on a field the table does not have is dropped and the rest applied (ServiceNow's
default; ``invalid_query="no_rows"`` models ``glide.invalid_query.returns_no_rows=true``); fields a table does not
have are left out of answers and ignored in writes; encrypted fields are saved only when written with display
values, and answers show them per ``password2_answer`` (the stored opaque form, ``empty`` or ``masked``). Like the
real client, it checks every row it returns against the query. The full behaviour is tested against the emulator;
this fake exists so compare/check/diff logic is tested fast and in isolation.
"""

import itertools
import uuid

from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.query import as_query

ENCRYPTED = {"oauth_entity": {"client_secret"}, "basic_auth_credentials": {"password"}}
MASKED = "**masked**"


class FakeClient:
    host = "fake.service-now.com"

    def __init__(self, schema=None, invalid_query="ignore", password2_answer="stored"):
        self.tables = {}
        self.calls = []
        self.schema = schema or {}  # table -> set of fields (unknown fields are dropped like ServiceNow does)
        self.invalid_query = invalid_query
        self.password2_answer = password2_answer
        self._counter = itertools.count(1)

    # -- helpers for tests -----------------------------------------------------------------------------------
    def seed(self, table, **fields):
        sys_id = uuid.uuid4().hex
        self.tables.setdefault(table, {})[sys_id] = dict(((k, str(v)) for k, v in fields.items()), sys_id=sys_id)
        return sys_id

    @property
    def writes(self):
        return [call for call in self.calls if call[0] in ("create", "update", "delete")]

    def _has(self, table, field):
        allowed = self.schema.get(table)
        return allowed is None or field in allowed or field in ("sys_id", "sys_mod_count")

    # -- the client interface the reconciler uses ------------------------------------------------------------
    def _rows(self, table, query):
        conditions = []
        for condition in query.conditions:
            if self._has(table, condition.field.split(".")[0]):
                conditions.append(condition)
            elif self.invalid_query == "no_rows":
                return []
        rows = []
        for record in self.tables.get(table, {}).values():
            if all(condition.matches(record.get(condition.field, "")) for condition in conditions):
                rows.append(record)
        return rows

    def _project(self, table, record, fields):
        shown = dict(record)
        for field in ENCRYPTED.get(table, ()):
            if field in shown and self.password2_answer == "empty":
                shown[field] = ""
            elif field in shown and self.password2_answer == "masked":
                shown[field] = MASKED
        if not fields:
            return shown
        return dict((field, shown[field]) for field in fields if field in shown and self._has(table, field))

    def list(self, table, query=None, fields=None, limit=None):
        query = as_query(query)
        self.calls.append(("list", table, query.encode()))
        asked = sorted(set(fields) | set(query.fields) | {"sys_id"}) if fields else None
        rows = [self._project(table, r, asked) for r in self._rows(table, query)]
        query.verify(table, rows, self.host)
        return rows[:limit] if limit else rows

    def _store(self, table, record, data, display_value_input):
        for field, value in data.items():
            if not self._has(table, field):
                continue
            if field in ENCRYPTED.get(table, ()):
                if display_value_input:
                    record[field] = "enc:%d" % next(self._counter)
                continue
            record[field] = value

    def create(self, table, data, fields=None, display_value_input=False):
        self.calls.append(("create", table, dict(data)))
        sys_id = uuid.uuid4().hex
        record = {"sys_id": sys_id, "sys_mod_count": "0"}
        for field in self.schema.get(table, ()):
            record.setdefault(field, "")
        self._store(table, record, data, display_value_input)
        self.tables.setdefault(table, {})[sys_id] = record
        return self._project(table, record, fields)

    def update(self, table, sys_id, data, fields=None, display_value_input=False):
        self.calls.append(("update", table, sys_id, sorted(data), display_value_input))
        record = self.tables[table][sys_id]
        before = dict(record)
        self._store(table, record, data, display_value_input)
        if record != before:  # ServiceNow counts the updates that change a record
            record["sys_mod_count"] = str(int(record.get("sys_mod_count") or 0) + 1)
        return self._project(table, record, fields)

    def delete(self, table, sys_id):
        self.calls.append(("delete", table, sys_id))
        return self.tables.get(table, {}).pop(sys_id, None) is not None

    def list_many(self, reads, return_errors=False):
        del return_errors  # the fake refuses nothing
        return [self.list(table, query, fields=fields, limit=limit) for table, query, fields, limit in reads]


class FakeTask:
    """The TaskContext a module's logic gets, around a FakeClient."""

    def __init__(self, client, params, check_mode=False):
        self.servicenow = client
        self.params = params
        self.check_mode = check_mode
        self.warnings = []
        self.lines = []

    def reconciler(self):
        from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.records import Reconciler
        return Reconciler(self.servicenow, check_mode=self.check_mode, warn=self.warn)

    def warn(self, message):
        self.warnings.append(message)

    def log(self, message):
        self.lines.append(message)

    def progress(self, message):
        self.lines.append(message)


def _write_one(self, write):
    """One queued write (writes.Write) through create/update/delete, like the real client's write_one."""
    if write.method == "POST":
        return self.create(write.table, write.payload(), write.fields, write.display_value_input)
    if write.method == "PATCH":
        return self.update(write.table, write.sys_id, write.payload(), write.fields, write.display_value_input)
    self.delete(write.table, write.sys_id)
    return None


def _write_many(self, writes):
    """A batch of independent writes: answered in order, each like a single request."""
    self.calls.append(("batch", len(writes)))
    return [("ok", self.write_one(write)) for write in writes]


FakeClient.write_one = _write_one
FakeClient.write_many = _write_many
