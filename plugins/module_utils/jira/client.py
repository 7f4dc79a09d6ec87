# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client of Jira Cloud and Atlassian's API gateway and auth server, on the shared Transport.

- site requests: ``https://<site>.atlassian.net/rest/...`` with basic auth (e-mail + classic API token);
- gateway requests: ``{atlassian_api_url}/ex/jira/{cloud_id}/rest/...`` with an OAuth bearer token or basic auth
  with a scoped API token; ``accessible-resources`` and ``/me``;
- the client credentials grant at ``{atlassian_auth_url}/oauth/token`` (service accounts);
- ``tenant_info``: a site's Cloud ID, without credentials.

Answers become errors that say what Atlassian meant: the login outcome in ``X-Seraph-LoginReason``, a CAPTCHA
demand, a scope mismatch at the gateway, an HTML page where a site should answer JSON ("no such site"), a removed
API (410), a rate limit that outlasted the retries. No token ever appears in a message or a log line. There is
no refresh-token grant here on purpose: refreshing a token ServiceNow holds would break ServiceNow's copy.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..common.errors import (
    AccessDeniedError,
    AuthenticationError,
    HTTPError,
    NotFoundError,
    OptionError,
    RateLimitError,
    UnexpectedContentError,
)
from ..common.transport import RetryPolicy, Transport, check_retry, check_tls, is_html, json_or_none
from .options import ATLASSIAN_API_URL, ATLASSIAN_AUTH_URL, GATEWAY_JIRA_PATH, service_url, site_url

TENANT_INFO_PATH = "/_edge/tenant_info"
ACCESSIBLE_RESOURCES_PATH = "/oauth/token/accessible-resources"
TOKEN_PATH = "/oauth/token"
API_TOKENS_URL = "https://id.atlassian.com/manage-profile/security/api-tokens"
BAD_API_TOKEN_HINT = ("The API token is wrong, revoked or expired (API tokens expire 1 to 365 days after creation and "
                      "cannot be renewed: create a new one at %s), or the account is not an active member of the "
                      "site." % API_TOKENS_URL)
FAILED_LOGIN_REASONS = ("AUTHENTICATED_FAILED", "AUTHENTICATION_DENIED")
JSON_ACCEPT = {"Accept": "application/json"}


class ScopeMismatchError(AccessDeniedError):
    """The gateway authenticated the caller but the token lacks the scopes of the operation."""


class GoneError(HTTPError):
    """410: Atlassian removed the API (for example the old ``/rest/api/3/search``)."""


class BasicCredentials:
    """An Atlassian account e-mail and API token (classic on the site URL, scoped through the gateway)."""

    def __init__(self, username, api_token):
        self.username = username
        self._token = api_token

    def apply(self):
        return (self.username, self._token), {}

    def describe(self):
        return "the API token of %s" % self.username

    def __repr__(self):
        return "BasicCredentials(%r)" % self.username


class BearerCredentials:
    """An OAuth 2.0 access token (3LO or client credentials). Only used, never refreshed."""

    def __init__(self, access_token, description="the OAuth access token"):
        self._token = access_token
        self.description = description

    def apply(self):
        return None, {"Authorization": "Bearer %s" % self._token}

    def describe(self):
        return self.description

    def __repr__(self):
        return "BearerCredentials(%r)" % self.description


class Answer:
    """A successful answer: ``status``, parsed ``data``, ``headers``, and the retries it took."""

    def __init__(self, response, data):
        self.status = response.status_code
        self.data = data
        self.headers = response.headers
        self.retries = getattr(response, "retries", 0)
        self.waited = getattr(response, "waited", 0.0)

    @property
    def login_reason(self):
        return self.headers.get("X-Seraph-LoginReason")


def _page_title(text):
    found = re.search(r"<h1[^>]*>(.*?)</h1>|<title[^>]*>(.*?)</title>", text or "", re.IGNORECASE | re.DOTALL)
    if not found:
        return ""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1) or found.group(2) or "")).strip()[:120]


def _said(payload):
    """What an Atlassian error body says: Jira's errorMessages/errors, the gateway's message, OAuth's error."""
    if isinstance(payload, list):
        return ""
    if not isinstance(payload, dict):
        return ""
    parts = [str(text) for text in payload.get("errorMessages") or () if text]
    errors = payload.get("errors")
    if isinstance(errors, dict):
        parts.extend("%s: %s" % (key, value) for key, value in errors.items())
    if payload.get("error"):
        error = payload["error"]
        error = error.get("message") if isinstance(error, dict) else error
        parts.append("%s: %s" % (error, payload["error_description"]) if payload.get("error_description")
                     else str(error))
    elif payload.get("message"):
        parts.append(str(payload["message"]))
    return "; ".join(parts)


def _captcha_login_url(value):
    found = re.search(r"login-url=(\S+)", value or "")
    return found.group(1).rstrip(";") if found else None


class JiraClient:
    """Talks to one Jira Cloud site (``site``, may be None with OAuth) and to Atlassian's gateway and auth server.

    Build it with ``from_options(params, log)`` (the JIRA option table) or directly for a lookup.
    """

    def __init__(self, site=None, api_url=ATLASSIAN_API_URL, auth_url=ATLASSIAN_AUTH_URL, validate_certs=True,
                 ca_path=None, timeout=30.0, proxy=None, retry=None, log=None):
        self.site = site
        self.api_url = api_url.rstrip("/")
        self.auth_url = auth_url.rstrip("/")
        self.log = log or (lambda message: None)
        self._settings = {"validate_certs": validate_certs, "ca_path": ca_path, "timeout": timeout, "proxy": proxy,
                          "retry": retry or RetryPolicy()}
        self._transports = {}
        self.retries = 0
        self.requests_made = 0

    @classmethod
    def from_options(cls, params, log=None, warn=None):
        """Validate the connection options (OptionError names the culprit); no request is made yet. ``warn``:
        where a warning about a risky choice goes (``validate_certs: false``)."""
        params = dict(params or {})
        check_tls("", "Atlassian (the Jira site, its API gateway and auth server)",
                  params.get("validate_certs", True) is not False, params.get("ca_path"), warn)
        timeout = params.get("timeout") if params.get("timeout") is not None else 30.0
        if timeout <= 0:
            raise OptionError("timeout must be a positive number of seconds (got %s)." % timeout)
        check_retry("", params.get("retries"), params.get("retry_backoff"), params.get("retry_max_wait"))
        proxy = params.get("proxy")
        if proxy:
            parts = urlsplit(proxy)
            if parts.scheme not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
                raise OptionError("proxy %r is not a proxy URL such as http://proxy.example.com:3128." % proxy)
        retry = RetryPolicy(
            retries=params["retries"] if params.get("retries") is not None else 4,
            backoff=params["retry_backoff"] if params.get("retry_backoff") is not None else 5.0,
            max_wait=params["retry_max_wait"] if params.get("retry_max_wait") is not None else 120.0,
        )
        return cls(
            site=site_url(params.get("jira_url")),
            api_url=service_url(params.get("atlassian_api_url") or ATLASSIAN_API_URL, "atlassian_api_url"),
            auth_url=service_url(params.get("atlassian_auth_url") or ATLASSIAN_AUTH_URL, "atlassian_auth_url"),
            validate_certs=params.get("validate_certs", True) is not False, ca_path=params.get("ca_path"),
            timeout=timeout, proxy=proxy, retry=retry, log=log,
        )

    # -- where ------------------------------------------------------------------------------------------------
    def gateway_url(self, cloud_id):
        """The base URL of a site's Jira REST API through the gateway (the spoke's OAuth connection URL)."""
        return "%s%s%s" % (self.api_url, GATEWAY_JIRA_PATH, cloud_id)

    def _transport(self, base_url):
        """One Transport (session) per origin: the site, the gateway, the auth server."""
        origin = "%s://%s" % urlsplit(base_url)[:2]
        transport = self._transports.get(origin)
        if transport is None:
            host = urlsplit(origin).hostname
            if base_url.startswith(self.api_url):
                service = "Atlassian's API gateway (%s)" % host
            elif base_url.startswith(self.auth_url):
                service = "Atlassian's authorization server (%s)" % host
            else:
                service = "Jira Cloud site %s" % host
            transport = Transport(origin, service=service, log=self.log, **self._settings)
            self._transports[origin] = transport
        return transport

    def require_site(self, site=None):
        """The site URL to use (``site`` or the client's); OptionError when there is none."""
        site = site or self.site
        if not site:
            raise OptionError("jira_url is required: the Jira Cloud site, https://<site>.atlassian.net.",
                              hint="Set it in the task or in JIRA_URL.")
        return site

    # -- requests ---------------------------------------------------------------------------------------------
    def _send(self, base_url, method, path, credentials=None, params=None, json=None, idempotent=None):
        auth, headers = credentials.apply() if credentials is not None else (None, {})
        headers = dict(headers, **JSON_ACCEPT)
        response = self._transport(base_url).request(method, base_url + path, params=params, json=json,
                                                     headers=headers, auth=auth, idempotent=idempotent)
        self.requests_made += 1
        self.retries += getattr(response, "retries", 0)
        # Host and path only: a query never carries a secret here, but the log stays short.
        retried = " after %d retries" % response.retries if getattr(response, "retries", 0) else ""
        where = urlsplit(base_url)
        self.log("%s %s%s -> %d%s" % (method, where.hostname, where.path + path, response.status_code, retried))
        return response

    def tenant_info(self, site=None):
        """The Cloud ID of a site, from ``/_edge/tenant_info`` (no credentials)."""
        site = self.require_site(site)
        response = self._send(site, "GET", TENANT_INFO_PATH)
        payload = json_or_none(response)
        if response.status_code == 200 and isinstance(payload, dict) and payload.get("cloudId"):
            return payload["cloudId"]
        self._raise(response, "GET", TENANT_INFO_PATH, None, site=site, payload=payload)
        raise UnexpectedContentError(  # a 200 without a cloudId
            "Jira Cloud site %s answered %s without a cloudId." % (urlsplit(site).hostname, TENANT_INFO_PATH),
            hint="Check that jira_url is a Jira Cloud site (https://<site>.atlassian.net).",
            status=response.status_code, method="GET", url=TENANT_INFO_PATH)

    def site_request(self, method, path, credentials, params=None, json=None, site=None):
        """A Jira REST call on the site URL (basic auth with a classic API token)."""
        site = self.require_site(site)
        response = self._send(site, method, path, credentials, params=params, json=json)
        return self._answer(response, method, path, credentials, site=site)

    def gateway_request(self, cloud_id, method, path, credentials, params=None, json=None):
        """A Jira REST call through the gateway, ``/ex/jira/{cloud_id}{path}``."""
        base = self.gateway_url(cloud_id)
        response = self._send(base, method, path, credentials, params=params, json=json)
        return self._answer(response, method, path, credentials, gateway=cloud_id)

    def accessible_resources(self, credentials):
        """The sites an OAuth access token reaches: ``[{"id", "name", "url", "scopes", "avatarUrl"}]``."""
        response = self._send(self.api_url, "GET", ACCESSIBLE_RESOURCES_PATH, credentials)
        answer = self._answer(response, "GET", ACCESSIBLE_RESOURCES_PATH, credentials, gateway="")
        if not isinstance(answer.data, list):
            raise UnexpectedContentError("Atlassian's API gateway answered accessible-resources with no list.",
                                         status=answer.status, method="GET", url=ACCESSIBLE_RESOURCES_PATH)
        return answer.data

    def me(self, credentials):
        """The token user's Atlassian profile, ``/me`` (needs ``read:me``)."""
        response = self._send(self.api_url, "GET", "/me", credentials)
        return self._answer(response, "GET", "/me", credentials, gateway="").data

    def client_credentials_token(self, client_id, client_secret, scopes=None):
        """The client credentials grant (an Atlassian service account): ``{"access_token", "scope",
        "expires_in", "token_type"}``. The token goes to the caller only, never into a message or the log."""
        body = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret}
        if scopes:
            body["scope"] = " ".join(scopes)
        response = self._send(self.auth_url, "POST", TOKEN_PATH, json=body, idempotent=False)
        payload = json_or_none(response)
        if response.status_code == 200 and isinstance(payload, dict) and payload.get("access_token"):
            self.log("client credentials grant: access token for client %s (scopes: %s)" % (
                client_id, payload.get("scope") or "none listed"))
            return payload
        self._raise_token(response, payload, client_id)
        raise UnexpectedContentError("Atlassian's authorization server answered the token request without a "
                                     "token.", status=response.status_code, method="POST", url=TOKEN_PATH)

    # -- answers and errors -------------------------------------------------------------------------------------
    def _answer(self, response, method, path, credentials, site=None, gateway=None):
        payload = json_or_none(response)
        if 200 <= response.status_code < 300 and payload is not None:
            reason = response.headers.get("X-Seraph-LoginReason") or ""
            if any(failed in reason for failed in FAILED_LOGIN_REASONS):
                self._raise(response, method, path, credentials, site=site, gateway=gateway, payload=payload)
            return Answer(response, payload)
        if response.status_code == 204 or (200 <= response.status_code < 300 and not response.content):
            return Answer(response, None)  # no content (a 202 of an accepted delete, for one)
        self._raise(response, method, path, credentials, site=site, gateway=gateway, payload=payload)
        raise UnexpectedContentError(  # a 2xx that is not JSON
            "%s answered %s %s with %s instead of JSON (HTTP %d)." % (
                self._where(site, gateway), method, path, response.headers.get("Content-Type") or "no content",
                response.status_code), status=response.status_code, method=method, url=path)

    def _where(self, site, gateway):
        if gateway is None:
            return "Jira Cloud site %s" % urlsplit(site or self.site or "").hostname
        if gateway:
            return "Atlassian's API gateway (%s) for Cloud ID %s" % (urlsplit(self.api_url).hostname, gateway)
        return "Atlassian's API gateway (%s)" % urlsplit(self.api_url).hostname

    def _raise(self, response, method, path, credentials, site=None, gateway=None, payload=None):
        """Raise the error an answer means; returns only for a 2xx the caller must judge itself."""
        status = response.status_code
        where = self._where(site, gateway)
        who = credentials.describe() if credentials is not None else "an anonymous request"
        kwargs = {"status": status, "method": method, "url": path}
        said = _said(payload)
        detail = " (HTTP %d%s)" % (status, ": " + said.rstrip(".") if said else "")
        if gateway is None and (payload is None and status != 204) and is_html(response):
            title = _page_title(response.text)
            raise UnexpectedContentError(
                "There is no Jira Cloud site at %s: it answered %s %s with an HTML page%s instead of JSON "
                "(HTTP %d)." % (site or self.site, method, path, ' ("%s")' % title if title else "", status),
                hint="Check the spelling of jira_url (https://<site>.atlassian.net); a renamed or deactivated "
                     "site answers the same way.", reason="no_such_site", **kwargs)
        denied = response.headers.get("X-Authentication-Denied-Reason") or ""
        if "CAPTCHA" in denied.upper():
            login = _captcha_login_url(denied) or "%s/login.jsp" % (site or self.site)
            raise AuthenticationError(
                "%s requires a CAPTCHA before it accepts %s again (X-Authentication-Denied-Reason: "
                "CAPTCHA_CHALLENGE, HTTP %d): too many failed logins." % (where, who, status),
                hint="Log in once in a browser at %s as that account and solve the CAPTCHA, then run again; fix "
                     "the token first, or the failed logins start over." % login, captcha=True, **kwargs)
        login_reason = response.headers.get("X-Seraph-LoginReason") or ""
        if status == 401 or any(failed in login_reason for failed in FAILED_LOGIN_REASONS):
            self._raise_unauthorized(where, who, credentials, detail, login_reason, gateway, said, kwargs)
        if 200 <= status < 300:
            return
        if status == 403:
            raise AccessDeniedError("%s refused %s %s for %s%s." % (where, method, path, who, detail),
                                    hint=self._forbidden_hint(credentials, gateway), **kwargs)
        if status == 404:
            if gateway and not said.startswith("null for uri") and (payload or {}).get("message") == "Not Found":
                raise NotFoundError(
                    "%s: no Jira site has this Cloud ID%s." % (where, detail),
                    hint="Look the Cloud ID up again (lookup snowspoke.jira.jira_cloud_id).", **kwargs)
            raise NotFoundError("%s has no %s %s%s." % (where, method, path, detail), **kwargs)
        if status == 410:
            raise GoneError("%s no longer offers %s %s%s." % (where, method, path, detail),
                            hint="Atlassian removed this API; use its replacement (for issue search, "
                                 "/rest/api/3/search/jql).", **kwargs)
        if status == 429:
            raise RateLimitError(
                "%s still rate-limits %s %s after %d retries and %.1f s of waiting%s%s." % (
                    where, method, path, getattr(response, "retries", 0), getattr(response, "waited", 0.0), detail,
                    self._rate_facts(response)),
                hint="Raise retry_max_wait (or retries), or run fewer jobs against this site at once.", **kwargs)
        if status >= 500:
            raise HTTPError("%s failed to answer %s %s%s." % (where, method, path, detail),
                            hint="Atlassian status: https://status.atlassian.com; try again later.", **kwargs)
        raise HTTPError("%s rejected %s %s%s." % (where, method, path, detail), **kwargs)

    def _raise_unauthorized(self, where, who, credentials, detail, login_reason, gateway, said, kwargs):
        reason = " X-Seraph-LoginReason: %s." % login_reason if login_reason else ""
        if "scope does not match" in said.lower():
            raise ScopeMismatchError(
                "%s accepted %s but it lacks the OAuth scopes of %s %s%s." % (
                    where, who, kwargs["method"], kwargs["url"], detail),
                hint="Grant the scopes the operation needs (see probes and missing_scopes).", scope_mismatch=True,
                **kwargs)
        if isinstance(credentials, BasicCredentials):
            if gateway is None:
                hint = BAD_API_TOKEN_HINT[:-1] + (", or it is a scoped token (scoped tokens only work through the "
                                                  "API gateway, https://api.atlassian.com/ex/jira/<Cloud ID>).")
            else:
                # Atlassian documents the site URL for classic tokens; whether the gateway takes them is not
                # documented (ServiceNow's Zurich docs put one there): say what is known, no more.
                hint = ("The API token is wrong, revoked or expired; if it is a classic token, check it on the site "
                        "URL (where Atlassian documents classic tokens).")
        elif credentials is None:
            hint = "This call needs credentials."
        else:
            hint = ("The access token is expired (Atlassian access tokens live one hour) or revoked, or it was not "
                    "granted for this site: get a new one. This collection never refreshes a token.")
        raise AuthenticationError("%s refused %s%s.%s" % (where, who, detail, reason), hint=hint,
                                  login_reason=login_reason or None, **kwargs)

    @staticmethod
    def _forbidden_hint(credentials, gateway):
        if isinstance(credentials, BasicCredentials) and gateway is None:
            return "The account lacks the Jira permission for this operation (see permissions)."
        return ("The token or its account lacks the permission or a scope for this operation (a 403 from the "
                "gateway may list the scopes granted).")

    @staticmethod
    def _rate_facts(response):
        facts = []
        for header in ("Retry-After", "X-RateLimit-Reset", "RateLimit-Reason"):
            if response.headers.get(header):
                facts.append("%s: %s" % (header, response.headers[header]))
        return " [%s]" % ", ".join(facts) if facts else ""

    def _raise_token(self, response, payload, client_id):
        status = response.status_code
        said = _said(payload)
        error = payload.get("error") if isinstance(payload, dict) else None
        kwargs = {"status": status, "method": "POST", "url": TOKEN_PATH}
        where = "Atlassian's authorization server (%s)" % urlsplit(self.auth_url).hostname
        detail = " (HTTP %d%s)" % (status, ": " + said.rstrip(".") if said else "")
        if error == "unauthorized_client":
            raise AccessDeniedError(
                "%s does not let client %s use the client credentials grant%s." % (where, client_id, detail),
                hint="Only the OAuth credentials of an Atlassian service account can. A 3LO app needs the browser "
                     "consent (ServiceNow's \"Get OAuth Token\"): check it with access_token instead.", **kwargs)
        if error == "invalid_scope":
            raise HTTPError("%s refused the scopes asked for client %s%s." % (where, client_id, detail),
                            hint="Ask only for scopes enabled on the service account's OAuth credentials.", **kwargs)
        if status in (400, 401, 403):
            raise AuthenticationError(
                "%s refused client %s%s." % (where, client_id, detail),
                hint="Check client_id and client_secret (JIRA_CLIENT_ID/JIRA_CLIENT_SECRET); a rotated secret "
                     "invalidates the old one.", **kwargs)
        if status == 429:
            raise RateLimitError("%s still rate-limits the token request after %d retries%s%s." % (
                where, getattr(response, "retries", 0), detail, self._rate_facts(response)),
                hint="Raise retry_max_wait (or retries).", **kwargs)
        raise HTTPError("%s failed the token request for client %s%s." % (where, client_id, detail), **kwargs)
