"""The roles' tags and TLS variables, as their READMEs document them: `--tags preflight` checks everything and
writes nothing; `--tags summary` (without `setup`) shows the summary of that check; `--skip-tags summary` sets up
without the summary; a run without tags never runs the check-mode task. `<role>_jira_ca_path` is the only trust
anchor the Jira side needs, with SN_CA_PATH for the ServiceNow side (no REQUESTS_CA_BUNDLE to fall back on)."""

import yaml

from tests.integration.conftest import connection
from tests.integration.test_roles import SEED_SCOPES

NO_BUNDLE = {"REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": "", "SSL_CERT_FILE": ""}
PREFLIGHT = "Pre-flight - the whole set-up in check mode, nothing written"


def role_play(instance, role, variables):
    return yaml.safe_dump([{
        "name": "Jira spoke", "hosts": "localhost", "connection": "local", "gather_facts": False,
        "module_defaults": {"group/snowspoke.jira.servicenow": {"instance": connection(instance)}},
        "roles": [dict({"role": "snowspoke.jira." + role}, **variables)]}], sort_keys=False)


def tasks_run(run):
    """The role's tasks that ran (the argument validation Ansible adds to every role is tagged always)."""
    names = [entry["task"].split(" : ", 1)[-1] for entry in run.results if entry["status"] != "skipped"]
    return [name for name in names if not name.startswith("Validating arguments against arg spec")]


def test_basic_setup_tags(ansible, emulator, instance):
    site = emulator.atlassian.add_site("tags-" + instance.name)
    user = site.add_user("bot@%s.example" % instance.name, admin=True)
    token = user.add_api_token(kind="classic")
    playbook = role_play(instance, "basic_setup", {
        "basic_setup_sites": [{"name": "acme", "url": site.url, "username": user.email, "api_token": token}],
        "basic_setup_jira_ca_path": emulator.ca_path})
    env = dict(NO_BUNDLE, SN_CA_PATH=emulator.ca_path)

    preflight = ansible(playbook, env=env, args=["--tags", "preflight"]).assert_ok()
    assert tasks_run(preflight) == [PREFLIGHT]
    # Check mode: "changed" says the set-up would change something; nothing was written.
    assert preflight.task(PREFLIGHT)["status"] == "changed" and not emulator.log.writes(label=instance.name)
    assert preflight.task(PREFLIGHT)["result"]["check_mode"] is True

    status = ansible(playbook, env=env, args=["--tags", "summary"]).assert_ok()
    assert tasks_run(status) == [PREFLIGHT, "Summary"]
    summary = status.task("Summary")["result"]["msg"]
    assert summary["check_mode"] is True and summary["changes"], summary
    assert not emulator.log.writes(label=instance.name)

    quiet = ansible(playbook, env=env, args=["--skip-tags", "summary"]).assert_ok()
    assert tasks_run(quiet) == ["Connect the Jira sites with API tokens (Option 1)"]
    assert quiet.changed == 1 and emulator.log.writes(label=instance.name)
    writes = len(emulator.log.writes(label=instance.name))

    converged = ansible(playbook, env=env, args=["--tags", "summary"]).assert_ok()
    summary = converged.task("Summary")["result"]["msg"]
    assert summary["check_mode"] is True and summary["changes"] == [], summary
    assert summary["connections"] == ["Jira acme connection -> %s (shipped alias sn_jira_spoke.Jira)" % site.url]

    both = ansible(playbook, env=env, args=["--tags", "setup,summary"]).assert_ok()
    assert tasks_run(both) == ["Connect the Jira sites with API tokens (Option 1)", "Summary"]
    plain = ansible(playbook, env=env).assert_ok()
    assert tasks_run(plain) == ["Connect the Jira sites with API tokens (Option 1)", "Summary"]
    assert plain.changed == 0 and plain.task("Summary")["result"]["msg"]["check_mode"] is False
    assert len(emulator.log.writes(label=instance.name)) == writes
    for run in (preflight, status, quiet, converged, both, plain):
        run.assert_no_secret(token, instance.admin_password)


def test_basic_setup_preflight_tag_stops_on_a_bad_token(ansible, emulator, instance):
    site = emulator.atlassian.add_site("tagsbad-" + instance.name)
    user = site.add_user("bot@%s.example" % instance.name, admin=True)
    user.add_api_token(kind="classic")
    playbook = role_play(instance, "basic_setup", {"basic_setup_sites": [
        {"name": "acme", "url": site.url, "username": user.email, "api_token": "not-the-token-of-this-user"}]})
    run = ansible(playbook, args=["--tags", "preflight"])
    assert run.rc != 0 and run.failed and run.failed[0]["task"].endswith(PREFLIGHT)
    assert not emulator.log.writes(label=instance.name)


def test_oauth_setup_jira_ca_path_reaches_every_jira_call(ansible, emulator, instance):
    """Client credentials: the Cloud ID, the token at auth.atlassian.com and the scope probes at the gateway, with
    only oauth_setup_jira_ca_path to trust the emulator's CA on the Jira side; without it the run stops, named."""
    site = emulator.atlassian.add_site("tagscc-" + instance.name)
    app = emulator.atlassian.add_oauth_app("ServiceNow service account",
                                           scopes=[s for s in SEED_SCOPES if s != "offline_access"],
                                           kind="service_account", sites=[site.name])
    site.user(app.account.email).admin = True
    variables = {"oauth_setup_grant_type": "client_credentials", "oauth_setup_sites": [
        {"name": "ops", "url": site.url, "client_id": app.client_id, "client_secret": app.client_secret}]}
    env = dict(NO_BUNDLE, SN_CA_PATH=emulator.ca_path)

    untrusted = ansible(role_play(instance, "oauth_setup", variables), env=env)
    assert untrusted.rc != 0 and "TLS verification failed" in untrusted.failed[0]["result"]["msg"]
    assert not emulator.log.writes(label=instance.name)

    playbook = role_play(instance, "oauth_setup", dict(variables, oauth_setup_jira_ca_path=emulator.ca_path))
    first = ansible(playbook, env=env).assert_ok()
    assert first.changed == 1
    result = first.task("Connect the Jira sites with OAuth 2.0 (Option 2)")["result"]
    assert result["sites"][0]["jira"]["cloud_id"] == site.cloud_id
    assert ansible(playbook, env=env).assert_ok().changed == 0
    first.assert_no_secret(app.client_secret, instance.admin_password)
