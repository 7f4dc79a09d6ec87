# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Jira spoke's webhook registry as an instance has it: the only code that knows what ServiceNow does not
document about it.

Documented ("Set up a bi-directional webhook for the Jira spoke", Australia): a token record in ``token_verification``
(Name, Description, Token); a record of the "Jira Webhook Registries" module (Name, Description, Token, Path, the
Path defaulting to ``DEFAULT_PATH``); its Callback URL Type, "Token-based Callback URL" (a static token in the URL)
or "HMAC-based Callback URL" (the token is then the Jira webhook's secret); the form shows the callback URL.

Not documented, so found on the instance at run time, each fact in one place below and reported by
``playbooks/discover.yml`` (``discover``):

1. ``TABLE``: the registry's table, looked up in ``sys_db_object`` by its label (``REGISTRY_LABELS``) in the spoke's
   application scope (``find_table``), or given (``registry_table``) and then checked there;
2. ``FIELDS``: the names of its columns (and of ``token_verification``'s), looked up in ``sys_dictionary`` by the
   labels the form shows (``FIELD_LABELS``, ``TOKEN_LABELS``); the Token column must reference
   ``token_verification``;
3. ``TYPE``: the column that selects the callback type (label in ``TYPE_LABELS``) and its two choice values, taken
   from ``sys_choice`` by their labels (one names HMAC, the other a token). Without that column the registry knows
   token-based callbacks only (the spoke's release notes add HMAC webhooks in 5.4.0);
4. ``URL``: how the callback URL is formed. The URL the instance shows is read back from a column whose label names
   a callback URL (``url_field``); without one the collection derives it (``derive_url``: the instance URL and the
   path, and for a token-based URL the token as the URL parameter ``token_parameter``, by default ``token``), and
   says so.

A fact that cannot be established stops the module before any write (``UnconfirmedFactError``, naming it).
"""

from __future__ import annotations

from urllib.parse import quote

from ..common.errors import RecordError
from .query import Query
from .reads import Reads

DEFAULT_PATH = "api/sn_jira_spoke/jira_webhook_callbacks/wh_entry"
TOKEN_TABLE = "token_verification"  # documented: "In the navigation filter, enter token_verification.list"
DEFAULT_TOKEN_PARAMETER = "token"

# 1. TABLE: the module is "Jira Webhook Registries"; a table's label is usually the singular of its module's.
REGISTRY_LABELS = ("Jira Webhook Registry", "Jira Webhook Registries")
# 2. FIELDS: the labels of the form's fields (documented), by the role each plays.
FIELD_LABELS = {"name": ("Name",), "description": ("Description",), "token": ("Token",), "path": ("Path",)}
TOKEN_LABELS = {"name": ("Name",), "description": ("Description",), "token": ("Token",)}
# 3. TYPE: "Choose how you want to authenticate callback requests" - the column headed "Callback URL Type".
TYPE_LABELS = ("Callback URL Type", "Callback Type")
CALLBACK_TYPES = ("token", "hmac")
# 4. URL: a column showing the URL: its label names a callback URL ("Token-based Callback URL", "Callback URL").
URL_LABEL = "callback url"

DICTIONARY_FIELDS = ["name", "element", "column_label", "internal_type", "reference"]
FACT_HINT = ("Nothing was written. Run playbooks/discover.yml against this instance and see docs/live-instance.md "
             "(the Jira webhook registry).")


class UnconfirmedFactError(RecordError):
    """The instance does not have what an undocumented fact of the registry needs; ``fact`` names it."""


def _norm(label):
    return " ".join(str(label or "").lower().replace("-", " ").split())


def _refuse(fact, message, host, **details):
    raise UnconfirmedFactError("%s on %s (fact %s)." % (message, host, fact), hint=FACT_HINT, fact=fact, **details)


# -- round 1 ----------------------------------------------------------------------------------------------------
def first_reads(registry_table, spoke_scope):
    """The registry's table (by name when given, else by label in the spoke's scope) and the token table's columns."""
    reads = Reads()
    fields = ["name", "label", "sys_scope", "sys_scope.scope"]
    if registry_table:
        reads.add("wh_tables", "sys_db_object", {"name": registry_table}, fields)
    else:
        reads.add("wh_tables", "sys_db_object", Query().where("label", "IN", REGISTRY_LABELS).where(
            "sys_scope.scope", "=", spoke_scope), fields)
    reads.add("wh_token_table", "sys_db_object", {"name": TOKEN_TABLE}, ["name", "label"])
    reads.add("wh_token_dictionary", "sys_dictionary", {"name": TOKEN_TABLE}, DICTIONARY_FIELDS)
    return reads


def find_table(rows, registry_table, spoke_scope, host):
    """1. TABLE: the one registry table, as a sys_db_object row."""
    if registry_table:
        if not rows:
            _refuse("TABLE", "There is no table %s (registry_table)" % registry_table, host, table=registry_table)
        return rows[0]
    if len(rows) > 1:
        _refuse("TABLE", "Several tables of application scope %s are labelled %s: %s" % (
            spoke_scope, " or ".join(repr(label) for label in REGISTRY_LABELS),
            ", ".join(row["name"] for row in rows)), host, tables=[row["name"] for row in rows])
    if not rows:
        _refuse("TABLE", "No table of application scope %s is labelled %s, so the Jira webhook registry's table "
                "cannot be found (it is not documented; a Jira spoke without inbound webhooks has none): give "
                "registry_table if you know it" % (spoke_scope, " or ".join(repr(label) for label in REGISTRY_LABELS)),
                host)
    return rows[0]


def _columns(rows):
    return [row for row in rows if row.get("element") and not row["element"].startswith("sys_")]


def _by_label(rows, labels, table, role, host, fact="FIELDS"):
    wanted = set(_norm(label) for label in labels)
    matches = [row for row in rows if _norm(row.get("column_label")) in wanted]
    if len(matches) > 1:
        _refuse(fact, "Table %s has several columns labelled %s: %s" % (
            table, " or ".join(repr(label) for label in labels), ", ".join(row["element"] for row in matches)),
            host, table=table, field=role)
    if not matches:
        _refuse(fact, "Table %s has no column labelled %s (the %s field of the form)" % (
            table, " or ".join(repr(label) for label in labels), role), host, table=table, field=role)
    return matches[0]


def token_fields(found, host):
    """2. FIELDS of token_verification: {role: element}."""
    if not found["wh_token_table"]:
        _refuse("FIELDS", "There is no table %s (the documented Token Verifications table)" % TOKEN_TABLE, host,
                table=TOKEN_TABLE)
    rows = _columns(found["wh_token_dictionary"])
    fields = dict((role, _by_label(rows, labels, TOKEN_TABLE, role, host)["element"])
                  for role, labels in TOKEN_LABELS.items())
    return fields


# -- round 2 ----------------------------------------------------------------------------------------------------
def second_reads(table):
    reads = Reads()
    reads.add("wh_dictionary", "sys_dictionary", {"name": table}, DICTIONARY_FIELDS)
    reads.add("wh_choices", "sys_choice", {"name": table}, ["name", "element", "value", "label", "inactive"])
    return reads


class Schema:
    """What the instance's registry is: ``table``, ``fields`` (role -> element), ``type_field`` (or None) and its
    ``choices`` (callback type -> value), ``url_fields`` (callback type -> element, or None), ``token_fields``."""

    def __init__(self, table, label, scope, fields, type_field, choices, url_fields, token_fields_):
        self.table = table
        self.label = label
        self.scope = scope
        self.fields = fields
        self.type_field = type_field
        self.choices = choices
        self.url_fields = url_fields
        self.token_fields = token_fields_

    @classmethod
    def build(cls, table_row, token_columns, found, host, token_table_id=None):
        table = table_row["name"]
        rows = _columns(found["wh_dictionary"])
        fields = dict((role, _by_label(rows, labels, table, role, host)) for role, labels in FIELD_LABELS.items())
        token = fields["token"]
        if token.get("internal_type") != "reference" or token.get("reference") not in (TOKEN_TABLE, token_table_id):
            _refuse("FIELDS", "Column %s.%s (Token) is a %s%s, not a reference to %s" % (
                table, token["element"], token.get("internal_type") or "column",
                " to %s" % token["reference"] if token.get("reference") else "", TOKEN_TABLE), host,
                table=table, field="token")
        type_rows = [row for row in rows if _norm(row.get("column_label")) in set(map(_norm, TYPE_LABELS))]
        if len(type_rows) > 1:
            _refuse("TYPE", "Table %s has several columns labelled %s: %s" % (
                table, " or ".join(repr(label) for label in TYPE_LABELS), ", ".join(r["element"] for r in type_rows)),
                host, table=table)
        type_field, choices = None, {}
        if type_rows:
            type_field = type_rows[0]["element"]
            for choice in found["wh_choices"]:
                if choice.get("element") != type_field or str(choice.get("inactive")).lower() == "true":
                    continue
                label = _norm(choice.get("label"))
                kind = "hmac" if "hmac" in label else "token" if "token" in label else None
                if kind and kind not in choices:
                    choices[kind] = choice.get("value")
            missing = [kind for kind in CALLBACK_TYPES if kind not in choices]
            if missing:
                _refuse("TYPE", "Column %s.%s (Callback URL Type) offers no choice labelled for %s callbacks" % (
                    table, type_field, " or ".join("HMAC" if kind == "hmac" else "token-based" for kind in missing)),
                    host, table=table, field=type_field)
        url_fields = {"token": None, "hmac": None}
        for row in rows:
            label = _norm(row.get("column_label"))
            if row["element"] == type_field or URL_LABEL not in label:
                continue
            kinds = [kind for kind in CALLBACK_TYPES if kind in label] or list(CALLBACK_TYPES)
            for kind in kinds:
                url_fields[kind] = url_fields[kind] or row["element"]
        return cls(table, table_row.get("label"), table_row.get("sys_scope.scope") or table_row.get("sys_scope"),
                   dict((role, row["element"]) for role, row in fields.items()), type_field, choices, url_fields,
                   token_columns)

    def require(self, callback_type, host):
        """3. TYPE: an HMAC callback needs the column that selects it."""
        if callback_type == "hmac" and self.type_field is None:
            _refuse("TYPE", "Table %s has no Callback URL Type column, so its registries know token-based callbacks "
                    "only (the Jira spoke adds HMAC webhooks in 5.4.0): use callback_type token, or upgrade the "
                    "spoke" % self.table, host, table=self.table)

    def record_fields(self):
        """The columns the reconciler compares (never the URL columns: a token-based URL holds the token)."""
        return sorted(set(self.fields.values()) | ({self.type_field} if self.type_field else set()))

    def url_field(self, callback_type):
        """4. URL: the column showing the callback URL of this type, or None."""
        return self.url_fields.get(callback_type)

    def report(self):
        return {"table": self.table, "label": self.label, "scope": self.scope, "fields": dict(self.fields),
                "type_field": self.type_field, "type_choices": dict(self.choices),
                "url_fields": dict(self.url_fields), "token_fields": dict(self.token_fields)}


def derive_url(instance_url, path, callback_type, token_parameter):
    """4. URL, derived: ``<instance>/<path>``, and for a token-based callback ``?<token_parameter>={token}`` (the
    place of the token: the result never holds it)."""
    base = "%s/%s" % (instance_url.rstrip("/"), quote(path.strip("/"), safe="/._~-"))
    if callback_type == "hmac":
        return base
    return "%s?%s={token}" % (base, quote(token_parameter, safe="._~-"))


# -- discovery --------------------------------------------------------------------------------------------------
def discover(client, spoke_scope):
    """The four facts as this instance answers them (read-only), for servicenow_spoke_info's ``discover``."""
    def fact(answer, detail):
        return {"answer": answer, "detail": detail}
    found = first_reads(None, spoke_scope).fetch(client)
    try:
        table = find_table(found["wh_tables"], None, spoke_scope, client.host)
    except UnconfirmedFactError as exc:
        answer = "several" if exc.details.get("tables") else "not found"
        return {"webhook_registry_table": fact(answer, exc.message)}
    facts = {"webhook_registry_table": fact(table["name"], "The Jira webhook registry is table %s (%r, scope %s)." % (
        table["name"], table.get("label"), table.get("sys_scope.scope")))}
    found.update(second_reads(table["name"]).fetch(client))
    try:
        tokens = token_fields(found, client.host)
        schema = Schema.build(table, tokens, found, client.host)
    except UnconfirmedFactError as exc:
        facts["webhook_registry_fields"] = fact("missing", exc.message)
        return facts
    facts["webhook_registry_fields"] = fact("found", "Columns by label: %s; token_verification: %s." % (
        ", ".join("%s=%s" % item for item in sorted(schema.fields.items())),
        ", ".join("%s=%s" % item for item in sorted(tokens.items()))))
    if schema.type_field:
        facts["webhook_callback_types"] = fact("token and hmac", "Column %s selects the callback type: %s." % (
            schema.type_field, ", ".join("%s=%r" % item for item in sorted(schema.choices.items()))))
    else:
        facts["webhook_callback_types"] = fact("token only", "No Callback URL Type column: token-based callbacks "
                                                             "only.")
    shown = sorted(set(field for field in schema.url_fields.values() if field))
    if shown:
        facts["webhook_callback_url"] = fact("shown", "The instance shows the callback URL in %s; the collection "
                                                      "reads it back after writing." % ", ".join(shown))
    else:
        facts["webhook_callback_url"] = fact("derived", "No column shows the callback URL: the collection derives "
                                                        "it as %s (token-based) or %s (HMAC); compare with the form." % (
                                                            derive_url(client.base_url, DEFAULT_PATH, "token",
                                                                       DEFAULT_TOKEN_PARAMETER),
                                                            derive_url(client.base_url, DEFAULT_PATH, "hmac", "")))
    return facts
