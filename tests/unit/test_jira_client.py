"""The Jira/Atlassian client against the emulated Atlassian Cloud (through the emulator front): every answer that
means something becomes the right error, with a message that names no token; plus the option helpers."""

import inspect

import pytest

from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import (
    AccessDeniedError,
    AuthenticationError,
    HTTPError,
    NotFoundError,
    OptionError,
    RateLimitError,
    UnexpectedContentError,
)
from ansible_collections.snowspoke.jira.plugins.module_utils.common.transport import RetryPolicy
from ansible_collections.snowspoke.jira.plugins.module_utils.jira import client as client_module
from ansible_collections.snowspoke.jira.plugins.module_utils.jira.client import (
    BasicCredentials,
    BearerCredentials,
    GoneError,
    JiraClient,
    ScopeMismatchError,
)
from ansible_collections.snowspoke.jira.plugins.module_utils.jira.options import auth_mode, site_url
from tests.emulator.atlassian import AtlassianCloud

MYSELF = "/rest/api/3/myself"


class World:
    """A fresh cloud with site ``acme``: an admin with classic, scoped and expired tokens, a CAPTCHA user, an
    OAuth app and a service account; ``client()`` builds a JiraClient that goes through the front."""

    def __init__(self, server, tls):
        self.server = server
        self.tls = tls
        self.cloud = server.slot.app = AtlassianCloud()
        server.log.clear()
        server.clear_faults()
        self.site = self.cloud.add_site("acme")
        self.admin = self.site.add_user("admin@example.com", "Ada Admin", admin=True)
        self.classic = self.admin.add_api_token()
        self.scoped = self.admin.add_api_token(kind="scoped", scopes=["read:jira-work"])
        self.expired = self.admin.add_api_token(expired=True)
        self.blocked = self.site.add_user("locked@example.com", captcha=True)
        self.blocked_token = self.blocked.add_api_token()
        self.site.add_project("OPS", "Operations")
        self.app = self.cloud.add_oauth_app("snow", callback_urls=["https://dev1.service-now.com/oauth_redirect.do"],
                                            scopes=["read:jira-work", "read:jira-user"])
        self.service = self.cloud.add_oauth_app("bot", scopes=["read:jira-work"], kind="service_account",
                                                sites=["acme"])

    def client(self, site="https://acme.atlassian.net", retries=0, log=None):
        return JiraClient(site=site, ca_path=self.tls.ca_path, proxy=self.server.proxy_url, timeout=10,
                          retry=RetryPolicy(retries=retries, backoff=0.01, max_wait=5), log=log)

    def access_token(self, scopes=None):
        return self.cloud.issue_tokens(self.app, self.admin, scopes=scopes)["access_token"]


@pytest.fixture
def world(front, tls_material):
    return World(front, tls_material)


def _no_secret(exc, *secrets):
    text = str(exc) + repr(exc.details)
    for secret in secrets:
        assert secret not in text


# -- tenant_info -------------------------------------------------------------------------------------------------
def test_tenant_info_gives_the_cloud_id(world):
    assert world.client().tenant_info() == world.site.cloud_id
    assert world.client(site=None).tenant_info("https://acme.atlassian.net") == world.site.cloud_id


def test_unknown_site_is_no_such_site(world):
    with pytest.raises(UnexpectedContentError) as error:
        world.client("https://nosuch.atlassian.net").tenant_info()
    assert "There is no Jira Cloud site at https://nosuch.atlassian.net" in str(error.value)
    assert error.value.details["reason"] == "no_such_site"
    assert "jira_url" in error.value.hint


def test_site_is_required_for_site_calls(world):
    with pytest.raises(OptionError) as error:
        world.client(site=None).tenant_info()
    assert "jira_url is required" in str(error.value)


# -- basic authentication on the site ---------------------------------------------------------------------------
def test_classic_token_on_the_site(world):
    answer = world.client().site_request("GET", MYSELF, BasicCredentials(world.admin.email, world.classic))
    assert answer.status == 200 and answer.data["displayName"] == "Ada Admin"
    assert answer.login_reason == "OK"


@pytest.mark.parametrize("which", ["wrong", "expired", "scoped"])
def test_refused_tokens_name_the_login_reason_and_the_likely_causes(world, which):
    token = {"wrong": "ATATT-not-a-real-token", "expired": world.expired, "scoped": world.scoped}[which]
    with pytest.raises(AuthenticationError) as error:
        world.client().site_request("GET", MYSELF, BasicCredentials(world.admin.email, token))
    exc = error.value
    assert exc.status == 401
    assert exc.details["login_reason"] == "AUTHENTICATED_FAILED"
    assert "X-Seraph-LoginReason: AUTHENTICATED_FAILED" in exc.message
    assert "expire" in exc.hint and "scoped token" in exc.hint
    _no_secret(exc, token)


def test_captcha_is_its_own_error_with_the_login_url(world):
    with pytest.raises(AuthenticationError) as error:
        world.client().site_request("GET", MYSELF, BasicCredentials(world.blocked.email, world.blocked_token))
    exc = error.value
    assert exc.details["captcha"] is True and exc.status == 403
    assert "CAPTCHA" in exc.message and "https://acme.atlassian.net/login.jsp" in exc.hint
    _no_secret(exc, world.blocked_token)


def test_a_failed_login_reason_on_a_2xx_is_still_a_refusal(world):
    world.server.add_fault(host="acme.atlassian.net", path="/myself", status=200, body={"accountId": "x"},
                           headers={"X-Seraph-LoginReason": "AUTHENTICATION_DENIED"}, times=1)
    with pytest.raises(AuthenticationError) as error:
        world.client().site_request("GET", MYSELF, BasicCredentials(world.admin.email, world.classic))
    assert "AUTHENTICATION_DENIED" in error.value.message


def test_removed_search_is_gone(world):
    with pytest.raises(GoneError) as error:
        world.client().site_request("GET", "/rest/api/3/search", BasicCredentials(world.admin.email, world.classic),
                                    params={"jql": "project = OPS"})
    assert error.value.status == 410 and "/rest/api/3/search/jql" in str(error.value)


def test_forbidden_and_server_errors(world):
    credentials = BasicCredentials(world.admin.email, world.classic)
    world.server.add_fault(host="acme.atlassian.net", path="/myself", status=403,
                           body={"errorMessages": ["You do not have permission."], "errors": {}}, times=1)
    with pytest.raises(AccessDeniedError) as error:
        world.client().site_request("GET", MYSELF, credentials)
    assert "You do not have permission" in error.value.message
    world.server.add_fault(host="acme.atlassian.net", path="/myself", status=500, times=1)
    with pytest.raises(HTTPError) as error:
        world.client().site_request("GET", MYSELF, credentials)
    assert error.value.status == 500 and "status.atlassian.com" in error.value.hint


def test_unknown_rest_path_is_not_found(world):
    with pytest.raises(NotFoundError):
        world.client().site_request("GET", "/rest/api/3/nothing", BasicCredentials(world.admin.email, world.classic))


# -- the gateway --------------------------------------------------------------------------------------------------
def test_scoped_token_through_the_gateway_and_its_scope_limits(world):
    client = world.client()
    credentials = BasicCredentials(world.admin.email, world.scoped)
    answer = client.gateway_request(world.site.cloud_id, "GET", "/rest/api/3/project/search", credentials)
    assert answer.data["total"] == 1
    with pytest.raises(ScopeMismatchError) as error:
        client.gateway_request(world.site.cloud_id, "GET", MYSELF, credentials)
    assert error.value.status == 401 and "lacks the OAuth scopes" in error.value.message
    _no_secret(error.value, world.scoped)


def test_classic_token_is_refused_by_the_gateway(world):
    with pytest.raises(AuthenticationError) as error:
        world.client().gateway_request(world.site.cloud_id, "GET", MYSELF,
                                       BasicCredentials(world.admin.email, world.classic))
    assert "where Atlassian documents classic tokens" in error.value.hint


def test_unknown_cloud_id_at_the_gateway(world):
    token = world.access_token()
    with pytest.raises(NotFoundError) as error:
        world.client().gateway_request("00000000-0000-0000-0000-000000000000", "GET", MYSELF,
                                       BearerCredentials(token))
    assert "no Jira site has this Cloud ID" in error.value.message


def test_accessible_resources_and_a_refused_access_token(world):
    token = world.access_token()
    resources = world.client().accessible_resources(BearerCredentials(token))
    assert [(r["id"], sorted(r["scopes"])) for r in resources] == [
        (world.site.cloud_id, ["read:jira-user", "read:jira-work"])]
    with pytest.raises(AuthenticationError) as error:
        world.client().accessible_resources(BearerCredentials("not-a-token"))
    assert "never refreshes" in error.value.hint
    world.cloud.clock.advance(hours=2)  # access tokens live one hour
    with pytest.raises(AuthenticationError) as error:
        world.client().accessible_resources(BearerCredentials(token))
    _no_secret(error.value, token)


# -- the client credentials grant ----------------------------------------------------------------------------------
def test_client_credentials_grant(world):
    lines = []
    answer = world.client(log=lines.append).client_credentials_token(world.service.client_id,
                                                                     world.service.client_secret)
    assert answer["scope"] == "read:jira-work" and "refresh_token" not in answer
    assert all(answer["access_token"] not in line and world.service.client_secret not in line for line in lines)


def test_client_credentials_refusals(world):
    with pytest.raises(AuthenticationError) as error:
        world.client().client_credentials_token(world.service.client_id, "wrong-secret")
    assert "client_secret" in error.value.hint
    _no_secret(error.value, "wrong-secret")
    with pytest.raises(AccessDeniedError) as error:
        world.client().client_credentials_token(world.app.client_id, world.app.client_secret)
    assert "service account" in error.value.hint
    _no_secret(error.value, world.app.client_secret)


# -- retries ----------------------------------------------------------------------------------------------------------
def test_rate_limit_is_waited_out_then_reported_when_it_outlasts_the_retries(world):
    lines = []
    world.cloud.rate_limit_next(2, retry_after=0, host="acme")
    client = world.client(retries=3, log=lines.append)
    assert client.tenant_info() == world.site.cloud_id
    assert client.retries == 2 and any("HTTP 429" in line for line in lines)
    world.cloud.rate_limit_next(5, retry_after=0, host="acme")
    with pytest.raises(RateLimitError) as error:
        world.client(retries=1).tenant_info()
    assert "after 1 retries" in error.value.message and "RateLimit-Reason" in error.value.message
    world.cloud.clear_rate_limits()


# -- no refresh, no secrets ----------------------------------------------------------------------------------------
def test_there_is_no_refresh_token_grant():
    source = inspect.getsource(client_module)
    assert '"refresh_token"' not in source and "'refresh_token'" not in source


def test_credentials_never_show_their_secret():
    basic = BasicCredentials("bot@example.com", "s3cret-token")
    bearer = BearerCredentials("s3cret-bearer")
    for text in (repr(basic), basic.describe(), repr(bearer), bearer.describe()):
        assert "s3cret" not in text


# -- options --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("given,expected", [
    ("acme", "https://acme.atlassian.net"),
    ("ACME", "https://acme.atlassian.net"),
    ("acme.atlassian.net", "https://acme.atlassian.net"),
    ("https://acme.atlassian.net/", "https://acme.atlassian.net"),
    ("https://jira.example.com", "https://jira.example.com"),
    (None, None),
    ("", None),
])
def test_site_url_forms(given, expected):
    assert site_url(given) == expected


@pytest.mark.parametrize("given,fragment", [
    ("http://acme.atlassian.net", "must use https://"),
    ("https://api.atlassian.com/ex/jira/1234", "API gateway URL"),
    ("https://acme.atlassian.net/jira/software", "without a path"),
    ("https://bot:pw@acme.atlassian.net", "must not carry credentials"),
    ("https://acme .atlassian.net", "no valid host name"),
])
def test_site_url_rejects_with_the_option_named(given, fragment):
    with pytest.raises(OptionError) as error:
        site_url(given)
    assert fragment in str(error.value) and "jira_url" in str(error.value)


@pytest.mark.parametrize("params,mode", [
    ({}, None),
    ({"username": "a@example.com", "api_token": "t"}, "basic"),
    ({"access_token": "t"}, "access_token"),
    ({"client_id": "c", "client_secret": "s"}, "client_credentials"),
])
def test_auth_mode(params, mode):
    assert auth_mode(params) == mode


@pytest.mark.parametrize("params,fragment", [
    ({"username": "a@example.com"}, "api_token is missing"),
    ({"api_token": "t"}, "username is missing"),
    ({"client_id": "c"}, "client_secret is missing"),
    ({"access_token": "t", "api_token": "u", "username": "a"}, "not several"),
])
def test_auth_mode_conflicts(params, fragment):
    with pytest.raises(OptionError) as error:
        auth_mode(params)
    assert fragment in str(error.value)


def test_from_options_validates_before_any_request():
    with pytest.raises(OptionError):
        JiraClient.from_options({"jira_url": "acme", "timeout": 0})
    with pytest.raises(OptionError):
        JiraClient.from_options({"jira_url": "acme", "proxy": "not a proxy"})
    with pytest.raises(OptionError):
        JiraClient.from_options({"jira_url": "acme", "atlassian_api_url": "api.atlassian.com"})
    client = JiraClient.from_options({"jira_url": "acme", "atlassian_api_url": "https://api.example.com/"})
    assert client.site == "https://acme.atlassian.net"
    assert client.gateway_url("c1") == "https://api.example.com/ex/jira/c1"


def test_one_session_per_host(world):
    client = world.client()
    token = BearerCredentials(world.access_token())
    client.accessible_resources(token)
    client.gateway_request(world.site.cloud_id, "GET", MYSELF, token)
    client.tenant_info()
    transports = client._transports.values()  # pylint: disable=protected-access
    services = sorted(transport.service for transport in transports)
    assert services == ["Atlassian's API gateway (api.atlassian.com)", "Jira Cloud site acme.atlassian.net"]
