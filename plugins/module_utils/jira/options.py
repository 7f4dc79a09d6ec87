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
