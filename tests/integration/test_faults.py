"""Faults and concurrent runs, in `make test`: a few fixed seeds of the fault driver, one 4-way concurrency trial
(``make stress`` runs the whole table), and deterministic faults injected at the emulator's front:

- a create whose answer is lost after the record was stored (in a Batch API call, and alone when the instance
  refuses writes in a batch) converges in the same run, with one record and no second POST;
- answers lost beyond the retry budget end with a message that the write may or may not have been applied;
- a lost update or delete is sent again, and a delete answered 404 the second time has succeeded;
- a dropped connection is the server closing it, not the proxy failing; a failed Batch API read names its tables;
- ``validate_certs: false`` warns once per run on each side.
"""

import collections
import itertools
import os
import time

import pytest
import yaml

from tests.conftest import REPO
from tests.integration.conftest import play
from tests.support.faults import EXPECTED, concurrency_trial, counts, existing, fault_trial, inventory, site_for

SITE = os.path.join(REPO, "playbooks", "site.yml")
BATCH = "/api/now/v1/batch"


@pytest.fixture
def faults(emulator):
    """The emulator's fault list, emptied after the test (the emulator serves the whole session)."""
    yield emulator
    emulator.clear_faults()


# -- seeds of the fault driver and the concurrency driver --------------------------------------------------------
@pytest.mark.parametrize("rate,seed", [(0.1, 1), (0.1, 2), (0.1, 3), (0.3, 1), (0.3, 2)])
def test_fault_seed(ansible, emulator, instance, rate, seed):
    """As `make stress` asserts each seed: converged or failed with a clear message, then the reruns converge with
    one set of records, no secret shown."""
    trial = fault_trial(ansible, emulator, instance, "oauth", rate, seed)
    assert trial["outcome"] in ("converged", "clear failure"), trial
    assert not trial["problems"] and trial["rerun_converged"], trial


def test_four_runs_at_once(ansible, emulator, instance):
    found = concurrency_trial(ansible, emulator, instance, "oauth", runs=4)
    assert found["one_set"], found


# -- a create whose answer is lost ------------------------------------------------------------------------------
def posts(emulator, instance):
    """How many creates reached each table of the instance (Batch API items included)."""
    return collections.Counter(entry.path.rsplit("/", 1)[-1] for entry in emulator.log.writes(
        label=instance.name, method="POST"))


def first_write_batch(ansible, emulator, reference, option="oauth"):
    """How many Batch API calls the set-up of a fresh instance makes before the first one that carries writes (the
    reads come first): found on a reference instance, so the fault below hits that call whatever the reads are."""
    site, _secret = site_for(emulator, reference, option)
    ansible(SITE, inventory=inventory(reference, option, site)).assert_ok()
    entries = emulator.log.entries(label=reference.name, items=True)
    calls = [position for position, entry in enumerate(entries) if entry.path == BATCH and not entry.item]
    for number, position in enumerate(calls):
        carried = itertools.takewhile(lambda entry: entry.item, entries[position + 1:])
        if any(entry.write for entry in carried):
            return number
    raise AssertionError("the set-up sent no write through the Batch API")


def test_lost_batch_answer_converges_in_the_run(ansible, emulator, faults, instance):
    reference = emulator.servicenow.add_instance(instance.name + "r")
    try:
        skip = first_write_batch(ansible, emulator, reference)
    finally:
        emulator.servicenow.remove_instance(reference.name)
    site, _secret = site_for(emulator, instance, "oauth")
    before = existing(instance, "oauth")
    lost = faults.add_fault(host=instance.host, method="POST", path=BATCH, skip=skip, times=1, drop=True, after=True)
    run = ansible(SITE, inventory=inventory(instance, "oauth", site), verbosity=3).assert_ok()
    assert lost.fired == 1
    assert counts(instance, "oauth", before) == EXPECTED["oauth"]
    created = posts(emulator, instance)
    for table, number in EXPECTED["oauth"].items():  # the instance makes the default profile itself
        assert created[table] <= number, "%s: %d POSTs for %d records (a lost create was sent again)" % (
            table, created[table], number)
    log = run.task("Jira spoke set-up")["result"]["request_log"]
    assert any("was applied although its answer was lost: not sent again" in line for line in log), log


def test_lost_answer_without_batch_writes_converges(ansible, emulator, faults):
    """The instance refuses writes inside a batch: creates go one by one; the first one's answer is lost."""
    instance = emulator.servicenow.add_instance("tlostsingle", batch_writes="refused")
    try:
        site, _secret = site_for(emulator, instance, "oauth")
        before = existing(instance, "oauth")
        lost = faults.add_fault(host=instance.host, method="POST", path="/api/now/table/oauth_entity_scope", times=1,
                                drop=True, after=True)
        run = ansible(SITE, inventory=inventory(instance, "oauth", site), verbosity=3).assert_ok()
        assert lost.fired == 1
        assert counts(instance, "oauth", before) == EXPECTED["oauth"]
        created = posts(emulator, instance)
        assert created["oauth_entity_scope"] == EXPECTED["oauth"]["oauth_entity_scope"], created
        log = run.task("Jira spoke set-up")["result"]["request_log"]
        assert any("was applied although its answer was lost" in line for line in log), log
    finally:
        emulator.servicenow.remove_instance(instance.name)


def test_lost_answers_beyond_the_budget_say_the_outcome_is_unknown(ansible, emulator, faults, instance):
    """Every attempt of the registry's create is cut off: the run stops saying it may have been applied."""
    site, _secret = site_for(emulator, instance, "oauth")
    faults.add_fault(host=instance.host, method="POST", path="/api/now/table/oauth_entity$", drop=True)
    inv = yaml.safe_load(inventory(instance, "oauth", site))
    host = inv["all"]["children"]["servicenow"]["hosts"][instance.name]
    host["snowspoke_instance"]["retries"] = 2
    run = ansible(SITE, inventory=yaml.safe_dump(inv))
    assert run.rc != 0
    message = run.task("Jira spoke set-up")["result"]["msg"]
    assert "may or may not have been applied" in message, message
    assert "application registry Jira acme OAuth registry" in message and instance.host in message, message
    assert "in 3 attempts" in message and "Run again" in message, message
    # A connection dropped before the answer is logged without the instance's label: find it by host.
    assert len(emulator.log.entries(host=instance.host, method="POST", path="/api/now/table/oauth_entity$")) == 3


# -- lost updates and deletes ------------------------------------------------------------------------------------
def credential_task(title, **options):
    return {"name": title, "snowspoke.jira.servicenow_credential": dict(
        {"name": "Jira faults credential", "type": "basic_auth_credentials", "username": "bot@faults.example",
         "password": "faults-api-token-1234"}, **options)}


def test_lost_update_and_delete_are_sent_again(ansible, emulator, faults, instance):
    ansible(play([credential_task("create")], instance=instance)).assert_ok()
    start = time.time()
    path = "/api/now/table/basic_auth_credentials/"
    faults.add_fault(host=instance.host, method="PATCH", path=path, times=1, drop=True, after=True)
    faults.add_fault(host=instance.host, method="DELETE", path=path, times=1, drop=True, after=True)
    run = ansible(play([credential_task("update", username="other@faults.example"),
                        credential_task("delete", state="absent")], instance=instance)).assert_ok()
    assert [entry["status"] for entry in run.results] == ["changed", "changed"]
    assert instance.records("basic_auth_credentials", "name=Jira faults credential") == []
    patches = [entry for entry in emulator.log.entries(label=instance.name, method="PATCH", path=path)
               if entry.time > start]
    assert [entry.status for entry in patches] == [200, 200], "the update was applied, lost, and sent again"
    deletes = [entry for entry in emulator.log.entries(label=instance.name, method="DELETE", path=path)
               if entry.time > start]
    assert [entry.status for entry in deletes] == [204, 404], [entry.status for entry in deletes]


# -- messages ----------------------------------------------------------------------------------------------------
def fast(instance, **options):
    """module_defaults for ``instance`` with short retries."""
    return {"group/snowspoke.jira.servicenow": {"instance": dict(
        host=instance.url, username=instance.admin_user, password=instance.admin_password, retries=1,
        retry_backoff=0.05, **options)}}


def test_dropped_connection_is_the_server_closing_it(ansible, emulator, faults, instance):
    faults.add_fault(host=instance.host, drop=True)
    run = ansible(play([dict(credential_task("create"), ignore_errors=True)], module_defaults=fast(instance)))
    message = run.task("create")["result"]["msg"]
    assert "closed the connection" in message and instance.host in message, message
    assert "proxy failed" not in message and "failed to reach" not in message, message
    assert not emulator.log.writes(label=instance.name)


@pytest.mark.parametrize("fault", [{"status": 500}, {"drop": True}], ids=["500", "dropped"])
def test_failed_batch_read_names_its_tables(ansible, emulator, faults, instance, fault):
    faults.add_fault(host=instance.host, method="POST", path=BATCH, **fault)
    site, _secret = site_for(emulator, instance, "oauth")
    run = ansible(SITE, inventory=inventory(instance, "oauth", site))
    message = run.task("Jira spoke set-up")["result"]["msg"]
    assert "failed to create %s" % BATCH not in message, message
    assert "It carried the reads of" in message and "oauth_entity" in message and "http_connection" in message, \
        message
    assert not emulator.log.writes(label=instance.name)


def test_validate_certs_false_warns_once_a_run(ansible, emulator, instance):
    site, _secret = site_for(emulator, instance, "oauth")
    inv = yaml.safe_load(inventory(instance, "oauth", site))
    host = inv["all"]["children"]["servicenow"]["hosts"][instance.name]
    host["snowspoke_instance"]["validate_certs"] = False
    host["snowspoke_jira_connection"]["validate_certs"] = False
    run = ansible(SITE, inventory=yaml.safe_dump(inv)).assert_ok()
    assert run.output.count("TLS certificates of ServiceNow instance %s are not verified" % instance.host) == 1, \
        run.output
    assert run.output.count("TLS certificates of Atlassian") == 1, run.output
    # Two tasks of one run, the same warning: shown once.
    twice = ansible(play([credential_task("first"), credential_task("again")],
                         module_defaults=fast(instance, validate_certs=False))).assert_ok()
    assert twice.output.count("TLS certificates of ServiceNow instance %s are not verified" % instance.host) == 1, \
        twice.output


# -- duplicates a concurrent run left: merged when identical, the oldest kept; a decision when they differ ---------
def test_identical_duplicates_are_merged_keeping_the_oldest_and_differing_ones_stop(ansible, emulator, instance):
    site, token = site_for(emulator, instance, "basic")
    hosts = inventory(instance, "basic", site)
    ansible(SITE, inventory=hosts).assert_ok()
    name = "Jira acme basic credential"
    [original] = instance.records("basic_auth_credentials", "name=%s" % name)
    time.sleep(1.1)  # the twin is younger by its sys_created_on, as a second run's record would be
    twin = instance.insert("basic_auth_credentials", name=name, user_name=original["user_name"], password=token)

    run = ansible(SITE, inventory=hosts).assert_ok()
    assert run.changed == 1
    warnings = [w for entry in run.results for w in entry["result"].get("warnings", [])]
    merged = [w for w in warnings if w.startswith("Merged 2 ")]
    assert merged and "kept %s (the oldest), removed %s" % (original["sys_id"], twin) in merged[0], warnings
    assert [row["sys_id"] for row in instance.records("basic_auth_credentials", "name=%s" % name)] == [
        original["sys_id"]]
    [connection] = instance.records("http_connection", "name=Jira acme connection")
    assert connection["credential"] == original["sys_id"]
    assert ansible(SITE, inventory=hosts).assert_ok().changed == 0

    other = instance.insert("basic_auth_credentials", name=name, user_name="someone-else@example.com", password=token)
    writes = len(emulator.log.writes(label=instance.name))
    refused = ansible(SITE, inventory=hosts)
    assert refused.rc != 0
    message = refused.task("Jira spoke set-up")["result"]["msg"]
    assert original["sys_id"] in message and other in message
    assert len(emulator.log.writes(label=instance.name)) == writes, "differing duplicates were written to"
    for one in (run, refused):
        one.assert_no_secret(token, instance.admin_password)
