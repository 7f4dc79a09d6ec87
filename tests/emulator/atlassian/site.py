"""Jira Cloud site hosts: ``https://<name>.atlassian.net``.

Only basic authentication with a classic API token works here; scoped API tokens and OAuth bearer tokens are
refused (they work through the API gateway only). Jira answers the login outcome in ``X-Seraph-LoginReason``
(sent whenever credentials were presented; anonymous calls carry none).
"""

import html
import re
import uuid

from ..http import Response, html_response, json_response
from . import jira
from .credentials import authorization, basic_credentials

# Admin webhooks (webhooks.py): the site URL only, with an administrator's basic auth.
_ADMIN_WEBHOOKS = re.compile(r"^/rest/webhooks/1\.0/webhook(?:/(\d+))?$")
FAILED_BODY = {"message": "Client must be authenticated to access this resource.", "status-code": 401}

UNKNOWN_SITE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Atlassian Cloud Notifications - Page Unavailable</title></head>
<body><main><h1>Your Atlassian Cloud site is currently unavailable.</h1>
<p>We can't find the site <strong>%s</strong>. Check the address, or visit
<a href="https://status.atlassian.com">Atlassian Status</a>.</p></main></body></html>
"""

SITE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Jira</title></head>
<body><h1>Jira</h1><p>Emulated Jira Cloud site %s. <a href="/login.jsp">Log in</a></p></body></html>
"""


def request_id_headers():
    return [("X-AREQUESTID", uuid.uuid4().hex[:8] + "-" + uuid.uuid4().hex[:4])]


def jira_headers(user):
    """Headers Jira adds to answers for an authenticated user."""
    headers = request_id_headers()
    if user is not None:
        headers.extend([("X-AACCOUNTID", user.account_id), ("X-Seraph-LoginReason", "OK")])
    return headers


def unknown_site(name):
    return html_response(404, UNKNOWN_SITE_PAGE % html.escape(name))


class SiteHost:
    """Serves every ``*.atlassian.net`` host (known sites, and the "no such site" page for the rest)."""

    def __init__(self, cloud):
        self.cloud = cloud

    def handle(self, request, name):
        site = self.cloud.sites_by_name.get(name)
        if site is None:
            return unknown_site("%s.atlassian.net" % name)
        if request.path == "/_edge/tenant_info":
            return json_response(200, {"cloudId": site.cloud_id})
        if request.path.startswith("/rest/"):
            return self._rest(site, request)
        return html_response(200, SITE_PAGE % html.escape(site.host), request_id_headers())

    def _rest(self, site, request):
        user, failure = self._authenticate(site, request)
        if failure is not None:
            return failure
        admin_hook = _ADMIN_WEBHOOKS.match(request.path.rstrip("/"))
        if admin_hook:
            response = self.cloud.webhooks.admin(site, user, request,
                                                 int(admin_hook.group(1)) if admin_hook.group(1) else None)
            response.headers.extend(jira_headers(user))
            return response
        operation, params, allowed = jira.match(request.method, request.path)
        if operation is None:
            response = jira.error(404, "null for uri: %s" % request.url)
        elif not allowed:
            response = Response(status=405)
        else:
            response = jira.dispatch(jira.JiraCall(self.cloud, site, user, site.url, request, params), operation)
        response.headers.extend(jira_headers(user))
        return response

    def _authenticate(self, site, request):
        """``(user, None)`` (user None: anonymous) or ``(None, failure response)``."""
        scheme, value = authorization(request)
        if not scheme:
            return None, None
        credentials = basic_credentials(value) if scheme == "basic" else None  # bearer tokens: gateway only
        if credentials is None:
            return None, self._failed(site)
        email, secret = credentials
        user = site.user(email)
        if user is None:
            return None, self._failed(site)
        if user.captcha:
            return None, self._denied(site)
        token = user.account.find_api_token(secret)
        if token is None or token.kind != "classic" or token.expired(self.cloud.clock.now()) or not user.active:
            user.account.login_failed(self.cloud.captcha_after)  # a scoped token here is a failed login too
            return None, self._failed(site)
        user.account.login_succeeded()
        return user, None

    @staticmethod
    def _failed(site):
        headers = request_id_headers() + [
            ("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"),
            ("WWW-Authenticate", 'OAuth realm="https%%3A%%2F%%2F%s"' % site.host),
        ]
        return json_response(401, FAILED_BODY, headers)

    @staticmethod
    def _denied(site):
        headers = request_id_headers() + [
            ("Content-Type", "text/plain;charset=UTF-8"),
            ("X-Seraph-LoginReason", "AUTHENTICATION_DENIED"),
            ("X-Authentication-Denied-Reason", "CAPTCHA_CHALLENGE; login-url=%s/login.jsp" % site.url),
        ]
        return Response(status=403, body=b"Basic Authentication Failure - Reason : AUTHENTICATION_DENIED",
                        headers=headers)
