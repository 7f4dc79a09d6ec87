"""The fleet: many instances, persistence, the control API, the request log, the OAuth consent flow and the UI."""

import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.emulator.http import Request, json_response, redirect_response, with_query
from tests.emulator.servicenow import ServiceNowFleet
from tests.unit.emulator.conftest import FleetServer

TABLE = "/api/now/table/"


# -- many instances --------------------------------------------------------------------------------------------
def test_hundred_instances_are_fast_and_separate(sn_fleet_server):
    fleet = sn_fleet_server.fleet
    started = time.monotonic()
    instances = [fleet.add_instance("inst%03d" % n) for n in range(100)]
    assert time.monotonic() - started < 2.0
    assert len(fleet.instances()) == 100 and fleet.instance("inst042") is instances[42]
    for index in (3, 77):
        session = sn_fleet_server.admin(instances[index])
        created = session.post(instances[index].url + TABLE + "sys_user_role", json={"name": "only-%d" % index})
        assert created.status_code == 201
    assert [r["name"] for r in instances[3].records("sys_user_role", "nameSTARTSWITHonly")] == ["only-3"]
    assert [r["name"] for r in instances[77].records("sys_user_role", "nameSTARTSWITHonly")] == ["only-77"]
    role_on_3 = instances[3].records("sys_user_role", "name=only-3")[0]["sys_id"]
    other = sn_fleet_server.admin(instances[4])
    assert other.get(instances[4].url + TABLE + "sys_user_role/" + role_on_3).status_code == 404
    # credentials of one instance do not open another
    crossed = sn_fleet_server.session(auth=("admin", instances[3].admin_password))
    assert crossed.get(instances[4].url + TABLE + "sys_user").status_code == 401
    started = time.monotonic()
    session = sn_fleet_server.session()
    for instance in instances:
        response = session.get(instance.url + TABLE + "sys_user", auth=(instance.admin_user, instance.admin_password),
                               params={"sysparm_fields": "user_name", "sysparm_query": "user_name=admin"})
        assert response.json() == {"result": [{"user_name": "admin"}]}
    assert time.monotonic() - started < 5.0
    labels = {entry.label for entry in sn_fleet_server.server.log.entries(path="sys_user$")}
    assert len(labels) == 100


def test_concurrent_clients(sn_fleet_server):
    instances = [sn_fleet_server.fleet.add_instance("par%d" % n) for n in range(4)]

    def work(instance):
        session = sn_fleet_server.admin(instance)
        for n in range(10):
            response = session.post(instance.url + TABLE + "sys_user_role", json={"name": "r%d" % n})
            assert response.status_code == 201
        return len(instance.records("sys_user_role", "nameSTARTSWITHr"))
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(work, instances)) == [10] * 4


def test_routing_by_host(sn_fleet_server):
    fleet = sn_fleet_server.fleet
    fleet.add_instance("dev1")
    assert fleet.handles("dev1.service-now.com") and fleet.handles("DEV1.service-now.com")
    assert not fleet.handles("dev2.service-now.com")
    assert not fleet.handles("dev1.service-now.com.example.org")
    assert fleet.label_for(Request.build("GET", "https://dev1.service-now.com/")) == "dev1"
    assert fleet.add_instance("dev1") is fleet.instance("dev1")
    with pytest.raises(ValueError):
        fleet.add_instance("bad name")
    with pytest.raises(ValueError):
        fleet.add_instance("dev3", no_such_option=True)
    with pytest.raises(ValueError):
        fleet.instance("dev1").set_options(spoke_installed=False)
    assert fleet.remove_instance("dev1") and not fleet.handles("dev1.service-now.com")
    assert fleet.instances() == []


def test_persistence(tmp_path, tls_material):
    path = str(tmp_path / "fleet.sqlite")
    first = ServiceNowFleet(db_path=path)
    dev1 = first.add_instance("dev1", hibernating=False, mfa_users=["someone"])
    role = dev1.insert("sys_user_role", name="persisted")
    secret = dev1.insert("basic_auth_credentials", name="c", password="kept-secret")
    password = dev1.admin_password
    first.close()
    harness = FleetServer(tls_material, db_path=path)
    try:
        again = harness.fleet.instance("dev1")
        assert again.admin_password == password and again.option("mfa_users") == ["someone"]
        assert again.get("sys_user_role", role)["name"] == "persisted"
        assert again.clear_value("basic_auth_credentials", secret, "password") == "kept-secret"
        response = harness.admin(again).get(again.url + TABLE + "sys_user_role/" + role)
        assert response.status_code == 200  # the sealed admin password still verifies
    finally:
        harness.close()


# -- the request log ---------------------------------------------------------------------------------------------
def test_log_labels_and_write_flags(sn_fleet_server):
    dev1 = sn_fleet_server.fleet.add_instance("dev1")
    dev2 = sn_fleet_server.fleet.add_instance("dev2")
    session = sn_fleet_server.admin(dev1)
    session.get(dev1.url + TABLE + "sys_user")
    created = session.post(dev1.url + TABLE + "sys_user_role", json={"name": "r"}).json()["result"]["sys_id"]
    session.patch(dev1.url + TABLE + "sys_user_role/" + created, json={"name": "r2"})
    session.post(dev1.url + TABLE + "nope", json={})
    session.delete(dev1.url + TABLE + "sys_user_role/" + created)
    session.delete(dev1.url + TABLE + "sys_user_role/" + created)
    session.post(dev1.url + "/oauth_token.do", data={"grant_type": "client_credentials",
                                                     "client_id": dev1.oauth_client_id,
                                                     "client_secret": dev1.oauth_client_secret})
    sn_fleet_server.admin(dev2).get(dev2.url + TABLE + "sys_user")
    entries = [(e.label, e.method, e.status, e.write) for e in sn_fleet_server.server.log.entries()]
    assert entries == [
        ("dev1", "GET", 200, False), ("dev1", "POST", 201, True), ("dev1", "PATCH", 200, True),
        ("dev1", "POST", 400, False), ("dev1", "DELETE", 204, True), ("dev1", "DELETE", 404, False),
        ("dev1", "POST", 200, False), ("dev2", "GET", 200, False),
    ]


# -- control API ---------------------------------------------------------------------------------------------------
def test_control_api(sn_fleet_server):
    created = sn_fleet_server.control("POST", "servicenow/instances", {"name": "demo1", "spoke_version": "4.1.0"})
    assert created.status_code == 201
    summary = created.json()["result"]
    assert summary["url"] == "https://demo1.service-now.com" and summary["admin_password"]
    listed = sn_fleet_server.control("GET", "servicenow/instances").json()["result"]
    assert [i["name"] for i in listed] == ["demo1"]
    demo = sn_fleet_server.fleet.instance("demo1")
    records = sn_fleet_server.control("GET", "servicenow/demo1/records/sys_store_app",
                                      params={"sysparm_query": "scope=sn_jira_spoke"}).json()["result"]
    assert records[0]["version"] == "4.1.0"
    alias = demo.records("sys_alias")[0]["sys_id"]
    tampered = sn_fleet_server.control("PATCH", "servicenow/demo1/records/sys_alias/" + alias,
                                       {"multiple_connections": True})
    assert tampered.status_code == 200 and demo.get("sys_alias", alias)["multiple_connections"] == "true"
    assert demo.get("sys_alias", alias)["sys_mod_count"] == "1"
    inserted = sn_fleet_server.control("POST", "servicenow/demo1/records/sys_user_role", {"name": "ctl"})
    assert inserted.status_code == 201 and demo.records("sys_user_role", "name=ctl")
    assert sn_fleet_server.control("GET", "servicenow/nope/records/sys_user").status_code == 404
    assert sn_fleet_server.control("GET", "servicenow/demo1/records/no_table").status_code == 400
    assert sn_fleet_server.control("PATCH", "servicenow/demo1", {"hibernating": True}).status_code == 200
    assert "hibernating" in sn_fleet_server.admin(demo).get(demo.url + TABLE + "sys_user").text
    assert sn_fleet_server.control("DELETE", "servicenow/demo1").status_code == 200
    assert sn_fleet_server.fleet.instances() == []
    assert len(sn_fleet_server.server.log) == 1  # controls are not logged; the hibernating call is


# -- OAuth consent -------------------------------------------------------------------------------------------------
class FakeAtlassian:
    """Just enough of auth.atlassian.com: an authorize URL that honours emulator_decision and a token URL."""

    name = "fake-atlassian"
    client_id = "atl-client"
    client_secret = "atl-secret-value"

    def __init__(self):
        self.authorize_requests = []
        self.token_requests = []

    @staticmethod
    def handles(host):
        return host == "auth.atlassian.com"

    @staticmethod
    def label_for(_request):
        return "auth"

    def handle(self, request):
        response = self._answer(request)
        response.label = "auth"
        return response

    def _answer(self, request):
        if request.path == "/authorize":
            self.authorize_requests.append({k: v[0] for k, v in request.query.items()})
            target = request.arg("redirect_uri")
            if request.arg("emulator_decision") != "accept":
                return redirect_response(with_query(target, {"error": "access_denied", "state": request.arg("state"),
                                                             "error_description": "The user denied consent"}))
            return redirect_response(with_query(target, {"code": "code-%d" % len(self.authorize_requests),
                                                         "state": request.arg("state")}))
        body = request.json()
        self.token_requests.append(body)
        if body.get("client_id") != self.client_id or body.get("client_secret") != self.client_secret:
            return json_response(401, {"error": "access_denied", "error_description": "Unauthorized"})
        answer = {"access_token": "at-" + body["grant_type"], "expires_in": 3600, "scope": "read:jira-work",
                  "token_type": "Bearer"}
        if body["grant_type"] == "authorization_code":
            answer["refresh_token"] = "rt-secret"
        return json_response(200, answer)


def oauth_setup(session, instance, secret=FakeAtlassian.client_secret, client_id=FakeAtlassian.client_id):
    """What the collection creates for OAuth, over REST; returns the credential record."""
    def post(table, body):
        response = session.post(instance.url + TABLE + table, json=body,
                                params={"sysparm_input_display_value": "true",
                                        "sysparm_exclude_reference_link": "true"})
        assert response.status_code == 201, response.text
        return response.json()["result"]
    registry = post("oauth_entity", {
        "name": "Jira", "type": "oauth_provider", "client_id": client_id, "client_secret": secret,
        "default_grant_type": "authorization_code", "auth_url": "https://auth.atlassian.com/authorize",
        "token_url": "https://auth.atlassian.com/oauth/token"})
    profile = instance.records("oauth_entity_profile", "oauth_entity=%s^default=true" % registry["sys_id"])[0]
    for name, scope in (("Classic", "read:jira-work write:jira-work"), ("offline", "offline_access"),
                        ("Granular", "read:jira-work read:sprint:jira-software")):
        entity_scope = post("oauth_entity_scope", {"name": name, "oauth_entity_scope": scope,
                                                   "oauth_entity": registry["sys_id"]})
        post("oauth_entity_profile_scope", {"oauth_entity_profile": profile["sys_id"],
                                            "oauth_entity_scope": entity_scope["sys_id"]})
    return post("oauth_2_0_credentials", {"name": "Jira cred", "oauth_entity_profile": profile["sys_id"]})


@pytest.fixture
def consent_env(sn_fleet_server):
    fake = FakeAtlassian()
    sn_fleet_server.server.apps.append(fake)
    dev1 = sn_fleet_server.fleet.add_instance("dev1")
    return sn_fleet_server, dev1, fake


def test_consent_flow(consent_env):
    harness, dev1, fake = consent_env
    credential = oauth_setup(harness.admin(dev1), dev1)
    outcome = dev1.consent("Jira cred", atlassian_user="admin@example.com")
    assert outcome["ok"], outcome
    assert sorted(t["type"] for t in outcome["tokens"]) == ["access_token", "refresh_token"]
    sent = fake.authorize_requests[0]
    assert sent["scope"].split() == ["read:jira-work", "write:jira-work", "offline_access",
                                     "read:sprint:jira-software"]
    assert sent["audience"] == "api.atlassian.com" and sent["prompt"] == "consent"
    assert sent["response_type"] == "code" and sent["client_id"] == FakeAtlassian.client_id
    assert sent["redirect_uri"] == "https://dev1.service-now.com/oauth_redirect.do"
    assert sent["emulator_user"] == "admin@example.com" and sent["emulator_decision"] == "accept"
    assert fake.token_requests == [{"grant_type": "authorization_code", "client_id": FakeAtlassian.client_id,
                                    "client_secret": FakeAtlassian.client_secret, "code": "code-1",
                                    "redirect_uri": "https://dev1.service-now.com/oauth_redirect.do"}]
    requestor = dev1.records("oauth_requestor_profile", "requestor_id=" + credential["sys_id"])
    assert len(requestor) == 1 and requestor[0]["requestor_context"] == "oauth_2_0_credentials"
    rows = dev1.records("oauth_credential", "oauth_requestor_profile.requestor_id=%s^type=refresh_token"
                        % credential["sys_id"])
    assert len(rows) == 1 and rows[0]["peer"] == dev1.records("oauth_entity", "name=Jira")[0]["sys_id"]
    assert rows[0]["token_received"] and "rt-secret" not in rows[0]["token_received"]
    assert dev1.clear_value("oauth_credential", rows[0]["sys_id"], "token_received") == "rt-secret"
    # consent again replaces the token rows
    assert dev1.consent(credential["sys_id"])["ok"]
    assert len(dev1.records("oauth_credential")) == 2
    steps = [e for e in harness.server.log.entries()
             if e.path in ("/oauth_initiator.do", "/authorize", "/oauth_redirect.do", "/oauth/token")][:4]
    assert [(e.label, e.path, e.status) for e in steps] == [
        ("dev1", "/oauth_initiator.do", 302), ("auth", "/authorize", 302), ("auth", "/oauth/token", 200),
        ("dev1", "/oauth_redirect.do", 200)]
    assert not any(e.write for e in steps if e.label == "dev1")


def test_consent_denied_and_token_errors(consent_env):
    harness, dev1, fake = consent_env
    oauth_setup(harness.admin(dev1), dev1, secret="wrong-secret")
    denied = dev1.consent("Jira cred", decision="deny")
    assert not denied["ok"] and "access_denied" in denied["error"]
    refused = dev1.consent("Jira cred")
    assert not refused["ok"] and "access_denied" in refused["error"] and refused["tokens"] == []
    assert dev1.records("oauth_credential") == []
    assert not dev1.consent("no such credential")["ok"]
    assert len(fake.token_requests) == 1


def test_consent_through_control_api_and_client_credentials(consent_env):
    harness, dev1, fake = consent_env
    oauth_setup(harness.admin(dev1), dev1)
    response = harness.control("POST", "servicenow/dev1/consent", {"credential": "Jira cred", "decision": "accept"})
    assert response.status_code == 200 and response.json()["result"]["ok"]
    fetched = dev1.fetch_client_credentials_token("Jira cred")
    assert fetched["ok"] and [t["type"] for t in fetched["tokens"]] == ["access_token"]
    assert fake.token_requests[-1]["grant_type"] == "client_credentials"
    assert [r["type"] for r in dev1.records("oauth_credential")] == ["access_token"]
    by_control = harness.control("POST", "servicenow/dev1/client_credentials", {"credential": "Jira cred"})
    assert by_control.json()["result"]["ok"]


def test_initiator_needs_an_admin(consent_env):
    harness, dev1, _fake = consent_env
    credential = oauth_setup(harness.admin(dev1), dev1)
    profile = credential["oauth_entity_profile"]
    url = "%s/oauth_initiator.do?oauth_requestor_context=oauth_2_0_credentials&oauth_requestor=%s" \
          "&oauth_provider_profile=%s&response_type=code" % (dev1.url, credential["sys_id"], profile)
    anonymous = harness.session().get(url, allow_redirects=False)
    assert anonymous.status_code == 401
    viewer = harness.session(auth=(dev1.viewer_user, dev1.viewer_password)).get(url, allow_redirects=False)
    assert viewer.status_code == 401
    admin = harness.admin(dev1).get(url, allow_redirects=False)
    assert admin.status_code == 302
    location = urlsplit(admin.headers["Location"])
    assert location.netloc == "auth.atlassian.com" and parse_qs(location.query)["state"][0]
    bad_state = harness.session().get(dev1.url + "/oauth_redirect.do?code=x&state=forged")
    assert bad_state.status_code == 400 and "state" in bad_state.text


def test_consent_with_the_atlassian_emulator(sn_fleet_server):
    atlassian = pytest.importorskip("tests.emulator.atlassian")
    cloud = atlassian.AtlassianCloud()
    sn_fleet_server.server.apps.append(cloud)
    if hasattr(cloud, "attach"):
        cloud.attach(sn_fleet_server.server)
    site = cloud.add_site("acme")
    site.add_user("admin@example.com", "Ada Admin", admin=True)
    app = cloud.add_oauth_app("ServiceNow spoke", callback_urls=["https://dev1.service-now.com/oauth_redirect.do"],
                              scopes=("read:jira-work", "write:jira-work", "offline_access", "read:me",
                                      "read:sprint:jira-software"))
    dev1 = sn_fleet_server.fleet.add_instance("dev1")
    oauth_setup(sn_fleet_server.admin(dev1), dev1, secret=app.client_secret, client_id=app.client_id)
    outcome = dev1.consent("Jira cred", atlassian_user="admin@example.com")
    assert outcome["ok"], outcome
    assert sorted(t["type"] for t in outcome["tokens"]) == ["access_token", "refresh_token"]


# -- UI pages ------------------------------------------------------------------------------------------------------
def test_ui_pages(sn_fleet_server):
    dev1 = sn_fleet_server.fleet.add_instance("dev1")
    secret_id = dev1.insert("basic_auth_credentials", name="Jira basic", user_name="me@example.com",
                            password="api-token-value")
    browser = sn_fleet_server.session()
    page = browser.get(dev1.url + "/basic_auth_credentials.do", params={"sys_id": secret_id})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "Jira basic" in page.text and "********" in page.text and "api-token-value" not in page.text
    listing = browser.get(dev1.url + "/discovery_credentials_list.do", params={"sysparm_query": "nameLIKEJira"})
    assert "Jira basic" in listing.text and "api-token-value" not in listing.text
    alias = browser.get(dev1.url + "/sys_alias_list.do")
    assert "sn_jira_spoke.Jira" in alias.text
    assert browser.get(dev1.url + "/sys_user.do", params={"sys_id": "0" * 32}).status_code == 404
    assert browser.get(dev1.url + "/nothing_here.do").status_code == 404
    assert not any(entry.write for entry in sn_fleet_server.server.log.entries())
