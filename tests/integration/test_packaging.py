"""The collection as a Galaxy user gets it: the tarball of `ansible-galaxy collection build`, installed with
`ansible-galaxy collection install` into an empty collections path (no link to this checkout), then the playbook
`snowspoke.jira.site` run by its FQCN from the installed copy against the emulators, with an inventory laid out
like the shipped example (playbooks/inventory/: hosts.yml, group_vars/servicenow/ with a Vault file, host_vars/
per instance). The first run converges a basic and an OAuth instance; the rerun reports changed=0."""

import glob
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import REPO
from tests.support.playbooks import BIN, environment

SEED_SCOPES = [
    "manage:jira-configuration", "manage:jira-project", "manage:jira-webhook", "read:jira-work", "read:jira-user",
    "write:jira-work", "delete:sprint:jira-software", "read:issue-details:jira", "read:jql:jira",
    "read:sprint:jira-software", "write:sprint:jira-software", "read:board-scope:jira-software",
    "read:project:jira", "offline_access",
]
RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)


def _run(command, env, cwd, timeout=300):
    completed = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                               check=False)
    assert completed.returncode == 0, "%s failed (rc %d)\n%s\n%s" % (
        " ".join(command), completed.returncode, completed.stdout[-6000:], completed.stderr[-3000:])
    return completed


@pytest.fixture(scope="module")
def user_home(tmp_path_factory):
    """A Galaxy user's machine: the built tarball installed into a fresh collections path; nothing else."""
    home = tmp_path_factory.mktemp("galaxy-user")
    collections = home / "collections"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="False",
               ANSIBLE_NOCOLOR="1")
    _run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(home / "dist"), REPO],
         env, str(home))
    tarball = glob.glob(str(home / "dist" / "snowspoke-jira-*.tar.gz"))
    assert len(tarball) == 1, tarball
    assert not collections.exists()  # a fresh, empty collections path
    _run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "-p", str(collections),
          tarball[0]], env, str(home))
    installed = collections / "ansible_collections" / "snowspoke" / "jira"
    assert installed.is_dir() and not installed.is_symlink()
    assert (installed / "MANIFEST.json").is_file() and not (installed / "tests").exists()
    assert sorted(os.listdir(collections / "ansible_collections")) == ["snowspoke"]
    listed = _run([os.path.join(BIN, "ansible-galaxy"), "collection", "list", "snowspoke.jira", "--format", "json"],
                  env, str(home))
    assert list(json.loads(listed.stdout)) == [str(collections / "ansible_collections")]
    return {"home": home, "collections": collections, "installed": installed}


def _name(request, prefix):
    return prefix + hashlib.sha1(request.node.nodeid.encode("utf-8")).hexdigest()[:8]


def _inventory(user_home, basic, oauth, values):
    """An inventory like the shipped example: hosts.yml, the example group_vars (its main.yml copied from the
    installed collection), a Vault-encrypted vault.yml with every secret, and host_vars per instance."""
    inventory = user_home["home"] / ("inventory-" + basic.name)
    group_vars = inventory / "group_vars" / "servicenow"
    group_vars.mkdir(parents=True)
    (inventory / "host_vars").mkdir()
    (inventory / "hosts.yml").write_text(yaml.safe_dump(
        {"all": {"children": {"servicenow": {"hosts": {basic.name: None, oauth.name: None}}}}}), encoding="utf-8")
    shutil.copy(user_home["installed"] / "playbooks" / "inventory" / "group_vars" / "servicenow" / "main.yml",
                group_vars / "main.yml")
    (inventory / "host_vars" / (basic.name + ".yml")).write_text(yaml.safe_dump({
        "snowspoke_option": "basic",
        "snowspoke_jira_sites": [{"name": "acme", "url": values["basic_site"], "username": values["basic_user"],
                                  "api_token": "{{ vault_basic_api_token }}"}]}), encoding="utf-8")
    (inventory / "host_vars" / (oauth.name + ".yml")).write_text(yaml.safe_dump({
        "snowspoke_option": "oauth",
        "snowspoke_grant_type": "authorization_code",
        "snowspoke_jira_sites": [{"name": "acme", "url": values["oauth_site"], "client_id": values["client_id"],
                                  "client_secret": "{{ vault_oauth_client_secret }}"}]}), encoding="utf-8")
    vault = group_vars / "vault.yml"
    vault.write_text(yaml.safe_dump({
        "vault_servicenow_username": "admin",
        "vault_servicenow_password": values["admin_password"],
        "vault_basic_api_token": values["api_token"],
        "vault_oauth_client_secret": values["client_secret"]}), encoding="utf-8")
    password_file = user_home["home"] / ("vault-password-" + basic.name)
    password_file.write_text(secrets.token_urlsafe(24), encoding="utf-8")
    _run([os.path.join(BIN, "ansible-vault"), "encrypt", "--vault-password-file", str(password_file), str(vault)],
         dict(os.environ), str(user_home["home"]))
    assert vault.read_text(encoding="utf-8").startswith("$ANSIBLE_VAULT;")
    return inventory, password_file


def _site(emulator, user_home, inventory, password_file, record, verbosity=""):
    """ansible-playbook snowspoke.jira.site from the installed collection, run in the user's (empty) directory."""
    env = environment(emulator, {
        "ANSIBLE_COLLECTIONS_PATH": str(user_home["collections"]),
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "False",
        "SNOWSPOKE_RECORD": str(record),
    })
    command = [os.path.join(BIN, "ansible-playbook"), "-i", str(inventory), "--vault-password-file",
               str(password_file), "snowspoke.jira.site"] + ([verbosity] if verbosity else [])
    completed = _run(command, env, str(user_home["home"]))
    with open(record, encoding="utf-8") as handle:
        results = [json.loads(line) for line in handle if line.strip()]
    recap = dict((host, {"ok": int(ok), "changed": int(changed), "unreachable": int(unreachable),
                         "failed": int(failed)}) for host, ok, changed, unreachable, failed
                 in RECAP.findall(completed.stdout))
    return completed.stdout + completed.stderr, results, recap


def test_site_from_the_installed_collection_converges(emulator, request, user_home):
    fleet, cloud = emulator.servicenow, emulator.atlassian
    admin_password = secrets.token_urlsafe(18)  # one integration user for the fleet, as the example inventory has
    basic = fleet.add_instance(_name(request, "pkgb"), admin_password=admin_password)
    oauth = fleet.add_instance(_name(request, "pkgo"), admin_password=admin_password)
    try:
        basic_site = cloud.add_site("pkg-basic-" + basic.name)
        bot = basic_site.add_user("bot@%s.example" % basic.name, admin=True)
        api_token = bot.add_api_token(kind="classic")
        oauth_site = cloud.add_site("pkg-oauth-" + oauth.name)
        app = cloud.add_oauth_app("ServiceNow package test", callback_urls=["%s/oauth_redirect.do" % oauth.url],
                                  scopes=SEED_SCOPES)
        values = {"basic_site": basic_site.url, "basic_user": bot.email, "api_token": api_token,
                  "oauth_site": oauth_site.url, "client_id": app.client_id, "client_secret": app.client_secret,
                  "admin_password": admin_password}
        inventory, password_file = _inventory(user_home, basic, oauth, values)
        leaks = (api_token, app.client_secret, admin_password)

        # -vv prints the path of every task: all of them must come from the installed copy, none from this checkout.
        output, results, recap = _site(emulator, user_home, inventory, password_file,
                                       user_home["home"] / ("first-" + basic.name + ".jsonl"), "-vv")
        task_paths = re.findall(r"^task path: (\S+?):\d+$", output, re.MULTILINE)
        assert task_paths, output[-3000:]
        assert all(path.startswith(str(user_home["installed"]) + os.sep) for path in task_paths), sorted(
            set(path for path in task_paths if not path.startswith(str(user_home["installed"]))))
        for folder in ("playbooks", "roles", "plugins"):
            assert os.path.join(REPO, folder) not in output, "the run used this checkout's %s/" % folder
        assert set(recap) == {basic.name, oauth.name}, recap
        assert all(host["failed"] == 0 and host["unreachable"] == 0 and host["changed"] > 0
                   for host in recap.values()), recap
        assert basic.records("basic_auth_credentials") and oauth.records("oauth_entity")
        summaries = dict((entry["host"], entry["result"]["msg"]) for entry in results if entry["task"] == "Summary")
        shipped = " (shipped alias sn_jira_spoke.Jira)"
        assert summaries[basic.name]["connections"] == ["Jira acme connection -> %s%s" % (basic_site.url, shipped)]
        assert summaries[oauth.name]["connections"] == [
            "Jira acme connection -> https://api.atlassian.com/ex/jira/%s%s" % (oauth_site.cloud_id, shipped)]
        assert len(summaries[oauth.name]["browser_step_pending"]) == 1
        for secret in leaks:
            assert secret not in output and secret not in json.dumps(results, default=str)

        writes = len(emulator.log.writes(label=basic.name)) + len(emulator.log.writes(label=oauth.name))
        output, results, recap = _site(emulator, user_home, inventory, password_file,
                                       user_home["home"] / ("second-" + basic.name + ".jsonl"))
        assert set(recap) == {basic.name, oauth.name}, recap
        assert all(host["changed"] == 0 and host["failed"] == 0 for host in recap.values()), (
            recap, [(e["host"], e["task"]) for e in results if e["status"] == "changed"])
        assert len(emulator.log.writes(label=basic.name)) + len(emulator.log.writes(label=oauth.name)) == writes
        for secret in leaks:
            assert secret not in output
    finally:
        fleet.remove_instance(basic.name)
        fleet.remove_instance(oauth.name)
