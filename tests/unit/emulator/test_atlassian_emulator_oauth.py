"""The emulated Atlassian authorization server and the OAuth side of the gateway, over real HTTP."""

import pytest

from tests.emulator.atlassian import OAuthError

from .atl_fixtures import API, CALLBACK, redirect_params
from .atl_fixtures import acme_fixture, atl_fixture, atl_front_fixture  # noqa: F401  pylint: disable=unused-import

READ = ("read:jira-user", "read:jira-work")
OFFLINE = READ + ("offline_access",)


def _tokens(atl, acme, scopes=OFFLINE, email="admin@example.com"):
    response = atl.exchange(acme.app, atl.consent_code(acme.app, email, scopes))
    assert response.status_code == 200, response.text
    return response.json()


# -- /authorize --------------------------------------------------------------------------------------------------
def test_authorize_shows_consent_page(atl, acme):
    response = atl.authorize(acme.app, OFFLINE)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    for scope in OFFLINE:
        assert scope in response.text
    assert "ServiceNow spoke" in response.text


def test_authorize_accept_and_deny(atl, acme):
    accepted = atl.authorize(acme.app, OFFLINE, emulator_user="admin@example.com", emulator_decision="accept")
    assert accepted.status_code == 302
    assert accepted.headers["Location"].startswith(CALLBACK + "?")
    params = redirect_params(accepted)
    assert params["state"] == "st4te" and params["code"]
    denied = atl.authorize(acme.app, OFFLINE, emulator_user="admin@example.com", emulator_decision="deny")
    assert denied.status_code == 302
    assert redirect_params(denied)["error"] == "access_denied"
    assert redirect_params(denied)["state"] == "st4te"
    assert atl.server.log.writes() == []


@pytest.mark.parametrize("override", [
    {"redirect_uri": "https://evil.example.com/cb"},
    {"client_id": "no-such-client"},
    {"audience": "somewhere.else"},
])
def test_authorize_refuses_bad_client_or_redirect_with_a_page(atl, acme, override):
    extra = {"emulator_user": "admin@example.com", "emulator_decision": "accept"}
    params = dict(extra, **{k: v for k, v in override.items() if k != "redirect_uri"})
    app = acme.app
    if "client_id" in override:
        params.pop("client_id")
        app = type("App", (), {"client_id": override["client_id"]})()
    response = atl.authorize(app, OFFLINE, override.get("redirect_uri", CALLBACK), **params)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.headers["Content-Type"].startswith("text/html")


def test_authorize_refuses_scopes_not_enabled_on_the_app(atl, acme):
    response = atl.authorize(acme.app, READ + ("manage:jira-data-provider",), emulator_user="admin@example.com",
                             emulator_decision="accept")
    assert response.status_code == 400
    assert "manage:jira-data-provider" in response.text
    assert "have not been added to the app" in response.text
    # offline_access needs no enabling: it is granted on request.
    assert "offline_access" not in acme.app.scopes
    assert atl.authorize(acme.app, OFFLINE).status_code == 200


def test_authorize_unknown_user_and_no_site(atl, acme):
    unknown = atl.authorize(acme.app, READ, emulator_user="nobody@example.com", emulator_decision="accept")
    assert unknown.status_code == 400
    atl.cloud.account_for("lonely@example.com")
    lonely = atl.authorize(acme.app, READ, emulator_user="lonely@example.com", emulator_decision="accept")
    assert lonely.status_code == 403


# -- /oauth/token: authorization code ----------------------------------------------------------------------------
def test_code_exchange_is_single_use(atl, acme):
    code = atl.consent_code(acme.app, "admin@example.com", OFFLINE)
    first = atl.exchange(acme.app, code)
    assert first.status_code == 200
    body = first.json()
    assert body["expires_in"] == 3600 and body["token_type"] == "Bearer"
    assert body["scope"].split() == list(OFFLINE)
    assert body["access_token"] and body["refresh_token"]
    assert first.headers["Cache-Control"] == "no-store"
    again = atl.exchange(acme.app, code)
    assert again.status_code == 403 and again.json()["error"] == "invalid_grant"


def test_code_exchange_errors(atl, acme):
    code = atl.consent_code(acme.app, "admin@example.com", READ)
    wrong_redirect = atl.exchange(acme.app, code, redirect_uri="https://dev2.service-now.com/oauth_redirect.do")
    assert wrong_redirect.status_code == 403 and wrong_redirect.json()["error"] == "invalid_grant"
    bad_client = atl.token({"grant_type": "authorization_code", "client_id": acme.app.client_id,
                            "client_secret": "wrong", "code": code, "redirect_uri": CALLBACK})
    assert bad_client.status_code == 401
    assert bad_client.json() == {"error": "access_denied", "error_description": "Unauthorized"}
    unsupported = atl.token({"grant_type": "password", "client_id": acme.app.client_id})
    assert unsupported.status_code == 400 and unsupported.json()["error"] == "unsupported_grant_type"
    # Still usable after the refused attempts, and a form body works as well as JSON.
    form = atl.token({"grant_type": "authorization_code", "client_id": acme.app.client_id,
                      "client_secret": acme.app.client_secret, "code": code, "redirect_uri": CALLBACK}, form=True)
    assert form.status_code == 200
    assert "refresh_token" not in form.json()  # no offline_access, no refresh token


def test_code_expires_after_ten_minutes(atl, acme):
    code = atl.consent_code(acme.app, "admin@example.com", READ)
    atl.cloud.clock.advance(minutes=11)
    assert atl.exchange(acme.app, code).status_code == 403


# -- gateway with bearer tokens ----------------------------------------------------------------------------------
def test_accessible_resources_and_token_info(atl, acme):
    beta = atl.cloud.add_site("beta")
    beta.add_user("admin@example.com")
    tokens = _tokens(atl, acme)
    response = atl.get(API + "/oauth/token/accessible-resources",
                       headers={"Authorization": "Bearer " + tokens["access_token"]})
    assert response.status_code == 200
    resources = sorted(response.json(), key=lambda r: r["name"])
    assert [(r["id"], r["name"], r["url"]) for r in resources] == [
        (acme.site.cloud_id, "acme", "https://acme.atlassian.net"),
        (beta.cloud_id, "beta", "https://beta.atlassian.net"),
    ]
    assert resources[0]["scopes"] == list(READ) and resources[0]["avatarUrl"]
    info = atl.cloud.token_info(tokens["access_token"])
    assert info.app is acme.app and info.user.email == "admin@example.com"
    assert info.scopes == OFFLINE and set(info.cloud_ids) == {acme.site.cloud_id, beta.cloud_id}
    assert atl.cloud.token_info("nope") is None
    assert atl.get(API + "/oauth/token/accessible-resources").status_code == 401


def test_gateway_scope_enforcement_with_bearer(atl, acme):
    tokens = _tokens(atl, acme, scopes=("read:jira-user",))
    access = tokens["access_token"]
    myself = atl.gateway(acme.site, "/rest/api/2/myself", access_token=access)
    assert myself.status_code == 200 and myself.json()["emailAddress"] == "admin@example.com"
    for path in ("/rest/api/3/project/search", "/rest/agile/1.0/board"):
        denied = atl.gateway(acme.site, path, access_token=access)
        assert denied.status_code == 401
        assert denied.json() == {"code": 401, "message": "Unauthorized; scope does not match"}
    seed = _tokens(atl, acme, scopes=acme.app.scopes)["access_token"]
    assert atl.gateway(acme.site, "/rest/agile/1.0/board", access_token=seed).status_code == 200
    jql = atl.gateway(acme.site, "/rest/api/3/search/jql", access_token=seed,
                      params={"jql": "project = OPS", "maxResults": 1, "fields": "id"})
    assert jql.status_code == 200 and len(jql.json()["issues"]) == 1
    assert atl.gateway(acme.site, "/rest/api/3/myself", access_token="forged").status_code == 401


def test_access_token_expires_after_an_hour(atl, acme):
    access = _tokens(atl, acme, scopes=READ)["access_token"]
    assert atl.gateway(acme.site, "/rest/api/3/myself", access_token=access).status_code == 200
    atl.cloud.clock.advance(minutes=61)
    assert atl.gateway(acme.site, "/rest/api/3/myself", access_token=access).status_code == 401
    assert atl.cloud.token_info(access).expired is True


def test_bearer_token_does_not_reach_other_sites_or_the_site_url(atl, acme):
    other = atl.cloud.add_site("other")
    other.add_user("someone@example.com")
    access = _tokens(atl, acme, scopes=READ)["access_token"]
    assert atl.gateway(other, "/rest/api/3/myself", access_token=access).status_code == 401
    site_url = atl.get(acme.site.url + "/rest/api/3/myself", headers={"Authorization": "Bearer " + access})
    assert site_url.status_code == 401


def test_me_needs_read_me(atl, acme):
    without = _tokens(atl, acme, scopes=READ)["access_token"]
    assert atl.get(API + "/me", headers={"Authorization": "Bearer " + without}).status_code == 401
    with_me = _tokens(atl, acme, scopes=READ + ("read:me",))["access_token"]
    profile = atl.get(API + "/me", headers={"Authorization": "Bearer " + with_me}).json()
    assert profile["account_id"] == acme.admin.account_id and profile["email"] == "admin@example.com"


# -- refresh tokens ------------------------------------------------------------------------------------------------
def test_refresh_rotation_reuse_window_and_family_invalidation(atl, acme):
    first = _tokens(atl, acme)["refresh_token"]
    rotated = atl.refresh(acme.app, first)
    assert rotated.status_code == 200
    second = rotated.json()["refresh_token"]
    assert second != first and rotated.json()["scope"].split() == list(OFFLINE)
    assert atl.gateway(acme.site, "/rest/api/3/myself", access_token=rotated.json()["access_token"]).ok
    # Reusing the previous token within 10 minutes is tolerated (a retry after a lost answer).
    atl.cloud.clock.advance(minutes=5)
    retry = atl.refresh(acme.app, first)
    assert retry.status_code == 200
    third = retry.json()["refresh_token"]
    # After the window, reusing it looks like theft: the whole family dies.
    atl.cloud.clock.advance(minutes=6)
    late = atl.refresh(acme.app, first)
    assert late.status_code == 403
    assert late.json() == {"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."}
    for token in (second, third):
        assert atl.refresh(acme.app, token).status_code == 403


def test_refresh_token_expires_after_90_days_unused_and_365_in_all(atl, acme):
    idle = _tokens(atl, acme)["refresh_token"]
    active = _tokens(atl, acme)["refresh_token"]
    for elapsed in range(80, 321, 80):  # used every 80 days: stays alive until the 365-day absolute limit
        atl.cloud.clock.advance(days=80)
        response = atl.refresh(acme.app, active)
        assert response.status_code == 200, elapsed
        active = response.json()["refresh_token"]
    assert atl.refresh(acme.app, idle).status_code == 403
    atl.cloud.clock.advance(days=46)  # 366 days after consent
    assert atl.refresh(acme.app, active).status_code == 403


def test_refresh_token_belongs_to_its_client(atl, acme):
    other = atl.cloud.add_oauth_app("other", callback_urls=[CALLBACK], scopes=READ)
    refresh = _tokens(atl, acme)["refresh_token"]
    assert atl.refresh(other, refresh).status_code == 403
    assert atl.refresh(acme.app, refresh).status_code == 200


# -- client credentials (service accounts) -----------------------------------------------------------------------
def test_client_credentials_for_service_account(atl, acme):
    robot = atl.cloud.add_oauth_app("jira robot", kind="service_account", scopes=READ, sites=["acme"])
    response = atl.token({"grant_type": "client_credentials", "client_id": robot.client_id,
                          "client_secret": robot.client_secret})
    assert response.status_code == 200
    body = response.json()
    assert "refresh_token" not in body and body["expires_in"] == 3600
    assert body["scope"].split() == list(READ)
    myself = atl.gateway(acme.site, "/rest/api/3/myself", access_token=body["access_token"]).json()
    assert myself["accountType"] == "app" and myself["emailAddress"].endswith("@serviceaccount.atlassian.com")
    resources = atl.get(API + "/oauth/token/accessible-resources",
                        headers={"Authorization": "Bearer " + body["access_token"]}).json()
    assert [r["id"] for r in resources] == [acme.site.cloud_id]
    narrowed = atl.token({"grant_type": "client_credentials", "client_id": robot.client_id,
                          "client_secret": robot.client_secret, "scope": "read:jira-user"})
    assert narrowed.json()["scope"] == "read:jira-user"
    refused = atl.token({"grant_type": "client_credentials", "client_id": acme.app.client_id,
                         "client_secret": acme.app.client_secret})
    assert refused.status_code == 403 and refused.json()["error"] == "unauthorized_client"
    assert robot.kind == "service_account" and atl.authorize(robot, READ).status_code == 400


# -- Python helpers ------------------------------------------------------------------------------------------------
def test_python_helpers(atl, acme):
    code = atl.cloud.grant_consent(acme.app, acme.admin, "read:jira-work offline_access", CALLBACK)
    assert atl.exchange(acme.app, code).status_code == 200
    with pytest.raises(OAuthError):
        atl.cloud.grant_consent(acme.app, acme.admin, ["read:jira-work"], "https://elsewhere.example.com/cb")
    tokens = atl.cloud.issue_tokens(acme.app, "dev@example.com")
    assert "refresh_token" in tokens and "offline_access" in tokens["scope"].split()
    assert atl.gateway(acme.site, "/rest/api/3/myself", access_token=tokens["access_token"]).ok
    atl.cloud.revoke_consent(acme.app, acme.user)
    assert atl.gateway(acme.site, "/rest/api/3/myself", access_token=tokens["access_token"]).status_code == 401
    assert atl.refresh(acme.app, tokens["refresh_token"]).status_code == 403
    robot = atl.cloud.add_oauth_app("robot", kind="service_account", scopes=READ, sites=[acme.site])
    assert atl.cloud.token_info(atl.cloud.client_credentials(robot)["access_token"]).sites == [acme.site]
