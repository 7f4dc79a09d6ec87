# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Jira side of the Jira spoke's bi-directional webhook (``jira_webhook``): one webhook of a Jira Cloud site that
posts the site's events to a URL (the ServiceNow callback URL).

Two kinds, as Atlassian offers them:

- ``admin``: an admin webhook, ``/rest/webhooks/1.0/webhook`` on the site URL, with an administrator's API token
  (basic authentication). Identity: its name. A changed URL, event list, JQL or ``excludeBody`` is a PUT of that one
  webhook. Its ``secret`` (Jira then signs each delivery: ``X-Hub-Signature: sha256=<HMAC of the body>``) is
  write-only: Jira never shows it again, so it is sent on creation, with every update, and on every run with
  ``update_secret: always``.
- ``dynamic``: a dynamic webhook of an OAuth 2.0 app, ``/rest/api/3/webhook`` through the API gateway with an access
  token (or a service account's client credentials); scopes ``read:jira-work`` and ``manage:jira-webhook``. Identity:
  the URL and the event list (the one webhook of this app at the URL with these events, else the only one at the
  URL). There is no update operation: a changed event list, JQL or field filter registers the new webhook, then
  deletes the old one, so one remains. They expire 30 days after registration; a refresh
  (``/rest/api/3/webhook/refresh``) extends one that expires within ``refresh_days``; an expired one is replaced.
  They cannot carry a secret (Atlassian signs admin webhooks only).

Check mode sends no write and predicts the same ``changed``; the diff and ``changes`` never show a secret, and the
URL is shown with ``url_token`` (a secret the URL carries, as a token-based ServiceNow callback URL does) masked.
"""

from __future__ import annotations

import calendar
import re
import time

from ..common.errors import OptionError, RecordError
from .client import BasicCredentials, BearerCredentials, JiraClient
from .options import auth_mode

MASK = "********"
MASK_NEW = "******** (new value)"
ADMIN_PATH = "/rest/webhooks/1.0/webhook"
DYNAMIC_PATH = "/rest/api/3/webhook"
REFRESH_PATH = "/rest/api/3/webhook/refresh"
JQL_FILTER = "issue-related-events-section"
DAY = 86400.0
DEFAULT_EVENTS = ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"]
# WebhookDetails.events of the Jira platform spec: what a dynamic webhook may subscribe to.
DYNAMIC_EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created",
                  "comment_updated", "comment_deleted", "issue_property_set", "issue_property_deleted")
PAGE = 100
CLOCK = time.time  # what "now" is when expiration dates are compared (tests set it to the emulated clock)

ARGUMENT_SPEC = {
    "kind": {"type": "str", "choices": ["auto", "admin", "dynamic"], "default": "auto"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "name": {"type": "str"},
    "url": {"type": "str"},
    "url_token": {"type": "str", "no_log": True},
    "events": {"type": "list", "elements": "str", "default": list(DEFAULT_EVENTS)},
    "jql": {"type": "str"},
    "field_ids": {"type": "list", "elements": "str"},
    "exclude_body": {"type": "bool", "default": False},
    "secret": {"type": "str", "no_log": True},
    "update_secret": {"type": "str", "choices": ["always", "on_create"], "default": "on_create", "no_log": False},
    "refresh_days": {"type": "int", "default": 20},
    "cloud_id": {"type": "str"},
}
MODULE_KWARGS = {}


def _kind(params):
    mode = auth_mode(params)
    kind = params["kind"]
    if mode is None:
        raise OptionError("jira_webhook needs credentials: username + api_token of a Jira administrator (admin "
                          "webhooks), or access_token / client_id + client_secret of an OAuth 2.0 app (dynamic "
                          "webhooks).", hint="Set them in the task or in the JIRA_* environment variables.")
    if kind == "auto":
        kind = "admin" if mode == "basic" else "dynamic"
    if kind == "admin" and mode != "basic":
        raise OptionError("Admin webhooks are managed with a Jira administrator's API token (username + api_token); "
                          "an OAuth 2.0 app registers dynamic webhooks (kind dynamic).")
    if kind == "dynamic" and mode == "basic":
        raise OptionError("Only Connect and OAuth 2.0 apps can register dynamic webhooks (Atlassian): give "
                          "access_token (or client_id + client_secret), or use kind admin with an administrator's "
                          "API token.")
    return kind


def _check(params, kind):
    present = params["state"] == "present"
    if kind == "admin" and not params.get("name"):
        raise OptionError("name is required for an admin webhook: it identifies the webhook.")
    if (present or kind == "dynamic") and not params.get("url"):
        raise OptionError("url is required%s." % ("" if present else " to find a dynamic webhook (its identity)"))
    url = params.get("url") or ""
    if url and not re.match(r"^https://[^/\s]+", url):
        token = params.get("url_token")
        shown = url.replace(token, MASK) if token else url
        raise OptionError("url %r must be an https:// URL (Jira posts only to HTTPS)." % shown)
    if present and not params["events"]:
        raise OptionError("events must name at least one Jira event.")
    if kind == "dynamic":
        if params.get("secret"):
            raise OptionError("A dynamic webhook cannot carry a secret: Atlassian's registration has no such field "
                              "and signs only admin webhooks. Use a token-based callback URL, or an admin webhook.")
        wrong = [event for event in params["events"] if event not in DYNAMIC_EVENTS]
        if present and wrong:
            raise OptionError("Dynamic webhooks take only %s; not %s." % (", ".join(DYNAMIC_EVENTS), ", ".join(wrong)))
        if present and not (params.get("jql") or "").strip():
            raise OptionError("jql is required for a dynamic webhook (Atlassian requires its jqlFilter; it supports "
                              "issueKey, project, issuetype, status, assignee, reporter with =, !=, IN, NOT IN).")
        if params["refresh_days"] < 0 or params["refresh_days"] > 30:
            raise OptionError("refresh_days must be 0 to 30 (a dynamic webhook lives 30 days).")
    elif params.get("field_ids"):
        raise OptionError("field_ids applies to dynamic webhooks only.")


class Hooks:
    """What one run does, recorded like the reconciler records ServiceNow changes."""

    def __init__(self, task, kind):
        self.task = task
        self.params = task.params
        self.kind = kind
        self.table = "jira %s webhook" % kind
        self.changes = []
        self.before = {}
        self.after = {}
        self.client = JiraClient.from_options(self.params, log=task.log)

    def shown(self, text):
        """``text`` with the URL's secret masked (the module's no_log scrubbing does it too; this keeps the logic's
        own results clean as well)."""
        token = self.params.get("url_token")
        return text.replace(token, MASK) if token and isinstance(text, str) else text

    def note(self, action, record, before, after, **details):
        key = "%s %s" % (self.table, self.shown(record))
        self.changes.append(dict(action=action, table=self.table, record=self.shown(record), key=key, **details))
        self.before[key] = self._public(before)
        self.after[key] = self._public(after)

    def _public(self, webhook):
        if webhook is None:
            return None
        return dict((field, [self.shown(item) for item in value] if isinstance(value, list) else self.shown(value))
                    for field, value in webhook.items())

    def result(self, webhook, **extra):
        shown = self._public(webhook)
        if shown is not None:
            shown.pop("secret", None)  # the diff says whether one is sent; the webhook never has one to show
        return dict({"changed": bool(self.changes), "changes": self.changes, "kind": self.kind, "webhook": shown,
                     "diff": {"before": self.before, "after": self.after}}, **extra)


# -- admin webhooks -------------------------------------------------------------------------------------------------
def _admin_id(hook):
    found = re.search(r"/(\d+)/?$", hook.get("self") or "")
    return int(found.group(1)) if found else hook.get("id")


def _admin_view(hook):
    """An admin webhook as the module compares and returns it."""
    return {"id": _admin_id(hook), "name": hook.get("name"), "url": hook.get("url"),
            "events": sorted(hook.get("events") or []), "jql": ((hook.get("filters") or {}).get(JQL_FILTER) or ""),
            "exclude_body": bool(hook.get("excludeBody", False)), "enabled": hook.get("enabled", True)}


def _admin_body(params, secret):
    body = {"name": params["name"], "url": params["url"], "events": list(dict.fromkeys(params["events"])),
            "filters": {JQL_FILTER: (params.get("jql") or "").strip()}, "excludeBody": params["exclude_body"]}
    if secret:
        body["secret"] = secret
    return body


def admin(hooks):
    params, client, task = hooks.params, hooks.client, hooks.task
    credentials = BasicCredentials(params["username"], params["api_token"])
    listed = client.site_request("GET", ADMIN_PATH, credentials).data
    if not isinstance(listed, list):
        raise RecordError("Jira Cloud site %s answered %s without a list of webhooks." % (client.site, ADMIN_PATH))
    mine = [hook for hook in listed if isinstance(hook, dict) and hook.get("name") == params["name"]]
    if len(mine) > 1:
        raise RecordError("%d admin webhooks of %s are named %r: %s." % (
            len(mine), client.site, params["name"], ", ".join(str(_admin_id(hook)) for hook in mine)),
            hint="Delete or rename all but one of them (Jira settings > System > WebHooks), then run again.",
            ids=[_admin_id(hook) for hook in mine])
    current = _admin_view(mine[0]) if mine else None
    if params["state"] == "absent":
        if current is not None:
            hooks.note("delete", params["name"], current, None)
            if not task.check_mode:
                client.site_request("DELETE", "%s/%d" % (ADMIN_PATH, current["id"]), credentials)
        return hooks.result(None)
    secret = params.get("secret")
    body = _admin_body(params, None)
    wanted = {"name": body["name"], "url": body["url"], "events": sorted(body["events"]),
              "jql": body["filters"][JQL_FILTER], "exclude_body": body["excludeBody"]}
    if current is None:
        after = dict(wanted, id=None, enabled=True, **({"secret": MASK_NEW} if secret else {}))
        hooks.note("create", params["name"], None, after)
        if task.check_mode:
            return hooks.result(after)
        answer = client.site_request("POST", ADMIN_PATH, credentials, json=_admin_body(params, secret)).data
        return hooks.result(_verified(hooks, answer, wanted))
    differs = sorted(field for field, value in wanted.items() if current.get(field) != value)
    send_secret = bool(secret) and (bool(differs) or params["update_secret"] == "always")
    if current.get("enabled") is False:
        task.warn("Admin webhook %r of %s is disabled: Jira sends it nothing (enable it in Jira settings > System > "
                  "WebHooks)." % (params["name"], client.site))
    if not differs and not send_secret:
        return hooks.result(current)
    after = dict(current, **wanted)
    if send_secret:
        after["secret"] = MASK_NEW
    # Jira never shows a secret: a PUT sends the secret whenever one is given, so an update cannot drop it.
    hooks.note("update", params["name"], dict(current, **({"secret": MASK} if send_secret else {})), after,
               fields=differs + (["secret"] if send_secret else []))
    if task.check_mode:
        return hooks.result(after)
    answer = client.site_request("PUT", "%s/%d" % (ADMIN_PATH, current["id"]), credentials,
                                 json=_admin_body(params, secret)).data
    return hooks.result(_verified(hooks, answer, wanted))


def _verified(hooks, answer, wanted):
    """The webhook Jira answers it stored, checked against what was sent."""
    if not isinstance(answer, dict):
        raise RecordError("Jira Cloud site %s answered the webhook write without the webhook." % hooks.client.site)
    stored = _admin_view(answer)
    for field, value in sorted(wanted.items()):
        if stored.get(field) != value:
            raise RecordError("Jira Cloud site %s stored %s %r for admin webhook %r where %r was sent." % (
                hooks.client.site, field, hooks.shown(stored.get(field)), wanted["name"], hooks.shown(value)),
                field=field)
    return stored


# -- dynamic webhooks -----------------------------------------------------------------------------------------------
def _epoch(value):
    """A dynamic webhook's expirationDate as epoch seconds: an int64 of milliseconds (the spec's schema) or an ISO 8601
    string (its examples); None when it cannot be read."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value / 1000.0
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text) / 1000.0
        found = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:?\d\d)?$", text)
        if found:
            seconds = calendar.timegm(time.strptime(found.group(1), "%Y-%m-%dT%H:%M:%S"))
            zone = (found.group(2) or "Z").replace(":", "")
            if zone != "Z":
                offset = (int(zone[1:3]) * 3600 + int(zone[3:5]) * 60) * (1 if zone[0] == "+" else -1)
                seconds -= offset
            return float(seconds)
    return None


def _iso(epoch):
    return None if epoch is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _dynamic_view(hook, now):
    expires = _epoch(hook.get("expirationDate"))
    return {"id": hook.get("id"), "url": hook.get("url"), "events": sorted(hook.get("events") or []),
            "jql": (hook.get("jqlFilter") or "").strip(), "field_ids": sorted(hook.get("fieldIdsFilter") or []),
            "expires": _iso(expires),
            "expires_in_days": None if expires is None else round((expires - now) / DAY, 1)}


class Dynamic:
    """Calls of the dynamic webhooks API for one site and app."""

    def __init__(self, hooks):
        self.hooks = hooks
        params = hooks.params
        client = hooks.client
        if params.get("access_token"):
            self.credentials = BearerCredentials(params["access_token"])
        else:
            token = client.client_credentials_token(params["client_id"], params["client_secret"])
            self.credentials = BearerCredentials(token["access_token"], "the client credentials token of client %s"
                                                 % params["client_id"])
        self.cloud_id = params.get("cloud_id") or client.tenant_info()

    def call(self, method, path, params=None, json=None):
        return self.hooks.client.gateway_request(self.cloud_id, method, path, self.credentials, params=params,
                                                 json=json).data

    def list(self):
        hooks, start = [], 0
        while True:
            page = self.call("GET", DYNAMIC_PATH, params={"startAt": str(start), "maxResults": str(PAGE)}) or {}
            values = page.get("values") or []
            hooks.extend(value for value in values if isinstance(value, dict))
            if page.get("isLast", True) or not values:
                return hooks
            start += len(values)

    def register(self, params):
        details = {"events": list(dict.fromkeys(params["events"])), "jqlFilter": params["jql"].strip()}
        if params.get("field_ids"):
            details["fieldIdsFilter"] = list(params["field_ids"])
        answer = self.call("POST", DYNAMIC_PATH, json={"url": params["url"], "webhooks": [details]}) or {}
        results = answer.get("webhookRegistrationResult") or [{}]
        created = results[0].get("createdWebhookId") if isinstance(results[0], dict) else None
        if created is None:
            errors = results[0].get("errors") if isinstance(results[0], dict) else None
            raise RecordError("Jira (Cloud ID %s) did not register the dynamic webhook: %s." % (
                self.cloud_id, "; ".join(map(str, errors or ["no webhook ID in the answer"]))),
                hint="Check events and jql (dynamic webhooks support issueKey, project, issuetype, status, assignee, "
                     "reporter with =, !=, IN, NOT IN).", errors=errors)
        return created

    def delete(self, ids):
        self.call("DELETE", DYNAMIC_PATH, json={"webhookIds": sorted(ids)})

    def refresh(self, ids):
        return (self.call("PUT", REFRESH_PATH, json={"webhookIds": sorted(ids)}) or {}).get("expirationDate")


def dynamic(hooks):
    params, task = hooks.params, hooks.task
    api = Dynamic(hooks)
    now = CLOCK()
    at_url = [_dynamic_view(hook, now) for hook in api.list() if hook.get("url") == params["url"]]
    label = params["url"]
    if params["state"] == "absent":
        for hook in at_url:
            hooks.note("delete", "%s (id %s)" % (label, hook["id"]), hook, None)
        if at_url and not task.check_mode:
            api.delete([hook["id"] for hook in at_url])
        return hooks.result(None, cloud_id=api.cloud_id)
    events = sorted(set(params["events"]))
    same = [hook for hook in at_url if hook["events"] == events]
    if len(same) > 1 or (not same and len(at_url) > 1):
        several = same or at_url
        raise RecordError("%d dynamic webhooks of this app on Cloud ID %s post to %s%s: %s." % (
            len(several), api.cloud_id, hooks.shown(label), " with these events" if same else "",
            ", ".join(str(hook["id"]) for hook in several)),
            hint="Remove the extra ones (state absent removes every webhook of the app at this URL), then run again.",
            ids=[hook["id"] for hook in several])
    current = (same or at_url or [None])[0]
    wanted = {"url": params["url"], "events": events, "jql": params["jql"].strip(),
              "field_ids": sorted(params.get("field_ids") or [])}
    if current is None:
        after = dict(wanted, id=None, expires=_iso(now + 30 * DAY), expires_in_days=30.0)
        hooks.note("create", label, None, after)
        if task.check_mode:
            return hooks.result(after, cloud_id=api.cloud_id)
        created = api.register(params)
        return hooks.result(_dynamic_after(hooks, api, created, now), cloud_id=api.cloud_id)
    differs = sorted(field for field, value in wanted.items() if current.get(field) != value)
    left = current["expires_in_days"]
    expired = left is not None and left <= 0
    if differs or expired:
        # No update operation: register the new webhook first (the old one keeps posting until then), then remove the
        # old one, so exactly one remains.
        after = dict(wanted, id=None, expires=_iso(now + 30 * DAY), expires_in_days=30.0)
        hooks.note("update", label, current, after, fields=differs or ["expires"], replaced=current["id"])
        if task.check_mode:
            return hooks.result(after, cloud_id=api.cloud_id)
        created = api.register(params)
        api.delete([current["id"]])
        return hooks.result(_dynamic_after(hooks, api, created, now), cloud_id=api.cloud_id)
    if left is None or left < params["refresh_days"]:
        after = dict(current, expires=_iso(now + 30 * DAY), expires_in_days=30.0)
        hooks.note("update", label, current, after, fields=["expires"])
        if task.check_mode:
            return hooks.result(after, cloud_id=api.cloud_id)
        expires = _epoch(api.refresh([current["id"]]))
        after.update(expires=_iso(expires), expires_in_days=None if expires is None else round((expires - now) / DAY, 1))
        return hooks.result(after, cloud_id=api.cloud_id, refreshed=True)
    return hooks.result(current, cloud_id=api.cloud_id)


def _dynamic_after(hooks, api, created, now):
    """The webhook just registered, read back: one of this app's webhooks with its ID, URL, events and JQL."""
    for hook in api.list():
        if hook.get("id") == created:
            view = _dynamic_view(hook, now)
            for field, value in (("url", hooks.params["url"]), ("events", sorted(set(hooks.params["events"]))),
                                 ("jql", hooks.params["jql"].strip())):
                if view.get(field) != value:
                    raise RecordError("Jira (Cloud ID %s) stored %s %r for dynamic webhook %s where %r was sent." % (
                        api.cloud_id, field, hooks.shown(view.get(field)), created, hooks.shown(value)), field=field)
            return view
    raise RecordError("Jira (Cloud ID %s) answered dynamic webhook %s registered but does not list it." % (
        api.cloud_id, created))


def run(task):
    params = task.params
    kind = _kind(params)
    _check(params, kind)
    hooks = Hooks(task, kind)
    if kind == "admin":
        return admin(hooks)
    return dynamic(hooks)
