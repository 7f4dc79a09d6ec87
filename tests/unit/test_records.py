"""The reconciler's compare / check mode / diff / secret logic, on an in-memory fake client."""

import json

import pytest

from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import OptionError, RecordError
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.records import (
    MASK,
    MASK_NEW,
    DuplicateRecordsError,
    Reconciler,
    encode_query,
    to_snow,
)
from tests.unit.fake_servicenow import FakeClient

REGISTRY_FIELDS = {"name", "client_id", "client_secret", "auth_url", "active", "access_token_lifespan"}
SECRET = "s3cr3t-value-never-shown"


def registry(reconciler, **overrides):
    desired = {"client_id": "cid", "auth_url": "https://auth.atlassian.com/authorize", "active": True,
               "access_token_lifespan": 3600}
    desired.update(overrides.pop("desired", {}))
    return reconciler.present("oauth_entity", {"name": "Jira"}, desired,
                              secrets={"client_secret": overrides.pop("secret", SECRET)},
                              required_secrets=("client_secret",), **overrides)


def test_to_snow_and_queries():
    assert to_snow(True) == "true" and to_snow(False) == "false"
    assert to_snow(3600) == "3600" and to_snow(2.0) == "2" and to_snow(None) is None
    assert encode_query({"b": "2", "a": True, "c": ""}) == "a=true^b=2^cISEMPTY"
    with pytest.raises(OptionError):
        encode_query({"name": "x^y"})


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
    assert diff["before"]["oauth_entity"] is None
    assert diff["after"]["oauth_entity"]["client_secret"] == MASK_NEW
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
    assert check.diff()["before"]["oauth_entity"]["auth_url"] == "https://tampered.example.com"
    assert check.diff()["after"]["oauth_entity"]["auth_url"] == "https://auth.atlassian.com/authorize"
    assert check.diff()["before"]["oauth_entity"]["client_secret"] == MASK

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


def test_a_missing_stored_secret_is_sent_whatever_the_policy():
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})
    sys_id = registry(Reconciler(client)).sys_id
    client.tables["oauth_entity"][sys_id]["client_secret"] = ""
    state = registry(Reconciler(client), update_secret="on_create")
    assert state.changed_fields == ["client_secret"]


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


def test_a_secret_the_instance_does_not_keep_fails():
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})

    def update_without_secrets(table, sys_id, data, fields=None, display_value_input=False):
        return FakeClient.update(client, table, sys_id, data, fields, display_value_input=False)

    client.update = update_without_secrets
    with pytest.raises(RecordError, match="did not store oauth_entity.client_secret"):
        registry(Reconciler(client))


def test_absent_deletes_and_reruns_clean():
    client = FakeClient({"oauth_entity": REGISTRY_FIELDS})
    registry(Reconciler(client))
    check = Reconciler(client, check_mode=True)
    assert check.absent("oauth_entity", {"name": "Jira"}).action == "delete"
    assert not [c for c in client.calls if c[0] == "delete"]
    assert Reconciler(client).absent("oauth_entity", {"name": "Jira"}).action == "delete"
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
    assert kept.added == ["write:jira-work"] and kept.removed == []
    assert len(client.tables["oauth_entity_scope"]) == 4

    real = Reconciler(client)
    done = real.present_set("oauth_entity_scope", {"oauth_entity": parent}, "oauth_entity_scope", desired, purge=True)
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
    assert check.diff()["before"]["oauth_entity_scope"] == []
