"""Bad input, refused before any write: a matrix of malformed options and role variables, each a case of its own,
run through real ansible-playbook against the emulators.

Every case asserts that its task failed, that the message names the offending input and says what to do, that no
Python traceback shows anywhere, and that the emulators' request log shows no write at all (Batch API items
included) - and no request at all, since every input here can be judged before the first request.

The cases run in a few playbook runs (one task, block or inventory host per case) to keep the matrix fast; each
case gets its own emulated instance, Jira site and OAuth app, so a case that slipped through could not hide behind
another. Requests are told apart by time: the tasks of a play on one host run one after the other, and a marker task
before each case opens its window in the request log.
"""

import collections
import json
import os
import shutil
import tempfile

import pytest
import yaml

from tests.conftest import REPO
from tests.support.faults import SEED_SCOPES

SITE = os.path.join(REPO, "playbooks", "site.yml")
ENGINE = "snowspoke.jira.servicenow_jira_spoke"
DROP = object()  # an override that removes the key

Case = collections.namedtuple("Case", "batch id build expect")
CASES = []


def case(batch, case_id, build, *expect):
    """``build(ctx)``: the case's task (batches of tasks), (role, vars) (roles) or host vars (site.yml);
    ``expect``: what the failure message must contain (the input's name, then the fix)."""
    CASES.append(Case(batch, case_id, build, expect))


class Context:
    """What a case builds its input from: its own instance, Jira site, user, API token and OAuth app (all valid:
    only the input under test is wrong, so a guard that let it through would be seen writing)."""

    def __init__(self, emulator, instance, workdir):
        cloud = emulator.atlassian
        self.instance = instance
        self.workdir = workdir
        self.site = cloud.add_site("bad-" + instance.name)
        user = self.site.add_user("bot@%s.example" % instance.name, admin=True)
        self.email = user.email
        self.token = user.add_api_token(kind="classic")
        self.app = cloud.add_oauth_app("ServiceNow %s" % instance.name, scopes=SEED_SCOPES,
                                       callback_urls=["%s/oauth_redirect.do" % instance.url])
        self.labels = {instance.name, self.site.name}


def merged(base, overrides):
    result = dict(base)
    for key, value in overrides.items():
        if value is DROP:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def instance_options(ctx, **overrides):
    return merged({"host": ctx.instance.url, "username": ctx.instance.admin_user,
                   "password": ctx.instance.admin_password}, overrides)


def oauth_site(ctx, **overrides):
    return merged({"name": "acme", "url": ctx.site.url, "client_id": ctx.app.client_id,
                   "client_secret": ctx.app.client_secret}, overrides)


def basic_site(ctx, **overrides):
    return merged({"name": "acme", "url": ctx.site.url, "username": ctx.email, "api_token": ctx.token}, overrides)


def spoke(ctx, option="oauth", sites=None, instance=None, **args):
    """A task of the engine module; ``sites`` defaults to one valid site of ``option``."""
    if sites is None:
        sites = [oauth_site(ctx) if option == "oauth" else basic_site(ctx)]
    return {ENGINE: dict({"instance": instance or instance_options(ctx), "option": option, "sites": sites}, **args)}


def oauth(**overrides):
    return lambda ctx: spoke(ctx, sites=[oauth_site(ctx, **overrides)])


def basic(**overrides):
    return lambda ctx: spoke(ctx, "basic", sites=[basic_site(ctx, **overrides)])


def with_instance(**overrides):
    return lambda ctx: spoke(ctx, instance=instance_options(ctx, **overrides))


def module(module_name, **args):
    """A standalone module's task, with the case's instance (ServiceNow modules)."""
    def build(ctx):
        values = dict((key, value(ctx) if callable(value) else value) for key, value in args.items())
        if not module_name.startswith("jira_"):
            values.setdefault("instance", instance_options(ctx))
        return {"snowspoke.jira." + module_name: values}
    return build


def registry(**args):
    base = {"name": "Jira acme OAuth registry", "client_id": lambda ctx: ctx.app.client_id,
            "client_secret": lambda ctx: ctx.app.client_secret, "scopes": ["read:jira-work", "offline_access"]}
    return module("servicenow_oauth_registry", **merged(base, args))


def scope_check(**args):
    base = {"jira_url": lambda ctx: ctx.site.url, "username": lambda ctx: ctx.email,
            "api_token": lambda ctx: ctx.token}
    return module("jira_scope_check", **merged(base, args))


def role_vars(role, **overrides):
    """(role, its variables): one valid site, with ``<role>_sites`` entries or other variables overridden."""
    site_overrides = overrides.pop("site", {})

    def build(ctx):
        site = basic_site(ctx, **site_overrides) if role == "basic_setup" else oauth_site(ctx, **site_overrides)
        return role, merged({role + "_sites": [site]}, overrides)
    return build


def site_vars(**overrides):
    """The host variables of one instance in an inventory of playbooks/site.yml."""
    def build(ctx):
        return merged({"snowspoke_instance": instance_options(ctx), "snowspoke_option": "oauth",
                       "snowspoke_jira_sites": [oauth_site(ctx)]}, overrides)
    return build


# -- the engine: each site's keys ------------------------------------------------------------------------------
SITES = "engine-sites"
case(SITES, "cloud-id-not-uuid", oauth(cloud_id="12345"), "sites[0]", "cloud_id '12345'", "UUID")
case(SITES, "cloud-id-int", oauth(cloud_id=12345), "sites[0]", "cloud_id", "must be a string")
case(SITES, "connection-url-http-oauth", oauth(connection_url="http://api.atlassian.com/ex/jira/x"),
     "sites[0]", "connection_url", "https://")
case(SITES, "connection-url-http-basic", basic(connection_url="http://acme.atlassian.net"),
     "sites[0]", "connection_url", "https://")
case(SITES, "connection-url-not-atlassian", basic(connection_url="https://jira.example.com"),
     "sites[0]", "connection_url", "atlassian")
case(SITES, "url-not-atlassian", oauth(url="https://jira.example.com"), "sites[0].url", "https://<site>.atlassian.net")
case(SITES, "url-http", oauth(url="http://acme.atlassian.net"), "sites[0].url", "https://<site>.atlassian.net")
case(SITES, "url-missing", oauth(url=DROP), "sites", "url")
case(SITES, "url-empty", oauth(url=""), "sites[0]", "url is required")
case(SITES, "client-id-empty", oauth(client_id=""), "sites[0]", "client_id is required")
case(SITES, "client-id-whitespace", oauth(client_id="   "), "sites[0]", "client_id is required")
case(SITES, "client-id-dict", oauth(client_id={"id": "x"}), "sites[0]", "client_id must be a string, not a dict")
case(SITES, "client-id-list", oauth(client_id=["a", "b"]), "sites[0]", "client_id must be a string, not a list")
case(SITES, "client-id-int", oauth(client_id=12345), "sites[0]", "client_id must be a string, not an int")
case(SITES, "client-id-missing", oauth(client_id=DROP), "sites[0]", "client_id is required")
case(SITES, "client-secret-empty", oauth(client_secret=""), "sites[0]", "client_secret is required")
case(SITES, "client-secret-list", oauth(client_secret=["first-half-of-it", "second-half-of-it"]), "sites[0]",
     "client_secret must be a string, not a list")
case(SITES, "client-secret-dict", oauth(client_secret={"secret": "not-a-string-secret"}), "sites[0]",
     "client_secret must be a string, not a dict")
case(SITES, "api-token-empty", basic(api_token=""), "sites[0]", "api_token is required")
case(SITES, "api-token-missing", basic(api_token=DROP), "sites[0]", "api_token is required")
case(SITES, "username-not-email", basic(username="bot"), "sites[0]", "username 'bot'", "e-mail")
case(SITES, "username-list", basic(username=["bot@x.example"]), "sites[0]", "username must be a string")
case(SITES, "scope-typo", oauth(scopes=["read:jira-wrok", "offline_access"]), "sites[0]", "read:jira-wrok",
     "Fix the spelling")
case(SITES, "scope-with-space", oauth(scopes=["read:jira-work write:jira-work"]), "sites[0]", "scopes[0]",
     "one scope name")
case(SITES, "scope-groups-typo", oauth(scope_groups={"Classic": "read:jira-wrok"}), "sites[0]", "read:jira-wrok",
     "Fix the spelling")
case(SITES, "scope-groups-empty-group", oauth(scope_groups={"Classic": []}), "sites[0]", "scope_groups.Classic",
     "non-empty list")
case(SITES, "site-grant-type-unknown", oauth(grant_type="password"), "sites[0]", "grant_type",
     "authorization_code or client_credentials")
case(SITES, "basic-site-with-client-id", basic(client_id="x"), "sites[0]", "client_id", "option basic")
case(SITES, "oauth-site-with-api-token", oauth(api_token="x"), "sites[0]", "api_token", "option oauth")
case(SITES, "unknown-site-key", oauth(client_secrett="x"), "sites.client_secrett", "Supported parameters include")
case(SITES, "alias-choice-unknown", oauth(alias="main"), "sites[0]", "alias", "shipped or child")
case(SITES, "duplicate-site-names",
     lambda ctx: spoke(ctx, sites=[oauth_site(ctx),
                                   oauth_site(ctx, url="https://other-%s.atlassian.net" % ctx.instance.name)]),
     "sites[0]", "sites[1]", "same name 'acme'", "each site needs its own")
case(SITES, "duplicate-site-urls",
     lambda ctx: spoke(ctx, sites=[oauth_site(ctx), oauth_site(ctx, name="beta")]),
     "sites[0]", "sites[1]", "same url", "each site needs its own")

# -- the engine: its own options -------------------------------------------------------------------------------
ENGINE_OPTIONS = "engine-options"
case(ENGINE_OPTIONS, "option-unknown", lambda ctx: dict((k, dict(v, option="oauth2")) for k, v in spoke(ctx).items()),
     "option", "basic, oauth", "oauth2")
case(ENGINE_OPTIONS, "state-unknown", lambda ctx: spoke(ctx, state="enabled"), "state", "present, absent")
case(ENGINE_OPTIONS, "grant-type-unknown", lambda ctx: spoke(ctx, grant_type="implicit"), "grant_type",
     "authorization_code, client_credentials")
case(ENGINE_OPTIONS, "required-scopes-unknown-preset", lambda ctx: spoke(ctx, required_scopes="documentd"),
     "required_scopes", "documentd", "documented")
case(ENGINE_OPTIONS, "required-scopes-typo", lambda ctx: spoke(ctx, required_scopes=["read:jira-wrok"]),
     "required_scopes", "read:jira-wrok")
case(ENGINE_OPTIONS, "sites-empty", lambda ctx: spoke(ctx, sites=[]), "sites", "at least one Jira site")
case(ENGINE_OPTIONS, "sites-not-dicts", lambda ctx: spoke(ctx, sites=["https://acme.atlassian.net"]), "sites",
     "dict")
case(ENGINE_OPTIONS, "wait-for-consent-not-int", lambda ctx: spoke(ctx, wait_for_consent="soon"), "wait_for_consent",
     "int")
case(ENGINE_OPTIONS, "wait-for-consent-negative", lambda ctx: spoke(ctx, wait_for_consent=-1), "wait_for_consent",
     "0 (report the browser step)")
case(ENGINE_OPTIONS, "wait-interval-zero", lambda ctx: spoke(ctx, wait_interval=0), "wait_interval", "positive")
case(ENGINE_OPTIONS, "deactivate-others-not-bool", lambda ctx: spoke(ctx, deactivate_others="maybe"),
     "deactivate_others", "bool")
case(ENGINE_OPTIONS, "name-prefix-blank", lambda ctx: spoke(ctx, name_prefix=" "), "name_prefix", "a word")
case(ENGINE_OPTIONS, "update-secret-unknown", lambda ctx: spoke(ctx, update_secret="never"), "update_secret",
     "always, on_create")
case(ENGINE_OPTIONS, "jira-timeout-not-float", lambda ctx: spoke(ctx, timeout="slow"), "timeout", "float")
case(ENGINE_OPTIONS, "jira-timeout-zero", lambda ctx: spoke(ctx, timeout=0), "timeout", "positive number")
case(ENGINE_OPTIONS, "jira-retries-negative", lambda ctx: spoke(ctx, retries=-2), "retries", "0 or more")
case(ENGINE_OPTIONS, "jira-ca-path-missing", lambda ctx: spoke(ctx, ca_path="/nonexistent/atlassian-ca.pem"),
     "ca_path '/nonexistent/atlassian-ca.pem'", "not a readable file", "PEM file")
case(ENGINE_OPTIONS, "jira-ca-path-directory", lambda ctx: spoke(ctx, ca_path=ctx.workdir), "ca_path",
     "not a readable file")
case(ENGINE_OPTIONS, "jira-proxy-not-url", lambda ctx: spoke(ctx, proxy="proxy.example.com:3128"), "proxy",
     "http://proxy.example.com:3128")
case(ENGINE_OPTIONS, "jira-validate-certs-not-bool", lambda ctx: spoke(ctx, validate_certs="perhaps"),
     "validate_certs", "bool")
case(ENGINE_OPTIONS, "atlassian-api-url-no-scheme", lambda ctx: spoke(ctx, atlassian_api_url="api.atlassian.com"),
     "atlassian_api_url", "https://api.atlassian.com")

# -- the instance option -----------------------------------------------------------------------------------------
INSTANCE = "instance"
case(INSTANCE, "host-missing", with_instance(host=DROP), "instance.host is required", "SN_HOST")
case(INSTANCE, "host-empty", with_instance(host=""), "instance.host is required")
case(INSTANCE, "host-http", lambda ctx: spoke(ctx, instance=instance_options(
    ctx, host=ctx.instance.url.replace("https://", "http://"))), "instance.host", "http://", "allow_http")
case(INSTANCE, "host-ftp", with_instance(host="ftp://dev1.service-now.com"), "instance.host", "https://")
case(INSTANCE, "host-with-path", lambda ctx: spoke(ctx, instance=instance_options(ctx, host=ctx.instance.url + "/now")),
     "instance.host", "without a path")
case(INSTANCE, "host-bad-port", with_instance(host="https://dev1.service-now.com:99999"), "instance.host",
     "invalid port")
case(INSTANCE, "host-dict", with_instance(host={"name": "dev1"}), "instance.host", "must be a string")
case(INSTANCE, "instance-not-dict", lambda ctx: spoke(ctx, instance="dev1"), "instance", "dict")
case(INSTANCE, "timeout-not-float", with_instance(timeout="slow"), "timeout", "instance", "float")
case(INSTANCE, "timeout-negative", with_instance(timeout=-1), "instance.timeout", "positive number")
case(INSTANCE, "retries-not-int", with_instance(retries="many"), "retries", "instance", "int")
case(INSTANCE, "retries-negative", with_instance(retries=-1), "instance.retries", "0 or more")
case(INSTANCE, "retry-backoff-negative", with_instance(retry_backoff=-1), "instance.retry_backoff", "0 or more")
case(INSTANCE, "ca-path-missing", with_instance(ca_path="/nonexistent/sn-ca.pem"),
     "instance.ca_path '/nonexistent/sn-ca.pem'", "not a readable file", "PEM file")
case(INSTANCE, "ca-path-directory", lambda ctx: spoke(ctx, instance=instance_options(ctx, ca_path=ctx.workdir)),
     "instance.ca_path", "not a readable file")
case(INSTANCE, "username-without-password", with_instance(password=DROP), "instance.password",
     "instance.username")
case(INSTANCE, "password-without-username", with_instance(username=DROP), "instance.username",
     "instance.password")
case(INSTANCE, "access-token-and-username", with_instance(access_token="abc"), "instance.access_token",
     "used alone")
case(INSTANCE, "validate-certs-not-bool", with_instance(validate_certs="perhaps"), "validate_certs", "bool")
case(INSTANCE, "proxy-not-url", with_instance(proxy="proxy.example.com:3128"), "instance.proxy",
     "http://proxy.example.com:3128")
case(INSTANCE, "grant-type-unknown", with_instance(grant_type="implicit"), "grant_type", "instance",
     "password, client_credentials, refresh_token")

# -- the standalone modules --------------------------------------------------------------------------------------
MODULES = "modules"
case(MODULES, "registry-client-id-empty", registry(client_id=""), "client_id", "must not be empty")
case(MODULES, "registry-client-id-dict", registry(client_id={"id": "x"}), "client_id", "must be a string, not a dict")
case(MODULES, "registry-client-id-missing", registry(client_id=DROP), "client_id", "state is present")
case(MODULES, "registry-client-secret-empty", registry(client_secret=""), "client_secret", "must not be empty")
case(MODULES, "registry-client-secret-list", registry(client_secret=["first-half-of-it", "second-half-of-it"]), "client_secret",
     "must be a string, not a list")
case(MODULES, "registry-scope-typo", registry(scopes=["read:jira-wrok"]), "read:jira-wrok", "Fix the spelling")
case(MODULES, "registry-scope-empty", registry(scopes=["read:jira-work", ""]), "scopes[1]", "empty scope")
case(MODULES, "registry-token-url-http", registry(token_url="http://auth.atlassian.com/oauth/token"), "token_url",
     "https://")
case(MODULES, "registry-name-empty", registry(name=""), "name", "must not be empty")
case(MODULES, "credential-basic-without-username",
     module("servicenow_credential", name="Jira acme basic credential", type="basic_auth_credentials",
            password=lambda ctx: ctx.token), "username", "basic_auth_credentials")
case(MODULES, "credential-username-dict",
     module("servicenow_credential", name="Jira acme basic credential", type="basic_auth_credentials",
            username={"email": "bot@example.com"}, password=lambda ctx: ctx.token), "username", "must be a string")
case(MODULES, "credential-password-empty",
     module("servicenow_credential", name="Jira acme basic credential", type="basic_auth_credentials",
            username=lambda ctx: ctx.email, password=""), "password", "must not be empty")
case(MODULES, "credential-oauth-without-registry",
     module("servicenow_credential", name="Jira acme OAuth credential", type="oauth_2_0_credentials"),
     "oauth_profile or oauth_registry")
case(MODULES, "credential-type-unknown",
     module("servicenow_credential", name="Jira acme credential", type="jwt_credentials"), "type",
     "basic_auth_credentials")
case(MODULES, "credential-name-blank",
     module("servicenow_credential", name="  ", type="basic_auth_credentials", username=lambda ctx: ctx.email,
            password=lambda ctx: ctx.token), "name", "must not be empty")
case(MODULES, "http-connection-url-http",
     module("servicenow_http_connection", name="Jira acme connection", credential="Jira acme basic credential",
            connection_url="http://acme.atlassian.net"), "connection_url", "https://")
case(MODULES, "http-connection-url-not-atlassian",
     module("servicenow_http_connection", name="Jira acme connection", credential="Jira acme basic credential",
            connection_url="https://jira.example.com"), "connection_url", "atlassian")
case(MODULES, "http-connection-without-credential",
     module("servicenow_http_connection", name="Jira acme connection", connection_url=lambda ctx: ctx.site.url),
     "credential", "state is present")
case(MODULES, "http-connection-attributes-not-dict",
     module("servicenow_http_connection", name="Jira acme connection", credential="Jira acme basic credential",
            connection_url=lambda ctx: ctx.site.url, attributes="server_type"), "attributes", "dict")
case(MODULES, "connection-alias-name-empty", module("servicenow_connection_alias", name=""), "name",
     "must not be empty")
case(MODULES, "connection-alias-name-list", module("servicenow_connection_alias", name=["Jira_acme"]), "name",
     "must be a string")
case(MODULES, "scope-check-url-http", scope_check(jira_url="http://acme.atlassian.net"), "jira_url", "https://")
case(MODULES, "scope-check-username-without-token", scope_check(api_token=DROP), "api_token is missing",
     "JIRA_API_TOKEN")
case(MODULES, "scope-check-api-token-empty", scope_check(api_token=""), "api_token is missing", "JIRA_API_TOKEN")
case(MODULES, "scope-check-unknown-preset", scope_check(required_scopes="documentd"), "required_scopes",
     "documentd", "documented")
case(MODULES, "scope-check-two-auths", scope_check(access_token="abc"), "one way to authenticate",
     "username + api_token")
case(MODULES, "scope-check-token-kind", scope_check(token_kind="old"), "token_kind", "auto, classic, scoped")
case(MODULES, "scope-check-username-not-email", scope_check(username="bot"), "username 'bot'", "e-mail")


def sn_webhook(**args):
    base = {"name": "Jira acme webhook", "token": "acme-webhook-token-0123456789", "callback_type": "hmac"}
    return module("servicenow_jira_webhook", **merged(base, args))


def jira_webhook(**args):
    base = {"jira_url": lambda ctx: ctx.site.url, "username": lambda ctx: ctx.email,
            "api_token": lambda ctx: ctx.token, "name": "ServiceNow acme",
            "url": "https://acme.service-now.com/api/sn_jira_spoke/jira_webhook_callbacks/wh_entry"}
    return module("jira_webhook", **merged(base, args))


case(MODULES, "sn-webhook-token-empty", sn_webhook(token=""), "token")
case(MODULES, "sn-webhook-token-dict", sn_webhook(token={"t": "x"}), "token", "must be a string")
case(MODULES, "sn-webhook-callback-type-unknown", sn_webhook(callback_type="signed"), "callback_type", "hmac")
case(MODULES, "sn-webhook-name-empty", sn_webhook(name=""), "name", "must not be empty")
case(MODULES, "jira-webhook-url-http", jira_webhook(url="http://acme.service-now.com/hook"), "url", "https://")
case(MODULES, "jira-webhook-events-empty", jira_webhook(events=[]), "events", "at least one")
case(MODULES, "jira-webhook-name-missing", jira_webhook(name=DROP), "name is required", "admin webhook")
case(MODULES, "jira-webhook-dynamic-secret", jira_webhook(kind="dynamic", username=DROP, api_token=DROP,
                                                          access_token="abc", secret="acme-hmac-secret-42", jql="project = ACME"),
     "cannot carry a secret")

# -- the roles' variables -----------------------------------------------------------------------------------------
ROLES = "roles"
case(ROLES, "basic-sites-missing", role_vars("basic_setup", basic_setup_sites=DROP), "basic_setup_sites")
case(ROLES, "basic-site-without-api-token", role_vars("basic_setup", site={"api_token": DROP}), "api_token",
     "basic_setup_sites")
case(ROLES, "basic-site-api-token-empty", role_vars("basic_setup", site={"api_token": ""}), "sites[0]",
     "api_token is required")
case(ROLES, "basic-site-url-not-atlassian", role_vars("basic_setup", site={"url": "https://jira.example.com"}),
     "sites[0].url", "https://<site>.atlassian.net")
case(ROLES, "basic-state-unknown", role_vars("basic_setup", basic_setup_state="gone"), "basic_setup_state",
     "present, absent")
case(ROLES, "basic-check-token-not-bool", role_vars("basic_setup", basic_setup_check_token="perhaps"),
     "basic_setup_check_token", "bool")
case(ROLES, "oauth-sites-not-list", role_vars("oauth_setup", oauth_setup_sites={"url": "https://acme.atlassian.net"}),
     "oauth_setup_sites", "list")
case(ROLES, "oauth-site-client-id-empty", role_vars("oauth_setup", site={"client_id": ""}), "sites[0]",
     "client_id is required")
case(ROLES, "oauth-site-client-id-dict", role_vars("oauth_setup", site={"client_id": {"id": "x"}}), "client_id",
     "must be a string")
case(ROLES, "oauth-site-cloud-id-not-uuid", role_vars("oauth_setup", site={"cloud_id": "12345"}), "cloud_id", "UUID")
case(ROLES, "oauth-site-scope-typo", role_vars("oauth_setup", site={"scopes": ["read:jira-wrok"]}), "read:jira-wrok",
     "Fix the spelling")
case(ROLES, "oauth-grant-type-unknown", role_vars("oauth_setup", oauth_setup_grant_type="implicit"),
     "oauth_setup_grant_type", "authorization_code, client_credentials")
case(ROLES, "oauth-required-scopes-unknown", role_vars("oauth_setup", oauth_setup_required_scopes="documentd"),
     "required_scopes", "documentd")
case(ROLES, "oauth-wait-for-consent-not-int", role_vars("oauth_setup", oauth_setup_wait_for_consent="later"),
     "oauth_setup_wait_for_consent", "int")

# -- playbooks/site.yml ------------------------------------------------------------------------------------------
PLAYBOOK = "site.yml"
case(PLAYBOOK, "option-oauth2", site_vars(snowspoke_option="oauth2"), "snowspoke_option", "oauth2",
     "basic (Option 1")
case(PLAYBOOK, "option-3", site_vars(snowspoke_option=3), "snowspoke_option", "3", "basic (Option 1")
case(PLAYBOOK, "option-empty", site_vars(snowspoke_option=""), "snowspoke_option", "basic (Option 1")
case(PLAYBOOK, "option-missing", site_vars(snowspoke_option=DROP), "snowspoke_option", "basic (Option 1")
case(PLAYBOOK, "sites-missing", site_vars(snowspoke_jira_sites=DROP), "snowspoke_jira_sites")
case(PLAYBOOK, "sites-not-list", site_vars(snowspoke_jira_sites="https://acme.atlassian.net"),
     "snowspoke_jira_sites", "dict")
case(PLAYBOOK, "state-unknown", site_vars(snowspoke_state="removed"), "snowspoke_state", "present, absent")
case(PLAYBOOK, "grant-type-unknown", site_vars(snowspoke_grant_type="implicit"), "snowspoke_grant_type",
     "authorization_code, client_credentials")
case(PLAYBOOK, "jira-connection-not-dict", site_vars(snowspoke_jira_connection="proxy"), "snowspoke_jira_connection",
     "dict")


class Batch:
    """One ansible-playbook run of every case of a batch, and per case: its results and its requests."""

    def __init__(self, ansible, emulator, batch, cases=None, **options):
        self.cases = cases or [c for c in CASES if c.batch == batch]
        self.options = options  # of the ansible-playbook run
        self.workdir = tempfile.mkdtemp(prefix="snowspoke-bad-input-")
        self.contexts = {}
        fleet = emulator.servicenow
        for number, one in enumerate(self.cases):
            instance = fleet.add_instance("bad%s%d" % (batch.replace("-", "").replace(".", "")[:8], number))
            self.contexts[one.id] = Context(emulator, instance, self.workdir)
        self.emulator = emulator
        self.entries = {}
        self.windows = {}
        try:
            self.run = self._site(ansible) if batch == PLAYBOOK else self._tasks(ansible, batch == ROLES)
        finally:
            for ctx in self.contexts.values():
                fleet.remove_instance(ctx.instance.name)

    def _tasks(self, ansible, roles):
        tasks = []
        for one in self.cases:
            ctx = self.contexts[one.id]
            tasks.append({"name": "case " + one.id, "ansible.builtin.debug": {"msg": one.id}})
            if roles:
                role, variables = one.build(ctx)
                tasks.append({"name": one.id, "module_defaults": {
                    "group/snowspoke.jira.servicenow": {"instance": instance_options(ctx)}},
                    "block": [{"name": "%s: the role" % one.id, "ansible.builtin.include_role": {
                        "name": "snowspoke.jira." + role}, "vars": variables}],
                    "rescue": [{"name": "%s: refused" % one.id, "ansible.builtin.debug": {"msg": "refused"}}]})
            else:
                tasks.append(dict(one.build(ctx), name=one.id, ignore_errors=True))
        tasks.append({"name": "case (end)", "ansible.builtin.debug": {"msg": "end"}})
        started = _now()
        run = ansible([{"hosts": "localhost", "gather_facts": False, "tasks": tasks}], **self.options)
        marks = [(index, entry) for index, entry in enumerate(run.results) if entry["task"].startswith("case ")]
        for (start, mark), (end, next_mark) in zip(marks, marks[1:]):
            case_id = mark["task"][len("case "):]
            self.entries[case_id] = run.results[start + 1:end]
            self.windows[case_id] = (mark["time"], next_mark["time"])
        self.span = (started, _now())
        return run

    def _site(self, ansible):
        hosts = {}
        for one in self.cases:
            ctx = self.contexts[one.id]
            hosts[ctx.instance.name] = one.build(ctx)
        inventory = yaml.safe_dump({"all": {"children": {"servicenow": {"hosts": hosts}}}})
        started = _now()
        run = ansible(SITE, inventory=inventory)
        self.span = (started, _now())
        for one in self.cases:
            name = self.contexts[one.id].instance.name
            self.entries[one.id] = [entry for entry in run.results if entry["host"] == name]
            self.windows[one.id] = self.span
        return run

    def requests(self, one):
        """The requests (Batch API items included) of this case: in its window, and for site.yml (hosts run side by
        side) to its instance or Jira site, or to Atlassian's shared hosts."""
        start, end = self.windows[one.id]
        labels = self.contexts[one.id].labels
        shared = ("api", "auth", None)
        return [entry for entry in self.emulator.log.entries(items=True)
                if start <= entry.time <= end and (self.cases[0].batch != PLAYBOOK or entry.label in labels
                                                   or entry.label in shared)]


def _now():
    import time  # pylint: disable=import-outside-toplevel
    return time.time()


BATCHES = {}


@pytest.fixture(scope="module", autouse=True)
def remove_workdirs():
    """Each batch's files (its playbook and inventory) go when the module's tests are done."""
    yield
    for batch in BATCHES.values():
        shutil.rmtree(batch.workdir, ignore_errors=True)
    BATCHES.clear()


@pytest.fixture
def batch_of(ansible, emulator):
    def get(batch):
        if batch not in BATCHES:
            BATCHES[batch] = Batch(ansible, emulator, batch)
        return BATCHES[batch]
    return get


@pytest.mark.parametrize("one", [pytest.param(c, id="%s-%s" % (c.batch, c.id), marks=pytest.mark.xdist_group(c.batch))
                                 for c in CASES])
def test_bad_input(batch_of, one):
    check(batch_of(one.batch), one)


# Refused before AnsibleModule's validation (common/runner.py): the module path must refuse them the same way.
MODULE_PATH = ("instance:host-dict", "instance:instance-not-dict", "engine-options:sites-not-dicts",
               "modules:registry-client-id-dict", "modules:registry-name-empty")


def test_module_path_refuses_the_same(ansible, emulator):
    cases = [c for c in CASES if "%s:%s" % (c.batch, c.id) in MODULE_PATH]
    assert len(cases) == len(MODULE_PATH)
    batch = Batch(ansible, emulator, "module-path", cases=cases, env={"SNOWSPOKE_RUN_AS_MODULE": "1"}, verbosity=3)
    assert batch.run.output.count("runs as a module: SNOWSPOKE_RUN_AS_MODULE=1") == len(cases), batch.run.output
    try:
        for one in cases:
            check(batch, one)
    finally:
        shutil.rmtree(batch.workdir, ignore_errors=True)


def check(batch, one):
    """The assertions of one case: refused, named, no traceback, no request."""
    entries = batch.entries.get(one.id)
    assert entries, "case %s did not run:\n%s\n%s" % (one.id, batch.run.stdout[-3000:], batch.run.stderr[-3000:])
    failed = [entry for entry in entries if entry["status"] in ("failed", "ignored")]
    shown = json.dumps(entries, indent=1, default=str)[:4000]
    assert failed, "case %s was accepted: %s" % (one.id, shown)
    message = failed[0]["result"].get("msg") or ""
    missing = [text for text in one.expect if text not in message]
    assert not missing, "case %s: the message lacks %s: %r" % (one.id, missing, message)
    assert "Traceback" not in json.dumps(entries, default=str) and "Traceback" not in batch.run.output, shown
    assert "module_stderr" not in failed[0]["result"], shown
    requests = batch.requests(one)
    writes = [entry for entry in requests if entry.write]
    assert not writes, "case %s wrote: %s" % (one.id, [(w.method, w.host, w.path) for w in writes])
    assert not requests, "case %s made requests before refusing: %s" % (
        one.id, [(r.method, r.host, r.path) for r in requests])


def test_matrix_size():
    """The issue asks for at least 60 bad inputs."""
    assert len(CASES) >= 60 and len(set((c.batch, c.id) for c in CASES)) == len(CASES)
