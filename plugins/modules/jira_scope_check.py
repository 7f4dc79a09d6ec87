#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: jira_scope_check
short_description: Check the Jira Cloud side of the Jira spoke set-up - token, scopes, permissions, Cloud ID
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Checks, without changing anything, what ServiceNow's documented set-up procedure leaves to the administrator's eyes on the Jira side.
  - Offline (no credentials) - O(configured_scopes), for example what a ServiceNow application registry holds,
    against O(required_scopes) - the missing, extra and unknown (misspelt) scopes, each unknown one with the
    nearest valid scope.
  - Basic authentication (O(username) + O(api_token)) - the token works (C(/rest/api/3/myself), the account is
    active, C(X-Seraph-LoginReason)); whether it is a classic or a scoped API token, and so which connection URL the
    spoke must use, found without a failed login on the site (see O(token_kind)); the account's global
    permissions (C(mypermissions)); one cheap read-only probe per scope group. It warns that ServiceNow's newer
    documentation drops API tokens for Jira Cloud.
  - OAuth 2.0 (O(access_token), or O(client_id) + O(client_secret) for the client credentials grant of an
    Atlassian service account) - the scopes granted for this site (C(accessible-resources)), the required ones
    missing, and the probes. A token is only used, never refreshed - refreshing a token ServiceNow holds would
    break ServiceNow's copy.
  - Returns the site's Cloud ID (C(/_edge/tenant_info)) and the spoke's connection URL.
  - Each finding becomes one sentence in RV(problems) that says what to do. With O(fail_on_problems=true) (the
    default) the task fails with that list.
extends_documentation_fragment:
  - snowspoke.jira.jira
  - snowspoke.jira.attributes.INFO_MODULE
  - snowspoke.jira.attributes.JIRA_GROUP
options:
  configured_scopes:
    description:
      - The scopes configured, for example the OAuth entity scopes of the ServiceNow application registry or the
        permissions of the Atlassian app. An item may hold several space-separated scopes.
      - Without credentials, the module only compares them with O(required_scopes) (offline).
      - With an OAuth token, configured scopes the token was not granted are reported (the consent predates them).
    type: list
    elements: str
  required_scopes:
    description:
      - The scopes the spoke needs - a preset name, a space-separated scope string, or a list of scopes and preset
        names (for example V([issues, sprints, offline_access])).
      - Presets - V(documented) (the 14 entity scopes of ServiceNow's documented set-up procedure; V(seed) is its earlier name), V(servicenow_default)
        (ServiceNow's current default scope string - the documented list plus C(manage:jira-data-provider), which no Jira
        specification lists, C(read:me) and C(read:account)), and one per spoke action group - V(issues),
        V(projects), V(search), V(sprints), V(boards), V(webhooks), V(users), V(admin).
      - They also decide which probe failures are problems.
    type: raw
    default: documented
  probes:
    description:
      - Run one read-only probe per scope group (projects, issue search, boards, sprints). The identity and
        permission calls are always made with credentials.
    type: bool
    default: true
  connection_url:
    description:
      - The connection URL the spoke's ServiceNow connection uses (or will use). When given, the module checks it
        fits the token - the site URL for a classic API token, the gateway URL for scoped tokens and OAuth.
    type: str
  fail_on_problems:
    description:
      - Fail the task, listing every problem. Set to V(false) to only report (RV(ok) and RV(problems)).
    type: bool
    default: true
  token_kind:
    description:
      - The kind of O(api_token), with basic authentication. Each refusal on the site counts as a failed login of the
        account there, and several in a row lock it behind a CAPTCHA, so the site is never tried with a token that
        may be scoped.
      - V(auto) asks Atlassian's API gateway first (where scoped tokens work), the site only when the gateway
        refuses (a classic token); a token the gateway accepts is reported as scoped. Only a token that works
        nowhere costs one failed login on the site.
      - V(classic) checks on the site URL only, V(scoped) through the gateway only.
    type: str
    choices: [auto, classic, scoped]
    default: auto
notes:
  - Write scopes cannot be probed without writing; with OAuth they are compared with the granted scopes.
  - Atlassian lists only Jira scopes per site, so C(offline_access), C(read:me) and C(read:account) cannot be
    seen on an access token (C(read:me) is checked with C(/me)); they are returned in RV(unverified_scopes).
  - The client credentials grant gives no refresh token, so C(offline_access) is not required with it.
seealso:
  - module: snowspoke.jira.servicenow_oauth_registry
  - module: snowspoke.jira.servicenow_oauth_token_info
  - plugin: snowspoke.jira.jira_cloud_id
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Offline - does the registry ask for what the spoke needs?
  snowspoke.jira.jira_scope_check:
    configured_scopes: "{{ registry.scopes }}"
    required_scopes: documented

- name: A basic-auth connection (Option 1) - token, account, permissions, probes
  snowspoke.jira.jira_scope_check:
    jira_url: https://acme.atlassian.net
    username: jira-bot@example.com
    api_token: "{{ vault_atlassian_api_token }}"
    required_scopes: [issues, search, users]
  register: jira_check

- name: Use the URL the token needs (the gateway for a scoped token)
  ansible.builtin.debug:
    msg: "Connection URL: {{ jira_check.connection_url }} ({{ jira_check.token_kind }})"

- name: An OAuth access token against the documented scopes, report only
  snowspoke.jira.jira_scope_check:
    jira_url: https://acme.atlassian.net
    access_token: "{{ atlassian_access_token }}"
    required_scopes: documented
    fail_on_problems: false
  register: oauth_check

- name: An Atlassian service account (client credentials), credentials from JIRA_CLIENT_ID/JIRA_CLIENT_SECRET
  snowspoke.jira.jira_scope_check:
    jira_url: https://acme.atlassian.net
    required_scopes: [issues, sprints]
"""

RETURN = r"""
ok:
  description: True when no problem was found.
  returned: always
  type: bool
problems:
  description: One sentence per problem, saying what to do.
  returned: always
  type: list
  elements: str
  sample:
    - "The token was not granted 2 required scope(s) on https://acme.atlassian.net: write:sprint:jira-software,
      delete:sprint:jira-software. Enable them on the Atlassian app ..."
notes:
  description: Remarks that are not problems (unverifiable or unconfirmed scopes).
  returned: always
  type: list
  elements: str
mode:
  description: What was checked - V(offline), V(basic) or V(oauth).
  returned: always
  type: str
token_kind:
  description:
    - V(classic_api_token), V(scoped_api_token), V(oauth_access_token), V(client_credentials), or V(null) offline.
  returned: always
  type: str
site:
  description: The Jira Cloud site checked.
  returned: always
  type: str
  sample: https://acme.atlassian.net
site_name:
  description: The site's name (host name with basic auth, the resource name with OAuth).
  returned: always
  type: str
cloud_id:
  description: The site's Cloud ID, from C(/_edge/tenant_info) (or C(accessible-resources)).
  returned: always
  type: str
  sample: 0f7a3c58-1f4e-4a7b-9d3c-2b1e5f6a7c8d
connection_url:
  description: The connection URL the spoke must use with these credentials.
  returned: always
  type: str
  sample: https://api.atlassian.com/ex/jira/0f7a3c58-1f4e-4a7b-9d3c-2b1e5f6a7c8d
account:
  description:
    - The Atlassian account the credentials act as (C(account_id), C(display_name), C(email), C(account_type),
      C(active)).
  returned: always
  type: dict
login_reason:
  description: The C(X-Seraph-LoginReason) of the site's answer (basic auth).
  returned: always
  type: str
permissions:
  description:
    - Global permissions of the account (C(ADMINISTER), C(BROWSE_PROJECTS), C(CREATE_ISSUES)) and whether it has
      them.
  returned: always
  type: dict
  sample: {"ADMINISTER": true, "BROWSE_PROJECTS": true, "CREATE_ISSUES": true}
required_scopes:
  description: The required scopes, presets expanded.
  returned: always
  type: list
  elements: str
presets:
  description: The presets O(required_scopes) named.
  returned: always
  type: list
  elements: str
configured_scopes:
  description: O(configured_scopes), split and de-duplicated.
  returned: always
  type: list
  elements: str
granted_scopes:
  description: The scopes the OAuth token holds for this site (V(null) with basic auth and offline).
  returned: always
  type: list
  elements: str
missing_scopes:
  description: Required scopes not configured (offline) or not granted (OAuth).
  returned: always
  type: list
  elements: str
extra_scopes:
  description: Configured or granted scopes that are not required.
  returned: always
  type: list
  elements: str
not_granted_scopes:
  description: Configured scopes the OAuth token was not granted.
  returned: always
  type: list
  elements: str
unknown_scopes:
  description: Names that are no Jira scope, each with the nearest valid scope and where it was found.
  returned: always
  type: list
  elements: dict
  sample: [{"scope": "read:jira-wrok", "suggestion": "read:jira-work", "source": "configured"}]
unverified_scopes:
  description: Required scopes an access token cannot show (C(offline_access), C(read:account)).
  returned: always
  type: list
  elements: str
unconfirmed_scopes:
  description: Scopes accepted although no Jira specification lists them (C(manage:jira-data-provider)).
  returned: always
  type: list
  elements: str
sites_reached:
  description: The sites an OAuth token reaches (C(name), C(url), C(cloud_id)); V(null) otherwise.
  returned: always
  type: list
  elements: dict
probes:
  description:
    - One entry per call made (C(name), C(label), C(method), C(path), C(ok), C(status), C(detail), C(expected),
      C(needs)). C(ok) is V(null) for a skipped probe; C(expected) tells whether the required scopes call for it.
  returned: always
  type: list
  elements: dict
retries:
  description: How many requests were retried (rate limits, unavailable servers).
  returned: always
  type: int
"""

from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import run_module
from ansible_collections.snowspoke.jira.plugins.module_utils.jira import scope_check
from ansible_collections.snowspoke.jira.plugins.module_utils.jira.options import JIRA


def main():
    run_module(JIRA, scope_check)


if __name__ == "__main__":
    main()
