"""The Atlassian authorization server: ``https://auth.atlassian.com``.

- ``GET /authorize``: validates the request, then shows a consent page. Without a browser, a client simulates
  the user's click with ``emulator_user=<email>`` and ``emulator_decision=accept|deny`` (optionally
  ``emulator_site=<name>`` to grant one site only): 302 to ``redirect_uri`` with ``code``/``state`` or
  ``error=access_denied``.
- ``POST /oauth/token`` (JSON or form body): ``authorization_code``, ``refresh_token`` (rotating, with a
  10-minute reuse window, then reuse kills the family; 90 days of inactivity or 365 days in all end it) and
  ``client_credentials`` (service accounts).
"""

import html

from ..http import html_response, json_response, redirect_response, with_query
from .credentials import authorization, basic_credentials
from .model import (ACCESS_TOKEN_LIFETIME, AUTH_CODE_LIFETIME, REFRESH_ABSOLUTE, REFRESH_INACTIVITY,
                    REFRESH_REUSE_WINDOW, AccessToken, AuthCode, RefreshFamily, RefreshToken, TokenInfo,
                    random_token)
from .scopes import OFFLINE_ACCESS, parse_scope_string

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")
NO_STORE = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%(title)s</title></head>
<body><main><h1>%(title)s</h1>%(body)s</main></body></html>
"""


class OAuthError(ValueError):
    """A refused OAuth request: shown as an HTML page (``redirect`` False) or sent back to the redirect URI."""

    def __init__(self, status, error, description, redirect=False):
        super().__init__("%s: %s" % (error, description))
        self.status = status
        self.error = error
        self.description = description
        self.redirect = redirect


def _page(status, title, body):
    return html_response(status, PAGE % {"title": html.escape(title), "body": body})


def _token_error(status, error, description):
    return json_response(status, {"error": error, "error_description": description}, NO_STORE)


class AuthServer:
    def __init__(self, cloud):
        self.cloud = cloud
        self.codes = {}
        self.access_tokens = {}
        self.refresh_tokens = {}

    def handle(self, request):
        path = request.path.rstrip("/") or "/"
        if path == "/authorize":
            if request.method != "GET":
                return _page(405, "Method not allowed", "<p>Use GET.</p>")
            return self._authorize(request)
        if path == "/oauth/token":
            if request.method != "POST":
                return _token_error(405, "invalid_request", "Method not allowed")
            return self._token(request)
        return _page(404, "Page not found", "<p>There is nothing here.</p>")

    # -- consent ---------------------------------------------------------------------------------------------
    def validate_authorization(self, client_id, redirect_uri, scope_names, audience="api.atlassian.com",
                               response_type="code"):
        """The app and scopes of a valid authorization request; raises OAuthError otherwise."""
        app = self.cloud.apps.get(client_id or "")
        if app is None or app.kind != "3lo":
            raise OAuthError(400, "invalid_client", "The app's client ID is not valid. Contact the app's developer.")
        if redirect_uri not in app.callback_urls:
            raise OAuthError(400, "invalid_request", "The redirect_uri is not one of the callback URLs "
                             "registered for the app. Configure the app at https://developer.atlassian.com/apps.")
        if audience != "api.atlassian.com":
            raise OAuthError(400, "invalid_request", "The audience parameter must be api.atlassian.com.")
        if response_type != "code":
            raise OAuthError(400, "unsupported_response_type", "Only response_type=code is supported.",
                             redirect=True)
        if not scope_names:
            raise OAuthError(400, "invalid_scope", "The app has not requested any scopes.")
        # offline_access is granted on request; every other scope must be enabled on the app.
        missing = [name for name in scope_names if name != OFFLINE_ACCESS and name not in app.scopes]
        if missing:
            raise OAuthError(400, "invalid_scope", "This app has requested scopes that have not been added to the "
                             "app. Configure the app at https://developer.atlassian.com/apps and add the following "
                             "scopes to the app: %s." % ", ".join(missing))
        return app

    def consent_sites(self, account, site_name=None):
        """The sites a consenting user grants: every site where they are an active member (or the one named)."""
        sites = [site for site in self.cloud.sites_by_name.values()
                 if (site.user(account.email) is not None and site.user(account.email).active)
                 and (site_name is None or site.name == site_name)]
        if not sites:
            raise OAuthError(403, "access_denied", "You don't have access to any site the app can use.")
        return sites

    def grant_consent(self, app, account, scope_names, redirect_uri, site_name=None):
        """What the user's "Accept" does: a new authorization code."""
        with self.cloud.lock:
            app = self.validate_authorization(app.client_id, redirect_uri, scope_names)
            sites = self.consent_sites(account, site_name)
            code = AuthCode(random_token("", 24), app, account, scope_names, redirect_uri, sites,
                            self.cloud.clock.now() + AUTH_CODE_LIFETIME)
            self.codes[code.value] = code
            return code.value

    def _authorize(self, request):
        redirect_uri = request.arg("redirect_uri")
        scope_names = parse_scope_string(request.arg("scope"))
        state = request.arg("state")
        try:
            app = self.validate_authorization(request.arg("client_id"), redirect_uri, scope_names,
                                              request.arg("audience"), request.arg("response_type"))
            decision = request.arg("emulator_decision")
            if not decision:
                return self._consent_page(request, app, scope_names)
            if decision == "deny":
                raise OAuthError(403, "access_denied", "User did not authorize the request", redirect=True)
            if decision != "accept":
                raise OAuthError(400, "invalid_request", "emulator_decision must be accept or deny.")
            account = self.cloud.accounts.get((request.arg("emulator_user") or "").lower())
            if account is None:
                raise OAuthError(400, "access_denied", "Unknown emulator_user: no such Atlassian account.")
            code = self.grant_consent(app, account, scope_names, redirect_uri, request.arg("emulator_site"))
        except OAuthError as exc:
            if exc.redirect:
                params = {"error": exc.error, "error_description": exc.description}
                if state is not None:
                    params["state"] = state
                return redirect_response(with_query(redirect_uri, params), write=False)
            return _page(exc.status, "Something went wrong", "<p>%s</p>" % html.escape(exc.description))
        params = {"code": code}
        if state is not None:
            params["state"] = state
        return redirect_response(with_query(redirect_uri, params), write=False)

    @staticmethod
    def _consent_page(request, app, scope_names):
        hidden = "".join('<input type="hidden" name="%s" value="%s">' % (html.escape(k), html.escape(v[0]))
                         for k, v in request.query.items() if not k.startswith("emulator_"))
        items = "".join("<li><code>%s</code></li>" % html.escape(name) for name in scope_names)
        body = ("<p><strong>%s</strong> is requesting access to your Atlassian account.</p>"
                "<p>It will be able to:</p><ul class=\"scopes\">%s</ul>"
                "<form method=\"get\" action=\"/authorize\">%s"
                "<label>E-mail <input name=\"emulator_user\"></label>"
                "<button name=\"emulator_decision\" value=\"accept\">Accept</button>"
                "<button name=\"emulator_decision\" value=\"deny\">Cancel</button></form>"
                % (html.escape(app.name), items, hidden))
        return _page(200, "%s is requesting access" % app.name, body)

    # -- tokens ----------------------------------------------------------------------------------------------
    def issue(self, app, account, scope_names, sites, family=None, new_family=False):
        """Mint an access token (and a refresh token when ``offline_access`` is granted); the token response."""
        with self.cloud.lock:
            now = self.cloud.clock.now()
            if new_family and OFFLINE_ACCESS in scope_names:
                family = RefreshFamily(app, account, scope_names, sites, now)
            access = AccessToken(random_token("", 48), app, account, scope_names, sites,
                                 now + ACCESS_TOKEN_LIFETIME, family)
            self.access_tokens[access.value] = access
            body = {"access_token": access.value, "expires_in": ACCESS_TOKEN_LIFETIME, "token_type": "Bearer",
                    "scope": " ".join(scope_names)}
            if family is not None:
                refresh = RefreshToken(random_token("", 48), family, now)
                family.tokens.append(refresh)
                self.refresh_tokens[refresh.value] = refresh
                body["refresh_token"] = refresh.value
            return body

    def access_token(self, value):
        """The valid (unexpired, unrevoked) access token with this value, or None."""
        with self.cloud.lock:
            token = self.access_tokens.get(value)
            return token if token is not None and token.valid(self.cloud.clock.now()) else None

    def token_info(self, value):
        with self.cloud.lock:
            token = self.access_tokens.get(value)
            return None if token is None else TokenInfo(token, self.cloud.clock.now())

    def revoke(self, app, account):
        """The user removes the app's access: every token of that app and user stops working."""
        with self.cloud.lock:
            for token in self.access_tokens.values():
                if token.app is app and token.account is account:
                    token.revoked = True
                    if token.family is not None:
                        token.family.revoked = True

    def _token(self, request):
        try:
            params = self._token_params(request)
        except ValueError:
            return _token_error(400, "invalid_request", "The request body could not be parsed.")
        grant = params.get("grant_type")
        if not grant:
            return _token_error(400, "invalid_request", "Missing grant_type.")
        if grant not in GRANT_TYPES:
            return _token_error(400, "unsupported_grant_type", "Unsupported grant type: %s" % grant)
        app = self.cloud.apps.get(params.get("client_id") or "")
        if app is None or not app.secret_matches(params.get("client_secret")):
            return _token_error(401, "access_denied", "Unauthorized")
        handler = {"authorization_code": self._code_grant, "refresh_token": self._refresh_grant,
                   "client_credentials": self._client_grant}[grant]
        with self.cloud.lock:
            outcome = handler(app, params)
        if isinstance(outcome, dict):
            return json_response(200, outcome, NO_STORE, write=False)
        return outcome

    @staticmethod
    def _token_params(request):
        params = {}
        content_type = (request.header("Content-Type") or "").lower()
        if "json" in content_type or request.body.lstrip().startswith(b"{"):
            payload = request.json() or {}
            if not isinstance(payload, dict):
                raise ValueError("not an object")
            params.update({key: value for key, value in payload.items() if isinstance(value, str)})
        elif request.body:
            params.update(request.form())
        scheme, value = authorization(request)
        if scheme == "basic" and "client_id" not in params:
            credentials = basic_credentials(value)
            if credentials is None:
                raise ValueError("malformed basic credentials")
            params.update({"client_id": credentials[0], "client_secret": credentials[1]})
        return params

    def _code_grant(self, app, params):
        if app.kind != "3lo":
            return _token_error(403, "unauthorized_client", "The client is not allowed to use this grant type.")
        code = self.codes.get(params.get("code") or "")
        now = self.cloud.clock.now()
        if code is None or code.used or now >= code.expires_at or code.app is not app:
            return _token_error(403, "invalid_grant", "Invalid authorization code")
        if params.get("redirect_uri") != code.redirect_uri:
            return _token_error(403, "invalid_grant", "redirect_uri does not match the authorization request")
        code.used = True
        return self.issue(app, code.account, code.scopes, code.sites, new_family=True)

    def _refresh_grant(self, app, params):
        invalid = _token_error(403, "invalid_grant", "Unknown or invalid refresh token.")
        token = self.refresh_tokens.get(params.get("refresh_token") or "")
        if token is None or token.family.app is not app:
            return invalid
        family, now = token.family, self.cloud.clock.now()
        if family.revoked or now >= family.created_at + REFRESH_ABSOLUTE or now >= token.issued_at + REFRESH_INACTIVITY:
            return invalid
        if token.rotated_at is not None and now > token.rotated_at + REFRESH_REUSE_WINDOW:
            family.revoked = True  # a rotated token replayed late: treat the whole family as stolen
            return invalid
        if token.rotated_at is None:
            token.rotated_at = now
        return self.issue(app, family.account, family.scopes, family.sites, family=family)

    def _client_grant(self, app, params):
        if app.kind != "service_account":
            return _token_error(403, "unauthorized_client", "The client is not allowed to use this grant type.")
        requested = parse_scope_string(params.get("scope")) or app.scopes
        missing = [name for name in requested if name not in app.scopes]
        if missing:
            return _token_error(400, "invalid_scope", "Scopes not granted to the client: %s" % " ".join(missing))
        return self.issue(app, app.account, requested, app.sites)
