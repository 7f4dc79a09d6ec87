"""The jira_cloud_id lookup in a real playbook: Cloud IDs from tenant_info, and a clear error for a missing site."""

import hashlib

from tests.integration.conftest import play


def test_lookup_cloud_ids(ansible, emulator, request):
    tag = hashlib.sha1(request.node.nodeid.encode("utf-8")).hexdigest()[:10]
    first = emulator.atlassian.add_site("l" + tag)
    second = emulator.atlassian.add_site("m" + tag)
    missing = "https://nosuch-%s.atlassian.net" % tag
    tasks = [
        {"name": "one", "ansible.builtin.set_fact": {
            "one": "{{ lookup('snowspoke.jira.jira_cloud_id', '%s') }}" % first.url}},
        {"name": "several", "ansible.builtin.set_fact": {
            "several": "{{ query('snowspoke.jira.jira_cloud_id', 'm%s', '%s.atlassian.net', timeout=10) }}" % (
                tag, first.name)}},
        {"name": "gateway url", "ansible.builtin.debug": {
            "msg": "https://api.atlassian.com/ex/jira/{{ lookup('snowspoke.jira.jira_cloud_id', '%s') }}" %
                   second.url}},
        {"name": "missing", "ansible.builtin.debug": {
            "msg": "{{ lookup('snowspoke.jira.jira_cloud_id', '%s') }}" % missing}, "ignore_errors": True},
    ]
    run = ansible(play(tasks)).assert_ok()
    assert run.task("one")["result"]["ansible_facts"]["one"] == first.cloud_id
    assert run.task("several")["result"]["ansible_facts"]["several"] == [second.cloud_id, first.cloud_id]
    assert run.task("gateway url")["result"]["msg"] == "https://api.atlassian.com/ex/jira/%s" % second.cloud_id
    failed = run.task("missing")
    assert failed["status"] == "ignored"
    assert "jira_cloud_id: There is no Jira Cloud site at %s" % missing in failed["result"]["msg"]
