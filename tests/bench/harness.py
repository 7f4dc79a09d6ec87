"""What the benchmarks share: fleets of emulated instances with their inventory, one timed ansible-playbook run
(wall time, controller CPU and peak memory of its process tree), ServiceNow requests per instance from the
emulator's log, and the records a set-up leaves on an instance (for comparing the collection with the baseline).
"""

import json
import os
import re
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

import yaml

from tests.conftest import REPO
from tests.emulator.servicenow import schema, tableapi
from tests.support.playbooks import BIN, environment

SITE_PLAYBOOK = os.path.join(REPO, "playbooks", "site.yml")
BASELINE_PLAYBOOK = os.path.join(REPO, "tests", "bench", "baseline.yml")
RESULTS = os.path.join(REPO, ".cache", "bench", "results.json")
PASSWORD = "bench-password"
# The documented scopes (plugins/module_utils/jira/scopes.py PRESETS["seed"]): the Atlassian app enables them.
SEED_SCOPES = (
    "manage:jira-configuration", "manage:jira-project", "manage:jira-webhook", "read:jira-work", "read:jira-user",
    "write:jira-work", "delete:sprint:jira-software", "read:issue-details:jira", "read:jql:jira",
    "read:sprint:jira-software", "write:sprint:jira-software", "read:board-scope:jira-software",
    "read:project:jira", "offline_access",
)
# The tables an OAuth set-up writes, in dependency order.
SETUP_TABLES = ("oauth_entity", "oauth_entity_scope", "oauth_entity_profile", "oauth_entity_profile_scope",
                "oauth_2_0_credentials", "http_connection", "sys_variable_value")
_SYS_ID = re.compile(r"^[0-9a-f]{32}$")
_COUNTER = {"fleets": 0}


# -- fleets --------------------------------------------------------------------------------------------------------
class Fleet:
    """``size`` fresh emulated instances, each set up for one Jira site (OAuth, the documented scopes); the
    inventory both playbooks read. ``cloud_id=False`` leaves the site's Cloud ID out (the collection then asks
    Atlassian for it). ``same_jira_as``: another fleet whose Jira site and OAuth apps this one uses too, so both
    get the same inventory values (client IDs, secrets, Cloud ID) and can be compared record by record."""

    def __init__(self, emulator, prefix, size, cloud_id=True, same_jira_as=None):
        _COUNTER["fleets"] += 1
        self.emulator = emulator
        self.prefix = "%s%d" % (prefix, _COUNTER["fleets"])
        self.site = same_jira_as.site if same_jira_as else emulator.atlassian.add_site(self.prefix + "-site")
        self.apps = []
        self.names = []
        hosts = {}
        for index in range(size):
            name = "%s-%03d" % (self.prefix, index)
            instance = emulator.servicenow.add_instance(name, admin_password=PASSWORD)
            app = same_jira_as.apps[index] if same_jira_as else emulator.atlassian.add_oauth_app(
                "bench %s" % name, scopes=list(SEED_SCOPES), callback_urls=["%s/oauth_redirect.do" % instance.url])
            self.apps.append(app)
            site = {"name": "acme", "url": self.site.url, "client_id": app.client_id,
                    "client_secret": app.client_secret}
            if cloud_id:
                site["cloud_id"] = self.site.cloud_id
            hosts[instance.host] = {"snowspoke_instance": {"username": "admin", "password": PASSWORD},
                                    "snowspoke_option": "oauth", "snowspoke_jira_sites": [site]}
            self.names.append(name)
        self.hosts = hosts

    def __len__(self):
        return len(self.names)

    def instances(self):
        return [self.emulator.servicenow.instance(name) for name in self.names]

    def inventory(self, limit=None):
        """The inventory (YAML) of the first ``limit`` instances (all by default)."""
        hosts = dict(list(self.hosts.items())[:limit])
        return yaml.safe_dump({"all": {"children": {"servicenow": {"hosts": hosts}}}})

    def remove(self):
        for name in self.names:
            self.emulator.servicenow.remove_instance(name)


# -- writes carried inside Batch API calls --------------------------------------------------------------------------
class WriteCounter:
    """Counts the record writes each instance served, whether sent one per request or inside a Batch API call (the
    log holds one entry per HTTP request). Wraps ``tableapi.route``, which the Batch API calls for every inner
    request, for as long as the session runs."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts = {}
        self._original = None

    def install(self):
        original = self._original = tableapi.route

        def counting_route(instance, request, caller):
            response = original(instance, request, caller)
            if request.method not in ("GET", "HEAD") and not tableapi._BATCH_PATH.match(request.path) \
                    and response.status < 400 and response.write:  # pylint: disable=protected-access
                with self._lock:
                    self._counts[instance.name] = self._counts.get(instance.name, 0) + 1
            return response

        tableapi.route = counting_route
        return self

    def uninstall(self):
        if self._original is not None:
            tableapi.route = self._original

    def snapshot(self):
        with self._lock:
            return dict(self._counts)


# -- one timed run ----------------------------------------------------------------------------------------------------
@dataclass
class Run:
    """One ansible-playbook run: exit code, wall seconds, CPU seconds (user + sys of ansible-playbook and every
    process it waited for: forks, modules), peak RSS (MB, the largest of those processes), and per-instance
    ServiceNow traffic."""

    playbook: str
    hosts: int
    check: bool
    rc: int
    wall: float
    cpu: float
    peak_rss_mb: float
    emulator_cpu: float
    reads: float = 0.0
    write_requests: float = 0.0
    writes: float = 0.0
    max_requests: int = 0
    changed: int = 0
    load: float = 0.0
    started: float = 0.0
    extrapolated_from: int = 0
    stdout: str = field(default="", repr=False)
    stderr: str = field(default="", repr=False)

    @property
    def requests(self):
        return self.reads + self.write_requests

    @property
    def cpu_per_instance(self):
        return self.cpu / self.hosts

    def scaled(self, hosts):
        """This run's figures extrapolated to ``hosts`` instances: wall and CPU in proportion (the run is
        CPU-bound on the controller), per-instance requests and peak memory as measured."""
        factor = float(hosts) / self.hosts
        return Run(playbook=self.playbook, hosts=hosts, check=self.check, rc=self.rc, wall=self.wall * factor,
                   cpu=self.cpu * factor, peak_rss_mb=self.peak_rss_mb, emulator_cpu=self.emulator_cpu * factor,
                   reads=self.reads, write_requests=self.write_requests, writes=self.writes,
                   max_requests=self.max_requests, changed=int(self.changed * factor), load=self.load,
                   extrapolated_from=self.hosts)

    def figures(self):
        return {"wall_s": round(self.wall, 2), "cpu_s": round(self.cpu, 2), "load_1min": round(self.load, 2),
                "extrapolated_from_instances": self.extrapolated_from,
                "cpu_s_per_instance": round(self.cpu / self.hosts, 3), "peak_rss_mb": round(self.peak_rss_mb, 1),
                "emulator_cpu_s": round(self.emulator_cpu, 2), "hosts": self.hosts, "check": self.check,
                "requests_per_instance": round(self.requests, 2), "reads_per_instance": round(self.reads, 2),
                "write_requests_per_instance": round(self.write_requests, 2),
                "writes_per_instance": round(self.writes, 2), "max_requests_of_an_instance": self.max_requests,
                "changed_tasks": self.changed}

    def assert_ok(self):
        assert self.rc == 0, "%s failed (rc %d)\n%s\n%s" % (
            os.path.basename(self.playbook), self.rc, self.stdout[-6000:], self.stderr[-3000:])
        return self


class Runner:
    """Runs a playbook against a fleet and measures it."""

    def __init__(self, emulator, counter):
        self.emulator = emulator
        self.counter = counter

    def run(self, playbook, fleet, forks=1, check=False, limit=None, env=None, args=()):
        workdir = tempfile.mkdtemp(prefix="snowspoke-bench-")
        inventory = os.path.join(workdir, "inventory.yml")
        with open(inventory, "w", encoding="utf-8") as handle:
            handle.write(fleet.inventory(limit))
        record = os.path.join(workdir, "results.jsonl")
        command = [os.path.join(BIN, "ansible-playbook"), "-i", inventory, playbook, "--forks", str(forks)]
        command += (["--check"] if check else []) + list(args)
        names = fleet.names[:limit]
        writes_before = self.counter.snapshot()
        since = time.time()
        out_path, err_path = os.path.join(workdir, "stdout"), os.path.join(workdir, "stderr")
        load = os.getloadavg()[0]
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            self_before = os.times()
            started = time.monotonic()
            process = subprocess.Popen(  # pylint: disable=consider-using-with
                command, env=environment(self.emulator, dict(env or {}, SNOWSPOKE_RECORD=record)),
                stdout=out, stderr=err, cwd=workdir)
            # wait4: the resource usage of this child and of every descendant it waited for (forks, modules).
            _pid, status, usage = os.wait4(process.pid, 0)
            wall = time.monotonic() - started
            self_after = os.times()
            process.returncode = os.waitstatus_to_exitcode(status)
        with open(out_path, encoding="utf-8", errors="replace") as handle:
            stdout = handle.read()
        with open(err_path, encoding="utf-8", errors="replace") as handle:
            stderr = handle.read()
        results = []
        if os.path.exists(record):
            with open(record, encoding="utf-8") as handle:
                results = [json.loads(line) for line in handle if line.strip()]
        run = Run(playbook=playbook, hosts=len(names), check=check, rc=process.returncode, wall=wall,
                  cpu=usage.ru_utime + usage.ru_stime, peak_rss_mb=usage.ru_maxrss / 1024.0,
                  # This process serves the emulators: its CPU during the run is the emulators' (threads).
                  emulator_cpu=(self_after.user + self_after.system) - (self_before.user + self_before.system),
                  changed=sum(1 for entry in results if entry["status"] == "changed"), load=load, started=since,
                  stdout=stdout, stderr=stderr)
        self._count_requests(run, names, since, writes_before)
        return run

    def _count_requests(self, run, names, since, writes_before):
        """Per instance: HTTP requests as they hit the server (a Batch API call is one, whatever it carries),
        split into reads and requests that wrote; and the record writes they carried."""
        writes_after = self.counter.snapshot()
        reads = write_requests = writes = 0
        largest = 0
        for name in names:
            entries = [entry for entry in self.emulator.log.entries(label=name)
                       if entry.time >= since and not getattr(entry, "batch", False)]
            instance_writes = sum(1 for entry in entries if entry.write)
            reads += len(entries) - instance_writes
            write_requests += instance_writes
            writes += writes_after.get(name, 0) - writes_before.get(name, 0)
            largest = max(largest, len(entries))
        count = max(1, len(names))
        run.reads, run.write_requests, run.writes = reads / count, write_requests / count, writes / count
        run.max_requests = largest


# -- the records of a set-up -----------------------------------------------------------------------------------------
def setup_records(instance):
    """{table: sorted list of records} of what a set-up wrote on ``instance`` (seeded records left out), each
    without its sys_id and system fields: references become "<table>:<name of the record>", encrypted fields
    their clear value (two-way) or "<set>", the instance's own URL "https://<instance>"."""
    found = {}
    for table in SETUP_TABLES:
        columns = schema.table(table).all_fields
        rows = []
        for record in instance.records(table):
            if record.get("sys_created_by") == "system":
                continue  # seeded with the instance
            row = {}
            for name, value in record.items():
                if name.startswith("sys_"):
                    continue
                column = columns.get(name)
                if column is not None and column.encrypted:
                    clear = instance.clear_value(table, record["sys_id"], name) if value else None
                    value = clear if clear is not None else ("<set>" if value else "")
                elif isinstance(value, str) and _SYS_ID.match(value):
                    value = _reference(instance, value)
                elif isinstance(value, str):
                    value = value.replace(instance.url, "https://<instance>")
                row[name] = value
            rows.append(row)
        found[table] = sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))
    return found


def _reference(instance, sys_id):
    target = instance.lookup(sys_id)
    if target is None:
        return "<missing %s>" % sys_id
    label = target.get("element") or target.get("name") or target.get("oauth_entity_scope") or ""
    if not label and target.get("sys_class_name") == "oauth_entity_profile_scope":
        label = "%s/%s" % (_reference(instance, target.get("oauth_entity_profile")),
                           _reference(instance, target.get("oauth_entity_scope")))
    return "%s:%s" % (target.get("sys_class_name"), label)


# -- results -----------------------------------------------------------------------------------------------------------
def write_results(data):
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(RESULTS + ".tmp", RESULTS)
