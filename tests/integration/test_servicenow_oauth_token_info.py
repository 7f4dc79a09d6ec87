"""servicenow_oauth_token_info end to end: the consent URL, consent detected (also while waiting), the client
credentials grant, and token health, with the emulated instance talking to the emulated Atlassian Cloud."""

import threading
import time
from urllib.parse import parse_qs, urlsplit

from tests.emulator.servicenow.schema import glide_time
from tests.integration.conftest import play
from tests.integration.test_servicenow_common import WriteLog, result, status, task, warnings_of

MODULE = "servicenow_oauth_token_info"
SCOPES = ["read:jira-work", "write:jira-work", "offline_access"]
DAY = 86400


def atlassian_app(emulator, instance):
    """A Jira site (named after the instance: the Atlassian emulator lives for the session) with an admin, and a
    developer-console app whose callback is the instance's redirect URL. Returns (site, admin e-mail, app)."""
    site = emulator.atlassian.add_site("site-" + instance.name)
    admin = "admin@%s.example.com" % instance.name
    site.add_user(admin, "Ada Admin", admin=True)
    app = emulator.atlassian.add_oauth_app(
        "ServiceNow %s" % instance.name, callback_urls=[instance.url + "/oauth_redirect.do"],
        scopes=("read:jira-work", "write:jira-work"))
    return site, admin, app


def setup_tasks(app, registry, credentials, grant_type="authorization_code"):
    """Tasks that create a registry for ``app`` and OAuth 2.0 credentials on its default profile."""
    options = {"name": registry, "client_id": app.client_id, "client_secret": app.client_secret,
               "grant_type": grant_type}
    if grant_type == "authorization_code":
        options["scopes"] = SCOPES
    else:
        options["scope_groups"] = {"Classic": ["read:jira-work", "write:jira-work"]}
    tasks = [task("registry " + registry, "servicenow_oauth_registry", options)]
    for name in credentials:
        tasks.append(task("credential " + name, "servicenow_credential",
                          {"type": "oauth_2_0_credentials", "name": name, "oauth_profile": "%s default_profile"
                           % registry}))
    return tasks


def info_task(title, credential, ignore_errors=None, **options):
    keywords = {"ignore_errors": ignore_errors} if ignore_errors is not None else {}
    return task(title, MODULE, dict({"credential": credential}, **options), **keywords)


def test_consent_url_consent_and_waiting(ansible, instance, emulator):
    """Before consent: the consent URL, no token; after instance.consent: consent given with a fresh refresh
    token. wait_timeout times out naming the URL, and succeeds when consent arrives while it waits."""
    _site, admin, app = atlassian_app(emulator, instance)
    writes = WriteLog(emulator, instance)
    # One registry per credential: ServiceNow links each credential to its own profile.
    run = ansible(play(setup_tasks(app, "Jira OAuth", ["first"]) + setup_tasks(app, "Jira OAuth 2", ["second"]) + [
        info_task("before", "first"),
        info_task("timeout", "second", ignore_errors=True, wait_timeout=1, wait_interval=0.2),
    ], instance=instance), verbosity=3).assert_ok()
    run.assert_no_secret(app.client_secret, instance.admin_password)
    setup_writes = writes.new()
    [credential] = instance.records("oauth_2_0_credentials", "name=first")
    profile = instance.records("oauth_entity_profile", "default=true^oauth_entity.name=Jira OAuth")[0]
    before = result(run, "before")
    assert status(run, "before") == "ok"
    assert before["browser_step_required"] is True and before["consent_given"] is False
    assert before["grant_type"] == "authorization_code"
    assert before["health"]["status"] == "not_consented"
    assert before["tokens"]["refresh_token"] == {"present": False}
    assert before["profile"]["sys_id"] == profile["sys_id"]
    assert before["registry"]["redirect_url"] == instance.url + "/oauth_redirect.do"
    url = urlsplit(before["consent_url"])
    assert "%s://%s%s" % (url.scheme, url.netloc, url.path) == instance.url + "/oauth_initiator.do"
    assert parse_qs(url.query) == {"oauth_requestor_context": ["oauth_2_0_credentials"],
                                   "oauth_requestor": [credential["sys_id"]],
                                   "oauth_provider_profile": [profile["sys_id"]], "response_type": ["code"]}
    assert "one browser step" in before["message"].lower()
    timeout = result(run, "timeout")
    assert status(run, "timeout") == "ignored"
    assert "within 1 s" in timeout["msg"] and "'second'" in timeout["msg"]
    [second] = instance.records("oauth_2_0_credentials", "name=second")
    assert "oauth_initiator.do" in timeout["msg"] and second["sys_id"] in timeout["msg"]
    # What Atlassian's refusal would have meant (ServiceNow keeps no record of it), with the callback URL to check.
    assert "the app's callback URL must be %s/oauth_redirect.do" % instance.url in timeout["msg"]
    assert "\"invalid_scope\"" in timeout["msg"]
    second_profile = instance.records("oauth_entity_profile", "default=true^oauth_entity.name=Jira OAuth 2")[0]
    assert timeout["consent_url"].endswith("oauth_provider_profile=%s&response_type=code" % second_profile["sys_id"])
    assert not any(path.endswith("oauth_credential") for _method, path in setup_writes)

    # The administrator clicks for "first" (the emulated browser, through the Atlassian emulator).
    outcome = instance.consent("first", atlassian_user=admin)
    assert outcome["ok"], outcome

    # While the module waits for "second", consent arrives: started once the module is seen polling.
    polls = "/api/now/table/oauth_credential"

    seen = len(emulator.log.entries(label=instance.name, path=polls))

    def click_when_polled():
        deadline = time.time() + 30
        while time.time() < deadline:
            if len(emulator.log.entries(label=instance.name, path=polls)) >= seen + 2:
                instance.consent("second", atlassian_user=admin)
                return
            time.sleep(0.1)

    clicker = threading.Thread(target=click_when_polled, daemon=True)
    clicker.start()
    run = ansible(play([info_task("after", "first"),
                        info_task("wait", "second", wait_timeout=60, wait_interval=0.2)], instance=instance),
                  verbosity=3).assert_ok()
    clicker.join(5)
    run.assert_no_secret(app.client_secret, instance.admin_password)
    after = result(run, "after")
    assert after["consent_given"] is True and after["health"]["status"] == "ok"
    refresh = after["tokens"]["refresh_token"]
    assert refresh["present"] is True and refresh["age_days"] < 1 and refresh["expired"] is False
    assert after["tokens"]["access_token"]["present"] is True
    assert "Consent given" in after["message"]
    # The registry keeps ServiceNow's default refresh token lifespan (100 days), longer than Atlassian's 90.
    assert any("90-day idle limit" in message for message in after["health"]["messages"])
    waited = result(run, "wait")
    assert waited["consent_given"] is True and waited["waited"] > 0
    assert status(run, "wait") == "ok"
    assert writes.new() == []  # an info module: only the emulated browser wrote tokens
    # Never a token in any output: the access and refresh tokens of both credentials.
    tokens = [instance.clear_value("oauth_credential", row["sys_id"], "token_received")
              for row in instance.records("oauth_credential")]
    assert len(tokens) == 4
    run.assert_no_secret(*tokens)


def test_client_credentials_and_token_health(ansible, instance, emulator, monkeypatch):
    """The client credentials grant has no consent page but still its "Get OAuth Token" step until the instance
    holds an access token; an old or idle refresh token warns, then is reported expired, so an audit run finds the
    connection about to stop working."""
    site, admin, app = atlassian_app(emulator, instance)
    service = emulator.atlassian.add_oauth_app("Service %s" % instance.name, kind="service_account", sites=[site],
                                               scopes=("read:jira-work", "write:jira-work"))
    ansible(play(setup_tasks(app, "Jira OAuth", ["code"])
                 + setup_tasks(service, "Jira SA", ["service"], grant_type="client_credentials"),
                 instance=instance)).assert_ok()
    assert instance.consent("code", atlassian_user=admin)["ok"]
    refresh = instance.records("oauth_credential", "type=refresh_token")[0]

    # Idle for 80 days (within 14 days of 90) and 300 days old (not yet within 14 days of 365): a warning.
    now = time.time()
    monkeypatch.setattr(emulator.servicenow, "clock", lambda: now - 80 * DAY)
    instance.tamper("oauth_credential", refresh["sys_id"], sys_created_on=glide_time(now - 300 * DAY))
    monkeypatch.undo()
    writes = WriteLog(emulator, instance)
    run = ansible(play([info_task("service", "service"), info_task("code", "code", warn_days=14)],
                       instance=instance)).assert_ok()
    service_info = result(run, "service")
    assert service_info["browser_step_required"] is True and service_info["consent_url"] is None
    assert service_info["grant_type"] == "client_credentials"
    assert service_info["consent_given"] is False and service_info["health"]["status"] == "not_consented"
    assert "Get OAuth Token" in service_info["message"] and "no Atlassian consent page" in service_info["message"]
    assert service_info["credential_url"] in service_info["message"]
    code = result(run, "code")
    assert code["health"]["status"] == "warning"
    assert code["tokens"]["refresh_token"]["idle_days"] == 80.0
    assert code["tokens"]["refresh_token"]["age_days"] == 300.0
    assert "80.0 days unused" in warnings_of(run, "code") and "'code'" in warnings_of(run, "code")
    assert "days old" not in warnings_of(run, "code")

    # The instance fetches a client credentials token itself; a year-old refresh token is expired.
    fetched = instance.fetch_client_credentials_token("service")
    assert fetched["ok"], fetched
    instance.tamper("oauth_credential", refresh["sys_id"], sys_created_on=glide_time(now - 370 * DAY))
    run = ansible(play([info_task("service", "service"), info_task("code", "code")], instance=instance)).assert_ok()
    service_info = result(run, "service")
    assert service_info["consent_given"] is True and service_info["health"]["status"] == "ok"
    assert service_info["browser_step_required"] is False
    assert "holds an access token" in service_info["message"]
    assert service_info["tokens"]["refresh_token"] == {"present": False}
    code = result(run, "code")
    assert code["health"]["status"] == "expired"
    assert "370.0 days old" in warnings_of(run, "code") and "Do the browser step again" in warnings_of(run, "code")
    assert writes.new() == []
