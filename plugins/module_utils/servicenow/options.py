# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``instance`` option of every ServiceNow module: the single table of connection options.

The environment variable names are the ones ServiceNow Ansible users already export (servicenow.itsm), so an AWX
credential or a shell profile written for that collection works here too. ``connection_settings()`` validates the
combination (host form, which authentication) before any request, with messages that name the option.
"""

from __future__ import annotations

import os
import re
from urllib.parse import urlsplit

from ..common.errors import OptionError
from ..common.options import Option, OptionTable

INSTANCE = OptionTable(
    name="instance",
    description=[
        "How to reach and authenticate to the ServiceNow instance.",
        "Set it once for every ServiceNow module of a play with C(module_defaults) and the action group "
        "C(group/snowspoke.jira.servicenow), or through the C(SN_*) environment variables (an AWX credential).",
        "Authentication is one of: basic (O(instance.username) + O(instance.password)); OAuth against the "
        "instance's C(/oauth_token.do) (O(instance.client_id) + O(instance.client_secret) with the O(instance.grant_type) "
        "C(password), C(client_credentials) or C(refresh_token)); a ready O(instance.access_token); or an "
        "O(instance.api_key).",
    ],
    options=[
        Option("host", env=["SN_HOST"], description=[
            "The instance: its URL (V(https://dev123.service-now.com)) or its bare name (V(dev123), which means "
            "V(https://dev123.service-now.com)).",
        ]),
        Option("username", env=["SN_USERNAME"], description=[
            "User name for basic authentication or the OAuth C(password) grant. The user needs the C(admin) role "
            "to write the spoke's records.",
        ]),
        Option("password", no_log=True, env=["SN_PASSWORD"], description="Password of O(instance.username)."),
        Option("client_id", env=["SN_CLIENT_ID"], description=[
            "Client ID of an OAuth API endpoint registered on the instance (System OAuth > Application Registry), "
            "to get a token from C(/oauth_token.do).",
        ]),
        Option("client_secret", no_log=True, env=["SN_CLIENT_SECRET"],
               description="Client secret of O(instance.client_id)."),
        Option("grant_type", env=["SN_GRANT_TYPE"], choices=["password", "client_credentials", "refresh_token"], description=[
            "OAuth grant used with O(instance.client_id).",
            "Default: V(password) when O(instance.username) is set, V(refresh_token) when "
            "O(instance.refresh_token) is set, else V(client_credentials).",
        ]),
        Option("refresh_token", no_log=True, env=["SN_REFRESH_TOKEN"],
               description="Refresh token for the OAuth V(refresh_token) grant."),
        Option("access_token", no_log=True, env=["SN_ACCESS_TOKEN"], description=[
            "A ready OAuth access token, sent as a bearer token. Use it alone.",
        ]),
        Option("api_key", no_log=True, env=["SN_API_KEY"], description=[
            "A REST API key of the instance, sent in the C(x-sn-apikey) header. Use it alone.",
        ]),
        Option("timeout", type="float", default=30.0, env=["SN_TIMEOUT"],
               description="Seconds to wait for the instance to connect and to answer each request."),
        Option("validate_certs", type="bool", default=True, env=["SN_VALIDATE_CERTS"], description=[
            "Verify the instance's TLS certificate. Turn off only for a lab instance.",
        ]),
        Option("allow_http", type="bool", default=False, description=[
            "Accept an O(instance.host) of V(http://...). Credentials then travel in clear text: only for a lab "
            "instance behind a proxy that adds TLS.",
        ]),
        Option("ca_path", type="path", env=["SN_CA_PATH"], description=[
            "A PEM file of the CA certificate(s) to trust for the instance (a private CA, a TLS-inspecting proxy).",
        ]),
        Option("proxy", description=[
            "Proxy URL for requests to the instance, for example V(http://proxy.example.com:3128).",
            "If not set, the usual C(HTTPS_PROXY), C(HTTP_PROXY) and C(NO_PROXY) environment variables apply.",
        ]),
        Option("retries", type="int", default=4, description=[
            "How many times to retry a request the instance answered with 429 (rate limit) or, for requests "
            "that are safe to repeat, with 502, 503 or 504 or not at all (timeout, broken connection).",
        ]),
        Option("retry_backoff", type="float", default=1.0, description=[
            "Seconds to wait before the first retry; doubled on each further retry (at most 30 s), with random "
            "jitter. A C(Retry-After) header from the instance is honoured as the minimum wait.",
        ]),
        Option("retry_max_wait", type="float", default=120.0, description=[
            "The most seconds to spend waiting between retries of one request; past it the task fails with "
            "the instance's last answer.",
        ]),
    ],
)

_INSTANCE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$", re.IGNORECASE)
_HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$", re.IGNORECASE)


def instance_url(host):
    """Normalise ``instance.host`` to ``scheme://host[:port]``; raise OptionError naming the option."""
    if not host or not str(host).strip():
        raise OptionError(
            "instance.host is required: the ServiceNow instance name (dev123) or URL "
            "(https://dev123.service-now.com).",
            hint="Set it in the task, in module_defaults for group/snowspoke.jira.servicenow, or in SN_HOST.")
    host = str(host).strip().rstrip("/")
    if "://" not in host:
        if _INSTANCE_NAME.match(host):
            return "https://%s.service-now.com" % host.lower()
        if _HOST_NAME.match(host):
            return "https://%s" % host.lower()
        raise OptionError("instance.host %r is neither an instance name (dev123) nor a URL "
                          "(https://dev123.service-now.com)." % host)
    parts = urlsplit(host)
    if parts.scheme not in ("https", "http"):
        raise OptionError("instance.host %r must use https:// (got %s://)." % (host, parts.scheme))
    try:
        port = parts.port
    except ValueError:
        raise OptionError("instance.host %r has an invalid port." % host) from None
    if not parts.hostname or not _HOST_NAME.match(parts.hostname) and not _is_ip(parts.hostname):
        raise OptionError("instance.host %r has no valid host name." % host)
    if parts.username or parts.password:
        raise OptionError("instance.host must not carry credentials; use instance.username/instance.password.")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise OptionError(
            "instance.host %r must be the instance's base URL, without a path or query "
            "(for example https://dev123.service-now.com)." % host)
    return "%s://%s%s" % (parts.scheme, parts.hostname.lower(), ":%d" % port if port else "")


def check_bound_host(base_url, environ=None):
    """An AWX credential bound to one instance injects SN_HOST beside its user and password: a task that targets
    another instance must not send that instance's credentials anywhere else (a job over a whole inventory)."""
    bound = (environ if environ is not None else os.environ).get("SN_HOST")
    if bound and instance_url(bound) != base_url:
        raise OptionError(
            "SN_HOST names the instance %s, but this task targets %s: the credential is for one instance only." % (
                instance_url(bound), base_url),
            hint="Attach a credential without an instance (a fleet integration user), or limit the job to that "
                 "instance.")


def _is_ip(text):
    return bool(re.match(r"^\d{1,3}(\.\d{1,3}){3}$", text))


def _given(params, name):
    value = params.get(name)
    return value is not None and value != ""


def auth_method(params):
    """Which authentication the options ask for: basic, oauth, token or api_key; OptionError on conflicts."""
    given = [name for name in ("username", "password", "client_id", "client_secret", "refresh_token",
                               "access_token", "api_key") if _given(params, name)]
    for alone in ("access_token", "api_key"):
        if alone in given and len(given) > 1:
            others = ", ".join("instance.%s" % name for name in given if name != alone)
            raise OptionError(
                "instance.%s is used alone, but %s also set (check the SN_* environment variables too)."
                % (alone, others + (" is" if len(given) == 2 else " are")))
    if "access_token" in given:
        return "token"
    if "api_key" in given:
        return "api_key"
    if _given(params, "client_id") or _given(params, "client_secret"):
        if not (_given(params, "client_id") and _given(params, "client_secret")):
            missing = "client_secret" if _given(params, "client_id") else "client_id"
            raise OptionError("instance.client_id and instance.client_secret go together: instance.%s is missing."
                              % missing)
        grant = oauth_grant(params)
        if grant == "password" and not (_given(params, "username") and _given(params, "password")):
            raise OptionError("instance.grant_type password needs instance.username and instance.password.")
        if grant == "refresh_token" and not _given(params, "refresh_token"):
            raise OptionError("instance.grant_type refresh_token needs instance.refresh_token.")
        return "oauth"
    if _given(params, "refresh_token"):
        raise OptionError("instance.refresh_token needs instance.client_id and instance.client_secret.")
    if _given(params, "username") or _given(params, "password"):
        if not (_given(params, "username") and _given(params, "password")):
            missing = "password" if _given(params, "username") else "username"
            raise OptionError("instance.username and instance.password go together: instance.%s is missing."
                              % missing)
        return "basic"
    raise OptionError(
        "No credentials for the instance: set instance.username and instance.password, or "
        "instance.client_id and instance.client_secret, or instance.access_token, or instance.api_key "
        "(or the SN_* environment variables).")


def oauth_grant(params):
    grant = params.get("grant_type")
    if grant:
        return grant
    if _given(params, "username"):
        return "password"
    if _given(params, "refresh_token"):
        return "refresh_token"
    return "client_credentials"
