"""Who is calling (basic auth, bearer tokens from oauth_token.do, API keys) and what they may do (ACLs)."""

import base64
import binascii
from dataclasses import dataclass, field
from typing import Optional

# Tables a non-admin (itil) user may read; everything else is admin-only.
READABLE_BY_ANYONE = frozenset((
    "sys_user", "sys_user_role", "sys_user_has_role", "sys_scope", "sys_store_app", "v_plugin", "sys_alias",
    "sys_dictionary", "sys_db_object", "sys_choice",
))
# Non-admins see only their own rows of these (the column that must name them).
OWN_ROWS = {"sys_user": "sys_id", "sys_user_has_role": "user"}


@dataclass
class Caller:
    """The authenticated user of a request, or why there is none."""

    user: Optional[dict] = None
    failure: Optional[str] = None  # "missing", "invalid" or "mfa"
    method: str = ""
    roles: set = field(default_factory=set)

    @property
    def ok(self):
        return self.user is not None

    @property
    def user_name(self):
        return self.user["user_name"] if self.user else ""

    @property
    def admin(self):
        return "admin" in self.roles


def _basic(header):
    try:
        decoded = base64.b64decode(header.split(None, 1)[1].strip(), validate=True).decode("utf-8")
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        return None, None
    user_name, sep, password = decoded.partition(":")
    return (user_name, password) if sep else (None, None)


def _usable(user):
    return user is not None and user.get("active") == "true" and user.get("locked_out") != "true"


def check_password(instance, user_name, password):
    """The user record if the password is right and the account usable, else None."""
    user = instance.user(user_name)
    if not _usable(user) or not user.get("user_password"):
        return None
    return user if instance.sealed_matches(user["user_password"], password or "") else None


def is_mfa_user(instance, user_name):
    return (user_name or "").lower() in [u.lower() for u in instance.option("mfa_users") or ()]


def authenticate(instance, request):
    """Identify the caller of ``request`` (basic, bearer or x-sn-apikey)."""
    header = request.header("Authorization") or ""
    scheme = header.split(None, 1)[0].lower() if header else ""
    api_key = request.header("x-sn-apikey")
    if scheme == "basic":
        user_name, password = _basic(header)
        if user_name is None:
            return Caller(failure="invalid", method="basic")
        if is_mfa_user(instance, user_name):
            return Caller(failure="mfa", method="basic")
        return _caller(instance, check_password(instance, user_name, password), "basic")
    if scheme == "bearer":
        token = header.split(None, 1)[1].strip() if " " in header else ""
        found = instance.store.get_token(instance.name, token, "access")
        if found is None or found["expires"] <= instance.now():
            return Caller(failure="invalid", method="bearer")
        return _caller(instance, instance.user(found["user_name"]), "bearer")
    if api_key:  # the seeded API key belongs to the admin user
        user = instance.user(instance.admin_user) if api_key == instance.api_key else None
        return _caller(instance, user, "api_key")
    return Caller(failure="missing")


def _caller(instance, user, method):
    if not _usable(user):
        return Caller(failure="invalid", method=method)
    return Caller(user=user, method=method, roles=instance.roles_of(user))


def can_read(caller, table_name):
    return caller.admin or table_name in READABLE_BY_ANYONE


def row_visible(caller, table_name, record):
    column = OWN_ROWS.get(table_name)
    if caller.admin or column is None:
        return True
    return record.get(column) == caller.user["sys_id"]


def can_write(caller, definition):
    return caller.admin and not definition.read_only
