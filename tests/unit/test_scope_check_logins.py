"""jira_scope_check with basic auth never costs a failed login on the site for a token that works.

Each refused basic-auth login on a Jira Cloud site counts toward the account's CAPTCHA lock (the emulated site counts
them, and locks after AtlassianCloud.CAPTCHA_AFTER in a row). The check asks the gateway first, with the Cloud ID
from ``/_edge/tenant_info`` (no credentials), and the site only when the gateway refused. Whether the real gateway
accepts a classic API token is not documented, so every case runs against both emulated answers
(``classic_tokens_on_gateway``). The emulator's request log shows where each attempt went.
"""

import pytest

from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import TaskContext
from ansible_collections.snowspoke.jira.plugins.module_utils.jira import scope_check
from tests.emulator.atlassian import AtlassianCloud

DEFAULTS = {"required_scopes": ["issues"], "probes": False, "connection_url": None, "fail_on_problems": False,
            "configured_scopes": None, "validate_certs": True, "retries": 0, "retry_backoff": 0.01,
            "retry_max_wait": 5.0, "timeout": 10.0, "token_kind": "auto"}
SCOPES = ["read:jira-work", "write:jira-work", "read:jira-user"]
WORLDS = [False, True]  # does the gateway take classic tokens? (unknown: both)


@pytest.fixture(name="site")
def site_fixture(front, request):
    cloud = front.slot.app = AtlassianCloud()
    cloud.classic_tokens_on_gateway = request.param
    front.log.clear()
    site = cloud.add_site("acme")
    site.add_project("OPS", "Operations")
    return site


@pytest.fixture(name="check")
def check_fixture(front, tls_material, site):
    def run(user, token, **params):
        options = dict(DEFAULTS, proxy=front.proxy_url, ca_path=tls_material.ca_path, jira_url=site.url,
                       username=user.email, api_token=token)
        options.update(params)
        task = TaskContext(options, verbosity=3)
        return scope_check.run(task), task

    return run


def site_logins(front):
    """(path, status) of every authenticated call on the site (tenant_info needs none)."""
    return [(entry.path, entry.status) for entry in front.log.entries(host="acme.atlassian.net")
            if entry.path != "/_edge/tenant_info"]


@pytest.mark.parametrize("site", WORLDS, indirect=True)
def test_a_scoped_token_is_found_without_touching_the_site(front, site, check):
    user = site.add_user("admin@example.com", "Ada Admin", admin=True)
    token = user.add_api_token(kind="scoped", scopes=SCOPES)
    for _run in range(5):  # more runs than the CAPTCHA allows failures
        result, _task = check(user, token)
        assert result["token_kind"] == "scoped_api_token" and result["ok"] is True, result["problems"]
        assert result["connection_url"] == "https://api.atlassian.com/ex/jira/%s" % site.cloud_id
    assert site_logins(front) == []
    assert user.account.failed_logins_total == 0 and user.captcha is False


@pytest.mark.parametrize("site", WORLDS, indirect=True)
def test_a_classic_token_costs_no_failed_login(front, site, check):
    user = site.add_user("admin@example.com", "Ada Admin", admin=True)
    token = user.add_api_token()
    for _run in range(5):
        result, _task = check(user, token)
        assert result["ok"] is True, result["problems"]
        if site.cloud.classic_tokens_on_gateway:
            # Accepted at the gateway: taken for scoped, the gateway URL (which works for it) advised, and said so.
            assert result["token_kind"] == "scoped_api_token"
            assert any("token_kind: classic" in note for note in result["notes"])
        else:
            assert result["token_kind"] == "classic_api_token" and result["connection_url"] == site.url
    assert all(status == 200 for _path, status in site_logins(front))
    assert user.account.failed_logins_total == 0 and user.captcha is False


@pytest.mark.parametrize("site", WORLDS, indirect=True)
def test_token_kind_classic_asks_the_site_only(front, site, check):
    user = site.add_user("admin@example.com", "Ada Admin", admin=True)
    result, _task = check(user, user.add_api_token(), token_kind="classic")
    assert result["token_kind"] == "classic_api_token" and result["connection_url"] == site.url
    assert front.log.entries(host="api.atlassian.com") == []
    assert result["notes"] == []


@pytest.mark.parametrize("site", WORLDS, indirect=True)
def test_token_kind_scoped_asks_the_gateway_only(front, site, check):
    user = site.add_user("admin@example.com", "Ada Admin", admin=True)
    result, _task = check(user, user.add_api_token(kind="scoped", scopes=SCOPES), token_kind="scoped")
    assert result["token_kind"] == "scoped_api_token" and result["notes"] == []
    assert site_logins(front) == []
    wrong = user.add_api_token()  # a classic token declared scoped: refused at the gateway (or taken there)
    if site.cloud.classic_tokens_on_gateway:
        assert check(user, wrong, token_kind="scoped")[0]["ok"] is True
    else:
        result = check(user, wrong, token_kind="scoped")[0]
        assert result["ok"] is False and "where Atlassian documents classic tokens" in result["problems"][0]
    assert site_logins(front) == [] and user.account.failed_logins_total == 0


@pytest.mark.parametrize("site", WORLDS, indirect=True)
def test_a_wrong_token_costs_exactly_one_failed_login(front, site, check):
    user = site.add_user("admin@example.com", "Ada Admin", admin=True)
    user.add_api_token()
    result = check(user, "wrong-token-for-this-test")[0]
    assert result["ok"] is False and result["token_kind"] is None
    assert "gateway refused it too" in result["problems"][0]
    assert "X-Seraph-LoginReason: AUTHENTICATED_FAILED" in result["problems"][0]
    assert user.account.failed_logins_total == 1
    assert [status for _path, status in site_logins(front)] == [401]


@pytest.mark.parametrize("site", [False], indirect=True)
def test_the_emulated_site_locks_after_failed_logins_in_a_row(front, site, check):
    """The emulator's side of the guarantee: site refusals count, a success resets, the lock is a CAPTCHA."""
    user = site.add_user("admin@example.com", "Ada Admin", admin=True)
    token = user.add_api_token()
    for _attempt in range(site.cloud.captcha_after - 1):
        assert check(user, "wrong-token-for-this-test", token_kind="classic")[0]["ok"] is False
    assert check(user, token, token_kind="classic")[0]["ok"] is True
    assert user.account.failed_logins == 0 and user.captcha is False
    for _attempt in range(site.cloud.captcha_after):
        assert check(user, "wrong-token-for-this-test", token_kind="classic")[0]["ok"] is False
    assert user.captcha is True
    locked = check(user, token, token_kind="classic")[0]
    assert locked["ok"] is False and "CAPTCHA_CHALLENGE" in locked["problems"][0]
