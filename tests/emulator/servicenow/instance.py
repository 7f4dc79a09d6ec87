"""One emulated instance: its data operations (used by the Table API with business rules) and the in-process
Python API for tests (no request log, no business rules)."""

import base64
import hashlib
import hmac
import os

from . import query as encoded_query
from . import rules, schema, webhooks
from .schema import glide_time, is_sys_id, new_sys_id

_TRUE = frozenset(("true", "1", "yes", "y", "on"))
# Switches that may change on a running instance, then those that decide the seed.
RUNTIME_OPTIONS = ("hibernating", "sso_redirect", "mfa_users", "token_lifespan", "honor_body_scope",
                   "spoke_active", "spoke_version", "plugins_active", "inactive_plugins")
SEED_OPTIONS = ("admin_password", "viewer_password", "spoke_installed")
# Facts that differ between instances or that no public source settles: name -> (default, allowed values or
# type). A default is ServiceNow's documented behaviour where there is one. Settable at creation and at runtime.
SWITCHES = {
    # c_TableAPI.md, sysparm_query: an invalid part of a query is ignored, unless the property
    # glide.invalid_query.returns_no_rows is true ("no_rows").
    "invalid_query": ("ignore", ("ignore", "no_rows")),
    # [{"table", "query"}]: read ACLs hiding matching rows (of the table and its extensions) from every caller.
    "row_acls": ((), list),
    # Whether X-Total-Count counts rows hidden by ACLs: unconfirmed (the count is a select count(*),
    # c_TableAPI.md sysparm_no_count, and ACLs run after the query; UI lists count hidden rows).
    "total_count": ("before_acl", ("before_acl", "after_acl")),
    # What answers show for password2 columns: unconfirmed (evidence 4.2).
    "password2_answer": ("stored", ("stored", "empty", "masked")),
    # c_OAuthProviderAndScope.md: saving a third-party provider creates its default profile; that a REST
    # insert does is unconfirmed (evidence 3.2).
    "default_profile_on_insert": (True, bool),
    # Cascade rule of oauth_entity_profile.oauth_entity: unconfirmed; "clear" is the documented default rule
    # (t_CascadeDeleteRules.md).
    "registry_delete": ("clear", ("clear", "delete")),
    # ["table.field"]: columns this instance does not have (releases differ).
    "absent_fields": ((), list),
    # No public source shows these columns (evidence 1.11, 5.3): false adds them to absent_fields.
    "http_connection_order": (True, bool),
    "requestor_context_field": (True, bool),
    # DevOps docs: "Each credential must be linked to a unique OAuth entity profile"; enforcement unknown.
    "unique_profile_credentials": ("allow", ("allow", "enforce")),
    # connection-alias.md: "An alias can only contain alpha, number, and underscore characters"; real records
    # with spaces exist (evidence 1.15).
    "alias_names": ("strict", ("strict", "lenient")),
    # Where connection attribute definitions and values live: unconfirmed (evidence section 2).
    "attribute_model": ("var_model", ("var_model", "model_id")),
    # batch-api.md: items are processed one after another ("not intended for parallel transaction
    # processing"); their order is not promised in words; unconfirmed.
    "batch_order": ("in_order", ("in_order", "reverse")),
    # batch-api.md: any API may be batched, ACLs apply per item; "refused" stands for an ACL set-up that
    # forbids writes in a batch (plausible, unconfirmed).
    "batch_writes": ("allowed", ("allowed", "refused")),
    # Items past the first N go to unserviced_requests, as the 30 s limit does (batch-api.md); None: no cut.
    "batch_max_items": (None, int),
    # Whether a valid, unused sys_id in a POST body is kept: unconfirmed (evidence 6).
    "client_sys_id": ("honoured", ("honoured", "ignored")),
    # The inbound webhooks of the Jira spoke (setup-jira302-webhooks.md, Australia; see webhooks.py).
    # The docs name the "Jira Webhook Registries" module, not its table: one of the plausible names, or "absent"
    # (a spoke release without inbound webhooks). Unconfirmed.
    "webhook_registry_table": (schema.WEBHOOK_REGISTRY_TABLES[0], schema.WEBHOOK_REGISTRY_TABLES + ("absent",)),
    # The registry's column names (the docs give the form's labels: Name, Description, Token, Path, Callback URL
    # Type): unconfirmed.
    "webhook_registry_fields": ("plain", tuple(webhooks.FIELD_SETS)),
    # Whether a registry chooses its Callback URL Type (the spoke's release notes: HMAC webhooks from 5.4.0);
    # "token_only" has no such column.
    "webhook_callback_types": ("token_and_hmac", ("token_and_hmac", "token_only")),
    # "The system displays either the token-based callback URL or the HMAC-based callback URL": as a column of the
    # registry ("shown") or on the form only ("not_shown"). Unconfirmed.
    "webhook_callback_url": ("shown", ("shown", "not_shown")),
    # A token-based callback URL "uses a static token in the URL": the name of its parameter is unconfirmed.
    "webhook_token_parameter": ("token", ("token", "webhook_token")),
    # Whether the URL a registry shows follows a new token of its token record ("always": formed when shown) or is
    # formed when the registry itself is saved ("on_save"): unconfirmed.
    "webhook_callback_url_refresh": ("always", ("always", "on_save")),
    # Not a fact of the docs but a reality to survive: a customer's own global table labelled like the registry.
    "webhook_lookalike_table": (False, bool),
}
# The columns instance switches take away.
_SWITCHED_COLUMNS = (("http_connection_order", False, "sys_connection.order"),
                     ("requestor_context_field", False, "oauth_requestor_profile.requestor_context"),
                     ("attribute_model", "model_id", "var_dictionary.model"))
# A shown, never-changing value for every password2 column (password2_answer "masked").
MASKED_SECRET = "********"
# The reference whose cascade rule registry_delete sets.
REGISTRY_REFERENCE = ("oauth_entity_profile", "oauth_entity")


def check_switches(options):
    """Raise ValueError for a switch with a value it does not take."""
    for name, value in options.items():
        if name not in SWITCHES:
            continue
        allowed = SWITCHES[name][1]
        if isinstance(allowed, tuple):
            ok = value in allowed
        elif allowed is int:
            ok = value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)
        elif allowed is list:
            ok = isinstance(value, (list, tuple))
        else:
            ok = isinstance(value, allowed)
        if not ok:
            raise ValueError("option %s: %r is not one of %s" % (name, value, allowed if isinstance(allowed, tuple)
                                                                 else allowed.__name__))
    schema.absent_columns(options.get("absent_fields") or ())
    for acl in options.get("row_acls") or ():
        if not isinstance(acl, dict) or schema.table(acl.get("table")) is None or not isinstance(
                acl.get("query"), str):
            raise ValueError("row_acls: each entry is {\"table\": <emulated table>, \"query\": <encoded query>}")


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
        self.absent_tables = webhooks.absent_tables(self)
        self.absent = self._absent_columns()

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
        return self.options.get(name, SWITCHES[name][0] if name in SWITCHES else default)

    def _absent_columns(self):
        switched = [column for name, value, column in _SWITCHED_COLUMNS if self.option(name) == value]
        return schema.absent_columns(list(self.option("absent_fields")) + switched + webhooks.absent_columns(self))

    def has_table(self, table):
        """Whether this instance has ``table`` (an emulated table it does not lack: SWITCHES webhook_*)."""
        return table in schema.TABLES and table not in self.absent_tables

    def columns(self, table):
        """The columns ``table`` has on this instance."""
        return schema.columns(table, self.absent)

    def cascade_rule(self, table, field):
        """What deleting a record does to ``table.field`` references to it. ServiceNow docs, Configure cascade
        delete rules (t_CascadeDeleteRules.md): clearing the reference is the default rule."""
        if (table, field) == REGISTRY_REFERENCE:
            return self.option("registry_delete")
        return "clear"

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

    def shown_secret(self, column, stored):
        """What a Table API answer shows for an encrypted column (see SWITCHES["password2_answer"])."""
        mode = self.option("password2_answer") if column.kind == "password2" else "stored"
        return {"stored": stored or "", "empty": "", "masked": MASKED_SECRET}[mode]

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
        record = self.store.get(self.name, sys_id)
        if record is None and sys_id in schema.VIRTUAL_BY_ID:
            record = self._generated(schema.VIRTUAL_BY_ID[sys_id])
        if cache is not None:
            cache[sys_id] = record
        return record

    def _generated(self, row):
        """A generated row as this instance has it: none for an absent column; its own cascade rules."""
        if row["name"] in self.absent_tables:  # sys_db_object, sys_dictionary and sys_choice rows of the table
            return None
        if row["sys_class_name"] in ("sys_dictionary", "sys_choice"):
            if "%s.%s" % (row["name"], row["element"]) in self.absent:
                return None
            if row["sys_class_name"] == "sys_dictionary" and (row["name"], row["element"]) == REGISTRY_REFERENCE:
                rule = self.cascade_rule(*REGISTRY_REFERENCE)
                return dict(row, reference_cascade_rule="" if rule == "clear" else rule)  # "": the default
        return dict(row)

    def fetch(self, table, sys_id, cache=None):
        """A record of ``table`` (or a table extending it) by sys_id, or None."""
        record = self.lookup(sys_id, cache)
        if record is None or not schema.is_a(record.get("sys_class_name", ""), table):
            return None
        return record

    def rows(self, table):
        if table in self.absent_tables:
            return []
        definition = schema.table(table)
        if definition.virtual:
            return [row for row in map(self._generated, schema.VIRTUAL_ROWS[table]) if row is not None]
        return self.store.rows(self.name, schema.family(table))

    def resolver(self, table, cache):
        """A function (record, valid dotted path) -> value that dot-walks through references."""
        def resolve(record, path):
            current_table, current = table, record
            *walk, last = path.split(".")
            for part in walk:
                value = current.get(part, "") if current else ""
                current_table = self.columns(current_table)[part].reference
                current = self.fetch(current_table, value, cache) if value else None
            return current.get(last, "") if current else ""
        return resolve

    def field_at(self, table, path):
        """The Field a dotted path ends on on this instance (None if the path is invalid)."""
        current = table
        column = None
        for part in path.split("."):
            if not self.has_table(current):  # a non-reference, or a table this instance does not have
                return None
            column = self.columns(current).get(part)
            if column is None:
                return None
            current = column.reference
        return column

    def query(self, table, text, filters=(), cache=None):
        """An encoded query (and URL name-value ``filters``) as this instance runs it on ``table``."""
        cache = {} if cache is None else cache
        conditions = [encoded_query.Condition(path, "=", self._filter_value(table, path, value, cache))
                      for path, value in filters]
        parsed = encoded_query.parse(text).also(conditions)
        return parsed.bind(lambda path: self.field_at(table, path) is not None,
                           self.option("invalid_query") == "no_rows")

    def _filter_value(self, table, path, value, cache):
        # c_TableAPI.md, name-value pairs: a choice or reference field also takes its display value.
        column = self.field_at(table, path)
        if column is not None and column.kind in ("choice", "reference"):
            return self.coerce(column, value, True, cache) or value
        return value

    def select(self, table, query=None, cache=None, filters=()):
        """Records of ``table`` (and its children) matching an encoded query, in its order."""
        cache = {} if cache is None else cache
        resolve = self.resolver(table, cache)

        def sort_key(record, path):
            value = resolve(record, path) or ""
            if self.field_at(table, path).kind in ("integer", "decimal"):
                try:
                    return (0, float(value), "")
                except ValueError:
                    pass
            return (1, 0.0, value.lower())
        return self.query(table, query, filters, cache).apply(self.rows(table), resolve, sort_key)

    def hidden(self, record, cache=None):
        """Whether a row ACL of this instance (SWITCHES["row_acls"]) hides ``record`` from every caller."""
        cache = {} if cache is None else cache
        return any(schema.is_a(record["sys_class_name"], acl["table"])
                   and self.query(acl["table"], acl["query"], cache=cache).matches(
                       record, self.resolver(acl["table"], cache))
                   for acl in self.option("row_acls"))

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
        """Copy writable values onto ``record``; encrypted ones only with input display values. A name this
        instance has no column for is ignored (unconfirmed: the docs only say so of sysparm_fields)."""
        columns = self.columns(table)
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
        sys_id = values.get("sys_id") if self.option("client_sys_id") == "honoured" else None
        if not is_sys_id(sys_id) or self.lookup(sys_id) is not None:
            sys_id = new_sys_id()
        record = {name: column.default for name, column in self.columns(table).items()}
        record.update(sys_id=sys_id, sys_class_name=table, sys_created_on=stamp, sys_updated_on=stamp,
                      sys_created_by=user_name, sys_updated_by=user_name, sys_mod_count="0",
                      sys_scope=self._scope_for(values, cache), sys_domain="global", sys_tags="")
        pending = []
        for name, clear in self._apply(table, record, values, input_display, cache).items():
            self._seal_into(record, self.columns(table)[name], clear, pending)
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
                self._seal_into(record, self.columns(table)[name], clear, pending)
        if record == old:
            return old, False  # nothing changed: ServiceNow does not touch the record
        rules.before_write(self, table, old, record, user_name)
        record.update(sys_updated_on=glide_time(self.now()), sys_updated_by=user_name,
                      sys_mod_count=str(int(old.get("sys_mod_count") or 0) + 1))
        self.store.update(self.name, record)
        self._persist_clear(sys_id, pending)
        rules.after_update(self, table, old, record)
        return record, True

    def remove(self, table, sys_id):
        """Delete a record; each reference to it then follows its cascade rule (clear or delete)."""
        record = self.fetch(table, sys_id)
        if record is None:
            return False
        self.store.delete(self.name, sys_id)
        for ref_table, field in schema.references_to(record["sys_class_name"]):
            if "%s.%s" % (ref_table, field) in self.absent:
                continue
            rule = self.cascade_rule(ref_table, field)
            for other in [r["sys_id"] for r in self.rows(ref_table) if r.get(field) == sys_id]:
                if rule == "delete":
                    self.remove(ref_table, other)
                elif (referring := self.store.get(self.name, other)) is not None:
                    referring[field] = ""
                    self.store.update(self.name, referring)
        return True

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
            record = {name: column.default for name, column in self.columns(table).items()}
            record.update(sys_id=new_sys_id(), sys_class_name=table, sys_created_on=stamp, sys_updated_on=stamp,
                          sys_created_by="admin", sys_updated_by="admin", sys_scope="global")
            self._raw_update(table, record, fields)
            self.store.insert(self.name, record)
            return record["sys_id"]

    def tamper(self, table, sys_id, **fields):
        """Change a record behind the collection's back (as an administrator in the UI would; encrypted fields
        take clear values); returns it."""
        with self.store.transaction():
            record = self.fetch(table, sys_id)
            if record is None:
                raise KeyError("%s/%s not found on %s" % (table, sys_id, self.name))
            self._raw_update(record["sys_class_name"], record, fields)
            record.update(sys_updated_on=glide_time(self.now()), sys_updated_by="admin",
                          sys_mod_count=str(int(record.get("sys_mod_count") or 0) + 1))
            self.store.update(self.name, record)
            rules.after_update(self, table, None, record)
            return record

    def delete(self, table, sys_id):
        """Delete a record, with the cascade rules of the references to it."""
        with self.store.transaction():
            return self.remove(table, sys_id)

    def _raw_update(self, table, record, fields):
        for name, value in fields.items():
            column = self.columns(table).get(name)
            if column is None:
                raise KeyError("%s has no field %s on %s" % (table, name, self.name))
            if column.encrypted:
                self.store_secret(record, column, "" if value is None else str(value))
            else:
                record[name] = self.coerce(column, value)

    def set_options(self, **options):
        """Change runtime switches (hibernating, sso_redirect, mfa_users, token_lifespan, honor_body_scope), the
        spoke/plugin state (spoke_active, spoke_version, plugins_active, inactive_plugins) and SWITCHES."""
        from . import seed  # pylint: disable=import-outside-toplevel
        unknown = set(options) - set(RUNTIME_OPTIONS) - set(SWITCHES)
        if unknown:
            raise ValueError("options that cannot change on a running instance: %s" % ", ".join(sorted(unknown)))
        check_switches(options)
        if "mfa_users" in options:
            options["mfa_users"] = list(options["mfa_users"] or ())
        with self.store.transaction():
            self.options.update(options)
            self.absent_tables = webhooks.absent_tables(self)
            self.absent = self._absent_columns()
            seed.apply_options(self)
            self.store.save_instance(self.name, self.options, self.credentials, self.key.hex())

    def attribute_values(self, connection_id):
        """The attribute values of a connection as the spoke finds them under this instance's attribute_model:
        {element: value} (definitions of its alias or the alias's parent; values keyed by document)."""
        from . import seed  # pylint: disable=import-outside-toplevel
        with self.store.transaction():
            connection = self.fetch("sys_connection", connection_id)
            alias = self.fetch("sys_alias", connection.get("connection_alias")) if connection else None
            if alias is None:
                return {}
            link, document = seed.attribute_model(self)
            models = {alias["sys_id"], alias.get("parent")} - {""}
            definitions = {d["sys_id"]: d["element"] for d in self.rows("var_dictionary") if d.get(link) in models}
            return {definitions[v["variable"]]: v["value"] for v in self.rows("sys_variable_value")
                    if v.get("document") == document and v.get("document_key") == connection_id
                    and v.get("variable") in definitions}

    # -- OAuth (see oauth.py) ------------------------------------------------------------------------------
    def consent(self, credential, atlassian_user=None, decision="accept"):
        """Do what the administrator's "Get OAuth Token" click does; see oauth.consent."""
        from . import oauth  # pylint: disable=import-outside-toplevel
        return oauth.consent(self, credential, atlassian_user=atlassian_user, decision=decision)

    def fetch_client_credentials_token(self, credential):
        """Fetch a token for an OAuth credential whose profile uses the client credentials grant."""
        from . import oauth  # pylint: disable=import-outside-toplevel
        return oauth.fetch_client_credentials_token(self, credential)
