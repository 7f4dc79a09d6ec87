# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: report
type: aggregate
short_description: Write a JSON report of a run - per host, the records set up, what changed and what is left to do
version_added: 0.1.0
author:
  - snowspoke developers (@snowspoke)
description:
  - At the end of the run, writes one JSON file with an entry per host (a ServiceNow instance) - per Jira site the
    records created, updated and removed, every change the collection's modules made (or would make, in check
    mode), the browser steps still to do ("Get OAuth Token", with their URLs), the health of the OAuth tokens the
    instance holds, and the failures (their messages only).
  - For fleet audits, CI pipelines and job artifacts; the summary the roles and playbooks print stays as it is.
  - It reads the results of this collection's modules (M(snowspoke.jira.servicenow_jira_spoke), which the roles
    and playbooks use, and the single-record modules), never their arguments. Secrets are never part of it - the
    modules return none, and a result hidden with C(no_log) contributes nothing but the task's status.
requirements:
  - Enabled like any callback that is not the stdout callback - C(ANSIBLE_CALLBACKS_ENABLED=snowspoke.jira.report)
    or C(callbacks_enabled = snowspoke.jira.report) in the C([defaults]) section of C(ansible.cfg).
options:
  path:
    description:
      - The file to write (its directory is created when missing); a directory means C(snowspoke_report.json) in it.
      - Not set (an empty C(SNOWSPOKE_REPORT_PATH) counts as unset) - C(snowspoke_report.json) in the job's
        artifacts directory when the run is an ansible-runner job (as AWX and Automation Controller run jobs -
        the C(AWX_ISOLATED_DATA_DIR) environment variable ansible-runner sets), else in the current directory.
    type: path
    env:
      - name: SNOWSPOKE_REPORT_PATH
    ini:
      - section: callback_snowspoke_report
        key: path
notes:
  - The file is replaced at the end of each run (written to a temporary file first, then renamed); a run that is
    interrupted writes none.
  - Its shape - C(version) (V(1)), C(playbooks), C(started), C(finished), C(ok) (no host failed) and C(hosts), a
    mapping of host name to C(status) (V(ok), V(changed), V(failed) or V(unreachable)), C(check_mode), C(stats)
    (the play recap's counts), C(records) (C(created), C(updated), C(removed) - each a list of C(table) and
    C(record) names), C(sites) (per Jira site - C(name), C(url), C(option), C(connection), C(connection_url),
    C(alias), C(records) as above, C(consent), C(token_health)), C(changes) (the modules' C(changes) entries, with
    the task's name), C(pending) (C(site), C(credential), C(grant_type), C(url), C(step)), C(token_health)
    (C(site), C(credential), C(status), C(messages), C(refresh_token), C(access_token)), C(failures) (C(task),
    C(message), C(ignored)) and C(warnings).
"""

EXAMPLES = r"""
# One run, the report next to the playbook output:
#   ANSIBLE_CALLBACKS_ENABLED=snowspoke.jira.report SNOWSPOKE_REPORT_PATH=report.json \
#     ansible-playbook -i inventory/ snowspoke.jira.audit
# or, for every run of a project, in ansible.cfg:
#   [defaults]
#   callbacks_enabled = snowspoke.jira.report
#   [callback_snowspoke_report]
#   path = reports/snowspoke.json
"""

import datetime
import json
import os
import tempfile

from ansible import context
from ansible.plugins.callback import CallbackBase

COLLECTION = "snowspoke.jira."
FILE_NAME = "snowspoke_report.json"
REPORT_VERSION = 1
ENGINE = "servicenow_jira_spoke"
TOKEN_INFO = "servicenow_oauth_token_info"
ACTIONS = {"create": "created", "update": "updated", "delete": "removed"}
# Keys of a module's ``changes`` entry that the report keeps (names of tables, records and fields; never values).
CHANGE_KEYS = ("action", "table", "record", "fields", "added", "updated", "removed")
MAX_MESSAGE = 2000


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()


def _hidden(result):
    """A result hidden with no_log (Ansible hands callbacks a censored copy; checked here again)."""
    return bool(result.get("censored") or result.get("_ansible_no_log"))


def _message(result):
    message = result.get("msg")
    if message is None:
        return "the output has been hidden (no_log)" if result.get("censored") else "(no message)"
    text = message if isinstance(message, str) else json.dumps(message, default=str, sort_keys=True)
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 3] + "..."


def _short_action(task):
    """The module name of a task of this collection (``servicenow_jira_spoke``), else None."""
    action = getattr(task, "resolved_action", None) or getattr(task, "action", None) or ""
    return action[len(COLLECTION):] if action.startswith(COLLECTION) else None


def _records():
    return {"created": [], "updated": [], "removed": []}


def _consent_facts(consent):
    """What the report says about a credential's browser step and tokens (dates and flags, never token values)."""
    tokens = consent.get("tokens") or {}
    health = consent.get("health") or {}
    credential = (consent.get("credential") or {}).get("name")
    facts = {
        "credential": credential,
        "grant_type": consent.get("grant_type"),
        "consent_given": consent.get("consent_given"),
        "url": consent.get("consent_url") or consent.get("credential_url"),
    }
    health_facts = {
        "credential": credential,
        "status": health.get("status"),
        "messages": list(health.get("messages") or []),
        "refresh_token": dict((tokens.get("refresh_token") or {})),
        "access_token": dict((tokens.get("access_token") or {})),
    }
    return facts, health_facts


class HostReport:
    """What one host's results add up to."""

    def __init__(self):
        self.check_mode = False
        self.sites = []
        self.changes = []
        self.pending = []
        self.token_health = []
        self.failures = []
        self.warnings = []
        self.unreachable = False
        self.stats = {}

    def status(self):
        if self.unreachable:
            return "unreachable"
        if any(not failure["ignored"] for failure in self.failures):
            return "failed"
        if self.stats.get("changed") or (not self.stats and self.changes):
            return "changed"
        return "ok"

    # -- results ------------------------------------------------------------------------------------------------
    def add(self, task_name, action, result):
        """One task result (a loop's items each count as one)."""
        items = result.get("results") if isinstance(result.get("results"), list) else [result]
        for item in items:
            if isinstance(item, dict) and not _hidden(item):
                self._add_one(task_name, action, item)

    def _add_one(self, task_name, action, result):
        if action is None:
            return
        if result.get("check_mode") is True or result.get("_ansible_check_mode") is True:
            self.check_mode = True
        for warning in result.get("warnings") or ():
            if isinstance(warning, str) and warning not in self.warnings:
                self.warnings.append(warning)
        for change in result.get("changes") or ():
            if isinstance(change, dict):
                entry = dict((key, change[key]) for key in CHANGE_KEYS if key in change)
                entry["task"] = task_name
                self.changes.append(entry)
        if action == ENGINE:
            self._add_engine(result)
        elif action == TOKEN_INFO and result.get("credential"):
            self._add_consent(None, result)

    def _add_engine(self, result):
        option = result.get("option")
        for site in result.get("sites") or ():
            if not isinstance(site, dict):
                continue
            connection = site.get("connection") or {}
            alias = site.get("alias") or {}
            entry = {
                "name": site.get("name"), "url": site.get("url"), "option": option, "state": result.get("state"),
                "connection": connection.get("name"), "connection_url": connection.get("connection_url"),
                "alias": alias.get("id") or alias.get("name"), "records": _records(),
                "consent": None, "token_health": None, "_names": self._site_names(site),
            }
            if isinstance(site.get("consent"), dict):
                entry["consent"], entry["token_health"] = self._add_consent(site.get("name"), site["consent"])
            self.sites.append(entry)
        covered = set(step["url"] for step in self.pending if step.get("url"))
        for sentence in result.get("pending") or ():
            if isinstance(sentence, str) and not any(url in sentence for url in covered):
                self.pending.append({"site": None, "credential": None, "grant_type": None, "url": None,
                                     "step": sentence})

    @staticmethod
    def _site_names(site):
        """The names of the records of a site, to file each change under its site."""
        names = set()
        for key in ("connection", "credential", "registry"):
            name = (site.get(key) or {}).get("name")
            if name:
                names.add(name)
        alias = site.get("alias") or {}
        if not alias.get("shipped") and alias.get("name"):
            names.add(alias["name"])
        profile = ((site.get("consent") or {}).get("profile") or {}).get("name")
        if profile:
            names.add(profile)
        return names

    def _add_consent(self, site_name, consent):
        """A credential's browser step and token health; returns them as its site's entry shows them."""
        facts, health = _consent_facts(consent)
        if facts["consent_given"] is False:
            self.pending.append({"site": site_name, "credential": facts["credential"],
                                 "grant_type": facts["grant_type"], "url": facts["url"],
                                 "step": consent.get("message") or ""})
        self.token_health.append(dict(health, site=site_name))
        return facts, health

    def add_failure(self, task_name, result, ignored=False):
        self.failures.append({"task": task_name, "message": _message(result), "ignored": bool(ignored)})

    # -- the entry ------------------------------------------------------------------------------------------------
    def entry(self):
        records = _records()
        sites = []
        for change in self.changes:
            bucket = ACTIONS.get(change.get("action"))
            if bucket is None:
                continue
            record = {"table": change.get("table"), "record": change.get("record")}
            if record not in records[bucket]:
                records[bucket].append(record)
            for site in self.sites:
                if change.get("record") in site["_names"] and record not in site["records"][bucket]:
                    site["records"][bucket].append(record)
        for site in self.sites:
            sites.append(dict((key, value) for key, value in site.items() if key != "_names"))
        return {
            "status": self.status(), "check_mode": self.check_mode, "stats": dict(self.stats), "records": records,
            "sites": sites, "changes": self.changes, "pending": self.pending, "token_health": self.token_health,
            "failures": self.failures, "warnings": self.warnings,
        }


class Report:
    """The whole run: hosts by name."""

    def __init__(self):
        self.started = _now()
        self.playbooks = []
        self.hosts = {}

    def host(self, name):
        if name not in self.hosts:
            self.hosts[name] = HostReport()
        return self.hosts[name]

    def document(self, stats=None):
        for name, counts in (stats or {}).items():
            self.host(name).stats = dict(counts)
        hosts = dict((name, self.hosts[name].entry()) for name in sorted(self.hosts))
        return {
            "version": REPORT_VERSION, "playbooks": list(self.playbooks), "started": self.started,
            "finished": _now(), "ok": all(host["status"] not in ("failed", "unreachable") for host in hosts.values()),
            "hosts": hosts,
        }


def report_path(option, environ=None):
    """The file to write: the option, else the ansible-runner job's artifacts directory, else the current one."""
    environ = os.environ if environ is None else environ
    if environ.get("SNOWSPOKE_REPORT_PATH") == "":
        option = None  # an empty variable counts as unset (AWX injects blank credential fields as "")
    path = option or environ.get("AWX_ISOLATED_DATA_DIR") or os.getcwd()
    if os.path.isdir(path) or not option:
        path = os.path.join(path, FILE_NAME)
    return path


def write(path, document):
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".snowspoke_report.", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream, indent=2, sort_keys=True, default=str)
            stream.write("\n")
        os.chmod(temporary, 0o644 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _result_of(result):
    """The (censored) result dict a callback gets: ``result`` on ansible-core 2.19, ``_result`` before."""
    data = getattr(result, "result", None)
    if not isinstance(data, dict):
        data = result._result  # pylint: disable=protected-access
    return data


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "snowspoke.jira.report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self.report = Report()

    def _record(self, result, failed=False, ignored=False):
        task = result._task  # pylint: disable=protected-access
        name = task.get_name()
        data = _result_of(result)
        host = self.report.host(result._host.get_name())  # pylint: disable=protected-access
        if getattr(task, "check_mode", None) is True or (context.CLIARGS or {}).get("check"):
            host.check_mode = True
        host.add(name, _short_action(task), data)
        if failed:
            host.add_failure(name, data, ignored)

    def v2_playbook_on_start(self, playbook):
        self.report.playbooks.append(os.path.basename(getattr(playbook, "_file_name", "") or ""))

    def v2_runner_on_ok(self, result):
        self._record(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, failed=True, ignored=ignore_errors)

    def v2_runner_on_unreachable(self, result):
        host = self.report.host(result._host.get_name())  # pylint: disable=protected-access
        host.unreachable = True
        host.add_failure(result._task.get_name(), _result_of(result))  # pylint: disable=protected-access

    def v2_playbook_on_stats(self, stats):
        counts = dict((name, stats.summarize(name)) for name in sorted(stats.processed))
        path = report_path(self.get_option("path"))
        try:
            write(path, self.report.document(counts))
        except OSError as exc:
            self._display.warning("snowspoke.jira.report: could not write %s: %s" % (path, exc))
            return
        self._display.v("snowspoke.jira.report: wrote %s" % path)
