# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Jira OAuth 2.0 scope catalogue, the named presets, and the comparison of scope lists.

The scope names come from Atlassian's OpenAPI specs (``scope_catalogue.py``, generated); the presets are what the
ServiceNow Jira spoke needs: the list of ServiceNow's documented set-up procedure, ServiceNow's current default list, and one list per spoke
action group. ``classify()`` compares what is configured (a ServiceNow registry's entity scopes, an Atlassian
app's permissions, the scopes a token was granted) with what is required, and names the typos.
"""

from __future__ import annotations

import difflib

from ..common.errors import OptionError
from .scope_catalogue import PLATFORM_SCOPES, SOFTWARE_SCOPES

OFFLINE_ACCESS = "offline_access"
# Not Jira product scopes: accessible-resources never lists them, so an access token cannot show them.
IDENTITY_SCOPES = (OFFLINE_ACCESS, "read:me", "read:account")
# ServiceNow's default scope string has it; no Jira OpenAPI spec lists it. Accepted, but reported as unconfirmed.
UNCONFIRMED_SCOPES = ("manage:jira-data-provider",)
# The developer console's "classic" Jira scopes (the other platform scopes are "granular").
CLASSIC_SCOPES = tuple(sorted(name for name in PLATFORM_SCOPES if name.count(":") == 1))

ALL_SCOPES = frozenset(PLATFORM_SCOPES) | frozenset(SOFTWARE_SCOPES) | frozenset(IDENTITY_SCOPES) | frozenset(
    UNCONFIRMED_SCOPES)

DOCUMENTED_CLASSIC = ("manage:jira-configuration", "manage:jira-project", "manage:jira-webhook", "read:jira-work",
                      "read:jira-user", "write:jira-work")
DOCUMENTED_GRANULAR = ("delete:sprint:jira-software", "read:issue-details:jira", "read:jql:jira",
                       "read:sprint:jira-software", "write:sprint:jira-software", "read:board-scope:jira-software",
                       "read:project:jira")

# Per spoke action group, from the operations' x-atlassian-oauth2-scopes (platform spec) and security (Software
# spec): the classic scope where the platform offers one, the granular ones where the documented procedure uses them.
GROUP_PRESETS = {
    # createIssue, editIssue, doTransition, addComment need write:jira-work; getIssue, getTransitions read:jira-work.
    "issues": ("read:jira-work", "write:jira-work"),
    # searchProjects/getProject read:jira-work; versions and components manage:jira-project.
    "projects": ("read:jira-work", "manage:jira-project"),
    # searchAndReconsileIssuesUsingJql read:jira-work; the agile issue searches read:issue-details + read:jql.
    "search": ("read:jira-work", "read:issue-details:jira", "read:jql:jira"),
    # get/create/update/delete sprint; creating one also reads the board and its project; sprint issues search.
    "sprints": ("read:sprint:jira-software", "write:sprint:jira-software", "delete:sprint:jira-software",
                "read:board-scope:jira-software", "read:project:jira", "read:issue-details:jira", "read:jql:jira"),
    # getAllBoards (Atlassian's operation docs; the 2022 Software spec lists none).
    "boards": ("read:board-scope:jira-software", "read:project:jira"),
    # registerDynamicWebhooks / getDynamicWebhooksForApp / deleteWebhookById.
    "webhooks": ("read:jira-work", "manage:jira-webhook"),
    # getCurrentUser, getUser, findUsers, findAssignableUsers.
    "users": ("read:jira-user",),
    # createProject and other settings that need the Jira administrators permission.
    "admin": ("manage:jira-configuration",),
}

PRESETS = dict(GROUP_PRESETS)
# The OAuth entity scopes of ServiceNow's documented set-up procedure: classic + granular + offline_access (14).
PRESETS["documented"] = DOCUMENTED_CLASSIC + DOCUMENTED_GRANULAR + (OFFLINE_ACCESS,)
# ServiceNow's current default 3LO scope string: the documented list plus manage:jira-data-provider (unconfirmed), read:me
# and read:account.
PRESETS["servicenow_default"] = PRESETS["documented"] + UNCONFIRMED_SCOPES + ("read:me", "read:account")


# Earlier names of presets, still accepted (not listed in hints).
PRESET_ALIASES = {"seed": "documented"}


def preset(name):
    """The preset's scopes for a preset name or an accepted earlier name, else None."""
    return PRESETS.get(PRESET_ALIASES.get(name, name))


def is_valid(scope):
    return scope in ALL_SCOPES


def is_identity(scope):
    return scope in IDENTITY_SCOPES


def normalize(scopes):
    """A list of scope names from a list (items may be space-separated strings, as in ServiceNow's grouped
    entity scopes) or one space-separated string; duplicates dropped, first order kept."""
    if scopes is None:
        return []
    items = [scopes] if isinstance(scopes, str) else list(scopes)
    names = []
    for item in items:
        if not isinstance(item, str):
            raise OptionError("A scope must be a string (got %r)." % (item,))
        for name in item.split():
            if name not in names:
                names.append(name)
    return names


def expand(value, option="required_scopes"):
    """``(scope names, preset names used)`` for a preset name, a space-separated scope string, or a list of
    scopes and preset names (``[issues, sprints, offline_access]``)."""
    if value is None:
        return [], []
    if isinstance(value, str) and preset(value.strip()) is not None:
        name = PRESET_ALIASES.get(value.strip(), value.strip())
        return list(PRESETS[name]), [name]
    names, presets = [], []
    for item in normalize(value):
        if preset(item) is not None:
            presets.append(PRESET_ALIASES.get(item, item))
            members = preset(item)
        elif ":" not in item and item not in ALL_SCOPES and suggest(item, PRESETS) is not None:
            raise OptionError("%s: %r is neither a scope nor a preset (did you mean %r?)." % (
                option, item, suggest(item, PRESETS)), hint="Presets: %s." % ", ".join(sorted(PRESETS)))
        else:
            members = (item,)
        names.extend(member for member in members if member not in names)
    return names, presets


def suggest(scope, candidates=None):
    """The nearest valid scope (or preset) to a misspelt one, or None when nothing is close."""
    pool = sorted(ALL_SCOPES if candidates is None else candidates)
    lowered = dict((name.lower(), name) for name in pool)
    if scope.lower() in lowered:
        return lowered[scope.lower()]
    # A scope written without its product suffix ("read:sprint") is recognisable by its prefix.
    prefixed = [name for name in pool if name.startswith(scope.lower() + ":")]
    if len(prefixed) == 1:
        return prefixed[0]
    found = difflib.get_close_matches(scope.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


def unknown(scopes):
    """``[{"scope", "suggestion"}]`` for each name the catalogue does not know."""
    return [{"scope": name, "suggestion": suggest(name)} for name in scopes if not is_valid(name)]


def describe_unknown(entries):
    """``'read:jira-wrok' (did you mean 'read:jira-work'?)``, joined."""
    texts = []
    for entry in entries:
        hint = " (did you mean %r?)" % entry["suggestion"] if entry["suggestion"] else ""
        texts.append("%r%s" % (entry["scope"], hint))
    return ", ".join(texts)


def classify(configured, required):
    """Compare configured (or granted) scopes with the required ones.

    Returns ``missing`` (required, not configured), ``extra`` (configured, not required), ``present`` (both),
    ``unknown`` (names not in the catalogue, from either list, each with its nearest valid scope) and
    ``unconfirmed`` (valid names that no Jira spec lists).
    """
    configured = normalize(configured)
    required = normalize(required)
    configured_set = set(configured)
    required_set = set(required)
    seen = []
    for name in configured + required:
        if name not in seen:
            seen.append(name)
    return {
        "missing": [name for name in required if name not in configured_set],
        "extra": [name for name in configured if name not in required_set],
        "present": [name for name in required if name in configured_set],
        "unknown": unknown(seen),
        "unconfirmed": [name for name in seen if name in UNCONFIRMED_SCOPES],
    }


def satisfies(granted, alternatives):
    """Whether ``granted`` holds every scope of at least one of the alternative scope sets."""
    granted = set(granted)
    return any(granted.issuperset(option) for option in alternatives)
