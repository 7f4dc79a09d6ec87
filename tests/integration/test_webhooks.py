"""The webhook_setup role and the two webhook modules through real ansible-playbook runs on the emulators: a basic site
(admin webhook, HMAC-based callback) and an OAuth site (dynamic webhook, token-based callback) on one instance;
check runs write nothing on either side, a rerun changes nothing, the emulated Jira's events reach the emulated
ServiceNow callback and are accepted, a wrong token or signature is refused, teardown removes both sides; an
instance without the registry table stops before writing, naming the fact."""

import hashlib
import hmac
import json
import os
import secrets

import requests
import yaml

from tests.integration.conftest import connection, play
from tests.integration.test_servicenow_common import task

WEBHOOK_TABLES = ("token_verification", "sn_jira_spoke_webhook_registry")


def token():
    return "wh-" + secrets.token_urlsafe(24)


def role_play(instance, sites, state="present", **variables):
    body = {"hosts": "localhost", "gather_facts": False,
            "module_defaults": {"group/snowspoke.jira.servicenow": {"instance": connection(instance)}},
            "roles": [dict({"role": "snowspoke.jira.webhook_setup", "webhook_setup_sites": sites,
                            "webhook_setup_state": state}, **variables)]}
    return yaml.safe_dump([body], sort_keys=False)


def snapshot(instance):
    return dict((table, sorted(row["sys_id"] for row in instance.records(table))) for table in WEBHOOK_TABLES)


def jira_writes(emulator, site):
    """Writes to the emulated Jira for one site: its admin webhooks (site URL) and dynamic ones (gateway path)."""
    return emulator.log.writes(label=site.name) + emulator.log.writes(label="api", path=site.cloud_id)


def post(emulator, url, body, headers=None):
    """A request as Jira would send it to a ServiceNow callback URL, through the emulator front."""
    return requests.post(url, data=body, headers=dict({"Content-Type": "application/json"}, **(headers or {})),
                         proxies={"https": emulator.proxy_url}, verify=emulator.ca_path, timeout=10)


def test_webhook_setup_basic_and_oauth_sites(ansible, emulator, instance):
    cloud, fleet = emulator.atlassian, emulator.servicenow
    basic = cloud.add_site("whb-" + instance.name)
    admin = basic.add_user("admin@%s.example" % instance.name, admin=True)
    api_token = admin.add_api_token()
    oauth = cloud.add_site("who-" + instance.name)
    owner = oauth.add_user("owner@%s.example" % instance.name, admin=True)
    app = cloud.add_oauth_app("ServiceNow webhooks %s" % instance.name, scopes=["read:jira-work", "manage:jira-webhook"])
    access = cloud.issue_tokens(app, owner)["access_token"]
    for site in (basic, oauth):
        site.add_project("OPS")
    tokens = {"acme": token(), "beta": token()}
    sites = [{"name": "acme", "url": basic.url, "username": admin.email, "api_token": api_token,
              "token": tokens["acme"], "events": ["jira:issue_created", "jira:issue_updated"]},
             {"name": "beta", "url": oauth.url, "access_token": access, "token": tokens["beta"], "jql": "project = OPS"}]
    secret_values = [api_token, access, instance.admin_password] + list(tokens.values())
    before = snapshot(instance)

    check = ansible(role_play(instance, sites), check=True, diff=True).assert_ok()
    assert not emulator.log.writes(label=instance.name), "the check run wrote to ServiceNow"
    assert not jira_writes(emulator, basic) + jira_writes(emulator, oauth), "the check run wrote to Jira"
    assert check.changed == 2
    predicted = check.task("Summary")["result"]["msg"]
    assert predicted["check_mode"] is True
    assert predicted["webhooks"][0].startswith("acme: HMAC-based callback %s/api/sn_jira_spoke/jira_webhook_callbacks/"
                                               "wh_entry (derived) <- Jira admin webhook" % instance.url)
    assert "create jira dynamic webhook" in " ".join(predicted["changes"])

    first = ansible(role_play(instance, sites), diff=True).assert_ok()
    assert first.changed == 2
    summary = first.task("Summary")["result"]["msg"]
    assert summary["webhooks"] == [
        "acme: HMAC-based callback %s/api/sn_jira_spoke/jira_webhook_callbacks/wh_entry (shown by the instance) <- "
        "Jira admin webhook 'ServiceNow localhost acme' on %s" % (instance.url, basic.url),
        "beta: token-based callback %s/api/sn_jira_spoke/jira_webhook_callbacks/wh_entry?token=******** (shown by the "
        "instance) <- Jira dynamic webhook id %s on %s until %s" % (
            instance.url, list(oauth.dynamic_webhooks)[0], oauth.url,
            first.task("Register the webhooks in Jira (admin webhooks with an API token, dynamic ones with OAuth)")[
                "result"]["results"][1]["webhook"]["expires"])]
    registries = instance.records("sn_jira_spoke_webhook_registry")
    assert sorted((r["name"], r["callback_type"]) for r in registries) == [
        ("Jira acme webhook", "hmac_based"), ("Jira beta webhook", "token_based")]
    tokens_stored = dict((r["name"], instance.clear_value("token_verification", r["sys_id"], "token"))
                         for r in instance.records("token_verification"))
    assert tokens_stored == {"Jira acme webhook token": tokens["acme"], "Jira beta webhook token": tokens["beta"]}
    [admin_hook] = basic.admin_webhooks.values()
    assert admin_hook.secret == tokens["acme"] and admin_hook.events == ["jira:issue_created", "jira:issue_updated"]
    [dynamic_hook] = oauth.dynamic_webhooks.values()
    assert dynamic_hook.url.endswith("?token=" + tokens["beta"]) and dynamic_hook.jql == "project = OPS"

    second = ansible(role_play(instance, sites)).assert_ok()
    assert second.changed == 0, [(e["task"], e["status"]) for e in second.results if e["status"] == "changed"]
    assert len(basic.admin_webhooks) == 1 and len(oauth.dynamic_webhooks) == 1, "a rerun registered a second webhook"

    # Jira's events reach ServiceNow and are accepted: signed (admin webhook), token in the URL (dynamic).
    for site in (basic, oauth):
        issue = site.add_issue("OPS", "Printer on fire")
        [delivery] = cloud.fire(site, "jira:issue_created", issue)
        assert delivery["status"] == 200, delivery
    events = fleet.webhook_events[instance.name]
    assert [(e["accepted"], e["registry"], e["callback_type"], e["signed"]) for e in events] == [
        (True, "Jira acme webhook", "hmac", True), (True, "Jira beta webhook", "token", False)]
    assert events[0]["body"]["issue"]["fields"]["summary"] == "Printer on fire"
    # ... and refused with a wrong signature or token.
    body = json.dumps({"webhookEvent": "jira:issue_created"}).encode()
    callback = "%s/api/sn_jira_spoke/jira_webhook_callbacks/wh_entry" % instance.url
    forged = "sha256=" + hmac.new(b"not-the-token-at-all", body, hashlib.sha256).hexdigest()
    assert post(emulator, callback, body, {"X-Hub-Signature": forged}).status_code == 401
    assert post(emulator, callback + "?token=" + token(), body).status_code == 401
    assert post(emulator, callback, body).status_code == 401
    assert [e["accepted"] for e in fleet.webhook_events[instance.name][2:]] == [False, False, False]

    down = ansible(role_play(instance, sites, state="absent"), diff=True).assert_ok()
    assert down.changed == 2
    assert snapshot(instance) == before
    assert not basic.admin_webhooks and not oauth.dynamic_webhooks
    again = ansible(role_play(instance, sites, state="absent")).assert_ok()
    assert again.changed == 0
    for run in (check, first, second, down, again):
        run.assert_no_secret(*secret_values)


def test_a_changed_event_list_updates_the_one_webhook_on_both_kinds(ansible, emulator, instance):
    cloud = emulator.atlassian
    basic = cloud.add_site("whu-" + instance.name)
    admin = basic.add_user("admin@%s.example" % instance.name, admin=True)
    api_token = admin.add_api_token()
    oauth = cloud.add_site("whv-" + instance.name)
    owner = oauth.add_user("owner@%s.example" % instance.name, admin=True)
    app = cloud.add_oauth_app("ServiceNow update %s" % instance.name, scopes=["read:jira-work", "manage:jira-webhook"])
    access = cloud.issue_tokens(app, owner)["access_token"]
    values = {"acme": token(), "beta": token()}
    sites = [{"name": "acme", "url": basic.url, "username": admin.email, "api_token": api_token,
              "token": values["acme"]},
             {"name": "beta", "url": oauth.url, "access_token": access, "token": values["beta"], "jql": "project = A"}]
    ansible(role_play(instance, sites)).assert_ok()
    sites[0]["events"] = sites[1]["events"] = ["jira:issue_created", "comment_created"]
    sites[1]["jql"] = "project = B"
    check = ansible(role_play(instance, sites), check=True, diff=True).assert_ok()
    writes = len(jira_writes(emulator, basic) + jira_writes(emulator, oauth))
    changes = check.task("Summary")["result"]["msg"]["changes"]
    assert ("update jira admin webhook 'ServiceNow localhost acme': events ['jira:issue_created', "
            "'jira:issue_deleted', 'jira:issue_updated'] -> ['comment_created', 'jira:issue_created'], secret "
            "'********' -> '******** (new value)'") in changes
    assert any(line.startswith("update jira dynamic webhook") and "jql 'project = A' -> 'project = B'" in line
               for line in changes), changes
    run = ansible(role_play(instance, sites)).assert_ok()
    assert len(jira_writes(emulator, basic) + jira_writes(emulator, oauth)) > writes
    assert run.changed == 1  # the Jira task; ServiceNow unchanged
    assert [sorted(h.events) for h in basic.admin_webhooks.values()] == [["comment_created", "jira:issue_created"]]
    assert [(sorted(h.events), h.jql) for h in oauth.dynamic_webhooks.values()] == [
        (["comment_created", "jira:issue_created"], "project = B")]
    assert list(basic.admin_webhooks.values())[0].secret == values["acme"]  # sent again with the update
    assert ansible(role_play(instance, sites)).assert_ok().changed == 0
    run.assert_no_secret(api_token, access, *values.values())


def test_no_registry_table_stops_before_any_write_naming_the_fact(ansible, emulator, instance):
    instance.set_options(webhook_registry_table="absent")
    value = token()
    run = ansible(play([task("registry", "servicenow_jira_webhook", {"name": "Jira acme webhook", "token": value})],
                       instance=instance))
    assert run.rc != 0
    assert not emulator.log.writes(label=instance.name)
    result = run.failed[0]["result"]
    assert result["fact"] == "TABLE" and "No table of application scope sn_jira_spoke is labelled" in result["msg"]
    assert "playbooks/discover.yml" in result["msg"]
    run.assert_no_secret(value, instance.admin_password)


def test_module_path_gives_the_same_results(ansible, emulator, instance):
    """Both modules as shipped modules (SNOWSPOKE_RUN_AS_MODULE=1): same logic, secrets masked the same way."""
    site = emulator.atlassian.add_site("whm-" + instance.name)
    admin = site.add_user("admin@%s.example" % instance.name, admin=True)
    api_token = admin.add_api_token()
    value = token()
    tasks = [
        task("registry", "servicenow_jira_webhook", {"name": "Jira m webhook", "token": value,
                                                     "callback_type": "hmac"}, register="registry"),
        task("webhook", "jira_webhook", {"jira_url": site.url, "username": admin.email, "api_token": api_token,
                                         "name": "ServiceNow m", "url": "{{ registry.callback_url_template }}",
                                         "secret": value}),
    ]
    first = ansible(play(tasks, instance=instance), env={"SNOWSPOKE_RUN_AS_MODULE": "1"}, diff=True).assert_ok()
    assert first.changed == 2
    assert first.task("registry")["result"]["callback_url_source"] == "instance"
    again = ansible(play(tasks, instance=instance), env={"SNOWSPOKE_RUN_AS_MODULE": "1"}).assert_ok()
    assert again.changed == 0
    for run in (first, again):
        run.assert_no_secret(value, api_token, instance.admin_password)
    assert os.environ.get("SNOWSPOKE_RUN_AS_MODULE") is None
