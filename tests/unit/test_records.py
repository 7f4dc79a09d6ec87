"""The reconciler's compare / check mode / diff / secret logic, on an in-memory fake client."""

import json

import pytest

from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import OptionError, RecordError
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.records import (
    MASK,
    MASK_NEW,
    DuplicateRecordsError,
    Reconciler,
)
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.query import (
    Query,
    UnverifiedRowError,
    to_snow,
)
from tests.unit.fake_servicenow import MASKED, FakeClient

REGISTRY_FIELDS = {"name", "client_id", "client_secret", "auth_url", "active", "access_token_lifespan"}
SECRET = "s3cr3t-value-never-shown"


def registry(reconciler, **overrides):
    desired = {"client_id": "cid", "auth_url": "https://auth.atlassian.com/authorize", "active": True,
               "access_token_lifespan": 3600}
    desired.update(overrides.pop("desired", {}))
    state = reconciler.present("oauth_entity", {"name": "Jira"}, desired,
                               secrets={"client_secret": overrides.pop("secret", SECRET)},
                               required_secrets=("client_secret",), **overrides)
    reconciler.flush()
    return state


def test_to_snow_and_queries():
    assert to_snow(True) == "true" and to_snow(False) == "false"
    assert to_snow(3600) == "3600" and to_snow(2.0) == "2" and to_snow(None) is None
    assert Query.of({"b": "2", "a": True, "c": ""}).encode() == "a=true^b=2^cISEMPTY"
    assert Query().where("id", "IN", ["x", "y"]).encode() == "idINx,y"
    with pytest.raises(OptionError):
        Query.of({"name": "x^y"})
    with pytest.raises(OptionError):
        Query().where("id", "IN", ["a,b"])


def test_a_query_checks_rows_as_servicenow_compares_case_insensitively():
    query = Query.of({"name": "Jira", "parent": None})
    assert query.mismatch({"name": "jira", "parent": ""}) is None
    condition, actual = query.mismatch({"name": "Jira", "parent": "0f5c"})
    assert condition.field == "parent" and actual == "0f5c"
    condition, actual = query.mismatch({"name": "Jira"})
    assert condition.field == "parent" and actual is None


def test_create_then_converged():
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})
    state = registry(Reconciler(client))
    assert state.action == "create" and state.sys_id
    stored = client.tables["oauth_entity"][state.sys_id]
    assert stored["active"] == "true" and stored["access_token_lifespan"] == "3600"
    assert stored["client_secret"].startswith("enc:")
    # secrets went alone, as display values
    assert client.calls[-1][0] == "update" and client.calls[-1][3:] == (["client_secret"], True)
    assert "client_secret" not in state.record  # not even its encrypted form

    client.calls.clear()
    again = Reconciler(client)
    state = registry(again)
    assert state.action == "none" and not again.changed
    assert client.writes == []
    assert again.diff() == {"before": {}, "after": {}}


def test_check_mode_predicts_create_without_writing():
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})
    reconciler = Reconciler(client, check_mode=True)
    state = registry(reconciler)
    assert state.action == "create" and state.sys_id is None and reconciler.changed
    assert client.writes == []
    diff = reconciler.diff()
    assert diff["before"]["oauth_entity Jira"] is None
    assert diff["after"]["oauth_entity Jira"]["client_secret"] == MASK_NEW
    assert SECRET not in json.dumps(diff)


def test_only_differing_fields_are_written_and_check_mode_agrees():
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})
    sys_id = registry(Reconciler(client)).sys_id
    client.tables["oauth_entity"][sys_id]["auth_url"] = "https://tampered.example.com"
    client.calls.clear()

    check = Reconciler(client, check_mode=True)
    predicted = registry(check)
    assert predicted.action == "update" and predicted.changed_fields == ["auth_url"]
    assert client.writes == []
    assert check.diff()["before"]["oauth_entity Jira"]["auth_url"] == "https://tampered.example.com"
    assert check.diff()["after"]["oauth_entity Jira"]["auth_url"] == "https://auth.atlassian.com/authorize"
    assert check.diff()["before"]["oauth_entity Jira"]["client_secret"] == MASK

    real = Reconciler(client)
    state = registry(real)
    assert state.changed_fields == predicted.changed_fields
    assert [call[:4] for call in client.writes] == [("update", "oauth_entity", sys_id, ["auth_url"])]


@pytest.mark.parametrize("policy,expect_write", [("on_create", False), ("always", True)])
def test_update_secret_policy(policy, expect_write):
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})
    registry(Reconciler(client))
    client.calls.clear()
    state = registry(Reconciler(client), update_secret=policy)
    assert state.changed is expect_write
    assert bool(client.writes) is expect_write


def test_a_secret_that_never_arrived_after_an_interrupted_creation_is_sent():
    """The secret goes in a second write after the POST: a record never updated since (sys_mod_count 0) lacks it."""
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})

    def dropped(*_args, **_kwargs):
        raise RecordError("the connection dropped")

    client.update = dropped
    with pytest.raises(RecordError):
        registry(Reconciler(client))
    del client.update
    [record] = client.tables["oauth_entity"].values()
    assert record["sys_mod_count"] == "0" and not record["client_secret"]
    state = registry(Reconciler(client), update_secret="on_create")
    assert state.changed_fields == ["client_secret"] and record["client_secret"].startswith("enc:")
    client.calls.clear()
    assert registry(Reconciler(client)).action == "none" and client.writes == []


def test_on_create_never_resends_a_secret_that_reads_empty():
    """An instance may answer "" for an encrypted field that holds a value: that is no reason to send it again."""
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})
    sys_id = registry(Reconciler(client)).sys_id
    client.tables["oauth_entity"][sys_id]["client_secret"] = ""
    client.calls.clear()
    state = registry(Reconciler(client), update_secret="on_create")
    assert state.action == "none" and client.writes == []


def test_secret_required_on_create_fails_before_any_write():
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})
    with pytest.raises(OptionError, match="needs client_secret"):
        registry(Reconciler(client), secret=None)
    assert client.writes == []


def test_two_records_for_one_identity_fail_listing_both():
    client = FakeClient()
    first = client.seed("oauth_entity", name="Jira")
    second = client.seed("oauth_entity", name="Jira")
    with pytest.raises(DuplicateRecordsError) as error:
        Reconciler(client).find("oauth_entity", {"name": "Jira"}, label="application registry")
    assert first in str(error.value) and second in str(error.value)
    assert "2 application registry records" in str(error.value)
    assert sorted(error.value.details["sys_ids"]) == sorted([first, second])


def test_a_field_the_instance_does_not_store_fails_the_verification():
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS - {"access_token_lifespan"}})
    with pytest.raises(RecordError, match="did not store oauth_entity.access_token_lifespan"):
        registry(Reconciler(client))


@pytest.mark.parametrize("answer", ["stored", "empty", "masked"])
def test_a_secret_whose_storage_the_answer_cannot_show_is_unknown_never_a_failure(answer):
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS}, password2_answer=answer)
    warnings = []
    state = registry(Reconciler(client, warn=warnings.append))
    assert state.action == "create"
    assert client.tables["oauth_entity"][state.sys_id]["client_secret"].startswith("enc:")
    if answer == "stored":
        assert state.record["secret_stored"] is True and warnings == []
    else:
        assert state.record["secret_stored"] == "unknown"
        assert len(warnings) == 1 and "oauth_entity.client_secret" in warnings[0] and SECRET not in warnings[0]
    rotated = registry(Reconciler(client, warn=warnings.append), update_secret="always")
    assert rotated.record["secret_stored"] == (True if answer == "stored" else "unknown")
    assert MASKED not in json.dumps(rotated.record)


def test_a_secret_the_instance_does_not_keep_is_not_reported_stored():
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})

    def update_without_secrets(table, sys_id, data, fields=None, display_value_input=False):
        return FakeClient.update(client, table, sys_id, data, fields, display_value_input=False)

    client.update = update_without_secrets
    warnings = []
    assert registry(Reconciler(client, warn=warnings.append)).record["secret_stored"] == "unknown"
    assert len(warnings) == 1


@pytest.mark.parametrize("mode", ["ignore", "no_rows"])
def test_a_query_on_a_field_the_instance_lacks_never_acts_on_unrelated_rows(mode):
    """ServiceNow drops a condition on a missing field: the read answers every row. Not one may be touched."""
    client = FakeClient({"oauth_entity_scope": {"name", "oauth_entity_scope"}}, invalid_query=mode)
    for name in ("a", "b", "c", "d", "e"):
        client.seed("oauth_entity_scope", name=name, oauth_entity_scope=name)
    reconciler = Reconciler(client)
    if mode == "ignore":
        with pytest.raises(UnverifiedRowError, match="field oauth_entity_scope.oauth_entity may not exist here"):
            reconciler.present_set("oauth_entity_scope", {"oauth_entity": "f" * 32}, "oauth_entity_scope", [],
                                   purge=True)
        with pytest.raises(UnverifiedRowError):
            reconciler.absent("oauth_entity_scope", {"oauth_entity": "f" * 32, "name": "a"})
    else:
        state = reconciler.present_set("oauth_entity_scope", {"oauth_entity": "f" * 32}, "oauth_entity_scope", [],
                                       purge=True)
        assert not state.changed
    assert client.writes == [] and len(client.tables["oauth_entity_scope"]) == 5


def test_absent_deletes_and_reruns_clean():
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})
    registry(Reconciler(client))
    check = Reconciler(client, check_mode=True)
    assert check.absent("oauth_entity", {"name": "Jira"}).action == "delete"
    check.flush()
    assert not [c for c in client.calls if c[0] == "delete"]
    real = Reconciler(client)
    assert real.absent("oauth_entity", {"name": "Jira"}).action == "delete"
    real.flush()
    again = Reconciler(client)
    assert again.absent("oauth_entity", {"name": "Jira"}).action == "none" and not again.changed


def scopes(*names):
    return [{"name": name, "oauth_entity_scope": name} for name in names]


def test_child_set_one_read_add_remove_and_check_mode():
    client = FakeClient()
    parent = client.seed("oauth_entity", name="Jira")
    client.seed("oauth_entity_scope", oauth_entity=parent, name="read:jira-work", oauth_entity_scope="read:jira-work")
    client.seed("oauth_entity_scope", oauth_entity=parent, name="old", oauth_entity_scope="old")
    client.seed("oauth_entity_scope", oauth_entity=parent, name="read:jira-work", oauth_entity_scope="read:jira-work")
    desired = scopes("read:jira-work", "write:jira-work")

    check = Reconciler(client, check_mode=True)
    predicted = check.present_set("oauth_entity_scope", {"oauth_entity": parent}, "oauth_entity_scope", desired,
                                  purge=True)
    assert predicted.added == ["write:jira-work"] and sorted(predicted.removed) == ["old", "read:jira-work"]
    assert client.writes == []
    assert len([c for c in client.calls if c[0] == "list"]) == 1

    keep = Reconciler(client)
    kept = keep.present_set("oauth_entity_scope", {"oauth_entity": parent}, "oauth_entity_scope", desired,
                            purge=False)
    keep.flush()
    assert kept.added == ["write:jira-work"] and kept.removed == []
    assert len(client.tables["oauth_entity_scope"]) == 4

    real = Reconciler(client)
    done = real.present_set("oauth_entity_scope", {"oauth_entity": parent}, "oauth_entity_scope", desired, purge=True)
    real.flush()
    assert done.added == [] and sorted(done.removed) == ["old", "read:jira-work"]
    assert sorted(r["oauth_entity_scope"] for r in client.tables["oauth_entity_scope"].values()) == [
        "read:jira-work", "write:jira-work"]
    assert [r["sys_id"] for r in done.records] == [r["sys_id"] for r in kept.records[:2]]

    converged = Reconciler(client)
    assert not converged.present_set("oauth_entity_scope", {"oauth_entity": parent}, "oauth_entity_scope", desired,
                                     purge=True).changed
    assert not converged.changed


def test_child_set_of_a_parent_that_does_not_exist_yet():
    client = FakeClient()
    check = Reconciler(client, check_mode=True)
    state = check.present_set("oauth_entity_scope", {"oauth_entity": None}, "oauth_entity_scope",
                              scopes("a", "b"), purge=True)
    assert state.added == ["a", "b"] and client.calls == []
    assert check.diff()["before"]["oauth_entity_scope oauth_entity_scope"] == []


# -- guards: each of these tests fails when its guard is removed ------------------------------------------------
def test_a_value_a_business_rule_changed_fails_the_verification_naming_table_record_and_field():
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})
    create = client.create

    def rewriting_create(table, data, fields=None, display_value_input=False):
        return create(table, dict(data, auth_url="https://rewritten.example.com"), fields, display_value_input)

    client.create = rewriting_create
    with pytest.raises(RecordError) as error:
        registry(Reconciler(client))
    assert "stored 'https://rewritten.example.com' in oauth_entity.auth_url" in str(error.value)
    assert error.value.details["field"] == "auth_url"


def test_a_name_that_differs_only_in_case_is_renamed():
    """ServiceNow finds "jira" for name=Jira (case-insensitive): the record is renamed, not left as it was."""
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})
    sys_id = registry(Reconciler(client)).sys_id
    client.tables["oauth_entity"][sys_id]["name"] = "jira"
    client.calls.clear()
    reconciler = Reconciler(client)
    state = reconciler.present("oauth_entity", {"name": "Jira"}, {"client_id": "cid"})
    reconciler.flush()
    assert state.changed_fields == ["name"] and client.tables["oauth_entity"][sys_id]["name"] == "Jira"
    assert [call[:4] for call in client.writes] == [("update", "oauth_entity", sys_id, ["name"])]


def test_a_desired_field_the_instance_does_not_return_stops_before_any_write():
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})
    registry(Reconciler(client))
    client.schema["oauth_entity"] = REGISTRY_FIELDS - {"access_token_lifespan"}
    client.calls.clear()
    with pytest.raises(RecordError, match="oauth_entity has no field access_token_lifespan"):
        registry(Reconciler(client), desired={"auth_url": "https://other.example.com"})
    assert client.writes == []
