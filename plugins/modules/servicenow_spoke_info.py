#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: servicenow_spoke_info
short_description: Pre-flight facts of a ServiceNow instance for the Jira spoke
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Reads, in two Batch API round trips, everything the Jira spoke set-up depends on, before anything is written.
  - The Jira spoke's store application (C(sn_jira_spoke)) is installed and active, and its version (which decides
    the set-ups available, for example OAuth for Jira Cloud from 4.1.0).
  - The IntegrationHub plugins the spoke depends on are active.
  - The connecting user has the C(admin) role (when the user name is known from the authentication options).
  - The spoke's shipped connection alias (C(sn_jira_spoke.Jira)), its attribute definitions and its configuration
    template.
  - "A schema check: every table and field the collection uses exists on this instance (C(sys_db_object),
    C(sys_dictionary)), so a difference on a real instance shows up before the first write. A missing field the
    set-up writes or finds records by is a problem; one it only reads or reports is a warning (what needs it then
    reports that it cannot tell)."
  - The attributes every connection gets (O(required_attributes)) are defined on the alias where the collection
    looks for them; if not, this instance keeps connection attributes some other way and the set-up stops here.
  - Each missing prerequisite becomes one sentence in RV(problems) that says what to do. With
    O(fail_on_problems=true) (the default) the task fails with that list; nothing is ever changed.
extends_documentation_fragment:
  - snowspoke.jira.servicenow
  - snowspoke.jira.attributes.INFO_MODULE
  - snowspoke.jira.attributes.SERVICENOW_GROUP
options:
  spoke_scope:
    description: Application scope of the Jira spoke.
    type: str
    default: sn_jira_spoke
  alias:
    description: The C(id) of the spoke's connection and credential alias.
    type: str
    default: sn_jira_spoke.Jira
  required_plugins:
    description: IDs of the plugins that must be active. The default is the list from ServiceNow's Jira spoke documentation.
    type: list
    elements: str
    default:
      - com.glide.hub.action_type.datastream
      - com.glide.cobject
      - com.glide.hub.action_step.get_connection_info
      - com.glide.hub.integration.runtime
      - com.glide.hub.action_step.rest
      - com.glide.hub.dynamic_inputs
      - com.glide.external.app
  check_schema:
    description: Check that every table and field the collection writes exists on the instance.
    type: bool
    default: true
  required_attributes:
    description: The connection attributes the set-up values; each must be defined on O(alias).
    type: list
    elements: str
    default: [api_version, server_type]
  discover:
    description:
      - Also probe, read-only, how this instance behaves where ServiceNow's documentation leaves room (RV(discovery))
        - what a query on a missing field answers, whether row ACLs shorten pages, what encrypted fields read as, the
        cascade rule of a registry's profiles, template-made registries, shared profiles, alias names, where the
        alias's attributes are defined. C(playbooks/discover.yml) shows it.
    type: bool
    default: false
  fail_on_problems:
    description:
      - Fail the task, listing every problem, when a prerequisite is missing.
      - Set to V(false) to only report (RV(ok) and RV(problems)), for example in a discovery run.
    type: bool
    default: true
notes:
  - Reading C(sys_dictionary) and C(sys_db_object) needs the C(admin) role (or read ACLs on them).
seealso:
  - name: Jira spoke for Jira Cloud
    description: ServiceNow's set-up procedure this collection automates.
    link: https://www.servicenow.com/docs/
"""

EXAMPLES = r"""
- name: Check an instance before setting up the Jira spoke
  snowspoke.jira.servicenow_spoke_info:
    instance:
      host: dev123
      username: admin
      password: "{{ vault_sn_admin_password }}"
  register: preflight

- name: Only report (a discovery run), with the instance from module_defaults
  module_defaults:
    group/snowspoke.jira.servicenow:
      instance:
        host: https://acme.service-now.com
        client_id: "{{ sn_client_id }}"
        client_secret: "{{ sn_client_secret }}"
        grant_type: client_credentials
  block:
    - name: Gather the facts
      snowspoke.jira.servicenow_spoke_info:
        fail_on_problems: false
      register: facts

    - name: Show what is missing
      ansible.builtin.debug:
        var: facts.problems
"""

RETURN = r"""
ok:
  description: True when no problem was found.
  returned: always
  type: bool
problems:
  description: One sentence per missing prerequisite, saying what to do.
  returned: always
  type: list
  elements: str
  sample: ["IntegrationHub plugin com.glide.hub.action_step.rest is not active: activate it (System Definition > Plugins)."]
instance:
  description: Base URL of the instance.
  returned: always
  type: str
  sample: https://dev123.service-now.com
user:
  description: The connecting user and whether it has the admin role (V(null) when the user name is unknown, e.g. with an API key).
  returned: always
  type: dict
  sample: {"name": "admin", "admin": true}
spoke:
  description: The Jira spoke's store application.
  returned: always
  type: dict
  contains:
    installed:
      description: Whether the spoke is installed.
      type: bool
      returned: always
    active:
      description: Whether it is active.
      type: bool
      returned: always
    version:
      description: Its version.
      type: str
      returned: always
      sample: 6.0.1
    features:
      description: Which version-dependent features this release has (C(oauth_jira_cloud), C(server_type_attribute), C(authentication_template)).
      type: dict
      returned: always
plugins:
  description: The required IntegrationHub plugins and their state.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "com.glide.hub.action_step.rest", "name": "IntegrationHub Action Step - REST", "active": true, "installed": true, "version": "1.0"}]
alias:
  description: The shipped connection alias, its attribute definitions and configuration template (V(null) when missing).
  returned: always
  type: dict
  contains:
    sys_id:
      description: sys_id of the alias.
      type: str
      returned: success
    id:
      description: Its C(id), for example C(sn_jira_spoke.Jira).
      type: str
      returned: success
    multiple_connections:
      description: Whether the alias allows several active connections.
      type: bool
      returned: success
    attributes:
      description: Connection attribute definitions (C(element), C(label), C(type), C(default_value), C(sys_id)).
      type: list
      elements: dict
      returned: success
    configuration_template:
      description: The alias's configuration template (C(sys_id), C(name), C(data)), the records the spoke itself would create.
      type: dict
      returned: success
discovery:
  description:
    - With O(discover=true) - per fact, C(answer) and C(detail) (one sentence). Facts - C(invalid_query)
      (V(ignored) or V(no_rows)), C(v1_empty_answer), C(row_count), C(password2_answer) (the shape only, never a
      value), C(http_connection_order), C(consumer_registries), C(shared_profiles), C(alias_names),
      C(registry_delete), C(attribute_model), C(default_profile_on_insert) and C(batch_writes) (V(unknown) - not
      readable).
  returned: when O(discover=true)
  type: dict
schema:
  description: The schema check (when O(check_schema=true)).
  returned: when O(check_schema=true)
  type: dict
  contains:
    checked:
      description: Whether the check could be made.
      type: bool
      returned: always
    missing_tables:
      description: Tables the collection needs that the instance lacks.
      type: list
      elements: str
      returned: always
    missing_fields:
      description: Fields the collection writes or finds records by that the instance lacks (C(table), C(field)).
      type: list
      elements: dict
      returned: always
    missing_optional:
      description: Fields the collection only reads or reports that the instance lacks (C(table), C(field)).
      type: list
      elements: dict
      returned: always
"""

from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import run_module
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow import spoke
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.options import INSTANCE


def main():
    run_module(INSTANCE, spoke)


if __name__ == "__main__":
    main()
