"""Named sets of instance switches (instance.SWITCHES), one per plausible reality worth a cell of a test
matrix: ``fleet.add_instance(name, **PROFILES["no_rows"])``. Each names what it stands for and how sure that is.

Row ACLs in ``short_pages`` hide rows whose name starts with ``zz_hidden`` on tables the set-up shares with
others (credentials, connections, aliases, registries, profiles): seed such rows (Python API ``insert``) to see
short pages and counts that disagree with them.
"""

_HIDDEN = "nameSTARTSWITHzz_hidden"

PROFILES = {
    # Every switch at its default: ServiceNow's documented behaviour, today's emulator otherwise [doc].
    "documented": {},
    # glide.invalid_query.returns_no_rows=true: an invalid query answers no rows [doc, a property].
    "no_rows": {"invalid_query": "no_rows"},
    # Read ACLs on shared tables hide other teams' rows after the page is cut, counted after ACLs
    # [doc + KB3047115 for short pages; the count unconfirmed].
    "short_pages": {
        "row_acls": [{"table": table, "query": _HIDDEN} for table in (
            "discovery_credentials", "sys_connection", "sys_alias", "oauth_entity", "oauth_entity_profile")],
        "total_count": "after_acl",
    },
    # Password2 columns answer "" whatever is stored [unconfirmed, evidence 4.2].
    "secrets_empty": {"password2_answer": "empty"},
    # Password2 columns answer one fixed mask whatever is stored [unconfirmed, evidence 4.2].
    "secrets_masked": {"password2_answer": "masked"},
    # A REST insert of a provider registry makes no default profile, and deleting a registry deletes its
    # profiles [unconfirmed, evidence 3.2 and the cascade rule].
    "no_default_profile": {"default_profile_on_insert": False, "registry_delete": "delete"},
    # Neither http_connection.order nor oauth_requestor_profile.requestor_context exists [unconfirmed,
    # evidence 1.11 and 5.3: no public source shows them].
    "no_order_fields": {"http_connection_order": False, "requestor_context_field": False},
    # The platform enforces what the docs say must hold: one credential per profile, alias names of letters,
    # digits and _ [doc wording; enforcement unconfirmed].
    "strict_platform": {"unique_profile_credentials": "enforce", "alias_names": "strict"},
    # Attribute definitions linked by the SDK's model_id/model_table, values on document sys_connection
    # [unconfirmed, evidence section 2].
    "attribute_model_id": {"attribute_model": "model_id"},
    # Batch items served in reverse, client sys_ids replaced, only 3 items a batch [unconfirmed; cuts doc].
    "batch_hostile": {"batch_order": "reverse", "client_sys_id": "ignored", "batch_max_items": 3},
    # An ACL set-up that refuses writes inside a batch; reads still work [plausible, unconfirmed].
    "batch_refused": {"batch_writes": "refused"},
}
