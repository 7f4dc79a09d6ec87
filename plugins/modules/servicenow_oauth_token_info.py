#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: servicenow_oauth_token_info
short_description: The browser step ("Get OAuth Token") and token health of a Jira spoke OAuth 2.0 credential
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - For the authorization code grant, one step of the set-up cannot be automated - an administrator opens the
    credential's "Get OAuth Token" link while logged in to the instance and accepts at Atlassian. This module
    returns that consent URL and whether consent was given (the instance holds a refresh token for the credential).
  - With O(wait_timeout), it polls until consent is given, so an AWX job can wait while the administrator clicks.
  - For the client credentials grant there is no Atlassian consent page, but ServiceNow's procedure still ends with
    the credential's "Get OAuth Token" click; the module reports that step until the instance holds an access token.
  - Token health - the age of the refresh token against Atlassian's limits (90 days unused, 365 days in all), with a
    warning O(warn_days) ahead, so an audit run finds the connection that is about to stop working.
  - It only reads; tokens are never refreshed (that would break the copy the instance holds) or returned.
extends_documentation_fragment:
  - snowspoke.jira.servicenow
  - snowspoke.jira.attributes.INFO_MODULE
  - snowspoke.jira.attributes.SERVICENOW_GROUP
options:
  credential:
    description: The OAuth 2.0 credential, by name or sys_id.
    type: str
    required: true
  wait_timeout:
    description: Seconds to wait for consent (authorization code grant). V(0) does not wait.
    type: int
    default: 0
  wait_interval:
    description: Seconds between two checks while waiting.
    type: float
    default: 5.0
  warn_days:
    description: Warn this many days before the refresh token reaches one of Atlassian's limits.
    type: int
    default: 14
notes:
  - The refresh token's age is measured from its record's creation and its idle time from the record's last update.
seealso:
  - module: snowspoke.jira.servicenow_credential
"""

EXAMPLES = r"""
- name: Where does the administrator click?
  snowspoke.jira.servicenow_oauth_token_info:
    instance:
      host: dev123
      username: admin
      password: "{{ vault_sn_password }}"
    credential: Jira cloud OAuth credential
  register: token

- name: Tell the administrator
  ansible.builtin.debug:
    msg: "{{ token.message }} {{ token.consent_url if not token.consent_given else '' }}"

- name: Wait up to 15 minutes for the click (an AWX job can wait)
  snowspoke.jira.servicenow_oauth_token_info:
    credential: Jira cloud OAuth credential
    wait_timeout: 900
"""

RETURN = r"""
grant_type:
  description: The registry's grant type.
  returned: success
  type: str
  sample: authorization_code
browser_step_required:
  description: Whether the "Get OAuth Token" step is still to be done (no refresh token for the authorization code
    grant, no access token for the client credentials grant).
  returned: success
  type: bool
credential_url:
  description: The credential's record in the instance UI (where its "Get OAuth Token" related link is).
  returned: success
  type: str
  sample: https://dev123.service-now.com/oauth_2_0_credentials.do?sys_id=9a1c...
consent_url:
  description: The URL behind "Get OAuth Token" (V(null) for the client credentials grant).
  returned: success
  type: str
  sample: >-
    https://dev123.service-now.com/oauth_initiator.do?oauth_requestor_context=oauth_2_0_credentials&oauth_requestor=9a1c...
    &oauth_provider_profile=4b2d...&response_type=code
consent_given:
  description: Whether the instance holds a refresh token (authorization code) or an access token (client credentials).
  returned: success
  type: bool
message:
  description: One sentence for the administrator about the browser step.
  returned: success
  type: str
tokens:
  description:
    - For C(refresh_token) and C(access_token) - C(present), C(created), C(updated), C(expires), C(expired),
      C(age_days), C(idle_days). Never the token itself.
    - C(age_days) counts from the row's creation and C(idle_days) from its last update (a refresh updates the row).
      Whether a new consent makes a new row or updates the old one is not documented, so the age is an estimate.
  returned: success
  type: dict
health:
  description: C(status) (V(ok), V(warning), V(expired), V(not_consented)) and C(messages).
  returned: success
  type: dict
credential:
  description: The credential (C(sys_id), C(name)).
  returned: success
  type: dict
profile:
  description: Its OAuth entity profile (C(sys_id), C(name)).
  returned: success
  type: dict
registry:
  description: Its application registry (C(sys_id), C(name), C(client_id), C(redirect_url)).
  returned: success
  type: dict
waited:
  description: Seconds spent waiting for consent.
  returned: success
  type: float
"""

from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import run_module
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow import oauth_token
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.options import INSTANCE


def main():
    run_module(INSTANCE, oauth_token)


if __name__ == "__main__":
    main()
