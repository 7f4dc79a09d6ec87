"""Drivers of the fault and concurrency tests (`make test` runs a few seeds, `make stress` the whole table).

- ``fault_trial``: the OAuth (or basic) set-up of one site through playbooks/site.yml with seeded random faults on
  every ServiceNow and Atlassian request (429 with Retry-After, 500/502/503, dropped connections, answers lost after
  the write, answers slower than the client's timeout), then a plain rerun and a second rerun; each run classified,
  and the records read back independently from the emulator's store.
- ``concurrency_trial``: several site.yml runs started together on one fresh instance, then at most one rerun.

An outcome is "converged", "clear failure" (the run failed, and every failure names the request and the fault) or
"other" (anything else: a traceback, a leaked secret, an unclear message, duplicates, orphans).
"""

import os
import threading

import yaml

from tests.conftest import REPO
from tests.emulator.server import Chaos

SITE = os.path.join(REPO, "playbooks", "site.yml")
SEED_SCOPES = [
    "manage:jira-configuration", "manage:jira-project", "manage:jira-webhook", "read:jira-work", "read:jira-user",
    "write:jira-work", "delete:sprint:jira-software", "read:issue-details:jira", "read:jql:jira",
    "read:sprint:jira-software", "write:sprint:jira-software", "read:board-scope:jira-software",
    "read:project:jira", "offline_access",
]
# One set of records of the OAuth set-up of one site; of the basic set-up.
EXPECTED = {
    "oauth": {"oauth_entity": 1, "oauth_entity_scope": 14, "oauth_entity_profile": 1, "oauth_entity_profile_scope": 14,
              "oauth_2_0_credentials": 1, "http_connection": 1, "sys_variable_value": 2},
    "basic": {"basic_auth_credentials": 1, "http_connection": 1, "sys_variable_value": 1},
}
# Fast clients: short timeouts (the "slow" fault answers after 2 s) and short waits between retries.
FAST_INSTANCE = {"timeout": 1.0, "retries": 4, "retry_backoff": 0.05, "retry_max_wait": 20}
FAST_JIRA = {"timeout": 1.0, "retries": 4, "retry_backoff": 0.05, "retry_max_wait": 20}
# What a clear failure message names: the side, and what happened to the request.
CLEAR = ("ServiceNow instance", "Atlassian", "Jira Cloud site")


def site_for(emulator, instance, option):
    """A Jira site (and for OAuth an app) for ``instance``; returns (site entry, secret)."""
    cloud = emulator.atlassian
    jira = cloud.add_site("%s-%s" % (option, instance.name))
    if option == "basic":
        user = jira.add_user("bot@%s.example" % instance.name, admin=True)
        token = user.add_api_token(kind="classic")
        return {"name": "acme", "url": jira.url, "username": user.email, "api_token": token}, token
    app = cloud.add_oauth_app("ServiceNow %s" % instance.name, scopes=SEED_SCOPES,
                              callback_urls=["%s/oauth_redirect.do" % instance.url])
    return {"name": "acme", "url": jira.url, "client_id": app.client_id, "client_secret": app.client_secret}, \
        app.client_secret


def inventory(instance, option, site):
    host = {"snowspoke_instance": dict(FAST_INSTANCE, host=instance.url, username=instance.admin_user,
                                       password=instance.admin_password),
            "snowspoke_option": option, "snowspoke_jira_sites": [site], "snowspoke_jira_connection": FAST_JIRA}
    return yaml.safe_dump({"all": {"children": {"servicenow": {"hosts": {instance.name: host}}}}})


def existing(instance, option):
    """The records of the set-up's tables before a trial (the instance's own, like its inbound OAuth client)."""
    return set(row["sys_id"] for table in EXPECTED[option] for row in instance.records(table))


def counts(instance, option, before):
    """The records the trial made, by table."""
    return dict((table, len([row for row in instance.records(table) if row["sys_id"] not in before]))
                for table in EXPECTED[option])


def classify(run):
    """converged, clear failure or other, with the failure messages."""
    messages = [entry["result"].get("msg", "") for entry in run.failed]
    if run.rc == 0 and not messages:
        return "converged", messages
    if "Traceback" in run.output or not messages:
        return "other", messages or [run.output[-2000:]]
    if all(any(side in message for side in CLEAR) for message in messages):
        return "clear failure", messages
    return "other", messages


def fault_trial(ansible, emulator, instance, option, rate, seed):
    """One seed: the faulty first run, a plain rerun, a second rerun; returns a dict of what happened."""
    site, secret = site_for(emulator, instance, option)
    inv = inventory(instance, option, site)
    before = existing(instance, option)
    emulator.chaos = Chaos(rate, seed, hosts=(instance.host, "*.atlassian.net", "api.atlassian.com",
                                              "auth.atlassian.com"), slow_delay=2.0)
    try:
        first = ansible(SITE, inventory=inv)
    finally:
        faults = list(emulator.chaos.fired)
        emulator.chaos = None
    outcome, messages = classify(first)
    rerun = ansible(SITE, inventory=inv)
    again = ansible(SITE, inventory=inv)
    problems = []
    for run in (first, rerun, again):
        try:
            run.assert_no_secret(secret, instance.admin_password)
        except AssertionError as exc:
            problems.append(str(exc))
    found = counts(instance, option, before)
    if found != EXPECTED[option]:
        problems.append("records %s, expected %s" % (found, EXPECTED[option]))
    if rerun.rc != 0:
        problems.append("the rerun failed: %s" % [entry["result"].get("msg") for entry in rerun.failed])
    if again.rc != 0 or again.changed:
        problems.append("the second rerun changed %d task(s) (rc %d)" % (again.changed, again.rc))
    if problems:
        outcome = "other"
    return {"seed": seed, "rate": rate, "option": option, "outcome": outcome, "messages": messages,
            "faults": faults, "rerun_converged": rerun.rc == 0, "problems": problems}


def concurrency_trial(ansible, emulator, instance, option, runs=4):
    """``runs`` site.yml runs at once on a fresh instance, then at most one rerun; returns what happened."""
    site, secret = site_for(emulator, instance, option)
    inv = inventory(instance, option, site)
    before = existing(instance, option)
    results = [None] * runs

    def one(index):
        results[index] = ansible(SITE, inventory=inv)

    threads = [threading.Thread(target=one, args=(index,)) for index in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    together = counts(instance, option, before)
    reruns, rerun_messages = 0, []
    if together != EXPECTED[option] or any(run.rc for run in results):
        reruns = 1
        rerun = ansible(SITE, inventory=inv)
        rerun_messages = [entry["result"].get("msg") for entry in rerun.failed]
    final = counts(instance, option, before)
    second = ansible(SITE, inventory=inv)
    leaked = []
    for run in results + [second]:
        try:
            run.assert_no_secret(secret, instance.admin_password)
        except AssertionError as exc:
            leaked.append(str(exc))
    second_changes = [change for entry in second.results for change in entry["result"].get("changes") or []]
    return {"runs": [run.rc for run in results], "together": together, "reruns": reruns, "final": final,
            "second_changes": second_changes, "second_rc": second.rc,
            "one_set": final == EXPECTED[option] and second.rc == 0 and second.changed == 0 and not leaked,
            "messages": [entry["result"].get("msg") for run in results for entry in run.failed],
            "rerun_messages": rerun_messages, "leaked": leaked}
