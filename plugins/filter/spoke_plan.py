# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spoke_plan filter: which records a role creates for each Jira site, named once, for set-up and teardown."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError
from ansible_collections.snowspoke.jira.plugins.module_utils.jira import scopes as catalogue

DOCUMENTATION = r"""
name: spoke_plan
short_description: Plan the ServiceNow records of a Jira spoke set-up, one set per Jira site
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Expands the list of Jira sites given to the C(basic_setup) or C(oauth_setup) role into the records the role
    manages for each site - the alias (the shipped C(sn_jira_spoke.Jira) for the first site, a child alias for each
    further one), the credential, the connection and (OAuth) the application registry - with names derived
    from the site's name, so a set-up and its teardown always agree on what the role owns.
  - Secrets are not part of the plan; the role reads them from the site list by C(index).
options:
  _input:
    description: The Jira sites, each a dict with at least C(name) and C(url).
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
  shipped_alias:
    description: The id of the alias the first site uses.
    type: str
    default: sn_jira_spoke.Jira
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
    - One dict per site - C(index), C(name), C(url), C(cloud_id), C(alias) (the id of the shipped alias, or V(null)),
      C(child_alias) (the name of the child alias, or V(null)), C(credential), C(connection), C(connection_url) (an
      override, or V(null)).
    - For V(oauth) also C(registry), C(grant_type), C(scopes) or C(scope_groups) (the site's, else the documented
      list - one record per scope for the authorization code grant, grouped as C(Classic) and C(Granular) for the
      client credentials grant), C(configured_scopes) (all of them, flat) and C(required_scopes) (the documented
      list for the grant; the client credentials grant has no C(offline_access)).
  type: list
  elements: dict
"""

_SITE_URL = re.compile(r"^https://([a-z0-9][a-z0-9-]*)\.atlassian\.net/?$")
_NOT_ALIAS = re.compile(r"[^A-Za-z0-9_]+")


def alias_name(prefix, site_name):
    """A child alias name in the documented character set ("An alias can only contain alpha, number, and
    underscore characters"): ``Jira_acme_ops`` for prefix ``Jira`` and site ``acme-ops``."""
    return _NOT_ALIAS.sub("_", "%s_%s" % (prefix, site_name)).strip("_")


def _oauth_scopes(site, grant_type):
    """The site's scopes, or the documented ones laid out the way ServiceNow documents them for the grant."""
    code_grant = grant_type == "authorization_code"
    scopes, groups = site.get("scopes"), site.get("scope_groups")
    if not scopes and not groups:
        if code_grant:
            scopes = list(catalogue.PRESETS["seed"])
        else:
            groups = {"Classic": list(catalogue.SEED_CLASSIC), "Granular": list(catalogue.SEED_GRANULAR)}
    configured = list(scopes or [scope for group in (groups or {}).values()
                                 for scope in (group.split() if isinstance(group, str) else group)])
    required = "seed" if code_grant else [scope for scope in catalogue.PRESETS["seed"]
                                          if scope != catalogue.OFFLINE_ACCESS]
    return {"grant_type": grant_type, "scopes": list(scopes) if scopes else None, "scope_groups": groups or None,
            "configured_scopes": configured, "required_scopes": required}


def spoke_plan(sites, option, prefix="Jira", shipped_alias="sn_jira_spoke.Jira", grant_type="authorization_code"):
    if option not in ("basic", "oauth"):
        raise AnsibleFilterError("spoke_plan: option must be 'basic' or 'oauth', not %r" % (option,))
    if not isinstance(sites, list) or not sites:
        raise AnsibleFilterError("spoke_plan: give at least one Jira site (a list of dicts with name and url)")
    plan, names, urls = [], set(), set()
    for index, site in enumerate(sites):
        if not isinstance(site, dict) or not site.get("url"):
            raise AnsibleFilterError("spoke_plan: Jira site #%d has no url" % (index + 1))
        url = str(site["url"]).strip().rstrip("/")
        match = _SITE_URL.match(url + "/")
        name = str(site.get("name") or (match.group(1) if match else "")).strip()
        if not name:
            raise AnsibleFilterError("spoke_plan: Jira site %s needs a name" % url)
        if name.lower() in names:
            raise AnsibleFilterError("spoke_plan: two Jira sites are named %r; names must be unique" % name)
        if url.lower() in urls:
            raise AnsibleFilterError("spoke_plan: Jira site %s is listed twice" % url)
        names.add(name.lower())
        urls.add(url.lower())
        label = "%s %s" % (prefix, name)
        entry = {
            "index": index,
            "name": name,
            "url": url,
            "cloud_id": site.get("cloud_id") or None,
            "alias": shipped_alias if index == 0 else None,
            "child_alias": None if index == 0 else (site.get("alias_name") or alias_name(prefix, name)),
            "credential": site.get("credential_name") or "%s %s credential" % (label, "OAuth" if option == "oauth"
                                                                               else "basic"),
            "connection": site.get("connection_name") or "%s connection" % label,
            "connection_url": site.get("connection_url") or None,
        }
        if option == "oauth":
            entry["registry"] = site.get("registry_name") or "%s OAuth registry" % label
            site_grant = site.get("grant_type") or grant_type
            if site_grant not in ("authorization_code", "client_credentials"):
                raise AnsibleFilterError("spoke_plan: Jira site %s has an unknown grant_type %r" % (name, site_grant))
            entry.update(_oauth_scopes(site, site_grant))
        plan.append(entry)
    return plan


class FilterModule:
    def filters(self):
        return {"spoke_plan": spoke_plan}
