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
  validate_certs:
    description: Verify the site's TLS certificate.
    type: bool
    default: true
  ca_path:
    description: A PEM file of CA certificates to trust (a TLS-inspecting proxy).
    type: path
  proxy:
    description:
      - Proxy URL. If not set, the C(HTTPS_PROXY), C(HTTP_PROXY) and C(NO_PROXY) environment variables apply.
    type: str
  timeout:
    description: Seconds to wait for the site to connect and to answer.
    type: float
    default: 30.0
  retries:
    description: How many times to retry when the site answers 429 or 502/503/504 or not at all.
    type: int
    default: 4
notes:
  - The lookup runs on the controller, so the controller must reach the site (or the proxy).
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
"""

RETURN = r"""
_raw:
  description: The Cloud ID of each site, in the order given.
  type: list
  elements: str
  sample: ["0f7a3c58-1f4e-4a7b-9d3c-2b1e5f6a7c8d"]
"""

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import SnowspokeError
from ansible_collections.snowspoke.jira.plugins.module_utils.common.transport import REQUESTS_IMPORT_ERROR, RetryPolicy
from ansible_collections.snowspoke.jira.plugins.module_utils.jira.client import JiraClient
from ansible_collections.snowspoke.jira.plugins.module_utils.jira.options import site_url

try:
    from ansible.utils.display import Display
    display = Display()
except ImportError:  # pragma: no cover - every supported ansible-core has it
    display = None


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if REQUESTS_IMPORT_ERROR:
            raise AnsibleError("The snowspoke.jira.jira_cloud_id lookup needs the Python library requests on the "
                               "controller.")
        self.set_options(var_options=variables, direct=kwargs)
        if self.get_option("timeout") <= 0:
            raise AnsibleLookupError("jira_cloud_id: timeout must be a positive number of seconds.")
        log = display.vvv if display is not None else None
        client = JiraClient(validate_certs=self.get_option("validate_certs"), ca_path=self.get_option("ca_path"),
                            timeout=self.get_option("timeout"), proxy=self.get_option("proxy"),
                            retry=RetryPolicy(retries=self.get_option("retries")), log=log)
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
