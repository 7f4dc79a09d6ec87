"""Table API and Batch API of the emulated ServiceNow, through the front over TLS and the proxy."""

import base64
import json
import re

import pytest

TABLE = "/api/now/table/"


@pytest.fixture
def dev1(sn_fleet_server):
    return sn_fleet_server.fleet.add_instance("dev1")


@pytest.fixture
def admin(sn_fleet_server, dev1):
    return sn_fleet_server.admin(dev1)


def get(session, instance, table, **params):
    response = session.get(instance.url + TABLE + table, params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["result"]


def post(session, instance, table, body, **params):
    return session.post(instance.url + TABLE + table, json=body, params=params, timeout=10)


def names(result):
    return sorted(r["name"] for r in result)


@pytest.fixture
def roles(dev1):
    """A few sys_user_role rows to query."""
    for name, description in (("alpha", "first role"), ("beta", "second"), ("gamma", ""), ("Delta", "x^y")):
        dev1.insert("sys_user_role", name=name, description=description)
    return dev1


# -- queries ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("query, expected", [
    ("name=alpha", ["alpha"]),
    ("name=ALPHA", ["alpha"]),  # case-insensitive like the real database
    ("nameSTARTSWITHal", ["alpha"]),
    ("nameENDSWITHta", ["Delta", "beta"]),
    ("nameLIKEelt", ["Delta"]),
    ("nameINalpha,beta,nothing", ["alpha", "beta"]),
    ("descriptionISEMPTY^nameNOT INadmin,itil,oauth_admin,web_service_admin", ["gamma"]),
    ("descriptionISNOTEMPTY^nameLIKEa^nameNOT LIKEadmin", ["Delta", "alpha", "beta"]),
    ("name!=alpha^nameINalpha,beta", ["beta"]),
    ("name=alpha^ORname=beta", ["alpha", "beta"]),
    ("name=alpha^name=beta", []),
    ("name=alpha^NQname=gamma", ["alpha", "gamma"]),
    ("nameSTARTSWITHa^ORnameSTARTSWITHb^descriptionLIKEsec", ["beta"]),
    ("name=alpha^EQ", ["alpha"]),
])
def test_query_operators(sn_fleet_server, roles, query, expected):
    session = sn_fleet_server.admin(roles)
    assert names(get(session, roles, "sys_user_role", sysparm_query=query)) == sorted(expected)


ALL_ROLES = ["Delta", "admin", "alpha", "beta", "gamma", "itil", "oauth_admin", "web_service_admin"]


@pytest.mark.parametrize("query, ignored, no_rows", [
    ("no_such_field=1", ALL_ROLES, []),  # documented: the invalid part is dropped, the whole table answers
    ("name=alpha^no_such_field=1", ["alpha"], []),
    ("garbage", ALL_ROLES, []),
    ("name=alpha^ORno_such=1^ORname=beta", ["alpha", "beta"], []),  # only that alternative goes
    ("name=alpha^NQno_such=1", ALL_ROLES, []),  # a group left without conditions matches everything
    ("name.x=1^name=beta", ["beta"], []),  # a dot-walk through a string field
    ("nameSTARTSWITHal^ORDERBYno_such", ["alpha"], ["alpha"]),  # unknown ORDERBY fields are ignored
])
def test_invalid_query(sn_fleet_server, roles, query, ignored, no_rows):
    session = sn_fleet_server.admin(roles)
    assert names(get(session, roles, "sys_user_role", sysparm_query=query)) == ignored
    roles.set_options(invalid_query="no_rows")
    assert names(get(session, roles, "sys_user_role", sysparm_query=query)) == no_rows


def test_dot_walking_and_booleans(admin, dev1):
    rows = get(admin, dev1, "sys_user_has_role", sysparm_query="user.user_name=admin^role.name=admin")
    assert len(rows) == 1
    assert get(admin, dev1, "sys_user_has_role", sysparm_query="user.user_name=viewer^role.name=admin") == []
    assert len(get(admin, dev1, "sys_user_has_role", sysparm_query="user.no_field=x")) == 2  # dropped
    assert len(get(admin, dev1, "sys_user", sysparm_query="active=true")) == 2
    assert get(admin, dev1, "sys_user", sysparm_query="active=false") == []
    # dot-walk through sys_scope (its global record's sys_id is the literal "global")
    assert get(admin, dev1, "sys_alias", sysparm_query="sys_scope.scope=sn_jira_spoke",
               sysparm_fields="id") == [{"id": "sn_jira_spoke.Jira"}]


def test_numeric_comparisons(admin, dev1):
    def elements(query):
        return [r["element"] for r in get(admin, dev1, "var_dictionary", sysparm_query=query + "^ORDERBYorder")]
    assert elements("order>150") == ["server_type"]
    assert elements("order>=100") == ["api_version", "server_type"]
    assert elements("order<100") == []
    assert elements("order<=100") == ["api_version"]
    assert elements("order>99^order<101") == ["api_version"]  # numbers, not strings ("99" > "101" as text)


def test_order_by(sn_fleet_server, roles):
    session = sn_fleet_server.admin(roles)
    ordered = get(session, roles, "sys_user_role", sysparm_query="nameINalpha,beta,gamma,Delta^ORDERBYname")
    assert [r["name"] for r in ordered] == ["alpha", "beta", "Delta", "gamma"]
    ordered = get(session, roles, "sys_user_role", sysparm_query="nameINalpha,beta,gamma^ORDERBYDESCname")
    assert [r["name"] for r in ordered] == ["gamma", "beta", "alpha"]


def test_fields_limit_offset_count_and_links(sn_fleet_server, roles):
    session = sn_fleet_server.admin(roles)
    url = roles.url + TABLE + "sys_user_role"
    params = {"sysparm_query": "ORDERBYname", "sysparm_fields": "name,sys_id", "sysparm_limit": "3"}
    first = session.get(url, params=params)
    assert first.headers["X-Total-Count"] == "8"
    assert [sorted(r) for r in first.json()["result"]] == [["name", "sys_id"]] * 3
    links = first.links
    assert set(links) == {"first", "next", "last"}
    assert "sysparm_offset=3" in links["next"]["url"] and "sysparm_offset=6" in links["last"]["url"]
    assert "sysparm_query=ORDERBYname" in links["next"]["url"]
    second = session.get(links["next"]["url"])
    assert set(second.links) == {"first", "prev", "next", "last"}
    last = session.get(links["last"]["url"])
    assert len(last.json()["result"]) == 2 and "next" not in last.links
    every = [r["name"] for r in first.json()["result"] + second.json()["result"] + last.json()["result"]]
    assert len(set(every)) == 8
    no_count = session.get(url, params={"sysparm_no_count": "true", "sysparm_limit": "1"})
    assert "X-Total-Count" not in no_count.headers
    empty = session.get(url, params={"sysparm_query": "name=nothing"})
    assert empty.status_code == 200 and empty.json() == {"result": []} and empty.headers["X-Total-Count"] == "0"
    dotted = get(session, roles, "sys_user_has_role", sysparm_fields="user.user_name,role.name,no_such",
                 sysparm_query="user.user_name=admin")
    assert dotted == [{"user.user_name": "admin", "role.name": "admin"}]


def test_reference_and_display_values(admin, dev1):
    link = "%s/api/now/table/sys_user/%s" % (dev1.url, "6816f79cc0a8016401c5a33be04be441")
    query = "user.user_name=admin"
    plain = get(admin, dev1, "sys_user_has_role", sysparm_query=query)[0]
    assert plain["user"] == {"link": link, "value": "6816f79cc0a8016401c5a33be04be441"}
    assert plain["inherited"] == "false" and plain["sys_mod_count"] == "0"
    excluded = get(admin, dev1, "sys_user_has_role", sysparm_query=query, sysparm_exclude_reference_link="true")[0]
    assert excluded["user"] == "6816f79cc0a8016401c5a33be04be441"
    shown = get(admin, dev1, "sys_user_has_role", sysparm_query=query, sysparm_display_value="true",
                sysparm_exclude_reference_link="true")[0]
    assert shown["user"] == "System Administrator" and shown["role"] == "admin" and shown["state"] == "Active"
    shown_link = get(admin, dev1, "sys_user_has_role", sysparm_query=query, sysparm_display_value="true")[0]
    assert shown_link["user"] == {"display_value": "System Administrator", "link": link}
    both = get(admin, dev1, "sys_user_has_role", sysparm_query=query, sysparm_display_value="all")[0]
    assert both["user"] == {"display_value": "System Administrator", "value": "6816f79cc0a8016401c5a33be04be441",
                            "link": link}
    assert both["state"] == {"display_value": "Active", "value": "active"}
    registry = post(admin, dev1, "oauth_entity", {"name": "R"}).json()["result"]
    lifespan = get(admin, dev1, "oauth_entity", sysparm_query="name=R", sysparm_display_value="true",
                   sysparm_fields="refresh_token_lifespan,parent,sys_class_name")[0]
    assert lifespan == {"refresh_token_lifespan": "8,640,000", "sys_class_name": "Application Registry"}
    profile = get(admin, dev1, "oauth_entity_profile", sysparm_query="oauth_entity=" + registry["sys_id"])[0]
    assert profile["oauth_entity"]["value"] == registry["sys_id"]
    empty_ref = get(admin, dev1, "sys_alias", sysparm_query="name=Jira", sysparm_fields="parent")[0]
    assert empty_ref == {"parent": ""}


def test_single_record_and_404(admin, dev1):
    admin_id = "6816f79cc0a8016401c5a33be04be441"
    one = admin.get(dev1.url + TABLE + "sys_user/" + admin_id, params={"sysparm_fields": "user_name"})
    assert one.status_code == 200 and one.json() == {"result": {"user_name": "admin"}}
    missing = admin.get(dev1.url + TABLE + "sys_user/" + "0" * 32)
    assert missing.status_code == 404
    assert missing.json() == {"error": {"message": "No Record found",
                                        "detail": "Record doesn't exist or ACL restricts the record retrieval"},
                              "status": "failure"}
    wrong_table = admin.get(dev1.url + TABLE + "sys_user_role/" + admin_id)
    assert wrong_table.status_code == 404
    bad = admin.get(dev1.url + TABLE + "no_table")
    assert bad.status_code == 400
    assert bad.json() == {"error": {"message": "Invalid table no_table", "detail": None}, "status": "failure"}
    v2 = admin.get(dev1.url + "/api/now/v2/table/sys_user/" + admin_id)
    assert v2.status_code == 200 and v2.json()["result"]["sys_id"] == admin_id
    nothing = admin.get(dev1.url + "/api/now/nothing")
    assert nothing.status_code == 400 and nothing.json()["status"] == "failure"


def test_system_fields_on_insert(admin, dev1):
    created = post(admin, dev1, "sys_user_role", {"name": "r1", "sys_created_by": "forged"})
    assert created.status_code == 201
    record = created.json()["result"]
    assert re.match(r"^[0-9a-f]{32}$", record["sys_id"])
    assert re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$", record["sys_created_on"])
    assert record["sys_created_by"] == record["sys_updated_by"] == "admin"
    assert record["sys_mod_count"] == "0" and record["sys_class_name"] == "sys_user_role"
    assert record["sys_scope"]["value"] == "global" and record["sys_tags"] == ""
    assert record["sys_domain"] == {"link": dev1.url + "/api/now/table/sys_user_group/global", "value": "global"}
    assert created.headers["Location"].endswith("/sys_user_role/" + record["sys_id"])
    chosen = post(admin, dev1, "sys_user_role", {"name": "r2", "sys_id": "ab" * 16}).json()["result"]
    assert chosen["sys_id"] == "ab" * 16  # a client may choose the sys_id of a new record
    taken = post(admin, dev1, "sys_user_role", {"name": "r3", "sys_id": "ab" * 16}).json()["result"]
    assert taken["sys_id"] != "ab" * 16


def test_post_patch_put_delete(admin, dev1):
    created = post(admin, dev1, "basic_auth_credentials", {"name": "c1", "user_name": "me@example.com",
                                                           "order": 5, "active": True, "unknown": "x"},
                   sysparm_fields="sys_id,name,order,active,unknown")
    assert created.status_code == 201
    record = created.json()["result"]
    assert record == {"sys_id": record["sys_id"], "name": "c1", "order": "5", "active": "true"}
    url = dev1.url + TABLE + "basic_auth_credentials/" + record["sys_id"]
    patched = admin.patch(url, json={"name": "c2", "no_such_column": "1"})
    assert patched.status_code == 200
    body = patched.json()["result"]
    assert body["name"] == "c2" and body["sys_mod_count"] == "1" and "no_such_column" not in body
    same = admin.put(url, json={"name": "c2"})  # nothing changes: no new modification
    assert same.status_code == 200 and same.json()["result"]["sys_mod_count"] == "1"
    put = admin.put(url, json={"active": "false"}, params={"sysparm_exclude_reference_link": "true"})
    assert put.json()["result"]["active"] == "false" and put.json()["result"]["sys_scope"] == "global"
    deleted = admin.delete(url)
    assert deleted.status_code == 204 and deleted.content == b""
    assert admin.delete(url).status_code == 404
    assert admin.patch(url, json={"name": "x"}).status_code == 404
    assert admin.post(url, json={}).status_code == 405
    assert admin.patch(dev1.url + TABLE + "basic_auth_credentials", json={}).status_code == 405


def test_delete_clears_references(admin, dev1):
    # t_CascadeDeleteRules.md: by default deleting a record clears the references to it
    registry = post(admin, dev1, "oauth_entity", {"name": "R"}).json()["result"]["sys_id"]
    profile = dev1.records("oauth_entity_profile", "oauth_entity=" + registry)[0]["sys_id"]
    assert admin.delete(dev1.url + TABLE + "oauth_entity/" + registry).status_code == 204
    assert dev1.get("oauth_entity_profile", profile)["oauth_entity"] == ""


def test_write_header_checks(sn_fleet_server, dev1):
    session = sn_fleet_server.admin(dev1)
    url = dev1.url + TABLE + "sys_user_role"
    del session.headers["Accept"]
    no_accept = session.post(url, data=json.dumps({"name": "x"}), headers={"Content-Type": "application/json",
                                                                           "Accept": None})
    assert no_accept.status_code == 400 and "Accept" in no_accept.json()["error"]["message"]
    xml = session.post(url, json={"name": "x"}, headers={"Accept": "application/xml"})
    assert xml.status_code == 400
    no_type = session.post(url, data=b'{"name": "x"}', headers={"Accept": "application/json"})
    assert no_type.status_code == 400 and "Content-Type" in no_type.json()["error"]["message"]
    bad_json = session.post(url, data=b"{nope", headers={"Accept": "application/json",
                                                         "Content-Type": "application/json"})
    assert bad_json.status_code == 400
    assert bad_json.json()["error"] == {"message": "Exception while reading request",
                                        "detail": "The payload is not valid JSON."}
    array = session.post(url, json=[{"name": "x"}], headers={"Accept": "application/json"})
    assert array.status_code == 400
    assert dev1.records("sys_user_role", "name=x") == []
    ok = session.post(url, json={"name": "x"}, headers={"Accept": "application/json; charset=utf-8"})
    assert ok.status_code == 201


def test_encrypted_fields(admin, dev1):
    plain = post(admin, dev1, "basic_auth_credentials", {"name": "c", "password": "tok-123"}).json()["result"]
    assert plain["password"] == ""  # not saved without sysparm_input_display_value
    assert dev1.clear_value("basic_auth_credentials", plain["sys_id"], "password") is None
    saved = post(admin, dev1, "basic_auth_credentials", {"name": "d", "password": "tok-123"},
                 sysparm_input_display_value="true").json()["result"]
    assert saved["password"] and "tok-123" not in saved["password"]
    assert dev1.clear_value("basic_auth_credentials", saved["sys_id"], "password") == "tok-123"
    url = dev1.url + TABLE + "basic_auth_credentials/" + saved["sys_id"]
    for mode in ("false", "true", "all"):
        text = admin.get(url, params={"sysparm_display_value": mode}).text
        assert "tok-123" not in text
    # the same secret written again is stored differently: secrets cannot be compared
    again = admin.patch(url, json={"password": "tok-123"}, params={"sysparm_input_display_value": "true"})
    assert again.json()["result"]["password"] != saved["password"]
    ignored = admin.patch(url, json={"password": "other", "name": "d2"})
    assert ignored.json()["result"]["password"] == again.json()["result"]["password"]
    assert dev1.clear_value("basic_auth_credentials", saved["sys_id"], "password") == "tok-123"
    cleared = admin.patch(url, json={"password": ""}, params={"sysparm_input_display_value": "true"})
    assert cleared.json()["result"]["password"] == ""
    users = admin.get(dev1.url + TABLE + "sys_user", params={"sysparm_display_value": "all"}).text
    assert dev1.admin_password not in users and dev1.viewer_password not in users


def test_input_display_value(admin, dev1):
    registry = post(admin, dev1, "oauth_entity", {"name": "Atlassian", "default_grant_type": "Client Credentials"},
                    sysparm_input_display_value="true").json()["result"]
    assert registry["default_grant_type"] == "client_credentials"
    profile = post(admin, dev1, "oauth_entity_profile", {"name": "p2", "oauth_entity": "Atlassian"},
                   sysparm_input_display_value="true", sysparm_exclude_reference_link="true").json()["result"]
    assert profile["oauth_entity"] == registry["sys_id"]
    by_id = post(admin, dev1, "oauth_entity_profile", {"name": "p3", "oauth_entity": registry["sys_id"]},
                 sysparm_input_display_value="true", sysparm_exclude_reference_link="true").json()["result"]
    assert by_id["oauth_entity"] == registry["sys_id"]
    unknown = post(admin, dev1, "oauth_entity_profile", {"name": "p4", "oauth_entity": "Nope"},
                   sysparm_input_display_value="true", sysparm_exclude_reference_link="true").json()["result"]
    assert unknown["oauth_entity"] == ""
    raw = post(admin, dev1, "oauth_entity_profile", {"name": "p5", "oauth_entity": "Atlassian"},
               sysparm_exclude_reference_link="true").json()["result"]
    assert raw["oauth_entity"] == "Atlassian"  # without input display values a reference is stored as given


def test_write_response_honours_display_params(admin, dev1):
    created = post(admin, dev1, "sys_user_has_role", {"user": "6816f79cc0a8016401c5a33be04be441",
                                                      "role": dev1.records("sys_user_role", "name=itil")[0]["sys_id"]},
                   sysparm_display_value="true", sysparm_exclude_reference_link="true",
                   sysparm_fields="user,role,state")
    assert created.json()["result"] == {"user": "System Administrator", "role": "itil", "state": "Active"}


def test_table_inheritance(admin, dev1):
    basic = post(admin, dev1, "basic_auth_credentials", {"name": "b", "user_name": "u"}).json()["result"]
    oauth = post(admin, dev1, "oauth_2_0_credentials", {"name": "o"}).json()["result"]
    parent = get(admin, dev1, "discovery_credentials", sysparm_query="ORDERBYname")
    assert [(r["name"], r["sys_class_name"]) for r in parent] == [("b", "basic_auth_credentials"),
                                                                  ("o", "oauth_2_0_credentials")]
    assert "user_name" not in parent[0] and "oauth_entity_profile" not in parent[1]
    one = admin.get(dev1.url + TABLE + "discovery_credentials/" + basic["sys_id"]).json()["result"]
    assert one["sys_class_name"] == "basic_auth_credentials" and "password" not in one
    assert get(admin, dev1, "basic_auth_credentials", sysparm_fields="name") == [{"name": "b"}]
    # a write through the parent table changes the child record, parent columns only
    admin.patch(dev1.url + TABLE + "discovery_credentials/" + oauth["sys_id"], json={"order": "7"})
    assert dev1.get("oauth_2_0_credentials", oauth["sys_id"])["order"] == "7"
    connection = post(admin, dev1, "http_connection", {"name": "h", "connection_url": "https://a.atlassian.net"})
    assert get(admin, dev1, "sys_connection", sysparm_fields="name,sys_class_name") == [
        {"name": "h", "sys_class_name": "http_connection"}]
    assert connection.status_code == 201


def test_dictionary_and_db_object(admin, dev1):
    entries = get(admin, dev1, "sys_dictionary", sysparm_query="name=oauth_entity^element=client_secret")
    assert entries[0]["internal_type"] == "password2"
    ref = get(admin, dev1, "sys_dictionary",
              sysparm_query="name=http_connection^ORname=sys_connection^element=credential")
    assert ref[0]["reference"] == "discovery_credentials"
    tables = get(admin, dev1, "sys_db_object", sysparm_query="name=basic_auth_credentials",
                 sysparm_fields="super_class.name,label")
    assert tables == [{"super_class.name": "discovery_credentials", "label": "Basic Auth Credentials"}]
    choice = "name=oauth_entity^element=default_grant_type^value=authorization_code"
    assert get(admin, dev1, "sys_choice", sysparm_query=choice, sysparm_fields="label") == [
        {"label": "Authorization Code"}]
    refused = post(admin, dev1, "sys_dictionary", {"name": "x"})
    assert refused.status_code == 403
    assert post(admin, dev1, "v_plugin", {"id": "x"}).status_code == 403


def test_scope_of_rest_inserts(sn_fleet_server):
    plain = sn_fleet_server.fleet.add_instance("plain")
    honours = sn_fleet_server.fleet.add_instance("honours", honor_body_scope=True)
    for instance in (plain, honours):
        session = sn_fleet_server.admin(instance)
        post(session, instance, "sys_alias", {"name": "Jira_site_2", "sys_scope": "sn_jira_spoke"})
    plain_alias = plain.records("sys_alias", "name=Jira_site_2")[0]
    assert plain_alias["sys_scope"] == "global" and plain_alias["id"] == "global.Jira_site_2"
    scoped = honours.records("sys_alias", "name=Jira_site_2")[0]
    assert scoped["sys_scope"] == honours.records("sys_scope", "scope=sn_jira_spoke")[0]["sys_id"]
    assert scoped["id"] == "sn_jira_spoke.Jira_site_2"


# -- Batch API -------------------------------------------------------------------------------------------------
def _b64(payload):
    return base64.b64encode(json.dumps(payload).encode()).decode()


def test_batch(sn_fleet_server, dev1, admin):
    headers = [{"name": "Content-Type", "value": "application/json"}, {"name": "Accept", "value": "application/json"}]
    payload = {"batch_request_id": "b1", "rest_requests": [
        {"id": "1", "method": "GET", "url": "/api/now/table/sys_user?sysparm_query=user_name=admin&sysparm_fields="
                                            "user_name", "headers": headers},
        {"id": "2", "method": "POST", "url": "/api/now/table/sys_user_role", "headers": headers,
         "body": _b64({"name": "batched"})},
        {"id": "3", "method": "GET", "url": "/api/now/table/nope", "headers": headers,
         "exclude_response_headers": True},
        {"id": "4", "method": "GET"},
    ]}
    response = admin.post(dev1.url + "/api/now/v1/batch", json=payload)
    assert response.status_code == 200
    body = response.json()
    assert body["batch_request_id"] == "b1" and body["unserviced_requests"] == ["4"]
    by_id = {item["id"]: item for item in body["serviced_requests"]}
    assert by_id["1"]["status_code"] == 200 and by_id["1"]["status_text"] == "OK"
    assert json.loads(base64.b64decode(by_id["1"]["body"])) == {"result": [{"user_name": "admin"}]}
    assert {"name": "X-Total-Count", "value": "1"} in by_id["1"]["headers"]
    assert by_id["2"]["status_code"] == 201
    assert by_id["3"]["status_code"] == 400 and by_id["3"]["headers"] == []
    assert by_id["3"]["error_message"] == "Invalid table nope"
    assert dev1.records("sys_user_role", "name=batched")
    # One request on the wire; its items listed after it, the write among them (server.RequestLog).
    entry = sn_fleet_server.server.log.entries(path="batch")[-1]
    assert entry.write is False and entry.label == "dev1" and not entry.item
    items = [e for e in sn_fleet_server.server.log.entries(label="dev1", items=True) if e.item][-3:]
    assert [(e.method, e.path, e.write) for e in items] == [
        ("GET", "/api/now/table/sys_user", False), ("POST", "/api/now/table/sys_user_role", True),
        ("GET", "/api/now/table/nope", False)]
    assert ("POST", "/api/now/table/sys_user_role") in [(e.method, e.path) for e in sn_fleet_server.server.log.writes()]
    reads = admin.post(dev1.url + "/api/now/v1/batch", json={"batch_request_id": "b2", "rest_requests": [
        payload["rest_requests"][0]]})
    assert reads.status_code == 200
    assert sn_fleet_server.server.log.entries(path="batch")[-1].write is False


def test_batch_checks_acls(sn_fleet_server, dev1):
    viewer = sn_fleet_server.session(auth=(dev1.viewer_user, dev1.viewer_password))
    headers = [{"name": "Content-Type", "value": "application/json"}, {"name": "Accept", "value": "application/json"}]
    response = viewer.post(dev1.url + "/api/now/v1/batch", json={"batch_request_id": "b", "rest_requests": [
        {"id": "a", "method": "GET", "url": "/api/now/table/oauth_entity", "headers": headers},
        {"id": "b", "method": "POST", "url": "/api/now/table/sys_user_role", "headers": headers,
         "body": _b64({"name": "sneaky"})}]})
    codes = {item["id"]: item["status_code"] for item in response.json()["serviced_requests"]}
    assert codes == {"a": 403, "b": 403}
    assert not dev1.records("sys_user_role", "name=sneaky")
    assert sn_fleet_server.server.log.entries(path="batch")[-1].write is False
