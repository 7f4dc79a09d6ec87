"""The emulated webhooks over real HTTP through one front: Jira's admin and dynamic webhooks (CRUD, scopes, expiry and
refresh, the switches), the ServiceNow registry table as each instance has it (its switches) and its callback
endpoint, and a Jira event delivered from one to the other, signed or with the token in the URL."""

import hashlib
import hmac
import json
import secrets

import pytest
import requests

from tests.emulator.atlassian import AtlassianCloud
from tests.emulator.atlassian.webhooks import DYNAMIC_LIFETIME
from tests.emulator.server import EmulatorServer
from tests.emulator.servicenow import ServiceNowFleet
from tests.emulator.servicenow.schema import WEBHOOK_PATH, WEBHOOK_REGISTRY_TABLES
from tests.unit.emulator.conftest import NoDelayAdapter

TABLE = "/api/now/table/"
GATEWAY = "https://api.atlassian.com/ex/jira/%s"
WEBHOOK_SCOPES = ["read:jira-work", "manage:jira-webhook"]


class World:
    """A front serving a ServiceNow fleet and an Atlassian cloud, and a session that reaches both."""

    def __init__(self, tls):
        self.fleet = ServiceNowFleet()
        self.cloud = AtlassianCloud()
        self.server = EmulatorServer([self.fleet, self.cloud], tls=tls).start()
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.mount("https://", NoDelayAdapter())
        self.session.proxies = {"https": self.server.proxy_url}
        self.session.verify = tls.ca_path

    def request(self, method, url, **kwargs):
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, url, **kwargs)

    def close(self):
        self.session.close()
        self.server.stop()


@pytest.fixture(name="world")
def fixture_world(tls_material):
    world = World(tls_material)
    yield world
    world.close()


def token():
    return "t-" + secrets.token_urlsafe(20)


def sn(world, instance, method, table, body=None, sys_id=None, **params):
    url = instance.url + TABLE + table + ("/" + sys_id if sys_id else "")
    params.setdefault("sysparm_exclude_reference_link", "true")
    return world.request(method, url, json=body, params=params, auth=(instance.admin_user, instance.admin_password),
                         headers={"Accept": "application/json"})


def registry(world, instance, kind="token", name="Jira acme", value=None, **switches):
    """A token record and a registry through the Table API; returns (registry record, token)."""
    value = value or token()
    created = sn(world, instance, "POST", "token_verification", {"name": name}).json()["result"]
    sn(world, instance, "PATCH", "token_verification", {"token": value}, created["sys_id"],
       sysparm_input_display_value="true")
    fields = {"plain": ("name", "token", "callback_type", {"token": "token_based", "hmac": "hmac_based"}),
              "prefixed": ("webhook_name", "token_verification", "callback_url_type", {"token": "token", "hmac": "hmac"})}
    name_field, token_field, type_field, choices = fields[switches.get("fields", "plain")]
    body = {name_field: name, token_field: created["sys_id"]}
    if switches.get("types", True):
        body[type_field] = choices[kind]
    table = switches.get("table", WEBHOOK_REGISTRY_TABLES[0])
    answer = sn(world, instance, "POST", table, body)
    assert answer.status_code == 201, answer.text
    return answer.json()["result"], value


# -- ServiceNow: the registry table as each instance has it ---------------------------------------------------
def test_the_registry_table_is_one_of_the_candidates_or_absent(world):
    instance = world.fleet.add_instance("r1")
    tables = sn(world, instance, "GET", "sys_db_object", sysparm_query="sys_scope.scope=sn_jira_spoke",
                sysparm_fields="name,label").json()["result"]
    assert tables == [{"name": WEBHOOK_REGISTRY_TABLES[0], "label": "Jira Webhook Registry"}]
    for other in WEBHOOK_REGISTRY_TABLES[1:]:
        assert sn(world, instance, "GET", other).status_code == 400  # invalid table
    instance.set_options(webhook_registry_table=WEBHOOK_REGISTRY_TABLES[2])
    tables = sn(world, instance, "GET", "sys_db_object", sysparm_query="sys_scope.scope=sn_jira_spoke",
                sysparm_fields="name,label").json()["result"]
    assert tables == [{"name": WEBHOOK_REGISTRY_TABLES[2], "label": "Jira Webhook Registries"}]
    instance.set_options(webhook_registry_table="absent")
    assert sn(world, instance, "GET", "sys_db_object", sysparm_query="nameLIKEwebhook").json()["result"] == []
    assert sn(world, instance, "GET", "sys_dictionary", sysparm_query="nameLIKEwebhook").json()["result"] == []
    assert sn(world, instance, "GET", WEBHOOK_REGISTRY_TABLES[0]).status_code == 400
    bare = world.fleet.add_instance("r2", spoke_installed=False)
    assert sn(world, bare, "GET", WEBHOOK_REGISTRY_TABLES[0]).status_code == 400


@pytest.mark.parametrize("fields, expected", [
    ("plain", ["name", "description", "token", "path", "callback_type", "token_callback_url", "hmac_callback_url"]),
    ("prefixed", ["webhook_name", "webhook_description", "token_verification", "webhook_path", "callback_url_type",
                  "callback_url"]),
])
def test_the_registry_columns_follow_the_switches(world, fields, expected):
    instance = world.fleet.add_instance("c" + fields, webhook_registry_fields=fields)

    def columns():
        rows = sn(world, instance, "GET", "sys_dictionary", sysparm_query="name=" + WEBHOOK_REGISTRY_TABLES[0],
                  sysparm_fields="element,column_label").json()["result"]
        return [row["element"] for row in rows if not row["element"].startswith("sys_")]
    assert columns() == expected
    instance.set_options(webhook_callback_types="token_only", webhook_callback_url="not_shown")
    assert columns() == expected[:4]


def test_the_callback_url_shown_follows_type_token_and_parameter(world):
    instance = world.fleet.add_instance("u1")
    record, value = registry(world, instance, "token")
    base = "%s/%s" % (instance.url, WEBHOOK_PATH)
    assert record["token_callback_url"] == "%s?token=%s" % (base, value) and record["hmac_callback_url"] == ""
    changed = sn(world, instance, "PATCH", WEBHOOK_REGISTRY_TABLES[0], {"callback_type": "hmac_based"},
                 record["sys_id"]).json()["result"]
    assert changed["token_callback_url"] == "" and changed["hmac_callback_url"] == base
    # a new token shows in the URL of the registries using it
    sn(world, instance, "PATCH", WEBHOOK_REGISTRY_TABLES[0], {"callback_type": "token_based"}, record["sys_id"])
    rotated = token()
    sn(world, instance, "PATCH", "token_verification", {"token": rotated}, record["token"],
       sysparm_input_display_value="true")
    shown = sn(world, instance, "GET", WEBHOOK_REGISTRY_TABLES[0], sys_id=record["sys_id"]).json()["result"]
    assert shown["token_callback_url"] == "%s?token=%s" % (base, rotated)
    # formed on save: a new token does not show until the registry is saved again
    instance.set_options(webhook_callback_url_refresh="on_save")
    sn(world, instance, "PATCH", "token_verification", {"token": token()}, record["token"],
       sysparm_input_display_value="true")
    assert sn(world, instance, "GET", WEBHOOK_REGISTRY_TABLES[0], sys_id=record["sys_id"]).json()["result"][
        "token_callback_url"] == "%s?token=%s" % (base, rotated)
    other = world.fleet.add_instance("u2", webhook_registry_fields="prefixed", webhook_token_parameter="webhook_token")
    record, value = registry(world, other, "token", fields="prefixed")
    assert record["callback_url"] == "%s/%s?webhook_token=%s" % (other.url, WEBHOOK_PATH, value)


# -- ServiceNow: the callback endpoint ---------------------------------------------------------------------------
def test_the_callback_accepts_the_right_token_or_signature_only(world):
    instance = world.fleet.add_instance("cb1")
    _record, token_value = registry(world, instance, "token", name="by token")
    _record, secret = registry(world, instance, "hmac", name="by hmac")
    url = "%s/%s" % (instance.url, WEBHOOK_PATH)
    body = json.dumps({"webhookEvent": "jira:issue_created"}).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    statuses = [
        world.request("POST", url, params={"token": token_value}, data=body).status_code,
        world.request("POST", url, data=body, headers={"X-Hub-Signature": signature}).status_code,
        world.request("POST", url, params={"token": secret}, data=body).status_code,  # the HMAC one's is no URL token
        world.request("POST", url, params={"token": token()}, data=body).status_code,
        world.request("POST", url, data=body + b" ", headers={"X-Hub-Signature": signature}).status_code,
        world.request("POST", url, data=body).status_code,
        world.request("GET", url, params={"token": token_value}).status_code,
    ]
    assert statuses == [200, 200, 401, 401, 401, 401, 405]
    events = world.fleet.webhook_events[instance.name]
    assert [(e["accepted"], e["registry"], e["callback_type"]) for e in events] == [
        (True, "by token", "token"), (True, "by hmac", "hmac"), (False, None, None), (False, None, None),
        (False, None, None), (False, None, None)]
    # accepted events are writes of the instance (the spoke acts on them), refused ones are not
    logged = world.server.log.entries(label=instance.name, path=WEBHOOK_PATH)
    assert [entry.write for entry in logged] == [True, True, False, False, False, False, False]


def test_the_callback_follows_the_token_parameter_and_the_type_switches(world):
    instance = world.fleet.add_instance("cb2", webhook_token_parameter="webhook_token",
                                        webhook_callback_types="token_only")
    _record, value = registry(world, instance, types=False)
    url = "%s/%s" % (instance.url, WEBHOOK_PATH)
    assert world.request("POST", url, params={"token": value}, data=b"{}").status_code == 401
    assert world.request("POST", url, params={"webhook_token": value}, data=b"{}").status_code == 200
    # without the registry table there is no callback endpoint: the path is just an API path needing a login
    instance.set_options(webhook_registry_table="absent")
    assert world.request("POST", url, params={"webhook_token": value}, data=b"{}").status_code == 401
    assert world.fleet.webhook_events[instance.name][-1]["accepted"] is True  # the refused one was not an event


# -- Jira: admin webhooks --------------------------------------------------------------------------------------
def _site(world):
    site = world.cloud.add_site("acme")
    admin = site.add_user("admin@acme.example", admin=True)
    user = site.add_user("dev@acme.example")
    site.add_project("OPS")
    site.add_project("ENG")
    return site, (admin.email, admin.add_api_token()), (user.email, user.add_api_token())


def test_admin_webhooks_crud_for_administrators_only(world):
    site, admin, user = _site(world)
    hooks = site.url + "/rest/webhooks/1.0/webhook"
    body = {"name": "ServiceNow", "url": "https://x.example/hook", "events": ["jira:issue_created"],
            "filters": {"issue-related-events-section": "project = OPS"}, "excludeBody": False, "secret": "s3cret"}
    assert world.request("GET", hooks).status_code == 401
    assert world.request("GET", hooks, auth=user).status_code == 403
    created = world.request("POST", hooks, json=body, auth=admin)
    assert created.status_code == 201
    hook = created.json()
    assert hook["self"] == hooks + "/1" and "secret" not in hook and hook["enabled"] is True
    assert hook["filters"] == {"issue-related-events-section": "project = OPS"}
    assert world.request("GET", hooks, auth=admin).json() == [hook]
    assert world.request("POST", hooks, json={"name": "", "url": "x"}, auth=admin).status_code == 400
    updated = world.request("PUT", hooks + "/1", json=dict(body, events=["comment_created"]), auth=admin)
    assert updated.status_code == 200 and updated.json()["events"] == ["comment_created"]
    assert world.request("DELETE", hooks + "/1", auth=admin).status_code == 204
    assert world.request("GET", hooks + "/1", auth=admin).status_code == 404
    writes = world.server.log.writes(label="acme")
    assert [(entry.method, entry.status) for entry in writes] == [("POST", 201), ("PUT", 200), ("DELETE", 204)]


@pytest.mark.parametrize("on_put, kept", [("kept", True), ("cleared", False)])
def test_a_put_without_the_secret_follows_the_switch(world, on_put, kept):
    site, admin, _user = _site(world)
    world.cloud.webhooks.set(admin_secret_on_put=on_put)
    hooks = site.url + "/rest/webhooks/1.0/webhook"
    body = {"name": "n", "url": "https://x.example/hook", "events": ["jira:issue_created"], "secret": "s3cret"}
    world.request("POST", hooks, json=body, auth=admin)
    world.request("PUT", hooks + "/1", json=dict(body, secret=None), auth=admin)
    assert (site.admin_webhooks[1].secret == "s3cret") is kept


# -- Jira: dynamic webhooks ------------------------------------------------------------------------------------
def _oauth(world, site, scopes=tuple(WEBHOOK_SCOPES), name="app"):
    app = world.cloud.add_oauth_app(name, scopes=scopes)
    owner = site.user("admin@acme.example")
    return app, {"Authorization": "Bearer " + world.cloud.issue_tokens(app, owner)["access_token"]}


def test_dynamic_webhooks_of_an_app(world):
    site, admin, _user = _site(world)
    app, bearer = _oauth(world, site)
    _other, other_bearer = _oauth(world, site, name="other app")
    base = GATEWAY % site.cloud_id + "/rest/api/3/webhook"
    body = {"url": "https://x.example/hook", "webhooks": [
        {"events": ["jira:issue_created"], "jqlFilter": "project = OPS"},
        {"events": ["jira:issue_created"], "jqlFilter": "watchCount > 1"},
        {"events": ["sprint_started"], "jqlFilter": "project = OPS"}]}
    answer = world.request("POST", base, json=body, headers=bearer).json()
    assert answer == {"webhookRegistrationResult": [{"createdWebhookId": 10000},
                                                    {"errors": ["The clause watchCount is unsupported"]},
                                                    {"errors": ["Unsupported event(s): sprint_started"]}]}
    assert world.request("POST", base, json=dict(body, secret="x"), headers=bearer).status_code == 400
    listed = world.request("GET", base, headers=bearer).json()
    assert listed["total"] == 1 and listed["isLast"] is True
    [hook] = listed["values"]
    assert hook["id"] == 10000 and hook["url"] == "https://x.example/hook" and hook["jqlFilter"] == "project = OPS"
    assert abs(hook["expirationDate"] / 1000 - world.cloud.clock.now() - DYNAMIC_LIFETIME) < 5
    # another app sees none, and cannot remove it (its IDs are ignored)
    assert world.request("GET", base, headers=other_bearer).json()["values"] == []
    assert world.request("DELETE", base, json={"webhookIds": [10000]}, headers=other_bearer).status_code == 202
    assert 10000 in site.dynamic_webhooks
    # basic auth is no app; a token without the scopes is refused by the gateway
    assert world.request("GET", site.url + "/rest/api/3/webhook", auth=admin).status_code == 403
    _app, narrow = _oauth(world, site, scopes=["read:jira-work"], name="narrow")
    assert world.request("GET", base, headers=narrow).status_code == 401
    # refresh, then delete
    world.cloud.clock.advance(days=20)
    app_token = {"Authorization": "Bearer " + world.cloud.issue_tokens(app, site.user("admin@acme.example"))[
        "access_token"]}
    refreshed = world.request("PUT", base + "/refresh", json={"webhookIds": [10000, 4242]}, headers=app_token).json()
    assert abs(refreshed["expirationDate"] / 1000 - world.cloud.clock.now() - DYNAMIC_LIFETIME) < 5
    assert world.request("DELETE", base, json={}, headers=app_token).status_code == 400
    assert world.request("DELETE", base, json={"webhookIds": [10000]}, headers=app_token).status_code == 202
    assert not site.dynamic_webhooks
    writes = world.server.log.writes(label="api")
    assert [(entry.method, entry.status) for entry in writes] == [
        ("POST", 200), ("DELETE", 202), ("PUT", 200), ("DELETE", 202)]


def test_the_expiration_date_format_follows_the_switch(world):
    site, _admin, _user = _site(world)
    world.cloud.webhooks.set(dynamic_expiration_format="iso")
    _app, bearer = _oauth(world, site)
    base = GATEWAY % site.cloud_id + "/rest/api/3/webhook"
    world.request("POST", base, json={"url": "https://x.example/h", "webhooks": [
        {"events": ["jira:issue_created"], "jqlFilter": "project = OPS"}]}, headers=bearer)
    [hook] = world.request("GET", base, headers=bearer).json()["values"]
    assert isinstance(hook["expirationDate"], str) and hook["expirationDate"].endswith("+0000")
    with pytest.raises(ValueError):
        world.cloud.webhooks.set(dynamic_expiration_format="epoch")


# -- Jira to ServiceNow -------------------------------------------------------------------------------------------
def test_an_event_reaches_every_matching_webhook_signed_when_it_has_a_secret(world):
    instance = world.fleet.add_instance("ev1")
    _record, hmac_token = registry(world, instance, "hmac", name="hmac one")
    _record, url_token = registry(world, instance, "token", name="token one")
    site, admin, _user = _site(world)
    callback = "%s/%s" % (instance.url, WEBHOOK_PATH)
    hooks = site.url + "/rest/webhooks/1.0/webhook"
    for body in ({"name": "signed", "secret": hmac_token, "filters": {"issue-related-events-section": "project = OPS"}},
                 {"name": "unsigned"}, {"name": "wrong secret", "secret": token()}):
        world.request("POST", hooks, auth=admin, json=dict(body, url=callback, events=["jira:issue_created"]))
    _app, bearer = _oauth(world, site)
    world.request("POST", GATEWAY % site.cloud_id + "/rest/api/3/webhook", headers=bearer, json={
        "url": callback + "?token=" + url_token, "webhooks": [{"events": ["jira:issue_created"],
                                                               "jqlFilter": "project = OPS"}]})
    ops = site.add_issue("OPS", "in OPS")
    eng = site.add_issue("ENG", "in ENG")
    delivered = world.cloud.fire(site, "jira:issue_created", ops)
    assert sorted((d["kind"], d["id"], d["status"], d["signed"]) for d in delivered) == [
        ("admin", 1, 200, True), ("admin", 2, 401, False), ("admin", 3, 401, True), ("dynamic", 10000, 200, False)]
    delivered = world.cloud.fire(site, "jira:issue_created", eng)  # only the webhooks without an OPS filter
    assert sorted((d["id"], d["status"]) for d in delivered) == [(2, 401), (3, 401)]
    assert world.cloud.fire(site, "jira:issue_updated", ops) == []
    accepted = [e for e in world.fleet.webhook_events[instance.name] if e["accepted"]]
    assert sorted((e["registry"], e["body"]["issue"]["key"]) for e in accepted) == [
        ("hmac one", "OPS-1"), ("token one", "OPS-1")]
    # an expired dynamic webhook is no longer sent
    world.cloud.clock.advance(days=31)
    assert [d["kind"] for d in world.cloud.fire(site, "jira:issue_created", ops)] == ["admin", "admin", "admin"]
