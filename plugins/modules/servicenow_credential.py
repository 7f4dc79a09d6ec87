#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: servicenow_credential
short_description: Manage the credential record a Jira spoke connection uses
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Manages a credential of one of three types, each in its own table (the record is created in that table, not
    in the parent C(discovery_credentials)).
  - V(basic_auth_credentials), Option 1 of ServiceNow's documented procedure - the Atlassian account e-mail and an API token.
  - V(api_key_credentials) - an API key.
  - V(oauth_2_0_credentials), Option 2 of ServiceNow's documented procedure - tied to an OAuth entity profile, given by name or sys_id, or as
    the default profile of an application registry.
  - Identity is O(type) + O(name). Secrets are write-only - sent with C(sysparm_input_display_value=true), never
    compared, returned or shown, and sent again only per O(update_secret).
extends_documentation_fragment:
  - snowspoke.jira.servicenow
  - snowspoke.jira.attributes
  - snowspoke.jira.attributes.SERVICENOW_GROUP
options:
  name:
    description: Name of the credential; with O(type) it identifies the record.
    type: str
    required: true
  type:
    description: The credential type, which is also its table.
    type: str
    required: true
    choices: [basic_auth_credentials, api_key_credentials, oauth_2_0_credentials]
  state:
    description:
      - V(present) creates or updates the credential.
      - V(absent) removes it; it refuses while a connection uses it (naming the connection) unless O(force=true).
    type: str
    choices: [present, absent]
    default: present
  username:
    description: For V(basic_auth_credentials) - the user name, for Jira Cloud the Atlassian account's e-mail address.
    type: str
    aliases: [user_name]
  password:
    description:
      - For V(basic_auth_credentials) - the password, for Jira Cloud the Atlassian API token (the connection form calls
        it "API Key"). Needed when the credential is created.
    type: str
    aliases: [api_token]
  api_key:
    description: For V(api_key_credentials) - the API key. Needed when the credential is created.
    type: str
  update_secret:
    description:
      - When to send O(password) or O(api_key) for an existing credential (the stored value cannot be read back).
      - V(on_create) - when the credential is created, and again while it has never been updated since its creation
        (C(sys_mod_count) 0 - the secret, always written right after the record, never arrived); idempotent.
        Whether an encrypted field holds a value cannot be read reliably (an instance may answer an empty string
        or a mask), so what it shows is never the reason to send it again.
      - V(always) - on every run (the task always reports a change); use it for one run to rotate a token.
    type: str
    choices: [always, on_create]
    default: on_create
  oauth_profile:
    description: For V(oauth_2_0_credentials) - the OAuth entity profile, by name or sys_id.
    type: str
  oauth_registry:
    description: For V(oauth_2_0_credentials) - the name of an application registry whose default profile to use.
    type: str
  active:
    description: Whether the credential is active.
    type: bool
    default: true
  order:
    description: The credential's order (lower is tried first). Not managed when omitted.
    type: int
  force:
    description: With O(state=absent), remove the credential even while a connection uses it.
    type: bool
    default: false
notes:
  - ServiceNow expects one OAuth 2.0 credential per OAuth entity profile; the module warns when a profile is shared.
  - For V(oauth_2_0_credentials) the remaining step, "Get OAuth Token", is a browser step - see
    M(snowspoke.jira.servicenow_oauth_token_info).
seealso:
  - module: snowspoke.jira.servicenow_oauth_registry
  - module: snowspoke.jira.servicenow_http_connection
  - module: snowspoke.jira.servicenow_oauth_token_info
"""

EXAMPLES = r"""
- name: Basic auth credential with an Atlassian API token (Option 1)
  snowspoke.jira.servicenow_credential:
    instance:
      host: dev123
      username: admin
      password: "{{ vault_sn_password }}"
    type: basic_auth_credentials
    name: Jira cloud basic credential
    username: jira-bot@example.com
    password: "{{ vault_atlassian_api_token }}"

- name: OAuth 2.0 credential on a registry's default profile (Option 2)
  snowspoke.jira.servicenow_credential:
    type: oauth_2_0_credentials
    name: Jira cloud OAuth credential
    oauth_registry: Jira cloud OAuth app registry

- name: Rotate the API token
  snowspoke.jira.servicenow_credential:
    type: basic_auth_credentials
    name: Jira cloud basic credential
    username: jira-bot@example.com
    password: "{{ vault_new_api_token }}"
    update_secret: always
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
credential:
  description:
    - The credential as stored (secrets excluded), with its C(type); predicted in check mode.
    - C(secret_stored) when this run sent O(password) or O(api_key) - V(true) when the instance's answer shows a new
      encrypted value, V(unknown) (with a warning) when its answer cannot tell (some instances answer an empty
      string or a mask for encrypted fields).
  returned: when O(state=present)
  type: dict
  sample: {"sys_id": "9a1c...", "name": "Jira cloud OAuth credential", "type": "oauth_2_0_credentials", "active": "true"}
"""

from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import run_module
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow import credential
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.options import INSTANCE


def main():
    run_module(INSTANCE, credential)


if __name__ == "__main__":
    main()
