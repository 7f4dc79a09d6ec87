"""servicenow_spoke_info end to end: real ansible-playbook, emulated instance."""

from tests.integration.conftest import play


def test_ready_instance(ansible, instance, emulator):
    run = ansible(play([{"name": "facts", "snowspoke.jira.servicenow_spoke_info": {}, "register": "facts"}],
                       instance=instance)).assert_ok()
    facts = run.task("facts")["result"]
    assert facts["ok"] is True, facts["problems"]
    assert facts["changed"] is False
    print(facts)
