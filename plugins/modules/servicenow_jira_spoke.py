#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: servicenow_jira_spoke
short_description: The whole Jira spoke set-up of one ServiceNow instance, for any number of Jira Cloud sites
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Performs ServiceNow's "Set up the Jira spoke for Jira Cloud" for each site of O(sites) in one task - Option 1
    (O(option=basic) - an Atlassian API token in a basic auth credential and an HTTP connection) or Option 2
    (O(option=oauth) - an application registry with its scopes and default profile, an OAuth 2.0 credential and an
    HTTP connection through Atlassian's API gateway with C(api_version=2) and C(server_type=cloud)). This is the
    engine of the C(basic_setup) and C(oauth_setup) roles; the single-record modules
    (M(snowspoke.jira.servicenow_oauth_registry), M(snowspoke.jira.servicenow_credential), ...) run the same logic.
  - Every input is checked first, then the Jira side (the API token, the Cloud ID, the granted scopes when a token
    can be had), then a pre-flight of the instance (spoke, plugins, admin role, schema) - all before the first write.
  - On a converged instance it costs two ServiceNow requests (Batch API reads); a first set-up about eight. Writes go
    out in as few Batch API calls as their dependencies allow, each verified against what the instance stored.
  - The first site takes the shipped alias C(sn_jira_spoke.Jira) when no site holds it; each further site gets a
    child alias. A site keeps its alias across runs whatever its place in O(sites); C(alias) in a site moves it.
  - For O(option=oauth) the browser step ("Get OAuth Token") is reported per credential with its URL, or waited
    for (O(wait_for_consent)), for all credentials at once.
extends_documentation_fragment:
  - snowspoke.jira.servicenow
  - snowspoke.jira.jira.CONNECTION
  - snowspoke.jira.attributes
  - snowspoke.jira.attributes.SERVICENOW_GROUP
options:
  option:
    description: V(basic) (Option 1, an API token) or V(oauth) (Option 2, OAuth 2.0).
    type: str
    required: true
    choices: [basic, oauth]
  sites:
    description:
      - The Jira Cloud sites to connect to this instance. Each is refused before any request when a value has the
        wrong type or form (a URL that is not a Jira Cloud site, a Cloud ID that is not a UUID, an empty secret, a
        misspelt scope), naming the site and the key.
    type: list
    elements: dict
    required: true
    suboptions:
      url:
        description: The site, V(https://<site>.atlassian.net).
        type: raw
        required: true
      name:
        description: A short name for the site (default - the site's subdomain); the records are named after it.
        type: raw
      cloud_id:
        description: The site's Cloud ID (a UUID). Looked up from the site when not given (O(option=oauth)).
        type: raw
      connection_url:
        description: The connection URL, instead of the site URL (basic) or the gateway URL (oauth).
        type: raw
      username:
        description: O(option=basic) - the Atlassian account e-mail.
        type: raw
      api_token:
        description: O(option=basic) - the account's API token (classic or scoped; a scoped one gets the gateway URL).
        type: raw
      client_id:
        description: O(option=oauth) - the client ID of the Atlassian OAuth 2.0 app.
        type: raw
      client_secret:
        description: O(option=oauth) - its client secret.
        type: raw
      access_token:
        description: O(option=oauth) - an access token of the app for this site, to probe the granted scopes.
        type: raw
      grant_type:
        description: O(option=oauth) - V(authorization_code) or V(client_credentials) (default O(grant_type)).
        type: raw
      scopes:
        description: O(option=oauth) - the scopes, one entity scope each (default - the documented list).
        type: list
        elements: str
      scope_groups:
        description: O(option=oauth) - named scope strings instead of O(sites[].scopes) (the client credentials grant's
          default is C(Classic) and C(Granular)).
        type: dict
      registry_name:
        description: Name of the application registry (default C(<prefix> <name> OAuth registry)).
        type: raw
      credential_name:
        description: Name of the credential (default C(<prefix> <name> OAuth credential) or C(... basic credential)).
        type: raw
      connection_name:
        description: Name of the HTTP connection (default C(<prefix> <name> connection)).
        type: raw
      alias_name:
        description: Name of the site's child alias when it gets one (default C(<prefix>_<name>), letters, digits
          and C(_) only as ServiceNow documents).
        type: raw
      alias:
        description: V(shipped) or V(child) - where the site's connection lives; given, it moves the connection there.
          Not given, a site keeps the alias its connection is on.
        type: raw
      api_token_expires:
        description:
          - O(option=basic) - the date the API token expires, C(YYYY-MM-DD) as Atlassian's API tokens page shows it
            (never sent anywhere). Within O(warn_days) of it, or past it, every run warns (rotate with
            C(playbooks/rotate.yml)).
        type: raw
  state:
    description: V(present) sets up every site; V(absent) removes exactly what the set-up made (never the shipped
      alias).
    type: str
    choices: [present, absent]
    default: present
  grant_type:
    description: The OAuth grant of the sites that do not give their own.
    type: str
    choices: [authorization_code, client_credentials]
    default: authorization_code
  name_prefix:
    description: The first word of every record name.
    type: str
    default: Jira
  update_secret:
    description:
      - When to send a secret to an existing record - V(on_create) (when it is created, or its secret never
        arrived, or the registry's client ID changes) or V(always) (every run - a rotation).
    type: str
    choices: [always, on_create]
    default: on_create
  deactivate_others:
    description: Deactivate another active connection that holds a site's alias (one active connection per domain).
    type: bool
    default: false
  preflight:
    description: Check the spoke, the plugins, the admin role and the schema first (in the same round trips).
    type: bool
    default: true
  check_token:
    description: O(option=basic) - check each API token at its site first (valid, active account, classic or scoped).
    type: bool
    default: true
  probe_scopes:
    description: O(option=oauth) - probe the granted scopes where a token can be had (client credentials, or a
      site's O(sites[].access_token)).
    type: bool
    default: true
  cleanup_previous_option:
    description: Remove the other option's credential (and registry) of a site whose connection this run moves off it,
      when nothing else uses it.
    type: bool
    default: true
  wait_for_consent:
    description: Seconds to wait for the browser step of the OAuth credentials (0 - report it and go on). A line per
      O(wait_interval) names each URL to open.
    type: int
    default: 0
  wait_interval:
    description: Seconds between two looks at the instance while waiting.
    type: float
    default: 5.0
  warn_days:
    description: Warn this many days before Atlassian's refresh token limits (90 days unused, 365 in all) and before
      a site's O(sites[].api_token_expires).
    type: int
    default: 14
  required_scopes:
    description:
      - The scopes every O(option=oauth) site must have - a preset name of M(snowspoke.jira.jira_scope_check) or a
        list. Default - the documented list for the site's grant (without C(offline_access) for the client
        credentials grant, which gets no refresh token).
    type: raw
  rotate:
    description:
      - Rotate - write each site's secret (API token, or client secret) into the set-up that exists, and nothing
        else. Every new secret is checked against Atlassian first (an API token by logging in with it, a client
        credentials secret by a token exchange); when a check fails, or the set-up differs from the inventory in
        anything but its secrets, nothing is written on the instance and the task fails saying why.
      - A 3LO (authorization code) client secret cannot be checked - see O(rotate_unchecked).
    type: bool
    default: false
  rotate_unchecked:
    description:
      - With O(rotate) - write 3LO client secrets although nothing can check them. Atlassian uses a client secret only
        in a token exchange, which needs a browser consent or a refresh token, and the connection's refresh token is
        ServiceNow's (refreshing it elsewhere would break ServiceNow's copy). The audit's token health then shows
        whether ServiceNow's next refresh works.
    type: bool
    default: false
  shipped_alias:
    description: The id of the alias the Jira spoke ships.
    type: str
    default: sn_jira_spoke.Jira
notes:
  - The browser step of Option 2 ("Get OAuth Token") cannot be done over REST; RV(pending) says what to open.
seealso:
  - module: snowspoke.jira.servicenow_spoke_info
  - module: snowspoke.jira.servicenow_oauth_token_info
"""

EXAMPLES = r"""
- name: Option 2 for two Jira sites
  snowspoke.jira.servicenow_jira_spoke:
    instance:
      host: dev123
      username: admin
      password: "{{ vault_sn_password }}"
    option: oauth
    sites:
      - url: https://acme.atlassian.net
        client_id: "{{ acme_client_id }}"
        client_secret: "{{ vault_acme_client_secret }}"
      - url: https://acme-beta.atlassian.net
        client_id: "{{ beta_client_id }}"
        client_secret: "{{ vault_beta_client_secret }}"
  register: jira_spoke

- name: The browser step left to do
  ansible.builtin.debug:
    var: jira_spoke.pending
"""

RETURN = r"""
instance:
  description: The instance's URL, as the requests went to it.
  returned: always
  type: str
  sample: https://dev123.service-now.com
changes:
  description:
    - One entry per record that changed (in check mode - would change), with or without C(--diff). C(action) is
      V(create), V(update) or V(delete); C(table) and C(record) (its name) say which, C(key) is the key of its
      entry in the diff; C(fields) lists the fields an update wrote, C(added), C(updated) and C(removed) the keys of
      a set of child records. Never values.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "create", "table": "http_connection", "record": "Jira acme connection",
            "key": "http_connection Jira acme connection"}]
sites:
  description:
    - Per site - C(name), C(url), C(alias) (C(shipped), C(id), C(name)), C(connection) (with its C(attributes)),
      C(credential), C(registry) (O(option=oauth)), C(consent) (the browser step, as
      M(snowspoke.jira.servicenow_oauth_token_info) returns it; V(null) in check mode for a credential still to be
      made), C(jira) (what the Jira side showed - C(connection_url), C(cloud_id), C(token_kind), C(account), and
      C(api_token_expiry) with C(expires), C(days_left) and C(status) V(valid), V(expiring) or V(expired) where
      O(sites[].api_token_expires) is given), C(rotated) (with O(rotate) - what was written).
  returned: always
  type: list
  elements: dict
pending:
  description: One sentence per browser step still to do, its URL first.
  returned: always
  type: list
  elements: str
rotated:
  description: With O(rotate) - each secret written (in check mode - that would be), for example
    C(API token of credential 'Jira acme basic credential'). Never values.
  returned: when O(rotate)
  type: list
  elements: str
  sample: ["API token of credential 'Jira acme basic credential'"]
rotate:
  description: Whether the run was a rotation.
  returned: always
  type: bool
preflight:
  description: The pre-flight facts, as M(snowspoke.jira.servicenow_spoke_info) returns them (V(null) without
    O(preflight)).
  returned: always
  type: dict
"""

from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import run_module
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow import setup
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.options import INSTANCE


def main():
    run_module(INSTANCE, setup)


if __name__ == "__main__":
    main()
