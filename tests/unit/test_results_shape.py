"""What every module result carries: ``changes`` always, ``diff`` only when --diff was asked for (a diff holds the
before/after of records: without --diff it stays out of the result, and so out of registered variables and logs)."""

from ansible_collections.snowspoke.jira.plugins.module_utils.common.runner import TaskContext
from tests.unit.fake_servicenow import FakeClient


def result_of(diff):
    task = TaskContext({}, diff=diff)
    task._servicenow = FakeClient()  # pylint: disable=protected-access
    reconciler = task.reconciler()
    reconciler.present("oauth_entity", {"name": "Jira"}, {"client_id": "cid"})
    return task.success({"changed": reconciler.changed, "diff": reconciler.diff()})


def test_no_diff_without_diff_mode():
    plain = result_of(diff=False)
    assert "diff" not in plain and plain["changes"] == [{"action": "create", "table": "oauth_entity",
                                                         "record": "Jira", "key": "oauth_entity Jira"}]
    assert result_of(diff=True)["diff"]["after"]["oauth_entity Jira"]["name"] == "Jira"
