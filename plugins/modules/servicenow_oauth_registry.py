#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: servicenow_oauth_registry
short_description: Manage a ServiceNow application registry for Atlassian OAuth 2.0, with its scopes and profile
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Manages, as one unit, the application registry (C(oauth_entity), "Connect to a third party OAuth Provider")
    that lets the Jira spoke get tokens from Atlassian, its OAuth entity scopes, its default OAuth entity profile
    and the profile's scopes.
  - The instance creates the default profile when the registry is saved; the module finds and uses it, never
    creates a second one, and repairs it if it is missing. The profile's scopes are kept identical to the entity
    scopes, as the authorization code grant requires.
  - The client secret is write-only. It is sent with C(sysparm_input_display_value=true) (ServiceNow ignores
    encrypted fields written otherwise), never compared, returned or shown, and sent again only per
    O(update_secret).
  - Every write is verified against what the instance stored.
extends_documentation_fragment:
  - snowspoke.jira.servicenow
  - snowspoke.jira.attributes
  - snowspoke.jira.attributes.SERVICENOW_GROUP
options:
  name:
    description: Name of the registry; it identifies the record.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the registry with its scopes and profile.
      - V(absent) removes the registry, its scopes, profiles, profile scopes, and the tokens (and token requestor
        profiles) the instance holds for it. It refuses while an OAuth 2.0 credential uses one of its profiles,
        naming it, unless O(delete_credentials=true).
    type: str
    choices: [present, absent]
    default: present
  client_id:
    description: Client ID of the OAuth 2.0 integration in the Atlassian developer console. Required with O(state=present).
    type: str
  client_secret:
    description:
      - Client secret of the integration. Needed when the registry is created (and sent again per
        O(update_secret)).
    type: str
  update_secret:
    description:
      - When to send O(client_secret) for an existing registry. The instance never reveals the stored secret, so it
        cannot be compared.
      - V(on_create) sends it when the registry is created (and while it has never been updated since, as the
        secret never arrived), or when O(client_id) changes (the old secret belongs to the old client, so
        O(client_secret) is then required); the task stays idempotent.
      - V(always) sends it on every run (the task then always reports a change); use it for one run to rotate
        the secret.
    type: str
    choices: [always, on_create]
    default: on_create
  grant_type:
    description:
      - The registry's default grant type.
      - V(authorization_code) for the documented 3LO set-up (one browser step, "Get OAuth Token").
      - V(client_credentials) for an Atlassian service account (no browser step).
    type: str
    choices: [authorization_code, client_credentials]
    default: authorization_code
  auth_url:
    description:
      - Authorization URL. Default V(https://auth.atlassian.com/authorize) for the authorization code grant; not
        managed for the client credentials grant.
    type: str
  token_url:
    description: Token URL.
    type: str
    default: https://auth.atlassian.com/oauth/token
  refresh_token_url:
    description:
      - Refresh token URL (a field hidden on the form). Default O(token_url) for the authorization code grant; not
        managed for the client credentials grant.
    type: str
  revoke_token_url:
    description:
      - Token revocation URL. Default O(token_url) for the client credentials grant (ServiceNow's set-up for
        Atlassian service accounts); not managed for the authorization code grant.
    type: str
  redirect_url:
    description:
      - Redirect (callback) URL. Not managed when omitted, the instance then generates
        C(https://<instance>/oauth_redirect.do), returned in RV(redirect_url).
      - Register that URL as the callback of the Atlassian integration.
    type: str
  access_token_lifespan:
    description: Access token lifespan in seconds. Not managed when omitted.
    type: int
  refresh_token_lifespan:
    description:
      - Refresh token lifespan in seconds. Not managed when omitted (the instance's default is 8640000, 100 days,
        while Atlassian expires refresh tokens unused for 90 days).
    type: int
  active:
    description: Whether the registry is active.
    type: bool
    default: true
  comments:
    description: Comments on the registry. Not managed when omitted.
    type: str
  scopes:
    description:
      - The OAuth scopes, one entity-scope record per scope (the documented way), for example C(read:jira-work).
      - Not managed when neither O(scopes) nor O(scope_groups) is given.
      - Include C(offline_access) for the authorization code grant, or Atlassian gives no refresh token.
    type: list
    elements: str
  scope_groups:
    description:
      - The scopes grouped in named entity-scope records, each holding a space-separated scope string
        (ServiceNow's newer way for Atlassian service accounts, for example C(Classic) and C(Granular)).
      - A mapping of record name to a list of scopes.
    type: dict
  purge_scopes:
    description: Remove entity scopes (and their profile scopes) that are not in O(scopes) or O(scope_groups).
    type: bool
    default: true
  delete_credentials:
    description: With O(state=absent), also remove the OAuth 2.0 credentials that use the registry's profiles.
    type: bool
    default: false
  allow_unknown_scopes:
    description:
      - Scopes are checked against Atlassian's scope catalogue (from its OpenAPI specs) before anything is written, and
        a misspelt one is refused with the nearest valid name. Set this to let a scope newer than the catalogue
        through.
    type: bool
    default: false
notes:
  - The registry's redirect URL must be registered as a callback URL of the Atlassian OAuth 2.0 integration.
  - Scope names are checked for typos here; M(snowspoke.jira.jira_scope_check) also checks them for completeness.
seealso:
  - module: snowspoke.jira.servicenow_credential
  - module: snowspoke.jira.servicenow_oauth_token_info
  - module: snowspoke.jira.jira_scope_check
"""

EXAMPLES = r"""
- name: Application registry for Jira Cloud (Option 2 of ServiceNow's documented procedure)
  snowspoke.jira.servicenow_oauth_registry:
    instance:
      host: dev123
      username: admin
      password: "{{ vault_sn_password }}"
    name: Jira cloud OAuth app registry
    client_id: "{{ atlassian_client_id }}"
    client_secret: "{{ vault_atlassian_client_secret }}"
    scopes:
      - delete:sprint:jira-software
      - manage:jira-configuration
      - manage:jira-project
      - manage:jira-webhook
      - offline_access
      - read:issue-details:jira
      - read:jira-user
      - read:jira-work
      - read:jql:jira
      - read:sprint:jira-software
      - write:jira-work
      - write:sprint:jira-software
      - read:board-scope:jira-software
      - read:project:jira
  register: registry

- name: Show the callback URL to register at Atlassian
  ansible.builtin.debug:
    msg: "Callback URL: {{ registry.redirect_url }}"

- name: Atlassian service account (client credentials), scopes grouped the newer way
  snowspoke.jira.servicenow_oauth_registry:
    name: Jira service account registry
    grant_type: client_credentials
    client_id: "{{ atlassian_sa_client_id }}"
    client_secret: "{{ vault_atlassian_sa_secret }}"
    scope_groups:
      Classic: [read:jira-work, write:jira-work, read:jira-user]
      Granular: [read:sprint:jira-software, write:sprint:jira-software]

- name: Rotate the client secret
  snowspoke.jira.servicenow_oauth_registry:
    name: Jira cloud OAuth app registry
    client_id: "{{ atlassian_client_id }}"
    client_secret: "{{ vault_new_secret }}"
    update_secret: always

- name: Remove the registry with its credential
  snowspoke.jira.servicenow_oauth_registry:
    name: Jira cloud OAuth app registry
    state: absent
    delete_credentials: true
"""

RETURN = r"""
changes:
  description:
    - One entry per record that changed (in check mode - would change), with or without C(--diff). C(action) is
      V(create), V(update) or V(delete); C(table) and C(record) (its name) say which; C(fields) lists the fields
      an update wrote, C(added), C(updated) and C(removed) the keys of a set of child records. Never values.
  returned: always
  type: list
  elements: dict
  sample: [{"action": "update", "table": "http_connection", "record": "Jira acme connection", "fields": ["connection_url"]}]
registry:
  description:
    - The registry as stored (the secret excluded); predicted in check mode (no C(sys_id) when it would be created).
    - C(secret_stored) when this run sent O(client_secret) - V(true) when the instance's answer shows a new encrypted
      value, V(unknown) (with a warning) when its answer cannot tell.
  returned: when O(state=present)
  type: dict
  sample: {"sys_id": "0f5c...", "name": "Jira cloud OAuth app registry", "client_id": "AbC", "default_grant_type": "authorization_code"}
profile:
  description: The registry's default OAuth entity profile (C(sys_id), C(name), C(grant_type)).
  returned: when O(state=present)
  type: dict
scopes:
  description: The entity scopes (C(sys_id), C(name), C(scope)).
  returned: always
  type: list
  elements: dict
redirect_url:
  description: The registry's redirect URL (generated by the instance when not given).
  returned: always
  type: str
  sample: https://dev123.service-now.com/oauth_redirect.do
deleted:
  description: What O(state=absent) removed (counts, and the registry's C(sys_id)).
  returned: when a registry was removed
  type: dict
"""

from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import run_module
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow import oauth_registry
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.options import INSTANCE


def main():
    run_module(INSTANCE, oauth_registry)


if __name__ == "__main__":
    main()
