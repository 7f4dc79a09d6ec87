#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: servicenow_http_connection
short_description: Manage the HTTP connection of a Jira site on a Jira spoke connection alias
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Manages an C(http_connection) record on a connection alias, with its credential, connection URL and
    attribute values (for Jira Cloud C(api_version) and C(server_type)).
  - With C(server_type) V(cloud) (the default) the connection URL must be a Jira Cloud URL - the site,
    C(https://<site>.atlassian.net) (basic auth with a classic API token, Option 1 of ServiceNow's documented procedure), or the API gateway,
    C(https://api.atlassian.com/ex/jira/<Cloud ID>) (OAuth, and scoped API tokens).
  - An alias without multiple connections allows one active connection. A second active connection fails,
    naming the one in the way, unless O(deactivate_others=true).
  - Where ServiceNow stores attribute values is not documented; the module keeps that knowledge in one place,
    reads back every attribute it writes, and fails naming what it did not find.
extends_documentation_fragment:
  - snowspoke.jira.servicenow
  - snowspoke.jira.attributes
  - snowspoke.jira.attributes.SERVICENOW_GROUP
options:
  name:
    description: Name of the connection; it identifies the record.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the connection and its attributes.
      - V(absent) removes the connection and its attribute values.
    type: str
    choices: [present, absent]
    default: present
  alias:
    description: The connection alias, by C(id) or sys_id.
    type: str
    default: sn_jira_spoke.Jira
  credential:
    description: The credential, by name or sys_id. Required with O(state=present).
    type: str
  connection_url:
    description:
      - The connection URL. Required with O(state=present).
      - With O(validate_url=true) it must not carry a user name or password, and is stored normalised - without a
        trailing slash, a Jira Cloud host in lower case, a Cloud ID in lower case.
    type: str
  attributes:
    description:
      - Attribute values by name, for example V(api_version) C("2") and V(server_type) C(cloud).
      - Each must be defined on the alias (or its parent). Attributes not listed are left as they are unless
        O(purge_attributes=true).
    type: dict
  purge_attributes:
    description: Remove attribute values that are not in O(attributes).
    type: bool
    default: false
  active:
    description: Whether the connection is active.
    type: bool
    default: true
  use_mid:
    description: Whether to reach Jira through a MID Server. Not managed when omitted.
    type: bool
  mid_selection:
    description: How the MID Server is chosen (the C(mid_selection) field). Not managed when omitted.
    type: str
  order:
    description: The connection's order. Not managed when omitted.
    type: int
  deactivate_others:
    description: On an alias without multiple connections, deactivate the other active connection instead of failing.
    type: bool
    default: false
  validate_url:
    description:
      - Check O(connection_url) as a Jira Cloud URL when C(server_type) is V(cloud). Set to V(false) for other
        servers (only https is then required).
    type: bool
    default: true
seealso:
  - module: snowspoke.jira.servicenow_credential
  - module: snowspoke.jira.servicenow_connection_alias
"""

EXAMPLES = r"""
- name: OAuth connection through the Atlassian API gateway (Option 2)
  snowspoke.jira.servicenow_http_connection:
    instance:
      host: dev123
      username: admin
      password: "{{ vault_sn_password }}"
    name: Jira cloud OAuth Connection
    credential: Jira cloud OAuth credential
    connection_url: "https://api.atlassian.com/ex/jira/{{ lookup('snowspoke.jira.jira_cloud_id', 'https://acme.atlassian.net') }}"
    attributes:
      api_version: "2"
      server_type: cloud

- name: Basic auth connection on the site URL (Option 1), replacing another active one
  snowspoke.jira.servicenow_http_connection:
    name: Jira spoke cloud basic conn
    credential: Jira cloud basic credential
    connection_url: https://acme.atlassian.net
    attributes:
      server_type: cloud
    deactivate_others: true
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
connection:
  description: The connection as stored, with its C(attributes) by name; predicted in check mode.
  returned: when O(state=present)
  type: dict
  sample:
    sys_id: 77ab...
    name: Jira cloud OAuth Connection
    connection_url: https://api.atlassian.com/ex/jira/1a2b...
    attributes: {"api_version": "2", "server_type": "cloud"}
alias:
  description: The alias of the connection (C(sys_id), C(id), C(multiple_connections)).
  returned: when O(state=present)
  type: dict
"""

from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import run_module
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow import http_connection
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.options import INSTANCE


def main():
    run_module(INSTANCE, http_connection)


if __name__ == "__main__":
    main()
