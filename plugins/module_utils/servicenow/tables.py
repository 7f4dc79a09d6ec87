# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every ServiceNow table and field the collection reads or writes, in one place.

Modules take their field lists from here, and ``servicenow_spoke_info`` checks this very list against the
instance's ``sys_dictionary`` before the first write, so a schema difference on a real instance shows up as a
clear list of missing tables and fields rather than a failed write halfway through a set-up.
"""

from __future__ import annotations


class Table:
    """A table: its name, a label for messages, the fields we use and which of them are write-only secrets.

    ``optional``: fields the set-up only reads or reports, or writes only when an option asks for them. The schema
    check stops before any write when another field is missing (the set-up writes it, or finds records by it) and
    only warns for an optional one, whose feature then says it cannot tell.
    """

    def __init__(self, name, label, fields, secrets=(), writes=True, optional=()):
        self.name = name
        self.label = label
        self.fields = tuple(fields)
        self.secrets = tuple(secrets)
        self.writes = writes
        self.optional = tuple(optional)
        unknown = set(self.optional) - set(self.fields)
        if unknown:
            raise ValueError("%s: optional fields %s are not among its fields" % (name, sorted(unknown)))

    @property
    def required(self):
        return tuple(field for field in self.fields if field not in self.optional)

    def read_fields(self, *extra):
        """Fields to ask for when reading (secrets included, never compared; with them ``sys_mod_count``, which
        tells a record whose secret never arrived: see Reconciler.present)."""
        return sorted(set(self.fields) | set(extra) | {"sys_id"} | ({"sys_mod_count"} if self.secrets else set()))


OAUTH_ENTITY = Table("oauth_entity", "application registry", (
    "name", "client_id", "client_secret", "default_grant_type", "type", "auth_url", "token_url",
    "refresh_token_url", "revoke_token_url", "redirect_url", "active", "access_token_lifespan",
    "refresh_token_lifespan", "send_client_credentials_as", "comments",
), secrets=("client_secret",), optional=(
    "redirect_url", "access_token_lifespan", "refresh_token_lifespan", "send_client_credentials_as", "comments"))
OAUTH_ENTITY_SCOPE = Table("oauth_entity_scope", "OAuth entity scope", ("name", "oauth_entity_scope", "oauth_entity"))
OAUTH_ENTITY_PROFILE = Table("oauth_entity_profile", "OAuth entity profile", (
    "name", "oauth_entity", "default", "grant_type"))
OAUTH_ENTITY_PROFILE_SCOPE = Table("oauth_entity_profile_scope", "OAuth entity profile scope", (
    "oauth_entity_profile", "oauth_entity_scope"))
BASIC_AUTH_CREDENTIALS = Table("basic_auth_credentials", "basic auth credential", (
    "name", "user_name", "password", "active", "order"), secrets=("password",), optional=("order",))
API_KEY_CREDENTIALS = Table("api_key_credentials", "API key credential", (
    "name", "api_key", "active", "order"), secrets=("api_key",), optional=("order",))
OAUTH_2_0_CREDENTIALS = Table("oauth_2_0_credentials", "OAuth 2.0 credential", (
    "name", "oauth_entity_profile", "active", "order"), optional=("order",))
SYS_ALIAS = Table("sys_alias", "connection and credential alias", (
    "name", "id", "type", "connection_type", "multiple_connections", "parent", "configuration_template",
    "sys_scope"), optional=("configuration_template", "sys_scope"))
# No public source shows an order column on HTTP(s) connections: it is written only when the order option asks.
HTTP_CONNECTION = Table("http_connection", "HTTP connection", (
    "name", "connection_alias", "credential", "connection_url", "active", "use_mid", "mid_selection", "order"),
    optional=("use_mid", "mid_selection", "order"))
# Connection attributes: definitions on the alias, values per connection. Where they live is unconfirmed on real
# instances (see attributes.py, the only code that depends on it).
VAR_DICTIONARY = Table("var_dictionary", "connection attribute definition", (
    "element", "model", "default_value", "label", "internal_type"), writes=False,
    optional=("default_value", "label", "internal_type"))
SYS_VARIABLE_VALUE = Table("sys_variable_value", "connection attribute value", (
    "document", "document_key", "variable", "value"))
# Read only: tokens the instance holds after "Get OAuth Token" (token health; teardown removes a registry's).
OAUTH_CREDENTIAL = Table("oauth_credential", "OAuth token", (
    "type", "expires", "peer", "oauth_requestor_profile", "sys_created_on", "sys_updated_on"), writes=False,
    optional=("expires",))
OAUTH_REQUESTOR_PROFILE = Table("oauth_requestor_profile", "OAuth requestor profile", (
    "requestor_id", "oauth_entity_profile"), writes=False)

CREDENTIAL_TABLES = {
    "basic_auth_credentials": BASIC_AUTH_CREDENTIALS,
    "api_key_credentials": API_KEY_CREDENTIALS,
    "oauth_2_0_credentials": OAUTH_2_0_CREDENTIALS,
}

ALL = (
    OAUTH_ENTITY, OAUTH_ENTITY_SCOPE, OAUTH_ENTITY_PROFILE, OAUTH_ENTITY_PROFILE_SCOPE, BASIC_AUTH_CREDENTIALS,
    API_KEY_CREDENTIALS, OAUTH_2_0_CREDENTIALS, SYS_ALIAS, HTTP_CONNECTION, VAR_DICTIONARY, SYS_VARIABLE_VALUE,
    OAUTH_CREDENTIAL, OAUTH_REQUESTOR_PROFILE,
)

# Write-only fields per table: masked in every diff and never returned, whichever module touches the table.
SECRET_FIELDS = dict((table.name, table.secrets) for table in ALL if table.secrets)
