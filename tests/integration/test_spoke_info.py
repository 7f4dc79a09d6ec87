"""servicenow_spoke_info end to end: real ansible-playbook, emulated instance."""

from tests.integration.conftest import connection, play


def test_ready_instance(ansible, instance, emulator):
    run = ansible(play([{"name": "facts", "snowspoke.jira.servicenow_spoke_info": {}, "register": "facts"}],
                       instance=instance)).assert_ok()
    facts = run.task("facts")["result"]
    assert facts["ok"] is True, facts["problems"]
    assert facts["changed"] is False
    print(facts)


def test_a_429_is_waited_out_and_every_retry_shows_at_vvv(ansible, instance, emulator):
    emulator.add_fault(host=instance.url[8:], status=429, retry_after="1", times=2)
    tasks = [{"name": "facts", "snowspoke.jira.servicenow_spoke_info": {
        "instance": connection(instance, retry_backoff=0.01)}, "register": "facts"}]
    run = ansible(play(tasks), verbosity=3).assert_ok()
    log = run.task("facts")["result"]["request_log"]
    retries = [line for line in log if "HTTP 429 (Retry-After 1)" in line]
    assert len(retries) == 2 and "retry 1 of 4 in 1.00 s" in retries[0]
    assert retries[0] in run.stdout  # shown live at -vvv
    assert "request_log" not in ansible(play(tasks)).assert_ok().task("facts")["result"]  # only at -vvv


def test_retries_are_bounded(ansible, instance, emulator):
    emulator.add_fault(host=instance.url[8:], status=429, retry_after="1")
    tasks = [{"name": "facts", "snowspoke.jira.servicenow_spoke_info": {
        "instance": connection(instance, retry_backoff=0.01, retry_max_wait=1.5)}}]
    run = ansible(play(tasks))
    emulator.clear_faults()
    assert run.rc != 0
    message = run.task("facts")["result"]["msg"]
    assert "still rate-limits" in message and "after 1 retries and 1.0 s of waiting" in message


def test_two_records_for_one_identity_fail_listing_both(ansible, instance):
    first = instance.insert("oauth_entity", name="Jira twin", type="oauth_provider")
    second = instance.insert("oauth_entity", name="Jira twin", type="oauth_provider")
    tasks = [{"name": "registry", "snowspoke.jira.servicenow_oauth_registry": {
        "name": "Jira twin", "client_id": "cid", "client_secret": "twin-secret-value"}}]
    run = ansible(play(tasks, instance=instance))
    assert run.rc != 0
    message = run.task("registry")["result"]["msg"]
    assert first in message and second in message and "2 application registry records match name='Jira twin'" in message
    run.assert_no_secret("twin-secret-value")


def test_a_field_the_set_up_writes_stops_every_writer_and_an_optional_one_only_warns(ansible, instance, emulator):
    """The schema pre-flight (spoke.py _schema_facts) keeps written fields apart from read-or-reported ones."""
    site = emulator.atlassian.add_site("schema-" + instance.name)
    user = site.add_user("bot@%s.example" % instance.name, admin=True)
    token = user.add_api_token(kind="classic")
    engine = {"name": "engine", "ignore_errors": True, "snowspoke.jira.servicenow_jira_spoke": {
        "option": "basic", "sites": [{"name": "acme", "url": site.url, "username": user.email, "api_token": token}]}}
    facts = {"name": "facts", "snowspoke.jira.servicenow_spoke_info": {"fail_on_problems": False}}

    instance.set_options(absent_fields=["basic_auth_credentials.user_name"])
    writes_before = len(emulator.log.writes(label=instance.name))
    run = ansible(play([facts, engine], instance=instance))
    schema = run.task("facts")["result"]["schema"]
    assert schema["missing_fields"] == [{"table": "basic_auth_credentials", "field": "user_name"}]
    message = run.task("engine")["result"]["msg"]
    assert "is not ready for the Jira spoke set-up" in message and "basic_auth_credentials.user_name" in message
    assert "the set-up writes it" in message
    assert len(emulator.log.writes(label=instance.name)) == writes_before, "a write before the schema stopped the run"
    run.assert_no_secret(token, instance.admin_password)

    instance.set_options(absent_fields=["http_connection.order"])
    run = ansible(play([facts, dict(engine, ignore_errors=False)], instance=instance)).assert_ok()
    schema = run.task("facts")["result"]["schema"]
    assert schema["missing_fields"] == []
    assert [entry["field"] for entry in schema["missing_optional"]] == ["order"]
    assert any("order does not exist" in warning for warning in run.task("facts")["result"]["warnings"])
    assert run.task("engine")["status"] == "changed"
