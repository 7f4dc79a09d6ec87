"""Run real ansible-playbook against the emulators and read back structured results.

Every run gets: the collection on ANSIBLE_COLLECTIONS_PATH, the emulator as its proxy and the test CA as trusted
roots, the loopback guard in every Python process, and a JSON-lines record of every task result.
"""

import json
import os
import subprocess
import sys
import tempfile

from tests.conftest import COLLECTIONS_ROOT, GUARD, REPO

CALLBACKS = os.path.join(REPO, "tests", "support", "callback_plugins")
BIN = os.path.dirname(sys.executable)


class PlaybookRun:
    """The outcome of one ansible-playbook run."""

    def __init__(self, args, returncode, stdout, stderr, results):
        self.args = args
        self.rc = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.results = results

    @property
    def output(self):
        return self.stdout + self.stderr

    def task(self, name, host=None):
        """The last result of the task called ``name`` (on ``host``); role tasks match without their role prefix."""
        found = [entry for entry in self.results
                 if (entry["task"] == name or entry["task"].endswith(" : " + name))
                 and (host is None or entry["host"] == host)]
        if not found:
            raise AssertionError("no task %r in this run; tasks: %s" % (name, sorted({e["task"] for e in self.results})))
        return found[-1]

    def statuses(self, host=None):
        return [entry["status"] for entry in self.results if host is None or entry["host"] == host]

    @property
    def changed(self):
        return sum(1 for entry in self.results if entry["status"] == "changed")

    @property
    def failed(self):
        return [entry for entry in self.results if entry["status"] == "failed"]

    def assert_ok(self):
        assert self.rc == 0, "ansible-playbook failed (rc %d)\n%s\n%s" % (self.rc, self.stdout[-6000:], self.stderr[-3000:])
        return self

    def assert_no_secret(self, *secrets):
        """No secret in the screen output, the results or the error output."""
        blob = self.output + json.dumps(self.results, default=str)
        for secret in secrets:
            assert secret and secret not in blob, "a secret leaked into the output of %s" % " ".join(self.args)


def environment(emulator, extra=None):
    """The environment of an ansible-playbook (or ansible-runner) process that talks to the emulators."""
    env = dict(os.environ)
    env.update(emulator.client_env())
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS_ROOT,
        "ANSIBLE_CALLBACK_PLUGINS": CALLBACKS,
        "ANSIBLE_CALLBACKS_ENABLED": "snowspoke_record",
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_LOCALHOST_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
        "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",  # a broken test inventory must fail, not match no host
        "ANSIBLE_HOST_PATTERN_MISMATCH": "error",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "PYTHONPATH": os.pathsep.join(filter(None, [GUARD, env.get("PYTHONPATH")])),
        "SNOWSPOKE_LOOPBACK_ONLY": "1",
        "PATH": os.pathsep.join([BIN, env.get("PATH", "")]),
    })
    for name in ("SN_HOST", "SN_USERNAME", "SN_PASSWORD", "SN_CLIENT_ID", "SN_CLIENT_SECRET", "SN_ACCESS_TOKEN",
                 "SN_API_KEY", "SN_GRANT_TYPE", "SN_REFRESH_TOKEN"):
        env.pop(name, None)  # a developer's own exports must not leak into tests
    env.update(extra or {})
    return env


def run_playbook(emulator, playbook, inventory=None, extra_vars=None, check=False, diff=False, verbosity=0,
                 env=None, args=(), cwd=None, timeout=300):
    """Run ``playbook`` (a path, or YAML text / a list of plays to write to a temporary file)."""
    workdir = tempfile.mkdtemp(prefix="snowspoke-play-")
    if not (isinstance(playbook, str) and os.path.exists(playbook)):
        path = os.path.join(workdir, "playbook.yml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(playbook if isinstance(playbook, str) else json.dumps(playbook))
        playbook = path
    if inventory is None:
        inventory = "localhost ansible_connection=local\n"
    if not os.path.exists(inventory):
        is_yaml = inventory.lstrip().startswith(("all:", "---", "{"))
        inventory_path = os.path.join(workdir, "inventory.yml" if is_yaml else "inventory.ini")
        with open(inventory_path, "w", encoding="utf-8") as handle:
            handle.write(inventory)
        inventory = inventory_path
    record = os.path.join(workdir, "results.jsonl")
    command = [os.path.join(BIN, "ansible-playbook"), "-i", inventory, playbook]
    if extra_vars:
        vars_path = os.path.join(workdir, "extra_vars.json")
        with open(vars_path, "w", encoding="utf-8") as handle:
            json.dump(extra_vars, handle)
        command += ["-e", "@" + vars_path]
    if check:
        command.append("--check")
    if diff:
        command.append("--diff")
    if verbosity:
        command.append("-" + "v" * verbosity)
    command += list(args)
    completed = subprocess.run(command, env=environment(emulator, dict(env or {}, SNOWSPOKE_RECORD=record)),
                               capture_output=True, text=True, cwd=cwd or workdir, timeout=timeout, check=False)
    results = []
    if os.path.exists(record):
        with open(record, encoding="utf-8") as handle:
            results = [json.loads(line) for line in handle if line.strip()]
    return PlaybookRun(command, completed.returncode, completed.stdout, completed.stderr, results)
