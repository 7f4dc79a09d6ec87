#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: jira_webhook
short_description: Manage a Jira Cloud webhook - an admin webhook or an OAuth 2.0 app's dynamic webhook
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - The Jira side of the Jira spoke's bi-directional webhook - one webhook of a Jira Cloud site posting its events to
    a URL, for example the callback URL of M(snowspoke.jira.servicenow_jira_webhook).
  - Admin webhooks (O(kind=admin), chosen with O(username) and O(api_token) - a Jira administrator's API token) through
    C(/rest/webhooks/1.0/webhook) on the site URL. One webhook per O(name); a changed URL, event list, O(jql) or
    O(exclude_body) updates that webhook. O(secret) makes Jira sign every delivery (C(X-Hub-Signature) - C(sha256=)
    the HMAC-SHA256 of the body); Jira never shows a secret again, so it is sent on creation, with every update, and
    on every run with O(update_secret=always).
  - Dynamic webhooks (O(kind=dynamic), chosen with O(access_token), or O(client_id) and O(client_secret) of a service
    account) of an OAuth 2.0 app through C(/rest/api/3/webhook) at Atlassian's API gateway; the token needs the scopes
    C(read:jira-work) and C(manage:jira-webhook). One webhook of the app per O(url) and O(events) (else the only one
    at O(url)). Jira offers no update of a dynamic webhook - a changed event list, O(jql) or O(field_ids) registers the
    new one, then removes the old one, so one remains. They expire 30 days after registration - one expiring within
    O(refresh_days) is refreshed (C(/rest/api/3/webhook/refresh)), an expired one replaced. They cannot carry a secret.
  - Check mode sends no write and predicts the same C(changed); the diff and RV(changes) never show a secret, and
    O(url_token) is masked wherever the URL is shown.
extends_documentation_fragment:
  - snowspoke.jira.jira
  - snowspoke.jira.attributes
  - snowspoke.jira.attributes.JIRA_GROUP
options:
  kind:
    description:
      - V(admin) or V(dynamic); V(auto) takes V(admin) with O(username) and O(api_token), V(dynamic) with an OAuth
        token or client credentials.
    type: str
    choices: [auto, admin, dynamic]
    default: auto
  state:
    description:
      - V(present) creates or updates the webhook (and refreshes a dynamic one that expires soon).
      - V(absent) removes it - an admin webhook by O(name); for dynamic webhooks, every webhook of the app at O(url).
    type: str
    choices: [present, absent]
    default: present
  name:
    description: Name of an admin webhook; it identifies the webhook (required for admin webhooks).
    type: str
  url:
    description:
      - The URL Jira posts the events to (https). Required, except to remove an admin webhook.
    type: str
  url_token:
    description:
      - A secret the URL carries, as the token of a token-based ServiceNow callback URL does. It is masked wherever
        the URL is shown (results, diff, messages).
    type: str
  events:
    description:
      - The Jira events that trigger the webhook, for example V(jira:issue_created), V(jira:issue_updated),
        V(comment_created). Dynamic webhooks take only issue, comment and issue property events.
    type: list
    elements: str
    default: [jira:issue_created, jira:issue_updated, jira:issue_deleted]
  jql:
    description:
      - The issues the webhook is sent for. Admin webhooks - any JQL, none for every issue. Dynamic webhooks - required,
        and only C(issueKey), C(project), C(issuetype), C(status), C(assignee), C(reporter) with C(=), C(!=), C(IN),
        C(NOT IN).
    type: str
  field_ids:
    description: Dynamic webhooks only - C(jira:issue_updated) is sent only when one of these fields changes.
    type: list
    elements: str
  exclude_body:
    description: Admin webhooks only - post without the event's body.
    type: bool
    default: false
  secret:
    description:
      - Admin webhooks only - the secret Jira signs each delivery with (for an HMAC-based ServiceNow callback, the
        registry's token). Write-only, sent per O(update_secret).
    type: str
  update_secret:
    description:
      - V(on_create) sends O(secret) when the webhook is created and with every update of it; V(always) on every run
        (a rotation).
    type: str
    choices: [always, on_create]
    default: on_create
  refresh_days:
    description: Dynamic webhooks only - refresh a webhook that expires within this many days (0 to 30).
    type: int
    default: 20
  cloud_id:
    description: Dynamic webhooks only - the site's Cloud ID (found from O(jira_url) when not given).
    type: str
notes:
  - Each refusal of basic authentication on a site counts as a failed login of the account; the module makes one call
    with the API token before it writes.
seealso:
  - module: snowspoke.jira.servicenow_jira_webhook
  - module: snowspoke.jira.jira_scope_check
"""

EXAMPLES = r"""
- name: An admin webhook, signed, for issue events of two projects
  snowspoke.jira.jira_webhook:
    jira_url: https://acme.atlassian.net
    username: jira-admin@acme.example
    api_token: "{{ vault_acme_admin_token }}"
    name: ServiceNow dev123
    url: https://dev123.service-now.com/api/sn_jira_spoke/jira_webhook_callbacks/wh_entry
    secret: "{{ vault_acme_webhook_token }}"
    events: [jira:issue_created, jira:issue_updated, comment_created]
    jql: project in (OPS, DEV)

- name: A dynamic webhook of the spoke's OAuth 2.0 app, the token in the URL
  snowspoke.jira.jira_webhook:
    jira_url: https://acme.atlassian.net
    access_token: "{{ atlassian_access_token }}"
    url: "https://dev123.service-now.com/api/sn_jira_spoke/jira_webhook_callbacks/wh_entry?token={{ vault_token }}"
    url_token: "{{ vault_token }}"
    events: [jira:issue_created, jira:issue_updated]
    jql: project = OPS
"""

RETURN = r"""
changes:
  description:
    - One entry per webhook that changed (in check mode - would change). C(action) is V(create), V(update) or
      V(delete); C(table) is C(jira admin webhook) or C(jira dynamic webhook); C(record) its name or URL; C(fields)
      what an update changes (C(expires) for a refresh); C(replaced) the ID of a dynamic webhook an update removes.
  returned: always
  type: list
  elements: dict
kind:
  description: V(admin) or V(dynamic).
  returned: always
  type: str
webhook:
  description:
    - The webhook as Jira stores it (predicted in check mode, V(null) after a removal) - C(id), C(url), C(events),
      C(jql), and C(name), C(exclude_body), C(enabled) (admin) or C(field_ids), C(expires), C(expires_in_days)
      (dynamic). Never the secret.
  returned: always
  type: dict
cloud_id:
  description: The site's Cloud ID (dynamic webhooks).
  returned: when O(kind=dynamic)
  type: str
refreshed:
  description: Whether the run extended a dynamic webhook's life.
  returned: when a dynamic webhook was refreshed
  type: bool
"""

from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import run_module
from ansible_collections.snowspoke.jira.plugins.module_utils.jira import webhook
from ansible_collections.snowspoke.jira.plugins.module_utils.jira.options import JIRA


def main():
    run_module(JIRA, webhook)


if __name__ == "__main__":
    main()
