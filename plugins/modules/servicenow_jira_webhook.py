#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: servicenow_jira_webhook
short_description: Register a Jira webhook in ServiceNow - the token and the Jira webhook registry of the Jira spoke
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - The ServiceNow side of the Jira spoke's bi-directional webhook (Jira to ServiceNow), as ServiceNow's "Set up a
    bi-directional webhook for the Jira spoke" describes it - a token record (C(token_verification) - Name,
    Description, Token) and a record of the Jira Webhook Registries module (Name, Description, Token, Path) with its
    Callback URL Type, token-based or HMAC-based.
  - Returns the callback URL Jira must post to (RV(callback_url_template)); M(snowspoke.jira.jira_webhook) registers
    it in Jira, and the role C(snowspoke.jira.webhook_setup) does both.
  - ServiceNow does not document the registry's table, the names of its columns, the column selecting the callback
    type, or how the callback URL is formed. The module finds them on the instance before any write - the table in
    C(sys_db_object) by its label (C(Jira Webhook Registry) or C(Jira Webhook Registries)) in the spoke's
    application scope, the columns in C(sys_dictionary) by the labels of the form (Name, Description, Token, Path,
    Callback URL Type), the type's values in C(sys_choice) - and stops, naming the fact, when one cannot be found.
    RV(schema) reports what it found; C(playbooks/discover.yml) reports it read-only.
  - The callback URL is the one the instance shows (a column of the registry whose label names a callback URL, read
    back after writing) or, when no column shows it, derived from the instance URL and O(path) (with
    O(token_parameter) for a token-based URL), with a warning. RV(callback_url_source) says which.
  - The token is write-only, like every secret of the collection - sent alone with
    C(sysparm_input_display_value=true), per O(update_secret), masked in diffs and never returned. A token-based
    callback URL carries it, so results show it masked (RV(callback_url)) or as C({token}) (RV(callback_url_template)).
extends_documentation_fragment:
  - snowspoke.jira.servicenow
  - snowspoke.jira.attributes
  - snowspoke.jira.attributes.SERVICENOW_GROUP
options:
  name:
    description: Name of the Jira webhook registry record; it identifies the record.
    type: str
    required: true
  description:
    description: Description of the registry record (left as it is when not given).
    type: str
  state:
    description:
      - V(present) creates or updates the token record and the registry.
      - V(absent) removes the registry, and its token record unless O(keep_token=true) or another registry uses it.
    type: str
    choices: [present, absent]
    default: present
  token:
    description:
      - The token that authenticates Jira's requests - in the URL of a token-based callback, as the Jira webhook's
        secret (the key of its HMAC signature) for an HMAC-based one.
      - At least 16 characters of C(A-Z), C(a-z), C(0-9), C(.), C(_), C(~) and C(-) (it goes into a URL).
      - Required with O(state=present).
    type: str
  token_name:
    description: Name of the token record (C(token_verification)). Defaults to O(name).
    type: str
  token_description:
    description: Description of the token record (left as it is when not given).
    type: str
  update_secret:
    description:
      - V(on_create) sends the token when the token record is created (and again while it was never updated, the
        sign that it did not arrive); V(always) on every run, to rotate it.
      - The instance never shows the token, so with V(on_create) a changed O(token) is not sent; a token-based
        callback URL the instance shows then does not carry it, and the module fails saying so.
    type: str
    choices: [always, on_create]
    default: on_create
  callback_type:
    description:
      - V(token) - a token-based callback URL (a static token in the URL); works with admin and dynamic Jira webhooks.
      - V(hmac) - an HMAC-based callback URL; the Jira webhook must be an admin webhook with O(token) as its secret.
        A registry without a Callback URL Type column (Jira spoke releases before HMAC webhooks) cannot do it - the
        module stops before writing.
    type: str
    choices: [token, hmac]
    default: token
  path:
    description: The registry's Path, the callback's path on the instance.
    type: str
    default: api/sn_jira_spoke/jira_webhook_callbacks/wh_entry
  registry_table:
    description:
      - The registry's table, when known; the module then checks it exists instead of looking it up by its label.
    type: str
  spoke_scope:
    description: The Jira spoke's application scope, where the registry's table is looked up.
    type: str
    default: sn_jira_spoke
  token_parameter:
    description:
      - The URL parameter carrying the token in a derived token-based callback URL (only when the instance shows no
        callback URL in a column); its name is not documented.
    type: str
    default: token
  keep_token:
    description: With O(state=absent), leave the token record in place.
    type: bool
    default: false
notes:
  - Inbound Jira events are then routed by the spoke's routing policies (Jira Webhooks > Jira WebHook Routing
    Policies); the module does not change them.
seealso:
  - module: snowspoke.jira.jira_webhook
  - module: snowspoke.jira.servicenow_spoke_info
"""

EXAMPLES = r"""
- name: Register a Jira webhook with an HMAC-based callback
  snowspoke.jira.servicenow_jira_webhook:
    instance:
      host: dev123
      username: admin
      password: "{{ vault_sn_password }}"
    name: Jira acme webhook
    token: "{{ vault_acme_webhook_token }}"
    callback_type: hmac
  register: registry

- name: The matching admin webhook in Jira, signed with the same token
  snowspoke.jira.jira_webhook:
    jira_url: https://acme.atlassian.net
    username: jira-admin@acme.example
    api_token: "{{ vault_acme_admin_token }}"
    name: ServiceNow dev123
    url: "{{ registry.callback_url_template | replace('{token}', vault_acme_webhook_token) }}"
    url_token: "{{ vault_acme_webhook_token }}"
    secret: "{{ vault_acme_webhook_token }}"
    events: [jira:issue_created, jira:issue_updated]

- name: Remove it again (the token record goes too)
  snowspoke.jira.servicenow_jira_webhook:
    name: Jira acme webhook
    state: absent
"""

RETURN = r"""
changes:
  description:
    - One entry per record that changed (in check mode - would change), with or without C(--diff). C(action) is
      V(create), V(update) or V(delete); C(table) and C(record) (its name) say which; C(fields) lists the fields an
      update wrote. Never values.
  returned: always
  type: list
  elements: dict
registry:
  description:
    - The registry record as stored (predicted in check mode), by column name, with C(table); never the URL columns
      (a token-based callback URL holds the token).
  returned: when O(state=present)
  type: dict
token_record:
  description: The token record (name, description, sys_id, C(secret_stored) when this run sent the token); never the token.
  returned: when O(state=present)
  type: dict
callback_type:
  description: V(token) or V(hmac), the registry's callback type.
  returned: always
  type: str
callback_url:
  description: The callback URL, its token masked.
  returned: always
  type: str
  sample: https://dev123.service-now.com/api/sn_jira_spoke/jira_webhook_callbacks/wh_entry?token=********
callback_url_template:
  description: The callback URL with C({token}) where the token goes (an HMAC-based URL has none).
  returned: always
  type: str
  sample: https://dev123.service-now.com/api/sn_jira_spoke/jira_webhook_callbacks/wh_entry?token={token}
callback_url_source:
  description:
    - V(instance) - the URL the instance shows (read back after writing); V(derived) - formed by the collection,
      because no column shows it (or, in check mode, the registry does not exist yet).
  returned: always
  type: str
schema:
  description:
    - What the module found of the undocumented registry - C(table), C(label), C(scope), C(fields) (role to column),
      C(type_field), C(type_choices), C(url_fields), C(token_fields).
  returned: always
  type: dict
"""

from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import run_module
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow import webhook
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.options import INSTANCE


def main():
    run_module(INSTANCE, webhook)


if __name__ == "__main__":
    main()
