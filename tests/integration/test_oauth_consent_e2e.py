"""The seed's Option 2 end to end on the emulators, "Get OAuth Token" included.

ansible-playbook creates the application registry, the OAuth 2.0 credential and the gateway connection (its Cloud
ID from the jira_cloud_id lookup); the ServiceNow emulator then plays the administrator's click (consent at the
Atlassian emulator, code exchange with the registry's client ID/secret and redirect URL, tokens stored in
``oauth_credential``); servicenow_oauth_token_info reports the consent, and jira_scope_check, given the access
token ServiceNow now holds, sees the granted scopes. No secret or token shows in any output.
"""

import hashlib

from tests.integration.conftest import play

SEED_CLASSIC = ["manage:jira-configuration", "manage:jira-project", "manage:jira-webhook", "read:jira-work",
                "read:jira-user", "write:jira-work"]
SEED_GRANULAR = ["delete:sprint:jira-software", "read:issue-details:jira", "read:jql:jira",
                 "read:sprint:jira-software", "write:sprint:jira-software", "read:board-scope:jira-software",
                 "read:project:jira"]
SEED = SEED_CLASSIC + SEED_GRANULAR + ["offline_access"]
REGISTRY = "Jira cloud OAuth app registry"
CREDENTIAL = "Jira cloud OAuth credential"
CONNECTION = "Jira cloud OAuth Connection"


def _access_token(instance):
    """The clear access token the instance stored for the credential (tests may read what the instance holds)."""
    rows = [row for row in instance.rows("oauth_credential") if row.get("type") == "access_token"]
    assert len(rows) == 1, rows
    return instance.clear_value("oauth_credential", rows[0]["sys_id"], "token_received")


def test_get_oauth_token_end_to_end(ansible, emulator, instance, request):
    tag = hashlib.sha1(request.node.nodeid.encode("utf-8")).hexdigest()[:10]
    cloud = emulator.atlassian
    site = cloud.add_site("e" + tag)
    admin = site.add_user("admin-%s@example.com" % tag, "Ada Admin", admin=True)
    site.add_project("OPS", "Operations")
    board = site.add_board("OPS board", project_key="OPS")
    site.add_sprint(board.id, "Sprint 1", "active")
    redirect_url = "%s/oauth_redirect.do" % instance.url
    app = cloud.add_oauth_app("ServiceNow %s" % tag, callback_urls=[redirect_url],
                              scopes=SEED_CLASSIC + SEED_GRANULAR)
    secrets = {"client_id": app.client_id, "client_secret": app.client_secret, "site": site.url}

    setup = [
        {"name": "registry", "snowspoke.jira.servicenow_oauth_registry": {
            "name": REGISTRY, "client_id": "{{ client_id }}", "client_secret": "{{ client_secret }}",
            "scopes": SEED}, "register": "registry"},
        {"name": "credential", "snowspoke.jira.servicenow_credential": {
            "name": CREDENTIAL, "type": "oauth_2_0_credentials", "oauth_registry": REGISTRY}},
        {"name": "connection", "snowspoke.jira.servicenow_http_connection": {
            "name": CONNECTION, "credential": CREDENTIAL,
            "connection_url": "https://api.atlassian.com/ex/jira/{{ lookup('snowspoke.jira.jira_cloud_id', site) }}",
            "attributes": {"api_version": "2", "server_type": "cloud"}}},
        {"name": "offline scope check", "snowspoke.jira.jira_scope_check": {
            "configured_scopes": "{{ registry.scopes | map(attribute='scope') | list }}",
            "required_scopes": "documented"}, "register": "offline"},
        {"name": "before consent", "snowspoke.jira.servicenow_oauth_token_info": {"credential": CREDENTIAL}},
    ]
    first = ansible(play(setup, instance=instance), extra_vars=secrets, verbosity=3).assert_ok()
    first.assert_no_secret(app.client_secret)
    assert first.task("registry")["result"]["redirect_url"] == redirect_url
    assert first.task("offline scope check")["result"]["ok"] is True
    before = first.task("before consent")["result"]
    assert before["consent_given"] is False and before["consent_url"]
    connections = [row for row in instance.rows("http_connection") if row.get("name") == CONNECTION]
    assert connections[0]["connection_url"] == "https://api.atlassian.com/ex/jira/%s" % site.cloud_id

    outcome = instance.consent(CREDENTIAL, atlassian_user=admin.email)  # the administrator's click
    assert outcome["ok"], outcome
    assert sorted(token["type"] for token in outcome["tokens"]) == ["access_token", "refresh_token"]
    access_token = _access_token(instance)
    info = cloud.token_info(access_token)
    assert info is not None and info.app is app and sorted(info.scopes) == sorted(SEED)

    after = [
        {"name": "after consent", "snowspoke.jira.servicenow_oauth_token_info": {"credential": CREDENTIAL}},
        {"name": "scopes granted", "snowspoke.jira.jira_scope_check": {
            "jira_url": "{{ site }}", "access_token": "{{ access_token }}", "required_scopes": "seed",
            "configured_scopes": SEED}},
    ]
    second = ansible(play(after, instance=instance), extra_vars=dict(secrets, access_token=access_token),
                     verbosity=3).assert_ok()
    second.assert_no_secret(app.client_secret, access_token)
    assert second.task("after consent")["result"]["consent_given"] is True
    result = second.task("scopes granted")["result"]
    assert result["ok"] is True, result["problems"]
    assert result["granted_scopes"] == sorted(SEED_CLASSIC + SEED_GRANULAR)
    assert result["missing_scopes"] == [] and result["not_granted_scopes"] == []
    assert result["unverified_scopes"] == ["offline_access"]
    assert result["cloud_id"] == site.cloud_id
    assert result["connection_url"] == connections[0]["connection_url"]
    assert result["account"]["email"] == admin.email
    assert all(probe["ok"] for probe in result["probes"]), result["probes"]
    # Checking used the token ServiceNow holds without refreshing it: ServiceNow's copy still works.
    assert cloud.token_info(access_token).expired is False
    assert [row["type"] for row in instance.rows("oauth_credential")].count("refresh_token") == 1
