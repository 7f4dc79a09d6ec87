"""Authentication, oauth_token.do, ACLs and the instance switches of the emulated ServiceNow."""

import pytest

USERS = "/api/now/table/sys_user"
UNAUTHENTICATED = {"error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
                   "status": "failure"}


@pytest.fixture
def dev1(sn_fleet_server):
    return sn_fleet_server.fleet.add_instance("dev1", mfa_users=("mfa.user",))


def token(session, instance, **form):
    data = dict({"client_id": instance.oauth_client_id, "client_secret": instance.oauth_client_secret}, **form)
    return session.post(instance.url + "/oauth_token.do", data=data, timeout=10)


def test_basic_auth_and_401s(sn_fleet_server, dev1):
    assert sn_fleet_server.admin(dev1).get(dev1.url + USERS).status_code == 200
    for auth in (None, ("admin", "wrong"), ("nobody", "x")):
        response = sn_fleet_server.session(auth=auth).get(dev1.url + USERS)
        assert response.status_code == 401
        assert response.json() == UNAUTHENTICATED
        assert response.headers["WWW-Authenticate"] == 'BASIC realm="Service-now"'
        assert "X-MFA_TOKEN" not in response.headers
    garbled = sn_fleet_server.session(headers={"Authorization": "Basic !!!"}).get(dev1.url + USERS)
    assert garbled.status_code == 401


def test_mfa_user(sn_fleet_server, dev1):
    dev1.insert("sys_user", user_name="mfa.user", user_password="pw-1")
    response = sn_fleet_server.session(auth=("mfa.user", "pw-1")).get(dev1.url + USERS)
    assert response.status_code == 401 and response.headers["X-MFA_TOKEN"] == "invalid"
    assert token(sn_fleet_server.session(), dev1, grant_type="password", username="mfa.user",
                 password="pw-1").status_code == 401


def test_inactive_or_locked_user(sn_fleet_server, dev1):
    user = dev1.insert("sys_user", user_name="temp", user_password="pw-2", active=False)
    assert sn_fleet_server.session(auth=("temp", "pw-2")).get(dev1.url + USERS).status_code == 401
    dev1.tamper("sys_user", user, active=True, locked_out=True)
    assert sn_fleet_server.session(auth=("temp", "pw-2")).get(dev1.url + USERS).status_code == 401


def test_api_key(sn_fleet_server, dev1):
    ok = sn_fleet_server.session(headers={"x-sn-apikey": dev1.api_key}).get(dev1.url + USERS)
    assert ok.status_code == 200 and len(ok.json()["result"]) == 2
    bad = sn_fleet_server.session(headers={"x-sn-apikey": "0" * 32}).get(dev1.url + USERS)
    assert bad.status_code == 401 and bad.json() == UNAUTHENTICATED


def test_oauth_password_and_refresh_grants(sn_fleet_server, dev1):
    session = sn_fleet_server.session()
    answer = token(session, dev1, grant_type="password", username="admin", password=dev1.admin_password)
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"access_token", "refresh_token", "scope", "token_type", "expires_in"}
    assert body["scope"] == "useraccount" and body["token_type"] == "Bearer" and body["expires_in"] == 1799
    bearer = sn_fleet_server.session(headers={"Authorization": "Bearer " + body["access_token"]})
    assert bearer.get(dev1.url + USERS).status_code == 200
    refreshed = token(session, dev1, grant_type="refresh_token", refresh_token=body["refresh_token"]).json()
    assert refreshed["access_token"] != body["access_token"]
    assert sn_fleet_server.session(headers={"Authorization": "Bearer " + refreshed["access_token"]}).get(
        dev1.url + USERS).status_code == 200
    assert sn_fleet_server.session(headers={"Authorization": "Bearer nope"}).get(dev1.url + USERS).status_code == 401
    log = sn_fleet_server.server.log.entries(path="oauth_token")
    assert log and not any(entry.write for entry in log)


def test_oauth_client_credentials_and_failures(sn_fleet_server, dev1):
    session = sn_fleet_server.session()
    answer = token(session, dev1, grant_type="client_credentials").json()
    assert "refresh_token" not in answer
    users = sn_fleet_server.session(headers={"Authorization": "Bearer " + answer["access_token"]}).get(
        dev1.url + "/api/now/table/oauth_entity")
    assert users.status_code == 200  # the client acts as admin
    denied = {"error": "server_error", "error_description": "access_denied"}  # as real instances answer
    for form in ({"grant_type": "password", "username": "admin", "password": "wrong"},
                 {"grant_type": "password", "username": "admin", "password": dev1.admin_password,
                  "client_secret": "wrong"},
                 {"grant_type": "client_credentials", "client_id": "unknown"},
                 {"grant_type": "refresh_token", "refresh_token": "unknown"}):
        response = token(session, dev1, **form)
        assert response.status_code == 401 and response.json() == denied
    implicit = token(session, dev1, grant_type="implicit")
    assert implicit.status_code == 400 and implicit.json() == denied
    assert session.get(dev1.url + "/oauth_token.do").json() == denied


def test_tokens_expire(sn_fleet_server):
    clock = [1_800_000_000.0]
    sn_fleet_server.fleet.clock = lambda: clock[0]
    dev2 = sn_fleet_server.fleet.add_instance("dev2", token_lifespan=60)
    body = token(sn_fleet_server.session(), dev2, grant_type="password", username="admin",
                 password=dev2.admin_password).json()
    assert body["expires_in"] == 60
    bearer = sn_fleet_server.session(headers={"Authorization": "Bearer " + body["access_token"]})
    assert bearer.get(dev2.url + USERS).status_code == 200
    clock[0] += 61
    assert bearer.get(dev2.url + USERS).status_code == 401
    refreshed = token(sn_fleet_server.session(), dev2, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert refreshed.status_code == 200


def test_viewer_acls(sn_fleet_server, dev1):
    viewer = sn_fleet_server.session(auth=(dev1.viewer_user, dev1.viewer_password))
    users = viewer.get(dev1.url + USERS).json()["result"]
    assert [u["user_name"] for u in users] == ["viewer"]  # own record only
    links = viewer.get(dev1.url + "/api/now/table/sys_user_has_role",
                       params={"sysparm_fields": "role.name", "sysparm_query": "user.user_name=admin"})
    assert links.json()["result"] == []
    own = viewer.get(dev1.url + "/api/now/table/sys_user_has_role", params={"sysparm_fields": "role.name"})
    assert own.json()["result"] == [{"role.name": "itil"}]
    admin_record = viewer.get(dev1.url + USERS + "/6816f79cc0a8016401c5a33be04be441")
    assert admin_record.status_code == 404
    for table in ("sys_store_app", "v_plugin", "sys_alias", "sys_scope", "sys_dictionary", "sys_db_object"):
        assert viewer.get(dev1.url + "/api/now/table/" + table, params={"sysparm_limit": 1}).status_code == 200
    for table in ("oauth_entity", "basic_auth_credentials", "discovery_credentials", "http_connection",
                  "sys_alias_templates", "var_dictionary", "oauth_credential"):
        refused = viewer.get(dev1.url + "/api/now/table/" + table)
        assert refused.status_code == 403
        assert refused.json() == {"error": {"message": "User Not Authorized",
                                            "detail": "ACL restricts the record retrieval"}, "status": "failure"}
    inserted = viewer.post(dev1.url + "/api/now/table/sys_alias", json={"name": "x"})
    assert inserted.status_code == 403
    assert inserted.json()["error"] == {"message": "Operation Failed",
                                        "detail": "ACL Exception Insert Failed due to security constraints"}
    alias = dev1.records("sys_alias", "name=Jira")[0]["sys_id"]
    updated = viewer.patch(dev1.url + "/api/now/table/sys_alias/" + alias, json={"name": "y"})
    assert updated.status_code == 403 and "Update Failed" in updated.json()["error"]["detail"]
    deleted = viewer.delete(dev1.url + "/api/now/table/sys_alias/" + alias)
    assert deleted.status_code == 403 and "Delete Failed" in deleted.json()["error"]["detail"]
    assert dev1.get("sys_alias", alias)["name"] == "Jira"
    assert not any(entry.write for entry in sn_fleet_server.server.log.entries())


def test_admin_role_comes_from_the_data(sn_fleet_server, dev1):
    viewer = sn_fleet_server.session(auth=(dev1.viewer_user, dev1.viewer_password))
    assert viewer.get(dev1.url + "/api/now/table/oauth_entity").status_code == 403
    viewer_id = dev1.records("sys_user", "user_name=viewer")[0]["sys_id"]
    admin_role = dev1.records("sys_user_role", "name=admin")[0]["sys_id"]
    dev1.insert("sys_user_has_role", user=viewer_id, role=admin_role, state="active")
    assert viewer.get(dev1.url + "/api/now/table/oauth_entity").status_code == 200


# -- switches --------------------------------------------------------------------------------------------------
def test_hibernating(sn_fleet_server):
    sleepy = sn_fleet_server.fleet.add_instance("sleepy", hibernating=True)
    for path in (USERS, "/oauth_token.do", "/"):
        response = sn_fleet_server.admin(sleepy).get(sleepy.url + path)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
        assert "hibernating" in response.text
    sleepy.set_options(hibernating=False)
    assert sn_fleet_server.admin(sleepy).get(sleepy.url + USERS).json()["result"]


def test_sso_redirect(sn_fleet_server):
    sso = sn_fleet_server.fleet.add_instance("sso", sso_redirect=True)
    page = sn_fleet_server.session(auth=("admin", "wrong")).get(sso.url + USERS)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html") and "SSO" in page.text
    assert sn_fleet_server.admin(sso).get(sso.url + USERS).json()["result"]


def test_spoke_and_plugin_switches(sn_fleet_server):
    fleet = sn_fleet_server.fleet
    off = fleet.add_instance("off", spoke_active=False, plugins_active=False, spoke_version="4.3.2")
    app = off.records("sys_store_app", "scope=sn_jira_spoke")[0]
    assert app["active"] == "false" and app["version"] == "4.3.2"
    assert {p["active"] for p in off.records("v_plugin")} == {"inactive", "false"}
    missing = fleet.add_instance("missing", spoke_installed=False)
    assert missing.records("sys_store_app") == [] and missing.records("sys_alias") == []
    assert missing.records("sys_scope", "scope=sn_jira_spoke") == []
    partial = fleet.add_instance("partial", inactive_plugins=["com.glide.hub.action_step.rest"])
    states = {p["id"]: p["active"] for p in partial.records("v_plugin")}
    assert states["com.glide.hub.action_step.rest"] in ("inactive", "false")
    assert states["com.glide.cobject"] in ("active", "true")
    off.set_options(spoke_active=True, plugins_active=True)
    assert off.records("sys_store_app")[0]["active"] == "true"
    assert {p["active"] for p in off.records("v_plugin")} == {"active", "true"}
    # add_instance is idempotent by name and applies switches given again
    assert fleet.add_instance("off", spoke_active=False) is off
    assert off.records("sys_store_app")[0]["active"] == "false"
