"""What a Galaxy user gets: the tarball `ansible-galaxy collection build` makes from this checkout holds the
collection and its user documentation, and no development file; and the Python requirements are split into the
user's runtime range (requirements.txt) and the pinned toolchain (requirements-dev.txt)."""

import glob
import json
import os
import re
import subprocess
import sys
import tarfile

import pytest
import yaml
from packaging.requirements import Requirement

from tests.conftest import REPO

BIN = os.path.dirname(sys.executable)

# Top-level entries a user's tarball may hold; anything else at the root is a development file that build_ignore
# should leave out (a new tox.ini, a scratch folder, ...).
ALLOWED_TOP = {"MANIFEST.json", "FILES.json", "README.md", "LICENSE", "CHANGELOG.rst", "requirements.txt",
               "changelogs", "docs", "meta", "playbooks", "plugins", "roles"}
# Development files and folders, anywhere in the tarball (path prefixes).
DEVELOPMENT = ("Makefile", "pytest.ini", ".ansible-lint", ".gitignore", ".ci", ".cache", ".venv", ".pytest_cache",
               "tools", "tests", "awx", "requirements-dev.txt", "build", "dist", "collections",
               "changelogs/fragments", "changelogs/README.md", "changelogs/.plugin-cache.yaml", "playbooks/demo",
               "importer_result.json")
# What a user needs to find in it.
REQUIRED = ["README.md", "LICENSE", "CHANGELOG.rst", "changelogs/changelog.yaml", "requirements.txt",
            "meta/runtime.yml", "meta/execution-environment.yml", "playbooks/site.yml", "playbooks/audit.yml",
            "playbooks/teardown.yml", "playbooks/inventory/hosts.yml"]


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    output = tmp_path_factory.mktemp("build")
    completed = subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path",
                                str(output), REPO], capture_output=True, text=True, check=False, cwd=str(output))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    built = glob.glob(str(output / "*.tar.gz"))
    assert len(built) == 1, built
    with tarfile.open(built[0]) as handle:
        manifest = json.load(handle.extractfile("MANIFEST.json"))
        files = json.load(handle.extractfile("FILES.json"))
        license_text = handle.extractfile("LICENSE").read().decode("utf-8")
        members = [member.name for member in handle.getmembers()]
        regular = set(member.name for member in handle.getmembers() if member.isfile())
    return {"path": built[0], "members": members, "files_in_tar": regular, "manifest": manifest, "files": files,
            "license": license_text}


def test_the_tarball_holds_no_development_file(tarball):
    members = [name.rstrip("/") for name in tarball["members"]]
    unexpected = sorted(set(name.split("/")[0] for name in members) - ALLOWED_TOP)
    assert not unexpected, "not for users (add to build_ignore in galaxy.yml): %s" % unexpected
    development = sorted(name for name in members
                         if any(name == entry or name.startswith(entry + "/") for entry in DEVELOPMENT))
    assert not development, "development files in the tarball: %s" % development
    junk = sorted(name for name in members if "__pycache__" in name.split("/")
                  or name.endswith((".pyc", ".tar.gz", ".retry")))
    assert not junk, junk


def test_the_tarball_holds_what_a_user_needs(tarball):
    members = set(name.rstrip("/") for name in tarball["members"])
    roles = sorted(os.path.basename(path) for path in glob.glob(os.path.join(REPO, "roles", "*")))
    assert roles
    missing = [name for name in REQUIRED + ["roles/%s/README.md" % role for role in roles]
               + ["roles/%s/meta/argument_specs.yml" % role for role in roles] if name not in members]
    assert not missing, missing
    plugins = set(os.path.relpath(path, REPO) for path in glob.glob(os.path.join(REPO, "plugins", "*", "*.py")))
    assert plugins and plugins <= members, sorted(plugins - members)
    # FILES.json lists the same files (ansible-galaxy verifies installs against it).
    listed = set(entry["name"] for entry in tarball["files"]["files"] if entry["ftype"] == "file")
    assert listed == tarball["files_in_tar"] - {"MANIFEST.json", "FILES.json"}


def test_license_is_the_gpl_text_and_galaxy_yml_names_it():
    with open(os.path.join(REPO, "galaxy.yml"), encoding="utf-8") as handle:
        galaxy = yaml.safe_load(handle)
    # galaxy-importer takes `license` (SPDX ids) or `license_file`, never both.
    assert galaxy["license"] == ["GPL-3.0-or-later"] and "license_file" not in galaxy
    with open(os.path.join(REPO, "LICENSE"), encoding="utf-8") as handle:
        text = handle.read()
    assert text.split()[:6] == ["GNU", "GENERAL", "PUBLIC", "LICENSE", "Version", "3,"]
    assert "How to Apply These Terms to Your New Programs" in text  # the whole text, not a stub
    assert len(text.splitlines()) == 674


def test_manifest_metadata(tarball):
    info = tarball["manifest"]["collection_info"]
    assert (info["namespace"], info["name"]) == ("snowspoke", "jira")
    assert info["license"] == ["GPL-3.0-or-later"]
    assert info["dependencies"] == {}, "a dependency every Galaxy user would have to install"
    assert info["readme"] == "README.md"
    with open(os.path.join(REPO, "LICENSE"), encoding="utf-8") as handle:
        assert tarball["license"] == handle.read()


def test_the_tarball_uses_no_undeclared_collection(tarball):
    """Every FQCN in the shipped YAML belongs to ansible.builtin, this collection or a declared dependency."""
    declared = {"ansible.builtin", "snowspoke.jira"} | set(tarball["manifest"]["collection_info"]["dependencies"])
    fqcn = re.compile(r"^\s*-?\s*([a-z0-9_]+\.[a-z0-9_]+)\.[a-z0-9_]+:", re.MULTILINE)
    used = {}
    with tarfile.open(tarball["path"]) as handle:
        for member in handle.getmembers():
            if member.isfile() and member.name.endswith((".yml", ".yaml")) and member.name.startswith(
                    ("playbooks/", "roles/")):
                for collection in fqcn.findall(handle.extractfile(member).read().decode("utf-8")):
                    used.setdefault(collection, set()).add(member.name)
    undeclared = {name: sorted(files) for name, files in used.items() if name not in declared}
    assert not undeclared, undeclared


# --- Python requirements: the user's runtime range and the pinned toolchain ---

def _requirements(name):
    with open(os.path.join(REPO, name), encoding="utf-8") as handle:
        lines = [line.split("#")[0].strip() for line in handle]
    return [line for line in lines if line]


def test_root_requirements_are_the_runtime_range_only():
    requirements = [Requirement(line) for line in _requirements("requirements.txt")]
    assert [req.name for req in requirements] == ["requests"]
    for req in requirements:
        operators = set(spec.operator for spec in req.specifier)
        assert operators and "==" not in operators, "a range for users, not a pin: %s" % req
        assert any(op in operators for op in ("<", "<=", "~=")), "an upper bound keeps a major release out: %s" % req


def test_development_requirements_pin_everything_within_the_runtime_range():
    lines = _requirements("requirements-dev.txt")
    assert lines[0] == "-r requirements.txt", "the toolchain installs the user's requirements too"
    pins = {}
    for line in lines[1:]:
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", "pin exactly: %s" % line
        assert req.name.lower() not in pins, "pinned twice: %s" % req.name
        pins[req.name.lower()] = specs[0].version
    for tool in ("ansible-core", "requests", "pytest", "ansible-lint", "galaxy-importer", "antsibull-docs",
                 "antsibull-changelog"):
        assert tool in pins, "%s is not pinned in requirements-dev.txt" % tool
    for req in (Requirement(line) for line in _requirements("requirements.txt")):
        assert req.specifier.contains(pins[req.name.lower()]), "%s==%s is outside %s" % (
            req.name, pins[req.name.lower()], req)


def test_ansible_builder_reads_the_runtime_requirements():
    with open(os.path.join(REPO, "meta", "execution-environment.yml"), encoding="utf-8") as handle:
        metadata = yaml.safe_load(handle)
    assert metadata["dependencies"]["python"] == "requirements.txt"
