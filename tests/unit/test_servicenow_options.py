"""The instance option table: URL forms, authentication choice, conflicts, argspec and env fallbacks."""

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import OptionError
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.client import ServiceNowClient
from ansible_collections.snowspoke.jira.plugins.module_utils.servicenow.options import (
    INSTANCE,
    auth_method,
    instance_url,
)


@pytest.mark.parametrize("given,expected", [
    ("dev123", "https://dev123.service-now.com"),
    ("DEV123", "https://dev123.service-now.com"),
    ("https://dev123.service-now.com", "https://dev123.service-now.com"),
    ("https://dev123.service-now.com/", "https://dev123.service-now.com"),
    ("https://acme.servicenowservices.com", "https://acme.servicenowservices.com"),
    ("snow.internal.example.com", "https://snow.internal.example.com"),
    ("https://127.0.0.1:8443", "https://127.0.0.1:8443"),
])
def test_instance_url_forms(given, expected):
    assert instance_url(given) == expected


@pytest.mark.parametrize("given,fragment", [
    (None, "instance.host is required"),
    ("  ", "instance.host is required"),
    ("ftp://dev123.service-now.com", "must use https://"),
    ("https://dev123.service-now.com/now/nav/ui", "without a path"),
    ("https://dev123.service-now.com?x=1", "without a path"),
    ("https://user:pw@dev123.service-now.com", "must not carry credentials"),
    ("dev 123", "neither an instance name"),
    ("https://dev123.service-now.com:99999", "invalid port"),
])
def test_instance_url_rejects_with_the_option_named(given, fragment):
    with pytest.raises(OptionError) as error:
        instance_url(given)
    assert fragment in str(error.value)
    assert "instance.host" in str(error.value) or "instance.username" in str(error.value)


@pytest.mark.parametrize("params,method", [
    ({"username": "u", "password": "p"}, "basic"),
    ({"client_id": "c", "client_secret": "s", "username": "u", "password": "p"}, "oauth"),
    ({"client_id": "c", "client_secret": "s"}, "oauth"),
    ({"client_id": "c", "client_secret": "s", "refresh_token": "r"}, "oauth"),
    ({"access_token": "t"}, "token"),
    ({"api_key": "k"}, "api_key"),
])
def test_auth_method(params, method):
    assert auth_method(params) == method


@pytest.mark.parametrize("params,fragment", [
    ({}, "No credentials"),
    ({"username": "u"}, "instance.password is missing"),
    ({"password": "p"}, "instance.username is missing"),
    ({"api_key": "k", "username": "u", "password": "p"}, "instance.api_key is used alone"),
    ({"access_token": "t", "client_id": "c"}, "instance.access_token is used alone"),
    ({"client_id": "c"}, "instance.client_secret is missing"),
    ({"client_secret": "s"}, "instance.client_id is missing"),
    ({"client_id": "c", "client_secret": "s", "grant_type": "password"}, "needs instance.username"),
    ({"client_id": "c", "client_secret": "s", "grant_type": "refresh_token"}, "needs instance.refresh_token"),
    ({"refresh_token": "r"}, "needs instance.client_id"),
])
def test_auth_conflicts_fail_naming_the_option(params, fragment):
    with pytest.raises(OptionError) as error:
        auth_method(params)
    assert fragment in str(error.value)


def test_secret_values_never_appear_in_option_errors():
    with pytest.raises(OptionError) as error:
        auth_method({"api_key": "k-very-secret", "password": "p-very-secret"})
    assert "very-secret" not in str(error.value)


def test_client_validates_before_any_request():
    with pytest.raises(OptionError, match="instance.timeout"):
        ServiceNowClient.from_options({"host": "dev1", "username": "u", "password": "p", "timeout": 0})
    with pytest.raises(OptionError, match="instance.proxy"):
        ServiceNowClient.from_options({"host": "dev1", "username": "u", "password": "p", "proxy": "nonsense"})
    client = ServiceNowClient.from_options({"host": "dev1", "username": "u", "password": "p"})
    assert client.base_url == "https://dev1.service-now.com"
    assert client.requests_made == 0


def test_argument_spec_env_fallbacks(monkeypatch):
    monkeypatch.setenv("SN_HOST", "dev77")
    monkeypatch.setenv("SN_USERNAME", "admin")
    monkeypatch.setenv("SN_PASSWORD", "from-env")
    monkeypatch.setenv("SN_TIMEOUT", "12.5")
    result = ArgumentSpecValidator(INSTANCE.argument_spec()).validate({})
    assert not result.error_messages, result.error_messages
    instance = result.validated_parameters["instance"]
    assert instance["host"] == "dev77"
    assert instance["username"] == "admin"
    assert instance["timeout"] == 12.5
    assert instance["retries"] == 4
    assert "from-env" in result._no_log_values  # pylint: disable=protected-access


def test_every_secret_option_is_no_log_and_documented_with_its_env_variable():
    spec = INSTANCE.argument_spec()["instance"]["options"]
    for name in ("password", "client_secret", "refresh_token", "access_token", "api_key"):
        assert spec[name]["no_log"] is True
    docs = INSTANCE.documentation()["instance"]["suboptions"]
    assert set(docs) == set(spec)
    for env in ("SN_HOST", "SN_USERNAME", "SN_PASSWORD", "SN_CLIENT_ID", "SN_CLIENT_SECRET", "SN_ACCESS_TOKEN",
                "SN_API_KEY", "SN_TIMEOUT"):
        assert any(env in " ".join(option["description"]) for option in docs.values()), env


def test_doc_fragment_is_generated_from_the_table():
    import subprocess  # pylint: disable=import-outside-toplevel
    import sys  # pylint: disable=import-outside-toplevel
    from tests.conftest import REPO  # pylint: disable=import-outside-toplevel
    completed = subprocess.run([sys.executable, "tools/gen_doc_fragments.py", "--check"], cwd=REPO,
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_empty_environment_variables_count_as_unset(monkeypatch):
    """AWX injects every credential field, as "" when it was left blank."""
    monkeypatch.setenv("SN_HOST", "dev5")
    monkeypatch.setenv("SN_TIMEOUT", "")
    monkeypatch.setenv("SN_GRANT_TYPE", "")
    monkeypatch.setenv("SN_VALIDATE_CERTS", "")
    result = ArgumentSpecValidator(INSTANCE.argument_spec()).validate({})
    assert not result.error_messages, result.error_messages
    instance = result.validated_parameters["instance"]
    assert instance["timeout"] == 30.0 and instance["grant_type"] is None and instance["validate_certs"] is True
