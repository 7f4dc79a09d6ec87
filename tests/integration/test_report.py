"""The snowspoke.jira.report callback on a real run of playbooks/site.yml over a fleet: a basic instance, an OAuth
instance with its browser step pending and one whose pre-flight fails; then the rerun. The report says per host and
site what was created, what is pending (with the consent URL) and the token health, the failure's message, and
holds no secret."""

import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.conftest import REPO
from tests.integration.test_roles import SEED_SCOPES

SITE = os.path.join(REPO, "playbooks", "site.yml")


def _host(instance, option, sites, **more):
    return dict(snowspoke_instance={"host": instance.url, "username": instance.admin_user,
                                    "password": instance.admin_password},
                snowspoke_option=option, snowspoke_jira_sites=sites, **more)


def test_report_of_a_fleet_run(ansible, emulator, request, tmp_path):
    fleet, cloud = emulator.servicenow, emulator.atlassian
    tag = hashlib.sha1(request.node.nodeid.encode("utf-8")).hexdigest()[:8]
    basic = fleet.add_instance("rb" + tag)
    oauth = fleet.add_instance("ro" + tag)
    broken = fleet.add_instance("rx" + tag, spoke_active=False)
    try:
        site = cloud.add_site("rep-basic-" + basic.name)
        user = site.add_user("bot@%s.example" % basic.name, admin=True)
        token = user.add_api_token(kind="classic")
        oauth_site = cloud.add_site("rep-oauth-" + oauth.name)
        app = cloud.add_oauth_app("ServiceNow report", callback_urls=["%s/oauth_redirect.do" % oauth.url],
                                  scopes=SEED_SCOPES)
        hosts = {
            basic.name: _host(basic, "basic", [
                {"name": "acme", "url": site.url, "username": user.email, "api_token": token}]),
            oauth.name: _host(oauth, "oauth", [
                {"name": "acme", "url": oauth_site.url, "client_id": app.client_id, "client_secret": app.client_secret}]),
            broken.name: _host(broken, "basic", [
                {"name": "acme", "url": site.url, "username": user.email, "api_token": token}]),
        }
        inventory = yaml.safe_dump({"all": {"children": {"servicenow": {"hosts": hosts}}}})
        path = tmp_path / "reports" / "first.json"
        env = {"ANSIBLE_CALLBACKS_ENABLED": "snowspoke_record,snowspoke.jira.report",
               "SNOWSPOKE_REPORT_PATH": str(path)}
        first = ansible(SITE, inventory=inventory, env=env)
        assert first.rc != 0  # the broken instance
        text = path.read_text(encoding="utf-8")
        for secret in (token, app.client_secret, basic.admin_password, oauth.admin_password):
            assert secret not in text
        document = json.loads(text)
        assert document["playbooks"] == ["site.yml"] and document["ok"] is False
        report = document["hosts"]

        entry = report[basic.name]
        assert entry["status"] == "changed" and entry["check_mode"] is False and entry["failures"] == []
        (acme,) = entry["sites"]
        assert acme["name"] == "acme" and acme["option"] == "basic" and acme["connection_url"] == site.url
        assert acme["alias"] == "sn_jira_spoke.Jira"
        assert {"table": "http_connection", "record": "Jira acme connection"} in acme["records"]["created"]
        assert {"table": "basic_auth_credentials", "record": "Jira acme basic credential"} in \
            acme["records"]["created"]
        assert entry["pending"] == [] and entry["stats"]["changed"] == 1

        entry = report[oauth.name]
        (step,) = entry["pending"]
        assert step["site"] == "acme" and step["credential"] == "Jira acme OAuth credential"
        assert step["url"].startswith(oauth.url + "/oauth_initiator.do?")
        assert step["grant_type"] == "authorization_code"
        assert [(health["site"], health["status"]) for health in entry["token_health"]] == [("acme", "not_consented")]
        assert {"table": "oauth_entity", "record": "Jira acme OAuth registry"} in \
            entry["sites"][0]["records"]["created"]

        entry = report[broken.name]
        assert entry["status"] == "failed" and entry["sites"] == []
        (failure,) = entry["failures"]
        assert failure["task"] == "Jira spoke set-up" and "not ready for the Jira spoke" in failure["message"]
        assert not failure["ignored"]

        # The README's one-liner for a fleet audit, on this report.
        if shutil.which("jq"):
            blocks = dict(re.findall(r"^<!-- readme-test: ([\w-]+) -->\n```\w+\n(.*?)^```$",
                                     (Path(REPO) / "README.md").read_text(encoding="utf-8"), re.M | re.S))
            shutil.copy(str(path), str(tmp_path / "report.json"))
            lines = subprocess.run(["bash", "-c", blocks["report-jq"]], cwd=str(tmp_path), capture_output=True,
                                   text=True, check=True).stdout.splitlines()
            assert sorted(lines) == sorted(["%s: changed, 0 browser step(s) pending" % basic.name,
                                            "%s: changed, 1 browser step(s) pending" % oauth.name,
                                            "%s: failed, 0 browser step(s) pending" % broken.name])

        # The rerun of the two good instances: nothing created, the browser step still pending.
        path = tmp_path / "reports"
        second = ansible(SITE, inventory=inventory, env=dict(env, SNOWSPOKE_REPORT_PATH=str(path)),
                         args=["--limit", "%s,%s" % (basic.name, oauth.name)]).assert_ok()
        assert second.changed == 0
        document = json.loads((path / "snowspoke_report.json").read_text(encoding="utf-8"))
        assert document["ok"] is True and sorted(document["hosts"]) == sorted([basic.name, oauth.name])
        for entry in document["hosts"].values():
            assert entry["status"] == "ok" and entry["changes"] == []
            assert entry["records"] == {"created": [], "updated": [], "removed": []}
        assert len(document["hosts"][oauth.name]["pending"]) == 1
    finally:
        for instance in (basic, oauth, broken):
            fleet.remove_instance(instance.name)
