"""The control API ``/_emulator/atlassian/...``: JSON in and out, for a demo running the emulator elsewhere.

    GET    sites                                  list sites
    POST   sites                                  {"name", "cloud_id"?}
    GET    sites/<name>                           site, users, projects, boards, sprints
    POST   sites/<name>/users                     {"email", "display_name"?, "active"?, "admin"?,
                                                   "account_type"?, "captcha"?}
    PATCH  sites/<name>/users/<email>             {"active"?, "admin"?, "captcha"?}
    POST   sites/<name>/users/<email>/tokens      {"kind"?, "scopes"?, "expires_in_days"?, "expired"?}
                                                  -> {"token": ...} (the only time the value is shown)
    POST   sites/<name>/projects                  {"key", "name"?}
    POST   sites/<name>/boards                    {"name", "type"?, "project_key"}
    POST   sites/<name>/sprints                   {"board_id", "name", "state"?, "goal"?}
    POST   sites/<name>/issues                    {"project_key", "summary", "issue_type"?}
    GET    sites/<name>/webhooks                  {"admin": [...], "dynamic": [...]} (secrets never shown)
    POST   sites/<name>/events                    {"event", "issue_key"?} -> the deliveries (webhooks.py)
    GET    apps / POST apps                       {"name", "client_id"?, "client_secret"?, "callback_urls"?,
                                                   "scopes"?, "kind"?, "sites"?} -> includes client_secret once
    GET    clock / POST clock                     {"advance_days"?, "advance_seconds"?}
    POST   rate_limit                             {"host", "requests", "per_seconds", "retry_after"?} or
                                                  {"next": n, "retry_after"?, "host"?}
    DELETE rate_limit
    POST   token_info                             {"access_token"}
    POST   behaviour                              {"classic_tokens_on_gateway"?, "captcha_after"?, and the
                                                   webhook switches of webhooks.SWITCHES}
"""

from urllib.parse import unquote

from ..http import json_response
from .model import Conflict
from .webhooks import SWITCHES


class _NotFound(Exception):
    pass


def handle(cloud, request, subpath):
    parts = [unquote(part) for part in subpath.strip("/").split("/") if part]
    try:
        body = request.json() if request.method in ("POST", "PATCH") else None
        body = body or {}
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        result = _route(cloud, request.method, parts, body)
    except _NotFound as exc:
        return json_response(404, {"error": {"message": str(exc)}})
    except Conflict as exc:
        return json_response(409, {"error": {"message": str(exc)}})
    except (TypeError, ValueError, KeyError) as exc:
        return json_response(400, {"error": {"message": str(exc) or exc.__class__.__name__}})
    status, payload = result
    return json_response(status, {"result": payload})


def _site(cloud, name):
    site = cloud.site(name)
    if site is None:
        raise _NotFound("no site %s" % name)
    return site


def _user(site, email):
    user = site.user(email)
    if user is None:
        raise _NotFound("no user %s on site %s" % (email, site.name))
    return user


def _site_detail(site):
    detail = site.as_dict()
    detail.update({
        "users": [user.as_dict() for user in site.users.values()],
        "projects": [{"id": p.id, "key": p.key, "name": p.name} for p in site.projects.values()],
        "boards": [{"id": b.id, "name": b.name, "type": b.type, "project_key": b.project.key}
                   for b in site.boards.values()],
        "sprints": [{"id": s.id, "board_id": s.board_id, "name": s.name, "state": s.state}
                    for s in site.sprints.values()],
    })
    return detail


def _route(cloud, method, parts, body):  # pylint: disable=too-many-return-statements,too-many-branches
    with cloud.lock:
        head = parts[0] if parts else ""
        if head == "sites" and len(parts) == 1:
            if method == "POST":
                return 201, cloud.add_site(body["name"], body.get("cloud_id")).as_dict()
            return 200, [site.as_dict() for site in cloud.sites]
        if head == "sites" and len(parts) >= 2:
            return _site_route(cloud, method, parts[1:], body)
        if head == "apps" and method == "POST":
            app = cloud.add_oauth_app(body["name"], body.get("client_id"), body.get("client_secret"),
                                      body.get("callback_urls", ()), body.get("scopes", ()),
                                      body.get("kind", "3lo"), body.get("sites"))
            return 201, dict(app.as_dict(), client_secret=app.client_secret)
        if head == "apps":
            return 200, [app.as_dict() for app in cloud.apps.values()]
        if head == "clock":
            if method == "POST":
                cloud.clock.advance(days=float(body.get("advance_days", 0)),
                                    seconds=float(body.get("advance_seconds", 0)))
            return 200, {"now": cloud.clock.iso(millis=False), "epoch": cloud.clock.now()}
        if head == "rate_limit":
            if method == "DELETE":
                cloud.clear_rate_limits()
            elif "next" in body:
                cloud.rate_limit_next(int(body["next"]), body.get("retry_after", 1), body.get("host"))
            else:
                cloud.set_rate_limit(body["host"], int(body["requests"]), float(body["per_seconds"]),
                                     body.get("retry_after"))
            return 200, "ok"
        if head == "behaviour" and method in ("POST", "PATCH"):
            if "classic_tokens_on_gateway" in body:
                cloud.classic_tokens_on_gateway = bool(body["classic_tokens_on_gateway"])
            if "captcha_after" in body:
                cloud.captcha_after = None if body["captcha_after"] is None else int(body["captcha_after"])
            cloud.webhooks.set(**dict((name, value) for name, value in body.items() if name in SWITCHES))
            return 200, dict({"classic_tokens_on_gateway": cloud.classic_tokens_on_gateway,
                              "captcha_after": cloud.captcha_after},
                             **dict((name, cloud.webhooks.option(name)) for name in SWITCHES))
        if head == "token_info" and method == "POST":
            info = cloud.token_info(body["access_token"])
            if info is None:
                raise _NotFound("unknown access token")
            return 200, info.as_dict()
    raise _NotFound("no control %s %s" % (method, "/".join(parts)))


def _site_route(cloud, method, parts, body):  # pylint: disable=too-many-return-statements
    site = _site(cloud, parts[0])
    rest = parts[1:]
    if not rest and method == "GET":
        return 200, _site_detail(site)
    if rest == ["users"] and method == "POST":
        user = site.add_user(body["email"], body.get("display_name"), body.get("active", True),
                             body.get("admin", False), body.get("account_type", "atlassian"),
                             body.get("captcha", False))
        return 201, user.as_dict()
    if len(rest) == 2 and rest[0] == "users" and method == "PATCH":
        user = _user(site, rest[1])
        for name in ("active", "admin", "captcha"):
            if name in body:
                setattr(user, name, bool(body[name]))
        return 200, user.as_dict()
    if len(rest) == 3 and rest[0] == "users" and rest[2] == "tokens" and method == "POST":
        user = _user(site, rest[1])
        value = user.add_api_token(body.get("kind", "classic"), body.get("scopes", ()),
                                   int(body.get("expires_in_days", 365)), bool(body.get("expired", False)),
                                   body.get("label"))
        return 201, {"email": user.email, "kind": body.get("kind", "classic"), "token": value}
    if rest == ["projects"] and method == "POST":
        project = site.add_project(body["key"], body.get("name"))
        return 201, {"id": project.id, "key": project.key, "name": project.name}
    if rest == ["boards"] and method == "POST":
        board = site.add_board(body["name"], body.get("type", "scrum"), body.get("project_key"))
        return 201, {"id": board.id, "name": board.name, "type": board.type}
    if rest == ["sprints"] and method == "POST":
        sprint = site.add_sprint(body["board_id"], body["name"], body.get("state", "future"), body.get("goal", ""))
        return 201, {"id": sprint.id, "name": sprint.name, "state": sprint.state}
    if rest == ["issues"] and method == "POST":
        issue = site.add_issue(body["project_key"], body["summary"], body.get("issue_type", "Task"))
        return 201, {"id": issue.id, "key": issue.key}
    if rest == ["webhooks"] and method == "GET":
        expiration = cloud.webhooks.expiration
        return 200, {"admin": [hook.as_json() for hook in site.admin_webhooks.values()],
                     "dynamic": [dict(hook.as_json(expiration), app=hook.app.client_id)
                                 for hook in site.dynamic_webhooks.values()]}
    if rest == ["events"] and method == "POST":
        return 200, cloud.fire(site, body["event"], body.get("issue_key"))
    raise _NotFound("no control %s sites/%s" % (method, "/".join(parts)))
