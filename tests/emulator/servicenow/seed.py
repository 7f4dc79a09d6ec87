"""What a new instance holds: users and roles, the Global scope, the Jira spoke as a store application with
its shipped alias, template and attribute definitions, the IntegrationHub plugins, and an inbound OAuth
client. Records the platform ships keep the same sys_id on every instance, as on real instances."""

import json
import secrets as random_secrets

from . import schema
from .schema import glide_time, new_sys_id

SPOKE_SCOPE = "sn_jira_spoke"
SPOKE_APP_ID = schema.virtual_sys_id("sys_store_app", SPOKE_SCOPE)
JIRA_ALIAS_ID = schema.virtual_sys_id("sys_alias", "sn_jira_spoke.Jira")
JIRA_TEMPLATE_ID = schema.virtual_sys_id("sys_alias_templates", "sn_jira_spoke.Jira")
ADMIN_USER_ID = "6816f79cc0a8016401c5a33be04be441"  # the sys_id of "admin" on every real instance
ADMIN_ROLE_ID = "2831a114c611228501d4ea6c309d626d"

# The IntegrationHub plugins the spoke depends on, and one unrelated plugin.
PLUGINS = (
    ("com.glide.hub.action_type.datastream", "IntegrationHub Action Type - Data Stream"),
    ("com.glide.cobject", "Complex Object Type"),
    ("com.glide.hub.action_step.get_connection_info", "IntegrationHub Action Step - Get Connection Info"),
    ("com.glide.hub.integration.runtime", "IntegrationHub Runtime"),
    ("com.glide.hub.action_step.rest", "IntegrationHub Action Step - REST"),
    ("com.glide.hub.dynamic_inputs", "IntegrationHub Dynamic Inputs"),
    ("com.glide.external.app", "External App Framework"),
    ("com.snc.incident", "Incident Management"),
)
ROLES = (
    (ADMIN_ROLE_ID, "admin", "System administrator"),
    (None, "itil", "Fulfiller"),
    (None, "oauth_admin", "Manages OAuth application registries"),
    (None, "web_service_admin", "Manages web services"),
)
JIRA_TEMPLATE = {
    "credential": {
        "type": "basic_auth_credentials",
        "name": "Jira Credential",
        "fields": {"user_name": "", "password": ""},
    },
    "connection": {
        "type": "http_connection",
        "name": "Jira",
        "connection_url": "https://<your-site>.atlassian.net",
        "extended_attributes": {"api_version": "2", "server_type": "cloud"},
    },
}
JIRA_ATTRIBUTES = (("api_version", "API Version", "2", "100"), ("server_type", "Server Type", "cloud", "200"))


def new_credentials(options):
    """Generated credentials of a new instance (obviously test-only values)."""
    return {
        "admin_password": options.get("admin_password") or "admin-" + random_secrets.token_urlsafe(9),
        "viewer_password": options.get("viewer_password") or "viewer-" + random_secrets.token_urlsafe(9),
        "api_key": random_secrets.token_hex(16),
        "oauth_client_id": random_secrets.token_hex(16),
        "oauth_client_secret": "secret-" + random_secrets.token_urlsafe(12),
    }


class _Seeder:
    def __init__(self, instance):
        self.instance = instance
        self.stamp = glide_time(instance.now())
        self.records = []
        self.clear = []

    def add(self, table, sys_id=None, app_scope="global", **values):
        columns = self.instance.columns(table)
        record = {name: column.default for name, column in columns.items()}
        record.update(sys_id=sys_id or new_sys_id(), sys_class_name=table, sys_created_on=self.stamp,
                      sys_updated_on=self.stamp, sys_created_by="system", sys_updated_by="system",
                      sys_scope=app_scope)
        for name, value in values.items():
            column = columns[name]
            if column.encrypted:
                record[name] = self.instance.seal(value) if value else ""
                if column.kind == "password2" and value:
                    self.clear.append((record["sys_id"], name, value))
            else:
                record[name] = value
        self.records.append(record)
        return record["sys_id"]


def seed(instance):
    """Create the records of a new instance (inside the caller's transaction)."""
    options = instance.options
    seeder = _Seeder(instance)
    role_ids = {}
    for sys_id, name, description in ROLES:
        role_ids[name] = seeder.add("sys_user_role", sys_id=sys_id, name=name, description=description,
                                    elevated_privilege="false")
    admin = seeder.add("sys_user", sys_id=ADMIN_USER_ID, user_name=instance.admin_user, first_name="System",
                       last_name="Administrator", name="System Administrator", email="admin@example.com",
                       user_password=instance.admin_password)
    viewer = seeder.add("sys_user", user_name=instance.viewer_user, first_name="Vera", last_name="Viewer",
                        name="Vera Viewer", email="viewer@example.com", user_password=instance.viewer_password)
    seeder.add("sys_user_has_role", user=admin, role=role_ids["admin"], state="active")
    seeder.add("sys_user_has_role", user=viewer, role=role_ids["itil"], state="active")
    seeder.add("sys_scope", sys_id="global", name="Global", scope="global", version="", active="true",
               vendor="ServiceNow")
    for index, (plugin_id, plugin_name) in enumerate(PLUGINS):
        seeder.add("v_plugin", sys_id=schema.virtual_sys_id("v_plugin", plugin_id), id=plugin_id, name=plugin_name,
                   active=_plugin_state(options, index, plugin_id), version="1.0.0")
    if options.get("spoke_installed", True):
        _seed_spoke(seeder, options)
    seeder.add("oauth_entity", name="snowspoke inbound client", type="client", client_id=instance.oauth_client_id,
               client_secret=instance.oauth_client_secret, default_grant_type="password",
               redirect_url="", access_token_lifespan="1800")
    instance.store.insert(instance.name, seeder.records)
    for sys_id, name, value in seeder.clear:
        instance.store.set_clear(instance.name, sys_id, name, value)


def _seed_spoke(seeder, options):
    version = options.get("spoke_version", "6.0.1")
    seeder.add("sys_store_app", sys_id=SPOKE_APP_ID, app_scope=SPOKE_APP_ID, name="Jira Spoke",
               scope=SPOKE_SCOPE, version=version, latest_version=version, vendor="ServiceNow",
               active="true" if options.get("spoke_active", True) else "false",
               short_description="Automate Jira Cloud and Jira Server actions from Flow Designer",
               dependencies="com.glide.hub.integration.runtime")
    seeder.add("sys_alias_templates", sys_id=JIRA_TEMPLATE_ID, app_scope=SPOKE_APP_ID, name="Jira",
               default_data_template=json.dumps(JIRA_TEMPLATE))
    seeder.add("sys_alias", sys_id=JIRA_ALIAS_ID, app_scope=SPOKE_APP_ID, name="Jira", id="sn_jira_spoke.Jira",
               type="connection", connection_type="http_connection", multiple_connections="false",
               configuration_template=JIRA_TEMPLATE_ID)
    for element, label, default, order in JIRA_ATTRIBUTES:
        seeder.add("var_dictionary", sys_id=_attribute_id(element), app_scope=SPOKE_APP_ID, name="sys_alias",
                   element=element, label=label, internal_type="string", default_value=default, mandatory="false",
                   active="true", order=order, **_attribute_link(seeder.instance))


def _attribute_id(element):
    return schema.virtual_sys_id("var_dictionary", JIRA_ALIAS_ID, element)


def attribute_model(instance):
    """(column linking attribute definitions to their alias, ``document`` of their values) under the
    instance's attribute_model (unconfirmed, evidence section 2)."""
    if instance.option("attribute_model") == "var_model":
        return "model", "http_connection"
    return "model_id", "sys_connection"


def _attribute_link(instance):
    link, _document = attribute_model(instance)
    return {"model_id": JIRA_ALIAS_ID, "model_table": "sys_alias"} if link == "model_id" else {"model": JIRA_ALIAS_ID}


def _plugin_state(options, index, plugin_id):
    active = options.get("plugins_active", True) and plugin_id not in (options.get("inactive_plugins") or ())
    # Real instances report either spelling: vary it so clients cope with both.
    if index % 2:
        return "true" if active else "false"
    return "active" if active else "inactive"


def apply_options(instance):
    """Bring the store app, plugin rows and the shipped attribute definitions in line with the instance's
    current options."""
    options = instance.options
    app = instance.fetch("sys_store_app", SPOKE_APP_ID)
    if app is not None:
        version = options.get("spoke_version", "6.0.1")
        app.update(active="true" if options.get("spoke_active", True) else "false", version=version,
                   latest_version=version)
        instance.store.update(instance.name, app)
    for index, (plugin_id, _name) in enumerate(PLUGINS):
        plugin = instance.fetch("v_plugin", schema.virtual_sys_id("v_plugin", plugin_id))
        if plugin is not None:
            plugin["active"] = _plugin_state(options, index, plugin_id)
            instance.store.update(instance.name, plugin)
    for element, *_rest in JIRA_ATTRIBUTES:
        definition = instance.fetch("var_dictionary", _attribute_id(element))
        if definition is not None:
            definition.update({"model": "", "model_id": "", "model_table": "", **_attribute_link(instance)})
            instance.store.update(instance.name, definition)
