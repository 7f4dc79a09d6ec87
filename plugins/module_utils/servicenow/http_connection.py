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


def run(task):
    params = task.params
    reconciler = task.reconciler()
    client = reconciler.client
    identity = {"name": params["name"]}
    fields = tables.HTTP_CONNECTION.read_fields()

    if params["state"] == "absent":
        current = reconciler.find("http_connection", identity, fields=fields, label="HTTP connection")
        values = attributes.current_values(client, current["sys_id"]) if current else []
        if values:
            reconciler.absent_set(attributes.VALUES_TABLE, {"document": attributes.CONNECTION_TABLE,
                                                            "document_key": current["sys_id"]},
                                  "variable", label="attributes", current=values)
        reconciler.absent("http_connection", current=current, label="http_connection")
        return {"changed": reconciler.changed, "connection": None, "diff": reconciler.diff()}

    desired_attributes = dict((key, value) for key, value in (params.get("attributes") or {}).items())
    server_type = str(desired_attributes.get("server_type", "cloud")).strip().lower()
    url = validate_jira_url(params["connection_url"], server_type) if params["validate_url"] else \
        params["connection_url"]

    alias = lookups.alias(task, reconciler, params["alias"])
    credential = lookups.credential(task, reconciler, params["credential"])
    if alias.get("_placeholder"):  # check mode, alias still to be created: its definitions are not known yet
        known = dict((name, {"sys_id": lookups.placeholder("attribute", name)}) for name in desired_attributes)
    else:
        known = attributes.definitions(client, alias)
        attributes.check_names(desired_attributes, known, alias.get("id") or params["alias"])

    desired = {
        "connection_alias": alias["sys_id"], "credential": credential["sys_id"], "connection_url": url,
        "active": params["active"], "use_mid": params.get("use_mid"), "mid_selection": params.get("mid_selection"),
        "order": params.get("order"),
    }
    current = reconciler.find("http_connection", identity, fields=fields, label="HTTP connection")
    if params["active"]:
        _one_active_rule(task, reconciler, alias, current, params)
    state = reconciler.present("http_connection", identity, desired, current=current, fields=fields,
                               label="http_connection")
    values = {}
    if desired_attributes or params["purge_attributes"]:
        stored = attributes.current_values(client, state.sys_id) if current else []
        values = attributes.reconcile(reconciler, state.sys_id, known, desired_attributes, stored,
                                      purge=params["purge_attributes"], owner=params["name"])
    elif current:
        values = attributes.values_of(known, attributes.current_values(client, state.sys_id))
    return {
        "changed": reconciler.changed,
        "connection": dict(state.record, attributes=values),
        "alias": {"sys_id": alias.get("sys_id"), "id": alias.get("id"),
                  "multiple_connections": is_true(alias.get("multiple_connections"))},
        "diff": reconciler.diff(),
    }


def _one_active_rule(task, reconciler, alias, current, params):
    """An alias without multiple_connections allows one active connection (ServiceNow docs)."""
    if alias.get("_placeholder") or is_true(alias.get("multiple_connections")):
        return
    others = reconciler.client.list(
        "http_connection", {"connection_alias": alias["sys_id"], "active": True},
        fields=tables.HTTP_CONNECTION.read_fields())
    others = [row for row in others if not current or row["sys_id"] != current["sys_id"]]
    if not others:
        return
    if not params["deactivate_others"]:
        raise RecordError(
            "Alias %s allows one active connection and %s is already active on %s; nothing was changed." % (
                alias.get("id") or alias["sys_id"], lookups.describe(others), reconciler.client.host),
            hint="Set deactivate_others=true to deactivate it, use a child alias for another Jira site "
                 "(snowspoke.jira.servicenow_connection_alias), or set active=false.")
    for row in others:
        reconciler.present("http_connection", {"name": row["name"]}, {"active": False}, current=row,
                           label="http_connection %s (deactivated)" % row["name"])
