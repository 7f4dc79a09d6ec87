"""README.md lists every environment variable the collection reads: the option tables' fallbacks, the plugins'
documented ``env`` settings, the names the code reads itself and those the playbooks look up. A new variable in
code without a line in the README fails here."""

import glob
import os
import re

from ansible_collections.snowspoke.jira.plugins.module_utils.jira.options import JIRA
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.options import INSTANCE

from tests.conftest import REPO

NAME = r"([A-Z][A-Z0-9_]*[A-Z0-9])"
IN_CODE = [
    re.compile(r"environ(?:ment)?\)?\.get\(\s*[\"']%s[\"']" % NAME),   # os.environ.get("X"), (environ or ...).get
    re.compile(r"environ\[\s*[\"']%s[\"']\s*\]" % NAME),
    re.compile(r"getenv\(\s*[\"']%s[\"']" % NAME),
    re.compile(r"^\s+- name: %s$" % NAME, re.MULTILINE),                # plugin docs: env: [{name: X}]
]
IN_PLAYBOOKS = re.compile(r"lookup\(\s*'ansible\.builtin\.env',\s*'%s'\s*\)" % NAME)
# Read by Python requests for the collection, not by the collection's code: the README names them too.
READ_BY_REQUESTS = ("HTTPS_PROXY", "NO_PROXY")


def _files(pattern):
    return [path for path in glob.glob(os.path.join(REPO, pattern), recursive=True) if os.path.isfile(path)]


def names_in_code():
    names = set()
    for table in (INSTANCE, JIRA):
        for option in table.options:
            names.update(option.env)
    for path in _files("plugins/**/*.py"):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        for pattern in IN_CODE:
            names.update(pattern.findall(text))
    for path in _files("playbooks/**/*.yml") + _files("roles/**/*.yml"):
        with open(path, encoding="utf-8") as handle:
            names.update(IN_PLAYBOOKS.findall(handle.read()))
    return names


def test_the_scan_finds_what_the_code_reads():
    names = names_in_code()
    assert {"SN_HOST", "SN_REFRESH_TOKEN", "SN_GRANT_TYPE", "SN_VALIDATE_CERTS", "SN_CA_PATH", "JIRA_CA_PATH",
            "JIRA_TIMEOUT", "ATLASSIAN_API_URL", "SNOWSPOKE_REPORT_PATH", "SNOWSPOKE_RUN_AS_MODULE",
            "AWX_ISOLATED_DATA_DIR"} <= names


def test_readme_lists_every_environment_variable():
    with open(os.path.join(REPO, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    missing = sorted(name for name in names_in_code() | set(READ_BY_REQUESTS) if "`%s`" % name not in readme)
    assert not missing, "README.md does not name these environment variables: %s" % ", ".join(missing)
