# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: jira_cloud_id
short_description: The Cloud ID of a Jira Cloud site
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - Returns the Cloud ID of each Jira Cloud site given, from the site's C(/_edge/tenant_info) (no credentials
    needed), for the spoke's OAuth connection URL C(https://api.atlassian.com/ex/jira/<Cloud ID>).
  - A site that does not exist is an error that names it.
options:
  _terms:
    description: Jira Cloud sites - a URL (V(https://acme.atlassian.net)), a host name or a bare site name (V(acme)).
    required: true
    type: list
    elements: str
extends_documentation_fragment:
  - snowspoke.jira.jira.LOOKUP
notes:
  - The lookup runs on the controller, so the controller must reach the site (or the proxy).
  - Its options come, in this order, from the lookup's own arguments, the C(JIRA_*) environment variables of the
    controller (the same as the Jira modules read - C(JIRA_CA_PATH), C(JIRA_TIMEOUT); an empty value counts as unset),
    and the defaults. C(module_defaults) do not apply to lookups.
seealso:
  - module: snowspoke.jira.jira_scope_check
"""

EXAMPLES = r"""
- name: The gateway URL of a site for the spoke's OAuth connection
  ansible.builtin.debug:
    msg: "https://api.atlassian.com/ex/jira/{{ lookup('snowspoke.jira.jira_cloud_id', 'https://acme.atlassian.net') }}"

- name: Several sites at once, through a proxy
  ansible.builtin.set_fact:
    cloud_ids: "{{ query('snowspoke.jira.jira_cloud_id', 'acme', 'beta.atlassian.net', proxy='http://proxy:3128') }}"

- name: Behind a TLS-inspecting proxy (or set JIRA_CA_PATH for every Jira call of the run)
  ansible.builtin.debug:
    msg: "{{ lookup('snowspoke.jira.jira_cloud_id', 'acme', ca_path='/etc/pki/proxy-ca.pem') }}"
"""

RETURN = r"""
_raw:
  description: The Cloud ID of each site, in the order given.
  type: list
  elements: str
  sample: ["0f7a3c58-1f4e-4a7b-9d3c-2b1e5f6a7c8d"]
"""

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.lookup import LookupBase

from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import SnowspokeError
from ansible_collections.snowspoke.jira.plugins.module_utils.common.transport import REQUESTS_IMPORT_ERROR
from ansible_collections.snowspoke.jira.plugins.module_utils.jira.client import JiraClient
from ansible_collections.snowspoke.jira.plugins.module_utils.jira.options import LOOKUP, site_url

try:
    from ansible.utils.display import Display
    display = Display()
except ImportError:  # pragma: no cover - every supported ansible-core has it
    display = None


def connection_options(given):
    """The lookup's connection options: ``given`` (its arguments, already typed), then the JIRA_* environment
    variables of the table (an empty one counts as unset, as AWX injects blank fields), then the defaults: the
    same argument spec the Jira modules validate, so one setting reaches every Jira call."""
    result = ArgumentSpecValidator(LOOKUP.argument_spec()).validate(
        dict((name, value) for name, value in given.items() if value is not None))
    if result.error_messages:
        raise AnsibleLookupError("jira_cloud_id: %s" % "; ".join(result.error_messages))
    return result.validated_parameters


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if REQUESTS_IMPORT_ERROR:
            raise AnsibleError("The snowspoke.jira.jira_cloud_id lookup needs the Python library requests on the "
                               "controller.")
        self.set_options(var_options=variables, direct=kwargs)
        params = connection_options(dict((name, self.get_option(name)) for name in kwargs))
        log = display.vvv if display is not None else None
        warn = display.warning if display is not None else None
        try:
            client = JiraClient.from_options(params, log=log, warn=warn)
        except SnowspokeError as exc:
            raise AnsibleLookupError("jira_cloud_id: %s" % exc) from None
        cloud_ids = []
        for term in terms:
            try:
                site = site_url(term, option="site")
                if site is None:
                    raise AnsibleLookupError("jira_cloud_id: a site is empty; give https://<site>.atlassian.net.")
                cloud_ids.append(client.tenant_info(site))
            except SnowspokeError as exc:
                raise AnsibleLookupError("jira_cloud_id: %s" % exc) from None
        return cloud_ids
