"""The Atlassian API gateway: ``https://api.atlassian.com``.

- ``/ex/jira/{cloudId}/rest/...``: the site's Jira REST API for OAuth bearer tokens (3LO or service account)
  and basic auth with a SCOPED API token; every operation's scopes are enforced (``scopes.py``). A classic API
  token is refused here, or accepted with every scope when ``cloud.classic_tokens_on_gateway`` is set (unknown).
  A refusal here never counts as a failed login of the site.
- ``/oauth/token/accessible-resources``: the sites a bearer token reaches.
- ``/me``: the token user's profile (needs ``read:me``).
"""

import random
import re

from ..http import Response, json_response
from . import jira, scopes
from .credentials import authorization, basic_credentials
from .site import jira_headers

UNAUTHORIZED = {"code": 401, "message": "Unauthorized"}
SCOPE_MISMATCH = {"code": 401, "message": "Unauthorized; scope does not match"}
NOT_FOUND = {"code": 404, "message": "Not Found"}
SITE_AVATAR = "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png"

_JIRA_PATH = re.compile(r"^/ex/jira/(?P<cloud_id>[^/]+)(?P<rest>/.*)?$")


class Gateway:
    def __init__(self, cloud):
        self.cloud = cloud

    def handle(self, request):
        path = request.path.rstrip("/") or "/"
        if path == "/oauth/token/accessible-resources":
            return self._accessible_resources(request)
        if path == "/me":
            return self._me(request)
        found = _JIRA_PATH.match(request.path)
        if found:
            return self._jira(request, found.group("cloud_id"), found.group("rest") or "/")
        return json_response(404, NOT_FOUND)

    # -- identities ------------------------------------------------------------------------------------------
    def _bearer(self, request):
        """The valid access token of a ``Bearer`` header, or None."""
        scheme, value = authorization(request)
        if scheme != "bearer" or not value:
            return None
        return self.cloud.auth.access_token(value)

    def _caller(self, request, site):
        """``(user, scopes)`` of a gateway Jira call, or None when it is not authorised for this site."""
        scheme, value = authorization(request)
        if scheme == "bearer":
            token = self._bearer(request)
            if token is None or site not in token.sites:
                return None
            user = site.user(token.account.email)
            return (user, token.scopes, token.app) if user is not None and user.active else None
        credentials = basic_credentials(value) if scheme == "basic" else None
        if credentials is not None:
            email, secret = credentials
            user = site.user(email)
            if user is None or not user.active:
                return None
            token = user.account.find_api_token(secret)
            if token is None or token.expired(self.cloud.clock.now()):
                return None
            if token.kind == "classic":
                # Unknown whether the real gateway accepts classic tokens: see AtlassianCloud.classic_tokens_on_gateway.
                return (user, scopes.ALL, None) if self.cloud.classic_tokens_on_gateway else None
            return user, token.scopes, None
        return None

    # -- endpoints -------------------------------------------------------------------------------------------
    def _jira(self, request, cloud_id, rest):
        site = self.cloud.site_by_cloud_id(cloud_id)
        if site is None:
            return json_response(404, NOT_FOUND)
        caller = self._caller(request, site)
        if caller is None:
            return json_response(401, UNAUTHORIZED)
        user, granted, app = caller
        operation, params, allowed = jira.match(request.method, rest)
        if operation is None:
            response = jira.error(404, "null for uri: %s" % request.url)
        elif not allowed:
            response = Response(status=405)
        elif not scopes.allows(granted, request.method, operation):
            return json_response(401, SCOPE_MISMATCH)
        else:
            base_url = "https://%s/ex/jira/%s" % (request.host, site.cloud_id)
            response = jira.dispatch(jira.JiraCall(self.cloud, site, user, base_url, request, params, app=app),
                                     operation)
        response.headers.extend(jira_headers(user))
        return response

    def _accessible_resources(self, request):
        token = self._bearer(request)
        if token is None:
            return json_response(401, UNAUTHORIZED)
        resources = [{"id": site.cloud_id, "url": site.url, "name": site.name,
                      "scopes": scopes.product_scopes(token.scopes), "avatarUrl": SITE_AVATAR}
                     for site in token.sites]
        random.shuffle(resources)  # Atlassian promises no order
        return json_response(200, resources)

    def _me(self, request):
        token = self._bearer(request)
        if token is None:
            return json_response(401, UNAUTHORIZED)
        if not scopes.allows(token.scopes, "GET", "me"):
            return json_response(401, SCOPE_MISMATCH)
        account = token.account
        return json_response(200, {
            "account_type": account.account_type, "account_id": account.account_id, "email": account.email,
            "email_verified": True, "name": account.display_name, "nickname": account.display_name.split()[0],
            "picture": "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/default.png",
            "account_status": "active", "locale": account.locale, "zoneinfo": account.time_zone,
            "extended_profile": {},
        })
