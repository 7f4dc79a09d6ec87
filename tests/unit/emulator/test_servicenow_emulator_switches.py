"""The per-instance switches of the emulated ServiceNow (instance.SWITCHES), each every way, through the front;
the named profiles; faults that lose the answer to a request that took effect."""

import base64
import json

import pytest
import requests

from tests.emulator.servicenow.instance import MASKED_SECRET, SWITCHES
from tests.emulator.servicenow.profiles import PROFILES
from tests.unit.emulator.conftest import FleetServer

TABLE = "/api/now/table/"
RULE_DETAIL = "Operation against file '%s' was aborted by Business Rule '%s'"
JSON_HEADERS = [{"name": "Content-Type", "value": "application/json"}, {"name": "Accept", "value": "application/json"}]


@pytest.fixture
def fleet(sn_fleet_server):
    return sn_fleet_server.fleet


def get(session, instance, table, path=TABLE, **params):
    return session.get(instance.url + path + table, params=params, timeout=10)


def post(session, instance, table, body, **params):
    params.setdefault("sysparm_exclude_reference_link", "true")
    return session.post(instance.url + TABLE + table, json=body, params=params, timeout=10)


def result(response, status=200):
    assert response.status_code == status, response.text
    return response.json()["result"]


def assert_rule_abort(response, table, rule):
    assert response.status_code == 403, response.text
    assert response.json()["error"]["detail"].startswith(RULE_DETAIL % (table, rule))


def batch(session, instance, items):
    response = session.post(instance.url + "/api/now/v1/batch", json={"batch_request_id": "b", "rest_requests": [
        dict({"headers": JSON_HEADERS}, id=str(n), **item) for n, item in enumerate(items, 1)]}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def b64(payload):
    return base64.b64encode(json.dumps(payload).encode()).decode()


def served_body(item):
    return json.loads(base64.b64decode(item["body"]))


# -- options at creation, at runtime, persisted ----------------------------------------------------------------
def test_switches_through_the_control_api_and_persisted(sn_fleet_server, tmp_path, tls_material):
    created = sn_fleet_server.control("POST", "servicenow/instances", {"name": "sw1", "invalid_query": "no_rows"})
    assert created.status_code == 201 and created.json()["result"]["options"]["invalid_query"] == "no_rows"
    assert sn_fleet_server.control("PATCH", "servicenow/sw1", {"alias_names": "lenient"}).status_code == 200
    assert sn_fleet_server.fleet.instance("sw1").option("alias_names") == "lenient"
    for bad in ({"invalid_query": "maybe"}, {"batch_max_items": -1}, {"absent_fields": ["nope.nothing"]},
                {"row_acls": [{"table": "no_table", "query": ""}]}, {"default_profile_on_insert": "yes"}):
        assert sn_fleet_server.control("PATCH", "servicenow/sw1", bad).status_code == 400, bad
        assert sn_fleet_server.control("POST", "servicenow/instances", dict(bad, name="sw2")).status_code == 400
    path = str(tmp_path / "fleet.sqlite")
    first = FleetServer(tls_material, db_path=path)
    first.fleet.add_instance("keep", http_connection_order=False, invalid_query="no_rows")
    first.close()
    again = FleetServer(tls_material, db_path=path)
    try:
        instance = again.fleet.instance("keep")
        assert "sys_connection.order" in instance.absent and instance.option("invalid_query") == "no_rows"
        assert instance.option("batch_order") == SWITCHES["batch_order"][0]
    finally:
        again.close()


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_profile_makes_a_working_instance(sn_fleet_server, name):
    instance = sn_fleet_server.fleet.add_instance("p-" + name.replace("_", "-"), **PROFILES[name])
    session = sn_fleet_server.admin(instance)
    assert result(get(session, instance, "sys_alias", sysparm_query="id=sn_jira_spoke.Jira"))
    assert set(PROFILES[name]) <= set(SWITCHES)


def test_the_required_profiles_exist():
    assert {"documented", "no_rows", "short_pages", "secrets_empty", "secrets_masked", "no_default_profile",
            "no_order_fields", "strict_platform", "attribute_model_id", "batch_hostile",
            "batch_refused"} <= set(PROFILES)
    assert PROFILES["documented"] == {}


# -- 1. invalid queries (also inside a batch) --------------------------------------------------------------------
@pytest.mark.parametrize("mode, expected", [("ignore", 2), ("no_rows", 0)])
def test_invalid_query_in_a_batch(sn_fleet_server, fleet, mode, expected):
    instance = fleet.add_instance("iq-" + mode.replace("_", "-"), invalid_query=mode)
    answer = batch(sn_fleet_server.admin(instance), instance, [
        {"method": "GET", "url": "/api/now/table/sys_user?sysparm_query=no_such_field=admin"}])
    assert len(served_body(answer["serviced_requests"][0])["result"]) == expected


# -- 2. paging, row ACLs, counts and the documented list parameters ---------------------------------------------------
@pytest.fixture
def paged(fleet):
    instance = fleet.add_instance("paged", row_acls=[{"table": "sys_user_role", "query": "nameSTARTSWITHzz_hidden"},
                                                     {"table": "discovery_credentials",
                                                      "query": "nameSTARTSWITHzz_hidden"}])
    for name in ("ok_1", "ok_2", "ok_3", "zz_hidden_1", "zz_hidden_2"):
        instance.insert("sys_user_role", name=name)
    return instance


PAGED = {"sysparm_query": "nameSTARTSWITHok^ORnameSTARTSWITHzz_hidden^ORDERBYDESCname", "sysparm_limit": "2",
         "sysparm_fields": "name"}


def test_row_acls_filter_after_the_page_is_taken(sn_fleet_server, paged):
    session = sn_fleet_server.admin(paged)
    first = get(session, paged, "sys_user_role", **PAGED)
    assert result(first) == [] and "next" in first.links  # an empty page, and more follow
    assert first.headers["X-Total-Count"] == "5"  # counted before the ACLs (the default)
    second = session.get(first.links["next"]["url"], timeout=10)
    assert result(second) == [{"name": "ok_3"}, {"name": "ok_2"}]
    last = session.get(second.links["next"]["url"], timeout=10)
    assert result(last) == [{"name": "ok_1"}] and "next" not in last.links
    hidden = paged.records("sys_user_role", "name=zz_hidden_1")[0]["sys_id"]
    assert get(session, paged, "sys_user_role/" + hidden).status_code == 404
    # a row ACL on a parent table hides the rows of its extensions
    credential = paged.insert("basic_auth_credentials", name="zz_hidden_basic")
    assert result(get(session, paged, "basic_auth_credentials")) == []
    assert get(session, paged, "basic_auth_credentials/" + credential).status_code == 404
    paged.set_options(total_count="after_acl")
    assert get(session, paged, "sys_user_role", **PAGED).headers["X-Total-Count"] == "3"
    assert len(paged.records("sys_user_role", "nameSTARTSWITHzz_hidden")) == 2  # the Python API sees all


def test_own_row_acl_also_runs_after_the_page(sn_fleet_server, fleet):
    instance = fleet.add_instance("own")
    viewer = sn_fleet_server.session(auth=(instance.viewer_user, instance.viewer_password))
    page = get(viewer, instance, "sys_user", sysparm_query="ORDERBYuser_name", sysparm_limit="1")
    assert result(page) == [] and page.headers["X-Total-Count"] == "2" and "next" in page.links


def test_v1_answers_404_for_an_empty_page(sn_fleet_server, paged):
    session = sn_fleet_server.admin(paged)
    v1 = get(session, paged, "sys_user_role", path="/api/now/v1/table/", **PAGED)
    assert v1.status_code == 404
    detail = "Records matching query not found. Check query parameter or offset parameter"
    assert v1.json() == {"error": {"message": "No Record found", "detail": detail}, "status": "failure"}
    assert get(session, paged, "sys_user_role", path="/api/now/v1/table/", sysparm_query="name=nothing"
               ).status_code == 404
    for path in ("/api/now/v2/table/", TABLE):
        assert result(get(session, paged, "sys_user_role", path=path, sysparm_query="name=nothing")) == []
    assert result(get(session, paged, "sys_user_role", path="/api/now/v1/table/", sysparm_query="name=ok_1",
                      sysparm_fields="name")) == [{"name": "ok_1"}]


def test_name_value_filters_pagination_header_and_count(sn_fleet_server, paged):
    session = sn_fleet_server.admin(paged)
    assert result(get(session, paged, "sys_user_role", name="ok_2", sysparm_fields="name")) == [{"name": "ok_2"}]
    assert result(get(session, paged, "sys_user_role", sysparm_query="nameSTARTSWITHok", name="ok_3",
                      sysparm_fields="name")) == [{"name": "ok_3"}]
    # choice and reference fields take display values too
    links = get(session, paged, "sys_user_has_role", state="Active", user="System Administrator",
                sysparm_fields="role.name")
    assert result(links) == [{"role.name": "admin"}]
    suppressed = get(session, paged, "sys_user_role", sysparm_suppress_pagination_header="true")
    assert "Link" not in suppressed.headers and suppressed.headers["X-Total-Count"]
    assert "X-Total-Count" not in get(session, paged, "sys_user_role", sysparm_no_count="true").headers


# -- 3. what answers show for password2 columns ---------------------------------------------------------------
@pytest.mark.parametrize("mode", ["stored", "empty", "masked"])
def test_password2_answer(sn_fleet_server, fleet, mode):
    instance = fleet.add_instance("pw-" + mode, password2_answer=mode)
    session = sn_fleet_server.admin(instance)
    created = result(post(session, instance, "basic_auth_credentials", {"name": "c", "password": "tok-1"},
                          sysparm_input_display_value="true"), 201)
    bare = result(post(session, instance, "basic_auth_credentials", {"name": "d"}), 201)
    stored = instance.get("basic_auth_credentials", created["sys_id"])["password"]
    assert stored and instance.clear_value("basic_auth_credentials", created["sys_id"], "password") == "tok-1"
    shown = {"stored": stored, "empty": "", "masked": MASKED_SECRET}[mode]
    assert created["password"] == shown
    assert bare["password"] == ("" if mode != "masked" else MASKED_SECRET)
    both = result(get(session, instance, "basic_auth_credentials/" + created["sys_id"], sysparm_display_value="all"))
    assert both["password"] == {"display_value": shown, "value": shown}
    patched = session.patch(instance.url + TABLE + "basic_auth_credentials/" + created["sys_id"],
                            json={"name": "c2"}, timeout=10)
    assert result(patched)["password"] == shown
    users = result(get(session, instance, "sys_user", sysparm_query="user_name=admin"))
    assert users[0]["user_password"] == instance.user("admin")["user_password"]  # one-way hashes unchanged


# -- 4. default profiles and cascade rules -----------------------------------------------------------------------
@pytest.mark.parametrize("on_insert", [True, False])
def test_default_profile_on_insert(sn_fleet_server, fleet, on_insert):
    instance = fleet.add_instance("dp-%s" % str(on_insert).lower(), default_profile_on_insert=on_insert)
    session = sn_fleet_server.admin(instance)
    provider = result(post(session, instance, "oauth_entity", {"name": "P", "type": "oauth_provider"}), 201)
    consumer = result(post(session, instance, "oauth_entity", {"name": "C", "type": "consumer"}), 201)
    assert len(instance.records("oauth_entity_profile", "oauth_entity=" + provider["sys_id"])) == int(on_insert)
    assert instance.records("oauth_entity_profile", "oauth_entity=" + consumer["sys_id"]) == []


def test_consumer_is_a_registry_type(sn_fleet_server, fleet):
    instance = fleet.add_instance("types")
    choices = result(get(sn_fleet_server.admin(instance), instance, "sys_choice",
                         sysparm_query="name=oauth_entity^element=type", sysparm_fields="value"))
    assert {"value": "consumer"} in choices and {"value": "oauth_provider"} in choices


@pytest.mark.parametrize("rule", ["clear", "delete"])
def test_registry_delete(sn_fleet_server, fleet, rule):
    instance = fleet.add_instance("rd-" + rule, registry_delete=rule)
    session = sn_fleet_server.admin(instance)
    registry = result(post(session, instance, "oauth_entity", {"name": "R"}), 201)["sys_id"]
    profile = instance.records("oauth_entity_profile", "oauth_entity=" + registry)[0]["sys_id"]
    scope = result(post(session, instance, "oauth_entity_scope", {"name": "s", "oauth_entity": registry}), 201)
    link = result(post(session, instance, "oauth_entity_profile_scope", {
        "oauth_entity_profile": profile, "oauth_entity_scope": scope["sys_id"]}), 201)["sys_id"]
    credential = result(post(session, instance, "oauth_2_0_credentials",
                             {"name": "o", "oauth_entity_profile": profile}), 201)["sys_id"]
    entry = result(get(session, instance, "sys_dictionary", sysparm_query="name=oauth_entity_profile^element="
                       "oauth_entity", sysparm_fields="reference_cascade_rule"))
    assert entry == [{"reference_cascade_rule": "" if rule == "clear" else "delete"}]  # "": the default, clear
    assert session.delete(instance.url + TABLE + "oauth_entity/" + registry, timeout=10).status_code == 204
    assert instance.get("oauth_entity_scope", scope["sys_id"])["oauth_entity"] == ""  # the default rule
    if rule == "clear":
        assert instance.get("oauth_entity_profile", profile)["oauth_entity"] == ""
        assert instance.get("oauth_entity_profile_scope", link)["oauth_entity_profile"] == profile
    else:  # the profile goes, and references to it follow their own (default) rule
        assert instance.get("oauth_entity_profile", profile) is None
        assert instance.get("oauth_entity_profile_scope", link)["oauth_entity_profile"] == ""
        assert instance.get("oauth_2_0_credentials", credential)["oauth_entity_profile"] == ""


def test_python_delete_applies_the_same_rules(fleet):
    instance = fleet.add_instance("pydel", registry_delete="delete")
    registry = instance.insert("oauth_entity", name="R")
    profile = instance.insert("oauth_entity_profile", name="p", oauth_entity=registry)
    assert instance.delete("oauth_entity", registry) and instance.get("oauth_entity_profile", profile) is None


# -- 5. columns an instance does not have ------------------------------------------------------------------------
def test_absent_fields(sn_fleet_server, fleet):
    instance = fleet.add_instance("absent", absent_fields=["http_connection.order"], requestor_context_field=False)
    # (the columns of the webhook registry's other field set are absent too: webhook_registry_fields)
    assert {name for name in instance.absent if not name.startswith("sn_jira_spoke_")} == {
        "sys_connection.order", "oauth_requestor_profile.requestor_context"}
    session = sn_fleet_server.admin(instance)
    dictionary = result(get(session, instance, "sys_dictionary", sysparm_fields="element",
                            sysparm_query="name=sys_connection^ORname=oauth_requestor_profile"))
    assert {"element": "order"} not in dictionary and {"element": "requestor_context"} not in dictionary
    assert {"element": "connection_alias"} in dictionary and {"element": "requestor_id"} in dictionary
    created = result(post(session, instance, "http_connection", {"name": "h", "order": "5"}), 201)
    assert "order" not in created and "order" not in instance.get("http_connection", created["sys_id"])
    result(post(session, instance, "http_connection", {"name": "i"}), 201)
    # a condition on the missing column is invalid: dropped, so the whole table answers
    assert len(result(get(session, instance, "sys_connection", sysparm_query="order=5"))) == 2
    assert result(get(session, instance, "sys_connection", sysparm_fields="order,name",
                      sysparm_query="name=h")) == [{"name": "h"}]
    with pytest.raises(KeyError):
        instance.insert("http_connection", name="x", order="1")
    instance.set_options(http_connection_order=True, requestor_context_field=True, absent_fields=[])
    assert "order" in result(get(session, instance, "http_connection/" + created["sys_id"]))


def test_documented_instance_has_both_unconfirmed_columns(sn_fleet_server, fleet):
    instance = fleet.add_instance("both")
    assert not [name for name in instance.absent if not name.startswith("sn_jira_spoke_")]
    dictionary = result(get(sn_fleet_server.admin(instance), instance, "sys_dictionary", sysparm_fields="name,element",
                            sysparm_query="element=order^ORelement=requestor_context^nameINsys_connection,"
                                          "oauth_requestor_profile"))
    assert sorted(row["name"] for row in dictionary) == ["oauth_requestor_profile", "sys_connection"]


# -- 7. one credential per profile -----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["allow", "enforce"])
def test_unique_profile_credentials(sn_fleet_server, fleet, mode):
    instance = fleet.add_instance("upc-" + mode, unique_profile_credentials=mode)
    session = sn_fleet_server.admin(instance)
    registry = result(post(session, instance, "oauth_entity", {"name": "R"}), 201)["sys_id"]
    profile = instance.records("oauth_entity_profile", "oauth_entity=" + registry)[0]["sys_id"]
    assert post(session, instance, "oauth_2_0_credentials", {"name": "one", "oauth_entity_profile": profile}
                ).status_code == 201
    second = post(session, instance, "oauth_2_0_credentials", {"name": "two", "oauth_entity_profile": profile})
    other = result(post(session, instance, "oauth_2_0_credentials", {"name": "three"}), 201)["sys_id"]
    moved = session.patch(instance.url + TABLE + "oauth_2_0_credentials/" + other,
                          json={"oauth_entity_profile": profile}, timeout=10)
    if mode == "allow":
        assert second.status_code == 201 and moved.status_code == 200
    else:
        assert_rule_abort(second, "oauth_2_0_credentials", "Unique OAuth entity profile per credential")
        assert_rule_abort(moved, "oauth_2_0_credentials", "Unique OAuth entity profile per credential")
        assert len(instance.records("oauth_2_0_credentials", "oauth_entity_profile=" + profile)) == 1


# -- 8. alias names ------------------------------------------------------------------------------------------
def test_alias_names(sn_fleet_server, fleet):
    strict = fleet.add_instance("strict")
    session = sn_fleet_server.admin(strict)
    assert_rule_abort(post(session, strict, "sys_alias", {"name": "Jira beta"}), "sys_alias", "Validate alias name")
    assert_rule_abort(post(session, strict, "sys_alias", {"name": "Jira-beta"}), "sys_alias", "Validate alias name")
    good = result(post(session, strict, "sys_alias", {"name": "Jira_beta_2"}), 201)["sys_id"]
    renamed = session.patch(strict.url + TABLE + "sys_alias/" + good, json={"name": "Jira beta"}, timeout=10)
    assert_rule_abort(renamed, "sys_alias", "Validate alias name")
    # a migrated alias with a space cannot be updated until renamed (connection-alias.md)
    legacy = strict.insert("sys_alias", name="Old alias")
    assert_rule_abort(session.patch(strict.url + TABLE + "sys_alias/" + legacy, json={"description": "x"},
                                    timeout=10), "sys_alias", "Validate alias name")
    assert session.patch(strict.url + TABLE + "sys_alias/" + legacy, json={"name": "Old_alias"},
                         timeout=10).status_code == 200
    lenient = fleet.add_instance("lenient", alias_names="lenient")
    assert post(sn_fleet_server.admin(lenient), lenient, "sys_alias", {"name": "Jira beta"}).status_code == 201


# -- 10. where connection attributes live -------------------------------------------------------------------------
def test_attribute_model_var_model(sn_fleet_server, fleet):
    instance = fleet.add_instance("vm")
    session = sn_fleet_server.admin(instance)
    alias = instance.records("sys_alias", "id=sn_jira_spoke.Jira")[0]["sys_id"]
    rows = result(get(session, instance, "var_dictionary", sysparm_query="model=%s^ORDERBYelement" % alias,
                      sysparm_fields="element,model,model_id", sysparm_exclude_reference_link="true"))
    assert rows == [{"element": "api_version", "model": alias, "model_id": ""},
                    {"element": "server_type", "model": alias, "model_id": ""}]
    connection = result(post(session, instance, "http_connection", {"name": "c", "connection_alias": alias}), 201)
    variable = instance.records("var_dictionary", "element=api_version")[0]["sys_id"]
    for document in ("http_connection", "sys_connection"):
        instance.insert("sys_variable_value", document=document, document_key=connection["sys_id"],
                        variable=variable, value="from " + document)
    assert instance.attribute_values(connection["sys_id"]) == {"api_version": "from http_connection"}


def test_attribute_model_id(sn_fleet_server, fleet):
    instance = fleet.add_instance("mi", attribute_model="model_id")
    session = sn_fleet_server.admin(instance)
    alias = instance.records("sys_alias", "id=sn_jira_spoke.Jira")[0]["sys_id"]
    assert result(get(session, instance, "sys_dictionary", sysparm_query="name=var_dictionary^element=model")) == []
    by_model_id = result(get(session, instance, "var_dictionary", sysparm_fields="element,model_table",
                             sysparm_query="model_id=%s^ORDERBYelement" % alias))
    assert by_model_id == [{"element": "api_version", "model_table": "sys_alias"},
                           {"element": "server_type", "model_table": "sys_alias"}]
    # a client asking for model=<alias> asks about a column this instance lacks: the condition is dropped
    instance.insert("var_dictionary", name="other", element="unrelated", model_id="0" * 32, model_table="x")
    assert len(result(get(session, instance, "var_dictionary", sysparm_query="model=" + alias))) == 3
    instance.set_options(invalid_query="no_rows")
    assert result(get(session, instance, "var_dictionary", sysparm_query="model=" + alias)) == []
    connection = result(post(session, instance, "http_connection", {"name": "c", "connection_alias": alias}), 201)
    variable = instance.records("var_dictionary", "element=server_type")[0]["sys_id"]
    for document in ("http_connection", "sys_connection"):
        instance.insert("sys_variable_value", document=document, document_key=connection["sys_id"],
                        variable=variable, value="from " + document)
    assert instance.attribute_values(connection["sys_id"]) == {"server_type": "from sys_connection"}
    instance.set_options(attribute_model="var_model", invalid_query="ignore")  # the seeded rows follow
    assert len(instance.records("var_dictionary", "model=" + alias)) == 2


# -- 11. Batch API -------------------------------------------------------------------------------------------
def _role_items(*names):
    return [{"method": "POST", "url": "/api/now/table/sys_user_role", "body": b64({"name": name})} for name in names]


LIST_BATCHED = {"method": "GET", "url": "/api/now/table/sys_user_role?sysparm_query=nameSTARTSWITHbatched"}


@pytest.mark.parametrize("order", ["in_order", "reverse"])
def test_batch_order(sn_fleet_server, fleet, order):
    instance = fleet.add_instance("bo-" + order.replace("_", "-"), batch_order=order)
    answer = batch(sn_fleet_server.admin(instance), instance, _role_items("batched_a") + [LIST_BATCHED])
    ids = [item["id"] for item in answer["serviced_requests"]]
    listed = served_body(answer["serviced_requests"][ids.index("2")])["result"]
    assert ids == (["1", "2"] if order == "in_order" else ["2", "1"])
    assert len(listed) == (1 if order == "in_order" else 0)  # the read ran before the write


@pytest.mark.parametrize("writes", ["allowed", "refused"])
def test_batch_writes(sn_fleet_server, fleet, writes):
    instance = fleet.add_instance("bw-" + writes, batch_writes=writes)
    session = sn_fleet_server.admin(instance)
    answer = batch(session, instance, _role_items("batched_w") + [LIST_BATCHED])
    codes = [item["status_code"] for item in answer["serviced_requests"]]
    assert codes == ([201, 200] if writes == "allowed" else [403, 200])
    assert len(instance.records("sys_user_role", "name=batched_w")) == (1 if writes == "allowed" else 0)
    assert post(session, instance, "sys_user_role", {"name": "direct"}).status_code == 201  # only batches refuse
    # The call is one request; the write it carried is listed as an item of it (server.RequestLog).
    carried = [entry for entry in sn_fleet_server.server.log.writes(label=instance.name) if entry.item]
    assert [(entry.method, entry.path) for entry in carried] == (
        [("POST", "/api/now/table/sys_user_role")] if writes == "allowed" else [])


@pytest.mark.parametrize("limit, serviced", [(None, 4), (2, 2), (0, 0)])
def test_batch_max_items(sn_fleet_server, fleet, limit, serviced):
    instance = fleet.add_instance("bm-%s" % limit, batch_max_items=limit)
    answer = batch(sn_fleet_server.admin(instance), instance, _role_items("b1", "b2", "b3", "b4"))
    assert [item["id"] for item in answer["serviced_requests"]] == ["1", "2", "3", "4"][:serviced]
    assert answer["unserviced_requests"] == ["1", "2", "3", "4"][serviced:]
    assert len(instance.records("sys_user_role", "nameINb1,b2,b3,b4")) == serviced


@pytest.mark.parametrize("mode", ["honoured", "ignored"])
def test_client_sys_id(sn_fleet_server, fleet, mode):
    instance = fleet.add_instance("cs-" + mode, client_sys_id=mode)
    session = sn_fleet_server.admin(instance)
    direct = result(post(session, instance, "sys_user_role", {"name": "r1", "sys_id": "ab" * 16}), 201)
    answer = batch(session, instance, [{"method": "POST", "url": "/api/now/table/sys_user_role",
                                        "body": b64({"name": "r2", "sys_id": "cd" * 16})}])
    batched = served_body(answer["serviced_requests"][0])["result"]
    assert (direct["sys_id"] == "ab" * 16) is (mode == "honoured")
    assert (batched["sys_id"] == "cd" * 16) is (mode == "honoured")


# -- 12. faults after the application served the request ---------------------------------------------------------
def test_fault_after_drop_loses_the_answer_to_a_write(sn_fleet_server, fleet):
    instance = fleet.add_instance("lost")
    session = sn_fleet_server.admin(instance)
    sn_fleet_server.server.add_fault(host=instance.host, method="POST", path="sys_user_role", drop=True, after=True,
                                     times=1)
    with pytest.raises(requests.ConnectionError):
        post(session, instance, "sys_user_role", {"name": "written"})
    assert instance.records("sys_user_role", "name=written")  # the write happened
    entry = sn_fleet_server.server.log.entries(method="POST")[-1]
    assert (entry.status, entry.write, entry.fault, entry.label) == (201, True, True, "lost")


def test_fault_after_delay_times_out_a_client_although_the_write_happened(sn_fleet_server, fleet):
    instance = fleet.add_instance("slow")
    session = sn_fleet_server.admin(instance)
    sn_fleet_server.server.add_fault(host=instance.host, method="POST", delay=1.0, after=True, times=1)
    with pytest.raises(requests.Timeout):
        session.post(instance.url + TABLE + "sys_user_role", json={"name": "late"}, timeout=0.3)
    assert instance.records("sys_user_role", "name=late")


def test_fault_after_status_replaces_the_answer_of_a_write(sn_fleet_server, fleet):
    instance = fleet.add_instance("errs")
    session = sn_fleet_server.admin(instance)
    sn_fleet_server.server.add_fault(host=instance.host, method="POST", status=502, after=True, times=1)
    assert post(session, instance, "sys_user_role", {"name": "done"}).status_code == 502
    assert instance.records("sys_user_role", "name=done")
    assert sn_fleet_server.server.log.entries(method="POST")[-1].write is True


def test_fault_before_keeps_todays_semantics(sn_fleet_server, fleet):
    instance = fleet.add_instance("before")
    session = sn_fleet_server.admin(instance)
    sn_fleet_server.server.add_fault(host=instance.host, method="POST", drop=True, times=1)
    with pytest.raises(requests.ConnectionError):
        post(session, instance, "sys_user_role", {"name": "never"})
    sn_fleet_server.server.add_fault(host=instance.host, method="POST", status=503, times=1)
    assert post(session, instance, "sys_user_role", {"name": "never"}).status_code == 503
    assert instance.records("sys_user_role", "name=never") == []
    assert sn_fleet_server.server.log.entries(method="POST")[-1].write is False
