# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret rotation (``servicenow_jira_spoke`` with ``rotate: true``) and the expiry warnings of the audit.

A rotation writes new secrets into a set-up that already exists, and nothing else: every new secret is checked
against Atlassian before the first write (an API token by logging in with it, a client credentials secret by a
token exchange); when one fails, nothing is written on the instance. A 3LO client secret cannot be checked without
a token exchange that needs either a browser consent or a refresh token, and the only refresh token of the
connection is ServiceNow's own (Atlassian rotates refresh tokens: using it would break ServiceNow's copy), so it is
refused unless the administrator accepts an unchecked write.
"""

from __future__ import annotations

import datetime

from ..common.errors import OptionError, RecordError
from .records import change_key

# The fields a rotation may write, per table: the secrets the set-up holds (a basic credential's password is the
# Atlassian API token; the registry's client secret is the OAuth app's).
ROTATED = {"basic_auth_credentials": ("password",), "oauth_entity": ("client_secret",)}
WHAT = {"basic_auth_credentials": "API token of credential", "oauth_entity": "client secret of registry"}


def check_options(params):
    if params["rotate_unchecked"] and not params["rotate"]:
        raise OptionError("rotate_unchecked applies only with rotate: true.")
    if not params["rotate"]:
        return
    if params["state"] != "present":
        raise OptionError("rotate: true rotates the secrets of a set-up: state must be present, not %s."
                          % params["state"])
    if not params["check_token"] or not params["probe_scopes"]:
        raise OptionError("rotate: true checks every new secret against Atlassian before it is written: "
                          "check_token and probe_scopes must stay true.")


def refuse_unchecked(sites, params, host):
    """Before any request: the OAuth sites whose new secret nothing can check (the authorization code grant)."""
    if not params["rotate"] or params["option"] != "oauth" or params["rotate_unchecked"]:
        return
    unchecked = [site for site in sites if site.grant_type == "authorization_code"]
    if unchecked:
        raise OptionError(
            "Rotation refused on %s, nothing written: the new client secret of %s cannot be checked against "
            "Atlassian (a 3LO secret is only used in a token exchange, which needs a browser consent or a refresh "
            "token, and the connection's refresh token is ServiceNow's own: refreshing it would break ServiceNow's "
            "copy)." % (host, ", ".join(site.where for site in unchecked)),
            hint="Set rotate_unchecked: true to write it unchecked, then run playbooks/audit.yml: the token health "
                 "of each credential shows whether ServiceNow's next refresh works.")


def refused(exc, site, host):
    """A failed check of a new secret, said as the refusal of the rotation it is."""
    exc.message = "Rotation refused for %s on %s, nothing written: %s" % (site.where, host, exc.message)
    return exc


def guard(changes, host):
    """Called before every flush of a rotation: anything but a secret of an existing record stops it."""
    others = [change for change in changes if not (
        change["action"] == "update" and change["table"] in ROTATED
        and set(change.get("fields") or ()) <= set(ROTATED[change["table"]]))]
    if others:
        raise RecordError(
            "Rotation refused on %s, nothing written: it writes secrets only, but the set-up differs from what "
            "the inventory describes: %s." % (host, "; ".join(_describe(change) for change in others)),
            hint="Run playbooks/audit.yml to see the difference and playbooks/site.yml to set it up, then rotate.")


def _describe(change):
    fields = change.get("fields")
    return "%s %s %r%s" % (change["action"], change["table"], change["record"],
                           " (%s)" % ", ".join(fields) if fields else "")


def rotated(changes):
    """What a rotation wrote (or would, in check mode), by change key: ``{key: "API token of credential 'X'"}``."""
    return dict((change_key(change["table"], change["record"]), "%s %r" % (WHAT[change["table"]], change["record"]))
                for change in changes if change["table"] in ROTATED and change["action"] == "update"
                and set(change.get("fields") or ()) & set(ROTATED[change["table"]]))


def expiry(site, today, warn_days):
    """The API token's expiry (``api_token_expires``): None when not given, else its date, the days left and a
    status (``valid``, ``expiring``: within ``warn_days``, ``expired``)."""
    expires = getattr(site, "api_token_expires", None)
    if expires is None:
        return None
    days = (expires - today).days
    status = "expired" if days < 0 else "expiring" if days <= warn_days else "valid"
    return {"expires": expires.isoformat(), "days_left": days, "status": status}


def expiry_warning(site, found, host):
    if found is None or found["status"] == "valid":
        return None
    if found["status"] == "expired":
        return ("The API token of %s on %s expired on %s: the connection fails until a new token is rotated in "
                "(playbooks/rotate.yml)." % (site.where, host, found["expires"]))
    return ("The API token of %s on %s expires on %s (in %d days): rotate it before then (playbooks/rotate.yml)."
            % (site.where, host, found["expires"], found["days_left"]))


def today():
    return datetime.date.today()
