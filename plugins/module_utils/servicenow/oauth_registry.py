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
from ..jira import scopes as catalogue
from . import lookups, tables
from .reads import Reads
from .records import _shown

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
    "allow_unknown_scopes": {"type": "bool", "default": False},
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


def reads(name, absent=False):
    """What the registry unit needs, found by the registry's name (one round trip)."""
    by_name = {"oauth_entity.name": name}
    found = Reads()
    found.add(("registry", name), "oauth_entity", {"name": name}, tables.OAUTH_ENTITY.read_fields("sys_created_on"))
    found.add(("scopes", name), "oauth_entity_scope", by_name, tables.OAUTH_ENTITY_SCOPE.read_fields())
    found.add(("profiles", name), "oauth_entity_profile", by_name, tables.OAUTH_ENTITY_PROFILE.read_fields())
    found.add(("profile_scopes", name), "oauth_entity_profile_scope",
              {"oauth_entity_profile.oauth_entity.name": name}, tables.OAUTH_ENTITY_PROFILE_SCOPE.read_fields())
    if absent:
        found.add(("credentials", name), "oauth_2_0_credentials", {"oauth_entity_profile.oauth_entity.name": name},
                  tables.OAUTH_2_0_CREDENTIALS.read_fields())
        found.add(("tokens", name), "oauth_credential", {"peer.name": name}, ["type", "peer"])
        found.add(("requestors", name), "oauth_requestor_profile", {"oauth_entity_profile.oauth_entity.name": name},
                  tables.OAUTH_REQUESTOR_PROFILE.read_fields())
    return found


def _children(found, name, registry):
    """The registry's children among the rows found by its name (rows of another registry are left out)."""
    if registry is None:
        return {"scopes": [], "profiles": [], "profile_scopes": []}
    sys_id = registry["sys_id"]
    profiles = [row for row in found[("profiles", name)] if row.get("oauth_entity") == sys_id]
    profile_ids = set(row["sys_id"] for row in profiles)
    return {"scopes": [row for row in found[("scopes", name)] if row.get("oauth_entity") == sys_id],
            "profiles": profiles,
            "profile_scopes": [row for row in found[("profile_scopes", name)]
                               if row.get("oauth_entity_profile") in profile_ids]}


class RegistryWork:
    """One registry's reconciliation, in two steps around the instance's creation of its default profile."""

    def __init__(self, params, current, children, state):
        self.params = params
        self.current = current
        self.children = children
        self.state = state

    @property
    def needs_profile_read(self):
        """A registry this run created: its default profile (made by the instance) is read after the write."""
        return self.state.action == "create" and self.state.sys_id is not None

    def profile_reads(self):
        return Reads().add(("new_profiles", self.params["name"]), "oauth_entity_profile",
                           {"oauth_entity": self.state.sys_id}, tables.OAUTH_ENTITY_PROFILE.read_fields())


def begin(task, reconciler, params, found):
    """Check the options and queue the registry record itself; the rest comes in ``finish``."""
    name = params["name"]
    scope_check(params)
    registry_fields = desired_registry(params)
    current = reconciler.one("oauth_entity", {"name": name}, found[("registry", name)], label="application registry")
    update_secret = params["update_secret"]
    if current is not None:
        _keep_type(current, registry_fields, reconciler.client.host)
        if (current.get("client_id") or "") != params["client_id"]:
            # The stored secret belongs to the old client: keeping it would make every token request fail.
            if not params.get("client_secret"):
                raise OptionError("Registry %r changes client_id on %s, so its client_secret must change with it: "
                                  "give client_secret." % (name, reconciler.client.host))
            update_secret = "always"
    state = reconciler.present(
        "oauth_entity", {"name": name}, registry_fields, secrets={"client_secret": params.get("client_secret")},
        update_secret=update_secret, current=current, fields=tables.OAUTH_ENTITY.read_fields(),
        label="application registry", required_secrets=("client_secret",))
    return RegistryWork(params, current, _children(found, name, current), state)


def finish(task, reconciler, work, found=None):
    """Queue the default profile, the entity scopes and the profile scopes; the module's result."""
    params, registry, children = work.params, work.state, work.children
    scope_key, scope_records = desired_scope_records(params)
    profiles = found[("new_profiles", params["name"])] if work.needs_profile_read else children["profiles"]
    profile = _default_profile(task, reconciler, registry, profiles, params)

    scope_state = None
    scope_list = list(children["scopes"])
    if scope_records is not None:
        scope_state = reconciler.present_set(
            "oauth_entity_scope", {"oauth_entity": registry.ref}, scope_key, scope_records,
            purge=params["purge_scopes"], fields=tables.OAUTH_ENTITY_SCOPE.read_fields(),
            label="OAuth entity scope", current=children["scopes"], defer_removal=True, owner=params["name"])
        scope_list = scope_state.records + scope_state.kept

    # Profile scopes mirror the entity scopes exactly (ServiceNow docs: they must match for the code grant).
    profile_ref = profile.ref
    profile_scope_items = [{"oauth_entity_scope": record["sys_id"]} for record in scope_list]
    current_profile_scopes = [row for row in children["profile_scopes"]
                              if row.get("oauth_entity_profile") == profile.sys_id] if profile.sys_id else []
    scope_names = dict((str(record["sys_id"]), record.get("oauth_entity_scope"))
                       for record in scope_list + children["scopes"])
    profile_scopes = reconciler.present_set(
        "oauth_entity_profile_scope", {"oauth_entity_profile": profile_ref}, "oauth_entity_scope",
        profile_scope_items, purge=True, fields=tables.OAUTH_ENTITY_PROFILE_SCOPE.read_fields(),
        label="OAuth entity profile scope", owner=(profile.record or {}).get("name"),
        describe=lambda key: scope_names.get(str(key), str(key)), current=current_profile_scopes)
    if scope_state is not None:
        # Entity scopes go last: no profile scope is left pointing at a deleted record if a step fails.
        reconciler.remove_deferred(scope_state, after=profile_scopes.writes)
    work.profile = profile
    work.scope_list = scope_list
    return work


def result(reconciler, work):
    """The module's result of a finished (and flushed) registry."""
    registry = work.state.record or {}
    return {
        "changed": reconciler.changed,
        "registry": registry,
        "profile": work.profile.record,
        "scopes": [{"sys_id": _shown(record.get("sys_id")), "name": record.get("name"),
                    "scope": record.get("oauth_entity_scope")} for record in work.scope_list],
        "redirect_url": registry.get("redirect_url"),
        "diff": reconciler.diff(),
    }


def check_options(params):
    """Everything about the options that needs no request, before the first one (the registry's read)."""
    if params["state"] != "present":
        return
    if not (params.get("client_id") or "").strip():
        raise OptionError("client_id must not be empty: give the client ID of the Atlassian OAuth 2.0 app (the "
                          "developer console, the app's Settings).")
    if params.get("client_secret") is not None and not params["client_secret"].strip():
        raise OptionError("client_secret must not be empty: give the app's secret, or leave client_secret out to "
                          "keep the one the registry holds.")
    scope_check(params)
    desired_registry(params)


def run(task):
    params = task.params
    if params["state"] == "absent":
        return _absent(task)
    check_options(params)
    reconciler = task.reconciler()
    work = begin(task, reconciler, params, reads(params["name"]).fetch(reconciler.client))
    found = None
    if not task.check_mode and work.state.action == "create":
        reconciler.flush()  # the instance makes the default profile when the registry is saved
        found = work.profile_reads().fetch(reconciler.client)
    finish(task, reconciler, work, found)
    reconciler.flush()
    return result(reconciler, work)


def scope_check(params):
    """Scopes are checked against Atlassian's scope catalogue before anything is written: a typo is refused, with
    the nearest valid scope named. ``allow_unknown_scopes`` lets a scope newer than the catalogue through."""
    _key, records = desired_scope_records(params)
    if records is None or params.get("allow_unknown_scopes"):
        return
    unknown = catalogue.unknown([scope for record in records for scope in record["oauth_entity_scope"].split()])
    if unknown:
        raise OptionError(
            "Registry %r: %s %s not in Atlassian's scope catalogue." % (
                params["name"], catalogue.describe_unknown(unknown), "is" if len(unknown) == 1 else "are"),
            hint="Fix the spelling (the app's Permissions page in the Atlassian developer console lists the scopes), "
                 "or set allow_unknown_scopes=true for a scope newer than this collection.")


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
    defaults = [profile for profile in profiles if profile.get("default") == "true"]
    if len(defaults) > 1:
        raise RecordError(
            "Registry %r has %d default profiles on %s: %s." % (
                params["name"], len(defaults), reconciler.client.host,
                ", ".join(profile["sys_id"] for profile in defaults)),
            hint="Keep one (System OAuth > Application Registry > OAuth Entity Profiles), then run again.")
    current = defaults[0] if defaults else None
    if registry.action == "create" and task.check_mode:
        # The instance creates the default profile when the registry is saved (ServiceNow docs).
        return reconciler.predict("oauth_entity_profile", {"oauth_entity": registry.ref, "default": True},
                                  dict(desired, name=name), label="OAuth entity profile")
    if current is None and registry.action != "create":
        task.warn("Registry %r had no default profile on %s; creating one." % (params["name"],
                                                                               reconciler.client.host))
    identity = {"oauth_entity": registry.ref, "default": True}
    return reconciler.present("oauth_entity_profile", identity, dict(desired, name=current["name"] if current
                                                                     else name),
                              current=current, fields=tables.OAUTH_ENTITY_PROFILE.read_fields(),
                              label="OAuth entity profile")


def absent(task, reconciler, params, found, after=(), display=None):
    """Queue the removal of a registry and everything hanging from it, children first; the module's result.
    ``display``: how ``changes`` and the diff name it (default: its name; a duplicate merged away has its own)."""
    name = params["name"]
    client = reconciler.client
    registry = reconciler.one("oauth_entity", {"name": name}, found[("registry", name)], label="application registry")
    if registry is None:
        return {"changed": False, "registry": None, "profile": None, "scopes": [], "redirect_url": None}
    registry_id = registry["sys_id"]
    children = _children(found, name, registry)
    profile_ids = set(row["sys_id"] for row in children["profiles"])
    credentials = [row for row in found[("credentials", name)] if row.get("oauth_entity_profile") in profile_ids]
    tokens = [row for row in found[("tokens", name)] if row.get("peer") == registry_id]
    requestors = [row for row in found[("requestors", name)] if row.get("oauth_entity_profile") in profile_ids]
    if credentials and not params["delete_credentials"]:
        raise lookups.still_used(
            "Registry %r" % name, credentials, "OAuth 2.0 credential", client.host,
            hint="Remove the credential first (snowspoke.jira.servicenow_credential state=absent), or set "
                 "delete_credentials=true to remove it with the registry.")
    # Children first: nothing is left pointing at a deleted record if a step fails halfway.
    after = list(after)
    owner = display or name
    for record in credentials:
        after += reconciler.absent("oauth_2_0_credentials", current=record, label="OAuth 2.0 credential").writes
    # Named in changes by what a person recognises (a token's type, a scope's name), not by sys_id.
    scope_names = dict((row["sys_id"], row.get("oauth_entity_scope") or row["sys_id"]) for row in children["scopes"])
    token_names = dict((row["sys_id"], "%s" % (row.get("type") or "token")) for row in tokens)
    for table, rows, key, names in (
            ("oauth_credential", tokens, "sys_id", token_names),
            ("oauth_requestor_profile", requestors, "sys_id", dict((row["sys_id"], "requestor profile") for row in requestors)),
            ("oauth_entity_profile_scope", children["profile_scopes"], "oauth_entity_scope", scope_names)):
        if rows:
            after += reconciler.absent_set(table, {}, key, label=table, current=rows, owner=owner, after=after,
                                           describe=lambda key, names=names: names.get(str(key), str(key))).writes
    profile_names = dict((row["sys_id"], row.get("name") or row["sys_id"]) for row in children["profiles"])
    after = reconciler.absent_set("oauth_entity_profile", {}, "sys_id", current=children["profiles"], owner=owner,
                                  label="OAuth entity profile", after=after,
                                  describe=lambda key: profile_names.get(str(key), str(key))).writes or after
    after += reconciler.absent_set("oauth_entity_scope", {}, "oauth_entity_scope", current=children["scopes"],
                                   owner=owner, label="OAuth entity scope", after=after).writes
    reconciler.absent("oauth_entity", current=registry, label="application registry", after=after, name=display)
    return {"changed": reconciler.changed, "registry": None, "profile": None, "scopes": [], "redirect_url": None,
            "deleted": {"registry": registry_id, "scopes": len(children["scopes"]),
                        "profiles": len(children["profiles"]), "profile_scopes": len(children["profile_scopes"]),
                        "credentials": len(credentials), "tokens": len(tokens), "requestor_profiles": len(requestors)}}


def _absent(task):
    reconciler = task.reconciler()
    found = reads(task.params["name"], absent=True).fetch(reconciler.client)
    result_of = absent(task, reconciler, task.params, found)
    reconciler.flush()
    return dict(result_of, changed=reconciler.changed, diff=reconciler.diff())
