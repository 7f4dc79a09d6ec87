# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ServiceNow side of the Jira spoke's bi-directional webhook (``servicenow_jira_webhook``): a token record
(``token_verification``: Name, Description, write-only Token) and a Jira webhook registry record (Name,
Description, Token = that record, Path, Callback URL Type), and the callback URL Jira must post to.

What ServiceNow does not document about the registry (its table, its columns, the type column, the URL's form) is
found on the instance by ``webhook_schema`` before anything is written; this module only uses what it found.

Three read rounds (each one Batch API call): the tables and the token table's columns; the registry's columns and
choices and the token record; the registry record (and, for a removal, the registries sharing the token). Then
the writes (token record first, its secret alone, then the registry), each answer verified, and the callback URL
read back from the instance when it shows one.

The token is never returned: a token-based callback URL carries it, so results hold ``callback_url`` with the token
masked and ``callback_url_template`` with ``{token}`` in its place (the role fills it in for Jira).
"""

from __future__ import annotations

import re

from ..common.errors import OptionError, RecordError
from . import webhook_schema
from .reads import Reads
from .records import MASK
from .spoke import SPOKE_SCOPE

ARGUMENT_SPEC = {
    "name": {"type": "str", "required": True},
    "description": {"type": "str"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "token": {"type": "str", "no_log": True},
    "token_name": {"type": "str", "no_log": False},
    "token_description": {"type": "str", "no_log": False},
    "update_secret": {"type": "str", "choices": ["always", "on_create"], "default": "on_create", "no_log": False},
    "callback_type": {"type": "str", "choices": ["token", "hmac"], "default": "token"},
    "path": {"type": "str", "default": webhook_schema.DEFAULT_PATH},
    "registry_table": {"type": "str"},
    "spoke_scope": {"type": "str", "default": SPOKE_SCOPE},
    "token_parameter": {"type": "str", "default": webhook_schema.DEFAULT_TOKEN_PARAMETER, "no_log": False},
    "keep_token": {"type": "bool", "default": False, "no_log": False},
}
MODULE_KWARGS = {"required_if": [("state", "present", ("token",))]}

# The token travels in a URL (token-based) and keys an HMAC: URL-safe characters, long enough not to be guessed.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9._~-]{16,}$")
PLACEHOLDER = "{token}"
REGISTRY_LABEL = "Jira webhook registry"
TOKEN_LABEL = "webhook token"


def _check(params):
    token = params.get("token")
    if token is not None and not TOKEN_PATTERN.match(token):
        raise OptionError("token must be at least 16 characters of A-Z, a-z, 0-9 and . _ ~ - (it goes into a URL "
                          "and keys an HMAC; a short one can be guessed).")
    if not (params.get("path") or "").strip("/"):
        raise OptionError("path must not be empty (the default is %s)." % webhook_schema.DEFAULT_PATH)
    if not re.match(r"^[A-Za-z0-9._~-]+$", params.get("token_parameter") or ""):
        raise OptionError("token_parameter must be a URL parameter name.")


class Webhook:
    """One run: the schema found, the records read, the states after reconciling."""

    def __init__(self, task, reconciler):
        self.task = task
        self.params = task.params
        self.reconciler = reconciler
        self.client = reconciler.client
        self.schema = None
        self.found = {}
        self.registry = None  # the record as read, URL columns included
        self.token_record = None

    # -- reads ------------------------------------------------------------------------------------------------
    def read(self):
        params, client = self.params, self.client
        found = webhook_schema.first_reads(params["registry_table"], params["spoke_scope"]).fetch(client)
        table = webhook_schema.find_table(found["wh_tables"], params["registry_table"], params["spoke_scope"],
                                          client.host)
        tokens = webhook_schema.token_fields(found, client.host)
        second = webhook_schema.second_reads(table["name"])
        second.add("token", webhook_schema.TOKEN_TABLE, {tokens["name"]: self.token_name},
                   [tokens["name"], tokens["description"], "sys_mod_count"])
        found.update(second.fetch(client))
        schema = webhook_schema.Schema.build(table, tokens, found, client.host,
                                             token_table_id=(found["wh_token_table"] or [{}])[0].get("sys_id"))
        if params["state"] == "present":
            schema.require(params["callback_type"], client.host)
        self.schema = schema
        self.token_record = self.reconciler.one(webhook_schema.TOKEN_TABLE, {tokens["name"]: self.token_name},
                                                found["token"], label=TOKEN_LABEL)
        third = Reads().add("registry", schema.table, {schema.fields["name"]: params["name"]}, self._read_fields())
        if params["state"] == "absent" and self.token_record is not None:
            third.add("token_users", schema.table, {schema.fields["token"]: self.token_record["sys_id"]},
                      [schema.fields["name"]])
        found.update(third.fetch(client))
        self.found = found
        self.registry = self.reconciler.one(schema.table, {schema.fields["name"]: params["name"]}, found["registry"],
                                            label=REGISTRY_LABEL)

    @property
    def token_name(self):
        return self.params.get("token_name") or self.params["name"]

    def _url_fields(self):
        return sorted(set(field for field in self.schema.url_fields.values() if field))

    def _read_fields(self):
        return sorted(set(self.schema.record_fields()) | set(self._url_fields()) | {"sys_id"})

    def _compared(self, record):
        """A registry record without its URL columns: a token-based URL holds the token, which no diff shows."""
        if record is None:
            return None
        return dict((field, value) for field, value in record.items() if field not in self._url_fields())

    # -- writes -----------------------------------------------------------------------------------------------
    def present(self):
        params, schema, reconciler = self.params, self.schema, self.reconciler
        tokens = schema.token_fields
        token_state = reconciler.present(
            webhook_schema.TOKEN_TABLE, {tokens["name"]: self.token_name},
            {tokens["description"]: params.get("token_description")}, secrets={tokens["token"]: params["token"]},
            update_secret=params["update_secret"], current=self.token_record,
            fields=[tokens["name"], tokens["description"]], label=TOKEN_LABEL, required_secrets=(tokens["token"],))
        desired = {schema.fields["description"]: params.get("description"),
                   schema.fields["token"]: token_state.ref, schema.fields["path"]: params["path"].strip("/")}
        if schema.type_field:
            desired[schema.type_field] = schema.choices[params["callback_type"]]
        # After the token's own writes, its secret included: the instance may form the URL from it on save.
        registry_state = reconciler.present(
            schema.table, {schema.fields["name"]: params["name"]}, desired, current=self._compared(self.registry),
            fields=schema.record_fields(), label=REGISTRY_LABEL, after=token_state.writes)
        reconciler.flush()
        return token_state, registry_state

    def absent(self):
        schema, reconciler = self.schema, self.reconciler
        registry_state = reconciler.absent(schema.table, current=self._compared(self.registry), label=REGISTRY_LABEL)
        token_state = None
        if self.token_record is not None and not self.params["keep_token"]:
            users = [row for row in self.found.get("token_users") or []
                     if self.registry is None or row["sys_id"] != self.registry["sys_id"]]
            if users:
                self.task.warn("Token record %r is also used by %s %s on %s: it was left in place." % (
                    self.token_name, REGISTRY_LABEL, ", ".join(repr(row.get(schema.fields["name"])) for row in users),
                    self.client.host))
            else:
                token_state = reconciler.absent(webhook_schema.TOKEN_TABLE, current=self.token_record,
                                                label=TOKEN_LABEL, after=registry_state.writes)
        reconciler.flush()
        return token_state, registry_state

    # -- the callback URL -------------------------------------------------------------------------------------
    def callback(self, record, written, token_sent=False):
        """(template, source) of the callback URL: read back from the instance when it shows one (after this run's
        writes), else derived. A token-based URL the instance shows must carry the token given."""
        params, schema = self.params, self.schema
        kind = params["callback_type"] if params["state"] == "present" else self._type_of(self.registry)
        field = schema.url_field(kind)
        shown = None
        if field and record is not None:
            if written and record.get("sys_id"):
                again = self.client.get(schema.table, record["sys_id"], fields=[field, "sys_id"]) or {}
                shown = again.get(field)
            else:
                shown = record.get(field)
        derived = webhook_schema.derive_url(self.client.base_url, params["path"] if params["state"] == "present"
                                            else (record or {}).get(schema.fields["path"]) or params["path"],
                                            kind, params["token_parameter"])
        token = params.get("token")
        if shown:
            if kind == "hmac":
                return shown, "instance", kind
            if token and token in shown:
                return shown.replace(token, PLACEHOLDER), "instance", kind
            if params["state"] == "present" and not self.task.check_mode and token_sent:
                raise RecordError(
                    "The callback URL %s %r shows on %s does not carry the token this run stored in token record %r: "
                    "the instance forms the URL when the registry is saved, not when its token changes." % (
                        REGISTRY_LABEL, params["name"], self.client.host, self.token_name),
                    hint="Jira must use the new token: save the registry once in the UI (or change its description) "
                         "so the instance forms the URL again, then run again.", field=field)
            if params["state"] == "present" and not self.task.check_mode:
                raise RecordError(
                    "The callback URL %s %r shows on %s does not carry the token given: the token record %r holds "
                    "another one." % (REGISTRY_LABEL, params["name"], self.client.host, self.token_name),
                    hint="update_secret on_create sends the token only when the record is created; run once with "
                         "update_secret always to store this one.", field=field)
            return derived, "derived", kind
        if field and record is not None and params["state"] == "present" and not self.task.check_mode:
            self.task.warn("Column %s.%s shows no callback URL on %s: the URL returned is derived." % (
                schema.table, field, self.client.host))
        elif not field and params["state"] == "present":
            self.task.warn(
                "The instance shows the callback URL of %s %r on its form only (no column of %s holds it): the URL "
                "returned is derived (%s), an undocumented form. Compare it with the form once; if it differs, set "
                "token_parameter (or report the form)." % (REGISTRY_LABEL, params["name"], schema.table,
                                                           derived.replace(PLACEHOLDER, MASK)))
        return derived, "derived", kind

    def _type_of(self, record):
        """The callback type a registry record has (token-based where the instance offers no choice)."""
        if record is None:
            return self.params["callback_type"]
        if not self.schema.type_field:
            return "token"
        return "hmac" if record.get(self.schema.type_field) == self.schema.choices.get("hmac") else "token"


def run(task):
    params = task.params
    _check(params)
    reconciler = task.reconciler()
    work = Webhook(task, reconciler)
    work.read()  # every undocumented fact is established here, before any write
    if params["state"] == "absent":
        token_state, registry_state = work.absent()
        template, source, kind = work.callback(work.registry, written=False)
        return dict(_result(reconciler, work, template, source, kind), registry=None, token_record=None)
    token_state, registry_state = work.present()
    if task.check_mode or not reconciler.changed:
        # What the instance shows now, unless the predicted update changes the type (the URL with it).
        current = work.registry
        if current is not None and work._type_of(current) != params["callback_type"]:  # pylint: disable=protected-access
            current = None
        template, source, kind = work.callback(current, written=False)
    else:
        written = dict(registry_state.record or {}, sys_id=registry_state.sys_id)
        token_sent = registry_state.action == "none" and token_state.action != "none"  # a rotation, the registry as is
        template, source, kind = work.callback(written, written=True, token_sent=token_sent)
    shown = dict(work._compared(registry_state.record) or {}, table=work.schema.table)  # pylint: disable=protected-access
    token = dict(token_state.record or {}, table=webhook_schema.TOKEN_TABLE)
    return dict(_result(reconciler, work, template, source, kind), registry=shown, token_record=token)


def _result(reconciler, work, template, source, kind):
    return {
        "changed": reconciler.changed,
        "callback_type": kind,
        "callback_url": template.replace(PLACEHOLDER, MASK),
        "callback_url_template": template,
        "callback_url_source": source,
        "schema": work.schema.report(),
        "diff": reconciler.diff(),
    }
