"""The logic of jira_scope_check (``scope_check.run``) on a TaskContext, against the emulated Atlassian Cloud.

The integration tests run the module through ansible-playbook for each mode the issue lists; these cover the
decisions in between quickly: offline comparisons, option errors, connection URL advice, site selection with
OAuth, permissions, skipped probes.
"""

import pytest

from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import OptionError, SnowspokeError
from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import TaskContext
from ansible_collections.snowspoke.jira.plugins.module_utils.jira import scope_check, scopes
from tests.emulator.atlassian import AtlassianCloud

DEFAULTS = {"required_scopes": "seed", "probes": True, "connection_url": None, "fail_on_problems": False,
            "configured_scopes": None, "validate_certs": True, "retries": 0, "retry_backoff": 0.01,
            "retry_max_wait": 5.0, "timeout": 10.0}


@pytest.fixture(name="cloud")
def cloud_fixture(front):
    front.slot.app = AtlassianCloud()
    return front.slot.app


@pytest.fixture(name="check")
def check_fixture(front, tls_material):
    """``check(**params)`` runs the logic; returns (result, task)."""

    def run(**params):
        options = dict(DEFAULTS, proxy=front.proxy_url, ca_path=tls_material.ca_path)
        options.update(params)
        task = TaskContext(options, verbosity=3)
        return scope_check.run(task), task

    return run


def _acme(cloud, admin=True):
    site = cloud.add_site("acme")
    user = site.add_user("admin@example.com", "Ada Admin", admin=admin)
    site.add_project("OPS", "Operations")
    board = site.add_board("OPS board", project_key="OPS")
    site.add_sprint(board.id, "Sprint 1", "active")
    return site, user


# -- offline ----------------------------------------------------------------------------------------------------
def test_offline_compares_configured_with_required(check):
    configured = list(scopes.PRESETS["documented"]) + ["read:me"]
    configured.remove("write:sprint:jira-software")
    result, task = check(configured_scopes=configured)
    assert result["mode"] == "offline" and result["token_kind"] is None
    assert result["missing_scopes"] == ["write:sprint:jira-software"]
    assert result["extra_scopes"] == ["read:me"]
    assert result["ok"] is False and "write:sprint:jira-software" in result["problems"][0]
    assert result["probes"] == [] and task.lines == []  # no request at all


def test_offline_typo_names_the_nearest_scope_and_fails_by_default(check):
    with pytest.raises(SnowspokeError) as error:
        check(configured_scopes=["read:jira-wrok write:jira-work"], required_scopes=["issues"],
              fail_on_problems=True)
    exc = error.value
    assert "'read:jira-wrok' (did you mean 'read:jira-work'?)" in str(exc)
    assert "read:jira-work" in exc.details["missing_scopes"]
    assert exc.details["unknown_scopes"] == [{"scope": "read:jira-wrok", "suggestion": "read:jira-work",
                                              "source": "configured"}]


def test_offline_servicenow_default_notes_the_unconfirmed_scope(check):
    result, _task = check(configured_scopes=list(scopes.PRESETS["servicenow_default"]))
    assert result["ok"] is True
    assert result["unconfirmed_scopes"] == ["manage:jira-data-provider"]
    assert result["extra_scopes"] == ["manage:jira-data-provider", "read:me", "read:account"]
    assert any("manage:jira-data-provider" in note for note in result["notes"])


def test_a_typo_in_required_scopes_is_a_problem_too(check):
    result, _task = check(configured_scopes=["read:jira-work"], required_scopes=["read:jira-work", "raed:jira-user"])
    assert result["unknown_scopes"][0]["source"] == "required"
    assert "required_scopes names 1 unknown scope(s): 'raed:jira-user' (did you mean 'read:jira-user'?)" in \
        result["problems"][-1]


def test_nothing_to_check_is_an_option_error(check):
    with pytest.raises(OptionError):
        check()
    with pytest.raises(OptionError) as error:
        check(configured_scopes=["read:jira-work"], required_scopes="sprint")
    assert "did you mean 'sprints'" in str(error.value)


# -- basic ------------------------------------------------------------------------------------------------------
def test_classic_token_with_the_gateway_as_connection_url_is_a_problem(check, cloud):
    site, user = _acme(cloud)
    result, task = check(jira_url=site.url, username=user.email, api_token=user.add_api_token(),
                         connection_url="https://api.atlassian.com/ex/jira/%s" % site.cloud_id)
    assert result["token_kind"] == "classic_api_token" and result["connection_url"] == site.url
    assert result["problems"] == [
        "The spoke's connection URL https://api.atlassian.com/ex/jira/%s is not where this token works: Atlassian "
        "documents classic API tokens on the site URL. Set the connection URL to %s "
        "(snowspoke.jira.servicenow_http_connection connection_url)." % (site.cloud_id, site.url)]
    assert any("Australia" in warning for warning in task.warnings)


def test_probes_off_keeps_identity_and_permissions(check, cloud):
    site, user = _acme(cloud)
    result, _task = check(jira_url=site.url, username=user.email, api_token=user.add_api_token(), probes=False)
    assert [probe["name"] for probe in result["probes"]] == ["identity", "admin"]
    assert result["permissions"] == {"ADMINISTER": True, "BROWSE_PROJECTS": True, "CREATE_ISSUES": True}
    assert result["ok"] is True


def test_a_non_admin_account_fails_the_admin_scope_only(check, cloud):
    site, user = _acme(cloud, admin=False)
    token = user.add_api_token()
    result, _task = check(jira_url=site.url, username=user.email, api_token=token)
    assert result["permissions"]["ADMINISTER"] is False
    assert len(result["problems"]) == 1 and "lacks the Jira permission ADMINISTER" in result["problems"][0]
    result, _task = check(jira_url=site.url, username=user.email, api_token=token,
                          required_scopes=["issues", "search"])
    assert result["ok"] is True


def test_scoped_token_without_identity_scopes_is_still_detected(check, cloud):
    site, user = _acme(cloud)
    token = user.add_api_token(kind="scoped", scopes=["read:jira-work"])
    result, _task = check(jira_url=site.url, username=user.email, api_token=token, required_scopes=["issues"])
    assert result["token_kind"] == "scoped_api_token"
    assert result["connection_url"] == "https://api.atlassian.com/ex/jira/%s" % site.cloud_id
    identity = result["probes"][0]
    assert identity["name"] == "identity" and identity["ok"] is False and identity["expected"] is False
    assert result["ok"] is True  # the issues group does not need read:jira-user


# -- OAuth ------------------------------------------------------------------------------------------------------
def test_oauth_token_for_another_site_names_the_sites_it_reaches(check, cloud):
    site, user = _acme(cloud)
    other = cloud.add_site("beta")
    other.add_member(user.account)
    app = cloud.add_oauth_app("snow", callback_urls=["https://x.example.com/cb"], scopes=["read:jira-work"])
    token = cloud.issue_tokens(app, user, sites=["beta"])["access_token"]
    result, _task = check(jira_url=site.url, access_token=token, required_scopes=["read:jira-work"])
    assert result["cloud_id"] == site.cloud_id
    assert "does not reach https://acme.atlassian.net" in result["problems"][0]
    assert other.url in result["problems"][0]
    both = cloud.issue_tokens(app, user)["access_token"]
    result, _task = check(access_token=both, required_scopes=["read:jira-work"])
    assert "several sites" in result["problems"][0] and "set jira_url" in result["problems"][0]


def test_oauth_without_jira_url_uses_the_only_site_and_checks_read_me(check, cloud):
    site, user = _acme(cloud)
    app = cloud.add_oauth_app("snow", callback_urls=["https://x.example.com/cb"],
                              scopes=["read:jira-work", "read:jira-user", "read:me"])
    token = cloud.issue_tokens(app, user)["access_token"]
    result, _task = check(access_token=token, required_scopes=["read:jira-work", "read:me", "offline_access"],
                          configured_scopes=["read:jira-work", "write:jira-work"])
    assert (result["site"], result["cloud_id"]) == (site.url, site.cloud_id)
    assert "read:me" in result["granted_scopes"] and result["missing_scopes"] == []
    assert result["unverified_scopes"] == ["offline_access"]
    assert result["not_granted_scopes"] == ["write:jira-work"]
    assert result["account"]["display_name"] == "Ada Admin"
    skipped = [probe["name"] for probe in result["probes"] if probe["ok"] is None]
    assert skipped == ["boards", "sprints"]  # not granted, so not called
    assert result["ok"] is False and "consent predates them" in result["problems"][0]


def test_client_credentials_do_not_require_offline_access(check, cloud):
    site, _user = _acme(cloud)
    service = cloud.add_oauth_app("bot", scopes=list(scopes.PRESETS["sprints"]) + ["read:jira-user"],
                                  kind="service_account", sites=["acme"])
    result, _task = check(jira_url=site.url, client_id=service.client_id, client_secret=service.client_secret,
                          required_scopes=["sprints", "offline_access"])
    assert result["token_kind"] == "client_credentials"
    assert result["missing_scopes"] == [] and result["ok"] is True, result["problems"]
    assert any("offline_access is not needed" in note for note in result["notes"])


def test_a_gateway_connection_url_tries_the_gateway_first(check, cloud, front):
    site, user = _acme(cloud)
    token = user.add_api_token(kind="scoped", scopes=["read:jira-work", "read:jira-user"])
    gateway = "https://api.atlassian.com/ex/jira/%s" % site.cloud_id
    front.log.clear()
    result, _task = check(jira_url=site.url, username=user.email, api_token=token, connection_url=gateway,
                          required_scopes=["issues"])
    assert result["token_kind"] == "scoped_api_token" and result["ok"] is True, result["problems"]
    # No failed login on the site: a scoped token there only adds to the failed logins that lead to a CAPTCHA.
    assert [entry.status for entry in front.log.entries(host=site.host, path="/rest/")] == []
