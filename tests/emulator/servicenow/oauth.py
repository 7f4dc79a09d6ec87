"""OAuth on an instance, both directions.

Inbound: ``/oauth_token.do`` issues bearer tokens for the instance's own API (password, refresh_token and
client_credentials grants) to the seeded inbound client.

Outbound ("Get OAuth Token" on an OAuth 2.0 credential): ``/oauth_initiator.do`` sends the administrator's
browser to the provider's authorize URL, ``/oauth_redirect.do`` exchanges the returned code at the provider's
token URL (through the emulator front, so the Atlassian emulator answers) and stores the tokens in
``oauth_credential``. ``consent`` plays the administrator's browser end to end; ``fetch_client_credentials_token``
is the instance fetching a client credentials token itself.
"""

import html
import json
import secrets
from urllib.parse import urlencode, urlsplit

from ..http import Request, html_response, json_response, redirect_response, with_query
from . import auth
from .schema import glide_time, is_sys_id

ACCESS_LIFESPAN = 1799  # what oauth_token.do answers by default (the registry's 1800 s less one)
REFRESH_LIFESPAN = 8640000


# -- inbound: /oauth_token.do ------------------------------------------------------------------------------
def _failure(status):
    # What real instances answer to a failed token request (captures: servicenow.md, evidence audit 2026-12).
    return json_response(status, {"error": "server_error", "error_description": "access_denied"})


def _denied():
    return _failure(401)


def _inbound_client(instance, client_id, client_secret):
    for entity in instance.rows("oauth_entity"):
        if entity.get("type") == "client" and entity.get("active") == "true" and entity.get("client_id") == client_id:
            if client_secret and instance.sealed_matches(entity.get("client_secret", ""), client_secret):
                return entity
    return None


def token_endpoint(instance, request):
    """POST /oauth_token.do (form body)."""
    if request.method != "POST":
        return _failure(405)
    form = request.form()
    grant = form.get("grant_type", "")
    client = _inbound_client(instance, form.get("client_id", ""), form.get("client_secret", ""))
    if grant not in ("password", "refresh_token", "client_credentials"):
        return _failure(400)
    if client is None:
        return _denied()
    refresh = None
    if grant == "password":
        if auth.is_mfa_user(instance, form.get("username")):
            return _denied()
        user = auth.check_password(instance, form.get("username", ""), form.get("password", ""))
        if user is None:
            return _denied()
        user_name = user["user_name"]
    elif grant == "refresh_token":
        refresh = form.get("refresh_token", "")
        found = instance.store.get_token(instance.name, refresh, "refresh")
        if found is None or found["expires"] <= instance.now() or found["client_id"] != client["client_id"]:
            return _denied()
        user_name = found["user_name"]
    else:
        user_name = instance.admin_user  # the seeded client acts as admin for client credentials
    lifespan = int(instance.option("token_lifespan") or ACCESS_LIFESPAN)
    access = secrets.token_urlsafe(64)
    instance.store.add_token(instance.name, access, "access", user_name, client["client_id"],
                             instance.now() + lifespan)
    answer = {"access_token": access, "scope": "useraccount", "token_type": "Bearer", "expires_in": lifespan}
    if grant != "client_credentials":
        if refresh is None:
            refresh = secrets.token_urlsafe(64)
            instance.store.add_token(instance.name, refresh, "refresh", user_name, client["client_id"],
                                     instance.now() + int(client.get("refresh_token_lifespan") or REFRESH_LIFESPAN))
        answer["refresh_token"] = refresh
    return json_response(200, answer, {"Cache-Control": "no-store", "Pragma": "no-cache"}, write=False)


# -- outbound: the consent flow ----------------------------------------------------------------------------
def _page(status, title, message, headers=None):
    body = ("<!DOCTYPE html><html><head><title>%s</title></head><body><h1>%s</h1><p>%s</p></body></html>"
            % (html.escape(title), html.escape(title), html.escape(message)))
    return html_response(status, body, headers, write=False)


def _logged_in_admin(instance, request):
    caller = auth.authenticate(instance, request)
    user = caller.user if caller.ok else None
    if user is None and request.arg("emulator_user"):
        user = instance.user(request.arg("emulator_user"))
    return user if user is not None and instance.is_admin(user) else None


def _profile_scopes(instance, profile_id):
    scopes = []
    for link in instance.rows("oauth_entity_profile_scope"):
        if link.get("oauth_entity_profile") != profile_id:
            continue
        entity_scope = instance.fetch("oauth_entity_scope", link.get("oauth_entity_scope"))
        for scope in (entity_scope or {}).get("oauth_entity_scope", "").split():
            if scope not in scopes:
                scopes.append(scope)
    return scopes


def initiator(instance, request):
    """GET /oauth_initiator.do: start the authorization code flow for a credential."""
    with instance.store.transaction():
        user = _logged_in_admin(instance, request)
        if user is None:
            return _page(401, "Login required", "Log in as an administrator to get an OAuth token.")
        credential = instance.fetch("discovery_credentials", request.arg("oauth_requestor", ""))
        profile = instance.fetch("oauth_entity_profile", request.arg("oauth_provider_profile", ""))
        entity = instance.fetch("oauth_entity", profile.get("oauth_entity")) if profile else None
        if credential is None or profile is None or entity is None or not entity.get("auth_url"):
            return _page(400, "OAuth error", "Invalid OAuth requestor, profile or application registry.")
        state = secrets.token_urlsafe(24)
        instance.store.put_state(instance.name, state, {
            "credential": credential["sys_id"], "profile": profile["sys_id"], "entity": entity["sys_id"],
            "context": request.arg("oauth_requestor_context", "oauth_2_0_credentials"), "user": user["sys_id"],
        })
        params = {"response_type": "code", "client_id": entity.get("client_id", ""),
                  "redirect_uri": entity.get("redirect_url", ""),
                  "scope": " ".join(_profile_scopes(instance, profile["sys_id"])), "state": state}
        if "audience=" not in entity["auth_url"]:
            params["audience"] = "api.atlassian.com"
        params["prompt"] = "consent"
        return redirect_response(with_query(entity["auth_url"], params), write=False)


def _post_json(instance, url, body):
    """POST a JSON body to a provider through the emulator front; returns (status, parsed body or None)."""
    server = instance.fleet.server
    if server is None:
        return 0, {"error": "no_server", "error_description": "the fleet is not attached to an emulator server"}
    response = server.dispatch(Request.build("POST", url, headers={
        "Content-Type": "application/json", "Accept": "application/json"}, body=json.dumps(body)))
    if response is None:
        return 0, {"error": "connection_dropped", "error_description": "the token endpoint closed the connection"}
    try:
        return response.status, response.json()
    except (ValueError, UnicodeDecodeError):
        return response.status, None


def _token_error(status, payload):
    if isinstance(payload, dict) and payload.get("error"):
        return "%s: %s" % (payload.get("error"), payload.get("error_description") or "")
    return "token endpoint answered HTTP %s" % status


def redirect(instance, request):
    """GET /oauth_redirect.do: the provider sends the browser back with a code (or an error)."""
    with instance.store.transaction():
        pending = instance.store.pop_state(instance.name, request.arg("state", "")) if request.arg("state") else None
        if pending is None:
            return _page(400, "OAuth error", "Unknown or expired OAuth state.", {"X-Emulator-OAuth-Error": "state"})
        if request.arg("error"):
            message = "%s: %s" % (request.arg("error"), request.arg("error_description", ""))
            return _page(400, "OAuth error", message, {"X-Emulator-OAuth-Error": request.arg("error")})
        entity = instance.fetch("oauth_entity", pending["entity"])
        secret = instance.store.get_clear(instance.name, entity["sys_id"], "client_secret") \
            if entity and entity.get("client_secret") else ""
        body = {"grant_type": "authorization_code", "client_id": entity.get("client_id", "") if entity else "",
                "client_secret": secret or "", "code": request.arg("code", ""),
                "redirect_uri": entity.get("redirect_url", "") if entity else ""}
    # The lock is not held while the provider answers.
    status, payload = _post_json(instance, entity.get("token_url", "") if entity else "", body)
    if status != 200 or not isinstance(payload, dict) or not payload.get("access_token"):
        message = _token_error(status, payload)
        return _page(400, "OAuth error", message, {"X-Emulator-OAuth-Error": message[:200]})
    with instance.store.transaction():
        store_tokens(instance, pending, payload)
    return _page(200, "OAuth token flow completed successfully",
                 "OAuth token flow completed successfully. You can close this window.")


def _requestor_profile(instance, context, requestor_id, profile_id):
    with_context = "requestor_context" in instance.columns("oauth_requestor_profile")
    for row in instance.rows("oauth_requestor_profile"):
        if ((not with_context or row.get("requestor_context") == context) and row.get("requestor_id") == requestor_id
                and row.get("oauth_entity_profile") == profile_id):
            return row["sys_id"]
    return instance.create("oauth_requestor_profile", {
        "requestor_context": context, "requestor_id": requestor_id, "oauth_entity_profile": profile_id,
    }, "admin")["sys_id"]


def store_tokens(instance, pending, payload):
    """Replace the credential's token rows with those of a token endpoint answer; returns the new rows."""
    entity = instance.fetch("oauth_entity", pending["entity"])
    requestor = _requestor_profile(instance, pending.get("context", "oauth_2_0_credentials"),
                                   pending["credential"], pending["profile"])
    for row in instance.rows("oauth_credential"):
        if row.get("oauth_requestor_profile") == requestor:
            instance.remove("oauth_credential", row["sys_id"])
    now = instance.now()
    common = {"peer": entity["sys_id"], "oauth_requestor_profile": requestor, "scope": payload.get("scope", ""),
              "user": pending.get("user", "")}
    created = []
    expires_in = int(payload.get("expires_in") or 3600)
    created.append(instance.create("oauth_credential", dict(
        common, type="access_token", token_received=payload["access_token"],
        expires=glide_time(now + expires_in)), "admin", input_display=True))
    if payload.get("refresh_token"):
        lifespan = int(entity.get("refresh_token_lifespan") or REFRESH_LIFESPAN)
        created.append(instance.create("oauth_credential", dict(
            common, type="refresh_token", token_received=payload["refresh_token"],
            expires=glide_time(now + lifespan)), "admin", input_display=True))
    return [{"sys_id": r["sys_id"], "type": r["type"], "expires": r["expires"]} for r in created]


def _credential(instance, name_or_sys_id):
    if is_sys_id(name_or_sys_id):
        found = instance.fetch("discovery_credentials", name_or_sys_id)
        if found is not None:
            return found
    matches = [r for r in instance.rows("oauth_2_0_credentials") if r.get("name") == name_or_sys_id]
    return matches[0] if matches else None


def consent(instance, credential, atlassian_user=None, decision="accept"):
    """Play the administrator's browser for "Get OAuth Token": initiator, the provider's authorize page
    (approved with the Atlassian emulator's emulator_decision/emulator_user parameters), then the redirect.
    Returns {"ok", "error", "tokens", "steps"}."""
    outcome = {"ok": False, "error": None, "tokens": [], "steps": []}
    server = instance.fleet.server
    with instance.store.transaction():
        record = _credential(instance, credential)
        profile = record.get("oauth_entity_profile") if record else None
    if server is None:
        outcome["error"] = "the fleet is not attached to an emulator server"
        return outcome
    if record is None or not profile:
        outcome["error"] = "no OAuth 2.0 credential %r with an entity profile" % credential
        return outcome
    url = "%s/oauth_initiator.do?%s" % (instance.url, urlencode({
        "oauth_requestor_context": "oauth_2_0_credentials", "oauth_requestor": record["sys_id"],
        "oauth_provider_profile": profile, "response_type": "code", "emulator_user": instance.admin_user}))
    extra = {"emulator_decision": decision}
    if atlassian_user:
        extra["emulator_user"] = atlassian_user
    for step in range(3):
        response = server.dispatch(Request.build("GET", url))
        outcome["steps"].append({"url": url.split("?")[0], "status": response.status if response else None})
        if response is None:
            outcome["error"] = "connection dropped by %s" % urlsplit(url).hostname
            return outcome
        location = response.header("Location")
        if step == 2 or not location or response.status not in (301, 302, 303, 307):
            break
        url = with_query(location, extra) if step == 0 else location
    if response.status == 200 and "OAuth token flow completed successfully" in response.body.decode("utf-8"):
        outcome["ok"] = True
        with instance.store.transaction():
            outcome["tokens"] = _token_rows(instance, record["sys_id"])
        return outcome
    outcome["error"] = response.header("X-Emulator-OAuth-Error") or _describe(response)
    return outcome


def _describe(response):
    text = response.body.decode("utf-8", "replace")[:300]
    return "HTTP %s: %s" % (response.status, text)


def _token_rows(instance, credential_id):
    requestors = {r["sys_id"] for r in instance.rows("oauth_requestor_profile")
                  if r.get("requestor_id") == credential_id}
    return [{"sys_id": r["sys_id"], "type": r["type"], "expires": r["expires"]}
            for r in instance.rows("oauth_credential") if r.get("oauth_requestor_profile") in requestors]


def fetch_client_credentials_token(instance, credential):
    """The instance fetches a client credentials token for an OAuth 2.0 credential and stores an access_token
    row (no refresh token). Returns {"ok", "error", "tokens"}."""
    with instance.store.transaction():
        record = _credential(instance, credential)
        profile = instance.fetch("oauth_entity_profile", record.get("oauth_entity_profile")) if record else None
        entity = instance.fetch("oauth_entity", profile.get("oauth_entity")) if profile else None
        if entity is None:
            return {"ok": False, "error": "no OAuth 2.0 credential %r with a profile and registry" % credential,
                    "tokens": []}
        secret = instance.store.get_clear(instance.name, entity["sys_id"], "client_secret") \
            if entity.get("client_secret") else ""
        scopes = " ".join(_profile_scopes(instance, profile["sys_id"]))
        body = {"grant_type": "client_credentials", "client_id": entity.get("client_id", ""),
                "client_secret": secret or ""}
        if scopes:
            body["scope"] = scopes
    status, payload = _post_json(instance, entity.get("token_url", ""), body)
    if status != 200 or not isinstance(payload, dict) or not payload.get("access_token"):
        return {"ok": False, "error": _token_error(status, payload), "tokens": []}
    payload = dict(payload)
    payload.pop("refresh_token", None)
    with instance.store.transaction():
        tokens = store_tokens(instance, {"credential": record["sys_id"], "profile": profile["sys_id"],
                                         "entity": entity["sys_id"], "context": "oauth_2_0_credentials",
                                         "user": ""}, payload)
    return {"ok": True, "error": None, "tokens": tokens}
