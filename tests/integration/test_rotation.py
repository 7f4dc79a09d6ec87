"""Secret rotation (playbooks/rotate.yml) on the emulators: a fleet where one new token is bad, check mode, a set-up
that differs from the inventory, the client credentials grant, the 3LO refusal; and the audit's expiry warnings."""

import datetime
import hashlib
import os
import re

import pytest
import yaml

from tests.conftest import REPO
from tests.integration.test_roles import SEED_SCOPES

SITE = os.path.join(REPO, "playbooks", "site.yml")
AUDIT = os.path.join(REPO, "playbooks", "audit.yml")
ROTATE = os.path.join(REPO, "playbooks", "rotate.yml")


@pytest.fixture
def fleet(emulator, request):
    """Four fresh instances, each with a basic set-up on its own Jira site."""
    digest = hashlib.sha1(request.node.nodeid.encode("utf-8")).hexdigest()[:8]
    made = []
    for number in range(4):
        instance = emulator.servicenow.add_instance("r%s%d" % (digest, number))
        site = emulator.atlassian.add_site("rot-%s" % instance.name)
        user = site.add_user("bot@%s.example" % instance.name, admin=True)
        made.append({"instance": instance, "site": site, "user": user, "token": user.add_api_token()})
    yield made
    for entry in made:
        emulator.servicenow.remove_instance(entry["instance"].name)


def fleet_inventory(fleet, tokens, **more):
    hosts = {}
    for entry, token in zip(fleet, tokens):
        instance = entry["instance"]
        hosts[instance.name] = dict(
            snowspoke_instance={"host": instance.url, "username": instance.admin_user,
                                "password": instance.admin_password},
            snowspoke_option="basic", snowspoke_jira_sites=[
                dict({"name": "acme", "url": entry["site"].url, "username": entry["user"].email, "api_token": token},
                     **more)])
    return yaml.safe_dump({"all": {"children": {"servicenow": {"hosts": hosts}}}})


def stored_token(instance):
    (row,) = instance.records("basic_auth_credentials")
    return instance.clear_value("basic_auth_credentials", row["sys_id"], "password")


def report(run):
    return run.task("What was rotated and what was refused, per instance")["result"]["msg"]


def test_rotation_across_a_fleet_with_one_bad_token(ansible, emulator, fleet):
    old = [entry["token"] for entry in fleet]
    ansible(SITE, inventory=fleet_inventory(fleet, old)).assert_ok()
    new = [entry["user"].add_api_token() for entry in fleet[:3]]
    new.append(fleet[3]["user"].add_api_token(expired=True))  # pasted from the tokens page after it expired
    inv = fleet_inventory(fleet, new)
    writes = dict((entry["instance"].name, len(emulator.log.writes(label=entry["instance"].name))) for entry in fleet)

    check = ansible(ROTATE, inventory=inv, check=True, diff=True)
    assert all(len(emulator.log.writes(label=name)) == count for name, count in writes.items()), "--check wrote"
    found = report(check)
    assert [found[entry["instance"].name]["status"] for entry in fleet] == ["would rotate"] * 3 + ["refused"]

    run = ansible(ROTATE, inventory=inv)
    assert run.rc != 0  # the refused instance fails its host
    found = report(run)
    names = [entry["instance"].name for entry in fleet]
    assert [found[name]["status"] for name in names] == ["rotated"] * 3 + ["refused"]
    assert all(found[name]["rotated"] == ["API token of credential 'Jira acme basic credential'"]
               for name in names[:3])
    reason = found[names[3]]["reason"]
    assert reason.startswith("Rotation refused for site acme (sites[0]) on %s, nothing written:" % fleet[3]["instance"].host)
    assert "wrong, revoked or expired" in reason
    assert {failed["host"] for failed in run.failed} == {names[3]}
    assert run.failed[-1]["task"] == "A refused rotation fails its instance"

    # Three instances hold their new token, written once and only that; the refused one is untouched.
    for entry, token in zip(fleet[:3], new[:3]):
        assert stored_token(entry["instance"]) == token
        made = emulator.log.writes(label=entry["instance"].name)[writes[entry["instance"].name]:]
        assert [(w.method, re.search(r"/table/([^/]+)", w.path).group(1)) for w in made] == [
            ("PATCH", "basic_auth_credentials")], made
    assert len(emulator.log.writes(label=names[3])) == writes[names[3]], "the refused instance was written"
    assert stored_token(fleet[3]["instance"]) == old[3]
    for each in (check, run):
        each.assert_no_secret(*(old + new + [entry["instance"].admin_password for entry in fleet]))

    # The three rotated instances converge without a write; the refused one still fails, with the same reason.
    rerun = ansible(SITE, inventory=fleet_inventory(fleet, new[:3] + old[3:])).assert_ok()
    assert rerun.changed == 0


def test_rotation_refuses_a_setup_that_differs(ansible, emulator, instance):
    site = emulator.atlassian.add_site("drift-" + instance.name)
    user = site.add_user("bot@%s.example" % instance.name, admin=True)
    fleet = [{"instance": instance, "site": site, "user": user}]
    ansible(SITE, inventory=fleet_inventory(fleet, [user.add_api_token()])).assert_ok()
    (connection,) = instance.records("http_connection", "name=Jira acme connection")
    instance.delete("http_connection", connection["sys_id"])  # someone removed the connection by hand
    before = len(emulator.log.writes(label=instance.name))
    new = user.add_api_token()
    run = ansible(ROTATE, inventory=fleet_inventory(fleet, [new]))
    assert run.rc != 0
    assert len(emulator.log.writes(label=instance.name)) == before
    reason = report(run)[instance.name]["reason"]
    assert "it writes secrets only, but the set-up differs" in reason and "create http_connection " \
        "'Jira acme connection'" in reason and "playbooks/site.yml" in reason
    run.assert_no_secret(new, instance.admin_password)


def test_rotation_of_a_client_credentials_secret(ansible, emulator, instance):
    cloud = emulator.atlassian
    site = cloud.add_site("cc-" + instance.name)
    app = cloud.add_oauth_app("ServiceNow service account", scopes=[s for s in SEED_SCOPES if s != "offline_access"],
                              kind="service_account", sites=[site.name])
    site.user(app.account.email).admin = True

    def inv(secret):
        host = dict(snowspoke_instance={"host": instance.url, "username": instance.admin_user,
                                        "password": instance.admin_password},
                    snowspoke_option="oauth", snowspoke_grant_type="client_credentials", snowspoke_jira_sites=[
                        {"name": "ops", "url": site.url, "client_id": app.client_id, "client_secret": secret}])
        return yaml.safe_dump({"all": {"children": {"servicenow": {"hosts": {instance.name: host}}}}})

    old = app.client_secret
    ansible(SITE, inventory=inv(old)).assert_ok()
    app.client_secret = "ATOA" + hashlib.sha256(old.encode()).hexdigest()  # rotated in the developer console
    before = len(emulator.log.writes(label=instance.name))
    refused = ansible(ROTATE, inventory=inv(old))  # the old secret no longer works: refused, nothing written
    assert refused.rc != 0 and len(emulator.log.writes(label=instance.name)) == before
    assert report(refused)[instance.name]["status"] == "refused"

    run = ansible(ROTATE, inventory=inv(app.client_secret)).assert_ok()
    assert report(run)[instance.name] == {
        "status": "rotated", "rotated": ["client secret of registry 'Jira ops OAuth registry'"]}
    (registry,) = instance.records("oauth_entity", "name=Jira ops OAuth registry")
    assert instance.clear_value("oauth_entity", registry["sys_id"], "client_secret") == app.client_secret
    # ServiceNow's own exchange works with what was stored.
    (credential,) = instance.records("oauth_2_0_credentials")
    assert instance.fetch_client_credentials_token(credential["name"])["ok"]
    for each in (refused, run):
        each.assert_no_secret(old, app.client_secret, instance.admin_password)


def test_a_3lo_client_secret_is_refused_unchecked_unless_accepted(ansible, emulator, instance):
    cloud = emulator.atlassian
    site = cloud.add_site("3lo-" + instance.name)
    app = cloud.add_oauth_app("ServiceNow", callback_urls=["%s/oauth_redirect.do" % instance.url], scopes=SEED_SCOPES)
    host = dict(snowspoke_instance={"host": instance.url, "username": instance.admin_user,
                                    "password": instance.admin_password},
                snowspoke_option="oauth", snowspoke_jira_sites=[
                    {"name": "acme", "url": site.url, "client_id": app.client_id, "client_secret": app.client_secret}])
    inv = yaml.safe_dump({"all": {"children": {"servicenow": {"hosts": {instance.name: host}}}}})
    ansible(SITE, inventory=inv).assert_ok()
    requests = len(emulator.log)
    refused = ansible(ROTATE, inventory=inv)
    assert refused.rc != 0 and len(emulator.log) == requests, "a request was made (ServiceNow or Atlassian)"
    reason = report(refused)[instance.name]["reason"]
    assert "cannot be checked against Atlassian" in reason and "rotate_unchecked" in reason
    accepted = ansible(ROTATE, inventory=inv, extra_vars={"snowspoke_rotate_unchecked": True}).assert_ok()
    assert report(accepted)[instance.name]["status"] == "rotated"
    accepted.assert_no_secret(app.client_secret, instance.admin_password)


def test_the_audit_warns_ahead_of_an_api_token_expiry(ansible, emulator, fleet):
    today = datetime.date.today()
    dates = [today + datetime.timedelta(days=5), today - datetime.timedelta(days=2), today + datetime.timedelta(days=200),
             None]
    hosts = yaml.safe_load(fleet_inventory(fleet, [entry["token"] for entry in fleet]))
    for entry, date in zip(fleet, dates):
        if date is not None:
            site = hosts["all"]["children"]["servicenow"]["hosts"][entry["instance"].name]["snowspoke_jira_sites"][0]
            site["api_token_expires"] = date.isoformat()
    inv = yaml.safe_dump(hosts)
    audit = ansible(AUDIT, inventory=inv)
    assert audit.rc == 0
    warnings = [warning for entry in audit.results if entry["task"] == "Jira spoke set-up"
                for warning in entry["result"].get("warnings") or []]
    expiring = [w for w in warnings if w.startswith("The API token of")]
    assert len(expiring) == 2, "\n".join(warnings)
    assert any(("on %s expires on %s (in 5 days)" % (fleet[0]["instance"].host, dates[0])) in w for w in expiring)
    assert any(("on %s expired on %s" % (fleet[1]["instance"].host, dates[1])) in w for w in expiring)
    health = [audit.task("Summary", host=entry["instance"].name)["result"]["msg"]["token_health"] for entry in fleet]
    assert health[0] == {"acme": "API token expiring, expires on %s (in 5 days)" % dates[0]}
    assert health[1] == {"acme": "API token expired on %s" % dates[1]}
    assert health[2] == {"acme": "API token valid, expires on %s (in 200 days)" % dates[2]}
    assert health[3] == {}
