"""The emulated Jira REST operations, shared by the site URL and the API gateway.

Callers (``site.py``, ``gateway.py``) authenticate first and hand over a ``JiraCall``: the site, the acting user
(None: anonymous), the base URL the client used (for ``self`` links) and the request. Shapes follow Atlassian's
OpenAPI specs: Jira platform REST v2/v3 and Jira Software (agile) 1.0.
"""

import base64
import re

from ..http import json_response

ANONYMOUS_BODY = {"errorMessages": ["You are not authenticated. Authentication required to perform this operation."],
                  "errors": {}}
REMOVED_SEARCH_MESSAGE = ("The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
                          "A full migration guideline is available at "
                          "https://developer.atlassian.com/changelog/#CHANGE-2046")
AVATAR_CDN = "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net"

# key -> (id, name, type, description, who has it by default: "admin" or "user")
PERMISSIONS = {
    "ADMINISTER": ("0", "Administer Jira", "GLOBAL", "Create and administer projects, issue types, fields, "
                   "workflows, and schemes for all projects.", "admin"),
    "SYSTEM_ADMIN": ("44", "Administer Jira system", "GLOBAL", "Configure Jira system settings.", "admin"),
    "USER_PICKER": ("27", "Browse users and groups", "GLOBAL", "View and select users or groups from the user "
                    "picker, and share issues.", "user"),
    "CREATE_SHARED_OBJECTS": ("22", "Share dashboards and filters", "GLOBAL", "Share dashboards and filters with "
                              "other users.", "user"),
    "MANAGE_GROUP_FILTER_SUBSCRIPTIONS": ("24", "Manage group filter subscriptions", "GLOBAL",
                                          "Create and delete group filter subscriptions.", "user"),
    "BULK_CHANGE": ("33", "Make bulk changes", "GLOBAL", "Modify collections of issues at once.", "user"),
    "ADMINISTER_PROJECTS": ("23", "Administer Projects", "PROJECT", "Ability to administer a project in Jira.",
                            "admin"),
    "BROWSE_PROJECTS": ("10", "Browse Projects", "PROJECT", "Ability to browse projects and the issues within "
                        "them.", "user"),
    "CREATE_ISSUES": ("11", "Create Issues", "PROJECT", "Ability to create issues.", "user"),
    "EDIT_ISSUES": ("12", "Edit Issues", "PROJECT", "Ability to edit issues.", "user"),
    "ASSIGN_ISSUES": ("13", "Assign Issues", "PROJECT", "Ability to assign issues to other people.", "user"),
    "RESOLVE_ISSUES": ("14", "Resolve Issues", "PROJECT", "Ability to resolve and reopen issues.", "user"),
    "ADD_COMMENTS": ("15", "Add Comments", "PROJECT", "Ability to comment on issues.", "user"),
    "DELETE_ISSUES": ("16", "Delete Issues", "PROJECT", "Ability to delete issues.", "admin"),
    "ASSIGNABLE_USER": ("17", "Assignable User", "PROJECT", "Users with this permission may be assigned to "
                        "issues.", "user"),
    "CLOSE_ISSUES": ("18", "Close Issues", "PROJECT", "Ability to close issues.", "user"),
    "CREATE_ATTACHMENTS": ("19", "Create Attachments", "PROJECT", "Users with this permission may create "
                           "attachments.", "user"),
    "LINK_ISSUES": ("21", "Link Issues", "PROJECT", "Ability to link issues together.", "user"),
    "SCHEDULE_ISSUES": ("28", "Schedule Issues", "PROJECT", "Ability to view or edit an issue's due date.", "user"),
    "TRANSITION_ISSUES": ("46", "Transition Issues", "PROJECT", "Ability to transition issues.", "user"),
    "MANAGE_SPRINTS_PERMISSION": ("-1", "Manage sprints", "PROJECT", "Ability to manage sprints.", "admin"),
}

_ROUTES = (
    (re.compile(r"^/rest/api/(?P<version>[23])/myself$"), "myself", ("GET",)),
    (re.compile(r"^/rest/api/(?P<version>[23])/mypermissions$"), "mypermissions", ("GET",)),
    (re.compile(r"^/rest/api/(?P<version>[23])/project/search$"), "project_search", ("GET",)),
    (re.compile(r"^/rest/api/(?P<version>[23])/search/jql$"), "search_jql", ("GET", "POST")),
    (re.compile(r"^/rest/api/(?P<version>[23])/search$"), "search_removed", ("GET", "POST")),
    (re.compile(r"^/rest/api/(?P<version>[23])/webhook$"), "dynamic_webhooks", ("GET", "POST", "DELETE")),
    (re.compile(r"^/rest/api/(?P<version>[23])/webhook/refresh$"), "dynamic_refresh", ("PUT",)),
    (re.compile(r"^/rest/agile/1\.0/board$"), "boards", ("GET",)),
    (re.compile(r"^/rest/agile/1\.0/board/(?P<board_id>[^/]+)/sprint$"), "sprints", ("GET",)),
)

_ORDER_BY = re.compile(r"\border\s+by\b.*$", re.IGNORECASE | re.DOTALL)
_PROJECT_CLAUSE = re.compile(r'\bproject\s*(?:=|\bin\b)\s*(\([^)]*\)|"[^"]*"|\'[^\']*\'|[^\s)]+)', re.IGNORECASE)
_KEY_CLAUSE = re.compile(r'\b(?:key|issuekey)\s*=\s*("[^"]*"|\'[^\']*\'|[^\s)]+)', re.IGNORECASE)
_ISSUE_FIELDS = ("summary", "issuetype", "project", "status", "created")


class BadRequest(Exception):
    """A client error the operation answers with 400 and Jira's ``errorMessages`` body."""


class JiraCall:
    """One authenticated (or anonymous) call of a Jira operation."""

    def __init__(self, cloud, site, user, base_url, request, params=None, app=None):
        self.cloud = cloud
        self.site = site
        self.user = user
        self.app = app  # the OAuth 2.0 app of a bearer token (gateway), else None
        self.base_url = base_url
        self.request = request
        self.params = params or {}

    @property
    def version(self):
        return self.params.get("version", "3")

    def arg(self, name, default=None):
        return self.request.arg(name, default)

    def int_arg(self, name, default, minimum=0):
        raw = self.arg(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError as exc:
            raise BadRequest("The value '%s' is not valid for the parameter '%s'." % (raw, name)) from exc
        return max(value, minimum)

    def list_arg(self, name):
        values = []
        for raw in self.request.query.get(name, []):
            values.extend(part.strip() for part in raw.split(",") if part.strip())
        return values


def error(status, *messages, **kwargs):
    return json_response(status, {"errorMessages": list(messages), "errors": {}}, **kwargs)


def match(method, path):
    """``(operation, params, allowed)``: the operation a path names (None: unknown path) and whether the method
    is one it accepts."""
    path = path.rstrip("/") or "/"
    for pattern, operation, methods in _ROUTES:
        found = pattern.match(path)
        if found:
            return operation, found.groupdict(), method.upper() in methods
    return None, {}, False


def dispatch(call, operation):
    """Answer an operation matched by ``match``; the caller has checked authentication (and gateway scopes)."""
    handler = _HANDLERS[operation]
    try:
        return handler(call)
    except BadRequest as exc:
        return error(400, str(exc))


# -- identity ------------------------------------------------------------------------------------------------
def _avatar_urls(account):
    initials = "".join(part[0] for part in account.display_name.split()[:2]).upper() or "U"
    return {size: "%s/initials/%s-3.png?size=%s&s=%s" % (AVATAR_CDN, initials, size[:2], size[:2])
            for size in ("48x48", "24x24", "16x16", "32x32")}


def user_json(call, user):
    account = user.account
    return {
        "self": "%s/rest/api/%s/user?accountId=%s" % (call.base_url, call.version, account.account_id),
        "accountId": account.account_id,
        "accountType": account.account_type,
        "emailAddress": account.email,
        "avatarUrls": _avatar_urls(account),
        "displayName": account.display_name,
        "active": user.active,
        "timeZone": account.time_zone,
        "locale": account.locale,
        "groups": {"size": 2 if user.admin else 1, "items": []},
        "applicationRoles": {"size": 1, "items": []},
        "expand": "groups,applicationRoles",
    }


def _myself(call):
    if call.user is None:
        return json_response(401, ANONYMOUS_BODY)
    return json_response(200, user_json(call, call.user))


def _has_permission(user, key):
    if user is None or not user.active:
        return False
    if key in user.permission_overrides:
        return bool(user.permission_overrides[key])
    return PERMISSIONS[key][4] == "user" or user.admin


def _mypermissions(call):
    keys = call.list_arg("permissions")
    if not keys:
        raise BadRequest("The 'permissions' query parameter is required. Provide a comma-separated list of "
                         "permission keys.")
    unknown = [key for key in keys if key not in PERMISSIONS]
    if unknown:
        raise BadRequest("Could not find permission(s): %s." % ", ".join(unknown))
    project_key = call.arg("projectKey") or call.arg("projectId")
    if project_key and call.site.project(project_key) is None:
        return error(404, "No project could be found with key '%s'." % project_key)
    result = {}
    for key in keys:
        perm_id, name, perm_type, description, _default = PERMISSIONS[key]
        result[key] = {"id": perm_id, "key": key, "name": name, "type": perm_type, "description": description,
                       "havePermission": _has_permission(call.user, key)}
    return json_response(200, {"permissions": result})


# -- projects ------------------------------------------------------------------------------------------------
def _project_json(call, project):
    avatars = {size: "%s/rest/api/%s/universal_avatar/view/type/project/avatar/10400?size=%s"
               % (call.base_url, call.version, label)
               for size, label in (("48x48", "large"), ("24x24", "small"), ("16x16", "xsmall"), ("32x32", "medium"))}
    return {"expand": "description,lead,issueTypes,url,projectKeys,permissions,insight",
            "self": "%s/rest/api/%s/project/%s" % (call.base_url, call.version, project.id),
            "id": project.id, "key": project.key, "name": project.name, "avatarUrls": avatars,
            "projectTypeKey": project.project_type_key, "simplified": False, "style": "classic",
            "isPrivate": False, "properties": {}, "entityId": project.uuid, "uuid": project.uuid}


def _page_url(call, path, start_at, max_results):
    return "%s%s?startAt=%d&maxResults=%d" % (call.base_url, path, start_at, max_results)


def _project_search(call):
    start_at = call.int_arg("startAt", 0)
    max_results = min(call.int_arg("maxResults", 50), 100)
    keys = call.list_arg("keys")
    text = (call.arg("query") or "").lower()
    projects = [] if call.user is None else list(call.site.projects.values())
    if keys:
        projects = [p for p in projects if p.key in keys or p.id in keys]
    if text:
        projects = [p for p in projects if text in p.key.lower() or text in p.name.lower()]
    page = projects[start_at:start_at + max_results]
    is_last = start_at + len(page) >= len(projects)
    path = "/rest/api/%s/project/search" % call.version
    body = {"self": _page_url(call, path, start_at, max_results), "maxResults": max_results, "startAt": start_at,
            "total": len(projects), "isLast": is_last, "values": [_project_json(call, p) for p in page]}
    if not is_last:
        body["nextPage"] = _page_url(call, path, start_at + max_results, max_results)
    return json_response(200, body)


# -- issue search --------------------------------------------------------------------------------------------
def _unquote(value):
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def filter_issues(site, jql):
    """The site's issues a JQL matches (the tiny subset of ``_filter_issues``); BadRequest for an unbounded one."""
    return _filter_issues(site, jql)


def _filter_issues(site, jql):
    """A tiny JQL subset: ``project = X`` / ``project in (X, Y)`` and ``key = X-1`` restrict; every other clause
    is accepted and matches everything. Jira refuses unbounded queries on this endpoint."""
    restriction = _ORDER_BY.sub("", jql or "").strip()
    if not restriction:
        raise BadRequest("Unbounded JQL queries are not allowed here. Please add a search restriction to your "
                         "query.")
    issues = list(site.issues)
    for found in _PROJECT_CLAUSE.finditer(restriction):
        names = [_unquote(n) for n in found.group(1).strip("()").split(",") if n.strip()]
        projects = []
        for name in names:
            project = site.project(name) or next((p for p in site.projects.values() if p.name == name), None)
            if project is None:
                raise BadRequest("The value '%s' does not exist for the field 'project'." % name)
            projects.append(project)
        issues = [issue for issue in issues if issue.project in projects]
    for found in _KEY_CLAUSE.finditer(restriction):
        key = _unquote(found.group(1)).upper()
        issues = [issue for issue in issues if issue.key == key]
    return issues


def _issue_json(call, issue, fields):
    body = {"expand": "", "id": issue.id, "self": "%s/rest/api/%s/issue/%s" % (call.base_url, call.version, issue.id),
            "key": issue.key}
    values = {
        "summary": issue.summary,
        "issuetype": {"name": issue.issue_type, "subtask": False},
        "project": {"id": issue.project.id, "key": issue.project.key, "name": issue.project.name},
        "status": {"name": issue.status},
        "created": call.cloud.clock.iso(issue.created_at),
    }
    wanted = _ISSUE_FIELDS if {"*all", "*navigable"} & set(fields) else [f for f in fields if f in values]
    if wanted:
        body["fields"] = {name: values[name] for name in wanted}
    return body


def _decode_page_token(token):
    try:
        kind, offset = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii").split(":", 1)
        if kind != "offset":
            raise ValueError(kind)
        return int(offset)
    except ValueError as exc:
        raise BadRequest("The provided next page token is invalid or expired.") from exc


def _search_jql(call):
    if call.request.method == "POST":
        try:
            payload = call.request.json() or {}
        except ValueError as exc:
            raise BadRequest("Invalid request payload. Refer to the REST API documentation and try again.") from exc
        jql, token = payload.get("jql"), payload.get("nextPageToken")
        fields = payload.get("fields") or ["id"]
        max_results = payload.get("maxResults", 50)
        if not isinstance(max_results, int) or isinstance(max_results, bool):
            raise BadRequest("The value '%s' is not valid for the parameter 'maxResults'." % max_results)
    else:
        jql, token = call.arg("jql"), call.arg("nextPageToken")
        fields = call.list_arg("fields") or ["id"]
        max_results = call.int_arg("maxResults", 50)
    # Jira returns up to 5000 issues per page when only IDs are asked for, 100 otherwise.
    max_results = max(0, min(max_results, 5000 if fields == ["id"] else 100))
    offset = _decode_page_token(token) if token else 0
    issues = _filter_issues(call.site, jql)  # validated for anonymous callers too
    if call.user is None:
        issues = []  # no anonymous browse permission on emulated projects
    page = issues[offset:offset + max_results]
    body = {"issues": [_issue_json(call, issue, fields) for issue in page]}
    if offset + len(page) < len(issues):
        next_token = base64.urlsafe_b64encode(("offset:%d" % (offset + len(page))).encode("ascii"))
        body["nextPageToken"] = next_token.decode("ascii")
        body["isLast"] = False
    else:
        body["isLast"] = True
    return json_response(200, body)


def _search_removed(_call):
    return error(410, REMOVED_SEARCH_MESSAGE)


# -- agile -----------------------------------------------------------------------------------------------------
def _board_json(call, board):
    project = board.project
    return {"id": board.id, "self": "%s/rest/agile/1.0/board/%d" % (call.base_url, board.id), "name": board.name,
            "type": board.type,
            "location": {"projectId": int(project.id), "displayName": "%s (%s)" % (project.name, project.key),
                         "projectName": project.name, "projectKey": project.key,
                         "projectTypeKey": project.project_type_key, "name": "%s (%s)" % (project.name, project.key),
                         "avatarURI": "/rest/api/2/universal_avatar/view/type/project/avatar/10400?size=small"}}


def _boards(call):
    if call.user is None:
        return json_response(401, ANONYMOUS_BODY)
    start_at = call.int_arg("startAt", 0)
    max_results = min(call.int_arg("maxResults", 50), 50)
    boards = list(call.site.boards.values())
    types = call.list_arg("type")
    if types:
        boards = [b for b in boards if b.type in types]
    name = (call.arg("name") or "").lower()
    if name:
        boards = [b for b in boards if name in b.name.lower()]
    project = call.arg("projectKeyOrId")
    if project:
        boards = [b for b in boards if project in (b.project.key, b.project.id)]
    page = boards[start_at:start_at + max_results]
    return json_response(200, {"maxResults": max_results, "startAt": start_at, "total": len(boards),
                               "isLast": start_at + len(page) >= len(boards),
                               "values": [_board_json(call, b) for b in page]})


def _sprint_json(call, sprint):
    body = {"id": sprint.id, "self": "%s/rest/agile/1.0/sprint/%d" % (call.base_url, sprint.id),
            "state": sprint.state, "name": sprint.name, "createdDate": call.cloud.clock.iso(sprint.created_at),
            "originBoardId": sprint.board_id, "goal": sprint.goal}
    if sprint.state != "future":
        body["startDate"] = call.cloud.clock.iso(sprint.created_at)
        body["endDate"] = call.cloud.clock.iso(sprint.created_at + 14 * 86400)
    if sprint.state == "closed":
        body["completeDate"] = body["endDate"]
    return body


def _sprints(call):
    if call.user is None:
        return json_response(401, ANONYMOUS_BODY)
    try:
        board = call.site.boards.get(int(call.params["board_id"]))
    except ValueError:
        board = None
    if board is None:
        return error(404, "Board does not exist or you do not have permission to see it.")
    if board.type != "scrum":
        return error(400, "The board does not support sprints")
    start_at = call.int_arg("startAt", 0)
    max_results = min(call.int_arg("maxResults", 50), 50)
    states = call.list_arg("state")
    order = {"closed": 0, "active": 1, "future": 2}
    sprints = sorted((s for s in call.site.sprints.values() if s.board_id == board.id
                      and (not states or s.state in states)), key=lambda s: (order[s.state], s.id))
    page = sprints[start_at:start_at + max_results]
    return json_response(200, {"maxResults": max_results, "startAt": start_at, "total": len(sprints),
                               "isLast": start_at + len(page) >= len(sprints),
                               "values": [_sprint_json(call, s) for s in page]})


def _dynamic_webhooks(call):
    return call.cloud.webhooks.dynamic(call, "dynamic_webhooks")


def _dynamic_refresh(call):
    return call.cloud.webhooks.dynamic(call, "dynamic_refresh")


_HANDLERS = {
    "dynamic_webhooks": _dynamic_webhooks,
    "dynamic_refresh": _dynamic_refresh,
    "myself": _myself,
    "mypermissions": _mypermissions,
    "project_search": _project_search,
    "search_jql": _search_jql,
    "search_removed": _search_removed,
    "boards": _boards,
    "sprints": _sprints,
}
