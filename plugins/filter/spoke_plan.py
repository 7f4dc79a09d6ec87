# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spoke_plan filter: which records a role creates for each Jira site, named once, for set-up and teardown."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import OptionError
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow import plan

DOCUMENTATION = r"""
name: spoke_plan
short_description: Plan the ServiceNow records of a Jira spoke set-up, one set per Jira site
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Expands the list of Jira sites given to the C(basic_setup) or C(oauth_setup) role (or to
    M(snowspoke.jira.servicenow_jira_spoke)) into the records the set-up manages for each site, with the names
    derived from the site's name - the credential, the connection, the child alias the site gets when it is not on
    the shipped alias, and (OAuth) the application registry - so a set-up and its teardown always agree on what the
    collection owns. Each site is checked as the module checks it.
  - Which alias a site uses depends on the instance (a site keeps the alias its connection is on), so the plan only
    names the child alias; the module's result says where each connection is.
  - Secrets are not part of the plan.
options:
  _input:
    description: The Jira sites, each a dict with at least C(url).
    type: list
    elements: dict
    required: true
  option:
    description: V(basic) or V(oauth).
    type: str
    required: true
  prefix:
    description: Prefix of the record names.
    type: str
    default: Jira
  grant_type:
    description: The OAuth grant of sites that do not set their own C(grant_type).
    type: str
    default: authorization_code
"""

EXAMPLES = r"""
- name: Show the records the OAuth role would manage
  ansible.builtin.debug:
    msg: "{{ oauth_setup_sites | snowspoke.jira.spoke_plan('oauth') }}"
"""

RETURN = r"""
_value:
  description:
    - One dict per site - C(index), C(name), C(url), C(cloud_id), C(child_alias) (the name of its child alias, should
      it get one), C(alias_choice) (the site's C(alias), or V(null)), C(credential), C(connection), C(connection_url)
      (an override, or V(null)).
    - For V(oauth) also C(registry), C(grant_type), C(scopes) or C(scope_groups) (the site's, else the documented
      list - one record per scope for the authorization code grant, grouped as C(Classic) and C(Granular) for the
      client credentials grant), C(configured_scopes) (all of them, flat) and C(required_scopes) (the documented
      list for the grant; the client credentials grant has no C(offline_access)).
  type: list
  elements: dict
"""


def spoke_plan(sites, option, prefix="Jira", grant_type="authorization_code"):
    try:
        return [site.describe() for site in plan.plan(sites, option, prefix, grant_type, credentials=False)]
    except OptionError as exc:
        raise AnsibleFilterError("spoke_plan: %s" % exc) from None


class FilterModule:
    def filters(self):
        return {"spoke_plan": spoke_plan}
