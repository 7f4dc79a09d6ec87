# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options of the Jira (Atlassian Cloud) modules and lookups: one table, top-level options.

Which authentication applies follows from what is given: ``username`` + ``api_token`` (basic, classic or scoped
API token), ``access_token`` (an OAuth 2.0 access token), or ``client_id`` + ``client_secret`` (the client
credentials grant of an Atlassian service account). The Atlassian API and auth hosts are options so tests can
point them at the emulator and other Atlassian clouds can be reached.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..common.errors import OptionError
from ..common.options import Option, OptionTable

ATLASSIAN_API_URL = "https://api.atlassian.com"
ATLASSIAN_AUTH_URL = "https://auth.atlassian.com"

JIRA = OptionTable(
    name="jira",
    flat=True,
    description="Connection to a Jira Cloud site and to Atlassian's API gateway and auth server.",
    options=[
        Option("jira_url", env=["JIRA_URL"], description=[
            "The Jira Cloud site, V(https://<site>.atlassian.net).",
        ]),
        Option("username", env=["JIRA_USERNAME"], description=[
            "E-mail address of the Atlassian account, for basic authentication with O(api_token).",
        ]),
        Option("api_token", no_log=True, env=["JIRA_API_TOKEN"], description=[
            "An Atlassian API token of O(username) (classic or scoped).",
        ]),
        Option("access_token", no_log=True, env=["JIRA_ACCESS_TOKEN"], description=[
            "An OAuth 2.0 access token (for example from the Atlassian developer console). It is only used, "
            "never refreshed.",
        ]),
        Option("client_id", env=["JIRA_CLIENT_ID"], description=[
            "Client ID of an Atlassian OAuth 2.0 app, for the client credentials grant (service accounts).",
        ]),
        Option("client_secret", no_log=True, env=["JIRA_CLIENT_SECRET"], description=[
            "Client secret of O(client_id).",
        ]),
        Option("atlassian_api_url", default=ATLASSIAN_API_URL, env=["ATLASSIAN_API_URL"], description=[
            "Base URL of Atlassian's API gateway (C(accessible-resources), C(/ex/jira/<cloud id>)).",
        ]),
        Option("atlassian_auth_url", default=ATLASSIAN_AUTH_URL, env=["ATLASSIAN_AUTH_URL"], description=[
            "Base URL of Atlassian's OAuth 2.0 authorization server (C(/oauth/token)).",
        ]),
        Option("timeout", type="float", default=30.0, env=["JIRA_TIMEOUT"],
               description="Seconds to wait for Atlassian to connect and to answer each request."),
        Option("validate_certs", type="bool", default=True, description="Verify Atlassian's TLS certificates."),
        Option("ca_path", type="path", env=["JIRA_CA_PATH"], description=[
            "A PEM file of CA certificates to trust (a TLS-inspecting proxy).",
        ]),
        Option("proxy", description=[
            "Proxy URL. If not set, the C(HTTPS_PROXY), C(HTTP_PROXY) and C(NO_PROXY) environment variables apply.",
        ]),
        Option("retries", type="int", default=4, description=[
            "How many times to retry a request answered with 429 or, for read requests, 502/503/504 or not at all.",
        ]),
        Option("retry_backoff", type="float", default=5.0, description=[
            "Seconds before the first retry, doubled each time (at most 30 s), with jitter; C(Retry-After) is the "
            "minimum wait (Atlassian's advice).",
        ]),
        Option("retry_max_wait", type="float", default=120.0,
               description="The most seconds to spend waiting between retries of one request."),
    ],
)

# How to reach Atlassian, without whom to authenticate as: the Jira side of a task that sets up several sites,
# each with its own credentials (servicenow_jira_spoke).
CONNECTION = JIRA.only(
    ("atlassian_api_url", "atlassian_auth_url", "timeout", "validate_certs", "ca_path", "proxy", "retries",
     "retry_backoff", "retry_max_wait"), name="jira_connection",
    description="How to reach Atlassian (the Jira side of the set-up); each site's credentials are in its entry.")

# How the controller reaches a Jira site for a lookup (jira_cloud_id: the site's tenant_info, no credentials). The
# lookup validates its options with this table's argument spec, so the JIRA_* fallbacks work as in the modules.
LOOKUP = JIRA.only(
    ("timeout", "validate_certs", "ca_path", "proxy", "retries", "retry_backoff", "retry_max_wait"),
    name="jira_lookup", description="How the controller reaches the Jira Cloud site (lookups).")

SITE_SUFFIX = ".atlassian.net"
GATEWAY_JIRA_PATH = "/ex/jira/"
_SITE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$", re.IGNORECASE)
_HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", re.IGNORECASE)


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(value, option="username"):
    """An Atlassian account for basic authentication is named by its e-mail address: anything else would only be
    refused by the site, and each refusal counts toward the account's CAPTCHA lock."""
    if not _EMAIL.match(value):
        raise OptionError("%s %r is not an e-mail address: basic authentication to Atlassian takes the account's "
                          "e-mail with its API token." % (option, value))
    return value


def _given(params, name):
    value = params.get(name)
    return value is not None and value != ""


def site_url(value, option="jira_url"):
    """Normalise a Jira Cloud site to ``https://<host>``: a URL, a host name, or a bare site name (``acme`` means
    ``https://acme.atlassian.net``); None when not given. OptionError names the option."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().rstrip("/")
    if "://" not in text:
        if _SITE_NAME.match(text):
            return "https://%s%s" % (text.lower(), SITE_SUFFIX)
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme != "https":
        raise OptionError("%s %r must use https:// (Jira Cloud serves nothing else)." % (option, value))
    if parts.username or parts.password:
        raise OptionError("%s must not carry credentials; use username and api_token." % option)
    try:
        port = parts.port
    except ValueError:
        raise OptionError("%s %r has an invalid port." % (option, value)) from None
    if not parts.hostname or not _HOST_NAME.match(parts.hostname):
        raise OptionError("%s %r has no valid host name." % (option, value))
    if parts.path.startswith(GATEWAY_JIRA_PATH):
        raise OptionError(
            "%s %r is an API gateway URL; give the site URL (https://<site>.atlassian.net)." % (option, value),
            hint="The module works out the Cloud ID and the gateway URL the spoke needs from the site.")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise OptionError("%s %r must be the site's base URL, without a path or query (for example "
                          "https://acme.atlassian.net)." % (option, value))
    return "https://%s%s" % (parts.hostname.lower(), ":%d" % port if port else "")


def service_url(value, option):
    """Normalise ``atlassian_api_url``/``atlassian_auth_url`` (scheme and host, optional base path)."""
    text = str(value or "").strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise OptionError("%s %r is not a URL such as https://api.atlassian.com." % (option, value))
    if parts.query or parts.fragment or parts.username or parts.password:
        raise OptionError("%s %r must be a base URL, without query or credentials." % (option, value))
    return text


def auth_mode(params):
    """Which authentication the options ask for: ``basic`` (username + api_token), ``access_token``,
    ``client_credentials`` (client_id + client_secret), or None (no credentials: offline checks only)."""
    given = [name for name in ("username", "api_token", "access_token", "client_id", "client_secret")
             if _given(params, name)]
    basic = [name for name in given if name in ("username", "api_token")]
    client = [name for name in given if name in ("client_id", "client_secret")]
    kinds = []
    if basic:
        kinds.append("basic")
    if "access_token" in given:
        kinds.append("access_token")
    if client:
        kinds.append("client_credentials")
    if len(kinds) > 1:
        raise OptionError(
            "Give one way to authenticate to Atlassian, not several (got %s)." % ", ".join(given),
            hint="username + api_token (basic), access_token (OAuth), or client_id + client_secret (client "
                 "credentials); check the JIRA_* environment variables too.")
    if basic and len(basic) < 2:
        missing = "api_token" if "username" in basic else "username"
        raise OptionError("Basic authentication needs both username and api_token: %s is missing." % missing,
                          hint="Set it in the task or in JIRA_%s." % missing.upper())
    if basic:
        check_email(params["username"].strip())
    if client and len(client) < 2:
        missing = "client_secret" if "client_id" in client else "client_id"
        raise OptionError("The client credentials grant needs both client_id and client_secret: %s is missing."
                          % missing, hint="Set it in the task or in JIRA_%s." % missing.upper())
    return kinds[0] if kinds else None
