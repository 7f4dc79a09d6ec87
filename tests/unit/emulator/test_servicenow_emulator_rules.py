"""Business rules and seeded data of the emulated ServiceNow."""

import json

import pytest

TABLE = "/api/now/table/"
RULE_DETAIL = "Operation against file '%s' was aborted by Business Rule '%s'"


@pytest.fixture
def dev1(sn_fleet_server):
    return sn_fleet_server.fleet.add_instance("dev1", spoke_version="5.4.0")


@pytest.fixture
def admin(sn_fleet_server, dev1):
    return sn_fleet_server.admin(dev1)


def post(session, instance, table, body, **params):
    params.setdefault("sysparm_exclude_reference_link", "true")
    return session.post(instance.url + TABLE + table, json=body, params=params, timeout=10)


def patch(session, instance, table, sys_id, body):
    return session.patch(instance.url + TABLE + table + "/" + sys_id, json=body,
                         params={"sysparm_exclude_reference_link": "true"}, timeout=10)


def assert_rule_abort(response, table, rule):
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["status"] == "failure" and body["error"]["message"] == "Operation Failed"
    assert body["error"]["detail"].startswith(RULE_DETAIL % (table, rule))


# -- seeds -----------------------------------------------------------------------------------------------------
def test_seeded_users_roles_and_scopes(dev1):
    users = {u["user_name"]: u for u in dev1.records("sys_user")}
    assert set(users) == {"admin", "viewer"}
    assert dev1.admin_password not in json.dumps(users)
    assert dev1.records("sys_user_has_role", "user.user_name=admin^role.name=admin")
    assert dev1.records("sys_user_has_role", "user.user_name=viewer^role.name=itil")
    assert not dev1.records("sys_user_has_role", "user.user_name=viewer^role.name=admin")
    scopes = {s["scope"]: s for s in dev1.records("sys_scope")}
    assert scopes["global"]["sys_id"] == "global"
    assert scopes["sn_jira_spoke"]["name"] == "Jira Spoke"
    assert scopes["sn_jira_spoke"]["sys_class_name"] == "sys_store_app"
    app = dev1.records("sys_store_app", "scope=sn_jira_spoke^active=true")[0]
    assert app["version"] == "5.4.0"
    assert dev1.url == "https://dev1.service-now.com"


def test_seeded_plugins(dev1):
    plugins = {p["id"]: p["active"] for p in dev1.records("v_plugin")}
    for plugin in ("com.glide.hub.action_type.datastream", "com.glide.cobject",
                   "com.glide.hub.action_step.get_connection_info", "com.glide.hub.integration.runtime",
                   "com.glide.hub.action_step.rest", "com.glide.hub.dynamic_inputs", "com.glide.external.app"):
        assert plugins[plugin] in ("active", "true")
    assert set(plugins.values()) == {"active", "true"}  # both spellings appear


def test_seeded_alias_template_and_attributes(admin, dev1):
    alias = admin.get(dev1.url + TABLE + "sys_alias", params={
        "sysparm_query": "id=sn_jira_spoke.Jira", "sysparm_display_value": "all"}).json()["result"][0]
    assert alias["name"]["value"] == "Jira" and alias["type"]["value"] == "connection"
    assert alias["connection_type"]["value"] == "http_connection"
    assert alias["multiple_connections"]["value"] == "false"
    assert alias["sys_scope"]["display_value"] == "Jira Spoke"
    template = admin.get(alias["configuration_template"]["link"]).json()["result"]
    data = json.loads(template["default_data_template"])
    assert data["connection"]["extended_attributes"] == {"api_version": "2", "server_type": "cloud"}
    assert data["credential"]["type"] == "basic_auth_credentials" and data["connection"]["type"] == "http_connection"
    attributes = admin.get(dev1.url + TABLE + "var_dictionary", params={
        "sysparm_query": "model=%s^ORDERBYelement" % alias["sys_id"]["value"],
        "sysparm_fields": "element,default_value,model.id"}).json()["result"]
    assert attributes == [
        {"element": "api_version", "default_value": "2", "model.id": "sn_jira_spoke.Jira"},
        {"element": "server_type", "default_value": "cloud", "model.id": "sn_jira_spoke.Jira"},
    ]
    registry = dev1.records("oauth_entity", "type=client")[0]
    assert registry["client_id"] == dev1.oauth_client_id and registry["client_secret"] != dev1.oauth_client_secret


def test_shipped_records_share_sys_ids_across_instances(sn_fleet_server, dev1):
    other = sn_fleet_server.fleet.add_instance("dev2")
    assert dev1.records("sys_alias")[0]["sys_id"] == other.records("sys_alias")[0]["sys_id"]
    assert dev1.records("sys_user", "user_name=viewer")[0]["sys_id"] != \
        other.records("sys_user", "user_name=viewer")[0]["sys_id"]


# -- OAuth registry and profiles ---------------------------------------------------------------------------------
def test_registry_creates_default_profile_and_redirect_url(admin, dev1):
    registry = post(admin, dev1, "oauth_entity", {"name": "Jira OAuth", "default_grant_type": "authorization_code",
                                                  "type": "oauth_provider"}).json()["result"]
    assert registry["redirect_url"] == "https://dev1.service-now.com/oauth_redirect.do"
    profiles = dev1.records("oauth_entity_profile", "oauth_entity=%s^default=true" % registry["sys_id"])
    assert len(profiles) == 1
    assert profiles[0]["name"] == "Jira OAuth default_profile" and profiles[0]["grant_type"] == "authorization_code"
    kept = post(admin, dev1, "oauth_entity", {"name": "Own URL", "redirect_url": "https://x/cb",
                                              "default_grant_type": "client_credentials"}).json()["result"]
    assert kept["redirect_url"] == "https://x/cb"
    assert dev1.records("oauth_entity_profile", "oauth_entity=" + kept["sys_id"])[0]["grant_type"] == \
        "client_credentials"
    client = post(admin, dev1, "oauth_entity", {"name": "Inbound", "type": "client"}).json()["result"]
    assert client["redirect_url"] == "" and not dev1.records("oauth_entity_profile", "oauth_entity=" + client["sys_id"])


def test_one_default_profile_per_registry(admin, dev1):
    registry = post(admin, dev1, "oauth_entity", {"name": "R"}).json()["result"]["sys_id"]
    second = post(admin, dev1, "oauth_entity_profile", {"name": "second", "oauth_entity": registry, "default": True})
    assert_rule_abort(second, "oauth_entity_profile", "Only one default profile per entity")
    other = post(admin, dev1, "oauth_entity_profile", {"name": "other", "oauth_entity": registry}).json()["result"]
    assert other["default"] == "false"
    assert_rule_abort(patch(admin, dev1, "oauth_entity_profile", other["sys_id"], {"default": "true"}),
                      "oauth_entity_profile", "Only one default profile per entity")
    assert len(dev1.records("oauth_entity_profile", "oauth_entity=%s^default=true" % registry)) == 1


# -- connections and aliases -------------------------------------------------------------------------------------
def test_connection_url_parts(admin, dev1):
    created = post(admin, dev1, "http_connection", {
        "name": "c", "connection_url": "https://api.atlassian.com/ex/jira/1234-abcd"}).json()["result"]
    assert (created["protocol"], created["host"], created["port"], created["base_path"]) == \
        ("https", "api.atlassian.com", "443", "/ex/jira/1234-abcd")
    changed = patch(admin, dev1, "http_connection", created["sys_id"],
                    {"connection_url": "http://jira.example.com:8080/"}).json()["result"]
    assert (changed["protocol"], changed["host"], changed["port"], changed["base_path"]) == \
        ("http", "jira.example.com", "8080", "")


def test_single_active_connection_per_alias(admin, dev1):
    alias = dev1.records("sys_alias", "id=sn_jira_spoke.Jira")[0]["sys_id"]
    first = post(admin, dev1, "http_connection", {"name": "one", "connection_alias": alias, "active": "true",
                                                  "connection_url": "https://acme.atlassian.net"})
    assert first.status_code == 201
    second = post(admin, dev1, "http_connection", {"name": "two", "connection_alias": alias,
                                                   "connection_url": "https://other.atlassian.net"})
    assert_rule_abort(second, "http_connection", "Validate active connection per alias")
    inactive = post(admin, dev1, "http_connection", {"name": "three", "connection_alias": alias, "active": False})
    assert inactive.status_code == 201
    activate = patch(admin, dev1, "http_connection", inactive.json()["result"]["sys_id"], {"active": True})
    assert_rule_abort(activate, "http_connection", "Validate active connection per alias")
    # an alias with multiple connections accepts several
    multi = post(admin, dev1, "sys_alias", {"name": "Multi", "type": "connection", "multiple_connections": True,
                                            "connection_type": "http_connection"}).json()["result"]["sys_id"]
    for name in ("m1", "m2"):
        assert post(admin, dev1, "http_connection", {"name": name, "connection_alias": multi}).status_code == 201


def test_child_alias_parent_is_fixed(admin, dev1):
    jira = dev1.records("sys_alias", "id=sn_jira_spoke.Jira")[0]["sys_id"]
    child = post(admin, dev1, "sys_alias", {"name": "Jira_acme", "parent": jira, "type": "connection",
                                            "connection_type": "http_connection", "multiple_connections": False})
    assert child.status_code == 201
    child_id = child.json()["result"]["sys_id"]
    assert child.json()["result"]["id"] == "global.Jira_acme"
    assert_rule_abort(patch(admin, dev1, "sys_alias", child_id, {"parent": ""}), "sys_alias",
                      "Prevent parent alias change")
    assert patch(admin, dev1, "sys_alias", child_id, {"retry_policy": "x"}).status_code == 200
    # the child alias gets its own active connection even though the parent has one
    post(admin, dev1, "http_connection", {"name": "p", "connection_alias": jira})
    assert post(admin, dev1, "http_connection", {"name": "c", "connection_alias": child_id}).status_code == 201


def test_user_name_is_computed(admin, dev1):
    user = post(admin, dev1, "sys_user", {"user_name": "jdoe", "first_name": "Jane", "last_name": "Doe"})
    assert user.json()["result"]["name"] == "Jane Doe"


def test_rule_refusals_are_not_logged_as_writes(sn_fleet_server, admin, dev1):
    registry = post(admin, dev1, "oauth_entity", {"name": "R"}).json()["result"]["sys_id"]
    post(admin, dev1, "oauth_entity_profile", {"name": "x", "oauth_entity": registry, "default": True})
    entries = sn_fleet_server.server.log.entries(method="POST")
    assert [(e.status, e.write, e.label) for e in entries] == [(201, True, "dev1"), (403, False, "dev1")]
