"""The logic of servicenow_jira_webhook and jira_webhook, in-process against the emulators (validated as the modules
validate their arguments): every undocumented fact each way the emulators can play it, converging (and the callback
URL then accepting Jira's events) or stopping before any write naming the fact; check mode without writes; identity,
updates and expiry of both kinds of Jira webhook; no secret in any result. And the pure parts: the schema found from
dictionary rows, derived URLs, expiration dates, the summary filter."""

import hashlib
import hmac
import json
import secrets

import pytest
import requests
from ansible.module_utils.common.arg_spec import ModuleArgumentSpecValidator

from ansible_collections.snowspoke.jira.plugins.filter.webhook_summary import webhook_summary
from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import TaskContext, module_spec, run_logic
from ansible_collections.snowspoke.jira.plugins.module_utils.jira import webhook as jira_webhook
from ansible_collections.snowspoke.jira.plugins.module_utils.jira.options import JIRA
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow import webhook, webhook_schema
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.options import INSTANCE
from tests.emulator.atlassian import AtlassianCloud
from tests.emulator.server import EmulatorServer
from tests.emulator.servicenow import ServiceNowFleet
from tests.emulator.servicenow.schema import WEBHOOK_PATH, WEBHOOK_REGISTRY_TABLES

SCOPES = ["read:jira-work", "manage:jira-webhook"]


@pytest.fixture(name="world", scope="module")
def fixture_world(tls_material):
    fleet, cloud = ServiceNowFleet(), AtlassianCloud()
    with EmulatorServer([fleet, cloud], tls=tls_material) as server:
        server.fleet, server.cloud, server.tls = fleet, cloud, tls_material
        yield server


@pytest.fixture(name="instance")
def fixture_instance(world, request):
    name = "w" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]
    yield world.fleet.add_instance(name)
    world.fleet.remove_instance(name)


def token():
    return "tk-" + secrets.token_urlsafe(20)


def run(connection, logic, args, check_mode=False):
    """The logic's result (unscrubbed: the logic must mask secrets itself) and its warnings, as a module gets them."""
    spec, kwargs = module_spec(connection, logic)
    validation = ModuleArgumentSpecValidator(spec, **kwargs).validate(args)
    assert not validation.error_messages, validation.error_messages
    task = TaskContext(dict(args, **validation.validated_parameters), check_mode=check_mode, diff=True)
    result = run_logic(logic, task)
    result["warnings"] = task.warnings
    return result


def sn_args(world, instance, **args):
    connection = {"host": instance.url, "username": instance.admin_user, "password": instance.admin_password,
                  "proxy": world.proxy_url, "ca_path": world.tls.ca_path, "retries": 0}
    return dict({"instance": connection, "name": "Jira acme webhook"}, **args)


def registry(world, instance, check_mode=False, **args):
    return run(INSTANCE, webhook, sn_args(world, instance, **args), check_mode)


def writes(world, instance):
    return [(entry.method, entry.path) for entry in world.log.writes(label=instance.name)]


def deliver(world, result, value, body=b'{"webhookEvent": "jira:issue_created"}'):
    """Post an event to a callback as Jira would (the token in the URL, or an HMAC signature); the status."""
    url = result["callback_url_template"].replace("{token}", value)
    headers = {"Content-Type": "application/json"}
    if result["callback_type"] == "hmac":
        headers["X-Hub-Signature"] = "sha256=" + hmac.new(value.encode(), body, hashlib.sha256).hexdigest()
    return requests.post(url, data=body, headers=headers, proxies={"https": world.proxy_url},
                         verify=world.tls.ca_path, timeout=10).status_code


def assert_no_secret(result, *values):
    text = json.dumps(result, default=str)
    for value in values:
        assert value not in text


# -- ServiceNow: every way the instance can have the registry ----------------------------------------------------
@pytest.mark.parametrize("switches, callback_type", [
    ({}, "hmac"),
    ({}, "token"),
    ({"webhook_registry_table": WEBHOOK_REGISTRY_TABLES[1]}, "hmac"),
    ({"webhook_registry_table": WEBHOOK_REGISTRY_TABLES[2], "webhook_registry_fields": "prefixed"}, "token"),
    ({"webhook_registry_fields": "prefixed"}, "hmac"),
    ({"webhook_callback_types": "token_only"}, "token"),
    ({"webhook_callback_url": "not_shown"}, "token"),
    ({"webhook_callback_url": "not_shown"}, "hmac"),
    ({"webhook_token_parameter": "webhook_token"}, "token"),  # shown: the instance's own URL is used
    ({"webhook_lookalike_table": True}, "token"),  # a global table with the same label is not the registry
    # the registry waits for its token's secret, whatever the batch order (an instance forming the URL on save)
    ({"batch_order": "reverse", "webhook_callback_url_refresh": "on_save"}, "token"),
], ids=["documented-hmac", "documented-token", "table2", "table3-prefixed", "prefixed-hmac", "token-only",
        "not-shown-token", "not-shown-hmac", "parameter-shown", "lookalike", "batch-reverse"])
def test_registry_converges_and_its_callback_accepts_events(world, instance, switches, callback_type):
    instance.set_options(**switches)
    value = token()
    check = registry(world, instance, check_mode=True, token=value, callback_type=callback_type)
    assert not check.get("failed"), check.get("msg")
    assert check["changed"] and not writes(world, instance)
    assert check["callback_url_source"] == "derived"
    first = registry(world, instance, token=value, callback_type=callback_type, description="d")
    assert first["changed"] and not first.get("failed"), first.get("msg")
    [table] = [name for name in WEBHOOK_REGISTRY_TABLES if instance.has_table(name)]
    assert instance.has_table("u_jira_webhook_registry") is bool(switches.get("webhook_lookalike_table"))
    assert first["schema"]["table"] == table and first["registry"]["table"] == table
    [record] = instance.records(table)
    assert record[first["schema"]["fields"]["name"]] == "Jira acme webhook"
    assert record[first["schema"]["fields"]["path"]] == WEBHOOK_PATH
    shown = switches.get("webhook_callback_url", "shown") == "shown"
    assert first["callback_url_source"] == ("instance" if shown else "derived")
    assert bool(first["warnings"]) is not shown
    assert first["callback_type"] == callback_type
    assert ("{token}" in first["callback_url_template"]) is (callback_type == "token")
    assert deliver(world, first, value) == 200
    assert deliver(world, first, token()) == 401
    second = registry(world, instance, token=value, callback_type=callback_type, description="d")
    assert not second["changed"] and second["callback_url_template"] == first["callback_url_template"]
    again = registry(world, instance, check_mode=True, token=value, callback_type=callback_type, description="d")
    assert not again["changed"]
    for result in (check, first, second, again):
        assert_no_secret(result, value, instance.admin_password)


@pytest.mark.parametrize("switches, args, fact, words", [
    ({"webhook_registry_table": "absent"}, {}, "TABLE", "No table of application scope sn_jira_spoke is labelled"),
    ({"spoke_installed": False}, {}, "TABLE", "No table of application scope sn_jira_spoke"),
    ({}, {"registry_table": "sn_jira_spoke_webhooks"}, "TABLE", "There is no table sn_jira_spoke_webhooks"),
    ({"webhook_callback_types": "token_only"}, {"callback_type": "hmac"}, "TYPE", "has no Callback URL Type column"),
    ({"absent_fields": [WEBHOOK_REGISTRY_TABLES[0] + ".path"]}, {}, "FIELDS", "has no column labelled 'Path'"),
    ({"absent_fields": ["token_verification.token"]}, {}, "FIELDS", "token_verification has no column labelled"),
], ids=["no-table", "no-spoke", "wrong-table", "no-type-column", "no-path", "no-token-column"])
def test_a_missing_fact_stops_before_any_write_naming_it(world, request, switches, args, fact, words):
    name = "f" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]
    instance = world.fleet.add_instance(name, **switches)
    try:
        value = token()
        result = registry(world, instance, token=value, **args)
        assert result["failed"] and result["fact"] == fact, result
        assert words in result["msg"] and "Nothing was written" in result["msg"]
        assert not writes(world, instance)
        assert_no_secret(result, value)
    finally:
        world.fleet.remove_instance(name)


def test_the_token_column_must_reference_the_token_table():
    found = {"wh_dictionary": [
        {"element": "name", "column_label": "Name"}, {"element": "description", "column_label": "Description"},
        {"element": "path", "column_label": "Path"},
        {"element": "token", "column_label": "Token", "internal_type": "password2", "reference": ""}],
        "wh_choices": []}
    with pytest.raises(webhook_schema.UnconfirmedFactError) as raised:
        webhook_schema.Schema.build({"name": "t"}, {}, found, "h")
    assert raised.value.details["fact"] == "FIELDS" and "is a password2, not a reference" in raised.value.message


def test_a_derived_url_follows_token_parameter(world, instance):
    """How a token-based URL is formed when the instance shows none: the parameter name is a guess (token); an
    instance wanting another refuses the events until token_parameter says so."""
    instance.set_options(webhook_callback_url="not_shown", webhook_token_parameter="webhook_token")
    value = token()
    guessed = registry(world, instance, token=value)
    assert guessed["callback_url_source"] == "derived" and "derived" in guessed["warnings"][0]
    assert deliver(world, guessed, value) == 401
    told = registry(world, instance, token=value, token_parameter="webhook_token")
    assert not told["changed"] and told["callback_url_template"].endswith("?webhook_token={token}")
    assert deliver(world, told, value) == 200


def test_token_rotation_needs_update_secret_always(world, instance):
    value, rotated = token(), token()
    assert registry(world, instance, token=value)["changed"]
    refused = registry(world, instance, token=rotated)
    assert refused["failed"] and "does not carry the token given" in refused["msg"]
    assert "update_secret always" in refused["msg"]
    predicted = registry(world, instance, check_mode=True, token=rotated, update_secret="always")
    assert predicted["changed"] and [c["fields"] for c in predicted["changes"]] == [["token"]]
    rotated_result = registry(world, instance, token=rotated, update_secret="always")
    assert rotated_result["changed"] and rotated_result["callback_url_source"] == "instance"
    assert rotated_result["token_record"]["secret_stored"] is True
    assert deliver(world, rotated_result, rotated) == 200 and deliver(world, rotated_result, value) == 401
    for result in (refused, predicted, rotated_result):
        assert_no_secret(result, value, rotated)


def test_token_rotation_where_the_url_is_formed_on_save(world, instance):
    """An instance that forms the shown URL when the registry is saved keeps showing the old token after a rotation:
    the module says so (the events need the new one), and a save of the registry repairs it."""
    instance.set_options(webhook_callback_url_refresh="on_save")
    value, rotated = token(), token()
    registry(world, instance, token=value)
    stale = registry(world, instance, token=rotated, update_secret="always")
    assert stale["failed"] and "forms the URL when the registry is saved" in stale["msg"]
    resaved = registry(world, instance, token=rotated, description="saved again")
    assert resaved["changed"] and resaved["callback_url_source"] == "instance"
    assert deliver(world, resaved, rotated) == 200
    assert_no_secret(stale, value, rotated)


def test_diff_masks_the_token_and_never_shows_the_url_columns(world, instance):
    value = token()
    first = registry(world, instance, token=value)
    table = first["schema"]["table"]
    after = first["diff"]["after"]
    assert after["token_verification Jira acme webhook"]["token"] == "******** (new value)"
    assert "token_callback_url" not in after["%s Jira acme webhook" % table]
    assert "token_callback_url" not in first["registry"] and "token" not in first["token_record"]
    assert first["callback_url"].endswith("?token=********")
    changed = registry(world, instance, token=value, callback_type="hmac", path="api/custom/hook")
    assert changed["changes"] == [{"action": "update", "table": table, "record": "Jira acme webhook",
                                   "key": "%s Jira acme webhook" % table, "fields": ["callback_type", "path"]}]
    assert changed["callback_url"] == "%s/api/custom/hook" % instance.url
    assert deliver(world, changed, value) == 200
    assert_no_secret(changed, value)


def test_absent_removes_registry_and_token_unless_shared(world, instance):
    value = token()
    registry(world, instance, token=value)
    registry(world, instance, name="Jira other webhook", token_name="Jira acme webhook", token=value)
    table = WEBHOOK_REGISTRY_TABLES[0]
    mark = len(writes(world, instance))
    check = registry(world, instance, check_mode=True, state="absent")
    assert check["changed"] and len(writes(world, instance)) == mark
    removed = registry(world, instance, state="absent", token=value)
    assert removed["changed"] and [c["table"] for c in removed["changes"]] == [table]
    assert "also used by Jira webhook registry 'Jira other webhook'" in removed["warnings"][0]
    assert removed["callback_url_source"] == "instance" and "{token}" in removed["callback_url_template"]
    assert len(writes(world, instance)) == mark + 1
    last = registry(world, instance, state="absent", name="Jira other webhook", token_name="Jira acme webhook")
    assert [c["table"] for c in last["changes"]] == [table, "token_verification"]
    assert not instance.records(table) and not instance.records("token_verification")
    assert not registry(world, instance, state="absent")["changed"]
    assert_no_secret(removed, value)


def test_option_errors_before_any_request(world, instance):
    for args, words in (({"token": "short"}, "at least 16 characters"), ({"token": "x" * 20 + " y"}, "at least 16"),
                        ({"token": token(), "path": "/"}, "path must not be empty"),
                        ({"token": token(), "token_parameter": "a b"}, "URL parameter name")):
        result = registry(world, instance, **args)
        assert result["failed"] and words in result["msg"]
    assert not world.log.entries(label=instance.name)


# -- Jira: admin webhooks -------------------------------------------------------------------------------------
@pytest.fixture(name="site")
def fixture_site(world, request, monkeypatch):
    monkeypatch.setattr(jira_webhook, "CLOCK", world.cloud.clock.now)  # expiry as the emulated Jira's clock sees it
    name = "s" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:12]
    site = world.cloud.add_site(name)
    site.admin = site.add_user("admin@%s.example" % name, admin=True)
    site.admin_token = site.admin.add_api_token()
    site.add_project("OPS")
    site.add_project("ENG")
    yield site
    world.cloud.webhooks.switches.clear()


def jira_args(world, site, **args):
    return dict({"jira_url": site.url, "proxy": world.proxy_url, "ca_path": world.tls.ca_path, "retries": 0}, **args)


def admin_hook(world, site, check_mode=False, **args):
    args = jira_args(world, site, username=site.admin.email, api_token=site.admin_token, **args)
    args.setdefault("name", "ServiceNow dev1")
    args.setdefault("url", "https://dev1.service-now.com/api/x")
    return run(JIRA, jira_webhook, args, check_mode)


def jira_writes(world, site):
    return world.log.writes(label=site.name) + world.log.writes(label="api", path=site.cloud_id)


@pytest.mark.parametrize("on_put", ["kept", "cleared"])
def test_admin_webhook_by_name_one_webhook_secret_kept_through_updates(world, site, on_put):
    world.cloud.webhooks.set(admin_secret_on_put=on_put)
    secret = token()
    check = admin_hook(world, site, check_mode=True, secret=secret)
    assert check["changed"] and not jira_writes(world, site) and check["webhook"]["id"] is None
    first = admin_hook(world, site, secret=secret, jql="project = OPS")
    assert first["changed"] and first["webhook"]["id"] == list(site.admin_webhooks)[0]
    assert not admin_hook(world, site, secret=secret, jql="project = OPS")["changed"]
    assert not admin_hook(world, site, check_mode=True, secret=secret, jql="project = OPS")["changed"]
    count = len(jira_writes(world, site))
    changed = admin_hook(world, site, secret=secret, jql="project = ENG", events=["comment_created"])
    assert changed["changes"][0]["fields"] == ["events", "jql", "secret"]
    assert len(jira_writes(world, site)) == count + 1 and len(site.admin_webhooks) == 1
    [stored] = site.admin_webhooks.values()
    assert stored.secret == secret and stored.events == ["comment_created"] and stored.jql == "project = ENG"
    always = admin_hook(world, site, secret=secret, jql="project = ENG", events=["comment_created"],
                        update_secret="always")
    assert always["changed"] and always["changes"][0]["fields"] == ["secret"]
    gone = admin_hook(world, site, state="absent")
    assert gone["changed"] and gone["webhook"] is None and not site.admin_webhooks
    assert not admin_hook(world, site, state="absent")["changed"]
    for result in (check, first, changed, always, gone):
        assert_no_secret(result, secret, site.admin_token)


def test_admin_webhook_refusals(world, site):
    first = admin_hook(world, site)["webhook"]["id"]
    site.admin_webhooks[99] = type(site.admin_webhooks[first])(99, site)
    site.admin_webhooks[99].name = "ServiceNow dev1"
    duplicate = admin_hook(world, site)
    assert duplicate["failed"] and "2 admin webhooks" in duplicate["msg"] and duplicate["ids"] == [first, 99]
    user = site.add_user("dev@%s.example" % site.name)
    refused = run(JIRA, jira_webhook, jira_args(
        world, site, username=user.email, api_token=user.add_api_token(), name="x", url="https://dev1.service-now.com/x"))
    assert refused["failed"] and "HTTP 403" in refused["msg"]
    for args, words in (({"kind": "dynamic"}, "Only Connect and OAuth 2.0 apps"), ({"name": None}, "name is required"),
                        ({"url": "http://plain.example/x"}, "https://"), ({"events": []}, "at least one"),
                        ({"field_ids": ["summary"]}, "dynamic webhooks only")):
        result = admin_hook(world, site, **args)
        assert result["failed"] and words in result["msg"], (args, result["msg"])


# -- Jira: dynamic webhooks -----------------------------------------------------------------------------------
def oauth(world, site):
    app = world.cloud.add_oauth_app("app " + site.name, scopes=SCOPES)
    return app, world.cloud.issue_tokens(app, site.admin)["access_token"]


def dynamic_hook(world, site, access, check_mode=False, **args):
    args = jira_args(world, site, access_token=access, **args)
    args.setdefault("url", "https://dev1.service-now.com/api/x?token=" + args.pop("url_secret", "u" * 20))
    args.setdefault("jql", "project = OPS")
    return run(JIRA, jira_webhook, args, check_mode)


@pytest.mark.parametrize("expiration", ["epoch_ms", "iso"])
def test_dynamic_webhook_identity_update_refresh_and_expiry(world, site, expiration):
    world.cloud.webhooks.set(dynamic_expiration_format=expiration)
    app, access = oauth(world, site)
    secret = token()
    url = {"url_secret": secret, "url_token": secret}
    check = dynamic_hook(world, site, access, check_mode=True, **url)
    assert check["changed"] and not jira_writes(world, site)
    first = dynamic_hook(world, site, access, **url)
    assert first["changed"] and first["webhook"]["expires_in_days"] == pytest.approx(30, abs=0.1)
    assert first["webhook"]["url"].endswith("?token=********")
    assert not dynamic_hook(world, site, access, **url)["changed"]
    # a changed JQL: the new webhook first, then the old one removed; one remains
    changed = dynamic_hook(world, site, access, jql="project = ENG", **url)
    assert changed["changes"][0]["fields"] == ["jql"] and changed["changes"][0]["replaced"] == first["webhook"]["id"]
    assert [hook.jql for hook in site.dynamic_webhooks.values()] == ["project = ENG"]
    # 15 days on (15 left, under refresh_days 20): refreshed, then quiet again
    world.cloud.clock.advance(days=15)
    access = world.cloud.issue_tokens(app, site.admin)["access_token"]
    predicted = dynamic_hook(world, site, access, check_mode=True, jql="project = ENG", **url)
    assert predicted["changed"] and predicted["changes"][0]["fields"] == ["expires"]
    refreshed = dynamic_hook(world, site, access, jql="project = ENG", **url)
    assert refreshed["refreshed"] and refreshed["webhook"]["expires_in_days"] == pytest.approx(30, abs=0.1)
    assert not dynamic_hook(world, site, access, jql="project = ENG", **url)["changed"]
    # expired: replaced by a new one
    world.cloud.clock.advance(days=31)
    access = world.cloud.issue_tokens(app, site.admin)["access_token"]
    replaced = dynamic_hook(world, site, access, jql="project = ENG", **url)
    assert replaced["changes"][0]["fields"] == ["expires"] and len(site.dynamic_webhooks) == 1
    assert list(site.dynamic_webhooks)[0] == replaced["webhook"]["id"] != refreshed["webhook"]["id"]
    for result in (check, first, changed, predicted, refreshed, replaced):
        assert_no_secret(result, secret, access)


def test_dynamic_webhooks_identity_by_url_and_events(world, site):
    _app, access = oauth(world, site)
    one = dynamic_hook(world, site, access, events=["jira:issue_created"])
    two = dynamic_hook(world, site, access, events=["jira:issue_created"], url="https://dev2.service-now.com/api/x")
    assert one["webhook"]["id"] != two["webhook"]["id"] and len(site.dynamic_webhooks) == 2
    # a changed event list updates the one webhook at the URL
    updated = dynamic_hook(world, site, access, events=["jira:issue_created", "comment_created"])
    assert updated["changes"][0]["fields"] == ["events"] and len(site.dynamic_webhooks) == 2
    # two at one URL: the one with these events is meant; with other events, which one is not clear
    site.dynamic_webhooks[50000] = type(site.dynamic_webhooks[updated["webhook"]["id"]])(
        50000, site.dynamic_webhooks[updated["webhook"]["id"]].app, "https://dev1.service-now.com/api/x?token=" +
        "u" * 20, ["jira:issue_deleted"], "project = OPS", None, None, world.cloud.clock.now() + 30 * 86400)
    assert not dynamic_hook(world, site, access, events=["jira:issue_created", "comment_created"])["changed"]
    unclear = dynamic_hook(world, site, access, events=["jira:issue_updated"])
    assert unclear["failed"] and "2 dynamic webhooks of this app" in unclear["msg"]
    removed = dynamic_hook(world, site, access, state="absent")
    assert [c["action"] for c in removed["changes"]] == ["delete", "delete"] and len(site.dynamic_webhooks) == 1


def test_dynamic_webhook_refusals(world, site):
    _app, access = oauth(world, site)
    bad = dynamic_hook(world, site, access, jql="watchCount > 2")
    assert bad["failed"] and "The clause watchCount is unsupported" in bad["msg"] and not site.dynamic_webhooks
    narrow = world.cloud.add_oauth_app("narrow " + site.name, scopes=["read:jira-work"])
    refused = dynamic_hook(world, site, world.cloud.issue_tokens(narrow, site.admin)["access_token"])
    assert refused["failed"] and "lacks the OAuth scopes" in refused["msg"]
    for args, words in (({"secret": token()}, "cannot carry a secret"), ({"jql": None}, "jql is required"),
                        ({"events": ["sprint_started"]}, "Dynamic webhooks take only"),
                        ({"kind": "admin"}, "an OAuth 2.0 app registers dynamic webhooks"),
                        ({"refresh_days": 31}, "refresh_days")):
        result = dynamic_hook(world, site, access, **args)
        assert result["failed"] and words in result["msg"], (args, result["msg"])
    none = run(JIRA, jira_webhook, jira_args(world, site, url="https://x.example/y"))
    assert none["failed"] and "needs credentials" in none["msg"]


# -- pure parts -----------------------------------------------------------------------------------------------
def test_schema_from_dictionary_rows_by_label():
    found = {"wh_dictionary": [
        {"element": "u_n", "column_label": "NAME"}, {"element": "u_d", "column_label": "Description"},
        {"element": "u_p", "column_label": "Path"}, {"element": "sys_id", "column_label": "Sys ID"},
        {"element": "u_t", "column_label": "Token", "internal_type": "reference", "reference": "token_verification"},
        {"element": "u_k", "column_label": "Callback url type"},
        {"element": "u_url", "column_label": "Webhook callback URL"}],
        "wh_choices": [{"element": "u_k", "value": "1", "label": "Token-based Callback URL"},
                       {"element": "u_k", "value": "2", "label": "HMAC-based Callback URL"},
                       {"element": "other", "value": "3", "label": "HMAC"}]}
    schema = webhook_schema.Schema.build({"name": "t", "label": "L", "sys_scope.scope": "s"}, {"name": "n"}, found, "h")
    assert schema.fields == {"name": "u_n", "description": "u_d", "token": "u_t", "path": "u_p"}
    assert schema.type_field == "u_k" and schema.choices == {"token": "1", "hmac": "2"}
    assert schema.url_fields == {"token": "u_url", "hmac": "u_url"}
    assert schema.record_fields() == ["u_d", "u_k", "u_n", "u_p", "u_t"]
    found["wh_choices"] = found["wh_choices"][:1]
    with pytest.raises(webhook_schema.UnconfirmedFactError) as raised:
        webhook_schema.Schema.build({"name": "t"}, {}, found, "h")
    assert raised.value.details["fact"] == "TYPE" and "for HMAC callbacks" in raised.value.message
    found["wh_dictionary"].append({"element": "u_n2", "column_label": "Name"})
    with pytest.raises(webhook_schema.UnconfirmedFactError) as raised:
        webhook_schema.Schema.build({"name": "t"}, {}, found, "h")
    assert "several columns labelled 'Name': u_n, u_n2" in raised.value.message


def test_derived_urls():
    derive = webhook_schema.derive_url
    assert derive("https://dev1.service-now.com/", "/api/a/b/", "token", "token") == (
        "https://dev1.service-now.com/api/a/b?token={token}")
    assert derive("https://dev1.service-now.com", "api/a b", "hmac", "token") == "https://dev1.service-now.com/api/a%20b"


@pytest.mark.parametrize("value, epoch", [
    (1559392950000, 1559392950.0), ("1559392950000", 1559392950.0), ("2019-06-01T12:42:30.000+0000", 1559392950.0),
    ("2019-06-01T14:42:30+02:00", 1559392950.0), ("2019-06-01T12:42:30Z", 1559392950.0), ("soon", None),
    (None, None), (True, None)])
def test_expiration_dates_in_either_form(value, epoch):
    # pylint: disable-next=protected-access
    assert jira_webhook._epoch(value) == epoch


def test_summary_filter_lines():
    servicenow = {"changed": True, "results": [
        {"callback_type": "hmac", "callback_url": "https://i/x", "callback_url_source": "instance", "changed": True,
         "changes": [{"action": "create", "table": "token_verification", "record": "T"}]},
        {"callback_type": "token", "callback_url": "https://i/x?token=********", "callback_url_source": "derived"}]}
    jira = {"results": [
        {"kind": "admin", "webhook": {"name": "SN", "id": 3}},
        {"kind": "dynamic", "webhook": {"id": None, "expires": "2030-01-01T00:00:00Z"}, "changed": True,
         "changes": [{"action": "create", "table": "jira dynamic webhook", "record": "https://i/x?token=********"}]}]}
    sites = [{"name": "a", "url": "https://a.atlassian.net", "token": "never shown"},
             {"name": "b", "url": "https://b.atlassian.net"}]
    summary = webhook_summary(servicenow, jira, sites, host="dev1", check_mode=True)
    assert summary == {"instance": "dev1", "state": "present", "check_mode": True, "webhooks": [
        "a: HMAC-based callback https://i/x (shown by the instance) <- Jira admin webhook 'SN' on "
        "https://a.atlassian.net",
        "b: token-based callback https://i/x?token=******** (derived) <- Jira dynamic webhook id None (new) on "
        "https://b.atlassian.net until 2030-01-01T00:00:00Z"],
        "changes": ["create token_verification 'T'", "create jira dynamic webhook 'https://i/x?token=********'"]}
    assert "never shown" not in json.dumps(summary)
    gone = webhook_summary({"results": [{"callback_type": "hmac", "callback_url": "u"}]},
                           {"results": [{"kind": "admin", "webhook": None}]}, sites[:1], state="absent")
    assert gone["webhooks"] == ["a: removed (HMAC-based callback u (derived); Jira admin webhook on "
                                "https://a.atlassian.net)"]
