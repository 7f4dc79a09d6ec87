"""What `make bench` measures, each case once per session (the tests ask for the cases they check), and the table
it prints: the collection (playbooks/site.yml) and the baseline (tests/bench/baseline.yml) side by side."""

import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import List, Optional

from tests.emulator.server import REALISTIC_LATENCY

from .harness import BASELINE_PLAYBOOK, RESULTS, SITE_PLAYBOOK, Fleet, Run, Runner, WriteCounter, write_results

LATENCY = 0.1
FORKS = 50
FLEET = 100
# The baseline on 100 instances would take ~20 minutes on 2 cores (about 18 CPU-s per instance for a first run):
# it runs on BASELINE_FLEET instances and its figures are extrapolated to FLEET (wall and CPU in proportion).
BASELINE_FLEET = 20
LARGE_FLEET = 500


@dataclass
class Case:
    """One row group of the table: the same job run by the collection and by the baseline."""

    key: str
    label: str
    collection: Optional[Run] = None
    baseline: Optional[Run] = None
    note: str = ""

    def figures(self):
        entry = {"label": self.label, "note": self.note}
        for side in ("collection", "baseline"):
            run = getattr(self, side)
            entry[side] = run.figures() if run is not None else None
        if self.collection is not None and self.baseline is not None:
            entry["ratio"] = {"wall": _ratio(self.collection.wall, self.baseline.wall),
                              "cpu": _ratio(self.collection.cpu, self.baseline.cpu),
                              "requests": _ratio(self.collection.requests, self.baseline.requests)}
        return entry


@dataclass
class Target:
    name: str
    description: str
    measured: float
    limit: float
    unit: str
    detail: str
    passed: bool


@dataclass
class Bench:  # pylint: disable=too-many-instance-attributes
    """The session's measurements, made on first use."""

    emulator: object
    counter: WriteCounter = field(default_factory=WriteCounter)
    cases: dict = field(default_factory=dict)
    targets: List[Target] = field(default_factory=list)
    fleets: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        self.counter.install()
        self.runner = Runner(self.emulator, self.counter)
        self._done = {}

    def close(self):
        self.counter.uninstall()

    @contextmanager
    def latency(self, seconds):
        self.emulator.latency = seconds
        try:
            yield
        finally:
            self.emulator.latency = 0.0

    def run(self, playbook, fleet, **options):
        return self.runner.run(playbook, fleet, **options).assert_ok()

    def _case(self, key, label, note=""):
        return self.cases.setdefault(key, Case(key, label, note=note))

    def _once(self, name, measure):
        """Run ``measure`` the first time ``name`` is asked for; a measurement that failed fails again, named."""
        if name not in self._done:
            try:
                measure()
                self._done[name] = None
            except Exception as exc:  # pylint: disable=broad-except
                self._done[name] = exc
                raise
        if self._done[name] is not None:
            raise RuntimeError("measuring %s failed earlier in this session: %s" % (name, self._done[name]))

    # -- 1 instance ----------------------------------------------------------------------------------------------
    def one_instance(self, latency):
        """First run, converged rerun and --check on a converged instance, for the collection and the baseline,
        each on its own fresh instance with the same inventory values; at LATENCY also the collection without the
        site's Cloud ID (it then asks Atlassian for it)."""
        self._once("1 instance at %.2f s" % latency, lambda: self._one_instance(latency))
        ms = int(latency * 1000)
        return dict((phase, self.cases["1@%d/%s" % (ms, phase)]) for phase in ("first run", "rerun", "check"))

    def _one_instance(self, latency):
        ms = int(latency * 1000)
        collection = Fleet(self.emulator, "c%d" % ms, 1)
        sides = [("collection", SITE_PLAYBOOK, collection),
                 ("baseline", BASELINE_PLAYBOOK, Fleet(self.emulator, "b%d" % ms, 1, same_jira_as=collection))]
        if latency == LATENCY:
            sides.append(("no_cloud_id", SITE_PLAYBOOK,
                          Fleet(self.emulator, "n%d" % ms, 1, cloud_id=False, same_jira_as=collection)))
        with self.latency(latency):
            for side, playbook, fleet in sides:
                self.fleets[(side, latency)] = fleet
                for phase, check in (("first run", False), ("rerun", False), ("check", True)):
                    run = self.run(playbook, fleet, check=check)
                    if side == "no_cloud_id":
                        case = self._case("1@%d/%s/no_cloud_id" % (ms, phase),
                                          "1 instance, %.2f s: %s, no cloud_id" % (latency, phase),
                                          note="collection without the site's cloud_id; baseline with it")
                        case.collection = run
                        case.baseline = self.cases["1@%d/%s" % (ms, phase)].baseline
                    else:
                        label = "1 instance, %.2f s: %s" % (latency, "--check (converged)" if check else phase)
                        setattr(self._case("1@%d/%s" % (ms, phase), label), side, run)

    def fleet_of(self, side, latency):
        self.one_instance(latency)
        return self.fleets[(side, latency)]

    # -- fleets ---------------------------------------------------------------------------------------------------
    def baseline_fleet(self):
        """The baseline and the collection on BASELINE_FLEET instances, forks FORKS, LATENCY: first run, rerun."""
        self._once("%d instances" % BASELINE_FLEET, self._baseline_fleet)
        return dict((phase, self.cases["%d/%s" % (BASELINE_FLEET, phase)]) for phase in ("first run", "rerun"))

    def _baseline_fleet(self):
        size = BASELINE_FLEET
        collection = Fleet(self.emulator, "fc", size)
        baseline = Fleet(self.emulator, "fb", size, same_jira_as=collection)
        with self.latency(LATENCY):
            for side, playbook, fleet in (("collection", SITE_PLAYBOOK, collection),
                                          ("baseline", BASELINE_PLAYBOOK, baseline)):
                for phase in ("first run", "rerun"):
                    setattr(self._case("%d/%s" % (size, phase), "%d instances, forks %d, %.2f s: %s" % (
                        size, FORKS, LATENCY, phase)), side, self.run(playbook, fleet, forks=FORKS))

    def fleet(self):
        """The collection on FLEET instances, forks FORKS, LATENCY: first run, then the rerun twice (best of two:
        the machine is shared); the baseline extrapolated from baseline_fleet()."""
        self._once("%d instances" % FLEET, self._fleet)
        return {"first run": self.cases["%d/first run" % FLEET], "rerun": self.cases["%d/rerun" % FLEET]}

    def _fleet(self):
        small = self.baseline_fleet()
        fleet = Fleet(self.emulator, "f", FLEET)
        note = "baseline: %d instances' figures x%d (extrapolated)" % (BASELINE_FLEET, FLEET // BASELINE_FLEET)
        with self.latency(LATENCY):
            first = self.run(SITE_PLAYBOOK, fleet, forks=FORKS)
            reruns = [self.run(SITE_PLAYBOOK, fleet, forks=FORKS) for _attempt in range(2)]
        label = "%d instances, forks %d, %.2f s: %%s" % (FLEET, FORKS, LATENCY)
        self.cases["%d/first run" % FLEET] = Case("%d/first run" % FLEET, label % "first run", first,
                                                  small["first run"].baseline.scaled(FLEET), note)
        self.cases["%d/rerun" % FLEET] = Case("%d/rerun" % FLEET, label % "rerun (best of 2)",
                                              min(reruns, key=lambda run: run.wall),
                                              small["rerun"].baseline.scaled(FLEET), note)
        self.extra["fleet_reruns_wall_s"] = [round(run.wall, 2) for run in reruns]

    def large_fleet(self):
        """The collection on LARGE_FLEET instances, forks FORKS: converged once without latency, then the rerun at
        LATENCY. Also how steadily the rerun got through the instances: each instance's last request, the rate of
        the second half of the instances against the first half's."""
        self._once("%d instances" % LARGE_FLEET, self._large_fleet)
        return self.cases["%d/rerun" % LARGE_FLEET]

    def _large_fleet(self):
        fleet = Fleet(self.emulator, "l", LARGE_FLEET)
        converge = self.run(SITE_PLAYBOOK, fleet, forks=FORKS)
        self.cases["%d/converge" % LARGE_FLEET] = Case(
            "%d/converge" % LARGE_FLEET, "%d instances, forks %d, 0 s: first run (converge)" % (
                LARGE_FLEET, FORKS), converge, note="for information: no latency")
        with self.latency(LATENCY):
            rerun = self.run(SITE_PLAYBOOK, fleet, forks=FORKS)
        self.cases["%d/rerun" % LARGE_FLEET] = Case(
            "%d/rerun" % LARGE_FLEET, "%d instances, forks %d, %.2f s: rerun" % (LARGE_FLEET, FORKS, LATENCY),
            rerun)
        self.extra["large_fleet_rate_second_half_vs_first"] = _steadiness(self.emulator, fleet, rerun)

    # -- targets ----------------------------------------------------------------------------------------------------
    def target(self, name, description, measured, limit, unit="", detail=""):
        """Record a target (shown in the table); True when ``measured`` is at most ``limit``."""
        passed = measured <= limit
        self.targets = [target for target in self.targets if target.name != name]
        self.targets.append(Target(name, description, measured, limit, unit, detail, passed))
        return passed

    # -- the report ------------------------------------------------------------------------------------------------
    def results(self):
        return {"cases": dict((key, case.figures()) for key, case in self.cases.items()),
                "targets": [dict(target.__dict__) for target in self.targets], "extra": self.extra,
                "settings": {"latency_s": LATENCY, "realistic_latency_s": REALISTIC_LATENCY, "forks": FORKS,
                             "cpus": os.cpu_count()}}

    def save(self):
        write_results(self.results())
        return RESULTS

    def table(self):
        lines = []
        head = "%-52s %-20s %17s %17s %6s" % ("case", "metric", "collection", "baseline", "ratio")
        lines += [head, "-" * len(head)]
        for case in self.cases.values():
            first = True
            for metric, value in _metrics():
                left = value(case.collection) if case.collection is not None else None
                right = value(case.baseline) if case.baseline is not None else None
                if left is None and right is None:
                    continue
                ratio = ""
                if metric in ("wall s", "CPU s", "SN requests/inst") and left is not None and right is not None:
                    ratio = "%.2f" % _ratio(left[0], right[0])
                lines.append("%-52s %-20s %17s %17s %6s" % (
                    case.label if first else "", metric, left[1] if left else "-", right[1] if right else "-",
                    ratio))
                first = False
            if case.note or (case.baseline is not None and case.baseline.extrapolated_from):
                lines.append("%-52s %s" % ("", "(%s)" % case.note))
        if self.targets:
            lines += ["", "Targets"]
            for target in self.targets:
                lines.append("  %s  %-80s %s" % ("PASS" if target.passed else "FAIL", target.description,
                                                 target.detail))
        extra = self.extra
        if "fleet_reruns_wall_s" in extra:
            lines += ["", "%d-instance reruns: %s s (the best is shown)." % (
                FLEET, ", ".join("%.2f" % wall for wall in extra["fleet_reruns_wall_s"]))]
        if "large_fleet_s_per_added_instance" in extra:
            lines.append("%d instances: %.3f s per added instance over the %d-instance rerun." % (
                LARGE_FLEET, extra["large_fleet_s_per_added_instance"], FLEET))
        if "large_fleet_rate_second_half_vs_first" in extra:
            lines.append("%d-instance rerun: instances finished per second in its second half / its first half: "
                         "%.2f (1.0: a steady rate)." % (LARGE_FLEET, extra["large_fleet_rate_second_half_vs_first"]))
        loads = [run.load for case in self.cases.values() for run in (case.collection, case.baseline)
                 if run is not None and not run.extrapolated_from]
        if loads:
            lines += ["", "1-minute load average at the runs' start: %.1f to %.1f on %d CPUs (a shared machine)." % (
                min(loads), max(loads), os.cpu_count())]
        return "\n".join(lines)


def _metrics():
    def requests(run):
        return run.requests, "%.1f (%.1fr+%.1fw)" % (run.requests, run.reads, run.write_requests)
    return (
        ("wall s", lambda run: (run.wall, "%.2f%s" % (run.wall, "*" if run.extrapolated_from else ""))),
        ("CPU s", lambda run: (run.cpu, "%.2f%s" % (run.cpu, "*" if run.extrapolated_from else ""))),
        ("CPU s/inst", lambda run: (run.cpu_per_instance, "%.3f" % run.cpu_per_instance) if run.hosts > 1 else None),
        ("peak RSS MB", lambda run: (run.peak_rss_mb, "%.0f" % run.peak_rss_mb)),
        ("SN requests/inst", requests),
        ("records written/inst", lambda run: (run.writes, "%.1f" % run.writes)),
    )


def _steadiness(emulator, fleet, run):
    """Instances finished per second in the second half of a run against the first half (1.0: steady)."""
    started = run.started
    done = sorted(max(entry.time for entry in emulator.log.entries(label=name) if entry.time >= started)
                  for name in fleet.names)
    half = len(done) // 2
    first = done[half - 1] - started
    second = done[-1] - done[half - 1]
    return round((first / half) / (second / (len(done) - half)), 2) if second > 0 else float("nan")


def _ratio(left, right):
    return round(left / right, 3) if right else float("nan")
