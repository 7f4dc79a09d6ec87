"""The ServiceNow client against the emulated instance: every authentication, reads (paged, batched), writes, and
the message each failure gives."""

import pytest
import requests

from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import (
    AccessDeniedError,
    AuthenticationError,
    HTTPError,
    NotFoundError,
    RateLimitError,
    UnexpectedContentError,
)
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.client import ServiceNowClient, _served_items
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.query import Query, UnverifiedRowError
from tests.emulator.server import EmulatorServer
from tests.emulator.servicenow import ServiceNowFleet


@pytest.fixture(name="server", scope="module")
def fixture_server(tls_material):
    fleet = ServiceNowFleet()
    with EmulatorServer([fleet], tls=tls_material) as server:
        server.fleet = fleet
        yield server


@pytest.fixture(name="instance")
def fixture_instance(server, request):
    server.clear_faults()
    name = "c" + str(abs(hash(request.node.nodeid)) % 10 ** 9)
    yield server.fleet.add_instance(name)
    server.fleet.remove_instance(name)


@pytest.fixture(name="connect")
def fixture_connect(server, tls_material):
    def connect(instance, **options):
        settings = {"host": instance.url, "proxy": server.proxy_url, "ca_path": tls_material.ca_path,
                    "retries": 2, "retry_backoff": 0.01, "retry_max_wait": 5}
        settings.update(options)
        lines = []
        client = ServiceNowClient.from_options(settings, log=lines.append)
        client.lines = lines
        return client
    return connect


def admin(instance):
    return {"username": instance.admin_user, "password": instance.admin_password}


def test_basic_auth_reads_raw_values(connect, instance):
    client = connect(instance, **admin(instance))
    users = client.list("sys_user", {"user_name": "admin"}, fields=["sys_id", "user_name", "active"])
    assert users == [{"sys_id": users[0]["sys_id"], "user_name": "admin", "active": "true"}]
    assert client.lines and client.lines[0].startswith("GET api/now/table/sys_user?")


@pytest.mark.parametrize("grant", ["password", "client_credentials"])
def test_oauth_grants(connect, instance, grant):
    options = {"client_id": instance.oauth_client_id, "client_secret": instance.oauth_client_secret,
               "grant_type": grant}
    if grant == "password":
        options.update(admin(instance))
    client = connect(instance, **options)
    assert client.list("sys_user", {"user_name": "admin"}, fields=["user_name"])
    assert any("OAuth %s grant: access token obtained" % grant in line for line in client.lines)


def test_oauth_refresh_token_grant_and_a_ready_access_token(server, connect, instance, tls_material):
    answer = requests.post(instance.url + "/oauth_token.do", data=dict(
        grant_type="password", client_id=instance.oauth_client_id, client_secret=instance.oauth_client_secret,
        **admin(instance)), proxies={"https": server.proxy_url}, verify=tls_material.ca_path, timeout=10).json()
    refreshed = connect(instance, client_id=instance.oauth_client_id, client_secret=instance.oauth_client_secret,
                        refresh_token=answer["refresh_token"])
    assert refreshed.list("sys_user", {"user_name": "admin"}, fields=["user_name"])
    ready = connect(instance, access_token=answer["access_token"])
    assert ready.list("sys_user", {"user_name": "admin"}, fields=["user_name"])
    with pytest.raises(AuthenticationError, match="access token is expired or revoked"):
        connect(instance, access_token="not-a-token").list("sys_user")


def test_an_expired_oauth_token_is_fetched_again_once(connect, instance):
    client = connect(instance, client_id=instance.oauth_client_id, client_secret=instance.oauth_client_secret)
    client.list("sys_user", fields=["sys_id"], limit=1)
    client._token = "expired-token"  # pylint: disable=protected-access
    assert client.list("sys_user", fields=["sys_id"], limit=1)
    assert any("requesting a new token" in line for line in client.lines)


def test_api_key(connect, instance):
    assert connect(instance, api_key=instance.api_key).list("sys_user", {"user_name": "admin"}, fields=["user_name"])
    with pytest.raises(AuthenticationError, match="API key is unknown"):
        connect(instance, api_key="0" * 32).list("sys_user")


def test_wrong_password_names_the_user_not_the_password(connect, instance):
    with pytest.raises(AuthenticationError) as error:
        connect(instance, username="admin", password="wrong-password-x").list("sys_user")
    message = str(error.value)
    assert "refused the credentials of user 'admin'" in message and "HTTP 401" in message
    assert "wrong-password-x" not in message


def test_wrong_oauth_client(connect, instance):
    with pytest.raises(AuthenticationError, match="OAuth token request .* was refused"):
        connect(instance, client_id="nobody", client_secret="nothing-secret").list("sys_user")


def test_mfa(server, connect):
    instance = server.fleet.add_instance("cmfa", mfa_users=["admin"])
    try:
        with pytest.raises(AuthenticationError, match="multi-factor authentication"):
            connect(instance, **admin(instance)).list("sys_user")
    finally:
        server.fleet.remove_instance("cmfa")


def test_acl_refusals_name_table_operation_and_role(connect, instance):
    viewer = connect(instance, username=instance.viewer_user, password=instance.viewer_password)
    with pytest.raises(AccessDeniedError) as error:
        viewer.list("oauth_entity")
    assert "refused to read table oauth_entity" in str(error.value)
    assert "needs the admin role" in str(error.value)
    with pytest.raises(AccessDeniedError, match="refused to create table basic_auth_credentials"):
        viewer.create("basic_auth_credentials", {"name": "x"})


def test_a_business_rule_refusal_says_so(connect, instance):
    client = connect(instance, **admin(instance))
    registry = client.create("oauth_entity", {"name": "Jira BR", "type": "oauth_provider"})
    with pytest.raises(AccessDeniedError) as error:
        client.create("oauth_entity_profile",
                      {"name": "second", "oauth_entity": registry["sys_id"], "default": "true"})
    assert "Business Rule" in str(error.value) and "business rule on the instance stopped it" in str(error.value)


def test_missing_records_and_tables(connect, instance):
    client = connect(instance, **admin(instance))
    assert client.get("sys_user", "0" * 32) is None
    assert client.delete("sys_user", "0" * 32) is False
    with pytest.raises(NotFoundError, match="Table no_such_table does not exist"):
        client.list("no_such_table")


def test_writes_round_trip(connect, instance):
    client = connect(instance, **admin(instance))
    created = client.create("basic_auth_credentials", {"name": "rt", "user_name": "bot"}, fields=["sys_id", "name"])
    assert set(created) == {"sys_id", "name"}
    updated = client.update("basic_auth_credentials", created["sys_id"], {"password": "s3cret-rt"},
                            fields=["password"], display_value_input=True)
    assert updated["password"] and updated["password"] != "s3cret-rt"
    assert instance.clear_value("basic_auth_credentials", created["sys_id"], "password") == "s3cret-rt"
    assert client.delete("basic_auth_credentials", created["sys_id"]) is True


def test_paged_reads(connect, instance):
    for index in range(1005):
        instance.insert("sys_user", user_name="bulk%04d" % index)
    client = connect(instance, **admin(instance))
    client.lines.clear()
    users = client.list("sys_user", Query().where("user_name", "STARTSWITH", "bulk"), fields=["user_name"])
    assert len(users) == 1005 and len(set(u["user_name"] for u in users)) == 1005
    assert len(client.lines) == 2  # two pages of 1000


def test_batched_reads_and_their_fallback(server, connect, instance):
    client = connect(instance, **admin(instance))
    server.log.clear()
    users, aliases = client.list_many([("sys_user", {"user_name": "admin"}, ["user_name"], None),
                                       ("sys_alias", {"id": "sn_jira_spoke.Jira"}, ["id"], None)])
    assert users == [{"user_name": "admin"}] and aliases == [{"id": "sn_jira_spoke.Jira"}]
    assert [e.path for e in server.log.entries(label=instance.name)] == ["/api/now/v1/batch"]
    server.add_fault(host=instance.url[8:], path="/api/now/v1/batch", status=404)
    assert client.list_many([("sys_user", {"user_name": "admin"}, ["user_name"], None),
                             ("sys_alias", {"id": "sn_jira_spoke.Jira"}, ["id"], None)]) == [users, aliases]
    assert any("Batch API not available" in line for line in client.lines)


def test_batched_reads_can_return_refusals(connect, instance):
    viewer = connect(instance, username=instance.viewer_user, password=instance.viewer_password)
    users, registries = viewer.list_many([("sys_user", {"user_name": "viewer"}, ["user_name"], None),
                                          ("oauth_entity", None, ["name"], None)], return_errors=True)
    assert users == [{"user_name": "viewer"}] and isinstance(registries, AccessDeniedError)


def test_rate_limit_waited_out_then_exhausted(server, connect, instance):
    client = connect(instance, **admin(instance))
    server.add_fault(host=instance.url[8:], status=429, retry_after="0.05", times=1)
    assert client.list("sys_user", {"user_name": "admin"}, fields=["user_name"])
    assert any("HTTP 429 (Retry-After 0.05); retry 1 of 2" in line for line in client.lines)
    server.add_fault(host=instance.url[8:], status=429, retry_after="0.05")
    with pytest.raises(RateLimitError) as error:
        client.list("sys_user")
    assert "still rate-limits" in str(error.value) and "after 2 retries" in str(error.value)


def test_server_errors(server, connect, instance):
    client = connect(instance, **admin(instance), retries=0)
    server.add_fault(host=instance.url[8:], status=500)
    with pytest.raises(HTTPError, match="failed to read table sys_user .*HTTP 500"):
        client.list("sys_user")


@pytest.mark.parametrize("switch,fragment", [
    ({"hibernating": True}, "is hibernating"),
    ({"sso_redirect": True}, "login page"),
])
def test_html_answers(server, connect, instance, switch, fragment):
    instance.set_options(**switch)
    client = connect(instance, username="nobody", password="nothing") if "sso_redirect" in switch else \
        connect(instance, **admin(instance))
    with pytest.raises(UnexpectedContentError, match=fragment):
        client.list("sys_user")


def test_a_page_that_row_acls_shortened_is_not_the_last(connect, instance):
    """Row ACLs filter a page after it is taken (ServiceNow KB: sysparm_limit=36 answering 12 rows with more
    behind): a short first page is followed by the next until an empty one."""
    for index in range(1500):
        instance.insert("sys_user", user_name="bulk%s%04d" % ("h" if index % 2 else "v", index))
    instance.set_options(row_acls=[{"table": "sys_user", "query": "user_nameSTARTSWITHbulkh"}])
    client = connect(instance, **admin(instance))
    client.lines.clear()
    users = client.list("sys_user", Query().where("user_name", "STARTSWITH", "bulk"), fields=["user_name"])
    assert len(users) == 750 and all(u["user_name"].startswith("bulkv") for u in users)
    assert len(client.lines) >= 2, "the short first page was taken for the last one"


def test_a_batched_read_of_a_page_or_more_reads_every_row(server, connect, instance):
    """A Batch API item answers one page (1,000 rows): the rest is read until X-Total-Count is reached."""
    for index in range(1003):
        instance.insert("sys_user", user_name="batch%04d" % index)
    client = connect(instance, **admin(instance))
    server.log.clear()
    users, aliases = client.list_many([("sys_user", Query().where("user_name", "STARTSWITH", "batch"), ["user_name"],
                                        None), ("sys_alias", {"id": "sn_jira_spoke.Jira"}, ["id"], None)])
    assert len(users) == 1003 and len(set(u["user_name"] for u in users)) == 1003 and len(aliases) == 1
    paths = [e.path for e in server.log.entries(label=instance.name)]
    assert paths == ["/api/now/v1/batch", "/api/now/table/sys_user"]


def test_rows_that_do_not_match_the_query_stop_the_read(server, connect, instance):
    """The instance drops a condition on a field it does not have: the rows it answers are refused, by name."""
    client = connect(instance, **admin(instance))
    with pytest.raises(UnverifiedRowError) as error:
        client.list("sys_alias", {"no_such_field": "x"}, fields=["name"])
    assert "field sys_alias.no_such_field may not exist here" in str(error.value)
    assert "discover.yml" in str(error.value)


@pytest.mark.parametrize("answer, words", [
    (["not", "a", "batch"], "a body that is not a batch answer"),
    ({"serviced_requests": "nope"}, "a body that is not a batch answer"),
    ({"serviced_requests": [{"status_code": 200}]}, "KeyError"),
    ({"serviced_requests": [{"id": "7", "status_code": 200}]}, "ValueError: 7"),
    ({"serviced_requests": [{"id": "0", "status_code": 200, "body": "%%% not base64"}]}, "an item it could not have"),
    ({"serviced_requests": [{"id": "0", "status_code": 200, "body": "bm90IGpzb24="}]}, "an item it could not have"),
])
def test_a_malformed_batch_answer_is_named_not_raised_raw(answer, words):
    """A Batch API answer the client could not have asked for is an UnexpectedContentError naming the instance."""
    with pytest.raises(UnexpectedContentError) as raised:
        _served_items(answer, 2, "dev1.service-now.com")  # pylint: disable=protected-access
    assert words in str(raised.value) and "dev1.service-now.com" in str(raised.value)
