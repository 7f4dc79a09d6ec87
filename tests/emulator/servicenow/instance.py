"""One emulated instance: its data operations (used by the Table API with business rules) and the in-process
Python API for tests (no request log, no business rules)."""

import base64
import hashlib
import hmac
import os

from . import query as encoded_query
from . import rules, schema
from .schema import glide_time, is_sys_id, new_sys_id

_TRUE = frozenset(("true", "1", "yes", "y", "on"))
# Switches that may change on a running instance, then those that decide the seed.
RUNTIME_OPTIONS = ("hibernating", "sso_redirect", "mfa_users", "token_lifespan", "honor_body_scope",
                   "spoke_active", "spoke_version", "plugins_active", "inactive_plugins")
SEED_OPTIONS = ("admin_password", "viewer_password", "spoke_installed")


class Instance:  # pylint: disable=too-many-instance-attributes,too-many-public-methods
    """An emulated ServiceNow instance of a ServiceNowFleet."""

    def __init__(self, fleet, name, options, credentials, key):
        self.fleet = fleet
        self.name = name
        self.options = options
        self.key = bytes.fromhex(key)
        self.admin_user = "admin"
        self.viewer_user = "viewer"
        self.admin_password = credentials["admin_password"]
        self.viewer_password = credentials["viewer_password"]
        self.api_key = credentials["api_key"]
        self.oauth_client_id = credentials["oauth_client_id"]
        self.oauth_client_secret = credentials["oauth_client_secret"]
        self.credentials = credentials

    def __repr__(self):
        return "<Instance %s>" % self.name

    # -- identity ------------------------------------------------------------------------------------------
    @property
    def host(self):
        return "%s.%s" % (self.name, self.fleet.domain)

    @property
    def url(self):
        return "https://" + self.host

    @property
    def store(self):
        return self.fleet.store

    def option(self, name, default=None):
        return self.options.get(name, default)

    def now(self):
        return self.fleet.clock()

    def summary(self):
        """What the control API reports about this instance (test credentials included)."""
        return {"name": self.name, "url": self.url, "options": dict(self.options),
                "admin_user": self.admin_user, "viewer_user": self.viewer_user, **self.credentials}

    # -- encrypted values ----------------------------------------------------------------------------------
    def seal(self, clear):
        """An opaque stored form of a secret: a random nonce and an HMAC of the value; never the clear text."""
        nonce = os.urandom(12)
        digest = hmac.new(self.key, nonce + clear.encode("utf-8"), hashlib.sha256).digest()
        return base64.b64encode(nonce + digest).decode("ascii")

    def sealed_matches(self, sealed, clear):
        """Whether ``sealed`` (from seal) is the sealed form of ``clear``."""
        try:
            raw = base64.b64decode(sealed.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            return False
        if len(raw) != 44:
            return False
        digest = hmac.new(self.key, raw[:12] + clear.encode("utf-8"), hashlib.sha256).digest()
        return hmac.compare_digest(digest, raw[12:])

    def store_secret(self, record, column, clear):
        """Set an encrypted column of ``record`` now (Python API: no rules to wait for)."""
        pending = []
        self._seal_into(record, column, clear, pending)
        self._persist_clear(record["sys_id"], pending)

    def _seal_into(self, record, column, clear, pending):
        record[column.name] = self.seal(clear) if clear else ""
        if column.kind == "password2":  # two-way: the instance can decrypt it (e.g. to send a client secret)
            pending.append((column.name, clear))

    def _persist_clear(self, sys_id, pending):
        for name, clear in pending:
            self.store.set_clear(self.name, sys_id, name, clear)

    def clear_value(self, table, sys_id, field):
        """The clear text of a two-way encrypted field as last saved (None when never set): for tests that
        check the collection stored the right secret."""
        record = self.get(table, sys_id)
        if record is None or not record.get(field):
            return None
        return self.store.get_clear(self.name, sys_id, field)

    # -- reading -------------------------------------------------------------------------------------------
    def lookup(self, sys_id, cache=None):
        """Any record of this instance by sys_id (stored or generated), whatever its table."""
        if not sys_id:
            return None
        if cache is not None and sys_id in cache:
            return cache[sys_id]
        record = self.store.get(self.name, sys_id) or schema.VIRTUAL_BY_ID.get(sys_id)
        if cache is not None:
            cache[sys_id] = record
        return record

    def fetch(self, table, sys_id, cache=None):
        """A record of ``table`` (or a table extending it) by sys_id, or None."""
        record = self.lookup(sys_id, cache)
        if record is None or not schema.is_a(record.get("sys_class_name", ""), table):
            return None
        return record

    def rows(self, table):
        definition = schema.table(table)
        if definition.virtual:
            return [dict(row) for row in schema.VIRTUAL_ROWS[table]]
        return self.store.rows(self.name, schema.family(table))

    def resolver(self, table, cache):
        """A function (record, dotted path) -> (known, value) that dot-walks through references."""
        def resolve(record, path):
            current_table, current = table, record
            parts = path.split(".")
            for index, part in enumerate(parts):
                column = schema.table(current_table).all_fields.get(part)
                if column is None:
                    return False, None
                value = current.get(part, "") if current is not None else ""
                if index == len(parts) - 1:
                    return True, value
                if column.kind != "reference":
                    return False, None
                current_table = column.reference
                current = self.fetch(current_table, value, cache) if value else None
            return False, None
        return resolve

    def field_at(self, table, path):
        """The Field a dotted path ends on (None if the path is invalid)."""
        current = table
        column = None
        for part in path.split("."):
            if current is None:
                return None
            column = schema.table(current).all_fields.get(part)
            if column is None:
                return None
            current = column.reference
        return column

    def select(self, table, query=None, cache=None):
        """Records of ``table`` (and its children) matching an encoded query, in its order."""
        cache = {} if cache is None else cache
        parsed = encoded_query.parse(query)
        resolve = self.resolver(table, cache)

        def sort_key(record, path):
            value = resolve(record, path)[1] or ""
            column = self.field_at(table, path)
            if column is not None and column.kind == "integer":
                try:
                    return (0, float(value), "")
                except ValueError:
                    pass
            return (1, 0.0, value.lower())
        return parsed.apply(self.rows(table), resolve, sort_key)

    def display_value(self, table, record):
        """The display value of a record (its table's display field)."""
        if record is None:
            return ""
        definition = schema.table(record.get("sys_class_name") or table) or schema.table(table)
        return record.get(definition.display or "name", "") or ""

    # -- writing with business rules (Table API) -----------------------------------------------------------
    def coerce(self, column, raw, input_display=False, cache=None):
        """A written JSON value as the stored string; input display values resolved when asked."""
        if raw is None:
            return ""
        if isinstance(raw, dict):
            raw = raw.get("value", "")
        if isinstance(raw, bool):
            raw = "true" if raw else "false"
        value = raw if isinstance(raw, str) else str(raw)
        if column.kind == "boolean":
            return "true" if value.strip().lower() in _TRUE else "false"
        if column.kind == "integer" and value.strip():
            try:
                return str(int(float(value)))
            except ValueError:
                return value
        if input_display and column.kind == "choice":
            return column.choice_value(value)
        if input_display and column.kind == "reference" and value:
            if self.fetch(column.reference, value, cache) is not None:
                return value
            for candidate in self.rows(column.reference):
                if self.display_value(column.reference, candidate).lower() == value.lower():
                    return candidate["sys_id"]
            return ""
        return value

    def _apply(self, table, record, values, input_display, cache):
        """Copy writable values onto ``record``; encrypted ones only with input display values."""
        columns = schema.table(table).all_fields
        secrets = {}
        for name, raw in values.items():
            column = columns.get(name)
            if column is None or name in schema.SYSTEM_FIELD_NAMES:
                continue
            if column.encrypted:
                if input_display:  # without it ServiceNow silently keeps the old value
                    secrets[name] = "" if raw is None else str(raw)
                continue
            record[name] = self.coerce(column, raw, input_display, cache)
        return secrets

    def create(self, table, values, user_name, input_display=False):
        """Insert through the business rules (raises rules.RuleAbort); returns the stored record."""
        cache = {}
        stamp = glide_time(self.now())
        sys_id = values.get("sys_id")
        if not is_sys_id(sys_id) or self.lookup(sys_id) is not None:
            sys_id = new_sys_id()
        record = {name: column.default for name, column in schema.table(table).all_fields.items()}
        record.update(sys_id=sys_id, sys_class_name=table, sys_created_on=stamp, sys_updated_on=stamp,
                      sys_created_by=user_name, sys_updated_by=user_name, sys_mod_count="0",
                      sys_scope=self._scope_for(values, cache), sys_domain="global", sys_tags="")
        pending = []
        for name, clear in self._apply(table, record, values, input_display, cache).items():
            self._seal_into(record, schema.table(table).all_fields[name], clear, pending)
        rules.before_write(self, table, None, record, user_name)
        self.store.insert(self.name, record)
        self._persist_clear(sys_id, pending)
        rules.after_insert(self, table, record, user_name)
        return record

    def _scope_for(self, values, cache):
        # Records created over REST land in the session's scope: global (sys_id "global"). An instance option
        # lets tests model the opposite answer to this unconfirmed fact: honour a sys_scope in the body.
        wanted = values.get("sys_scope")
        if wanted and self.option("honor_body_scope"):
            column = schema.table("sys_scope").all_fields["sys_scope"]
            resolved = self.coerce(column, wanted, True, cache)
            if not resolved:
                matches = self.select("sys_scope", "scope=%s" % wanted)
                resolved = matches[0]["sys_id"] if matches else ""
            if resolved:
                return resolved
        return "global"

    def modify(self, table, sys_id, values, user_name, input_display=False):
        """Update through the business rules; returns (record, changed) or (None, False) if not found."""
        cache = {}
        old = self.fetch(table, sys_id, cache)
        if old is None:
            return None, False
        record = dict(old)
        pending = []
        for name, clear in self._apply(table, record, values, input_display, cache).items():
            if clear or record.get(name):
                self._seal_into(record, schema.table(table).all_fields[name], clear, pending)
        if record == old:
            return old, False  # nothing changed: ServiceNow does not touch the record
        rules.before_write(self, table, old, record, user_name)
        record.update(sys_updated_on=glide_time(self.now()), sys_updated_by=user_name,
                      sys_mod_count=str(int(old.get("sys_mod_count") or 0) + 1))
        self.store.update(self.name, record)
        self._persist_clear(sys_id, pending)
        return record, True

    def remove(self, table, sys_id):
        """Delete (no cascade: children and referencing records stay)."""
        if self.fetch(table, sys_id) is None:
            return False
        return self.store.delete(self.name, sys_id)

    # -- roles ---------------------------------------------------------------------------------------------
    def user(self, user_name):
        for record in self.rows("sys_user"):
            if record.get("user_name", "").lower() == (user_name or "").lower():
                return record
        return None

    def roles_of(self, user_record):
        roles = set()
        for link in self.rows("sys_user_has_role"):
            if link.get("user") == user_record["sys_id"] and link.get("state", "active") == "active":
                role = self.lookup(link.get("role"))
                if role is not None:
                    roles.add(role.get("name"))
        return roles

    def is_admin(self, user_record):
        return "admin" in self.roles_of(user_record)

    # -- Python API for tests (no business rules, no request log) ------------------------------------------
    def records(self, table, query=None):
        """Stored records (dicts of strings) of ``table`` and its children matching an encoded query."""
        with self.store.transaction():
            return self.select(table, query)

    def get(self, table, sys_id):
        with self.store.transaction():
            return self.fetch(table, sys_id)

    def insert(self, table, **fields):
        """Insert a record directly; encrypted fields take clear values (stored sealed). Returns its sys_id."""
        with self.store.transaction():
            stamp = glide_time(self.now())
            definition = schema.table(table)
            record = {name: column.default for name, column in definition.all_fields.items()}
            record.update(sys_id=new_sys_id(), sys_class_name=table, sys_created_on=stamp, sys_updated_on=stamp,
                          sys_created_by="admin", sys_updated_by="admin", sys_scope="global")
            self._raw_update(definition, record, fields)
            self.store.insert(self.name, record)
            return record["sys_id"]

    def tamper(self, table, sys_id, **fields):
        """Change a record behind the collection's back (as an administrator in the UI would; encrypted fields
        take clear values); returns it."""
        with self.store.transaction():
            record = self.fetch(table, sys_id)
            if record is None:
                raise KeyError("%s/%s not found on %s" % (table, sys_id, self.name))
            self._raw_update(schema.table(record["sys_class_name"]), record, fields)
            record.update(sys_updated_on=glide_time(self.now()), sys_updated_by="admin",
                          sys_mod_count=str(int(record.get("sys_mod_count") or 0) + 1))
            self.store.update(self.name, record)
            return record

    def delete(self, table, sys_id):
        with self.store.transaction():
            return self.remove(table, sys_id)

    def _raw_update(self, definition, record, fields):
        for name, value in fields.items():
            column = definition.all_fields.get(name)
            if column is None:
                raise KeyError("%s has no field %s" % (definition.name, name))
            if column.encrypted:
                self.store_secret(record, column, "" if value is None else str(value))
            else:
                record[name] = self.coerce(column, value)

    def set_options(self, **options):
        """Change runtime switches (hibernating, sso_redirect, mfa_users, token_lifespan, honor_body_scope) and
        the spoke/plugin state (spoke_active, spoke_version, plugins_active, inactive_plugins)."""
        from . import seed  # pylint: disable=import-outside-toplevel
        unknown = set(options) - set(RUNTIME_OPTIONS)
        if unknown:
            raise ValueError("options that cannot change on a running instance: %s" % ", ".join(sorted(unknown)))
        if "mfa_users" in options:
            options["mfa_users"] = list(options["mfa_users"] or ())
        with self.store.transaction():
            self.options.update(options)
            seed.apply_spoke_state(self)
            self.store.save_instance(self.name, self.options, self.credentials, self.key.hex())

    # -- OAuth (see oauth.py) ------------------------------------------------------------------------------
    def consent(self, credential, atlassian_user=None, decision="accept"):
        """Do what the administrator's "Get OAuth Token" click does; see oauth.consent."""
        from . import oauth  # pylint: disable=import-outside-toplevel
        return oauth.consent(self, credential, atlassian_user=atlassian_user, decision=decision)

    def fetch_client_credentials_token(self, credential):
        """Fetch a token for an OAuth credential whose profile uses the client credentials grant."""
        from . import oauth  # pylint: disable=import-outside-toplevel
        return oauth.fetch_client_credentials_token(self, credential)
