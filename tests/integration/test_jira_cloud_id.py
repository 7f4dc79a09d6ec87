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


def _without_ca_bundle():
    """The environment of a run whose only trust anchor for the emulated sites is what the collection is given:
    no REQUESTS_CA_BUNDLE (or other bundle variable) to fall back on."""
    return {"REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": "", "SSL_CERT_FILE": ""}


def test_lookup_takes_ca_path_and_timeout_from_the_jira_environment(ansible, emulator, request):
    """JIRA_CA_PATH and JIRA_TIMEOUT reach the lookup as they reach the Jira modules (the same option table); an
    explicit lookup option wins; an empty variable counts as unset (an AWX credential's blank field)."""
    tag = hashlib.sha1(request.node.nodeid.encode("utf-8")).hexdigest()[:10]
    site = emulator.atlassian.add_site("c" + tag)
    lookup = "{{ lookup('snowspoke.jira.jira_cloud_id', '%s'%s) }}"
    tasks = [
        {"name": "env ca", "ansible.builtin.debug": {"msg": lookup % (site.url, "")}},
        {"name": "explicit ca", "ansible.builtin.debug": {
            "msg": lookup % (site.url, ", ca_path='%s'" % emulator.ca_path)}},
    ]
    env = dict(_without_ca_bundle(), JIRA_CA_PATH=emulator.ca_path, JIRA_TIMEOUT="")
    run = ansible(play(tasks), env=env).assert_ok()
    assert run.task("env ca")["result"]["msg"] == site.cloud_id
    assert run.task("explicit ca")["result"]["msg"] == site.cloud_id

    # Without JIRA_CA_PATH the emulator's private CA is not trusted: the setting is what made the first run work.
    untrusted = ansible(play([dict(tasks[0], ignore_errors=True)]), env=_without_ca_bundle())
    message = untrusted.task("env ca")["result"]["msg"]
    assert "TLS verification failed" in message and "ca_path" in message, message

    # JIRA_TIMEOUT: a site slower than the timeout fails as a timeout (the explicit option would override it).
    emulator.add_fault(host=site.host, path="/_edge/tenant_info", delay=3.0)
    try:
        slow = ansible(play([{"name": "slow", "ignore_errors": True, "ansible.builtin.debug": {
            "msg": lookup % (site.url, ", retries=0")}}]), env=dict(env, JIRA_TIMEOUT="0.5"))
        message = slow.task("slow")["result"]["msg"]
        assert "timed out" in message.lower() or "timeout" in message.lower(), message
        bad = ansible(play([{"name": "bad timeout", "ignore_errors": True, "ansible.builtin.debug": {
            "msg": lookup % (site.url, ", timeout=0")}}]), env=env)
        assert "timeout must be a positive number" in bad.task("bad timeout")["result"]["msg"]
    finally:
        emulator.clear_faults()
