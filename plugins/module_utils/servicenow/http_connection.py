# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP connection of a Jira site on a connection alias (``servicenow_http_connection``).

Identity: ``name``. The connection URL is validated for Jira Cloud when ``server_type`` is ``cloud``: a site URL
(``https://<site>.atlassian.net``) or the API gateway (``https://api.atlassian.com/ex/jira/<cloud id>``). An alias
without ``multiple_connections`` allows one active connection: a second fails naming the one in the way, unless
``deactivate_others`` says to deactivate it. Attribute values go through ``attributes.py``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..common.errors import OptionError, RecordError
from . import attributes, lookups, tables
from .reads import Reads
from .spoke import SPOKE_ALIAS, is_true

GATEWAY_HOST = "api.atlassian.com"
_SITE = re.compile(r"^[a-z0-9][a-z0-9-]*\.atlassian\.net$")
# Cloud IDs are UUIDs; Atlassian writes them in lower case (accepted in any case, stored in lower case).
_GATEWAY_PATH = re.compile(r"^/ex/jira/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$",
                           re.IGNORECASE)

ARGUMENT_SPEC = {
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "alias": {"type": "str", "default": SPOKE_ALIAS},
    "credential": {"type": "str"},
    "connection_url": {"type": "str"},
    "attributes": {"type": "dict"},
    "purge_attributes": {"type": "bool", "default": False},
    "active": {"type": "bool", "default": True},
    "use_mid": {"type": "bool"},
    "mid_selection": {"type": "str"},
    "order": {"type": "int"},
    "deactivate_others": {"type": "bool", "default": False},
    "validate_url": {"type": "bool", "default": True},
}
MODULE_KWARGS = {
    "required_if": [("state", "present", ("credential", "connection_url"))],
}


def _shown(parts):
    """A URL for a message: without any user name or password it may carry."""
    netloc = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=netloc).geturl()


def validate_jira_url(url, server_type, option="connection_url"):
    """Check a Jira Cloud connection URL; returns it normalised (no trailing slash). OptionError otherwise."""
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    shown = _shown(parts)
    if parts.username is not None or parts.password is not None:
        raise OptionError("%s %r must not carry a user name or password: the credential holds them." % (
            option, shown))
    try:
        port = parts.port
    except ValueError:
        raise OptionError("%s %r has an invalid port." % (option, shown)) from None
    if parts.scheme.lower() != "https":
        raise OptionError("%s %r must use https://." % (option, shown))
    if server_type != "cloud":
        if not parts.hostname:
            raise OptionError("%s %r has no host name." % (option, shown))
        return url
    host = (parts.hostname or "").lower()
    if parts.query or parts.fragment or port not in (None, 443):
        raise OptionError("%s %r must be a plain base URL for Jira Cloud (no port, query or fragment)." % (
            option, shown))
    if host == GATEWAY_HOST:
        match = _GATEWAY_PATH.match(parts.path)
        if not match:
            raise OptionError(
                "%s %r is the Atlassian API gateway without a Cloud ID: use "
                "https://api.atlassian.com/ex/jira/<cloud id> (a UUID)." % (option, shown),
                hint="lookup('snowspoke.jira.jira_cloud_id', 'https://<site>.atlassian.net') finds it.")
        return "https://%s/ex/jira/%s" % (GATEWAY_HOST, match.group(1).lower())
    if _SITE.match(host):
        if parts.path not in ("", "/"):
            raise OptionError("%s %r must be the site's base URL, https://%s, without a path." % (option, shown, host))
        return "https://%s" % host
    raise OptionError(
        "%s %r is not a Jira Cloud URL: use https://<site>.atlassian.net or "
        "https://api.atlassian.com/ex/jira/<cloud id> (set validate_url=false for Jira Data Center)." % (
            option, shown))


CONNECTION_FIELDS = tables.HTTP_CONNECTION.read_fields("sys_domain")
# A record whose domain cannot be read is taken to be in the default domain (instances without domain separation).
DEFAULT_DOMAIN = "global"


def reads(params, alias_query=None, credential_query=None):
    """What the connection unit needs by names (the first round): the connection, its alias and credential (unless
    the caller has them: ``alias_query``/``credential_query`` False), and the active connections on the alias."""
    found = Reads().add("connection", "http_connection", {"name": params["name"]}, CONNECTION_FIELDS)
    if params["state"] == "absent":
        return found
    alias_query = lookups.identity_of(params["alias"], "id") if alias_query is None else alias_query
    if alias_query:
        found.add("alias", "sys_alias", alias_query, tables.SYS_ALIAS.read_fields())
    if credential_query is None:
        found.add("credential", "discovery_credentials", lookups.identity_of(params["credential"]),
                  ["name", "sys_class_name", "active"])
    if params["active"]:
        by_alias = dict(("connection_alias." + field, value) for field, value in (alias_query or {}).items())
        if by_alias:
            found.add("active", "http_connection", dict(by_alias, active=True), CONNECTION_FIELDS)
    return found


def more_reads(found, alias=None):
    """What needs a sys_id from the first round: the alias's attribute definitions and the connection's values."""
    more = Reads()
    connection = found["connection"][0] if len(found["connection"]) == 1 else None
    if connection is not None:
        more.add("values", *attributes.values_read(connection["sys_id"]))
    alias = alias if alias is not None else (found.get("alias") or [None])[0]
    if alias is not None and attributes.owners_of(alias):
        more.add("definitions", *attributes.definitions_read(attributes.owners_of(alias)))
    return more


class ConnectionWork:
    """A connection's reconciliation: its state, the attribute values after, and what the read-back needs."""

    def __init__(self, state, alias, known, attribute_state, desired_attributes):
        self.state = state
        self.alias = alias
        self.known = known
        self.attribute_state = attribute_state
        self.desired_attributes = desired_attributes

    def read_back(self, reconciler):
        """After the flush: re-read the attribute values written (their storage is unconfirmed)."""
        if self.attribute_state is not None and self.attribute_state.changed and not reconciler.check_mode:
            attributes.read_back(reconciler.client, self.state.sys_id, self.desired_attributes, self.known)

    def values(self):
        if self.attribute_state is None:
            return {}
        return attributes.values_of(self.known, self.attribute_state.records + self.attribute_state.kept)


def reconcile(task, reconciler, params, found, alias=None, credential=None, definitions=None, active=None, after=()):
    """Queue the connection's writes. ``alias``/``credential``: records (or RecordStates) the caller has; else
    looked up in ``found``. ``definitions``: attribute definitions when the alias is created in this run;
    ``active``: the active connections on the alias when the caller read them; ``after``: writes the connection's
    must follow (another connection of the same run leaving the alias)."""
    identity = {"name": params["name"]}
    current = reconciler.one("http_connection", identity, found["connection"], label="HTTP connection")
    if params["state"] == "absent":
        values = found.get("values") or []
        after = []
        if current is not None and values:
            after = attributes.remove_all(reconciler, current["sys_id"], values, owner=params["name"],
                                          definitions=list((definitions or {}).values()) or found.get("definitions"))
            after = after.writes
        return ConnectionWork(reconciler.absent("http_connection", current=current, label="HTTP connection",
                                                after=after), None, {}, None, {})

    desired_attributes = dict((key, value) for key, value in (params.get("attributes") or {}).items())
    server_type = str(desired_attributes.get("server_type", "cloud")).strip().lower()
    url = validate_jira_url(params["connection_url"], server_type) if params["validate_url"] else \
        params["connection_url"]
    if alias is None:
        alias = lookups.resolve(task, reconciler, "sys_alias", params["alias"], found["alias"], "connection alias",
                                option="alias", name_field="id", hint=lookups.ALIAS_HINT)
    if credential is None:
        credential = lookups.resolve(task, reconciler, "discovery_credentials", params["credential"],
                                     found["credential"], "credential", option="credential",
                                     hint=lookups.CREDENTIAL_HINT)
    alias_record, alias_ref = _record_and_ref(alias)
    _credential_record, credential_ref = _record_and_ref(credential)
    if definitions is not None:
        known = definitions
    elif alias_record.get("_placeholder") or not lookups.is_sys_id(str(alias_ref)):
        # Check mode, alias still to be created: its definitions are not known yet.
        known = dict((name, {"sys_id": lookups.placeholder("attribute", name)}) for name in desired_attributes)
    else:
        known = attributes.definitions_from(found.get("definitions") or [], attributes.owners_of(alias_record))
    if definitions is not None or lookups.is_sys_id(str(alias_ref)):
        attributes.check_names(desired_attributes, known, alias_record.get("id") or params["alias"])

    desired = {
        "connection_alias": alias_ref, "credential": credential_ref, "connection_url": url,
        "active": params["active"], "use_mid": params.get("use_mid"), "mid_selection": params.get("mid_selection"),
        "order": params.get("order"),
    }
    deactivations = []
    if params["active"]:
        deactivations = _one_active_rule(reconciler, alias_record, alias_ref, current, params,
                                         found.get("active", []) if active is None else active)
    state = reconciler.present("http_connection", identity, desired, current=current, fields=CONNECTION_FIELDS,
                               label="HTTP connection", after=list(deactivations) + list(after))
    attribute_state = None
    if desired_attributes or params["purge_attributes"]:
        stored = (found.get("values") or []) if current else []
        attribute_state = attributes.reconcile(reconciler, state.ref, known, desired_attributes, stored,
                                               purge=params["purge_attributes"], owner=params["name"])
    elif current:
        attribute_state = attributes.reconcile(reconciler, state.ref, known, {}, found.get("values") or [],
                                               owner=params["name"])
    return ConnectionWork(state, alias_record, known, attribute_state, desired_attributes)


def _record_and_ref(value):
    """(record, reference) of a record dict or a RecordState."""
    if hasattr(value, "ref"):
        return value.record or {}, value.ref
    return value, value["sys_id"]


def check_options(params):
    """The connection URL's form, before the first request (``reconcile`` checks it again for the combined set-up)."""
    if params["state"] == "present" and params["validate_url"]:
        server_type = str((params.get("attributes") or {}).get("server_type", "cloud")).strip().lower()
        validate_jira_url(params["connection_url"], server_type)


def run(task):
    params = task.params
    check_options(params)
    reconciler = task.reconciler()
    client = reconciler.client
    found = reads(params).fetch(client)
    if params["state"] != "absent" or found["connection"]:
        found.update(more_reads(found).fetch(client))
    work = reconcile(task, reconciler, params, found)
    reconciler.flush()
    if params["state"] == "absent":
        return {"changed": reconciler.changed, "connection": None, "diff": reconciler.diff()}
    work.read_back(reconciler)
    return result(reconciler, work)


def result(reconciler, work):
    alias = work.alias
    return {
        "changed": reconciler.changed,
        "connection": dict(dict((key, value) for key, value in work.state.record.items() if key != "sys_domain"),
                           attributes=work.values()),
        "alias": {"sys_id": alias.get("sys_id") if lookups.is_sys_id(alias.get("sys_id")) else None,
                  "id": alias.get("id"), "multiple_connections": is_true(alias.get("multiple_connections"))},
        "diff": reconciler.diff(),
    }


def _one_active_rule(reconciler, alias, alias_ref, current, params, active):
    """An alias without multiple_connections allows one active connection per domain (ServiceNow docs: "you can
    have only one active connection per domain"); the deactivation writes to wait for."""
    if alias.get("_placeholder") or not lookups.is_sys_id(str(alias_ref)) or is_true(alias.get("multiple_connections")):
        return []
    domain = (current or {}).get("sys_domain") or DEFAULT_DOMAIN
    others = [row for row in active if row.get("connection_alias") == alias_ref
              and (not current or row["sys_id"] != current["sys_id"])
              and (row.get("sys_domain") or DEFAULT_DOMAIN) == domain]
    if not others:
        return []
    if not params["deactivate_others"]:
        raise RecordError(
            "Alias %s allows one active connection per domain and %s is already active in domain %s on %s; nothing "
            "was changed." % (alias.get("id") or alias_ref, lookups.describe(others), domain, reconciler.client.host),
            hint="Set deactivate_others=true to deactivate it, use a child alias for another Jira site "
                 "(snowspoke.jira.servicenow_connection_alias), or set active=false.")
    return [write for row in others for write in reconciler.present(
        "http_connection", {"name": row["name"]}, {"active": False}, current=row, label="HTTP connection").writes]
