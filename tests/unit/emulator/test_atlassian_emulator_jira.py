"""The emulated Jira Cloud sites and API gateway, exercised over real HTTP through the emulator front."""

import datetime
import json
import os

import pytest

from tests.emulator.atlassian import scopes as scope_table

from .atl_fixtures import API
from .atl_fixtures import acme_fixture, atl_fixture, atl_front_fixture  # noqa: F401  pylint: disable=unused-import

SPECS = "/work/shared/reference/specs"


def _admin(acme):
    return (acme.admin.email, acme.admin_token)


# -- sites: identity and authentication ------------------------------------------------------------------------
def test_tenant_info_without_credentials(atl, acme):
    response = atl.get(acme.site.url + "/_edge/tenant_info")
    assert response.status_code == 200
    assert response.json() == {"cloudId": acme.site.cloud_id}


@pytest.mark.parametrize("path", ["/rest/api/3/myself", "/_edge/tenant_info", "/"])
def test_unknown_site_answers_html_404(atl, acme, path):
    response = atl.get("https://nosuchsite.atlassian.net" + path, auth=_admin(acme))
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.text


@pytest.mark.parametrize("version", ["2", "3"])
def test_myself_with_classic_token(atl, acme, version):
    response = atl.get(acme.site.url + "/rest/api/%s/myself" % version, auth=_admin(acme))
    assert response.status_code == 200
    body = response.json()
    assert body["accountId"] == acme.admin.account_id
    assert body["accountType"] == "atlassian"
    assert body["active"] is True
    assert body["displayName"] == "Ada Admin"
    assert body["emailAddress"] == "admin@example.com"
    assert body["timeZone"]
    assert body["self"].startswith("https://acme.atlassian.net/rest/api/%s/user?accountId=" % version)
    assert response.headers["X-Seraph-LoginReason"] == "OK"
    assert response.headers["X-AACCOUNTID"] == acme.admin.account_id
    assert response.headers["X-AREQUESTID"]
    entry = atl.server.log.entries(label="acme")[-1]
    assert (entry.status, entry.write) == (200, False)


@pytest.mark.parametrize("email,token", [("admin@example.com", "not-the-token"), ("ghost@example.com", "x")])
def test_wrong_credentials_are_401_with_seraph_header(atl, acme, email, token):
    response = atl.get(acme.site.url + "/rest/api/3/myself", auth=(email, token))
    assert response.status_code == 401
    assert response.headers["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"
    assert response.json()["message"] == "Client must be authenticated to access this resource."
    # Jira does not fall back to anonymous access after a failed login.
    response = atl.get(acme.site.url + "/rest/api/3/project/search", auth=(email, token))
    assert response.status_code == 401


def test_anonymous_myself_is_401_without_login_reason(atl, acme):
    response = atl.get(acme.site.url + "/rest/api/3/myself")
    assert response.status_code == 401
    assert "X-Seraph-LoginReason" not in response.headers
    assert response.json()["errorMessages"]


def test_captcha_user_is_denied(atl, acme):
    acme.user.captcha = True
    response = atl.get(acme.site.url + "/rest/api/2/myself", auth=(acme.user.email, acme.user_token))
    assert response.status_code == 403
    assert response.headers["X-Seraph-LoginReason"] == "AUTHENTICATION_DENIED"
    assert response.headers["X-Authentication-Denied-Reason"] == (
        "CAPTCHA_CHALLENGE; login-url=https://acme.atlassian.net/login.jsp")


def test_scoped_token_works_through_gateway_only(atl, acme):
    token = acme.user.add_api_token(kind="scoped", scopes=("read:jira-user", "read:jira-work"))
    site_answer = atl.get(acme.site.url + "/rest/api/3/myself", auth=(acme.user.email, token))
    assert site_answer.status_code == 401
    assert site_answer.headers["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"
    gateway_answer = atl.gateway(acme.site, "/rest/api/3/myself", auth=(acme.user.email, token))
    assert gateway_answer.status_code == 200
    assert gateway_answer.json()["accountId"] == acme.user.account_id
    assert gateway_answer.json()["self"].startswith("%s/ex/jira/%s/rest/api/3/user" % (API, acme.site.cloud_id))


def test_classic_token_through_gateway_is_401(atl, acme):
    response = atl.gateway(acme.site, "/rest/api/3/myself", auth=_admin(acme))
    assert response.status_code == 401
    assert response.json()["code"] == 401


def test_expired_tokens_are_401(atl, acme):
    expired = acme.user.add_api_token(expired=True)
    response = atl.get(acme.site.url + "/rest/api/3/myself", auth=(acme.user.email, expired))
    assert response.status_code == 401
    short = acme.user.add_api_token(expires_in_days=1)
    assert atl.get(acme.site.url + "/rest/api/3/myself", auth=(acme.user.email, short)).status_code == 200
    atl.cloud.clock.advance(days=2)
    response = atl.get(acme.site.url + "/rest/api/3/myself", auth=(acme.user.email, short))
    assert response.status_code == 401
    assert response.headers["X-Seraph-LoginReason"] == "AUTHENTICATED_FAILED"
    with pytest.raises(ValueError):
        acme.user.add_api_token(expires_in_days=400)


def test_deactivated_user_is_401(atl, acme):
    acme.user.active = False
    response = atl.get(acme.site.url + "/rest/api/3/myself", auth=(acme.user.email, acme.user_token))
    assert response.status_code == 401


def test_same_account_on_two_sites_shares_tokens(atl, acme):
    other = atl.cloud.add_site("beta")
    member = other.add_user(acme.user.email)
    assert member.account_id == acme.user.account_id
    response = atl.get(other.url + "/rest/api/3/myself", auth=(acme.user.email, acme.user_token))
    assert response.status_code == 200


# -- sites: Jira data ---------------------------------------------------------------------------------------------
def test_mypermissions(atl, acme):
    url = acme.site.url + "/rest/api/3/mypermissions"
    missing = atl.get(url, auth=_admin(acme))
    assert missing.status_code == 400
    assert missing.json()["errorMessages"]
    query = {"permissions": "ADMINISTER,BROWSE_PROJECTS,CREATE_ISSUES"}
    admin = atl.get(url, params=query, auth=_admin(acme)).json()["permissions"]
    assert {key: value["havePermission"] for key, value in admin.items()} == {
        "ADMINISTER": True, "BROWSE_PROJECTS": True, "CREATE_ISSUES": True}
    assert admin["ADMINISTER"]["type"] == "GLOBAL" and admin["BROWSE_PROJECTS"]["type"] == "PROJECT"
    assert set(admin["ADMINISTER"]) >= {"id", "key", "name", "type", "description", "havePermission"}
    plain = atl.get(url, params=query, auth=(acme.user.email, acme.user_token)).json()["permissions"]
    assert [plain[k]["havePermission"] for k in ("ADMINISTER", "BROWSE_PROJECTS", "CREATE_ISSUES")] == [
        False, True, True]
    acme.user.permission_overrides["CREATE_ISSUES"] = False
    plain = atl.get(url, params=query, auth=(acme.user.email, acme.user_token)).json()["permissions"]
    assert plain["CREATE_ISSUES"]["havePermission"] is False
    anonymous = atl.get(url, params=query)
    assert anonymous.status_code == 200
    assert not any(p["havePermission"] for p in anonymous.json()["permissions"].values())
    assert atl.get(url, params={"permissions": "NOPE"}, auth=_admin(acme)).status_code == 400
    unknown_project = atl.get(url, params=dict(query, projectKey="ZZZ"), auth=_admin(acme))
    assert unknown_project.status_code == 404


def test_project_search_pages(atl, acme):
    url = acme.site.url + "/rest/api/2/project/search"
    first = atl.get(url, params={"maxResults": 2}, auth=_admin(acme)).json()
    assert (first["total"], first["startAt"], first["maxResults"], first["isLast"]) == (3, 0, 2, False)
    assert [p["key"] for p in first["values"]] == ["OPS", "ENG"]
    assert first["nextPage"].endswith("/rest/api/2/project/search?startAt=2&maxResults=2")
    assert {"id", "key", "name", "self", "projectTypeKey", "simplified", "style"} <= set(first["values"][0])
    second = atl.get(first["nextPage"], auth=_admin(acme)).json()
    assert second["isLast"] is True and [p["key"] for p in second["values"]] == ["HR"]
    assert atl.get(url, params={"maxResults": "x"}, auth=_admin(acme)).status_code == 400


def test_search_jql(atl, acme):
    url = acme.site.url + "/rest/api/3/search/jql"
    auth = _admin(acme)
    page = atl.get(url, params={"jql": "project = OPS ORDER BY created DESC", "maxResults": 2}, auth=auth).json()
    assert page["isLast"] is False and page["nextPageToken"]
    assert [issue["key"] for issue in page["issues"]] == ["OPS-1", "OPS-2"]
    assert "fields" not in page["issues"][0]  # the new endpoint returns IDs only unless asked
    rest = atl.get(url, params={"jql": "project = OPS", "maxResults": 10, "nextPageToken": page["nextPageToken"],
                                "fields": "summary,status"}, auth=auth).json()
    assert rest["isLast"] is True and "nextPageToken" not in rest
    assert [issue["fields"]["summary"] for issue in rest["issues"]] == ["Issue 3", "Issue 4", "Issue 5"]
    unbounded = atl.get(url, params={"jql": "order by created"}, auth=auth)
    assert unbounded.status_code == 400
    assert "Unbounded JQL" in unbounded.json()["errorMessages"][0]
    assert atl.get(url, params={"jql": "project = NOPE"}, auth=auth).status_code == 400
    posted = atl.post(url, json={"jql": "project in (OPS, ENG)", "maxResults": 50, "fields": ["id"]}, auth=auth)
    assert posted.status_code == 200 and len(posted.json()["issues"]) == 6


@pytest.mark.parametrize("version", ["2", "3"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_old_search_is_gone(atl, acme, version, method):
    response = atl.request(method, acme.site.url + "/rest/api/%s/search" % version,
                           params={"jql": "project = OPS"}, auth=_admin(acme))
    assert response.status_code == 410
    assert "/rest/api/3/search/jql" in response.json()["errorMessages"][0]


def test_boards_and_sprints(atl, acme):
    boards = atl.get(acme.site.url + "/rest/agile/1.0/board", params={"maxResults": 1}, auth=_admin(acme)).json()
    assert (boards["total"], boards["isLast"], boards["maxResults"]) == (2, False, 1)
    assert boards["values"][0]["name"] == "OPS scrum"
    assert boards["values"][0]["location"]["projectKey"] == "OPS"
    url = acme.site.url + "/rest/agile/1.0/board/%d/sprint" % acme.scrum.id
    sprints = atl.get(url, params={"maxResults": 10}, auth=_admin(acme)).json()
    assert [s["state"] for s in sprints["values"]] == ["closed", "active", "future"]
    assert sprints["values"][1]["originBoardId"] == acme.scrum.id
    active = atl.get(url, params={"state": "active,future"}, auth=_admin(acme)).json()
    assert [s["name"] for s in active["values"]] == ["Sprint 2", "Sprint 3"]
    kanban = atl.get(acme.site.url + "/rest/agile/1.0/board/%d/sprint" % acme.kanban.id, auth=_admin(acme))
    assert kanban.status_code == 400
    assert atl.get(acme.site.url + "/rest/agile/1.0/board/999/sprint", auth=_admin(acme)).status_code == 404
    assert atl.get(acme.site.url + "/rest/agile/1.0/board").status_code == 401


# -- gateway ------------------------------------------------------------------------------------------------------
def test_gateway_unknown_cloud_id_and_paths(atl, acme):
    token = acme.user.add_api_token(kind="scoped", scopes=("read:jira-user",))
    response = atl.request("GET", API + "/ex/jira/00000000-0000-0000-0000-000000000000/rest/api/3/myself",
                           auth=(acme.user.email, token))
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("application/json")
    assert atl.gateway(acme.site, "/rest/api/3/nothing-here", auth=(acme.user.email, token)).status_code == 404
    assert atl.get(API + "/nothing").status_code == 404
    assert atl.gateway(acme.site, "/rest/api/3/myself").status_code == 401


def test_gateway_enforces_scopes_for_scoped_tokens(atl, acme):
    auth = (acme.admin.email, acme.admin.add_api_token(kind="scoped", scopes=("read:jira-user",)))
    assert atl.gateway(acme.site, "/rest/api/3/myself", auth=auth).status_code == 200
    denied = atl.gateway(acme.site, "/rest/api/3/project/search", auth=auth)
    assert denied.status_code == 401
    assert denied.json() == {"code": 401, "message": "Unauthorized; scope does not match"}
    # The granular set alone is enough for sprints; boards need both of their granular scopes.
    granular = (acme.admin.email, acme.admin.add_api_token(
        kind="scoped", scopes=("read:sprint:jira-software", "read:board-scope:jira-software")))
    assert atl.gateway(acme.site, "/rest/agile/1.0/board/%d/sprint" % acme.scrum.id, auth=granular).status_code == 200
    assert atl.gateway(acme.site, "/rest/agile/1.0/board", auth=granular).status_code == 401
    full = (acme.admin.email, acme.admin.add_api_token(
        kind="scoped", scopes=("read:board-scope:jira-software", "read:project:jira", "read:jira-work")))
    assert atl.gateway(acme.site, "/rest/agile/1.0/board", auth=full).json()["total"] == 2
    permissions = atl.gateway(acme.site, "/rest/api/3/mypermissions", auth=full,
                              params={"permissions": "ADMINISTER"}).json()
    assert permissions["permissions"]["ADMINISTER"]["havePermission"] is True


def test_scope_table_matches_the_specs():
    """The scope table cites the OpenAPI specs; check it against them when they are at hand."""
    platform_path = os.path.join(SPECS, "jira-platform.swagger-v3.json")
    software_path = os.path.join(SPECS, "jira-software.swagger-v3.json")
    if not (os.path.exists(platform_path) and os.path.exists(software_path)):
        pytest.skip("Atlassian OpenAPI specs not available")
    with open(platform_path, encoding="utf-8") as handle:
        platform = json.load(handle)["paths"]
    with open(software_path, encoding="utf-8") as handle:
        software = json.load(handle)["paths"]
    platform_ops = {("GET", "myself"): "/rest/api/3/myself", ("GET", "mypermissions"): "/rest/api/3/mypermissions",
                    ("GET", "project_search"): "/rest/api/3/project/search",
                    ("GET", "search_jql"): "/rest/api/3/search/jql", ("POST", "search_jql"): "/rest/api/3/search/jql",
                    ("GET", "search_removed"): "/rest/api/3/search", ("POST", "search_removed"): "/rest/api/3/search",
                    ("GET", "dynamic_webhooks"): "/rest/api/3/webhook", ("POST", "dynamic_webhooks"): "/rest/api/3/webhook",
                    ("DELETE", "dynamic_webhooks"): "/rest/api/3/webhook",
                    ("PUT", "dynamic_refresh"): "/rest/api/3/webhook/refresh"}
    for (method, operation), path in platform_ops.items():
        spec = platform[path][method.lower()]["x-atlassian-oauth2-scopes"]
        expected = {tuple(entry["scopes"]) for entry in spec}
        assert set(scope_table.OPERATION_SCOPES[(method, operation)]) == expected, operation
    sprints = software["/rest/agile/1.0/board/{boardId}/sprint"]["get"]["security"][0]["OAuth2"]
    assert scope_table.OPERATION_SCOPES[("GET", "sprints")] == (tuple(sprints),)


# -- rate limits -------------------------------------------------------------------------------------------------
def test_rate_limit_window_answers_429_with_atlassian_headers(atl, acme):
    atl.cloud.set_rate_limit("acme", requests=2, per_seconds=60, retry_after=7)
    url = acme.site.url + "/rest/api/3/myself"
    first = atl.get(url, auth=_admin(acme))
    assert first.status_code == 200
    assert first.headers["X-RateLimit-Limit"] == "2" and first.headers["X-RateLimit-Remaining"] == "1"
    assert atl.get(url, auth=_admin(acme)).status_code == 200
    limited = atl.get(url, auth=_admin(acme))
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert limited.headers["X-RateLimit-NearLimit"] == "true"
    assert limited.headers["RateLimit-Reason"] == "jira-quota-tenant-based"
    reset = datetime.datetime.fromisoformat(limited.headers["X-RateLimit-Reset"].replace("Z", "+00:00"))
    assert reset > datetime.datetime.now(datetime.timezone.utc)
    # Gateway calls reach the same tenant: they are limited too; other sites are not.
    token = acme.user.add_api_token(kind="scoped", scopes=("read:jira-user",))
    assert atl.gateway(acme.site, "/rest/api/3/myself", auth=(acme.user.email, token)).status_code == 429
    assert atl.get("https://other.atlassian.net/").status_code == 404
    atl.cloud.clear_rate_limits()
    assert atl.get(url, auth=_admin(acme)).status_code == 200


def test_rate_limit_next_requests(atl, acme):
    atl.cloud.rate_limit_next(2, retry_after=1)
    url = acme.site.url + "/_edge/tenant_info"
    answers = [atl.get(url) for attempt in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "1"
    assert answers[0].headers["RateLimit-Reason"] == "jira-burst-based"
    atl.cloud.rate_limit_next(1, host="api")
    assert atl.get(url).status_code == 200
    assert atl.get(API + "/oauth/token/accessible-resources").status_code == 429


# -- control API --------------------------------------------------------------------------------------------------
def test_control_api(atl):
    created = atl.control("POST", "sites", {"name": "demo", "cloud_id": "11111111-2222-3333-4444-555555555555"})
    assert created.status_code == 201
    assert created.json()["result"]["url"] == "https://demo.atlassian.net"
    assert atl.control("POST", "sites", {"name": "demo"}).status_code == 409
    user = atl.control("POST", "sites/demo/users", {"email": "ops@example.com", "admin": True})
    assert user.status_code == 201 and user.json()["result"]["admin"] is True
    token = atl.control("POST", "sites/demo/users/ops%40example.com/tokens", {"expires_in_days": 30})
    assert token.status_code == 201
    value = token.json()["result"]["token"]
    assert atl.get("https://demo.atlassian.net/rest/api/3/myself", auth=("ops@example.com", value)).ok
    assert atl.control("POST", "sites/demo/projects", {"key": "DEMO", "name": "Demo"}).status_code == 201
    board = atl.control("POST", "sites/demo/boards", {"name": "Demo board", "project_key": "DEMO"}).json()["result"]
    assert atl.control("POST", "sites/demo/sprints", {"board_id": board["id"], "name": "S1"}).status_code == 201
    detail = atl.control("GET", "sites/demo").json()["result"]
    assert detail["cloud_id"] == "11111111-2222-3333-4444-555555555555" and len(detail["sprints"]) == 1
    app = atl.control("POST", "apps", {"name": "demo app", "callback_urls": ["https://x.service-now.com/cb"],
                                       "scopes": ["read:jira-work"]})
    assert app.status_code == 201 and app.json()["result"]["client_secret"]
    listed = atl.control("GET", "apps").json()["result"]
    assert [a["name"] for a in listed] == ["demo app"] and "client_secret" not in listed[0]
    before = atl.control("GET", "clock").json()["result"]["epoch"]
    after = atl.control("POST", "clock", {"advance_days": 31}).json()["result"]["epoch"]
    assert after - before >= 31 * 86400
    assert atl.get("https://demo.atlassian.net/rest/api/3/myself", auth=("ops@example.com", value)).status_code == 401
    assert atl.control("PATCH", "sites/demo/users/ops@example.com", {"captcha": True}).json()["result"]["captcha"]
    assert atl.control("POST", "rate_limit", {"next": 1, "host": "demo"}).status_code == 200
    assert atl.get("https://demo.atlassian.net/_edge/tenant_info").status_code == 429
    assert atl.control("POST", "sites/nope/users", {"email": "a@b.c"}).status_code == 404
    assert atl.control("POST", "sites", {}).status_code == 400
