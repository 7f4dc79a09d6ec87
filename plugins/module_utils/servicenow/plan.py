# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The records of a Jira spoke set-up, named once per Jira site, and the check of every site's input.

Set-up and teardown take their record names from here (and the ``spoke_plan`` filter shows them), so they always
agree on what the collection owns. Every input is checked by type and by form before the first request: a value
that is not a string where a string is meant, an empty secret, a URL that is not a Jira Cloud site, a Cloud ID that
is not a UUID or a misspelt scope is refused naming the site and the field.
"""

from __future__ import annotations

import datetime
import re

from ..common.errors import OptionError, a_kind
from ..jira import scopes as catalogue
from ..jira.options import check_email
from .http_connection import validate_jira_url

GRANTS = ("authorization_code", "client_credentials")
_SITE_URL = re.compile(r"^https://([a-z0-9][a-z0-9-]*)\.atlassian\.net$", re.IGNORECASE)
_CLOUD_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_NOT_ALIAS = re.compile(r"[^A-Za-z0-9_]+")
_NAME_FIELDS = ("registry_name", "credential_name", "connection_name", "alias_name")

# The keys of a site, with the form each must have: (key, kind, secret). ``text``: a non-empty string.
SITE_KEYS = {
    "name": "text", "url": "text", "cloud_id": "text", "connection_url": "text",
    "username": "text", "api_token": "secret", "client_id": "text", "client_secret": "secret",
    "access_token": "secret", "grant_type": "text", "scopes": "list", "scope_groups": "dict",
    "registry_name": "text", "credential_name": "text", "connection_name": "text", "alias_name": "text",
    "alias": "text", "api_token_expires": "text",
}
SITE_ARGUMENT_SPEC = dict((key, {"type": "raw", "no_log": kind == "secret"} if kind in ("text", "secret") else
                           {"type": kind}) for key, kind in SITE_KEYS.items())
SITE_ARGUMENT_SPEC["url"]["required"] = True
SITE_ARGUMENT_SPEC["scopes"]["elements"] = "str"
ALIAS_CHOICES = ("shipped", "child")


def alias_name(prefix, site_name):
    """A child alias name in the documented character set ("An alias can only contain alpha, number, and
    underscore characters"): ``Jira_acme_ops`` for prefix ``Jira`` and site ``acme-ops``."""
    return _NOT_ALIAS.sub("_", "%s_%s" % (prefix, site_name)).strip("_")


class Site:
    """One Jira site of a set-up: its input (``given``), checked, and the names of its records."""

    def __init__(self, index, given, option, prefix, grant_type, credentials=True):
        self.index = index
        self.given = given
        where = "sites[%d]" % index
        url = _text(given, "url", where).rstrip("/")
        match = _SITE_URL.match(url)
        if not match:
            raise OptionError("%s.url %r is not a Jira Cloud site: give https://<site>.atlassian.net." % (where, url))
        self.url = "https://%s.atlassian.net" % match.group(1).lower()
        self.name = _text(given, "name", where, required=False) or match.group(1).lower()
        self.where = "site %s (%s)" % (self.name, where)
        self.option = option
        self.cloud_id = _text(given, "cloud_id", self.where, required=False)
        if self.cloud_id is not None:
            if not _CLOUD_ID.match(self.cloud_id):
                raise OptionError("%s: cloud_id %r is not a Cloud ID (a UUID such as "
                                  "1324a887-45db-1bf4-1e99-ef0ff456d421)." % (self.where, self.cloud_id))
            self.cloud_id = self.cloud_id.lower()
        self.connection_url = _text(given, "connection_url", self.where, required=False)
        if self.connection_url is not None:
            self.connection_url = validate_jira_url(self.connection_url, "cloud", option="%s: connection_url"
                                                    % self.where)
        label = "%s %s" % (prefix, self.name)
        kind = "OAuth" if option == "oauth" else "basic"
        self.credential = _text(given, "credential_name", self.where, required=False) or \
            "%s %s credential" % (label, kind)
        self.connection = _text(given, "connection_name", self.where, required=False) or "%s connection" % label
        self.child_alias = _text(given, "alias_name", self.where, required=False) or alias_name(prefix, self.name)
        self.alias_choice = _text(given, "alias", self.where, required=False)
        if self.alias_choice is not None and self.alias_choice not in ALIAS_CHOICES:
            raise OptionError("%s: alias must be shipped or child, not %r." % (self.where, self.alias_choice))
        # The names of the other option's records for this site (left behind when a site changes option).
        other = "basic" if option == "oauth" else "OAuth"
        self.other_credential = "%s %s credential" % (label, other)
        self.registry = _text(given, "registry_name", self.where, required=False) or "%s OAuth registry" % label
        if option == "basic":
            self.username = _text(given, "username", self.where, required=credentials)
            if self.username is not None:
                check_email(self.username, "%s: username" % self.where)
            self.api_token = _text(given, "api_token", self.where, required=credentials)
            self.api_token_expires = _date(given, "api_token_expires", self.where)
            self._refuse(("client_id", "client_secret", "scopes", "scope_groups", "grant_type", "access_token"))
        else:
            self.grant_type = _text(given, "grant_type", self.where, required=False) or grant_type
            if self.grant_type not in GRANTS:
                raise OptionError("%s: grant_type must be authorization_code or client_credentials, not %r." % (
                    self.where, self.grant_type))
            self.client_id = _text(given, "client_id", self.where, required=credentials)
            self.client_secret = _text(given, "client_secret", self.where, required=credentials)
            self.access_token = _text(given, "access_token", self.where, required=False)
            self.api_token_expires = None
            self._refuse(("username", "api_token", "api_token_expires"))
            self.scopes, self.scope_groups = self._scopes()

    def _refuse(self, keys):
        wrong = [key for key in keys if self.given.get(key) not in (None, "")]
        if wrong:
            raise OptionError("%s: %s do%s not apply to option %s." % (
                self.where, " and ".join(wrong), "es" if len(wrong) == 1 else "", self.option))

    def _scopes(self):
        """The site's scopes, or the documented ones laid out the way ServiceNow documents them for the grant."""
        scopes, groups = self.given.get("scopes"), self.given.get("scope_groups")
        if scopes and groups:
            raise OptionError("%s: give scopes or scope_groups, not both." % self.where)
        if scopes:
            names = [_scope(scope, "%s: scopes[%d]" % (self.where, number)) for number, scope in enumerate(scopes)]
            self._check_catalogue(names)
            return names, None
        if groups:
            flat = {}
            for group, members in groups.items():
                members = members.split() if isinstance(members, str) else members
                if not isinstance(members, list) or not members:
                    raise OptionError("%s: scope_groups.%s must be a non-empty list of scopes." % (self.where, group))
                flat[str(group)] = [_scope(scope, "%s: scope_groups.%s" % (self.where, group)) for scope in members]
            self._check_catalogue([name for members in flat.values() for name in members])
            return None, flat
        if self.grant_type == "authorization_code":
            return list(catalogue.PRESETS["documented"]), None
        return None, {"Classic": list(catalogue.DOCUMENTED_CLASSIC), "Granular": list(catalogue.DOCUMENTED_GRANULAR)}

    def _check_catalogue(self, names):
        unknown = catalogue.unknown(names)
        if unknown:
            raise OptionError("%s: %s %s not in Atlassian's scope catalogue." % (
                self.where, catalogue.describe_unknown(unknown), "is" if len(unknown) == 1 else "are"),
                hint="Fix the spelling (the app's Permissions page in the Atlassian developer console lists them).")

    @property
    def configured_scopes(self):
        if self.option != "oauth":
            return []
        return list(self.scopes or [scope for members in self.scope_groups.values() for scope in members])

    @property
    def required_scopes(self):
        """The documented list for the grant (the client credentials grant gets no refresh token: no
        offline_access)."""
        if self.grant_type == "authorization_code":
            return list(catalogue.PRESETS["documented"])
        return [scope for scope in catalogue.PRESETS["documented"] if scope != catalogue.OFFLINE_ACCESS]

    def describe(self):
        """The plan of this site, as the spoke_plan filter shows it (no secret)."""
        entry = {"index": self.index, "name": self.name, "url": self.url, "cloud_id": self.cloud_id,
                 "child_alias": self.child_alias, "alias_choice": self.alias_choice, "credential": self.credential,
                 "connection": self.connection, "connection_url": self.connection_url}
        if self.option == "oauth":
            entry.update(registry=self.registry, grant_type=self.grant_type, scopes=self.scopes,
                         scope_groups=self.scope_groups, configured_scopes=self.configured_scopes,
                         required_scopes=self.required_scopes)
        return entry


def plan(sites, option, prefix="Jira", grant_type="authorization_code", credentials=True):
    """The Sites of a set-up; OptionError naming the site and the field for anything malformed. ``credentials``:
    whether each site must carry its credentials (not to show the record names)."""
    if option not in ("basic", "oauth"):
        raise OptionError("option must be basic or oauth, not %r." % (option,))
    if grant_type not in GRANTS:
        raise OptionError("grant_type must be authorization_code or client_credentials, not %r." % (grant_type,))
    if not isinstance(sites, list) or not sites:
        raise OptionError("sites is empty: give at least one Jira site (a list of dicts with url and its "
                          "credentials).")
    planned, seen = [], {}
    for index, given in enumerate(sites):
        if not isinstance(given, dict):
            raise OptionError("sites[%d] must be a dict (url, name, credentials), not %s." % (index, a_kind(given)))
        unknown = sorted(set(given) - set(SITE_KEYS))
        if unknown:
            raise OptionError("sites[%d] has unknown keys %s (known: %s)." % (
                index, ", ".join(unknown), ", ".join(sorted(SITE_KEYS))))
        site = Site(index, given, option, prefix, grant_type, credentials)
        for what, value in (("name", site.name), ("url", site.url), ("connection", site.connection),
                            ("credential", site.credential), ("child alias", site.child_alias)) + (
                (("registry", site.registry),) if option == "oauth" else ()):
            key = (what, value.lower())
            if key in seen:
                raise OptionError("%s and %s have the same %s %r: each site needs its own." % (
                    seen[key], site.where, what, value))
            seen[key] = site.where
        planned.append(site)
    return planned


def _date(given, key, where):
    """An optional date: ``YYYY-MM-DD`` (YAML may already have made it a date), else OptionError."""
    value = given.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise OptionError("%s: %s %r is not a date: give it as YYYY-MM-DD (the expiry date Atlassian shows on the API "
                      "tokens page)." % (where, key, value))


def _text(given, key, where, required=True):
    """A string input, stripped; None when absent and not required. Anything else is refused, never converted."""
    value = given.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise OptionError("%s: %s is required and must not be empty." % (where, key))
        return None
    if not isinstance(value, str):
        raise OptionError("%s: %s must be a string, not %s." % (where, key, a_kind(value)))
    return value.strip()


def _scope(scope, where):
    if not isinstance(scope, str) or not scope.strip() or len(scope.split()) != 1:
        raise OptionError("%s must be one scope name (a string without spaces), not %r." % (where, scope))
    return scope.strip()
