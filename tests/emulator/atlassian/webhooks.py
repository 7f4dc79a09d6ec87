"""Jira Cloud webhooks of the emulated sites, and the events they deliver.

- Admin webhooks, ``/rest/webhooks/1.0/webhook[/<id>]`` on the site URL with an administrator's basic auth (a
  classic API token): ``name``, ``url``, ``events``, ``filters`` (``issue-related-events-section``: JQL),
  ``excludeBody``, write-only ``secret`` (Atlassian: a saved secret cannot be read back). POST 201, GET (a list, or
  one), PUT 200, DELETE 204.
- Dynamic webhooks of OAuth 2.0 apps, ``/rest/api/3/webhook`` through the gateway (Jira platform spec:
  registerDynamicWebhooks, getDynamicWebhooksForApp, deleteWebhookById, refreshWebhooks; scopes in scopes.py):
  ``{"url", "webhooks": [{"events", "jqlFilter", "fieldIdsFilter"?}]}``; each app sees and removes only its own;
  "Webhooks registered through the REST API expire after 30 days" and ``PUT /rest/api/3/webhook/refresh`` extends
  them; only the JQL subset the spec lists is accepted; no secret (the spec's registration has none, and Atlassian
  signs only admin webhooks).
- ``deliver(site, event, issue)``: what Jira does when an event happens: a POST of the event to every webhook that
  matches it (enabled or unexpired, the event subscribed, the JQL matching the issue), with
  ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the secret>`` when the webhook has a secret.

Where the sources leave room, ``SWITCHES`` (set with ``cloud.webhooks.set(**switches)``) plays each way.
"""

import hashlib
import hmac
import json
import re
import uuid

from ..http import Request, Response, json_response
from .model import DAY

DYNAMIC_LIFETIME = 30 * DAY
# WebhookDetails.events of the platform spec (dynamic webhooks take only these).
DYNAMIC_EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created",
                  "comment_updated", "comment_deleted", "issue_property_set", "issue_property_deleted")
# WebhookDetails.jqlFilter: "Fields: issueKey, project, issuetype, status, assignee, reporter, issue.property, and
# cf[id] ... Operators: =, !=, IN, and NOT IN."
_DYNAMIC_JQL_FIELDS = ("issuekey", "project", "issuetype", "status", "assignee", "reporter")
_JQL_CLAUSE = re.compile(r"([A-Za-z_][\w.\[\]]*)\s*(?:!=|=|\bnot\s+in\b|\bin\b|~|>=|<=|>|<|\bis\b|\bwas\b)",
                         re.IGNORECASE)
_JQL_WORDS = frozenset(("and", "or", "not", "order", "by", "asc", "desc", "empty", "null"))
SIGNATURE_HEADER = "X-Hub-Signature"
_ADMIN_EVENT = re.compile(r"^[a-z_]+(:[a-z_]+)?$")

# Facts no public source settles: name -> (default, allowed values, source).
SWITCHES = {
    # Webhook.expirationDate (and WebhooksExpirationDate) is "format: int64" in the spec's schema, but its examples
    # show "2019-06-01T12:42:30.000+0000": which one Jira answers is unconfirmed.
    "dynamic_expiration_format": ("epoch_ms", ("epoch_ms", "iso")),
    # What a PUT of an admin webhook without "secret" does to the secret it had: unconfirmed (Atlassian says only
    # that a saved secret cannot be retrieved again).
    "admin_secret_on_put": ("kept", ("kept", "cleared")),
}


def _errors(status, *messages):
    return json_response(status, {"errorMessages": list(messages), "errors": {}})


class AdminWebhook:
    """A webhook made in Jira administration or with ``/rest/webhooks/1.0/webhook``."""

    def __init__(self, webhook_id, site):
        self.id = webhook_id
        self.site = site
        self.name = ""
        self.url = ""
        self.events = []
        self.jql = ""
        self.exclude_body = False
        self.enabled = True
        self.secret = None
        self.updated_by = None
        self.updated_at = 0.0

    def as_json(self):
        return {"self": "%s/rest/webhooks/1.0/webhook/%d" % (self.site.url, self.id), "name": self.name,
                "url": self.url, "events": list(self.events),
                "filters": {"issue-related-events-section": self.jql}, "excludeBody": self.exclude_body,
                "enabled": self.enabled, "lastUpdatedUser": self.updated_by.account_id if self.updated_by else None,
                "lastUpdatedDisplayName": self.updated_by.display_name if self.updated_by else None,
                "lastUpdated": int(self.updated_at * 1000)}


class DynamicWebhook:
    """A webhook an OAuth 2.0 app registered on a site (``/rest/api/3/webhook``)."""

    def __init__(self, webhook_id, app, url, events, jql, field_ids, property_keys, expires_at):
        self.id = webhook_id
        self.app = app
        self.url = url
        self.events = list(events)
        self.jql = jql
        self.field_ids = list(field_ids) if field_ids is not None else None
        self.property_keys = list(property_keys) if property_keys is not None else None
        self.expires_at = expires_at
        self.secret = None  # dynamic webhooks are not signed

    def as_json(self, expiration):
        body = {"id": self.id, "url": self.url, "events": list(self.events), "jqlFilter": self.jql,
                "expirationDate": expiration(self.expires_at)}
        if self.field_ids is not None:
            body["fieldIdsFilter"] = list(self.field_ids)
        if self.property_keys is not None:
            body["issuePropertyKeysFilter"] = list(self.property_keys)
        return body


class Webhooks:
    """The webhooks of every site of one AtlassianCloud (state lives on the Site objects)."""

    def __init__(self, cloud):
        self.cloud = cloud
        self.switches = {}
        self._next_admin = 1
        self._next_dynamic = 10000
        self.deliveries = []  # every delivery attempt: {"kind", "id", "url", "event", "status", "signed"}

    def option(self, name):
        return self.switches.get(name, SWITCHES[name][0])

    def set(self, **switches):
        for name, value in switches.items():
            if name not in SWITCHES:
                raise ValueError("unknown webhook switch %s" % name)
            if value not in SWITCHES[name][1]:
                raise ValueError("switch %s: %r is not one of %s" % (name, value, SWITCHES[name][1]))
        with self.cloud.lock:
            self.switches.update(switches)

    def expiration(self, timestamp):
        if self.option("dynamic_expiration_format") == "iso":
            return self.cloud.clock.iso(timestamp)
        return int(timestamp * 1000)

    # -- admin webhooks (site.py routes /rest/webhooks/1.0/webhook here) ---------------------------------------
    def admin(self, site, user, request, webhook_id):
        if user is None:
            return _errors(401, "You are not authenticated. Authentication required to perform this operation.")
        if not (user.admin and user.active):
            return _errors(403, "Only Jira administrators can manage webhooks.")
        method = request.method
        if webhook_id is None:
            if method == "GET":
                return json_response(200, [hook.as_json() for hook in site.admin_webhooks.values()])
            if method != "POST":
                return Response(status=405)
            return self._admin_save(site, user, request, None)
        hook = site.admin_webhooks.get(webhook_id)
        if hook is None:
            return _errors(404, "Webhook with id %d does not exist." % webhook_id)
        if method == "GET":
            return json_response(200, hook.as_json())
        if method == "PUT":
            return self._admin_save(site, user, request, hook)
        if method == "DELETE":
            del site.admin_webhooks[webhook_id]
            return Response(status=204, write=True)
        return Response(status=405)

    def _admin_save(self, site, user, request, hook):
        try:
            body = request.json()
        except ValueError:
            return _errors(400, "Invalid request payload.")
        if not isinstance(body, dict):
            return _errors(400, "Invalid request payload.")
        errors = {}
        if not isinstance(body.get("name"), str) or not body["name"].strip():
            errors["name"] = "The webhook name is required."
        url = body.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            errors["url"] = "The webhook URL is required and must be an http(s) URL."
        events = body.get("events") or []
        if not isinstance(events, list) or not all(isinstance(e, str) and _ADMIN_EVENT.match(e) for e in events):
            errors["events"] = "Events must be a list of event names."
        filters = body.get("filters") or {}
        if not isinstance(filters, dict):
            errors["filters"] = "Filters must be an object."
        if errors:
            return json_response(400, {"errorMessages": [], "errors": errors})
        created = hook is None
        if created:
            hook = AdminWebhook(self._next_admin, site)
            self._next_admin += 1
        hook.name = body["name"]
        hook.url = url
        hook.events = list(dict.fromkeys(events))
        hook.jql = filters.get("issue-related-events-section") or ""
        hook.exclude_body = bool(body.get("excludeBody", False))
        if "enabled" in body:
            hook.enabled = bool(body["enabled"])
        if body.get("secret"):
            hook.secret = str(body["secret"])
        elif not created and self.option("admin_secret_on_put") == "cleared":
            hook.secret = None
        hook.updated_by = user
        hook.updated_at = self.cloud.clock.now()
        site.admin_webhooks[hook.id] = hook
        return json_response(201 if created else 200, hook.as_json(), write=True)

    # -- dynamic webhooks (jira.py operations dynamic_webhooks and dynamic_refresh) ----------------------------
    def dynamic(self, call, operation):
        if call.app is None:
            return _errors(403, "Only Connect and OAuth 2.0 apps can use this operation.")
        site, app, method = call.site, call.app, call.request.method
        mine = [hook for hook in site.dynamic_webhooks.values() if hook.app is app]
        if operation == "dynamic_refresh":
            ids = self._ids(call)
            if ids is None:
                return _errors(400, "webhookIds must be a list of webhook IDs.")
            expires = self.cloud.clock.now() + DYNAMIC_LIFETIME
            for hook in mine:
                if hook.id in ids:  # "Unrecognized webhook IDs ... are ignored."
                    hook.expires_at = expires
            return json_response(200, {"expirationDate": self.expiration(expires)}, write=True)
        if method == "GET":
            start = call.int_arg("startAt", 0)
            size = min(call.int_arg("maxResults", 100, minimum=1), 100)
            page = mine[start:start + size]
            return json_response(200, {"startAt": start, "maxResults": size, "total": len(mine),
                                       "isLast": start + len(page) >= len(mine),
                                       "values": [hook.as_json(self.expiration) for hook in page]})
        if method == "DELETE":
            ids = self._ids(call)
            if ids is None:
                return _errors(400, "webhookIds must be a list of webhook IDs.")
            for hook in mine:
                if hook.id in ids:  # others' IDs "are ignored"
                    del site.dynamic_webhooks[hook.id]
            return Response(status=202, write=True)
        return self._register(call, site, app)

    @staticmethod
    def _ids(call):
        try:
            body = call.request.json()
        except ValueError:
            return None
        ids = body.get("webhookIds") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            return None
        return set(ids)

    def _register(self, call, site, app):
        try:
            body = call.request.json()
        except ValueError:
            return _errors(400, "Invalid request payload.")
        if not isinstance(body, dict) or not isinstance(body.get("url"), str) or not isinstance(
                body.get("webhooks"), list) or set(body) - {"url", "webhooks"}:
            return _errors(400, "Invalid request payload: url and webhooks are required (and nothing else).")
        results, wrote = [], False
        for details in body["webhooks"]:
            problems = self._problems(details)
            if problems:
                results.append({"errors": problems})
                continue
            hook = DynamicWebhook(self._next_dynamic, app, body["url"], details["events"], details["jqlFilter"],
                                  details.get("fieldIdsFilter"), details.get("issuePropertyKeysFilter"),
                                  self.cloud.clock.now() + DYNAMIC_LIFETIME)
            self._next_dynamic += 1
            site.dynamic_webhooks[hook.id] = hook
            results.append({"createdWebhookId": hook.id})
            wrote = True
        return json_response(200, {"webhookRegistrationResult": results}, write=wrote)

    @staticmethod
    def _problems(details):
        if not isinstance(details, dict):
            return ["A webhook must be an object."]
        unknown = set(details) - {"events", "jqlFilter", "fieldIdsFilter", "issuePropertyKeysFilter"}
        if unknown:
            return ["Unrecognized field(s): %s" % ", ".join(sorted(unknown))]
        events = details.get("events")
        if not isinstance(events, list) or not events:
            return ["At least one event is required."]
        wrong = [event for event in events if event not in DYNAMIC_EVENTS]
        if wrong:
            return ["Unsupported event(s): %s" % ", ".join(map(str, wrong))]
        jql = details.get("jqlFilter")
        if not isinstance(jql, str) or not jql.strip():
            return ["The JQL filter is required."]
        unsupported = [field for field in (match.group(1) for match in _JQL_CLAUSE.finditer(jql))
                       if field.lower() not in _JQL_WORDS and field.lower() not in _DYNAMIC_JQL_FIELDS
                       and not field.lower().startswith(("issue.property", "cf["))]
        if unsupported:
            return ["The clause %s is unsupported" % unsupported[0]]
        if re.search(r"\bORDER\s+BY\b", jql, re.IGNORECASE):
            return ["The clause ORDER BY is unsupported"]
        return []

    # -- delivery ---------------------------------------------------------------------------------------------
    def deliver(self, site, event, issue=None, user=None):
        """Post ``event`` (``jira:issue_created``, ...) about ``issue`` (an Issue of the site) to every webhook of
        ``site`` that matches it; returns the deliveries (``kind``, ``id``, ``url``, ``status``, ``signed``)."""
        from . import jira  # pylint: disable=import-outside-toplevel
        with self.cloud.lock:
            now = self.cloud.clock.now()
            targets = [("admin", hook) for hook in site.admin_webhooks.values() if hook.enabled]
            targets += [("dynamic", hook) for hook in site.dynamic_webhooks.values() if hook.expires_at > now]
            targets = [(kind, hook) for kind, hook in targets
                       if event in hook.events and _matches(jira, site, hook.jql, issue)]
            payloads = []
            for kind, hook in targets:
                body = {"timestamp": int(now * 1000), "webhookEvent": event, "matchedWebhookIds": [hook.id]}
                if issue is not None:
                    body["issue_event_type_name"] = event.split(":")[-1]
                    body["issue"] = {"id": issue.id, "key": issue.key, "self": "%s/rest/api/2/issue/%s" % (
                        site.url, issue.id), "fields": {"summary": issue.summary, "project": {
                            "id": issue.project.id, "key": issue.project.key}}}
                if user is not None:
                    body["user"] = {"accountId": user.account_id, "displayName": user.display_name}
                raw = b"" if getattr(hook, "exclude_body", False) else json.dumps(body).encode("utf-8")
                headers = {"Content-Type": "application/json", "X-Atlassian-Webhook-Identifier": uuid.uuid4().hex,
                           "User-Agent": "Atlassian Webhook HTTP Client"}
                if hook.secret:
                    headers[SIGNATURE_HEADER] = "sha256=" + hmac.new(hook.secret.encode("utf-8"), raw,
                                                                     hashlib.sha256).hexdigest()
                payloads.append((kind, hook, raw, headers))
        delivered = []
        for kind, hook, raw, headers in payloads:  # outside the lock: the receiver may take its time
            response = self.cloud.server.dispatch(Request.build("POST", hook.url, headers=headers, body=raw))
            entry = {"kind": kind, "id": hook.id, "url": hook.url, "event": event,
                     "status": response.status if response is not None else None,
                     "signed": SIGNATURE_HEADER in headers}
            delivered.append(entry)
        with self.cloud.lock:
            self.deliveries.extend(delivered)
        return delivered


def _matches(jira, site, jql, issue):
    if not (jql or "").strip() or issue is None:
        return True
    try:
        return issue in jira.filter_issues(site, jql)
    except jira.BadRequest:
        return False
