#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: servicenow_connection_alias
short_description: Manage child connection aliases of the Jira spoke, one per extra Jira site
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - An alias without multiple connections holds one active connection, so each further Jira site gets its own
    child alias of the spoke's shipped alias (C(sn_jira_spoke.Jira)).
  - Creates, updates or removes a child alias with O(parent), O(multiple_connections) and the fields a child created
    over REST must carry itself (C(type), C(connection_type), the configuration template; the UI copies them).
  - The shipped alias is only read, never changed or removed. The result includes its attribute definitions and
    its configuration template (the records and attributes the spoke itself would create).
  - ServiceNow wants a child alias in the Jira spoke's application scope. A REST insert lands in the connecting
    user's current application scope; the module reports the scope the alias is in and warns when it is not the
    spoke's.
extends_documentation_fragment:
  - snowspoke.jira.servicenow
  - snowspoke.jira.attributes
  - snowspoke.jira.attributes.SERVICENOW_GROUP
options:
  name:
    description: Name of the child alias; with O(parent) it identifies the record.
    type: str
    required: true
  parent:
    description: The parent alias, by its C(id) or sys_id. It cannot change after the child is created.
    type: str
    default: sn_jira_spoke.Jira
  state:
    description:
      - V(present) creates or updates the child alias.
      - V(absent) removes it; it refuses while the alias has connections (naming them) unless O(force=true).
    type: str
    choices: [present, absent]
    default: present
  multiple_connections:
    description: Whether the child alias allows several active connections.
    type: bool
    default: false
  spoke_scope:
    description: The application scope the alias should be in (a warning is given otherwise).
    type: str
    default: sn_jira_spoke
  force:
    description: With O(state=absent), remove the alias even while it has connections.
    type: bool
    default: false
seealso:
  - module: snowspoke.jira.servicenow_http_connection
  - module: snowspoke.jira.servicenow_spoke_info
"""

EXAMPLES = r"""
- name: A child alias for a second Jira site
  snowspoke.jira.servicenow_connection_alias:
    instance:
      host: dev123
      username: admin
      password: "{{ vault_sn_password }}"
    name: Jira beta site
  register: beta_alias

- name: Its connection
  snowspoke.jira.servicenow_http_connection:
    name: Jira beta connection
    alias: "{{ beta_alias.alias.sys_id }}"
    credential: Jira beta OAuth credential
    connection_url: https://api.atlassian.com/ex/jira/11223344-5566-7788-99aa-bbccddeeff00
    attributes:
      api_version: "2"
      server_type: cloud
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
alias:
  description: The child alias as stored, with C(scope) (C(sys_id), C(scope), C(is_spoke_scope)); predicted in check mode.
  returned: when O(state=present)
  type: dict
parent:
  description: The parent alias (C(sys_id), C(id), C(name), C(multiple_connections), C(sys_scope)).
  returned: always
  type: dict
attributes:
  description: Attribute definitions of the alias (or its parent), each with C(element), C(label), C(type), C(default_value), C(sys_id), C(defined_on).
  returned: when O(state=present)
  type: list
  elements: dict
configuration_template:
  description: The parent's configuration template (C(sys_id), C(name), C(data)), or V(null).
  returned: when O(state=present)
  type: dict
"""

from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import run_module
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow import connection_alias
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.options import INSTANCE


def main():
    run_module(INSTANCE, connection_alias)


if __name__ == "__main__":
    main()
