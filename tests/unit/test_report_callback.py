"""The snowspoke.jira.report callback: what it makes of the collection's results, and what it never writes."""

import json
import os
from types import SimpleNamespace

from ansible.plugins.loader import callback_loader

from ansible_collections.snowspoke.jira.plugins.callback import report

SITE_URL = "https://acme.atlassian.net"
CONSENT_URL = "https://dev1.service-now.com/oauth_initiator.do?oauth_requestor=c1&response_type=code"


def engine_result(check_mode=False):
    """A servicenow_jira_spoke result (shape of its RETURN docs) for two sites, the second one's consent given."""
    def site(name, shipped, given):
        return {
            "name": name, "url": "https://%s.atlassian.net" % name,
            "alias": {"shipped": shipped, "id": "sn_jira_spoke.Jira" if shipped else "global.Jira_%s" % name,
                      "name": "Jira" if shipped else "Jira_%s" % name},
            "connection": {"name": "Jira %s connection" % name, "connection_url": "https://api.atlassian.com/ex/jira/1",
                           "sys_id": "x"},
            "credential": {"name": "Jira %s OAuth credential" % name, "type": "oauth_2_0_credentials"},
            "registry": {"name": "Jira %s OAuth registry" % name, "client_id": "client-%s" % name},
            "consent": {"credential": {"name": "Jira %s OAuth credential" % name},
                        "profile": {"name": "Jira %s OAuth registry default_profile" % name},
                        "grant_type": "authorization_code", "consent_given": given,
                        "consent_url": CONSENT_URL.replace("c1", name), "credential_url": "https://dev1/cred",
                        "tokens": {"refresh_token": {"present": given}, "access_token": {"present": given}},
                        "health": {"status": "ok" if given else "not_consented", "messages": []},
                        "message": "One browser step left: open the consent URL."},
            "jira": {"cloud_id": "1"},
        }
    changes = [
        {"action": "create", "table": "oauth_entity", "record": "Jira acme OAuth registry", "key": "k1"},
        {"action": "update", "table": "oauth_entity_profile_scope", "record": "Jira acme OAuth registry default_profile",
         "key": "k2", "added": ["read:jira-work"], "updated": [], "removed": []},
        {"action": "create", "table": "sys_alias", "record": "Jira_beta", "key": "k3"},
        {"action": "update", "table": "http_connection", "record": "Jira beta connection", "key": "k4",
         "fields": ["connection_url"]},
        {"action": "delete", "table": "basic_auth_credentials", "record": "Jira acme basic credential", "key": "k5"},
    ]
    return {"changed": True, "option": "oauth", "state": "present", "check_mode": check_mode,
            "sites": [site("acme", True, False), site("beta", False, True)],
            "pending": ["%s - open it in a browser (credential 'Jira acme OAuth credential')." % CONSENT_URL.replace(
                "c1", "acme")],
            "changes": changes, "diff": {"before": {"k1": {"client_secret": "********"}}, "after": {}},
            "invocation": {"module_args": {"sites": [{"client_secret": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"}]}},
            "warnings": ["Atlassian says something"]}


def test_engine_result_per_site():
    host = report.HostReport()
    host.add("Connect", "servicenow_jira_spoke", engine_result())
    host.stats = {"changed": 1, "ok": 2, "failures": 0}
    entry = host.entry()
    assert entry["status"] == "changed" and entry["check_mode"] is False
    acme, beta = entry["sites"]
    assert acme["name"] == "acme" and acme["alias"] == "sn_jira_spoke.Jira" and acme["option"] == "oauth"
    assert acme["records"] == {
        "created": [{"table": "oauth_entity", "record": "Jira acme OAuth registry"}],
        "updated": [{"table": "oauth_entity_profile_scope", "record": "Jira acme OAuth registry default_profile"}],
        "removed": []}
    assert beta["records"]["created"] == [{"table": "sys_alias", "record": "Jira_beta"}]
    assert beta["records"]["updated"] == [{"table": "http_connection", "record": "Jira beta connection"}]
    # A record of no site in this run (the other option's credential, cleaned up) is in the host's records only.
    assert entry["records"]["removed"] == [{"table": "basic_auth_credentials", "record": "Jira acme basic credential"}]
    assert [len(entry["records"][key]) for key in ("created", "updated", "removed")] == [2, 2, 1]
    # The browser step: once, with its URL, not repeated from the module's pending sentences.
    assert entry["pending"] == [{"site": "acme", "credential": "Jira acme OAuth credential",
                                 "grant_type": "authorization_code", "url": CONSENT_URL.replace("c1", "acme"),
                                 "step": "One browser step left: open the consent URL."}]
    assert acme["consent"]["consent_given"] is False and beta["consent"]["consent_given"] is True
    assert [(t["site"], t["status"]) for t in entry["token_health"]] == [("acme", "not_consented"), ("beta", "ok")]
    assert acme["token_health"]["status"] == "not_consented"
    assert entry["changes"][0] == {"action": "create", "table": "oauth_entity", "record": "Jira acme OAuth registry",
                                   "task": "Connect"}
    assert entry["warnings"] == ["Atlassian says something"]
    text = json.dumps(entry)
    assert "invocation" not in text and "VALUE_SPECIFIED" not in text and "********" not in text
    assert "client-acme" not in text  # registry details beyond names are not copied


def test_check_mode_and_pending_without_a_consent():
    result = engine_result(check_mode=True)
    result["sites"][0]["consent"] = None
    result["pending"] = ["Once the records exist: the \"Get OAuth Token\" step of credential 'Jira acme OAuth credential'."]
    host = report.HostReport()
    host.add("Connect", "servicenow_jira_spoke", result)
    entry = host.entry()
    assert entry["check_mode"] is True
    assert entry["pending"] == [{"site": None, "credential": None, "grant_type": None, "url": None,
                                 "step": result["pending"][0]}]


def test_token_info_module_and_loops():
    info = {"changed": False, "credential": {"name": "Jira ops OAuth credential"}, "grant_type": "client_credentials",
            "consent_given": False, "consent_url": None, "credential_url": "https://dev1/cred?sys_id=1",
            "tokens": {"access_token": {"present": False}}, "health": {"status": "not_consented", "messages": ["m"]},
            "message": "One step left."}
    host = report.HostReport()
    host.add("Token", "servicenow_oauth_token_info", {"results": [info, {"censored": "hidden", "changed": False}]})
    entry = host.entry()
    assert entry["pending"] == [{"site": None, "credential": "Jira ops OAuth credential",
                                 "grant_type": "client_credentials", "url": "https://dev1/cred?sys_id=1",
                                 "step": "One step left."}]
    assert entry["token_health"][0]["status"] == "not_consented"


def test_results_of_other_collections_and_hidden_results_add_nothing():
    host = report.HostReport()
    host.add("uri", None, {"changed": True, "changes": [{"action": "create", "table": "t", "record": "r"}]})
    host.add("hidden", "servicenow_jira_spoke", dict(engine_result(), _ansible_no_log=True))
    host.add("censored", "servicenow_jira_spoke", {"censored": "the output has been hidden", "changed": True})
    entry = host.entry()
    assert entry["changes"] == [] and entry["sites"] == [] and entry["pending"] == []


def test_failures_keep_the_message_only():
    host = report.HostReport()
    host.add_failure("Connect", {"msg": "Instance refused", "request_log": ["GET /x"], "exception": "Traceback"})
    host.add_failure("Hidden", {"censored": "the output has been hidden", "failed": True})
    host.add_failure("Long", {"msg": "x" * 5000}, ignored=True)
    entry = host.entry()
    assert entry["status"] == "failed"
    assert entry["failures"][:2] == [{"task": "Connect", "message": "Instance refused", "ignored": False},
                                     {"task": "Hidden", "message": "the output has been hidden (no_log)",
                                      "ignored": False}]
    assert len(entry["failures"][2]["message"]) == report.MAX_MESSAGE and entry["failures"][2]["ignored"]
    assert "Traceback" not in json.dumps(entry)


def test_report_path(tmp_path):
    environ = {}
    assert report.report_path(str(tmp_path / "r.json"), environ) == str(tmp_path / "r.json")
    assert report.report_path(str(tmp_path), environ) == str(tmp_path / report.FILE_NAME)
    assert report.report_path(None, {"AWX_ISOLATED_DATA_DIR": "/runner/artifacts/7"}) == \
        "/runner/artifacts/7/" + report.FILE_NAME
    assert report.report_path(None, environ) == os.path.join(os.getcwd(), report.FILE_NAME)
    # An empty SNOWSPOKE_REPORT_PATH (Ansible resolves it to the current directory) counts as unset.
    assert report.report_path(os.getcwd(), {"SNOWSPOKE_REPORT_PATH": "", "AWX_ISOLATED_DATA_DIR": "/a"}) == \
        "/a/" + report.FILE_NAME


class FakeStats:
    processed = {"dev1": 1, "dev2": 1}

    @staticmethod
    def summarize(name):
        return {"ok": 2, "changed": 1 if name == "dev1" else 0, "failures": 0, "unreachable": 0}


def fake_result(host, action, result, name="Connect"):
    task = SimpleNamespace(resolved_action=action, action=action, check_mode=None, get_name=lambda: name)
    return SimpleNamespace(_task=task, _host=SimpleNamespace(get_name=lambda: host), result=result, _result=result)


def test_the_callback_writes_one_document(tmp_path, monkeypatch):
    monkeypatch.setenv("SNOWSPOKE_REPORT_PATH", str(tmp_path / "out" / "report.json"))
    callback = callback_loader.get("snowspoke.jira.report")
    callback.set_options()
    callback.v2_playbook_on_start(SimpleNamespace(_file_name="/x/playbooks/site.yml"))
    callback.v2_runner_on_ok(fake_result("dev1", "snowspoke.jira.servicenow_jira_spoke", engine_result()))
    callback.v2_runner_on_ok(fake_result("dev2", "ansible.builtin.debug", {"msg": "hello"}, "Summary"))
    callback.v2_runner_on_failed(fake_result("dev2", "snowspoke.jira.servicenow_credential",
                                             {"msg": "nope", "failed": True}), ignore_errors=True)
    callback.v2_playbook_on_stats(FakeStats())
    with open(tmp_path / "out" / "report.json", encoding="utf-8") as handle:
        document = json.load(handle)
    assert document["version"] == 1 and document["playbooks"] == ["site.yml"] and document["ok"] is True
    assert sorted(document["hosts"]) == ["dev1", "dev2"]
    assert document["hosts"]["dev1"]["status"] == "changed" and document["hosts"]["dev1"]["stats"]["changed"] == 1
    assert document["hosts"]["dev2"]["status"] == "ok"
    assert document["hosts"]["dev2"]["failures"] == [{"task": "Connect", "message": "nope", "ignored": True}]
    assert not [name for name in os.listdir(tmp_path / "out") if name != "report.json"]  # no temporary file left
