"""playbooks/site.yml the way AWX runs it: through ansible-runner, with the credential types' injectors as the
job's environment, for a fleet; and a sliced run (the inventory split into slices run in parallel, as AWX job
slicing does) that converges a second fleet exactly as one run converged the first."""

import os
import threading

import pytest
import yaml

from tests.conftest import REPO
from tests.support.awx import inject, load
from tests.support.playbooks import environment

ansible_runner = pytest.importorskip("ansible_runner")

FLEET_SIZE = 4
SLICES = 2
PASSWORD = "fleet-integration-password-1"
# What a converged instance holds: compared between the single run and the sliced run.
TABLES = ("basic_auth_credentials", "http_connection", "sys_variable_value")


def fleet(emulator, prefix, token_user):
    """Instances sharing one integration user (a fleet credential: no instance in the AWX credential)."""
    names = ["%s%d" % (prefix, index) for index in range(FLEET_SIZE)]
    for name in names:
        emulator.servicenow.add_instance(name, admin_password=PASSWORD)
    site = token_user["site"]
    hosts = dict((name, {"snowspoke_option": "basic", "snowspoke_jira_sites": [{
        "name": "acme", "url": site.url,
        # Secrets of the Jira side from the job's environment: the Jira Cloud credential type injects them.
        "username": "{{ lookup('ansible.builtin.env', 'JIRA_USERNAME') }}",
        "api_token": "{{ lookup('ansible.builtin.env', 'JIRA_API_TOKEN') }}"}]}) for name in names)
    return names, {"all": {"children": {"servicenow": {"hosts": hosts}}}}


def job(tmp_path, emulator, inventory, token_user, limit=None, label="job"):
    """An ansible-runner private data dir like the one AWX prepares, then run site.yml in it."""
    private = tmp_path / label
    (private / "inventory").mkdir(parents=True)
    (private / "env").mkdir()
    (private / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
    env = environment(emulator)
    env.update(inject(load("servicenow_instance.yml"), {"username": "admin", "password": PASSWORD},
                      str(private / "env")))
    env.update(inject(load("jira_cloud.yml"), {"username": token_user["email"], "api_token": token_user["token"]},
                      str(private / "env")))
    # The job's environment, minus what the runner sets itself.
    envvars = dict((key, value) for key, value in env.items() if key not in ("PWD", "OLDPWD", "SHLVL", "_"))
    result = ansible_runner.run(
        private_data_dir=str(private), project_dir=os.path.join(REPO, "playbooks"), playbook="site.yml",
        inventory=str(private / "inventory" / "hosts.yml"), envvars=envvars, limit=limit, quiet=True,
        settings={"suppress_ansible_output": True})
    return result


def output(result):
    with open(os.path.join(result.config.artifact_dir, "stdout"), encoding="utf-8") as handle:
        return handle.read()


def recap(result):
    stats = result.stats or {}
    return dict((host, stats.get("changed", {}).get(host, 0)) for host in stats.get("ok", {}))


def state(emulator, names):
    """The records a converged instance holds, without sys_ids (they differ between instances)."""
    out = {}
    for name in names:
        instance = emulator.servicenow.instance(name)
        out[name] = dict((table, sorted(
            tuple(sorted((key, value) for key, value in record.items()
                         if key in ("name", "user_name", "connection_url", "active", "value"))) for record in
            instance.records(table))) for table in TABLES)
    return out


@pytest.fixture(name="token_user")
def token_user_fixture(emulator, request):
    site = emulator.atlassian.add_site("awx-" + request.node.name.replace("_", "-")[:20].lower())
    user = site.add_user("awx-bot@example.test", admin=True)
    return {"site": site, "email": user.email, "token": user.add_api_token(kind="classic")}


def test_site_through_ansible_runner_and_sliced(tmp_path, emulator, token_user):
    single_names, single_inventory = fleet(emulator, "awxa", token_user)
    sliced_names, sliced_inventory = fleet(emulator, "awxb", token_user)

    first = job(tmp_path, emulator, single_inventory, token_user, label="single")
    assert first.rc == 0, output(first)[-4000:]
    assert all(changed > 0 for changed in recap(first).values()) and set(recap(first)) == set(single_names)

    # AWX job slicing: host i of the inventory goes to slice i % SLICES; the slices run at the same time.
    runs = {}
    threads = []
    for index in range(SLICES):
        limit = ",".join(name for position, name in enumerate(sliced_names) if position % SLICES == index)

        def run_slice(limit=limit, index=index):
            runs[index] = job(tmp_path, emulator, sliced_inventory, token_user, limit=limit, label="slice%d" % index)

        threads.append(threading.Thread(target=run_slice))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert all(runs[index].rc == 0 for index in range(SLICES)), [output(run)[-3000:] for run in runs.values()]
    sliced_hosts = set().union(*(recap(runs[index]) for index in range(SLICES)))
    assert sliced_hosts == set(sliced_names)

    converged = state(emulator, sliced_names)
    expected = state(emulator, single_names)
    assert list(converged.values()) == list(expected.values())

    again = job(tmp_path, emulator, sliced_inventory, token_user, label="again")
    assert again.rc == 0 and set(recap(again).values()) == {0}

    for result in [first, again] + list(runs.values()):
        text = output(result)
        assert "PLAY RECAP" in text
        assert token_user["token"] not in text and PASSWORD not in text
