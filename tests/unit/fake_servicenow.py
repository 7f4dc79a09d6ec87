"""A minimal in-memory stand-in for ServiceNowClient, for the reconciler's logic tests.

It keeps the two Table API rules the reconciler depends on: values are stored as strings, and encrypted fields
are saved only when written with display values (and read back as an opaque value). The full behaviour is tested
against the emulator; this fake exists so compare/check/diff logic is tested fast and in isolation.
"""

import itertools
import uuid

ENCRYPTED = {"oauth_entity": {"client_secret"}, "basic_auth_credentials": {"password"}}


class FakeClient:
    host = "fake.service-now.com"

    def __init__(self, schema=None):
        self.tables = {}
        self.calls = []
        self.schema = schema or {}  # table -> set of fields (unknown fields are dropped like ServiceNow does)
        self._counter = itertools.count(1)

    # -- helpers for tests -----------------------------------------------------------------------------------
    def seed(self, table, **fields):
        sys_id = uuid.uuid4().hex
        self.tables.setdefault(table, {})[sys_id] = dict(((k, str(v)) for k, v in fields.items()), sys_id=sys_id)
        return sys_id

    @property
    def writes(self):
        return [call for call in self.calls if call[0] in ("create", "update", "delete")]

    # -- the client interface the reconciler uses ------------------------------------------------------------
    def _match(self, record, query):
        for condition in filter(None, query.split("^")):
            if condition.endswith("ISEMPTY"):
                if record.get(condition[:-7]):
                    return False
                continue
            field, _sep, value = condition.partition("=")
            if record.get(field) != value:
                return False
        return True

    def _project(self, record, fields):
        if not fields:
            return dict(record)
        return dict((field, record[field]) for field in fields if field in record)

    def list(self, table, query="", fields=None, limit=None):
        self.calls.append(("list", table, query))
        rows = [self._project(r, fields) for r in self.tables.get(table, {}).values() if self._match(r, query)]
        return rows[:limit] if limit else rows

    def _store(self, table, record, data, display_value_input):
        allowed = self.schema.get(table)
        for field, value in data.items():
            if allowed is not None and field not in allowed:
                continue
            if field in ENCRYPTED.get(table, ()):
                if display_value_input:
                    record[field] = "enc:%d" % next(self._counter)
                continue
            record[field] = value

    def create(self, table, data, fields=None, display_value_input=False):
        self.calls.append(("create", table, dict(data)))
        sys_id = uuid.uuid4().hex
        record = {"sys_id": sys_id}
        for field in self.schema.get(table, ()):
            record.setdefault(field, "")
        self._store(table, record, data, display_value_input)
        self.tables.setdefault(table, {})[sys_id] = record
        return self._project(record, fields)

    def update(self, table, sys_id, data, fields=None, display_value_input=False):
        self.calls.append(("update", table, sys_id, sorted(data), display_value_input))
        record = self.tables[table][sys_id]
        self._store(table, record, data, display_value_input)
        return self._project(record, fields)

    def delete(self, table, sys_id):
        self.calls.append(("delete", table, sys_id))
        return self.tables.get(table, {}).pop(sys_id, None) is not None
