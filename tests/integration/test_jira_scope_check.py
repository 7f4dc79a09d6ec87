"""jira_scope_check end to end: real ansible-playbook against the emulated Atlassian Cloud, one test per mode the
issue's "Done when" lists. Every run also proves that no token reaches the output."""

import hashlib
import os

import pytest

from tests.integration.conftest import play

SEED_MINUS_TWO = ("manage:jira-configuration", "manage:jira-project", "manage:jira-webhook", "read:jira-work",
                  "read:jira-user", "write:jira-work", "read:issue-details:jira", "read:jql:jira",
                  "read:sprint:jira-software", "read:board-scope:jira-software", "read:project:jira")
# What a playbook may legitimately differ in between check mode and a normal run.
NOT_FACTS = ("request_log", "invocation", "warnings", "deprecations", "_ansible_no_log", "changed")


class JiraSite:
    """A site of its own for one test (the session shares one emulated cloud): an administrator with a classic
    API token, a project with a scrum board and a sprint."""

    def __init__(self, cloud, tag):
        self.cloud = cloud
        self.tag = tag
        self.site = cloud.add_site("s" + tag)
        self.url = self.site.url
        self.admin = self.site.add_user("admin-%s@example.com" % tag, "Ada Admin", admin=True)
        self.token = self.admin.add_api_token()
        self.site.add_project("OPS", "Operations")
        board = self.site.add_board("OPS board", project_key="OPS")
        self.site.add_sprint(board.id, "Sprint 1", "active")
        self.site.add_issue("OPS", "First issue")

    @property
    def gateway_url(self):
        return "https://api.atlassian.com/ex/jira/%s" % self.site.cloud_id


@pytest.fixture(name="jira")
def jira_fixture(emulator, request):
    tag = hashlib.sha1(request.node.nodeid.encode("utf-8")).hexdigest()[:10]
    return JiraSite(emulator.atlassian, tag)


def check_task(name="check", **params):
    task = {"name": name, "snowspoke.jira.jira_scope_check": params, "register": "result"}
    return task


def basic(jira, **params):
    return dict({"jira_url": jira.url, "username": jira.admin.email, "api_token": "{{ token }}"}, **params)


def facts(result):
    return dict((key, value) for key, value in result.items() if key not in NOT_FACTS)


def test_valid_classic_token_same_facts_in_check_mode(ansible, jira):
    tasks = [check_task(**basic(jira))]
    normal = ansible(play(tasks), extra_vars={"token": jira.token}, verbosity=3).assert_ok()
    checked = ansible(play(tasks), extra_vars={"token": jira.token}, check=True).assert_ok()
    for run in (normal, checked):
        run.assert_no_secret(jira.token)
    result = normal.task("check")["result"]
    assert result["ok"] is True and result["changed"] is False, result["problems"]
    assert result["mode"] == "basic" and result["token_kind"] == "classic_api_token"
    assert result["cloud_id"] == jira.site.cloud_id and result["connection_url"] == jira.url
    assert result["account"]["email"] == jira.admin.email and result["account"]["active"] is True
    assert result["login_reason"] == "OK"
    assert result["permissions"] == {"ADMINISTER": True, "BROWSE_PROJECTS": True, "CREATE_ISSUES": True}
    assert [(probe["name"], probe["ok"]) for probe in result["probes"]] == [
        ("identity", True), ("read_work", True), ("search", True), ("admin", True), ("boards", True),
        ("sprints", True)]
    assert any("Australia" in warning and "OAuth" in warning for warning in result["warnings"])
    assert any("/rest/api/3/myself -> 200" in line for line in result["request_log"])
    assert facts(result) == facts(checked.task("check")["result"])


def test_wrong_token_is_refused_with_the_login_reason(ansible, jira):
    wrong = "wrong-token-%s-%s" % (jira.tag, os.urandom(8).hex())  # generated: no token-shaped literal in the repo
    run = ansible(play([check_task(**basic(jira))]), extra_vars={"token": wrong}, verbosity=3)
    assert run.rc != 0
    result = run.task("check")["result"]
    assert run.task("check")["status"] == "failed"
    assert "refused the API token of %s" % jira.admin.email in result["msg"]
    assert "X-Seraph-LoginReason: AUTHENTICATED_FAILED" in result["msg"]
    assert "gateway refused it too" in result["msg"]
    assert result["ok"] is False and result["token_kind"] is None
    run.assert_no_secret(wrong)


def test_captcha_tells_to_log_in_once_in_a_browser(ansible, jira):
    user = jira.site.add_user("locked-%s@example.com" % jira.tag, captcha=True)
    token = user.add_api_token()
    run = ansible(play([check_task(jira_url=jira.url, username=user.email, api_token="{{ token }}")]),
                  extra_vars={"token": token})
    result = run.task("check")["result"]
    assert run.task("check")["status"] == "failed"
    assert "CAPTCHA_CHALLENGE" in result["msg"] and "%s/login.jsp" % jira.url in result["msg"]
    run.assert_no_secret(token)


def test_scoped_token_on_the_site_url_is_detected_and_the_gateway_advised(ansible, jira):
    token = jira.admin.add_api_token(kind="scoped", scopes=["read:jira-work", "write:jira-work", "read:jira-user"])
    tasks = [
        check_task("detect", **basic(jira, required_scopes=["issues", "search", "users"])),
        dict(check_task("site connection", **basic(jira, required_scopes=["issues"], connection_url=jira.url)),
             ignore_errors=True),
    ]
    run = ansible(play(tasks), extra_vars={"token": token}, verbosity=3)
    run.assert_ok().assert_no_secret(token)
    result = run.task("detect")["result"]
    assert result["ok"] is True, result["problems"]
    assert result["token_kind"] == "scoped_api_token"
    assert result["connection_url"] == jira.gateway_url
    assert any("scoped API token" in warning and jira.gateway_url in warning for warning in result["warnings"])
    refused = run.task("site connection")
    assert refused["status"] == "ignored"
    assert "a scoped API token works only through the API gateway" in refused["result"]["msg"]
    assert "Set the connection URL to %s" % jira.gateway_url in refused["result"]["msg"]


def test_expired_token_says_tokens_expire(ansible, jira):
    token = jira.admin.add_api_token(expired=True)
    run = ansible(play([check_task(**basic(jira))]), extra_vars={"token": token})
    result = run.task("check")["result"]
    assert run.task("check")["status"] == "failed"
    assert "wrong, revoked or expired" in result["msg"] and "expire 1 to 365 days" in result["msg"]
    run.assert_no_secret(token)


def test_oauth_token_missing_two_required_scopes(ansible, jira):
    app = jira.cloud.add_oauth_app("snow-%s" % jira.tag, callback_urls=["https://dev1.service-now.com/cb"],
                                   scopes=SEED_MINUS_TWO)
    tokens = jira.cloud.issue_tokens(app, jira.admin)
    params = {"jira_url": jira.url, "access_token": "{{ access_token }}", "required_scopes": "seed"}
    tasks = [check_task(**params), check_task("report only", fail_on_problems=False, **params)]
    run = ansible(play(tasks, ignore_errors=True), extra_vars={"access_token": tokens["access_token"]},
                  verbosity=3)
    run.assert_no_secret(tokens["access_token"], tokens["refresh_token"])
    failed = run.task("check")
    assert failed["status"] == "ignored"
    assert "not granted 2 required scope(s)" in failed["result"]["msg"]
    assert "write:sprint:jira-software" in failed["result"]["msg"]
    assert "delete:sprint:jira-software" in failed["result"]["msg"]
    report = run.task("report only")
    assert report["status"] == "ok"
    result = report["result"]
    assert result["ok"] is False and result["mode"] == "oauth" and result["token_kind"] == "oauth_access_token"
    assert sorted(result["missing_scopes"]) == ["delete:sprint:jira-software", "write:sprint:jira-software"]
    assert result["granted_scopes"] == sorted(SEED_MINUS_TWO)
    assert result["unverified_scopes"] == ["offline_access"]
    assert result["cloud_id"] == jira.site.cloud_id and result["connection_url"] == jira.gateway_url
    # The token was only used: its refresh token still works for its holder.
    assert jira.cloud.token_info(tokens["access_token"]).expired is False


def test_typo_in_a_configured_scope_names_the_nearest_valid_one(ansible):
    configured = ["manage:jira-configuration manage:jira-project manage:jira-webhook read:jira-wrok",
                  "read:jira-user", "write:jira-work", "delete:sprint:jira-software", "read:issue-details:jira",
                  "read:jql:jira", "read:sprint:jira-software", "write:sprint:jira-software",
                  "read:board-scope:jira-software", "read:project:jira", "offline_access"]
    run = ansible(play([check_task(configured_scopes=configured, required_scopes="seed")]))
    result = run.task("check")["result"]
    assert run.task("check")["status"] == "failed"
    assert "'read:jira-wrok' (did you mean 'read:jira-work'?)" in result["msg"]
    assert result["mode"] == "offline"
    assert result["missing_scopes"] == ["read:jira-work"]
    assert result["unknown_scopes"] == [{"scope": "read:jira-wrok", "suggestion": "read:jira-work",
                                         "source": "configured"}]


def test_unknown_site(ansible, jira):
    url = "https://nosuch-%s.atlassian.net" % jira.tag
    run = ansible(play([check_task(jira_url=url, username=jira.admin.email, api_token="{{ token }}")]),
                  extra_vars={"token": jira.token})
    result = run.task("check")["result"]
    assert run.task("check")["status"] == "failed"
    assert "There is no Jira Cloud site at %s" % url in result["msg"]
    assert result["cloud_id"] is None
    run.assert_no_secret(jira.token)


def test_rate_limit_is_waited_out(ansible, jira):
    jira.cloud.rate_limit_next(1, retry_after=1, host=jira.site)
    run = ansible(play([check_task(**basic(jira, retry_backoff=0.1))]), extra_vars={"token": jira.token},
                  verbosity=3).assert_ok()
    result = run.task("check")["result"]
    assert result["ok"] is True and result["retries"] == 1
    assert any("HTTP 429 (Retry-After 1); retry 1 of 4" in line for line in result["request_log"])
    run.assert_no_secret(jira.token)


def test_client_credentials_from_the_environment(ansible, jira):
    scopes = ["read:jira-work", "write:jira-work", "read:jira-user"]
    service = jira.cloud.add_oauth_app("bot-%s" % jira.tag, scopes=scopes, kind="service_account", sites=[jira.site])
    run = ansible(play([check_task(jira_url=jira.url, required_scopes=["issues", "users", "offline_access"])]),
                  env={"JIRA_CLIENT_ID": service.client_id, "JIRA_CLIENT_SECRET": service.client_secret},
                  verbosity=3).assert_ok()
    result = run.task("check")["result"]
    assert result["token_kind"] == "client_credentials" and result["ok"] is True, result["problems"]
    assert result["account"]["account_type"] == "app"
    run.assert_no_secret(service.client_secret)
