# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The logic of ``jira_scope_check``: is the Jira side ready for the spoke? Read-only, the same in check mode.

Three modes, chosen by the options given:

- offline (no credentials): ``configured_scopes`` against ``required_scopes``: missing, extra and unknown scopes;
- basic (``username`` + ``api_token``): the token works (``myself``, account active, ``X-Seraph-LoginReason``),
  classic or scoped, global permissions, and one cheap read-only probe per scope group. The kind is found without
  a failed login on the site: the gateway is asked first (the Cloud ID from ``/_edge/tenant_info``, which needs no
  credentials), the site only when the gateway refused (see ``_authenticate``); ``token_kind`` skips the guess;
- OAuth (``access_token``, or ``client_id`` + ``client_secret`` for the client credentials grant): the scopes
  granted for this site (``accessible-resources``), the missing ones, and the probes. No token is ever refreshed.

Every finding is one sentence in ``problems`` that says what to do; the task fails with them unless
``fail_on_problems`` is false.
"""

from __future__ import annotations

from ..common.errors import AuthenticationError, HTTPError, OptionError, SnowspokeError
from . import scopes
from .client import BAD_API_TOKEN_HINT, BasicCredentials, BearerCredentials, JiraClient, ScopeMismatchError
from .options import auth_mode

ARGUMENT_SPEC = {
    "configured_scopes": {"type": "list", "elements": "str"},
    "required_scopes": {"type": "raw", "default": "documented"},
    "probes": {"type": "bool", "default": True},
    "connection_url": {"type": "str"},
    "fail_on_problems": {"type": "bool", "default": True},
    "token_kind": {"type": "str", "choices": ["auto", "classic", "scoped"], "default": "auto"},
}

MYSELF = "/rest/api/3/myself"
PERMISSIONS = "/rest/api/3/mypermissions"
PERMISSION_KEYS = ("ADMINISTER", "BROWSE_PROJECTS", "CREATE_ISSUES")
# A permission the account lacks is a problem when a required scope asks for what it allows.
PERMISSION_NEEDED_FOR = {
    "ADMINISTER": "manage:jira-configuration",
    "BROWSE_PROJECTS": "read:jira-work",
    "CREATE_ISSUES": "write:jira-work",
}

BASIC_AUTH_WARNING = (
    "Basic authentication with an Atlassian API token: ServiceNow's Jira spoke documentation from the Australia "
    "release drops the API-token options for Jira Cloud, citing Atlassian's acceptable-use policy. Plan the move "
    "to OAuth 2.0: the authorization code grant (snowspoke.jira.servicenow_oauth_registry, then \"Get OAuth "
    "Token\") or an Atlassian service account with the client credentials grant.")


class Probe:
    """A cheap read-only call that shows whether a scope group works. ``alternatives``: the operation's scope
    sets (classic, granular) from Atlassian's OpenAPI specs; holding every scope of one set is enough."""

    def __init__(self, name, label, path, params, alternatives):
        self.name = name
        self.label = label
        self.path = path
        self.params = params
        self.alternatives = alternatives

    def needs(self):
        """``read:jira-work or (read:project:jira, ...)``: the alternatives in words."""
        return " or ".join(option[0] if len(option) == 1 else "(%s)" % ", ".join(option)
                           for option in self.alternatives)


IDENTITY = Probe("identity", "identity", MYSELF, None, (
    ("read:jira-user",), ("read:application-role:jira", "read:group:jira", "read:user:jira", "read:avatar:jira")))
ADMIN = Probe("admin", "global permissions", PERMISSIONS, {"permissions": ",".join(PERMISSION_KEYS)}, (
    ("read:jira-work",), ("read:permission:jira",)))
PROBES = (
    IDENTITY,
    Probe("read_work", "read projects", "/rest/api/3/project/search", {"maxResults": "1"}, (
        ("read:jira-work",),
        ("read:issue-type:jira", "read:project:jira", "read:project.property:jira", "read:user:jira",
         "read:application-role:jira", "read:avatar:jira", "read:group:jira", "read:issue-type-hierarchy:jira",
         "read:project-category:jira", "read:project-version:jira", "read:project.component:jira"))),
    # The old /rest/api/3/search answers 410; a bounded JQL keeps the new endpoint from refusing the query.
    Probe("search", "issue search (JQL)", "/rest/api/3/search/jql",
          {"jql": "created >= -30d", "maxResults": "1", "fields": "id"}, (
              ("read:jira-work",),
              ("read:issue-details:jira", "read:audit-log:jira", "read:avatar:jira", "read:field-configuration:jira",
               "read:issue-meta:jira"))),
    ADMIN,
    Probe("boards", "boards", "/rest/agile/1.0/board", {"type": "scrum", "maxResults": "1"}, (
        ("read:board-scope:jira-software", "read:project:jira"),)),
    Probe("sprints", "sprints", "/rest/agile/1.0/board/{board_id}/sprint", {"maxResults": "1"}, (
        ("read:sprint:jira-software",),)),
)


def _account(data):
    if not isinstance(data, dict):
        return None
    return {"account_id": data.get("accountId"), "display_name": data.get("displayName"),
            "email": data.get("emailAddress"), "account_type": data.get("accountType"), "active": data.get("active")}


def _summary(probe, data):
    """A few words on what a probe's answer showed."""
    if not isinstance(data, dict):
        return "answered"
    if probe.name == "identity":
        return "authenticated as %s" % (data.get("displayName") or data.get("accountId"))
    if probe.name == "admin":
        have = [key for key, value in sorted((data.get("permissions") or {}).items())
                if isinstance(value, dict) and value.get("havePermission")]
        return "permissions held: %s" % (", ".join(have) or "none of %s" % ", ".join(PERMISSION_KEYS))
    if probe.name == "search":
        return "%d issue(s) on the first page" % len(data.get("issues") or ())
    if "total" in data:
        return "%s visible" % data["total"]
    return "answered"


def _same_url(first, second):
    return (first or "").rstrip("/").lower() == (second or "").rstrip("/").lower()


class ScopeCheck:
    """One run of the check: ``facts`` is the module result being built."""

    def __init__(self, task, required, presets, configured, mode):
        self.task = task
        self.params = task.params
        self.required = required
        self.mode = mode
        self.facts = {
            "mode": {"basic": "basic", None: "offline"}.get(mode, "oauth"),
            "token_kind": None, "site": None, "site_name": None, "cloud_id": None, "connection_url": None,
            "account": None, "login_reason": None, "permissions": {},
            "required_scopes": list(required), "presets": list(presets),
            "configured_scopes": None if configured is None else list(configured),
            "granted_scopes": None, "missing_scopes": [], "extra_scopes": [], "not_granted_scopes": [],
            "unknown_scopes": [], "unverified_scopes": [], "unconfirmed_scopes": [],
            "sites_reached": None, "probes": [], "problems": [], "notes": [], "retries": 0,
        }
        self.problems = self.facts["problems"]
        self.client = None

    # -- offline ------------------------------------------------------------------------------------------------
    def unknown(self, names, source):
        for entry in scopes.unknown(names):
            entry["source"] = source
            self.facts["unknown_scopes"].append(entry)
        unconfirmed = self.facts["unconfirmed_scopes"]
        unconfirmed.extend(name for name in names if name in scopes.UNCONFIRMED_SCOPES and name not in unconfirmed)

    def compare_configured(self, configured):
        """configured_scopes against required_scopes (the offline check, also run beside basic auth)."""
        found = scopes.classify(configured, self.required)
        self.facts["missing_scopes"] = found["missing"]
        self.facts["extra_scopes"] = found["extra"]
        if found["missing"]:
            self.problems.append(
                "The configured scopes lack %d required scope(s): %s. Add them to the ServiceNow application "
                "registry's OAuth entity scopes and profile scopes, and enable them on the Atlassian app "
                "(developer console > Permissions), then get a new token." % (
                    len(found["missing"]), ", ".join(found["missing"])))

    def report_unknown(self):
        for source, what in (("configured", "configured_scopes"), ("required", "required_scopes")):
            entries = [entry for entry in self.facts["unknown_scopes"] if entry["source"] == source]
            if entries:
                self.problems.append(
                    "%s names %d unknown scope(s): %s. Atlassian refuses a consent request for a scope the app "
                    "does not offer: fix the spelling." % (what, len(entries), scopes.describe_unknown(entries)))
        if self.facts["unconfirmed_scopes"]:
            self.facts["notes"].append(
                "%s: in ServiceNow's default scope list but in no Jira OpenAPI spec; accepted as valid." %
                ", ".join(self.facts["unconfirmed_scopes"]))

    # -- basic authentication -----------------------------------------------------------------------------------
    def basic(self):
        client = self.client
        credentials = BasicCredentials(self.params["username"], self.params["api_token"])
        self.task.warn(BASIC_AUTH_WARNING)
        self.facts["site"] = client.require_site()
        self.facts["site_name"] = self.facts["site"].split("//", 1)[-1]
        cloud_id = self.facts["cloud_id"] = client.tenant_info()
        identity = self._entry(IDENTITY)
        kind, answer = self._authenticate(credentials, cloud_id, identity)
        self.facts["token_kind"] = kind
        if kind == "classic_api_token":
            self.facts["connection_url"] = client.site
        else:
            self.facts["connection_url"] = client.gateway_url(cloud_id)
            self.task.warn(
                "The API token of %s is a scoped API token: it works only through Atlassian's API gateway. The "
                "spoke's connection URL must be %s, not the site URL %s." % (
                    credentials.username, self.facts["connection_url"], client.site))
        if answer is not None:
            self._identity(identity, answer)
        self.facts["probes"].append(identity)
        self._check_connection_url()
        if kind == "classic_api_token":
            def call(path, params):
                return client.site_request("GET", path, credentials, params=params)
        else:
            def call(path, params):
                return client.gateway_request(cloud_id, "GET", path, credentials, params=params)
        self._probes(call, granted=None)

    def _authenticate(self, credentials, cloud_id, identity):
        """``(token kind, myself answer)`` (the answer is None when the gateway accepts a scoped token that lacks
        the identity scopes).

        Every refusal of basic auth on the site counts as a failed login there, and enough of them in a row lock the
        account behind a CAPTCHA (X-Authentication-Denied-Reason: CAPTCHA_CHALLENGE), so the site is never asked
        with a token that may be scoped. Atlassian documents the site URL for classic API tokens and the gateway URL
        for scoped ones; whether the gateway also takes a classic token is not documented. Hence, with ``token_kind``:

        - ``auto``: the gateway first. It accepts: the token is used through the gateway and reported as scoped (a
          note says the site was not tried). It refuses: the site, which accepts a classic token; only a token that
          works nowhere costs one failed login on the site;
        - ``classic``: the site only; ``scoped``: the gateway only.
        """
        site = ("classic_api_token", lambda: self.client.site_request("GET", MYSELF, credentials))
        gateway = ("scoped_api_token", lambda: self.client.gateway_request(cloud_id, "GET", MYSELF, credentials))
        chosen = self.params.get("token_kind") or "auto"
        attempts = {"classic": [site], "scoped": [gateway]}.get(chosen, [gateway, site])
        refusals = {}
        for kind, attempt in attempts:
            try:
                answer = attempt()
            except ScopeMismatchError as exc:  # the gateway accepted a scoped token without read:jira-user
                self._failed(identity, exc, "a scoped API token that includes")
                return kind, None
            except AuthenticationError as exc:
                if exc.details.get("captcha"):
                    raise
                refusals[kind] = exc
                continue
            if kind == "scoped_api_token" and chosen == "auto":
                self.facts["notes"].append(
                    "Atlassian's API gateway accepted the API token, so it is taken for a scoped token without trying "
                    "the site URL (a refusal there would count as a failed login). If it is a classic token, "
                    "token_kind: classic checks it on the site URL.")
            return kind, answer
        if len(refusals) == 1:
            raise next(iter(refusals.values()))
        site_refusal = refusals["classic_api_token"]
        raise AuthenticationError(
            "%s Atlassian's API gateway refused it too, so it is not a working scoped token either." %
            site_refusal.message, hint=BAD_API_TOKEN_HINT, method=site_refusal.method, url=site_refusal.url,
            **site_refusal.details)

    def _identity(self, entry, answer):
        entry.update(ok=True, status=answer.status, detail=_summary(IDENTITY, answer.data))
        self.facts["account"] = _account(answer.data)
        self.facts["login_reason"] = answer.login_reason
        if self.facts["account"] and self.facts["account"]["active"] is False:
            self.problems.append("The Atlassian account %s is not active on %s: reactivate it (admin.atlassian.com) "
                                 "or use another account." % (self.facts["account"]["display_name"],
                                                              self.facts["site"]))

    def _check_connection_url(self):
        given = self.params.get("connection_url")
        if given and not _same_url(given, self.facts["connection_url"]):
            why = {
                "classic_api_token": "Atlassian documents classic API tokens on the site URL",
                "scoped_api_token": "a scoped API token works only through the API gateway",
            }.get(self.facts["token_kind"], "OAuth tokens work only through the API gateway")
            self.problems.append(
                "The spoke's connection URL %s is not where this token works: %s. Set the connection URL to %s "
                "(snowspoke.jira.servicenow_http_connection connection_url)." % (
                    given, why, self.facts["connection_url"]))

    # -- OAuth --------------------------------------------------------------------------------------------------
    def oauth(self):
        client = self.client
        token_scopes = None
        if self.mode == "client_credentials":
            client_id = self.params["client_id"]
            token = client.client_credentials_token(client_id, self.params["client_secret"])
            credentials = BearerCredentials(token["access_token"], "the client credentials token of client %s"
                                            % client_id)
            token_scopes = scopes.normalize(token.get("scope"))
            self.facts["token_kind"] = "client_credentials"
        else:
            credentials = BearerCredentials(self.params["access_token"])
            self.facts["token_kind"] = "oauth_access_token"
        resources = client.accessible_resources(credentials)
        self.facts["sites_reached"] = sorted(
            ({"name": r.get("name"), "url": r.get("url"), "cloud_id": r.get("id")} for r in resources
             if isinstance(r, dict)), key=lambda site: site["url"] or "")
        resource = self._resource(resources)
        if resource is None:
            return
        cloud_id = self.facts["cloud_id"] = resource.get("id")
        self.facts["site"] = self.facts["site"] or resource.get("url")
        self.facts["site_name"] = resource.get("name")
        self.facts["connection_url"] = client.gateway_url(cloud_id)
        granted = scopes.normalize(resource.get("scopes"))
        granted += [name for name in token_scopes or () if scopes.is_identity(name) and name not in granted]
        self._identity_scopes(credentials, granted, token_scopes is not None)
        self.facts["granted_scopes"] = sorted(granted)
        self._compare_granted(granted)
        self._check_connection_url()

        def call(path, params):
            return client.gateway_request(cloud_id, "GET", path, credentials, params=params)
        self._probes(call, granted=granted)

    def _resource(self, resources):
        """The accessible resource of the site to check (None, with a problem, when the token does not reach it)."""
        reached = ", ".join("%s (%s)" % (site["url"], site["cloud_id"]) for site in self.facts["sites_reached"])
        if self.client.site:
            self.facts["site"] = self.client.site
            cloud_id = self.facts["cloud_id"] = self.client.tenant_info()
            for resource in resources:
                if isinstance(resource, dict) and (resource.get("id") == cloud_id
                                                   or _same_url(resource.get("url"), self.client.site)):
                    return resource
            self.problems.append(
                "The token does not reach %s (Cloud ID %s); it reaches %s. The consenting account must be a member "
                "of that site, and the consent must be given for it: get a new token (\"Get OAuth Token\") and "
                "choose this site." % (self.client.site, cloud_id, reached or "no site at all"))
            return None
        if len(resources) == 1 and isinstance(resources[0], dict):
            return resources[0]
        self.problems.append(
            "The token reaches %s: set jira_url to the site to check." % (
                "no site at all" if not resources else "several sites, %s" % reached))
        return None

    def _identity_scopes(self, credentials, granted, token_scopes_known):
        """offline_access, read:me and read:account are never listed per site: see what can be seen."""
        for name in [name for name in self.required if scopes.is_identity(name) and name not in granted]:
            if self.mode == "client_credentials" and name == scopes.OFFLINE_ACCESS:
                self.facts["notes"].append("offline_access is not needed with the client credentials grant: it "
                                           "gives no refresh token.")
            elif token_scopes_known:
                continue  # the token answer lists every scope: it is missing
            elif name == "read:me":
                try:
                    self.client.me(credentials)
                    granted.append(name)
                except ScopeMismatchError:
                    pass
                except HTTPError:
                    self.facts["unverified_scopes"].append(name)
            else:
                self.facts["unverified_scopes"].append(name)

    def _compare_granted(self, granted):
        skip = set(self.facts["unverified_scopes"])
        if self.mode == "client_credentials":
            skip.add(scopes.OFFLINE_ACCESS)
        missing = [name for name in self.required if name not in granted and name not in skip]
        self.facts["missing_scopes"] = missing
        self.facts["extra_scopes"] = [name for name in granted if name not in self.required]
        configured = self.facts["configured_scopes"]
        if configured is not None:
            self.facts["not_granted_scopes"] = [
                name for name in configured if name not in granted and scopes.is_valid(name)
                and not scopes.is_identity(name)]
        if missing:
            where = ("the service account's OAuth credentials (admin.atlassian.com)" if self.mode ==
                     "client_credentials" else "the Atlassian app (developer console > Permissions)")
            self.problems.append(
                "The token was not granted %d required scope(s) on %s: %s. Enable them on %s and in the ServiceNow "
                "application registry's entity and profile scopes, then get a new token so it covers them." % (
                    len(missing), self.facts["site"], ", ".join(missing), where))
        if self.facts["not_granted_scopes"]:
            self.problems.append(
                "Scopes configured but not granted to the token: %s. The consent predates them: get a new token "
                "(\"Get OAuth Token\") after enabling them on the Atlassian app." % ", ".join(
                    self.facts["not_granted_scopes"]))
        if self.facts["unverified_scopes"]:
            self.facts["notes"].append("Not verifiable from an access token: %s (Atlassian lists only Jira scopes "
                                       "per site)." % ", ".join(self.facts["unverified_scopes"]))

    # -- probes -------------------------------------------------------------------------------------------------
    def _entry(self, probe, path=None):
        return {"name": probe.name, "label": probe.label, "method": "GET", "path": path or probe.path,
                "expected": scopes.satisfies(self.required, probe.alternatives), "needs": probe.needs(),
                "ok": None, "status": None, "detail": ""}

    def _failed(self, entry, exc, remedy="a token granted"):
        entry.update(ok=False, status=getattr(exc, "status", None), detail=exc.message)
        if not entry["expected"]:
            return
        if isinstance(exc, ScopeMismatchError):
            self.problems.append("The %s probe (GET %s) was refused for lack of scopes: use %s %s." % (
                entry["label"], entry["path"], remedy, entry["needs"]))
        else:
            self.problems.append("The %s probe (GET %s) failed: %s" % (entry["label"], entry["path"], exc))

    def _probes(self, call, granted):
        """Permissions always; the other probes when ``probes`` is true. With OAuth (``granted`` known) a probe
        whose scopes were not granted is skipped: its outcome is known."""
        done = set(entry["name"] for entry in self.facts["probes"])
        board_id = None
        remedy = "a scoped API token that includes" if granted is None else "a token granted"
        for probe in PROBES:
            if probe.name in done or (probe not in (IDENTITY, ADMIN) and not self.params.get("probes", True)):
                continue
            path = probe.path
            if "{board_id}" in path:
                if board_id is None:
                    entry = self._entry(probe)
                    entry["detail"] = "skipped: no scrum board to read sprints from"
                    self.facts["probes"].append(entry)
                    continue
                path = path.format(board_id=board_id)
            entry = self._entry(probe, path)
            self.facts["probes"].append(entry)
            if granted is not None and not scopes.satisfies(granted, probe.alternatives):
                entry["detail"] = "skipped: the token was not granted %s" % probe.needs()
                continue
            try:
                answer = call(path, probe.params)
            except HTTPError as exc:
                self._failed(entry, exc, remedy)
                continue
            entry.update(ok=True, status=answer.status, detail=_summary(probe, answer.data))
            if probe is IDENTITY:
                self.facts["account"] = _account(answer.data)
            elif probe is ADMIN:
                self._permissions(answer.data)
            elif probe.name == "boards":
                values = (answer.data or {}).get("values") or []
                board_id = values[0].get("id") if values and isinstance(values[0], dict) else None

    def _permissions(self, data):
        found = (data or {}).get("permissions") or {}
        self.facts["permissions"] = dict(
            (key, bool(value.get("havePermission"))) for key, value in found.items() if isinstance(value, dict))
        who = (self.facts["account"] or {}).get("display_name") or "The account"
        for key, scope in sorted(PERMISSION_NEEDED_FOR.items()):
            if self.facts["permissions"].get(key) is False and scope in self.required:
                self.problems.append(
                    "%s lacks the Jira permission %s on %s, which the %s scope's actions need: grant it (Jira "
                    "settings > %s) or use another account." % (
                        who, key, self.facts["site"], scope,
                        "System > Global permissions" if key == "ADMINISTER" else "Projects > Permission schemes"))


def run(task):
    """Check the Jira side; fail (unless fail_on_problems is false) listing every problem."""
    params = task.params
    required, presets = scopes.expand(params.get("required_scopes"))
    configured = params.get("configured_scopes")
    configured = None if configured is None else scopes.normalize(configured)
    mode = auth_mode(params)
    if mode is None and configured is None:
        raise OptionError(
            "Nothing to check: give configured_scopes (an offline check of a scope list) or credentials.",
            hint="Credentials: username + api_token, access_token, or client_id + client_secret (or JIRA_*).")
    check = ScopeCheck(task, required, presets, configured, mode)
    check.unknown(required, "required")
    if configured is not None:
        check.unknown(configured, "configured")
        if check.facts["mode"] != "oauth":
            check.compare_configured(configured)
    if mode is not None:
        check.client = JiraClient.from_options(params, log=task.log, warn=task.warn)
        try:
            if mode == "basic":
                check.basic()
            else:
                check.oauth()
        except HTTPError as exc:  # a refusal that ends the check is a finding, reported like the others
            check.problems.append(str(exc))
        check.facts["retries"] = check.client.retries
    check.report_unknown()
    facts = check.facts
    facts["ok"] = not facts["problems"]
    if facts["problems"] and params.get("fail_on_problems", True):
        raise SnowspokeError(
            "The Jira side is not ready for the spoke%s: %s" % (
                " (%s)" % facts["site"] if facts["site"] else "",
                " ".join("(%d) %s" % (number, problem) for number, problem in enumerate(facts["problems"], 1))),
            hint="Nothing was changed; set fail_on_problems: false to only report.", **facts)
    facts["changed"] = False
    return facts
