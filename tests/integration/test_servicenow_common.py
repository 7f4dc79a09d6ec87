"""Helpers shared by the ServiceNow module tests, and the tests that span every module: bad inputs fail before
any write naming the option, and secrets never show in any output."""

import secrets

from tests.integration.conftest import connection, play

NS = "snowspoke.jira."


def task(name, module, options, register=None, **keywords):
    """One task of a test play: ``module`` without its namespace, ``keywords`` are task keywords
    (``check_mode``, ``ignore_errors``, ...)."""
    body = {"name": name, NS + module: options}
    if register:
        body["register"] = register
    body.update(keywords)
    return body


def fake_secret(label):
    """An obviously fake secret, random so that it cannot appear in any output by chance."""
    return "fake-%s-%s" % (label, secrets.token_hex(10))


class WriteLog:
    """The writes one emulated instance received, read in slices: ``new()`` returns (method, path) of the writes
    since the previous call, so a test proves what each ansible-playbook run wrote (or that it wrote nothing)."""

    def __init__(self, emulator, instance):
        self.emulator = emulator
        self.label = instance.name
        self.mark = len(self._all())

    def _all(self):
        return self.emulator.log.writes(label=self.label)

    def new(self):
        entries = self._all()
        fresh, self.mark = entries[self.mark:], len(entries)
        return [(entry.method, entry.path) for entry in fresh]


def result(run, name):
    return run.task(name)["result"]


def status(run, name):
    return run.task(name)["status"]


def diff_of(run, name):
    """The module's diff (before/after by record label) of a task run with --diff."""
    found = result(run, name)["diff"]
    return found[0] if isinstance(found, list) else found


def warnings_of(run, name):
    return " ".join(result(run, name).get("warnings") or [])


def table_path(table, sys_id=None):
    return "/api/now/table/%s%s" % (table, "/" + sys_id if sys_id else "")


# -- bad inputs -----------------------------------------------------------------------------------------------------
GATEWAY = "https://api.atlassian.com/ex/jira/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def test_bad_inputs_fail_before_any_write_naming_the_option(ansible, instance, emulator):
    """Each bad input fails its task with a message that names the option, and the instance receives no write."""
    token = fake_secret("token")
    url_secret = fake_secret("in-url")  # shown by Ansible itself in the task's arguments at -vvv, never by us
    cases = [
        ("http url", "servicenow_http_connection",
         {"name": "c1", "credential": "any", "connection_url": "http://acme.atlassian.net",
          "attributes": {"server_type": "cloud"}}, ["connection_url", "https://"]),
        ("foreign url", "servicenow_http_connection",
         {"name": "c2", "credential": "any", "connection_url": "https://jira.example.com"},
         ["connection_url", "not a Jira Cloud URL"]),
        ("gateway without uuid", "servicenow_http_connection",
         {"name": "c3", "credential": "any", "connection_url": "https://api.atlassian.com/ex/jira/acme"},
         ["connection_url", "without a Cloud ID"]),
        ("gateway without id at all", "servicenow_http_connection",
         {"name": "c4", "credential": "any", "connection_url": "https://api.atlassian.com"},
         ["connection_url", "without a Cloud ID"]),
        ("invalid port", "servicenow_http_connection",
         {"name": "c8", "credential": "any", "connection_url": "https://acme.atlassian.net:abc"},
         ["connection_url", "invalid port"]),
        ("url with a password", "servicenow_http_connection",
         {"name": "c9", "credential": "any", "connection_url": "https://bot:%s@acme.atlassian.net" % url_secret},
         ["connection_url", "user name or password", "'https://acme.atlassian.net'"]),
        ("unknown grant type", "servicenow_oauth_registry",
         {"name": "r1", "client_id": "cid", "client_secret": token, "grant_type": "password"},
         ["grant_type", "authorization_code"]),
        ("empty scope", "servicenow_oauth_registry",
         {"name": "r2", "client_id": "cid", "client_secret": token, "scopes": ["read:jira-work", " "]},
         ["scopes[1]", "empty scope"]),
        ("duplicate scope", "servicenow_oauth_registry",
         {"name": "r3", "client_id": "cid", "client_secret": token,
          "scopes": ["read:jira-work", "offline_access", "read:jira-work"]},
         ["read:jira-work", "twice", "scopes[0]", "scopes[2]"]),
        ("duplicate grouped scope", "servicenow_oauth_registry",
         {"name": "r4", "client_id": "cid", "client_secret": token,
          "scope_groups": {"Classic": ["read:jira-work"], "Granular": ["read:jira-work"]}},
         ["twice", "scope_groups.Classic", "scope_groups.Granular"]),
        ("empty scope group", "servicenow_oauth_registry",
         {"name": "r5", "client_id": "cid", "client_secret": token, "scope_groups": {"Classic": []}},
         ["scope_groups.Classic", "no scope"]),
        ("registry secret missing", "servicenow_oauth_registry",
         {"name": "r6", "client_id": "cid", "scopes": ["read:jira-work"]}, ["client_secret", "r6"]),
        ("profile does not exist", "servicenow_credential",
         {"type": "oauth_2_0_credentials", "name": "o1", "oauth_profile": "no such profile"},
         ["oauth_profile", "no such profile", "does not exist"]),
        ("registry of profile does not exist", "servicenow_credential",
         {"type": "oauth_2_0_credentials", "name": "o2", "oauth_registry": "no such registry"},
         ["oauth_registry", "no such registry", "does not exist"]),
        ("password missing", "servicenow_credential",
         {"type": "basic_auth_credentials", "name": "b1", "username": "bot@example.com"}, ["password", "b1"]),
        ("api key missing", "servicenow_credential",
         {"type": "api_key_credentials", "name": "k1"}, ["api_key", "k1"]),
        ("option of another type", "servicenow_credential",
         {"type": "api_key_credentials", "name": "k2", "api_key": token, "username": "bot@example.com"},
         ["username", "basic_auth_credentials"]),
        ("alias does not exist", "servicenow_http_connection",
         {"name": "c5", "alias": "sn_jira_spoke.Nope", "credential": "any", "connection_url": GATEWAY},
         ["alias", "sn_jira_spoke.Nope", "does not exist"]),
        ("credential does not exist", "servicenow_http_connection",
         {"name": "c6", "credential": "no such credential", "connection_url": GATEWAY},
         ["credential", "no such credential", "does not exist"]),
        ("unknown attribute", "servicenow_http_connection",
         {"name": "c7", "credential": "any", "connection_url": GATEWAY, "attributes": {"api_versoin": "2"}},
         ["attributes", "api_versoin", "api_version"]),
        ("parent alias does not exist", "servicenow_connection_alias",
         {"name": "beta", "parent": "sn_jira_spoke.Nope"}, ["parent", "sn_jira_spoke.Nope", "does not exist"]),
        ("shipped alias", "servicenow_connection_alias", {"name": "Jira", "state": "absent"},
         ["shipped alias", "Jira"]),
        ("token info of nothing", "servicenow_oauth_token_info", {"credential": "no such credential"},
         ["credential", "no such credential", "does not exist"]),
    ]
    # "any" is a real credential, so that the cases above fail on what they test, not on the credential.
    instance.insert("basic_auth_credentials", name="any", user_name="bot@example.com", password=token)
    writes = WriteLog(emulator, instance)
    tasks = [task(name, module, options, ignore_errors=True) for name, module, options, _words in cases]
    run = ansible(play(tasks, instance=instance), verbosity=3, diff=True)
    assert writes.new() == []
    for name, _module, _options, words in cases:
        entry = run.task(name)
        assert entry["status"] == "ignored", (name, entry["result"])
        message = entry["result"]["msg"]
        for word in words:
            assert word in message, (name, word, message)
        assert url_secret not in message
    run.assert_no_secret(token, instance.admin_password)


# -- the whole set-up -----------------------------------------------------------------------------------------------
def test_whole_oauth_setup_check_apply_check(ansible, instance, emulator):
    """The seed's Option 2 as one play: in check mode on a fresh instance every later task finds what an earlier
    one would create (placeholders, with a warning) and nothing is written; applied, then checked again: no
    change at all."""
    secret = fake_secret("client-secret")
    tasks = [
        task("registry", "servicenow_oauth_registry",
             {"name": "Jira OAuth", "client_id": "cid", "client_secret": secret,
              "scopes": ["read:jira-work", "write:jira-work", "offline_access"]}),
        task("credential", "servicenow_credential",
             {"type": "oauth_2_0_credentials", "name": "Jira OAuth credential", "oauth_registry": "Jira OAuth"}),
        task("connection", "servicenow_http_connection",
             {"name": "Jira OAuth connection", "credential": "Jira OAuth credential", "connection_url": GATEWAY,
              "attributes": {"api_version": "2", "server_type": "cloud"}}),
        task("token", "servicenow_oauth_token_info", {"credential": "Jira OAuth credential"}),
    ]
    writes = WriteLog(emulator, instance)
    run = ansible(play(tasks, instance=instance), check=True, diff=True, verbosity=3).assert_ok()
    run.assert_no_secret(secret, instance.admin_password)
    assert writes.new() == []
    assert run.statuses() == ["changed", "changed", "changed", "ok"]
    assert "does not exist on %s yet" % instance.host in warnings_of(run, "credential")
    assert "'Jira OAuth credential' (credential) does not exist" in warnings_of(run, "connection")
    assert result(run, "token")["consent_url"] is None

    run = ansible(play(tasks, instance=instance), diff=True).assert_ok()
    assert run.statuses() == ["changed", "changed", "changed", "ok"]
    assert not warnings_of(run, "credential") and not warnings_of(run, "connection")
    assert len(writes.new()) == 2 + 3 + 3 + 1 + 1 + 2  # registry (+secret), scopes, profile scopes, credential,
    #                                                    connection, attributes
    assert result(run, "token")["consent_url"].startswith(instance.url + "/oauth_initiator.do?")

    run = ansible(play(tasks, instance=instance), check=True, diff=True).assert_ok()
    assert run.statuses() == ["ok", "ok", "ok", "ok"] and writes.new() == []


def test_secrets_never_shown_even_in_failures(ansible, instance, emulator):
    """A write the instance refuses fails naming the table and record, and neither the secret being written nor
    the instance password shows anywhere, at -vvv with --diff. The next run sends the secret the instance lacks."""
    token = fake_secret("api-token")
    emulator.add_fault(host=instance.host, method="PATCH", path="/api/now/table/basic_auth_credentials/",
                       status=403, times=1)
    defaults = {"group/snowspoke.jira.servicenow": {"instance": connection(instance, retries=0)}}
    tasks = [task("credential", "servicenow_credential",
                  {"type": "basic_auth_credentials", "name": "Jira basic", "username": "bot@example.com",
                   "password": token})]
    run = ansible(play(tasks, module_defaults=defaults), diff=True, verbosity=3)
    assert run.rc != 0
    failed = result(run, "credential")
    assert "basic_auth_credentials" in failed["msg"] and "refused" in failed["msg"]
    [record] = instance.records("basic_auth_credentials")
    assert record["sys_id"] in failed["msg"]
    assert "request_log" in failed  # -vvv shows the requests made ...
    run.assert_no_secret(token, instance.admin_password)  # ... but no secret
    assert instance.clear_value("basic_auth_credentials", record["sys_id"], "password") is None

    writes = WriteLog(emulator, instance)
    run = ansible(play(tasks + [dict(tasks[0], name="rerun")], instance=instance), diff=True).assert_ok()
    assert [status(run, "credential"), status(run, "rerun")] == ["changed", "ok"]
    assert writes.new() == [("PATCH", table_path("basic_auth_credentials", record["sys_id"]))]
    assert instance.clear_value("basic_auth_credentials", record["sys_id"], "password") == token
