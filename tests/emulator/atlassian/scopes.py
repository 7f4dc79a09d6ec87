"""OAuth 2.0 scopes each emulated operation needs when called through the API gateway.

A caller (OAuth access token or scoped API token) is let through when it holds EVERY scope of AT LEAST ONE of
the operation's alternative sets, as Atlassian documents it ("classic" set or "granular" set).

Sources:
- Jira platform operations: ``x-atlassian-oauth2-scopes`` of the matching operation in Atlassian's Jira platform
  REST v3 OpenAPI spec (December 2025 snapshot): the "Current" entry is the classic set, the "Beta" entry the
  granular set. REST v2 operations are the same operations, so they share the v3 scopes.
- Jira Software operations: ``security.OAuth2`` of the operation in the Jira Software OpenAPI spec (2022).
  Jira Software has granular scopes only. ``getAllBoards`` lists none there; its set comes from Atlassian's
  current operation docs (read:board-scope:jira-software + read:project:jira).
- ``/me``: Atlassian's User Identity API needs ``read:me``.
"""

OFFLINE_ACCESS = "offline_access"

# Scopes that are not Jira product scopes: granted on consent but not listed per site by accessible-resources.
IDENTITY_SCOPES = frozenset(("offline_access", "read:me", "read:account"))

# The classic Jira platform scopes (the developer console's "classic scopes").
CLASSIC_SCOPES = frozenset((
    "read:jira-user", "read:jira-work", "write:jira-work", "manage:jira-project", "manage:jira-configuration",
    "manage:jira-webhook", "manage:jira-data-provider",
))

_SEARCH_GET_GRANULAR = ("read:issue-details:jira", "read:audit-log:jira", "read:avatar:jira",
                        "read:field-configuration:jira", "read:issue-meta:jira")
_SEARCH_POST_GRANULAR = ("read:issue-details:jira", "read:field.default-value:jira", "read:field.option:jira",
                         "read:field:jira", "read:group:jira")

# (method, operation) -> alternative scope sets.
OPERATION_SCOPES = {
    # getCurrentUser
    ("GET", "myself"): (
        ("read:jira-user",),
        ("read:application-role:jira", "read:group:jira", "read:user:jira", "read:avatar:jira"),
    ),
    # getMyPermissions
    ("GET", "mypermissions"): (("read:jira-work",), ("read:permission:jira",)),
    # searchProjects
    ("GET", "project_search"): (
        ("read:jira-work",),
        ("read:issue-type:jira", "read:project:jira", "read:project.property:jira", "read:user:jira",
         "read:application-role:jira", "read:avatar:jira", "read:group:jira", "read:issue-type-hierarchy:jira",
         "read:project-category:jira", "read:project-version:jira", "read:project.component:jira"),
    ),
    # searchAndReconsileIssuesUsingJql / ...Post
    ("GET", "search_jql"): (("read:jira-work",), _SEARCH_GET_GRANULAR),
    ("POST", "search_jql"): (("read:jira-work",), _SEARCH_POST_GRANULAR),
    # searchForIssuesUsingJql / ...Post (removed: answers 410 once the scopes pass)
    ("GET", "search_removed"): (("read:jira-work",), _SEARCH_GET_GRANULAR),
    ("POST", "search_removed"): (("read:jira-work",), _SEARCH_POST_GRANULAR),
    # getAllBoards (software spec lists no scope; see the module docstring)
    ("GET", "boards"): (("read:board-scope:jira-software", "read:project:jira"),),
    # getAllSprints
    ("GET", "sprints"): (("read:sprint:jira-software",),),
    # getDynamicWebhooksForApp, registerDynamicWebhooks, deleteWebhookById, refreshWebhooks
    ("GET", "dynamic_webhooks"): (("read:jira-work", "manage:jira-webhook"), ("read:webhook:jira", "read:jql:jira")),
    ("POST", "dynamic_webhooks"): (("read:jira-work", "manage:jira-webhook"),
                                   ("read:field:jira", "read:project:jira", "write:webhook:jira")),
    ("DELETE", "dynamic_webhooks"): (("read:jira-work", "manage:jira-webhook"), ("delete:webhook:jira",)),
    ("PUT", "dynamic_refresh"): (("read:jira-work", "manage:jira-webhook"), ("write:webhook:jira", "read:webhook:jira")),
    # User Identity API
    ("GET", "me"): (("read:me",),),
}


def required_scopes(method, operation):
    """The alternative scope sets of an operation (empty tuple: unknown operation, nothing passes)."""
    return OPERATION_SCOPES.get((method.upper(), operation), ())


# What a caller without scopes (a classic API token, where the gateway accepts one) holds: everything.
ALL = frozenset(["(every scope)"])


def allows(granted, method, operation):
    """Whether ``granted`` scopes satisfy one of the operation's alternative sets."""
    if granted is ALL:
        return True
    granted = frozenset(granted)
    return any(granted.issuperset(option) for option in required_scopes(method, operation))


def parse_scope_string(value):
    """``"a b  c a"`` -> ``("a", "b", "c")``: split on spaces, keep the first occurrence's order."""
    seen = []
    for name in (value or "").split():
        if name not in seen:
            seen.append(name)
    return tuple(seen)


def product_scopes(scopes):
    """The scopes accessible-resources lists for a site (the Jira ones, not identity/offline scopes)."""
    return [name for name in scopes if name not in IDENTITY_SCOPES]
