"""The roles through playbooks/site.yml, audit.yml and teardown.yml, on the emulators: basic, OAuth with two Jira
sites, client credentials; rerun changed=0, check run without writes, teardown leaving nothing the role created,
and a pre-flight failure with zero writes."""

import os

import pytest
import yaml

from tests.conftest import REPO
from tests.support.playbooks import PlaybookRun  # noqa: F401  pylint: disable=unused-import

SITE = os.path.join(REPO, "playbooks", "site.yml")
AUDIT = os.path.join(REPO, "playbooks", "audit.yml")
TEARDOWN = os.path.join(REPO, "playbooks", "teardown.yml")
SEED_SCOPES = [
    "manage:jira-configuration", "manage:jira-project", "manage:jira-webhook", "read:jira-work", "read:jira-user",
    "write:jira-work", "delete:sprint:jira-software", "read:issue-details:jira", "read:jql:jira",
    "read:sprint:jira-software", "write:sprint:jira-software", "read:board-scope:jira-software",
    "read:project:jira", "offline_access",
]
# Records a role creates, by table: teardown must leave none of them (and the shipped alias untouched).
OWNED = ("oauth_entity", "oauth_entity_scope", "oauth_entity_profile", "oauth_entity_profile_scope",
         "basic_auth_credentials", "oauth_2_0_credentials", "http_connection", "sys_variable_value",
         "oauth_credential", "oauth_requestor_profile")


def inventory(instance, option, sites, **host_vars):
    host = dict(snowspoke_instance={"host": instance.url, "username": instance.admin_user,
                                    "password": instance.admin_password},
                snowspoke_option=option, snowspoke_jira_sites=sites, **host_vars)
    return yaml.safe_dump({"all": {"children": {"servicenow": {"hosts": {instance.name: host}}}}})


def snapshot(instance):
    return dict((table, sorted(r["sys_id"] for r in instance.records(table))) for table in OWNED + ("sys_alias",))


def lifecycle(ansible, emulator, instance, inv, secrets, after_first=None):
    """check → apply → rerun (changed=0) → check (zero writes) → teardown → rerun teardown (changed=0)."""
    before = snapshot(instance)
    check = ansible(SITE, inventory=inv, check=True, diff=True)
    check.assert_ok()
    assert not emulator.log.writes(label=instance.name), "the first check run wrote"
    first = ansible(SITE, inventory=inv).assert_ok()
    assert first.changed > 0
    if after_first:
        after_first()
    second = ansible(SITE, inventory=inv).assert_ok()
    assert second.changed == 0, [(e["task"], e["status"]) for e in second.results if e["status"] == "changed"]
    writes = len(emulator.log.writes(label=instance.name))
    audit = ansible(AUDIT, inventory=inv, verbosity=3).assert_ok()
    assert audit.changed == 0
    assert len(emulator.log.writes(label=instance.name)) == writes, "the audit wrote"
    for run in (check, first, second, audit):
        run.assert_no_secret(*secrets)
    down = ansible(TEARDOWN, inventory=inv).assert_ok()
    assert down.changed > 0
    assert ansible(TEARDOWN, inventory=inv).assert_ok().changed == 0
    assert snapshot(instance) == before, "teardown left records the role created (or removed others)"
    return first


def test_basic_setup(ansible, emulator, instance):
    cloud = emulator.atlassian
    site = cloud.add_site("basic-" + instance.name)
    user = site.add_user("bot@%s.example" % instance.name, admin=True)
    token = user.add_api_token(kind="classic")
    inv = inventory(instance, "basic", [{"name": "acme", "url": site.url, "username": user.email,
                                         "api_token": token}])
    first = lifecycle(ansible, emulator, instance, inv, [token, instance.admin_password])
    summary = first.task("Summary")["result"]["msg"]
    assert summary["connections"] == ["Jira acme connection -> %s (shipped alias sn_jira_spoke.Jira)" % site.url]


def test_oauth_setup_two_sites(ansible, emulator, instance):
    cloud = emulator.atlassian
    redirect = "%s/oauth_redirect.do" % instance.url
    sites, secrets = [], [instance.admin_password]
    for name in ("acme", "beta"):
        site = cloud.add_site("%s-%s" % (name, instance.name))
        app = cloud.add_oauth_app("ServiceNow %s" % name, callback_urls=[redirect], scopes=SEED_SCOPES)
        sites.append({"name": name, "url": site.url, "client_id": app.client_id, "client_secret": app.client_secret})
        secrets.append(app.client_secret)
    inv = inventory(instance, "oauth", sites)

    def consent():
        admin = cloud.site("acme-" + instance.name).add_user("admin@%s.example" % instance.name, admin=True)
        cloud.site("beta-" + instance.name).add_user(admin.email, admin=True)
        for name in ("acme", "beta"):
            assert instance.consent("Jira %s OAuth credential" % name, atlassian_user=admin.email)["ok"]

    first = lifecycle(ansible, emulator, instance, inv, secrets, after_first=consent)
    consents = [entry["consent"] for entry in first.task("Jira spoke set-up")["result"]["sites"]]
    assert [c["consent_given"] for c in consents] == [False, False]
    assert all(c["consent_url"].startswith(instance.url + "/oauth_initiator.do?") for c in consents)


def test_oauth_client_credentials(ansible, emulator, instance):
    cloud = emulator.atlassian
    site = cloud.add_site("ops-" + instance.name)
    app = cloud.add_oauth_app("ServiceNow service account", scopes=[s for s in SEED_SCOPES if s != "offline_access"],
                              kind="service_account", sites=[site.name])
    site.user(app.account.email).admin = True  # the documented scopes include admin actions (ADMINISTER)
    inv = inventory(instance, "oauth", [{"name": "ops", "url": site.url, "client_id": app.client_id,
                                         "client_secret": app.client_secret}],
                    snowspoke_grant_type="client_credentials")
    first = lifecycle(ansible, emulator, instance, inv, [app.client_secret, instance.admin_password])
    consents = [entry["consent"] for entry in first.task("Jira spoke set-up")["result"]["sites"]]
    assert consents[0]["grant_type"] == "client_credentials" and consents[0]["consent_url"] is None


@pytest.mark.parametrize("switch", [{"spoke_active": False}, {"plugins_active": False}])
def test_missing_prerequisite_stops_before_any_write(ansible, emulator, instance, switch):
    instance.set_options(**switch)
    inv = inventory(instance, "oauth", [{"name": "acme", "url": "https://acme.atlassian.net", "client_id": "x",
                                         "client_secret": "not-used-secret"}])
    run = ansible(SITE, inventory=inv)
    assert run.rc != 0
    assert not emulator.log.writes(label=instance.name)
    failed = run.failed[0]
    assert failed["task"] == "Jira spoke set-up" and "is not ready for the Jira spoke set-up" in failed["result"]["msg"]
    assert "activate it" in failed["result"]["msg"]
    run.assert_no_secret("not-used-secret", instance.admin_password)


def test_basic_setup_with_a_scoped_token_uses_the_gateway(ansible, emulator, instance):
    site = emulator.atlassian.add_site("scoped-" + instance.name)
    user = site.add_user("bot@%s.example" % instance.name, admin=True)
    token = user.add_api_token(kind="scoped", scopes=SEED_SCOPES)
    inv = inventory(instance, "basic", [{"name": "acme", "url": site.url, "username": user.email,
                                         "api_token": token}])
    run = ansible(SITE, inventory=inv).assert_ok()
    connection = instance.records("http_connection")[0]
    assert connection["connection_url"] == "https://api.atlassian.com/ex/jira/%s" % site.cloud_id
    assert run.task("Summary")["result"]["msg"]["connections"] == [
        "Jira acme connection -> https://api.atlassian.com/ex/jira/%s (shipped alias sn_jira_spoke.Jira)" % site.cloud_id]
    run.assert_no_secret(token)


def test_oauth_setup_probes_granted_scopes_with_a_given_access_token(ansible, emulator, instance):
    cloud = emulator.atlassian
    site = cloud.add_site("probe-" + instance.name)
    admin = site.add_user("admin@%s.example" % instance.name, admin=True)
    app = cloud.add_oauth_app("ServiceNow probe", callback_urls=["%s/oauth_redirect.do" % instance.url],
                              scopes=SEED_SCOPES)
    # The administrator's own token for the app, missing two of the documented scopes.
    granted = [scope for scope in SEED_SCOPES if scope not in ("read:jql:jira", "write:sprint:jira-software")]
    token = cloud.issue_tokens(app, admin, scopes=granted)["access_token"]
    inv = inventory(instance, "oauth", [{"name": "acme", "url": site.url, "client_id": app.client_id,
                                         "client_secret": app.client_secret, "access_token": token}])
    run = ansible(SITE, inventory=inv)
    assert run.rc != 0 and not emulator.log.writes(label=instance.name)
    # The module masks the secrets itself (no task-level no_log): the failure names what is missing.
    message = run.failed[0]["result"]["msg"]
    assert "read:jql:jira" in message and "write:sprint:jira-software" in message
    run.assert_no_secret(token, app.client_secret)


def test_an_instance_credential_is_not_sent_to_another_instance(ansible, emulator, instance):
    """An AWX credential bound to one instance (SN_HOST) attached to a job over the whole inventory."""
    inv = inventory(instance, "basic", [{"name": "acme", "url": "https://acme.atlassian.net",
                                         "username": "bot@example.test", "api_token": "unused-token-value"}])
    run = ansible(SITE, inventory=inv, env={"SN_HOST": "https://other-instance.service-now.com",
                                            "SN_PASSWORD": "other-instance-password"})
    assert run.rc != 0
    assert "the credential is for one instance only" in run.output
    assert not emulator.log.entries(label=instance.name)
    run.assert_no_secret("other-instance-password", "unused-token-value")


def test_audit_reports_drift_and_pending_consent(ansible, emulator, instance):
    cloud = emulator.atlassian
    site = cloud.add_site("audit-" + instance.name)
    app = cloud.add_oauth_app("ServiceNow audit", callback_urls=["%s/oauth_redirect.do" % instance.url],
                              scopes=SEED_SCOPES)
    inv = inventory(instance, "oauth", [{"name": "acme", "url": site.url, "client_id": app.client_id,
                                         "client_secret": app.client_secret}])
    ansible(SITE, inventory=inv).assert_ok()
    connection = instance.records("http_connection")[0]
    instance.tamper("http_connection", connection["sys_id"], connection_url="https://old.atlassian.net")
    scope = [r for r in instance.records("oauth_entity_scope") if r["oauth_entity_scope"] == "read:jql:jira"][0]
    instance.delete("oauth_entity_scope", scope["sys_id"])
    writes = len(emulator.log.writes(label=instance.name))
    audit = ansible(AUDIT, inventory=inv).assert_ok()
    assert len(emulator.log.writes(label=instance.name)) == writes
    summary = audit.task("Summary")["result"]["msg"]
    assert ("update http_connection 'Jira acme connection': connection_url 'https://old.atlassian.net' -> "
            "'https://api.atlassian.com/ex/jira/%s'" % site.cloud_id) in summary["changes"]
    assert "update oauth_entity_scope of 'Jira acme OAuth registry': add read:jql:jira" in summary["changes"]
    assert len(summary["browser_step_pending"]) == 1
    assert summary["browser_step_pending"][0].startswith(instance.url + "/oauth_initiator.do?")
    audit.assert_no_secret(app.client_secret, instance.admin_password)


def test_an_instance_without_the_spoke_stops_in_pre_flight(ansible, emulator, request):
    instance = emulator.servicenow.add_instance("nospoke%d" % (abs(hash(request.node.nodeid)) % 10 ** 6),
                                                spoke_installed=False)
    try:
        inv = inventory(instance, "basic", [{"name": "acme", "url": "https://acme.atlassian.net",
                                             "username": "bot@example.test", "api_token": "never-sent-token"}])
        run = ansible(SITE, inventory=inv)
        assert run.rc != 0 and not emulator.log.writes(label=instance.name)
        message = run.failed[0]["result"]["msg"]
        assert "The Jira spoke (sn_jira_spoke) is not installed" in message
        assert "alias sn_jira_spoke.Jira is missing" in message
        run.assert_no_secret("never-sent-token", instance.admin_password)
    finally:
        emulator.servicenow.remove_instance(instance.name)
