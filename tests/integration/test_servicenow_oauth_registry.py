"""servicenow_oauth_registry end to end: the registry, its scopes, its default profile and the profile scopes as one
unit, through real ansible-playbook runs against an emulated instance."""

from tests.integration.conftest import play
from tests.integration.test_servicenow_common import (
    WriteLog, diff_of, fake_secret, result, status, table_path, task, warnings_of)

MODULE = "servicenow_oauth_registry"
NAME = "Jira cloud OAuth app registry"
# Diffs are keyed by table and record: the registry by its name, its children by the registry's (or profile's).
REGISTRY = "oauth_entity " + NAME
SCOPES_KEY = "oauth_entity_scope " + NAME
PROFILE_KEY = "oauth_entity_profile " + NAME + " default_profile"
PROFILE_SCOPES_KEY = "oauth_entity_profile_scope " + NAME + " default_profile"
SCOPES = ["read:jira-work", "write:jira-work", "offline_access"]
TOKEN_URL = "https://auth.atlassian.com/oauth/token"


def registry_task(title, check_mode=None, ignore_errors=None, **options):
    """A task of the module on the registry NAME; ``check_mode``/``ignore_errors`` are task keywords."""
    keywords = dict((key, value) for key, value in (("check_mode", check_mode), ("ignore_errors", ignore_errors))
                    if value is not None)
    return task(title, MODULE, dict({"name": NAME}, **options), **keywords)


def unit_of(instance, name=NAME):
    """The registry with its children as stored: (registry, scopes, profiles, profile scopes)."""
    registries = instance.records("oauth_entity", "name=%s" % name)
    if not registries:
        return None, [], [], []
    registry = registries[0]
    scopes = instance.records("oauth_entity_scope", "oauth_entity=%s" % registry["sys_id"])
    profiles = instance.records("oauth_entity_profile", "oauth_entity=%s" % registry["sys_id"])
    profile_scopes = instance.records("oauth_entity_profile_scope",
                                      "oauth_entity_profileIN%s" % ",".join(p["sys_id"] for p in profiles)) \
        if profiles else []
    return registry, scopes, profiles, profile_scopes


def assert_profile_mirrors_scopes(instance, name=NAME):
    """One default profile, whose profile scopes are exactly the entity scopes."""
    _registry, scopes, profiles, profile_scopes = unit_of(instance, name)
    defaults = [profile for profile in profiles if profile["default"] == "true"]
    assert len(defaults) == 1, profiles
    mirrored = sorted(row["oauth_entity_scope"] for row in profile_scopes
                      if row["oauth_entity_profile"] == defaults[0]["sys_id"])
    assert mirrored == sorted(scope["sys_id"] for scope in scopes)
    return defaults[0]


def test_lifecycle_per_scope(ansible, instance, emulator):
    """check -> apply -> rerun -> check -> tamper -> check shows it -> apply repairs only it -> absent -> rerun."""
    secret = fake_secret("client-secret")
    desired = {"client_id": "atl-client-id", "client_secret": secret, "scopes": SCOPES}
    writes = WriteLog(emulator, instance)

    # 1. check: predicts the whole unit, writes nothing.
    run = ansible(play([registry_task("create", **desired)], instance=instance), check=True, diff=True).assert_ok()
    assert writes.new() == []
    assert status(run, "create") == "changed"
    after = diff_of(run, "create")["after"]
    assert after[REGISTRY]["client_secret"] == "******** (new value)"
    assert after[REGISTRY]["auth_url"] == "https://auth.atlassian.com/authorize"
    assert after[PROFILE_KEY]["name"] == NAME + " default_profile"
    assert sorted(row["oauth_entity_scope"] for row in after[SCOPES_KEY]) == sorted(SCOPES)
    assert len(after[PROFILE_SCOPES_KEY]) == len(SCOPES)
    assert warnings_of(run, "create") == ""  # a normal prediction (the profile the instance makes) is no warning

    # 2. apply, rerun, check: one run of writes, then nothing.
    run = ansible(play([registry_task("create", **desired), registry_task("rerun", **desired),
                        registry_task("check", check_mode=True, **desired)], instance=instance),
                  diff=True, verbosity=3).assert_ok()
    run.assert_no_secret(secret, instance.admin_password)
    assert [status(run, name) for name in ("create", "rerun", "check")] == ["changed", "ok", "ok"]
    registry, scopes, _profiles, _profile_scopes = unit_of(instance)
    created = result(run, "create")
    assert created["registry"]["sys_id"] == registry["sys_id"]
    assert created["redirect_url"] == instance.url + "/oauth_redirect.do"
    assert "client_secret" not in created["registry"]
    assert sorted(scope["oauth_entity_scope"] for scope in scopes) == sorted(SCOPES)
    assert sorted(s["sys_id"] for s in created["scopes"]) == sorted(s["sys_id"] for s in scopes)
    profile = assert_profile_mirrors_scopes(instance)
    assert created["profile"]["sys_id"] == profile["sys_id"]  # the instance's own default profile, reused
    assert profile["grant_type"] == "authorization_code"
    assert registry["refresh_token_url"] == TOKEN_URL and registry["token_url"] == TOKEN_URL
    assert instance.clear_value("oauth_entity", registry["sys_id"], "client_secret") == secret
    assert sorted(writes.new()) == sorted(
        [("POST", table_path("oauth_entity")), ("PATCH", table_path("oauth_entity", registry["sys_id"]))]
        + [("POST", table_path("oauth_entity_scope"))] * len(SCOPES)
        + [("POST", table_path("oauth_entity_profile_scope"))] * len(SCOPES))

    # 3. a change behind the module's back: check shows exactly it, writes nothing.
    instance.tamper("oauth_entity", registry["sys_id"], token_url="https://auth.example.com/oauth/token")
    run = ansible(play([registry_task("check", **desired)], instance=instance), check=True, diff=True).assert_ok()
    assert writes.new() == []
    assert status(run, "check") == "changed"
    diff = diff_of(run, "check")
    assert list(diff["before"]) == [REGISTRY] and list(diff["after"]) == [REGISTRY]
    assert diff["before"][REGISTRY]["token_url"] == "https://auth.example.com/oauth/token"
    assert diff["after"][REGISTRY]["token_url"] == TOKEN_URL
    changed = [field for field in diff["after"][REGISTRY]
               if diff["after"][REGISTRY][field] != diff["before"][REGISTRY].get(field)]
    assert changed == ["token_url"]
    assert diff["before"][REGISTRY]["client_secret"] == "********"  # masked, not even the sealed form
    run.assert_no_secret(registry["client_secret"])

    # 4. apply repairs exactly that field (one PATCH of the registry), then the check is clean again.
    run = ansible(play([registry_task("repair", **desired), registry_task("check", check_mode=True, **desired)],
                       instance=instance)).assert_ok()
    assert [status(run, name) for name in ("repair", "check")] == ["changed", "ok"]
    assert writes.new() == [("PATCH", table_path("oauth_entity", registry["sys_id"]))]
    assert instance.get("oauth_entity", registry["sys_id"])["token_url"] == TOKEN_URL

    # 5. absent (check first), then absent again.
    run = ansible(play([registry_task("check absent", check_mode=True, state="absent"),
                        registry_task("absent", state="absent"), registry_task("rerun", state="absent")],
                       instance=instance), diff=True).assert_ok()
    assert [status(run, name) for name in ("check absent", "absent", "rerun")] == ["changed", "changed", "ok"]
    assert unit_of(instance) == (None, [], [], [])
    assert instance.records("oauth_entity_profile_scope") == []
    deleted = writes.new()
    assert {method for method, _path in deleted} == {"DELETE"}
    assert len(deleted) == 1 + len(SCOPES) + 1 + len(SCOPES)  # registry, scopes, profile, profile scopes
    assert result(run, "absent")["deleted"]["scopes"] == len(SCOPES)
    assert diff_of(run, "absent")["after"][REGISTRY] is None


def test_grouped_scopes_purge_and_client_credentials(ansible, instance, emulator):
    """Scopes grouped in named records (client credentials); purge off keeps and mirrors an extra scope, purge on
    removes it with its profile scope."""
    secret = fake_secret("sa-secret")
    groups = {"Classic": ["write:jira-work", "read:jira-work"], "Granular": ["read:sprint:jira-software"]}
    desired = {"client_id": "sa-client", "client_secret": secret, "grant_type": "client_credentials",
               "scope_groups": groups}
    writes = WriteLog(emulator, instance)
    # Same groups listed in another order: the same records, no change.
    reordered = {**desired, "scope_groups": {"Granular": ["read:sprint:jira-software"],
                                             "Classic": ["read:jira-work", "write:jira-work"]}}
    run = ansible(play([registry_task("create", **desired), registry_task("reordered", **reordered)],
                       instance=instance)).assert_ok()
    assert [status(run, name) for name in ("create", "reordered")] == ["changed", "ok"]
    registry, scopes, _profiles, _profile_scopes = unit_of(instance)
    assert sorted((scope["name"], scope["oauth_entity_scope"]) for scope in scopes) == [
        ("Classic", "read:jira-work write:jira-work"), ("Granular", "read:sprint:jira-software")]
    assert registry["default_grant_type"] == "client_credentials"
    assert registry["revoke_token_url"] == TOKEN_URL and registry["auth_url"] == ""
    profile = assert_profile_mirrors_scopes(instance)
    assert profile["grant_type"] == "client_credentials"
    writes.new()

    # An extra scope record added by hand: kept (and mirrored in the profile) while purge is off.
    extra = instance.insert("oauth_entity_scope", name="Extra", oauth_entity_scope="read:me",
                            oauth_entity=registry["sys_id"])
    keep = dict(desired, purge_scopes=False)
    run = ansible(play([registry_task("keep", check_mode=True, **keep)], instance=instance),
                  check=True).assert_ok()
    assert status(run, "keep") == "changed" and writes.new() == []
    run = ansible(play([registry_task("keep", **keep), registry_task("keep again", **keep),
                        registry_task("purge", check_mode=True, **desired)], instance=instance),
                  diff=True).assert_ok()
    assert [status(run, name) for name in ("keep", "keep again", "purge")] == ["changed", "ok", "changed"]
    assert writes.new() == [("POST", table_path("oauth_entity_profile_scope"))]
    assert instance.get("oauth_entity_scope", extra) is not None
    assert "Extra" in [scope["name"] for scope in result(run, "keep")["scopes"]]
    assert_profile_mirrors_scopes(instance)
    mirrored_extra = instance.records("oauth_entity_profile_scope", "oauth_entity_scope=%s" % extra)[0]["sys_id"]
    purge_diff = diff_of(run, "purge")
    assert [row["name"] for row in purge_diff["before"][SCOPES_KEY]] == ["Classic", "Extra", "Granular"]
    assert [row["name"] for row in purge_diff["after"][SCOPES_KEY]] == ["Classic", "Granular"]

    run = ansible(play([registry_task("purge", **desired), registry_task("purge again", **desired)],
                       instance=instance)).assert_ok()
    assert [status(run, name) for name in ("purge", "purge again")] == ["changed", "ok"]
    assert instance.get("oauth_entity_scope", extra) is None
    assert_profile_mirrors_scopes(instance)
    assert sorted(writes.new()) == sorted([("DELETE", table_path("oauth_entity_scope", extra)),
                                           ("DELETE", table_path("oauth_entity_profile_scope", mirrored_extra))])


def test_default_profile_repaired_and_absent_guarded_by_credentials(ansible, instance, emulator):
    """A deleted default profile is recreated (one, never two) with mirrored scopes; absent refuses while a
    credential uses the profile, naming it, and removes it with delete_credentials."""
    desired = {"client_id": "atl-client-id", "client_secret": fake_secret("client-secret"), "scopes": SCOPES}
    ansible(play([registry_task("create", **desired)], instance=instance)).assert_ok()
    registry, _scopes, profiles, profile_scopes = unit_of(instance)
    assert len(profiles) == 1
    instance.delete("oauth_entity_profile", profiles[0]["sys_id"])
    for row in profile_scopes:  # as the platform's cascade would
        instance.delete("oauth_entity_profile_scope", row["sys_id"])
    writes = WriteLog(emulator, instance)

    credential = {"type": "oauth_2_0_credentials", "name": "Jira cloud OAuth credential", "oauth_registry": NAME}
    run = ansible(play([
        registry_task("repair check", check_mode=True, **desired),
        registry_task("repair", **desired),
        registry_task("rerun", **desired),
        task("credential", "servicenow_credential", credential),
        registry_task("absent while used", state="absent", ignore_errors=True),
    ], instance=instance), diff=True).assert_ok()
    assert [status(run, name) for name in ("repair check", "repair", "rerun", "credential", "absent while used")] \
        == ["changed", "changed", "ok", "changed", "ignored"]
    assert "no default profile" in warnings_of(run, "repair")
    profile = assert_profile_mirrors_scopes(instance)
    assert profile["name"] == NAME + " default_profile" and profile["grant_type"] == "authorization_code"
    assert result(run, "repair")["profile"]["sys_id"] == profile["sys_id"]
    assert sorted(writes.new()) == sorted(
        [("POST", table_path("oauth_entity_profile")), ("POST", table_path("oauth_2_0_credentials"))]
        + [("POST", table_path("oauth_entity_profile_scope"))] * len(SCOPES))
    refused = result(run, "absent while used")["msg"]
    used_by = instance.records("oauth_2_0_credentials")[0]
    assert used_by["oauth_entity_profile"] == profile["sys_id"]
    assert "Jira cloud OAuth credential" in refused and used_by["sys_id"] in refused
    assert "nothing was removed" in refused and "delete_credentials" in refused

    run = ansible(play([registry_task("absent", state="absent", delete_credentials=True),
                        registry_task("rerun", state="absent")], instance=instance)).assert_ok()
    assert [status(run, name) for name in ("absent", "rerun")] == ["changed", "ok"]
    assert result(run, "absent")["deleted"]["credentials"] == 1
    assert instance.records("oauth_2_0_credentials") == [] and unit_of(instance)[0] is None
    assert ("DELETE", table_path("oauth_2_0_credentials", used_by["sys_id"])) in writes.new()
    assert instance.get("oauth_entity", registry["sys_id"]) is None


def test_a_consumer_registry_keeps_its_type_and_another_kind_is_refused(ansible, instance):
    """ServiceNow's configuration templates make registries of type=consumer: the module converges one of the right
    name without turning it into an oauth_provider; a registry of another kind (an OAuth client, an OIDC provider)
    is not the Jira registry and is refused, unchanged."""
    secret = fake_secret("consumer")
    consumer = instance.insert("oauth_entity", name=NAME, type="consumer", client_id="cid-consumer")
    tasks = [registry_task("registry", client_id="cid-consumer", client_secret=secret, scopes=SCOPES)]
    run = ansible(play(tasks, instance=instance)).assert_ok()
    [stored] = instance.records("oauth_entity", "name=%s" % NAME)
    assert stored["sys_id"] == consumer and stored["type"] == "consumer"
    assert ansible(play(tasks, instance=instance)).assert_ok().changed == 0
    run.assert_no_secret(secret)

    other = "Jira client registry"
    instance.insert("oauth_entity", name=other, type="client", client_id="cid-client")
    refused = ansible(play([task("other", MODULE, {"name": other, "client_id": "cid-client", "client_secret": secret,
                                                   "scopes": SCOPES})], instance=instance))
    assert refused.rc != 0
    assert "is of type 'client', not a third-party OAuth provider" in result(refused, "other")["msg"]
    assert instance.records("oauth_entity", "name=%s" % other)[0]["type"] == "client"
