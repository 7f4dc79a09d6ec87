"""Results that tell the truth: the drift of a take-over (one correct line per record, whatever the hash seed), the
audit's mode, and a site that keeps its alias when the inventory lists the sites in another order."""

import os

import yaml

from tests.conftest import REPO
from tests.emulator.servicenow.seed import JIRA_ALIAS_ID
from tests.integration.conftest import play
from tests.integration.test_roles import SEED_SCOPES, inventory

SITE = os.path.join(REPO, "playbooks", "site.yml")
AUDIT = os.path.join(REPO, "playbooks", "audit.yml")


def oauth_sites(emulator, instance, names):
    sites, cloud = [], emulator.atlassian
    for name in names:
        site = cloud.add_site("%s-%s" % (name, instance.name))
        app = cloud.add_oauth_app("ServiceNow %s" % name, callback_urls=["%s/oauth_redirect.do" % instance.url],
                                  scopes=SEED_SCOPES)
        sites.append({"name": name, "url": site.url, "client_id": app.client_id, "client_secret": app.client_secret,
                      "cloud_id": site.cloud_id})
    return sites


def test_drift_of_a_take_over_is_one_line_per_record_under_six_hash_seeds(ansible, emulator, instance):
    # A connection made by hand holds the shipped alias; the set-up takes it over with deactivate_others.
    instance.insert("basic_auth_credentials", name="legacy", user_name="bot@example.com", password="legacy-token-x")
    ansible(play([{"name": "legacy", "snowspoke.jira.servicenow_http_connection": {
        "name": "Legacy Jira", "credential": "legacy", "connection_url": "https://legacy.atlassian.net",
        "attributes": {"server_type": "cloud"}}}], instance=instance)).assert_ok()
    sites = oauth_sites(emulator, instance, ["acme"])
    inv = inventory(instance, "oauth", sites, snowspoke_deactivate_others=True)
    seen = set()
    for seed in range(6):
        audit = ansible(AUDIT, inventory=inv, env={"PYTHONHASHSEED": str(seed)}).assert_ok()
        summary = audit.task("Summary")["result"]["msg"]
        assert summary["check_mode"] is True  # audit.yml runs in check mode, and says so
        seen.add(tuple(summary["changes"]))
    assert len(seen) == 1, seen
    (lines,) = seen
    assert lines.count("update http_connection 'Legacy Jira': active 'true' -> 'false'") == 1, lines
    assert lines.count("create http_connection 'Jira acme connection'") == 1, lines
    assert not any("Legacy" in line for line in lines if not line.startswith("update http_connection 'Legacy")), lines
    assert len(lines) == len(set(lines))
    # The real run does what the audit said, and the next audit has nothing to say.
    ansible(SITE, inventory=inv).assert_ok()
    (legacy,) = instance.records("http_connection", "name=Legacy Jira")
    assert legacy["active"] == "false"
    assert ansible(AUDIT, inventory=inv).assert_ok().task("Summary")["result"]["msg"]["changes"] == []


def test_a_site_keeps_its_alias_whatever_its_position(ansible, emulator, instance):
    sites = oauth_sites(emulator, instance, ["acme", "beta", "gamma"])
    ansible(SITE, inventory=inventory(instance, "oauth", sites)).assert_ok()

    def aliases():
        return dict((row["name"], row["connection_alias"]) for row in instance.records("http_connection"))

    before = aliases()
    assert before["Jira acme connection"] == JIRA_ALIAS_ID  # the first listed site got the shipped alias
    for order in ([2, 0, 1], [1, 2, 0]):
        rerun = ansible(SITE, inventory=inventory(instance, "oauth", [sites[i] for i in order])).assert_ok()
        assert rerun.changed == 0, rerun.task("Summary")["result"]["msg"]["changes"]
        assert aliases() == before
    # Moving a site is explicit: alias: shipped on another site (with deactivate_others for the one holding it).
    moved = [dict(sites[0], alias="child"), dict(sites[1], alias="shipped"), sites[2]]
    run = ansible(SITE, inventory=inventory(instance, "oauth", moved, snowspoke_deactivate_others=True)).assert_ok()
    assert run.changed > 0
    after = aliases()
    assert after["Jira beta connection"] == JIRA_ALIAS_ID and after["Jira acme connection"] != JIRA_ALIAS_ID
    assert yaml.safe_dump(after)  # names only, no secret
