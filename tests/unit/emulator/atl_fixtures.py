"""Helpers for the Atlassian emulator tests: a running front with one AtlassianCloud and a ``requests`` session
that reaches the real Atlassian host names through it (proxy + test CA), plus scenario builders."""

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from urllib3.connection import HTTPConnection

from tests.emulator import certs
from tests.emulator.atlassian import AtlassianCloud
from tests.emulator.server import EmulatorServer
from tests.support.fronts import AppSlot

API = "https://api.atlassian.com"
AUTH = "https://auth.atlassian.com"
CALLBACK = "https://dev1.service-now.com/oauth_redirect.do"
SEED_CLASSIC = ("manage:jira-configuration", "manage:jira-project", "manage:jira-webhook", "read:jira-work",
                "read:jira-user", "write:jira-work")
SEED_GRANULAR = ("delete:sprint:jira-software", "read:issue-details:jira", "read:jql:jira",
                 "read:sprint:jira-software", "write:sprint:jira-software", "read:board-scope:jira-software",
                 "read:project:jira")


class _NoDelayAdapter(requests.adapters.HTTPAdapter):
    """urllib3 leaves TCP_NODELAY off on proxy connections, so every POST through the proxy would wait ~40 ms for
    a delayed ACK (headers and body go out as two writes); turn it on as for direct connections."""

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        proxy_kwargs.setdefault("socket_options", HTTPConnection.default_socket_options)
        return super().proxy_manager_for(proxy, **proxy_kwargs)


class AtlassianFront:
    """One emulator front (127.0.0.1, random port) per test module."""

    def __init__(self, tls):
        self.tls = tls
        self.slot = AppSlot("atlassian", AtlassianCloud())
        self.server = EmulatorServer([self.slot], tls=tls).start()

    def harness(self):
        self.slot.app = AtlassianCloud()
        self.server.log.clear()
        self.server.clear_faults()
        return AtlassianHarness(self.server, self.slot.app, self.tls)

    def close(self):
        self.server.stop()


class AtlassianHarness:
    """A fresh AtlassianCloud on the module's front and a session that uses the front as its proxy."""

    def __init__(self, server, cloud, tls):
        self.cloud = cloud
        self.server = server
        self.session = self._session(tls)
        self.session.proxies = {"https": self.server.proxy_url, "http": self.server.proxy_url}
        self.direct = self._session(tls)

    @staticmethod
    def _session(tls):
        session = requests.Session()
        session.trust_env = False  # the environment's REQUESTS_CA_BUNDLE / proxies must not replace ours
        session.verify = tls.ca_path
        session.mount("https://", _NoDelayAdapter())
        session.mount("http://", _NoDelayAdapter())
        return session

    def close(self):
        self.session.close()
        self.direct.close()

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", 10)
        kwargs.setdefault("allow_redirects", False)
        return self.session.request(method, url, **kwargs)

    def get(self, url, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url, **kwargs):
        return self.request("POST", url, **kwargs)

    def control(self, method, path, payload=None):
        url = "%s/_emulator/atlassian/%s" % (self.server.base_url, path)
        return self.direct.request(method, url, json=payload, timeout=10)

    # -- OAuth helpers ---------------------------------------------------------------------------------------
    def authorize(self, app, scopes, redirect_uri=CALLBACK, state="st4te", **extra):
        params = {"audience": "api.atlassian.com", "client_id": app.client_id, "scope": " ".join(scopes),
                  "redirect_uri": redirect_uri, "state": state, "response_type": "code", "prompt": "consent"}
        params.update(extra)
        return self.get("%s/authorize?%s" % (AUTH, urlencode(params)))

    def consent_code(self, app, email, scopes, redirect_uri=CALLBACK):
        response = self.authorize(app, scopes, redirect_uri, emulator_user=email, emulator_decision="accept")
        assert response.status_code == 302, response.text
        return redirect_params(response)["code"]

    def token(self, payload, form=False):
        if form:
            return self.post(AUTH + "/oauth/token", data=payload)
        return self.post(AUTH + "/oauth/token", json=payload)

    def exchange(self, app, code, redirect_uri=CALLBACK):
        return self.token({"grant_type": "authorization_code", "client_id": app.client_id,
                           "client_secret": app.client_secret, "code": code, "redirect_uri": redirect_uri})

    def refresh(self, app, refresh_token):
        return self.token({"grant_type": "refresh_token", "client_id": app.client_id,
                           "client_secret": app.client_secret, "refresh_token": refresh_token})

    def gateway(self, site, path, access_token=None, auth=None, method="GET", **kwargs):
        headers = kwargs.pop("headers", {})
        if access_token:
            headers["Authorization"] = "Bearer " + access_token
        return self.request(method, "%s/ex/jira/%s%s" % (API, site.cloud_id, path), headers=headers, auth=auth,
                            **kwargs)


def redirect_params(response):
    """Query parameters of a redirect's Location (first value each)."""
    query = urlsplit(response.headers["Location"]).query
    return {key: values[0] for key, values in parse_qs(query).items()}


class Scenario:
    """One site ``acme`` with an administrator, a plain user, Jira data and a 3LO app with the seed's scopes."""

    def __init__(self, cloud):
        self.site = cloud.add_site("acme")
        self.admin = self.site.add_user("admin@example.com", "Ada Admin", admin=True)
        self.admin_token = self.admin.add_api_token()
        self.user = self.site.add_user("dev@example.com", "Dev Eloper")
        self.user_token = self.user.add_api_token()
        self.site.add_project("OPS", "Operations")
        self.site.add_project("ENG", "Engineering")
        self.site.add_project("HR", "People")
        self.scrum = self.site.add_board("OPS scrum", project_key="OPS")
        self.kanban = self.site.add_board("ENG kanban", type="kanban", project_key="ENG")
        self.sprints = [self.site.add_sprint(self.scrum.id, "Sprint %d" % n, state)
                        for n, state in ((1, "closed"), (2, "active"), (3, "future"))]
        self.issues = [self.site.add_issue("OPS", "Issue %d" % n) for n in range(1, 6)]
        self.site.add_issue("ENG", "Engineering work")
        self.app = cloud.add_oauth_app("ServiceNow spoke", callback_urls=[CALLBACK],
                                       scopes=SEED_CLASSIC + SEED_GRANULAR + ("read:me",))


# -- fixtures (import them into a test module to use them) --------------------------------------------------------
@pytest.fixture(scope="module", name="atl_front")
def atl_front_fixture(tmp_path_factory):
    front = AtlassianFront(certs.generate(str(tmp_path_factory.mktemp("atl-tls"))))
    yield front
    front.close()


@pytest.fixture(name="atl")
def atl_fixture(atl_front):
    harness = atl_front.harness()
    yield harness
    harness.close()


@pytest.fixture(name="acme")
def acme_fixture(atl):
    return Scenario(atl.cloud)
