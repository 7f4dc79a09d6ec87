"""teardown.yml --check --diff on a set-up fleet predicts the whole teardown: zero writes, and the same records (by
name, never a sys_id) as the real teardown then removes."""

import os
import re

import yaml

from tests.conftest import REPO
from tests.integration.test_roles import SEED_SCOPES

SITE = os.path.join(REPO, "playbooks", "site.yml")
TEARDOWN = os.path.join(REPO, "playbooks", "teardown.yml")
SYS_ID = re.compile(r"\b[0-9a-f]{32}\b")


def test_teardown_check_predicts_the_teardown(ansible, emulator, request):
    cloud = emulator.atlassian
    basic = emulator.servicenow.add_instance("tdb%d" % (hash(request.node.nodeid) % 10000))
    oauth = emulator.servicenow.add_instance("tdo%d" % (hash(request.node.nodeid) % 10000))
    request.addfinalizer(lambda: [emulator.servicenow.remove_instance(i.name) for i in (basic, oauth)])
    site = cloud.add_site("td-" + basic.name)
    user = site.add_user("bot@%s.example" % basic.name, admin=True)
    token = user.add_api_token()
    sites = []
    for name in ("acme", "beta"):
        jira = cloud.add_site("td-%s-%s" % (name, oauth.name))
        app = cloud.add_oauth_app("ServiceNow %s" % name, callback_urls=["%s/oauth_redirect.do" % oauth.url],
                                  scopes=SEED_SCOPES)
        sites.append({"name": name, "url": jira.url, "client_id": app.client_id, "client_secret": app.client_secret})
    hosts = {
        basic.name: {"snowspoke_option": "basic", "snowspoke_jira_sites": [
            {"name": "acme", "url": site.url, "username": user.email, "api_token": token}]},
        oauth.name: {"snowspoke_option": "oauth", "snowspoke_jira_sites": sites},
    }
    for instance in (basic, oauth):
        hosts[instance.name]["snowspoke_instance"] = {"host": instance.url, "username": instance.admin_user,
                                                      "password": instance.admin_password}
    inv = yaml.safe_dump({"all": {"children": {"servicenow": {"hosts": hosts}}}})
    ansible(SITE, inventory=inv).assert_ok()
    writes = len(emulator.log.writes())

    check = ansible(TEARDOWN, inventory=inv, check=True, diff=True).assert_ok()
    assert len(emulator.log.writes()) == writes, "teardown --check wrote"
    real = ansible(TEARDOWN, inventory=inv).assert_ok()
    for instance in (basic, oauth):
        predicted = check.task("Jira spoke set-up", host=instance.name)["result"]
        done = real.task("Jira spoke set-up", host=instance.name)["result"]
        assert predicted["check_mode"] is True and done["check_mode"] is False
        assert predicted["changes"] == done["changes"] and done["changes"], instance.name
        assert all(change["action"] == "delete" or (change.get("removed") and not change.get("added")) for change in done["changes"]), done["changes"]
        lines = check.task("Summary", host=instance.name)["result"]["msg"]["changes"]
        assert len(lines) == len(done["changes"]) and not any(SYS_ID.search(line) for line in lines), lines
    # Every delete of the real teardown was predicted: one per record, the attribute values included.
    deletes = [entry for entry in emulator.log.writes()[writes:] if entry.method == "DELETE"]
    predicted = sum(len(check.task("Jira spoke set-up", host=i.name)["result"]["changes"]) for i in (basic, oauth))
    assert len(deletes) >= predicted
    check.assert_no_secret(token, basic.admin_password, oauth.admin_password,
                           *[entry["client_secret"] for entry in sites])
