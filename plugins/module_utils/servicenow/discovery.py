# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How this instance behaves where ServiceNow's documentation leaves room (``servicenow_spoke_info`` with
``discover: true``, shown by ``playbooks/discover.yml``): read-only probes, one answer per fact.

Each fact is one the emulator can play either way (tests/emulator/servicenow/profiles.py) and the collection is
built to be safe under every answer; knowing the answer tells an administrator what to expect and what to report.
Values of encrypted fields are never returned: only the shape of what the instance answers for them.
"""

from __future__ import annotations

from ..common.errors import HTTPError, NotFoundError
from . import webhook_schema
from .client import READ_PARAMS, TABLE_PATH
from .query import Query

NO_SUCH_SYS_ID = "0" * 32
_DOCUMENTED_ALIAS_NAME = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"


def _fact(answer, detail):
    return {"answer": answer, "detail": detail}


def _raw(client, path, query, fields, limit):
    params = dict(READ_PARAMS, sysparm_query=query, sysparm_fields=",".join(fields), sysparm_limit=str(limit))
    return client.call("GET", path, params=params, with_headers=True)


def probe(client, alias, facts, spoke_scope="sn_jira_spoke"):
    """The answers, by fact. ``alias``: the shipped alias record (or None); ``facts``: what the pre-flight found."""
    found = {}
    found["invalid_query"] = _invalid_query(client)
    found["v1_empty_answer"] = _v1_empty(client)
    found["row_count"] = _row_count(client)
    found["password2_answer"] = _password2(client)
    found.update(_schema_facts(facts))
    found.update(_records(client, alias))
    found["default_profile_on_insert"] = _fact(
        "unknown", "Not readable: only a registry created over REST shows it. The set-up reads the profile after "
                   "creating a registry and creates it when the instance did not.")
    found["batch_writes"] = _fact(
        "unknown", "Not readable: whether the Batch API keeps the order of writes or a client-chosen sys_id. The "
                   "set-up relies on neither (a batch holds only independent writes) and falls back to one request "
                   "per write when the instance refuses writes in a batch.")
    found.update(_webhook_facts(client, spoke_scope))
    return found


def _webhook_facts(client, spoke_scope):
    """The Jira webhook registry's undocumented facts (webhook_schema.py: table, columns, type, callback URL)."""
    try:
        return webhook_schema.discover(client, spoke_scope)
    except HTTPError as exc:
        return {"webhook_registry_table": _fact("unknown", "The tables could not be read: %s" % exc.message)}


def _invalid_query(client):
    try:
        payload, _headers = _raw(client, TABLE_PATH + "sys_alias", "snowspoke_no_such_field=1", ["sys_id"], 1)
    except HTTPError as exc:
        return _fact("unknown", "A query on a field that does not exist was refused: %s" % exc.message)
    if payload.get("result"):
        return _fact("ignored", "A condition on a field that does not exist is dropped and the rest of the query "
                                "applies (ServiceNow's default): the collection checks every row it reads.")
    return _fact("no_rows", "A query on a field that does not exist answers no rows "
                            "(glide.invalid_query.returns_no_rows is true).")


def _v1_empty(client):
    try:
        _raw(client, "api/now/v1/table/sys_alias", "sys_id=%s" % NO_SUCH_SYS_ID, ["sys_id"], 1)
    except NotFoundError:
        return _fact("404", "/api/now/v1/table answers 404 when nothing matches (the collection reads without v1).")
    return _fact("empty list", "/api/now/v1/table answers 200 and [] when nothing matches.")


def _row_count(client):
    payload, headers = _raw(client, TABLE_PATH + "sys_alias", "ORDERBYsys_id", ["sys_id"], 1000)
    rows = len(payload.get("result") or [])
    total = headers.get("X-Total-Count")
    if total is None:
        return _fact("no count", "No X-Total-Count header: the collection reads until an empty page.")
    if int(total) > rows:
        return _fact("before ACL", "X-Total-Count (%s) counts %d sys_alias rows this user does not see: row ACLs "
                                   "filter a page after it is taken, so pages can be short." % (total, int(total) - rows))
    return _fact("no hidden rows seen", "X-Total-Count equals the rows answered on sys_alias (%d)." % rows)


def _password2(client):
    values = [row.get("password", "") for row in client.list("basic_auth_credentials", None, fields=["password"],
                                                             limit=20)]
    if not values:
        return _fact("unknown", "No basic auth credential to look at.")
    if not any(values):
        return _fact("empty", "Encrypted fields read as \"\": whether a secret is stored cannot be seen (the "
                              "collection reports secret_stored: unknown).")
    if len(set(values)) == 1 and len(values) > 1:
        return _fact("masked", "Every encrypted field reads as the same value: a mask.")
    return _fact("stored form", "Encrypted fields read as their encrypted form (different per record).")


def _schema_facts(facts):
    missing = set((row["table"], row["field"]) for row in (facts.get("schema") or {}).get("missing_optional", []))
    return {
        "http_connection_order": _fact("absent" if ("http_connection", "order") in missing else "present",
                                       "Order field of HTTP connections (only written when the order option asks)."),
    }


def _records(client, alias):
    """Facts read from records: consumer registries, shared profiles, alias names, where attributes are defined."""
    reads = [
        ("oauth_entity", Query().where("type", "IN", ["oauth_provider", "consumer"]), ["name", "type"], None),
        ("oauth_2_0_credentials", None, ["name", "oauth_entity_profile"], None),
        ("sys_alias", None, ["name", "id"], None),
        ("sys_dictionary", {"name": "oauth_entity_profile", "element": "oauth_entity"},
         ["name", "element", "reference_cascade_rule"], 1),
    ]
    if alias:
        reads.append(("var_dictionary", {"model_id": alias["sys_id"]}, ["element", "model_id"], None))
    answers = client.list_many(reads, return_errors=True)
    registries, credentials, aliases, cascade = answers[:4]
    found = {}
    if isinstance(registries, list):
        consumers = [row["name"] for row in registries if row.get("type") == "consumer"]
        found["consumer_registries"] = _fact(
            "found" if consumers else "none",
            "Registries made by a configuration template (type consumer): %s. The collection never rewrites a "
            "registry's type." % (", ".join(consumers) or "none"))
    if isinstance(credentials, list):
        by_profile = {}
        for row in credentials:
            if row.get("oauth_entity_profile"):
                by_profile.setdefault(row["oauth_entity_profile"], []).append(row["name"])
        shared = [names for names in by_profile.values() if len(names) > 1]
        found["shared_profiles"] = _fact(
            "found" if shared else "none",
            "OAuth 2.0 credentials sharing one entity profile (ServiceNow links each to its own): %s." % (
                "; ".join(", ".join(names) for names in shared) or "none"))
    if isinstance(aliases, list):
        odd = sorted(row["name"] for row in aliases if set(row.get("name") or "") - set(_DOCUMENTED_ALIAS_NAME))
        found["alias_names"] = _fact(
            "lenient" if odd else "documented set only",
            "Alias names with characters other than letters, digits and _ (accepted here): %s. Child aliases the "
            "collection makes use the documented set." % (", ".join(odd) or "none"))
    if isinstance(cascade, list):
        # An empty rule is the default, which ServiceNow documents as Clear (t_CascadeDeleteRules.md).
        rule = cascade[0].get("reference_cascade_rule") if cascade and "reference_cascade_rule" in cascade[0] else None
        found["registry_delete"] = _fact(
            "unknown" if rule is None else rule or "clear",
            "The cascade rule of oauth_entity_profile.oauth_entity (what deleting a registry does to its profiles); "
            "teardown removes the profiles first either way.")
    if alias:
        model_id = answers[4]
        found["attribute_model"] = _fact(
            "model_id" if isinstance(model_id, list) and model_id else "model (or none)",
            "Whether the alias's attribute definitions carry var_dictionary.model_id = the alias (the SDK's schema) "
            "beside or instead of model (what the collection uses).")
    return found
