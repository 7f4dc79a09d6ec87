"""The AWX credential types (awx/credential_types/*.yml) against the modules' option tables.

Every environment variable a credential type injects must be one the modules read, and every variable they read
must be injectable; a field feeding a secret option must be ``secret: true``. The injection is replayed the way
AWX does it (awx/main/models/credential: only the inputs that are set and non-empty are in the template
namespace, an unset boolean is false, every env template is rendered anyway, file templates always written) and
the result is fed to the modules' argument spec: an unset field must never yield a value the module rejects.
Then awx/awx_setup.yml: its awx.awx arguments against the modules' documentation (when `make awx-deps` has
fetched awx.awx) and its job templates' playbooks against AWX's project scan; last, the execution environment's
pins against the project's.
"""

import os
import re

import pytest
import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.snowspoke.jira.plugins.module_utils.jira.options import JIRA
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.options import INSTANCE, auth_method
from tests.conftest import REPO
from tests.support.awx import Namespace, inject, load

# Which option table each credential type feeds.
TABLES = {"servicenow_instance.yml": INSTANCE, "jira_cloud.yml": JIRA}

# The keys AWX's CredentialTypeInputField / CredentialTypeInjectorField schemas accept (additionalProperties: false).
FIELD_KEYS = {"id", "label", "type", "help_text", "secret", "multiline", "choices", "format", "default",
              "ask_at_runtime"}
STRING_ONLY_KEYS = {"choices", "multiline", "format", "secret"}
FILE_KEY = re.compile(r"^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$")
NAME = re.compile(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$")
# AWX refuses ANSIBLE_* and these names in a credential's env injector (awx.main.constants.ENV_BLOCKLIST).
ENV_BLOCKLIST = {"VIRTUAL_ENV", "PATH", "PYTHONPATH", "JOB_ID", "INVENTORY_ID", "INVENTORY_SOURCE_ID",
                 "INVENTORY_UPDATE_ID", "AD_HOC_COMMAND_ID", "REST_API_URL", "REST_API_TOKEN", "MAX_EVENT_RES",
                 "CALLBACK_QUEUE", "CALLBACK_CONNECTION", "CACHE", "JOB_CALLBACK_DEBUG", "INVENTORY_HOSTVARS",
                 "AWX_HOST", "PROJECT_REVISION", "SUPERVISOR_CONFIG_PATH"}


def env_options(table):
    """{environment variable: Option} for one option table."""
    return dict((env, option) for option in table.options for env in option.env)


def referenced_fields(credential_type, template):
    """The input fields a template uses (by name: the templates are short and use plain field names)."""
    ids = [field["id"] for field in credential_type["inputs"]["fields"]]
    return set(name for name in ids if re.search(r"\b%s\b" % re.escape(name), template))


def validate(table, environ, monkeypatch, params=None):
    """Validate module parameters against ``table``'s argument spec with ``environ`` as the job's environment."""
    for name in env_options(table):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    result = ArgumentSpecValidator(table.argument_spec()).validate(dict(params or {}))
    assert not result.error_messages, result.error_messages
    validated = result.validated_parameters
    return validated if table.flat else validated[table.name]


@pytest.fixture(name="private_dir")
def private_dir_fixture(tmp_path):
    return str(tmp_path)


@pytest.mark.parametrize("name", sorted(TABLES))
def test_credential_type_follows_the_awx_schema(name):
    credential_type = load(name)
    assert set(credential_type) == {"name", "description", "kind", "inputs", "injectors"}
    assert credential_type["kind"] == "cloud"
    assert "snowspoke.jira" in credential_type["name"]
    fields = credential_type["inputs"]["fields"]
    ids = [field["id"] for field in fields]
    assert len(ids) == len(set(ids)), "field ids must be unique"
    for field in fields:
        assert set(field) <= FIELD_KEYS, field
        assert {"id", "label", "type"} <= set(field), field
        assert NAME.match(field["id"]) and field["id"] != "tower", field
        assert field["type"] in ("string", "boolean"), field
        if field["type"] == "boolean":
            assert not set(field) & STRING_ONLY_KEYS, field
    assert set(credential_type["inputs"].get("required", [])) <= set(ids)
    injectors = credential_type["injectors"]
    assert set(injectors) <= {"env", "file", "extra_vars"}
    assert all(FILE_KEY.match(key) for key in injectors.get("file", {}))
    for env, template in injectors["env"].items():
        assert NAME.match(env) and not env.startswith("ANSIBLE_") and env not in ENV_BLOCKLIST, env
        assert isinstance(template, str) and template.isascii(), env


@pytest.mark.parametrize("name", sorted(TABLES))
def test_injector_templates_use_only_defined_fields(name):
    # AWX's own check on save: render with every field set and undefined names fatal.
    credential_type = load(name)
    namespace = dict((field["id"], "EXAMPLE") for field in credential_type["inputs"]["fields"])
    tower = namespace["tower"] = Namespace()
    tower.filename = Namespace()
    for label in credential_type["injectors"].get("file", {}):
        setattr(tower.filename, label.split(".", 1)[1], "EXAMPLE_FILENAME")
    sandbox = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    for kind in ("env", "file"):
        for key, template in credential_type["injectors"].get(kind, {}).items():
            assert sandbox.from_string(template).render(**namespace) is not None, key


@pytest.mark.parametrize("name", sorted(TABLES))
def test_injects_exactly_the_environment_variables_the_modules_read(name):
    injected = set(load(name)["injectors"]["env"])
    read = set(env_options(TABLES[name]))
    assert injected - read == set(), "injected but read by no module option"
    assert read - injected == set(), "read by the modules but not injectable from AWX"


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_field_feeding_a_secret_option_is_secret(name):
    credential_type = load(name)
    options = env_options(TABLES[name])
    secret_fields = set(field["id"] for field in credential_type["inputs"]["fields"] if field.get("secret"))
    fed_secret_options = set()
    for env, template in credential_type["injectors"]["env"].items():
        if options[env].no_log:
            fed = referenced_fields(credential_type, template)
            assert fed, env
            assert fed <= secret_fields, "%s carries %s: those fields must be secret: true" % (env, fed)
            fed_secret_options |= fed
    # And the other way round: a secret field only ever feeds secret options (no secret in a plain variable).
    for env, template in credential_type["injectors"]["env"].items():
        if not options[env].no_log:
            leaked = referenced_fields(credential_type, template) & secret_fields
            # A secret may decide a non-secret value (the grant type), but never be that value.
            for field in leaked:
                assert not re.search(r"{{\s*%s\s*}}" % field, template), (env, field)
    assert secret_fields == fed_secret_options
    # Nothing secret is written to a file injector either.
    for template in credential_type["injectors"].get("file", {}).values():
        assert not referenced_fields(credential_type, template) & secret_fields


def test_unset_fields_fall_back_to_the_module_defaults(private_dir, monkeypatch):
    # A ServiceNow credential with only a host: every other variable is still injected and must validate.
    environ = inject(load("servicenow_instance.yml"), {"host": "dev5"}, private_dir)
    assert set(environ) == set(env_options(INSTANCE))
    instance = validate(INSTANCE, environ, monkeypatch)
    assert instance["host"] == "dev5"
    assert instance["timeout"] == INSTANCE["timeout"].default
    assert instance["validate_certs"] is True
    assert not instance["ca_path"]
    assert instance["grant_type"] == "client_credentials"  # the module's own default without user or token
    environ = inject(load("jira_cloud.yml"), {"jira_url": "https://acme.atlassian.net"}, private_dir)
    jira = validate(JIRA, environ, monkeypatch)
    assert jira["jira_url"] == "https://acme.atlassian.net"
    assert jira["timeout"] == JIRA["timeout"].default
    assert jira["atlassian_api_url"] == JIRA["atlassian_api_url"].default
    assert jira["atlassian_auth_url"] == JIRA["atlassian_auth_url"].default
    assert not jira["ca_path"]


@pytest.mark.parametrize("inputs,method,grant", [
    ({"host": "dev1", "username": "svc", "password": "fake-pw"}, "basic", "password"),
    ({"host": "dev1", "client_id": "cid", "client_secret": "fake-secret"}, "oauth", "client_credentials"),
    ({"host": "dev1", "client_id": "cid", "client_secret": "fake-secret", "username": "svc",
      "password": "fake-pw"}, "oauth", "password"),
    ({"host": "dev1", "client_id": "cid", "client_secret": "fake-secret", "refresh_token": "fake-rt"},
     "oauth", "refresh_token"),
    ({"host": "dev1", "client_id": "cid", "client_secret": "fake-secret", "grant_type": "client_credentials",
      "username": "svc", "password": "fake-pw"}, "oauth", "client_credentials"),
    ({"host": "dev1", "access_token": "fake-token"}, "token", "client_credentials"),
    ({"host": "dev1", "api_key": "fake-key"}, "api_key", "client_credentials"),
])
def test_servicenow_credentials_authenticate_as_the_module_expects(inputs, method, grant, private_dir, monkeypatch):
    environ = inject(load("servicenow_instance.yml"), inputs, private_dir)
    instance = validate(INSTANCE, environ, monkeypatch)
    assert auth_method(instance) == method
    assert instance["grant_type"] == grant


def test_fleet_credential_takes_the_host_from_the_play(private_dir, monkeypatch):
    # No host in the credential: the inventory (through the play's instance option) names each instance.
    environ = inject(load("servicenow_instance.yml"), {"username": "svc", "password": "fake-pw"}, private_dir)
    assert environ["SN_HOST"] == ""
    for host in ("dev1", "dev2"):
        instance = validate(INSTANCE, environ, monkeypatch, {"instance": {"host": host}})
        assert (instance["host"], instance["username"], auth_method(instance)) == (host, "svc", "basic")


def test_ca_certificate_and_certificate_checks(private_dir, monkeypatch):
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    environ = inject(load("servicenow_instance.yml"),
                     {"host": "dev1", "username": "svc", "password": "fake-pw", "ca_cert": pem}, private_dir)
    instance = validate(INSTANCE, environ, monkeypatch)
    assert instance["validate_certs"] is True
    with open(instance["ca_path"], encoding="utf-8") as handle:
        assert handle.read() == pem
    environ = inject(load("servicenow_instance.yml"),
                     {"host": "dev1", "username": "svc", "password": "fake-pw", "skip_tls_verify": True},
                     private_dir)
    assert validate(INSTANCE, environ, monkeypatch)["validate_certs"] is False
    environ = inject(load("jira_cloud.yml"), {"jira_url": "https://acme.atlassian.net", "ca_cert": pem}, private_dir)
    with open(validate(JIRA, environ, monkeypatch)["ca_path"], encoding="utf-8") as handle:
        assert handle.read() == pem


@pytest.mark.parametrize("inputs,given", [
    ({"username": "admin@example.com", "api_token": "fake-api-token"}, {"username", "api_token"}),
    ({"access_token": "fake-access-token"}, {"access_token"}),
    ({"client_id": "cid", "client_secret": "fake-secret"}, {"client_id", "client_secret"}),
])
def test_jira_credentials_give_exactly_one_authentication(inputs, given, private_dir, monkeypatch):
    inputs = dict(inputs, jira_url="https://acme.atlassian.net")
    jira = validate(JIRA, inject(load("jira_cloud.yml"), inputs, private_dir), monkeypatch)
    auth = ("username", "api_token", "access_token", "client_id", "client_secret")
    assert set(name for name in auth if jira[name]) == given


# awx/awx_setup.yml: ansible-lint's production profile does not check module arguments (its opt-in `args`
# rule stops at the first templated value), so check them here against awx.awx's documented options. awx.awx is
# fetched by `make awx-deps` (awx-lint, part of `make lint`); without it this test is skipped.

AWX_COLLECTIONS = os.path.join(REPO, ".cache", "awx", "collections")
DOC_TYPES = {"str": str, "int": int, "bool": bool, "list": list, "dict": dict, "float": (int, float)}


def _awx_tasks():
    with open(os.path.join(REPO, "awx", "awx_setup.yml"), encoding="utf-8") as handle:
        plays = yaml.safe_load(handle)
    for play in plays:
        for task in play.get("tasks", []):
            for key, args in task.items():
                if key.startswith("awx.awx."):
                    yield task["name"], key, args


def _templated(value):
    return isinstance(value, str) and "{{" in value


def test_awx_setup_uses_only_arguments_the_awx_modules_accept():
    if not os.path.exists(os.path.join(AWX_COLLECTIONS, "ansible_collections", "awx", "awx", "MANIFEST.json")):
        pytest.skip("awx.awx is not fetched (make awx-deps)")
    import json  # pylint: disable=import-outside-toplevel
    import subprocess  # pylint: disable=import-outside-toplevel
    import sys  # pylint: disable=import-outside-toplevel
    tasks = list(_awx_tasks())
    assert tasks
    modules = sorted(set(task[1] for task in tasks))
    completed = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-doc"), "--json", "-t", "module"] + modules,
        env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=AWX_COLLECTIONS), capture_output=True, text=True,
        check=False)
    assert completed.returncode == 0, completed.stderr
    docs = json.loads(completed.stdout)
    assert sorted(docs) == modules
    for name, module, args in tasks:
        options = docs[module]["doc"]["options"]
        accepted = dict((alias, option) for key, option in options.items()
                        for alias in [key] + list(option.get("aliases", [])))
        unknown = set(args) - set(accepted)
        assert not unknown, "%s: %s does not take %s" % (name, module, sorted(unknown))
        missing = [key for key, option in options.items() if option.get("required") and key not in args]
        assert not missing, "%s: %s needs %s" % (name, module, missing)
        for key, value in args.items():
            option = accepted[key]
            if _templated(value):
                continue
            assert isinstance(value, DOC_TYPES[option.get("type", "str")]), (name, key, value)
            if option.get("choices"):
                assert value in option["choices"], (name, key, value)
    kinds = docs["awx.awx.credential_type"]["doc"]["options"]["kind"]["choices"]
    assert all(load(name)["kind"] in kinds for name in TABLES)


# AWX offers a job template only the playbooks its project scan lists (awx/main/utils/ansible.py): YAML files
# outside roles/, tasks/, group_vars/, host_vars/ and dot directories with a line that starts (after spaces and a
# dash) with `hosts:`, `include:` or `import_playbook:`. A play made only of `ansible.builtin.import_playbook`
# has no such line, and creating the template fails with "Playbook not found for project".
AWX_PLAYBOOK_LINE = re.compile(r"^\s*?-?\s*?(?:hosts|include|import_playbook):\s*?.*?$")


def _job_template_playbooks():
    return sorted(set(args["playbook"] for _path, module, args in _awx_tasks() if module == "awx.awx.job_template"))


@pytest.mark.parametrize("playbook", _job_template_playbooks())
def test_awx_setup_playbooks_are_listed_by_the_awx_project_scan(playbook):
    parts = os.path.dirname(playbook).split("/")
    assert not set(parts) & {"roles", "tasks", "group_vars", "host_vars"}
    assert not any(part.startswith(".") for part in parts)
    with open(os.path.join(REPO, playbook), encoding="utf-8") as handle:
        assert any(AWX_PLAYBOOK_LINE.match(line) for line in handle), "AWX would not list %s" % playbook


# The execution environment: the image's pins follow the project's (requirements-dev.txt).

def _pins():
    pins = {}
    with open(os.path.join(REPO, "requirements-dev.txt"), encoding="utf-8") as handle:
        for line in handle:
            match = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
            if match:
                pins[match.group(1).lower()] = match.group(2)
    return pins


def test_execution_environment_pins_match_the_project():
    with open(os.path.join(REPO, "awx", "execution-environment.yml"), encoding="utf-8") as handle:
        definition = yaml.safe_load(handle)
    pins = _pins()
    assert definition["version"] == 3
    dependencies = definition["dependencies"]
    assert dependencies["ansible_core"]["package_pip"] == "ansible-core==%s" % pins["ansible-core"]
    assert dependencies["ansible_runner"]["package_pip"] == "ansible-runner==%s" % pins["ansible-runner"]


def test_collection_declares_its_python_dependencies_for_ansible_builder():
    # ansible-builder reads meta/execution-environment.yml of every collection it installs; the paths are
    # relative to the collection root (the runtime requirements.txt, never the pinned requirements-dev.txt).
    with open(os.path.join(REPO, "meta", "execution-environment.yml"), encoding="utf-8") as handle:
        metadata = yaml.safe_load(handle)
    python = metadata["dependencies"]["python"]
    assert not os.path.isabs(python)
    with open(os.path.join(REPO, python), encoding="utf-8") as handle:
        requirements = [line.split("#")[0].strip() for line in handle if line.split("#")[0].strip()]
    names = [re.split(r"[<>=!~ ;\[]", line)[0].lower() for line in requirements]
    assert names == ["requests"]
    assert "system" not in metadata["dependencies"] or os.path.exists(
        os.path.join(REPO, metadata["dependencies"]["system"]))
