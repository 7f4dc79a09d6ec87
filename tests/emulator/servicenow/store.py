"""SQLite persistence for the whole fleet: one connection, one re-entrant lock (the front is threaded).

Records of every instance live in one table as JSON objects of strings, keyed by (instance, sys_id) and
tagged with their concrete class, so a read of a parent table is a read of several classes. Clear values of
encrypted fields, inbound OAuth tokens and pending OAuth consent states have small tables of their own.
"""

import json
import sqlite3
import threading
from contextlib import contextmanager

_SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    name TEXT PRIMARY KEY, options TEXT NOT NULL, credentials TEXT NOT NULL, key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, instance TEXT NOT NULL, cls TEXT NOT NULL, sys_id TEXT NOT NULL,
    data TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS records_by_id ON records (instance, sys_id);
CREATE INDEX IF NOT EXISTS records_by_class ON records (instance, cls);
CREATE TABLE IF NOT EXISTS clear_values (
    instance TEXT NOT NULL, sys_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (instance, sys_id, field));
CREATE TABLE IF NOT EXISTS tokens (
    instance TEXT NOT NULL, token TEXT NOT NULL, kind TEXT NOT NULL, user_name TEXT NOT NULL,
    client_id TEXT NOT NULL, expires REAL NOT NULL, PRIMARY KEY (instance, token));
CREATE TABLE IF NOT EXISTS oauth_states (
    instance TEXT NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (instance, state));
"""


class Store:
    """Thread-safe access to the fleet database. Use ``with store.transaction():`` around a unit of work;
    nested transactions join the outer one, which commits (or rolls back on an exception)."""

    def __init__(self, path=":memory:"):
        self.path = path
        self.lock = threading.RLock()
        self._depth = 0
        self._db = sqlite3.connect(path, check_same_thread=False)
        if path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._db.commit()

    @contextmanager
    def transaction(self):
        with self.lock:
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._db.rollback()
                raise
            self._depth -= 1
            if self._depth == 0:
                self._db.commit()

    def close(self):
        with self.lock:
            self._db.close()

    # -- instances -----------------------------------------------------------------------------------------
    def load_instances(self):
        with self.lock:
            rows = self._db.execute("SELECT name, options, credentials, key FROM instances ORDER BY rowid").fetchall()
        return [(name, json.loads(options), json.loads(credentials), key) for name, options, credentials, key in rows]

    def save_instance(self, name, options, credentials, key):
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO instances VALUES (?, ?, ?, ?)",
                             (name, json.dumps(options), json.dumps(credentials), key))

    def delete_instance(self, name):
        with self.transaction():
            for table in ("instances", "records", "clear_values", "tokens", "oauth_states"):
                column = "name" if table == "instances" else "instance"
                self._db.execute("DELETE FROM %s WHERE %s = ?" % (table, column), (name,))

    # -- records -------------------------------------------------------------------------------------------
    def insert(self, instance, records):
        """Insert one record or a list of records (each a dict with sys_id and sys_class_name)."""
        if isinstance(records, dict):
            records = [records]
        with self.transaction():
            self._db.executemany(
                "INSERT INTO records (instance, cls, sys_id, data) VALUES (?, ?, ?, ?)",
                [(instance, r["sys_class_name"], r["sys_id"], json.dumps(r)) for r in records])

    def update(self, instance, record):
        with self.transaction():
            self._db.execute("UPDATE records SET data = ?, cls = ? WHERE instance = ? AND sys_id = ?",
                             (json.dumps(record), record["sys_class_name"], instance, record["sys_id"]))

    def delete(self, instance, sys_id):
        with self.transaction():
            cursor = self._db.execute("DELETE FROM records WHERE instance = ? AND sys_id = ?", (instance, sys_id))
            self._db.execute("DELETE FROM clear_values WHERE instance = ? AND sys_id = ?", (instance, sys_id))
            return cursor.rowcount > 0

    def get(self, instance, sys_id):
        with self.lock:
            row = self._db.execute("SELECT data FROM records WHERE instance = ? AND sys_id = ?",
                                   (instance, sys_id)).fetchone()
        return json.loads(row[0]) if row else None

    def rows(self, instance, classes):
        """Every record of the given classes, in insertion order."""
        marks = ",".join("?" * len(classes))
        with self.lock:
            rows = self._db.execute(
                "SELECT data FROM records WHERE instance = ? AND cls IN (%s) ORDER BY seq" % marks,
                [instance] + list(classes)).fetchall()
        return [json.loads(row[0]) for row in rows]

    # -- clear values of encrypted fields ----------------------------------------------------------------------
    def set_clear(self, instance, sys_id, field, value):
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO clear_values VALUES (?, ?, ?, ?)",
                             (instance, sys_id, field, value))

    def get_clear(self, instance, sys_id, field):
        with self.lock:
            row = self._db.execute("SELECT value FROM clear_values WHERE instance = ? AND sys_id = ? AND field = ?",
                                   (instance, sys_id, field)).fetchone()
        return row[0] if row else None

    # -- inbound OAuth tokens (oauth_token.do) -------------------------------------------------------------
    def add_token(self, instance, token, kind, user_name, client_id, expires):
        with self.transaction():
            self._db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?, ?)",
                             (instance, token, kind, user_name, client_id, expires))

    def get_token(self, instance, token, kind):
        with self.lock:
            row = self._db.execute(
                "SELECT user_name, client_id, expires FROM tokens WHERE instance = ? AND token = ? AND kind = ?",
                (instance, token, kind)).fetchone()
        return {"user_name": row[0], "client_id": row[1], "expires": row[2]} if row else None

    # -- OAuth consent in progress -------------------------------------------------------------------------
    def put_state(self, instance, state, data):
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO oauth_states VALUES (?, ?, ?)",
                             (instance, state, json.dumps(data)))

    def pop_state(self, instance, state):
        with self.transaction():
            row = self._db.execute("SELECT data FROM oauth_states WHERE instance = ? AND state = ?",
                                   (instance, state)).fetchone()
            self._db.execute("DELETE FROM oauth_states WHERE instance = ? AND state = ?", (instance, state))
        return json.loads(row[0]) if row else None
