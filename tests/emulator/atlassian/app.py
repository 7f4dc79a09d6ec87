"""``AtlassianCloud``: the emulated Atlassian Cloud as one application of the emulator front.

It serves Jira Cloud sites (``*.atlassian.net``), the API gateway (``api.atlassian.com``) and the authorization
server (``auth.atlassian.com``) from one in-memory state guarded by one re-entrant lock, with a clock the tests
move forward. The only Jira data the emulated calls change are webhooks (webhooks.py): those writes are logged with
``write=True``, every other answer with ``write=False`` (token grants are not data), so the request log's write
flag proves on both sides that a check run wrote nothing.
"""

import re
import secrets
import threading
import uuid

from ..http import json_response
from . import control
from .auth import AuthServer, OAuthError
from .gateway import Gateway
from .model import Account, Clock, Conflict, OAuthApp, Site, random_token
from .ratelimit import RateLimiter, TENANT_REASON
from .scopes import OFFLINE_ACCESS, parse_scope_string
from .site import SiteHost, unknown_site
from .webhooks import Webhooks

SITE_SUFFIX = ".atlassian.net"
API_HOST = "api.atlassian.com"
AUTH_HOST = "auth.atlassian.com"
_SITE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class AtlassianCloud:
    """The emulated Atlassian Cloud; see the package docstring for the Python API."""

    name = "atlassian"

    # Failed basic-auth logins on a site in a row after which the account must solve a CAPTCHA. Atlassian documents
    # the mechanism (Jira's "Basic auth for REST APIs": CAPTCHA is triggered after several consecutive failed log
    # in attempts; X-Seraph-LoginReason AUTHENTICATION_DENIED, X-Authentication-Denied-Reason CAPTCHA_CHALLENGE),
    # not the number for Cloud: 3 is Jira's own default ("Maximum Authentication Attempts Allowed"). A successful
    # login resets the count. Only the site's login counts: a refusal at the API gateway is not a site login (the
    # gateway answers without X-Seraph-LoginReason). None turns the CAPTCHA trigger off (counting goes on).
    CAPTCHA_AFTER = 3

    def __init__(self):
        self.lock = threading.RLock()
        self.clock = Clock()
        self.captcha_after = self.CAPTCHA_AFTER
        # Does the gateway (api.atlassian.com/ex/jira/<cloudId>) accept a classic API token (one without scopes)?
        # UNKNOWN: Atlassian's "Manage API tokens for your Atlassian account" gives the site URL for API tokens and
        # the gateway URL for API tokens with scopes, and says nothing of a classic token at the gateway; its KB
        # "401 Unauthorized error when service account accesses Jira or Confluence API" adds that the two kinds cannot
        # be told apart from the token itself. False (the default): the gateway refuses classic tokens (401). True:
        # it accepts them with the account's full permissions, no scope enforced. Tests run both ways.
        self.classic_tokens_on_gateway = False
        self.accounts = {}  # lower-case e-mail -> Account
        self.sites_by_name = {}
        self.apps = {}  # client_id -> OAuthApp
        self.rate_limiter = RateLimiter(self.clock)
        self.site_host = SiteHost(self)
        self.gateway = Gateway(self)
        self.auth = AuthServer(self)
        self.webhooks = Webhooks(self)
        self.server = None  # the EmulatorServer (attach): webhook deliveries go out through it

    # -- the application protocol (tests/emulator/http.py) -----------------------------------------------------
    def attach(self, server):
        """Called by the EmulatorServer: Jira's webhook deliveries reach their URLs through ``server.dispatch``."""
        self.server = server

    def handles(self, host):
        return host.endswith(SITE_SUFFIX) or host in (API_HOST, AUTH_HOST)

    def label_for(self, request):
        if request.host == API_HOST:
            return "api"
        if request.host == AUTH_HOST:
            return "auth"
        return request.host[:-len(SITE_SUFFIX)]

    def handle(self, request):
        with self.lock:
            limited, rate_headers = self.rate_limiter.check(self._rate_hosts(request))
            if limited:
                response = self._too_many(request)
            elif request.host == API_HOST:
                response = self.gateway.handle(request)
            elif request.host == AUTH_HOST:
                response = self.auth.handle(request)
            else:
                response = self.site_host.handle(request, self.label_for(request))
        response.headers.extend(rate_headers)
        response.headers.append(("ATL-TraceId", uuid.uuid4().hex[:16]))
        response.label = self.label_for(request)
        response.write = bool(response.write) and response.status < 400  # only webhook writes say True
        return response

    def control(self, request, subpath):
        return control.handle(self, request, subpath)

    # -- sites and accounts ----------------------------------------------------------------------------------
    def add_site(self, name, cloud_id=None):
        """A new Jira Cloud site ``https://<name>.atlassian.net`` (random Cloud ID unless given)."""
        with self.lock:
            if not _SITE_NAME.match(name or ""):
                raise ValueError("a site name is lower-case letters, digits and hyphens")
            if name in self.sites_by_name:
                raise Conflict("site %s already exists" % name)
            site = Site(self, name, cloud_id or str(uuid.uuid4()))
            self.sites_by_name[name] = site
            return site

    def site(self, name):
        with self.lock:
            return self.sites_by_name.get(name)

    @property
    def sites(self):
        with self.lock:
            return list(self.sites_by_name.values())

    def site_by_cloud_id(self, cloud_id):
        with self.lock:
            return next((site for site in self.sites_by_name.values() if site.cloud_id == cloud_id), None)

    def account_for(self, email, display_name=None, account_type="atlassian", captcha=False):
        """The account with this e-mail, created on first use (later calls may rename it, nothing else)."""
        with self.lock:
            account = self.accounts.get(email.lower())
            if account is None:
                name = display_name or email.split("@")[0].replace(".", " ").title()
                account = Account(self, email, name, account_type, captcha)
                self.accounts[email.lower()] = account
            elif display_name:
                account.display_name = display_name
            return account

    def _account_of(self, user):
        """An Account from a User, an Account or an e-mail."""
        if isinstance(user, Account):
            return user
        if isinstance(user, str):
            account = self.accounts.get(user.lower())
            if account is None:
                raise ValueError("no Atlassian account %s" % user)
            return account
        return user.account

    def _sites_of(self, sites):
        if sites is None:
            return None
        found = []
        for item in sites:
            site = self.sites_by_name.get(item) if isinstance(item, str) else item
            if site is None:
                raise ValueError("unknown site %s" % item)
            found.append(site)
        return found

    # -- OAuth apps and tokens -------------------------------------------------------------------------------
    def add_oauth_app(self, name, client_id=None, client_secret=None, callback_urls=(), scopes=(), kind="3lo",
                      sites=None):
        """A developer-console app. ``scopes``: the permissions enabled on it. ``kind="service_account"``: OAuth
        credentials of a service account that reaches ``sites`` (it becomes a member of each) with the client
        credentials grant."""
        if kind not in ("3lo", "service_account"):
            raise ValueError("app kind must be '3lo' or 'service_account'")
        with self.lock:
            client_id = client_id or secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")[:32]
            if client_id in self.apps:
                raise Conflict("an app with client ID %s already exists" % client_id)
            account = None
            site_list = self._sites_of(sites) or []
            if kind == "service_account":
                slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "service"
                email = "%s-%s@serviceaccount.atlassian.com" % (slug, secrets.token_hex(4))
                account = self.account_for(email, name, account_type="app")
                for site in site_list:
                    if site.user(email) is None:
                        site.add_member(account)
            app = OAuthApp(name, client_id, client_secret or random_token("ATOA", 48), callback_urls,
                           scopes, kind, site_list, account)
            self.apps[client_id] = app
            return app

    def grant_consent(self, app, user, scopes, redirect_uri, sites=None):
        """What the consent screen's "Accept" does: returns an authorization code (raises OAuthError when
        /authorize would refuse). ``scopes``: names or a space-separated string. ``sites``: one site name to
        grant only that site (default: every site where the user is an active member)."""
        scope_names = self._scope_names(scopes)
        site_name = sites if isinstance(sites, str) or sites is None else getattr(sites, "name", None)
        return self.auth.grant_consent(app, self._account_of(user), scope_names, redirect_uri, site_name)

    def issue_tokens(self, app, user, scopes=None, sites=None):
        """Skip the consent flow: the token response a code exchange would give (refresh token with
        ``offline_access``). Defaults: every scope enabled on the app plus offline_access; the user's sites."""
        with self.lock:
            account = self._account_of(user)
            scope_names = self._scope_names(scopes) if scopes is not None else app.scopes + (OFFLINE_ACCESS,)
            missing = [s for s in scope_names if s != OFFLINE_ACCESS and s not in app.scopes]
            if missing:
                raise OAuthError(400, "invalid_scope", "scopes not enabled on the app: %s" % ", ".join(missing))
            site_list = self._sites_of(sites) or self.auth.consent_sites(account)
            return self.auth.issue(app, account, scope_names, site_list, new_family=True)

    def client_credentials(self, app, scopes=None):
        """The token response of a service account's client credentials grant (no refresh token)."""
        if app.kind != "service_account":
            raise OAuthError(403, "unauthorized_client", "client credentials need a service-account app")
        scope_names = self._scope_names(scopes) if scopes is not None else app.scopes
        return self.auth.issue(app, app.account, scope_names, app.sites)

    def token_info(self, access_token):
        """``TokenInfo`` (app, user/account, scopes, sites, cloud_ids, expires_at, expired) or None."""
        return self.auth.token_info(access_token)

    def revoke_consent(self, app, user):
        """The user removes the app from their account: its access and refresh tokens stop working."""
        self.auth.revoke(app, self._account_of(user))

    @staticmethod
    def _scope_names(scopes):
        return parse_scope_string(scopes) if isinstance(scopes, str) else tuple(dict.fromkeys(scopes))

    # -- webhooks --------------------------------------------------------------------------------------------
    def fire(self, site, event, issue=None, user=None):
        """What Jira does when ``event`` happens on ``site`` (a Site or its name) about ``issue`` (an Issue or its
        key): a POST to every webhook that matches, signed when the webhook has a secret. Returns the deliveries."""
        site = self.site(site) if isinstance(site, str) else site
        if isinstance(issue, str):
            issue = next((item for item in site.issues if item.key == issue), None)
        return self.webhooks.deliver(site, event, issue, user)

    # -- rate limits -----------------------------------------------------------------------------------------
    def _rate_key(self, host_or_site):
        name = getattr(host_or_site, "host", host_or_site)
        if name in ("api", "auth"):
            return "%s.atlassian.com" % name
        return name if "." in name else name + SITE_SUFFIX

    def set_rate_limit(self, host_or_site, requests, per_seconds, retry_after=None, reason=TENANT_REASON):
        """Answer 429 the Atlassian way once a host (site name, Site, "api", "auth" or a host name) gets more
        than ``requests`` requests in ``per_seconds`` seconds. Gateway calls to a site count for that site too."""
        self.rate_limiter.set_limit(self._rate_key(host_or_site), requests, per_seconds, retry_after, reason)

    def rate_limit_next(self, n, retry_after=1, host=None):
        """The next ``n`` requests (to ``host`` only, if given) get 429 with ``Retry-After: retry_after``."""
        self.rate_limiter.next_requests(n, retry_after, None if host is None else self._rate_key(host))

    def clear_rate_limits(self):
        self.rate_limiter.clear()

    def _rate_hosts(self, request):
        hosts = [request.host]
        if request.host == API_HOST and request.path.startswith("/ex/jira/"):
            site = self.site_by_cloud_id(request.path.split("/")[3])
            if site is not None:
                hosts.append(site.host)
        return hosts

    def _too_many(self, request):
        if request.host.endswith(SITE_SUFFIX):
            if self.site(self.label_for(request)) is None:
                return unknown_site(request.host)
            return json_response(429, {"errorMessages": ["Rate limit exceeded."], "errors": {}})
        return json_response(429, {"code": 429, "message": "Rate limit exceeded"})
