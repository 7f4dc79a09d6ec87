# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A credential record the Jira spoke's connection uses (``servicenow_credential``).

Three types, each its own table (POST to the child table, never to ``discovery_credentials``): basic auth (the
Atlassian e-mail and API token), API key, and OAuth 2.0 (on an entity profile). Identity: type + name. Secrets are
write-only and sent per ``update_secret``.
"""

from __future__ import annotations

from ..common.errors import OptionError, RecordError
from . import lookups, tables

TYPES = ("basic_auth_credentials", "api_key_credentials", "oauth_2_0_credentials")

ARGUMENT_SPEC = {
    "name": {"type": "str", "required": True},
    "type": {"type": "str", "required": True, "choices": list(TYPES)},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "username": {"type": "str", "aliases": ["user_name"]},
    "password": {"type": "str", "no_log": True, "aliases": ["api_token"]},
    "api_key": {"type": "str", "no_log": True},
    "update_secret": {"type": "str", "choices": ["always", "on_create"], "default": "on_create", "no_log": False},
    "oauth_profile": {"type": "str"},
    "oauth_registry": {"type": "str"},
    "active": {"type": "bool", "default": True},
    "order": {"type": "int"},
    "force": {"type": "bool", "default": False},
}
MODULE_KWARGS = {
    "mutually_exclusive": [("oauth_profile", "oauth_registry"), ("password", "api_key")],
}

# Which options belong to which type: anything else given is a mistake worth stopping on.
_OPTIONS_BY_TYPE = {
    "basic_auth_credentials": {"username", "password"},
    "api_key_credentials": {"api_key"},
    "oauth_2_0_credentials": {"oauth_profile", "oauth_registry"},
}


def _check_options(params):
    kind = params["type"]
    for other, options in _OPTIONS_BY_TYPE.items():
        if other == kind:
            continue
        wrong = sorted(option for option in options - _OPTIONS_BY_TYPE[kind] if params.get(option) is not None)
        if wrong:
            raise OptionError("%s does not apply to type %s (it belongs to %s)." % (" and ".join(wrong), kind, other))
    if params["state"] == "present":
        if kind == "basic_auth_credentials" and not params.get("username"):
            raise OptionError("type basic_auth_credentials needs username (the Atlassian account e-mail).")
        if kind == "oauth_2_0_credentials" and not (params.get("oauth_profile") or params.get("oauth_registry")):
            raise OptionError("type oauth_2_0_credentials needs oauth_profile or oauth_registry (whose default "
                              "profile is used).")


def run(task):
    params = task.params
    _check_options(params)
    kind = params["type"]
    table = tables.CREDENTIAL_TABLES[kind]
    reconciler = task.reconciler()
    identity = {"name": params["name"]}

    if params["state"] == "absent":
        current = reconciler.find(kind, identity, fields=table.read_fields(), label=table.label)
        if current is not None:
            _refuse_if_used(reconciler.client, current, params)
        state = reconciler.absent(kind, current=current, label=kind)
        return {"changed": state.changed, "credential": None, "diff": reconciler.diff()}

    desired = {"active": params["active"], "order": params.get("order")}
    secrets = {}
    required = ()
    if kind == "basic_auth_credentials":
        desired["user_name"] = params["username"]
        secrets = {"password": params.get("password")}
        required = ("password",)
    elif kind == "api_key_credentials":
        secrets = {"api_key": params.get("api_key")}
        required = ("api_key",)
    else:
        profile = _profile(task, reconciler, params)
        desired["oauth_entity_profile"] = profile["sys_id"]
        _refuse_shared_profile(reconciler.client, profile, params["name"])

    state = reconciler.present(kind, identity, desired, secrets=secrets, update_secret=params["update_secret"],
                               fields=table.read_fields(), label=kind, required_secrets=required)
    return {"changed": state.changed, "credential": dict(state.record, type=kind), "diff": reconciler.diff()}


def _profile(task, reconciler, params):
    if params.get("oauth_registry"):
        registry = lookups.registry(task, reconciler, params["oauth_registry"])
        return lookups.default_profile(task, reconciler, registry, params["oauth_registry"])
    return lookups.profile(task, reconciler, params["oauth_profile"])


def _refuse_shared_profile(client, profile, name):
    """ServiceNow: "each credential must be linked to a unique OAuth entity profile" (their tokens are kept per
    profile). A profile another credential uses is refused before anything is written."""
    others = [row for row in lookups.users_of(client, "oauth_2_0_credentials", "oauth_entity_profile",
                                              profile.get("sys_id")) if (row.get("name") or "").lower() != name.lower()]
    if others:
        raise RecordError(
            "OAuth entity profile %s is already used by OAuth 2.0 credential %s on %s, and ServiceNow links each "
            "credential to its own profile; credential %r was not changed." % (
                profile.get("name") or profile.get("sys_id"), lookups.describe(others), client.host, name),
            hint="Give each Jira site its own application registry (the roles do), or create another profile on "
                 "the registry and give it in oauth_profile.")


def _refuse_if_used(client, credential, params):
    connections = lookups.users_of(client, "sys_connection", "credential", credential["sys_id"])
    if connections and not params["force"]:
        raise lookups.still_used(
            "Credential %r" % params["name"], connections, "connection", client.host,
            hint="Remove or repoint the connection first (snowspoke.jira.servicenow_http_connection), or set "
                 "force=true to remove the credential anyway.")
