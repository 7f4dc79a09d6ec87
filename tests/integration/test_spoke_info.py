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
