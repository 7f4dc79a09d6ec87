"""README.md followed to the letter. The blocks marked ``<!-- readme-test: NAME -->`` are read from README.md at
test time (never copied here) and run as written:

- "Try it on the emulator": the emulator started with the README's command (only the port and the ready file
  added: 8443 may be taken on a shared machine), the collection installed from the tarball of `make build` into a
  fresh collections path, the Atlassian side made and `secrets.yml` written by the README's shell blocks, then the
  Option 1 and Option 2 plays run verbatim with `ansible-playbook`, each converging and rerunning with changed=0,
  behind the emulator's private CA with only the documented settings (HTTPS_PROXY, NO_PROXY, SN_CA_PATH,
  JIRA_CA_PATH; no REQUESTS_CA_BUNDLE), and the browser step by the README's consent block;
- "Many instances": the group_vars/host_vars example (snowspoke_instance merged with snowspoke_instance_overrides);
- "A report of the run": the AWX playbook publishing each summary with set_stats, run through ansible-runner, with
  the report callback writing into the job's artifacts directory.
"""

import json
import os
import re
import shlex
import subprocess
import time

import pytest
import yaml

from tests.conftest import GUARD, REPO
from tests.support.playbooks import BIN, environment

README = os.path.join(REPO, "README.md")
BLOCK = re.compile(r"^<!-- readme-test: ([\w-]+) -->\n```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)
DOCUMENTED_PORT = "8443"


def readme_blocks():
    with open(README, encoding="utf-8") as handle:
        text = handle.read()
    found = {}
    for name, _language, body in BLOCK.findall(text):
        assert name not in found, "two README blocks are marked %s" % name
        found[name] = body
    return text, found


def file_name(block):
    """The file a README block is saved as: its first line, a comment naming it (``# jira_option1.yml``)."""
    first = block.splitlines()[0]
    assert first.startswith("# ") and first.endswith(".yml"), first
    return first[2:]


def _run(command, env, cwd, timeout=300, check=True):
    completed = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                               check=False)
    if check:
        assert completed.returncode == 0, "%s failed (rc %d)\n%s\n%s" % (
            " ".join(command)[:300], completed.returncode, completed.stdout[-6000:], completed.stderr[-3000:])
    return completed


def user_environment(home, collections):
    """A user's shell: PATH, HOME, the fresh collections path and nothing from this test session's emulator (no
    proxy, no CA bundle, no SN_*/JIRA_*). The loopback guard is the tests' safety net, not a setting."""
    env = {"PATH": os.pathsep.join([BIN, "/usr/local/bin", "/usr/bin", "/bin"]), "HOME": str(home),
           "LANG": "C.UTF-8", "ANSIBLE_COLLECTIONS_PATH": str(collections),
           "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
           "PYTHONPATH": GUARD, "SNOWSPOKE_LOOPBACK_ONLY": "1"}
    return env


class Clone:
    """A clone of the repository as the README's reader has it after `make venv build`: .venv, tests/ (the
    emulator) and build/<tarball>, in a directory of its own (so .cache/, secrets.yml and the plays are too)."""

    def __init__(self, root, home, collections):
        self.root = root
        self.home = home
        self.collections = collections
        root.mkdir()
        home.mkdir()
        os.symlink(os.path.dirname(BIN), root / ".venv")
        os.symlink(os.path.join(REPO, "tests"), root / "tests")
        env = user_environment(home, collections)
        _run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(root / "build"),
              REPO], env, str(root))
        self.emulator = None
        self.port = None

    def start_emulator(self, command):
        """The README's command, with a free port and a ready file added (argparse: the last --port wins)."""
        ready = self.root / "emulator-ready.json"
        argv = shlex.split(command) + ["--port", "0", "--ready-file", str(ready)]
        assert argv[0] == ".venv/bin/python", argv
        log = open(self.root / "emulator.log", "w", encoding="utf-8")  # pylint: disable=consider-using-with
        self.emulator = subprocess.Popen(  # pylint: disable=consider-using-with
            argv, cwd=str(self.root), env=user_environment(self.home, self.collections), stdout=log,
            stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while not ready.exists():
            assert self.emulator.poll() is None and time.time() < deadline, (self.root / "emulator.log").read_text()
            time.sleep(0.05)
        with open(ready, encoding="utf-8") as handle:
            self.port = str(json.load(handle)["port"])

    def shell(self, script, env, check=True):
        """A README shell block in bash, the documented port replaced by the emulator's."""
        return _run(["bash", "-euo", "pipefail", "-c", script.replace(DOCUMENTED_PORT, self.port)], env,
                    str(self.root), check=check)

    def stop(self):
        if self.emulator is not None and self.emulator.poll() is None:
            self.emulator.terminate()
            try:
                self.emulator.wait(10)
            except subprocess.TimeoutExpired:
                self.emulator.kill()


def exported(clone, block, env):
    """The environment after the README's block (its `export` lines and the install it runs)."""
    completed = clone.shell(block + "\necho '=== environment ==='\nenv -0", env)
    listing = completed.stdout.split("=== environment ===\n", 1)[1]
    return dict(entry.split("=", 1) for entry in listing.split("\0") if "=" in entry)


def run_command(text):
    """How the README says to run the plays on the emulator (`.venv/bin/ansible-playbook jira_option1.yml ...`)."""
    found = re.search(r"`(\.venv/bin/ansible-playbook jira_option1\.yml\s[^`]*)`", text)
    assert found, "README.md does not say how to run the plays on the emulator"
    return found.group(1).split()


def playbook(clone, env, command, play):
    """The README's command for ``play``; the recap per host."""
    command = [play if word == "jira_option1.yml" else word for word in command]
    completed = _run(command, env, str(clone.root))
    recap = dict((host, {"changed": int(changed), "failed": int(failed), "unreachable": int(unreachable)})
                 for host, _ok, changed, unreachable, failed in RECAP.findall(completed.stdout))
    return completed.stdout + completed.stderr, recap


def summary_of(output):
    """The role's summary, as printed (the debug task's msg)."""
    found = re.search(r'TASK \[snowspoke\.jira\.\w+ : Summary\] \*+\nok: \[localhost\] => (\{.*?\n\})\n', output,
                      re.DOTALL)
    assert found, output[-3000:]
    return json.loads(found.group(1))["msg"]


def test_readme_option_plays_on_the_emulator(tmp_path):
    text, blocks = readme_blocks()
    for name in ("option-1", "option-2", "emulator-start", "emulator-env", "emulator-secrets", "emulator-consent"):
        assert name in blocks, "README.md has no block marked readme-test: %s" % name
    clone = Clone(tmp_path / "clone", tmp_path / "home", tmp_path / "collections")
    try:
        clone.start_emulator(blocks["emulator-start"].strip())
        env = exported(clone, blocks["emulator-env"], user_environment(clone.home, clone.collections))
        assert env["SN_CA_PATH"] == env["JIRA_CA_PATH"] == str(clone.root / ".cache" / "emulator-tls" / "ca.pem")
        assert env["HTTPS_PROXY"] == "http://127.0.0.1:%s" % clone.port and "REQUESTS_CA_BUNDLE" not in env
        installed = clone.collections / "ansible_collections" / "snowspoke" / "jira"
        assert (installed / "MANIFEST.json").is_file() and not installed.is_symlink()

        clone.shell(blocks["emulator-secrets"], env)
        with open(clone.root / "secrets.yml", encoding="utf-8") as handle:
            secrets = yaml.safe_load(handle)
        assert sorted(secrets) == ["acme_client_id", "beta_client_id", "vault_acme_api_token",
                                   "vault_acme_client_secret", "vault_beta_client_secret", "vault_sn_password"]
        assert all(isinstance(value, str) and value and value != "null" for value in secrets.values()), secrets
        leaks = [value for key, value in secrets.items() if key.startswith("vault_")]
        command = run_command(text)

        for option, play_block in (("1", blocks["option-1"]), ("2", blocks["option-2"])):
            play = file_name(play_block)
            (clone.root / play).write_text(play_block, encoding="utf-8")
            output, recap = playbook(clone, env, command, play)
            assert recap == {"localhost": {"changed": 1, "failed": 0, "unreachable": 0}}, (option, output[-3000:])
            output_again, recap = playbook(clone, env, command, play)
            assert recap == {"localhost": {"changed": 0, "failed": 0, "unreachable": 0}}, (option, output_again[-3000:])
            for secret in leaks:
                assert secret not in output and secret not in output_again
            summary = summary_of(output_again)
            assert summary["changes"] == [] and summary["check_mode"] is False
            if option == "1":
                assert summary["connections"] == [
                    "Jira acme connection -> https://acme.atlassian.net (shipped alias sn_jira_spoke.Jira)"]
            else:
                assert [line.split(" -> ")[0] for line in summary["connections"]] == [
                    "Jira acme connection", "Jira beta connection"]
                assert all(" -> https://api.atlassian.com/ex/jira/" in line for line in summary["connections"])
                assert len(summary["browser_step_pending"]) == 2
                assert summary["token_health"] == {"acme": "not_consented", "beta": "not_consented"}

        # The browser step, by the README's block (its `api` helper is defined in the secrets block).
        helper = re.search(r"^api\(\) \{.*?\}$", blocks["emulator-secrets"], re.MULTILINE | re.DOTALL).group(0)
        consent = clone.shell(helper + "\n" + blocks["emulator-consent"], env)
        assert consent.stdout.split() == ["true", "true"], consent.stdout + consent.stderr
        output, recap = playbook(clone, env, command, file_name(blocks["option-2"]))
        assert recap["localhost"]["changed"] == 0 and recap["localhost"]["failed"] == 0
        summary = summary_of(output)
        assert summary["browser_step_pending"] == [] and summary["token_health"] == {"acme": "ok", "beta": "ok"}
    finally:
        clone.stop()


def test_readme_instance_settings_merge(ansible, emulator, instance, tmp_path):
    """The "Many instances" example: the group's user and password survive a host's snowspoke_instance_overrides,
    whose ca_path is then the only trust anchor of the ServiceNow side (SN_CA_PATH and REQUESTS_CA_BUNDLE unset)."""
    _text, blocks = readme_blocks()
    files = {}
    for part in re.split(r"^(?=# \S+\.yml$)", blocks["instance-merge"], flags=re.MULTILINE):
        if part.strip():
            files[file_name(part)] = yaml.safe_load(part)
    group = files["group_vars/servicenow/main.yml"]
    (host_file,) = [name for name in files if name.startswith("host_vars/")]
    overrides = dict(files[host_file]["snowspoke_instance_overrides"])
    assert set(group) == {"snowspoke_instance"} and "ca_path" in overrides
    overrides["ca_path"] = emulator.ca_path  # the example's path, made this run's CA

    site = emulator.atlassian.add_site("merge-" + instance.name)
    user = site.add_user("bot@%s.example" % instance.name, admin=True)
    token = user.add_api_token(kind="classic")
    inventory = tmp_path / "inventory"
    (inventory / "group_vars" / "servicenow").mkdir(parents=True)
    (inventory / "host_vars").mkdir()
    (inventory / "hosts.yml").write_text(yaml.safe_dump(
        {"all": {"children": {"servicenow": {"hosts": {instance.name: None}}}}}), encoding="utf-8")
    (inventory / "group_vars" / "servicenow" / "main.yml").write_text(
        blocks["instance-merge"].split("# " + host_file)[0], encoding="utf-8")
    (inventory / "host_vars" / (instance.name + ".yml")).write_text(yaml.safe_dump({
        "snowspoke_instance_overrides": overrides, "snowspoke_option": "basic",
        "snowspoke_jira_sites": [{"name": "acme", "url": site.url, "username": user.email, "api_token": token}],
        "snowspoke_jira_connection": {"ca_path": emulator.ca_path}}), encoding="utf-8")
    secrets = {"vault_servicenow_username": instance.admin_user, "vault_servicenow_password": instance.admin_password}
    env = {"REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": "", "SSL_CERT_FILE": "", "SN_CA_PATH": "", "JIRA_CA_PATH": ""}
    first = ansible(os.path.join(REPO, "playbooks", "site.yml"), inventory=str(inventory), extra_vars=secrets,
                    env=env).assert_ok()
    result = first.task("Jira spoke set-up")["result"]
    assert result["changed"] and result["invocation"]["module_args"]["instance"]["timeout"] == overrides["timeout"]
    assert result["invocation"]["module_args"]["instance"]["username"] == instance.admin_user
    first.assert_no_secret(token, instance.admin_password)

    without = ansible(os.path.join(REPO, "playbooks", "site.yml"), inventory=str(inventory), extra_vars=secrets,
                      env=env, args=["-e", json.dumps({"snowspoke_instance_overrides": {}})])
    assert without.rc != 0 and "TLS verification failed" in without.failed[0]["result"]["msg"]


def test_readme_awx_artifacts_playbook(emulator, instance, tmp_path):
    """The README's AWX playbook through ansible-runner, as AWX runs a job: the summary of each instance in the
    job's artifacts (set_stats), and the report callback, enabled without a path, in the artifacts directory."""
    ansible_runner = pytest.importorskip("ansible_runner")
    _text, blocks = readme_blocks()
    block = blocks["awx-artifacts"]
    project = tmp_path / "project"
    project.mkdir()
    (project / file_name(block)).write_text(block, encoding="utf-8")
    site = emulator.atlassian.add_site("awxart-" + instance.name)
    user = site.add_user("bot@%s.example" % instance.name, admin=True)
    token = user.add_api_token(kind="classic")
    hosts = {instance.name: {
        "snowspoke_instance": {"host": instance.url, "username": instance.admin_user,
                               "password": instance.admin_password},
        "snowspoke_option": "basic",
        "snowspoke_jira_sites": [{"name": "acme", "url": site.url, "username": user.email, "api_token": token}]}}
    private = tmp_path / "job"
    (private / "inventory").mkdir(parents=True)
    (private / "inventory" / "hosts.yml").write_text(yaml.safe_dump(
        {"all": {"children": {"servicenow": {"hosts": hosts}}}}), encoding="utf-8")
    # The job's environment (as test_awx_runner.py builds it), minus what the runner sets itself.
    envvars = dict((key, value) for key, value in environment(emulator).items()
                   if key not in ("PWD", "OLDPWD", "SHLVL", "_", "ANSIBLE_CALLBACK_PLUGINS"))
    envvars["ANSIBLE_CALLBACKS_ENABLED"] = "snowspoke.jira.report"
    result = ansible_runner.run(
        private_data_dir=str(private), project_dir=str(project), playbook=file_name(block),
        inventory=str(private / "inventory" / "hosts.yml"), envvars=envvars, quiet=True,
        settings={"suppress_ansible_output": True})
    assert result.rc == 0, open(os.path.join(result.config.artifact_dir, "stdout"), encoding="utf-8").read()[-4000:]
    stats = [event for event in result.events if event.get("event") == "playbook_on_stats"]
    artifacts = stats[-1]["event_data"]["artifact_data"]
    summary = artifacts["snowspoke"][instance.name]
    assert summary["instance"] == instance.url and summary["connections"] == [
        "Jira acme connection -> %s (shipped alias sn_jira_spoke.Jira)" % site.url]
    with open(os.path.join(result.config.artifact_dir, "snowspoke_report.json"), encoding="utf-8") as handle:
        text = handle.read()
    assert token not in text and instance.admin_password not in text
    report = json.loads(text)["hosts"][instance.name]
    assert report["status"] == "changed" and report["sites"][0]["records"]["created"]
