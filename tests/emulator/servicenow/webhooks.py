"""The Jira spoke's inbound webhooks on an emulated instance: the registry table as this instance has it, the callback
URL its form shows, and the callback endpoint (the spoke's Scripted REST API) that accepts or refuses a Jira event.

What ServiceNow documents (setup-jira302-webhooks.md, Australia): a token in ``token_verification``; a "Jira Webhook
Registries" record (Name, Description, Token, Path, default ``api/sn_jira_spoke/jira_webhook_callbacks/wh_entry``)
whose Callback URL Type is "Token-based Callback URL" ("uses a static token in the URL") or "HMAC-based Callback URL"
(for which the token goes into the Jira webhook's Secret field); the form then shows that callback URL. What Jira
sends (Atlassian, admin webhooks with a secret): ``X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>``.

Everything else is a switch of the instance (instance.SWITCHES ``webhook_*``), because no public source settles it:
the table's name, its columns' names, whether a type can be chosen at all, whether the form's URL is a column (and
whether it follows a new token or is formed when the registry is saved), and the name of the URL parameter that
carries the token.
"""

import hashlib
import hmac
import json

from ..http import json_response
from . import schema

# Columns of each field set (SWITCHES webhook_registry_fields): the documented labels, two plausible sets of names.
FIELD_SETS = {
    "plain": {"name": "name", "description": "description", "token": "token", "path": "path",
              "type": "callback_type", "choices": {"token": "token_based", "hmac": "hmac_based"},
              "urls": {"token": "token_callback_url", "hmac": "hmac_callback_url"}},
    "prefixed": {"name": "webhook_name", "description": "webhook_description", "token": "token_verification",
                 "path": "webhook_path", "type": "callback_url_type", "choices": {"token": "token", "hmac": "hmac"},
                 "urls": {"token": "callback_url", "hmac": "callback_url"}},
}
SIGNATURE_HEADER = "X-Hub-Signature"


def registry_table(instance):
    """The name of this instance's registry table, or None (no such table: SWITCHES webhook_registry_table)."""
    if not instance.options.get("spoke_installed", True):
        return None
    chosen = instance.option("webhook_registry_table")
    return None if chosen == "absent" else chosen


LOOKALIKE_TABLE = "u_jira_webhook_registry"


def absent_tables(instance):
    """The candidate registry tables this instance does not have (and the look-alike, unless switched on)."""
    chosen = registry_table(instance)
    absent = set(name for name in schema.WEBHOOK_REGISTRY_TABLES if name != chosen)
    if not instance.option("webhook_lookalike_table"):
        absent.add(LOOKALIKE_TABLE)
    return frozenset(absent)


def absent_columns(instance):
    """``table.field`` of the registry columns this instance does not have (the other field set; the type and URL
    columns when switched off)."""
    table = registry_table(instance)
    if table is None:
        return []
    fields = fields_of(instance)
    kept = {fields["name"], fields["description"], fields["token"], fields["path"]}
    if instance.option("webhook_callback_types") == "token_and_hmac":
        kept.add(fields["type"])
    if instance.option("webhook_callback_url") == "shown":
        kept.update(fields["urls"].values())
    own = [column.name for column in schema.table(table).fields]
    return ["%s.%s" % (table, name) for name in own if name not in kept]


def fields_of(instance):
    return FIELD_SETS[instance.option("webhook_registry_fields")]


def callback_type(instance, record):
    """``token`` or ``hmac`` for a registry record (token only where the instance offers no choice)."""
    fields = fields_of(instance)
    if instance.option("webhook_callback_types") != "token_and_hmac":
        return "token"
    value = record.get(fields["type"]) or fields["choices"]["token"]
    return "hmac" if value == fields["choices"]["hmac"] else "token"


def clear_token(instance, record):
    """The clear text of the token the registry points at ("" when none is stored)."""
    token_id = record.get(fields_of(instance)["token"])
    token = instance.fetch("token_verification", token_id) if token_id else None
    if token is None or not token.get("token"):
        return ""
    return instance.store.get_clear(instance.name, token["sys_id"], "token") or ""


def path_of(instance, record):
    return (record.get(fields_of(instance)["path"]) or schema.WEBHOOK_PATH).strip("/")


def shown_url(instance, record):
    """The callback URL the registry's form shows for its type: the token as a URL parameter (token-based), the bare
    path (HMAC-based: the token is Jira's secret)."""
    base = "%s/%s" % (instance.url, path_of(instance, record))
    if callback_type(instance, record) == "hmac":
        return base
    return "%s?%s=%s" % (base, instance.option("webhook_token_parameter"), clear_token(instance, record))


def refresh_urls(instance, record):
    """Set the URL column(s) of a registry record from its type, path and token (when the form shows them)."""
    if instance.option("webhook_callback_url") != "shown":
        return
    fields = fields_of(instance)
    kind = callback_type(instance, record)
    url = shown_url(instance, record)
    if fields["urls"]["token"] == fields["urls"]["hmac"]:
        record[fields["urls"]["token"]] = url
    else:
        record[fields["urls"]["token"]] = url if kind == "token" else ""
        record[fields["urls"]["hmac"]] = url if kind == "hmac" else ""


def token_changed(instance, token_id):
    """A token record changed: the registries pointing at it show a new URL."""
    table = registry_table(instance)
    if table is None or instance.option("webhook_callback_url") != "shown" or \
            instance.option("webhook_callback_url_refresh") == "on_save":
        return
    for record in instance.rows(table):
        if record.get(fields_of(instance)["token"]) == token_id:
            updated = dict(record)
            refresh_urls(instance, updated)
            if updated != record:
                instance.store.update(instance.name, updated)


# -- the callback endpoint --------------------------------------------------------------------------------------
def serves(instance, path):
    """Whether ``path`` is a callback path of this instance: the documented default, or a registry's Path."""
    table = registry_table(instance)
    if table is None:
        return False
    path = path.strip("/")
    return path == schema.WEBHOOK_PATH or any(path_of(instance, record) == path for record in instance.rows(table))


def callback(instance, request):
    """Accept a Jira event for a registry of this path whose token matches (in the URL parameter, token-based) or
    whose token signs the body (``X-Hub-Signature``, HMAC-based); refuse it otherwise. Every attempt is kept in
    ``fleet.webhook_events`` (accepted or not, with the registry that accepted it)."""
    if request.method != "POST":
        return json_response(405, {"error": {"message": "Method not allowed", "detail": "POST a Jira event"},
                                   "status": "failure"})
    table = registry_table(instance)
    path = request.path.strip("/")
    candidates = [record for record in instance.rows(table) if path_of(instance, record) == path]
    fields = fields_of(instance)
    accepted = None
    for record in candidates:
        token = clear_token(instance, record)
        if not token:
            continue
        if callback_type(instance, record) == "token":
            given = request.arg(instance.option("webhook_token_parameter")) or ""
            if hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
                accepted = record
                break
        else:
            expected = "sha256=" + hmac.new(token.encode("utf-8"), request.body, hashlib.sha256).hexdigest()
            given = request.header(SIGNATURE_HEADER) or ""
            if hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
                accepted = record
                break
    try:
        event = json.loads(request.body.decode("utf-8") or "null")
    except (ValueError, UnicodeDecodeError):
        event = None
    entry = {"accepted": accepted is not None, "path": path,
             "registry": accepted.get(fields["name"]) if accepted is not None else None,
             "callback_type": callback_type(instance, accepted) if accepted is not None else None,
             "event": event.get("webhookEvent") if isinstance(event, dict) else None,
             "signed": bool(request.header(SIGNATURE_HEADER)), "body": event}
    instance.fleet.webhook_events.setdefault(instance.name, []).append(entry)
    if accepted is None:
        return json_response(401, {"error": {"message": "Webhook authentication failed",
                                             "detail": "No Jira webhook registry accepts this request's token"},
                                   "status": "failure"})
    return json_response(200, {"result": {"status": "accepted", "registry": entry["registry"]}}, write=True)
