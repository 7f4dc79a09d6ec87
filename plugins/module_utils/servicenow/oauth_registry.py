# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An application registry for a third-party OAuth provider, as one unit (``servicenow_oauth_registry``).

The unit is: the ``oauth_entity`` (type ``oauth_provider``), its entity scopes, its default profile (created by
the instance when the registry is saved: found and used, never duplicated; repaired if missing) and the profile's
scopes, which are kept identical to the entity scopes. A converged run costs two reads: the registry, then its
scopes, profiles and profile scopes in one Batch API call.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..common.errors import OptionError, RecordError
from . import lookups, tables

ATLASSIAN_AUTH_URL = "https://auth.atlassian.com/authorize"
ATLASSIAN_TOKEN_URL = "https://auth.atlassian.com/oauth/token"

ARGUMENT_SPEC = {
    "name": {"type": "str", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "client_id": {"type": "str"},
    "client_secret": {"type": "str", "no_log": True},
    "update_secret": {"type": "str", "choices": ["always", "on_create"], "default": "on_create", "no_log": False},
    "grant_type": {"type": "str", "choices": ["authorization_code", "client_credentials"],
                   "default": "authorization_code"},
    "auth_url": {"type": "str"},
    "token_url": {"type": "str", "default": ATLASSIAN_TOKEN_URL, "no_log": False},
    "refresh_token_url": {"type": "str", "no_log": False},
    "revoke_token_url": {"type": "str", "no_log": False},
    "redirect_url": {"type": "str"},
    "access_token_lifespan": {"type": "int", "no_log": False},
    "refresh_token_lifespan": {"type": "int", "no_log": False},
    "active": {"type": "bool", "default": True},
    "comments": {"type": "str"},
    "scopes": {"type": "list", "elements": "str"},
    "scope_groups": {"type": "dict"},
    "purge_scopes": {"type": "bool", "default": True},
    "delete_credentials": {"type": "bool", "default": False},
}
MODULE_KWARGS = {
    "mutually_exclusive": [("scopes", "scope_groups")],
    "required_if": [("state", "present", ("client_id",))],
}


def _https(name, value):
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise OptionError("%s must be an https:// URL (got %r)." % (name, value))
    return value


def desired_scope_records(params):
    """The entity-scope records asked for: (key field, [records]); OptionError for empty or repeated scopes."""
    if params.get("scope_groups") is not None:
        groups = params["scope_groups"]
        seen = {}
        records = []
        for group, scopes in groups.items():
            if not str(group).strip():
                raise OptionError("scope_groups has a group with an empty name.")
            if isinstance(scopes, str):
                scopes = scopes.split()
            if not scopes:
                raise OptionError("scope_groups.%s holds no scope." % group)
            for scope in scopes:
                _check_scope("scope_groups.%s" % group, scope, seen)
            records.append({"name": group, "oauth_entity_scope": " ".join(sorted(str(s).strip() for s in scopes))})
        return "name", records
    if params.get("scopes") is None:
        return None, None
    seen = {}
    for index, scope in enumerate(params["scopes"]):
        _check_scope("scopes[%d]" % index, scope, seen)
        if len(str(scope).split()) > 1:
            raise OptionError("scopes[%d] %r holds several scopes: list them one per item, or use scope_groups for "
                              "records that hold a space-separated scope string." % (index, scope))
    return "oauth_entity_scope", [{"name": scope.strip(), "oauth_entity_scope": scope.strip()}
                                  for scope in params["scopes"]]


def _check_scope(where, scope, seen):
    scope = str(scope or "").strip()
    if not scope:
        raise OptionError("%s is an empty scope." % where)
    if scope in seen:
        raise OptionError("Scope %r is listed twice (%s and %s)." % (scope, seen[scope], where))
    seen[scope] = where


def desired_registry(params):
    grant = params["grant_type"]
    code_grant = grant == "authorization_code"
    fields = {
        "type": "oauth_provider",
        "client_id": params["client_id"],
        "default_grant_type": grant,
        "auth_url": _https("auth_url", params.get("auth_url") or (ATLASSIAN_AUTH_URL if code_grant else None)),
        "token_url": _https("token_url", params["token_url"]),
        "refresh_token_url": _https("refresh_token_url", params.get("refresh_token_url") or (
            params["token_url"] if code_grant else None)),
        "revoke_token_url": _https("revoke_token_url", params.get("revoke_token_url") or (
            None if code_grant else params["token_url"])),
        "redirect_url": _https("redirect_url", params.get("redirect_url")),
        "access_token_lifespan": params.get("access_token_lifespan"),
        "refresh_token_lifespan": params.get("refresh_token_lifespan"),
        "active": params["active"],
        "comments": params.get("comments"),
    }
    return fields


def run(task):
    params = task.params
    if params["state"] == "absent":
        return _absent(task)
    scope_key, scope_records = desired_scope_records(params)
    registry_fields = desired_registry(params)
    reconciler = task.reconciler()
    client = reconciler.client
    name = params["name"]

    current = reconciler.find("oauth_entity", {"name": name}, fields=tables.OAUTH_ENTITY.read_fields(),
                              label="application registry")
    update_secret = params["update_secret"]
    if current is not None:
        _keep_type(current, registry_fields, client.host)
        if (current.get("client_id") or "") != params["client_id"]:
            # The stored secret belongs to the old client: keeping it would make every token request fail.
            if not params.get("client_secret"):
                raise OptionError("Registry %r changes client_id on %s, so its client_secret must change with it: "
                                  "give client_secret." % (name, client.host))
            update_secret = "always"
    children = _read_children(client, current["sys_id"]) if current else {
        "scopes": [], "profiles": [], "profile_scopes": []}
    registry = reconciler.present(
        "oauth_entity", {"name": name}, registry_fields, secrets={"client_secret": params.get("client_secret")},
        update_secret=update_secret, current=current, fields=tables.OAUTH_ENTITY.read_fields(),
        label="oauth_entity", required_secrets=("client_secret",))

    profile = _default_profile(task, reconciler, registry, children["profiles"], params)

    scope_state = None
    scope_list = list(children["scopes"])
    if scope_records is not None:
        scope_state = reconciler.present_set(
            "oauth_entity_scope", {"oauth_entity": registry.sys_id}, scope_key, scope_records,
            purge=params["purge_scopes"], fields=tables.OAUTH_ENTITY_SCOPE.read_fields(),
            label="oauth_entity_scope", current=children["scopes"], defer_removal=True, owner=params["name"])
        scope_list = scope_state.records + scope_state.kept

    # Profile scopes mirror the entity scopes exactly (ServiceNow docs: they must match for the code grant).
    profile_scope_items = [{"oauth_entity_scope": record.get("sys_id") or lookups.placeholder(
        "OAuth entity scope", record.get("name"))} for record in scope_list]
    current_profile_scopes = [row for row in children["profile_scopes"]
                              if row.get("oauth_entity_profile") == profile.get("sys_id")]
    scope_names = dict((record.get("sys_id") or lookups.placeholder("OAuth entity scope", record.get("name")),
                        record.get("oauth_entity_scope")) for record in scope_list + children["scopes"])
    reconciler.present_set(
        "oauth_entity_profile_scope", {"oauth_entity_profile": profile.get("sys_id")}, "oauth_entity_scope",
        profile_scope_items, purge=True, fields=tables.OAUTH_ENTITY_PROFILE_SCOPE.read_fields(),
        label="oauth_entity_profile_scope", owner=profile.get("name"),
        describe=lambda key: scope_names.get(key, key),
        current=current_profile_scopes if profile.get("sys_id") and not lookups.is_placeholder(
            profile.get("sys_id")) else [])
    if scope_state is not None:
        # Entity scopes go last: no profile scope is left pointing at a deleted record if a step fails.
        reconciler.remove_deferred(scope_state)

    result = {
        "changed": reconciler.changed,
        "registry": registry.record,
        "profile": profile,
        "scopes": [{"sys_id": record.get("sys_id"), "name": record.get("name"),
                    "scope": record.get("oauth_entity_scope")} for record in scope_list],
        "redirect_url": (registry.record or {}).get("redirect_url"),
        "diff": reconciler.diff(),
    }
    if registry.action == "create" and task.check_mode:
        task.warn("Registry %r would be created; the instance generates its redirect URL "
                  "(https://<instance>/oauth_redirect.do) and its default profile when it is saved." % name)
    return result


def _keep_type(current, fields, host):
    """A registry keeps its kind: ``consumer`` (made by a configuration template) is left as it is; an OAuth client
    or identity provider of the same name is another kind of record, never turned into a provider."""
    kind = current.get("type") or ""
    if kind == "consumer":
        del fields["type"]
    elif kind not in ("oauth_provider", ""):
        raise RecordError(
            "Application registry %r on %s is of type %r, not a third-party OAuth provider: it is not the Jira "
            "registry, and the collection does not change its type." % (current.get("name"), host, kind),
            hint="Give the Jira registry another name.", table="oauth_entity", sys_id=current.get("sys_id"))


def _read_children(client, registry_sys_id):
    scopes, profiles, profile_scopes = client.list_many([
        ("oauth_entity_scope", {"oauth_entity": registry_sys_id},
         tables.OAUTH_ENTITY_SCOPE.read_fields(), None),
        ("oauth_entity_profile", {"oauth_entity": registry_sys_id},
         tables.OAUTH_ENTITY_PROFILE.read_fields(), None),
        ("oauth_entity_profile_scope", {"oauth_entity_profile.oauth_entity": registry_sys_id},
         tables.OAUTH_ENTITY_PROFILE_SCOPE.read_fields(), None),
    ])
    return {"scopes": scopes, "profiles": profiles, "profile_scopes": profile_scopes}


def _default_profile(task, reconciler, registry, profiles, params):
    """The registry's default profile: the one the instance made, repaired (grant type) or created if missing."""
    name = "%s default_profile" % params["name"]
    desired = {"grant_type": params["grant_type"]}
    if registry.action == "create":
        if task.check_mode:
            predicted = {"sys_id": None, "name": name, "oauth_entity": None, "default": "true",
                         "grant_type": params["grant_type"]}
            reconciler.record_diff("oauth_entity_profile", None, predicted)
            return predicted
        # The instance creates the default profile when the registry is saved: read it now.
        profiles = reconciler.client.list("oauth_entity_profile", {"oauth_entity": registry.sys_id},
                                          fields=tables.OAUTH_ENTITY_PROFILE.read_fields())
    defaults = [profile for profile in profiles if profile.get("default") == "true"]
    if len(defaults) > 1:
        raise RecordError(
            "Registry %r has %d default profiles on %s: %s." % (
                params["name"], len(defaults), reconciler.client.host,
                ", ".join(profile["sys_id"] for profile in defaults)),
            hint="Keep one (System OAuth > Application Registry > OAuth Entity Profiles), then run again.")
    current = defaults[0] if defaults else None
    if current is None and registry.action != "create":
        task.warn("Registry %r had no default profile on %s; creating one." % (params["name"],
                                                                               reconciler.client.host))
    identity = {"oauth_entity": registry.sys_id, "default": True}
    state = reconciler.present("oauth_entity_profile", identity, dict(desired, name=current["name"] if current
                                                                      else name),
                               current=current, fields=tables.OAUTH_ENTITY_PROFILE.read_fields(),
                               label="oauth_entity_profile")
    return state.record


def _absent(task):
    params = task.params
    reconciler = task.reconciler()
    client = reconciler.client
    registry = reconciler.find("oauth_entity", {"name": params["name"]}, fields=tables.OAUTH_ENTITY.read_fields(),
                               label="application registry")
    if registry is None:
        return {"changed": False, "registry": None, "profile": None, "scopes": [], "redirect_url": None,
                "diff": reconciler.diff()}
    registry_id = registry["sys_id"]
    scopes, profiles, profile_scopes, credentials, tokens, requestors = client.list_many([
        ("oauth_entity_scope", {"oauth_entity": registry_id}, tables.OAUTH_ENTITY_SCOPE.read_fields(),
         None),
        ("oauth_entity_profile", {"oauth_entity": registry_id},
         tables.OAUTH_ENTITY_PROFILE.read_fields(), None),
        ("oauth_entity_profile_scope", {"oauth_entity_profile.oauth_entity": registry_id},
         tables.OAUTH_ENTITY_PROFILE_SCOPE.read_fields(), None),
        ("oauth_2_0_credentials", {"oauth_entity_profile.oauth_entity": registry_id},
         tables.OAUTH_2_0_CREDENTIALS.read_fields(), None),
        ("oauth_credential", {"peer": registry_id}, ["sys_id", "type"], None),
        ("oauth_requestor_profile", {"oauth_entity_profile.oauth_entity": registry_id},
         tables.OAUTH_REQUESTOR_PROFILE.read_fields(), None),
    ])
    if credentials and not params["delete_credentials"]:
        raise lookups.still_used(
            "Registry %r" % params["name"], credentials, "OAuth 2.0 credential", client.host,
            hint="Remove the credential first (snowspoke.jira.servicenow_credential state=absent), or set "
                 "delete_credentials=true to remove it with the registry.")
    # Children first: nothing is left pointing at a deleted record if a step fails halfway.
    for record in credentials:
        reconciler.absent("oauth_2_0_credentials", current=record, label="oauth_2_0_credentials %s" % record["name"])
    if tokens:
        reconciler.absent_set("oauth_credential", {"peer": registry_id}, "sys_id", label="oauth_credential",
                              current=tokens)
    if requestors:
        reconciler.absent_set("oauth_requestor_profile", {"oauth_entity_profile.oauth_entity": registry_id},
                              "sys_id", label="oauth_requestor_profile", current=requestors)
    reconciler.absent_set("oauth_entity_profile_scope", {"oauth_entity_profile.oauth_entity": registry_id},
                          "oauth_entity_scope", label="oauth_entity_profile_scope", current=profile_scopes)
    reconciler.absent_set("oauth_entity_profile", {"oauth_entity": registry_id}, "sys_id",
                          label="oauth_entity_profile", current=profiles)
    reconciler.absent_set("oauth_entity_scope", {"oauth_entity": registry_id}, "oauth_entity_scope",
                          label="oauth_entity_scope", current=scopes)
    reconciler.absent("oauth_entity", current=registry, label="oauth_entity")
    return {"changed": reconciler.changed, "registry": None, "profile": None, "scopes": [], "redirect_url": None,
            "deleted": {"registry": registry_id, "scopes": len(scopes), "profiles": len(profiles),
                        "profile_scopes": len(profile_scopes), "credentials": len(credentials),
                        "tokens": len(tokens), "requestor_profiles": len(requestors)},
            "diff": reconciler.diff()}
