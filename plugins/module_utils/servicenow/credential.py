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
from .reads import Reads

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
    for secret in ("password", "api_key"):
        if params.get(secret) is not None and not params[secret].strip():
            raise OptionError("%s must not be empty: give the secret, or leave %s out to keep the one the credential "
                              "holds." % (secret, secret))
    if params["state"] == "present":
        if kind == "basic_auth_credentials" and not (params.get("username") or "").strip():
            raise OptionError("type basic_auth_credentials needs username (the Atlassian account e-mail).")
        if kind == "oauth_2_0_credentials" and not (params.get("oauth_profile") or params.get("oauth_registry")):
            raise OptionError("type oauth_2_0_credentials needs oauth_profile or oauth_registry (whose default "
                              "profile is used).")


def reads(params):
    """What the credential unit needs, by names (one round trip): the credential, and for an OAuth 2.0 credential
    the profile it goes on and the credentials already on it; for a removal, the connections that use it."""
    kind, name = params["type"], params["name"]
    found = Reads().add("credential", kind, {"name": name}, tables.CREDENTIAL_TABLES[kind].read_fields())
    if params["state"] == "absent":
        found.add("users", "sys_connection", {"credential.name": name}, ["name", "credential"])
        return found
    if kind == "oauth_2_0_credentials":
        registry, profile = params.get("oauth_registry"), params.get("oauth_profile")
        if registry:
            by = {"oauth_entity": registry} if lookups.is_sys_id(registry) else {"oauth_entity.name": registry}
            found.add("registry", "oauth_entity", {"sys_id": registry} if lookups.is_sys_id(registry)
                      else {"name": registry}, ["name"])
            found.add("profile", "oauth_entity_profile", dict(by, default=True), tables.OAUTH_ENTITY_PROFILE.read_fields())
        else:
            found.add("profile", "oauth_entity_profile", lookups.identity_of(profile),
                      tables.OAUTH_ENTITY_PROFILE.read_fields())
        found.add("profile_users", "oauth_2_0_credentials",
                  {"oauth_entity_profile.oauth_entity": registry} if registry and lookups.is_sys_id(registry) else
                  {"oauth_entity_profile.oauth_entity.name": registry} if registry else
                  {"oauth_entity_profile": profile} if lookups.is_sys_id(profile) else
                  {"oauth_entity_profile.name": profile}, ["name", "oauth_entity_profile"])
    return found


def reconcile(task, reconciler, params, found, profile=None):
    """Queue the credential's writes; its RecordState. ``profile``: the OAuth entity profile (a record or a
    RecordState) when the caller knows it (the combined set-up), else it is looked up from ``found``."""
    _check_options(params)
    kind = params["type"]
    table = tables.CREDENTIAL_TABLES[kind]
    identity = {"name": params["name"]}
    current = reconciler.one(kind, identity, found["credential"], label=table.label)

    if params["state"] == "absent":
        if current is not None:
            users = [row for row in found["users"] if row.get("credential") == current["sys_id"]]
            if users and not params["force"]:
                raise lookups.still_used(
                    "Credential %r" % params["name"], users, "connection", reconciler.client.host,
                    hint="Remove or repoint the connection first (snowspoke.jira.servicenow_http_connection), or "
                         "set force=true to remove the credential anyway.")
        return reconciler.absent(kind, current=current, label=table.label)

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
        if profile is None:
            profile = _profile(task, reconciler, params, found)
        profile_ref = profile.ref if hasattr(profile, "ref") else profile["sys_id"]
        desired["oauth_entity_profile"] = profile_ref
        _refuse_shared_profile(reconciler.client, profile_ref, (profile.record if hasattr(profile, "record")
                                                                else profile) or {},
                               params["name"], found.get("profile_users") or [])

    return reconciler.present(kind, identity, desired, secrets=secrets, update_secret=params["update_secret"],
                              current=current, fields=table.read_fields(), label=table.label,
                              required_secrets=required)


def run(task):
    params = task.params
    _check_options(params)
    reconciler = task.reconciler()
    state = reconcile(task, reconciler, params, reads(params).fetch(reconciler.client))
    reconciler.flush()
    credential = None if params["state"] == "absent" else dict(state.record, type=params["type"])
    return {"changed": reconciler.changed, "credential": credential, "diff": reconciler.diff()}


def _profile(task, reconciler, params, found):
    if params.get("oauth_registry"):
        name = params["oauth_registry"]
        registry = lookups.resolve(task, reconciler, "oauth_entity", name, found["registry"], "application registry",
                                   option="oauth_registry",
                                   hint="Create it first with snowspoke.jira.servicenow_oauth_registry.")
        if registry.get("_placeholder"):
            return {"sys_id": lookups.placeholder("OAuth entity profile", "%s default_profile" % name)}
        rows = [row for row in found["profile"] if row.get("oauth_entity") == registry["sys_id"]]
        return lookups.resolve(task, reconciler, "oauth_entity_profile", name, rows,
                               "default OAuth entity profile of registry", option="oauth_registry",
                               hint="Run snowspoke.jira.servicenow_oauth_registry for it: it repairs a missing "
                                    "profile.")
    return lookups.resolve(task, reconciler, "oauth_entity_profile", params["oauth_profile"], found["profile"],
                           "OAuth entity profile", option="oauth_profile",
                           hint="Give the profile's name or sys_id, or the registry's name in oauth_registry to use "
                                "its default profile.")


def _refuse_shared_profile(client, profile_ref, profile, name, users):
    """ServiceNow: "each credential must be linked to a unique OAuth entity profile" (their tokens are kept per
    profile). A profile another credential uses is refused before anything is written."""
    others = [row for row in users if row.get("oauth_entity_profile") == str(profile_ref)
              and (row.get("name") or "").lower() != name.lower()]
    if others:
        raise RecordError(
            "OAuth entity profile %s is already used by OAuth 2.0 credential %s on %s, and ServiceNow links each "
            "credential to its own profile; credential %r was not changed." % (
                profile.get("name") or profile_ref, lookups.describe(others), client.host, name),
            hint="Give each Jira site its own application registry (the roles do), or create another profile on "
                 "the registry and give it in oauth_profile.")
