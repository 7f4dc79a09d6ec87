# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The browser step and token health of an OAuth 2.0 credential (``servicenow_oauth_token_info``).

"Get OAuth Token" cannot be done over REST: an administrator opens the consent URL while logged in to the
instance and accepts at Atlassian. This module gives that URL, tells whether consent was given (a refresh token
row in ``oauth_credential`` for the credential; for the client credentials grant an access token row, and no
browser step at all), can wait for it, and reports the refresh token's age against Atlassian's limits (90 days
unused, 365 days in all) so an audit finds the connection about to stop working.
"""

from __future__ import annotations

import datetime
import time
from urllib.parse import urlencode

from ..common.errors import RecordError
from . import lookups
from .query import Query
from .reads import Reads

ATLASSIAN_IDLE_DAYS = 90
ATLASSIAN_MAX_DAYS = 365

ARGUMENT_SPEC = {
    "credential": {"type": "str", "required": True},
    "wait_timeout": {"type": "int", "default": 0},
    "wait_interval": {"type": "float", "default": 5.0},
    "warn_days": {"type": "int", "default": 14},
}
MODULE_KWARGS = {}

# The credential's profile and registry, read with the credential by dot-walking.
PROFILE_PATHS = ("name", "grant_type", "oauth_entity", "oauth_entity.name", "oauth_entity.client_id",
                 "oauth_entity.default_grant_type", "oauth_entity.redirect_url", "oauth_entity.refresh_token_lifespan")
CREDENTIAL_FIELDS = ["sys_id", "name", "oauth_entity_profile"] + [
    "oauth_entity_profile." + path for path in PROFILE_PATHS]
TOKEN_FIELDS = ["sys_id", "type", "expires", "sys_created_on", "sys_updated_on", "oauth_requestor_profile.requestor_id"]


def parse_time(value):
    """A ServiceNow date-time (UTC, ``YYYY-MM-DD HH:MM:SS``) as epoch seconds, or None."""
    if not value:
        return None
    try:
        moment = datetime.datetime.strptime(value[:19], "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return moment.replace(tzinfo=datetime.timezone.utc).timestamp()


def _days(seconds):
    return round(seconds / 86400.0, 1)


def consent_url(base_url, credential_sys_id, profile_sys_id):
    """The page behind the credential's "Get OAuth Token" related link (ServiceNow docs)."""
    return "%s/oauth_initiator.do?%s" % (base_url, urlencode([
        ("oauth_requestor_context", "oauth_2_0_credentials"), ("oauth_requestor", credential_sys_id),
        ("oauth_provider_profile", profile_sys_id), ("response_type", "code")]))


def _token_facts(rows, now):
    facts = {}
    for kind in ("refresh_token", "access_token"):
        row = max((r for r in rows if r.get("type") == kind), key=lambda r: r.get("sys_updated_on") or "",
                  default=None)
        if row is None:
            facts[kind] = {"present": False}
            continue
        created, updated, expires = (parse_time(row.get(name))
                                     for name in ("sys_created_on", "sys_updated_on", "expires"))
        facts[kind] = {
            "present": True, "created": row.get("sys_created_on"), "updated": row.get("sys_updated_on"),
            "expires": row.get("expires") or None,
            "expired": bool(expires and expires <= now),
            "age_days": _days(now - created) if created else None,
            "idle_days": _days(now - (updated or created)) if (updated or created) else None,
        }
    return facts


def _health(grant, tokens, warn_days):
    """ok / warning / expired / not_consented, with one sentence per finding. Never ok without a token."""
    if grant == "client_credentials":
        if not tokens["access_token"]["present"]:
            return {"status": "not_consented", "messages": [
                "No access token yet: the credential's \"Get OAuth Token\" step has not been done."]}
        return {"status": "ok", "messages": []}
    refresh = tokens["refresh_token"]
    if not refresh["present"]:
        return {"status": "not_consented", "messages": ["No refresh token yet: the browser step has not been done."]}
    messages = []
    status = "ok"
    if refresh.get("expired"):
        status = "expired"
        messages.append("The refresh token expired on %s (its expires field). Do the browser step again."
                        % refresh["expires"])
    for days, limit, what in ((refresh.get("idle_days"), ATLASSIAN_IDLE_DAYS, "unused"),
                              (refresh.get("age_days"), ATLASSIAN_MAX_DAYS, "old")):
        if days is None:
            continue
        if days >= limit:
            status = "expired"
            messages.append("The refresh token is %s days %s: Atlassian expires refresh tokens after %d days %s. "
                            "Do the browser step again." % (days, what, limit, what))
        elif days >= limit - warn_days and status != "expired":
            status = "warning"
            messages.append("The refresh token is %s days %s; Atlassian expires it at %d days %s. Plan to do the "
                            "browser step again (or make sure the connection is used)." % (days, what, limit, what))
    return {"status": status, "messages": messages}


def reads(credential):
    """The credential with its profile and registry (one read, by name or sys_id)."""
    return Reads().add("credential", "oauth_2_0_credentials", lookups.identity_of(credential), CREDENTIAL_FIELDS)


def token_read(credential_sys_id):
    """The tokens the instance holds for a credential. sys_ids are unique across tables, so the requestor id alone
    names the credential (the requestor profile's requestor_context column is not documented: only the URL
    parameter of that name is)."""
    return "oauth_credential", {"oauth_requestor_profile.requestor_id": credential_sys_id}, TOKEN_FIELDS


def profile_of(credential):
    """The profile and registry of a credential read with CREDENTIAL_FIELDS."""
    profile = dict((path, credential.get("oauth_entity_profile." + path)) for path in PROFILE_PATHS)
    profile["sys_id"] = credential.get("oauth_entity_profile")
    return profile


class Consent:
    """The browser step of one credential: what it needs, and whether the instance holds its token."""

    def __init__(self, base_url, credential, profile):
        self.credential = credential
        self.profile = profile
        self.grant = profile.get("oauth_entity.default_grant_type") or profile.get("grant_type") or \
            "authorization_code"
        self.code_grant = self.grant == "authorization_code"
        self.url = consent_url(base_url, credential["sys_id"], profile["sys_id"]) if self.code_grant else None
        self.record_url = "%s/oauth_2_0_credentials.do?sys_id=%s" % (base_url, credential["sys_id"])
        self.rows = []

    def given(self, rows=None):
        """The right row for the grant: a refresh token (authorization code) or an access token (client
        credentials); any other row is not the consent."""
        kind = "refresh_token" if self.code_grant else "access_token"
        return any(row.get("type") == kind for row in (self.rows if rows is None else rows))

    def step(self, host):
        """What the administrator does, in one sentence, with the URL first."""
        if self.code_grant:
            return ("%s - open it in a browser logged in to %s as an admin and click Accept at Atlassian (credential "
                    "%r, its \"Get OAuth Token\" link)." % (self.url, host, self.credential.get("name")))
        return ("%s - open the credential %r logged in to %s as an admin and click its \"Get OAuth Token\" related "
                "link (client credentials grant: no Atlassian consent page)." % (
                    self.record_url, self.credential.get("name"), host))


def refusal_hint(consents):
    """What Atlassian's refusal of a consent means, for the credentials still waiting. ServiceNow shows the refusal
    in the browser only (its redirect page) and keeps no record of it that a REST client could read, so the reasons
    are given as what to check, with the facts this run knows."""
    code = [consent for consent in consents if consent.code_grant]
    if not code:
        return ""
    redirects = sorted(set(consent.profile.get("oauth_entity.redirect_url") or "" for consent in code) - {""})
    return (" If Atlassian showed an error instead of its Accept button (ServiceNow keeps no record of it): "
            "\"access_denied\" or \"invalid_scope\" - the app in Atlassian's developer console lacks a scope the "
            "registry asks for (add each under Permissions; jira_scope_check lists them); \"redirect_uri\" - the "
            "app's callback URL must be %s." % (" or ".join(redirects) or "the registry's redirect URL"))


def wait_for(task, client, consents, timeout, interval, sleep=time.sleep, clock=time.time):
    """Poll until every consent is given (one read per interval for all of them), a line per interval with the URLs
    first; RecordError naming those still missing when ``timeout`` passes. Returns the seconds waited."""
    waiting = [consent for consent in consents if not consent.given()]
    waited = 0.0
    if not waiting or timeout <= 0:
        return waited
    deadline = clock() + timeout
    while waiting and clock() < deadline:
        task.progress("Waiting for the browser step on %s (%d s left): %s" % (
            client.host, max(0, int(deadline - clock())), " | ".join(consent.step(client.host) for consent in waiting)))
        pause = min(max(0.1, interval), max(0.0, deadline - clock()))
        sleep(pause)
        waited += pause
        table, _query, fields = token_read(None)
        query = Query().where("oauth_requestor_profile.requestor_id", "IN",
                              [consent.credential["sys_id"] for consent in waiting])
        rows = client.list(table, query, fields=fields)
        for consent in waiting:
            consent.rows = [row for row in rows
                            if row.get("oauth_requestor_profile.requestor_id") == consent.credential["sys_id"]]
        waiting = [consent for consent in waiting if not consent.given()]
    if waiting:
        raise RecordError(
            "The browser step was not done within %d s for OAuth 2.0 credential %s on %s." % (
                timeout, ", ".join(repr(consent.credential.get("name")) for consent in waiting), client.host),
            hint="Open %s, then run again.%s" % (" and ".join(consent.step(client.host) for consent in waiting),
                                                 refusal_hint(waiting)),
            consent_url=waiting[0].url)
    return waited


def report(task, client, consent, warn_days, waited=0.0, clock=time.time):
    """The module's result for one credential: consent, token facts and health, warnings for what needs action."""
    credential, profile, grant = consent.credential, consent.profile, consent.grant
    tokens = _token_facts(consent.rows, clock())
    health = _health(grant, tokens, warn_days)
    for message in health["messages"] if health["status"] in ("warning", "expired") else []:
        task.warn("%s (credential %r on %s)" % (message, credential["name"], client.host))
    lifespan = profile.get("oauth_entity.refresh_token_lifespan")
    if consent.code_grant and lifespan and lifespan.isdigit() and int(lifespan) > ATLASSIAN_IDLE_DAYS * 86400:
        health["messages"].append(
            "The registry's refresh_token_lifespan (%s s, %s days) is longer than Atlassian's %d-day idle limit: "
            "ServiceNow may keep a refresh token Atlassian no longer accepts." % (
                lifespan, _days(int(lifespan)), ATLASSIAN_IDLE_DAYS))
    given = consent.given()
    if consent.code_grant:
        message = ("Consent given: the instance holds a refresh token." if given else
                   "One browser step left: open the consent URL (consent_url) in a browser logged in to %s as an "
                   "admin and click Accept at Atlassian (the credential's \"Get OAuth Token\" link)." % client.host)
    else:
        # ServiceNow's procedure for the client credentials grant ends with the same "Get OAuth Token" click; no
        # Atlassian consent page, but the instance is not documented to fetch the first token by itself.
        message = ("The instance holds an access token (client credentials grant)." if given else
                   "One step left: open the credential (%s) logged in as an admin and click its \"Get OAuth Token\" "
                   "related link; with the client credentials grant there is no Atlassian consent page."
                   % consent.record_url)
    return {
        "changed": False,
        "credential": {"sys_id": credential["sys_id"], "name": credential.get("name")},
        "profile": {"sys_id": profile["sys_id"], "name": profile.get("name")},
        "registry": {"sys_id": profile.get("oauth_entity"), "name": profile.get("oauth_entity.name"),
                     "client_id": profile.get("oauth_entity.client_id"),
                     "redirect_url": profile.get("oauth_entity.redirect_url")},
        "grant_type": grant,
        "browser_step_required": not given,
        "consent_url": consent.url,
        "credential_url": consent.record_url,
        "consent_given": given,
        "waited": round(waited, 1),
        "tokens": tokens,
        "health": health,
        "message": message,
    }


def run(task, sleep=time.sleep, clock=time.time):
    params = task.params
    reconciler = task.reconciler()
    client = reconciler.client
    found = reads(params["credential"]).fetch(client)
    credential = lookups.resolve(
        task, reconciler, "oauth_2_0_credentials", params["credential"], found["credential"], "OAuth 2.0 credential",
        option="credential",
        hint="Create it first with snowspoke.jira.servicenow_credential (type oauth_2_0_credentials).")
    if credential.get("_placeholder"):
        return {"changed": False, "credential": None, "consent_given": False, "consent_url": None,
                "browser_step_required": None, "message": "The credential does not exist yet (check mode)."}
    profile = profile_of(credential)
    if not profile["sys_id"]:
        raise RecordError("OAuth 2.0 credential %r has no OAuth entity profile on %s." % (
            credential.get("name"), client.host),
            hint="Set its profile with snowspoke.jira.servicenow_credential (oauth_registry or oauth_profile).")
    consent = Consent(client.base_url, credential, profile)
    table, query, fields = token_read(credential["sys_id"])
    consent.rows = client.list(table, query, fields=fields)
    waited = wait_for(task, client, [consent], params["wait_timeout"], params["wait_interval"], sleep, clock)
    return report(task, client, consent, params["warn_days"], waited, clock)
