"""AWX's credential injection, replayed: what a job's environment looks like with our credential types attached.

AWX (awx/main/models/credential) renders each env injector with only the inputs that are set and non-empty in
the template namespace, an unset boolean as false, and writes every file injector, exposing its path as
``tower.filename[.<label>]``. Used by the credential-type unit tests and the ansible-runner integration test.
"""

import os

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tests.conftest import REPO

TYPES_DIR = os.path.join(REPO, "awx", "credential_types")


def load(name):
    with open(os.path.join(TYPES_DIR, name), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


class Namespace:
    """Stands in for AWX's ``tower`` template namespace (``tower.filename.<label>``)."""


def inject(credential_type, inputs, private_dir):
    """Replay AWX's CredentialType.inject_credential for env and file injectors; return the job's environment."""
    namespace = dict((key, value) for key, value in inputs.items() if isinstance(value, bool) or len(value))
    for field in credential_type["inputs"]["fields"]:
        if field["type"] == "boolean" and field["id"] not in inputs:
            namespace[field["id"]] = False
    tower = namespace["tower"] = Namespace()
    tower.filename = Namespace()
    sandbox = ImmutableSandboxedEnvironment()
    for index, (label, template) in enumerate(sorted(credential_type["injectors"].get("file", {}).items())):
        path = os.path.join(private_dir, "cred_file_%d" % index)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(sandbox.from_string(template).render(**namespace))
        if "." in label:
            setattr(tower.filename, label.split(".", 1)[1], path)
        else:
            tower.filename = path
    return dict((name, sandbox.from_string(template).render(**namespace))
                for name, template in credential_type["injectors"].get("env", {}).items())
