"""Business rules: the ones the reference names, plus the obvious derived fields.

``before_write`` runs before an insert (old is None) or update and may change the new record or abort with
RuleAbort (the Table API answers 403 naming the rule); ``after_insert`` runs once the record is stored.
"""

import re
from urllib.parse import urlsplit

from . import schema, webhooks


class RuleAbort(Exception):
    """A business rule refused the operation."""

    def __init__(self, table, rule, message=""):
        super().__init__(message or rule)
        self.table = table
        self.rule = rule
        self.message = message

    @property
    def detail(self):
        return ("Operation against file '%s' was aborted by Business Rule '%s'. Business Rule Stack:%s"
                % (self.table, self.rule, self.rule))


def _changed(old, new, *names):
    return old is None or any(old.get(name) != new.get(name) for name in names)


def before_write(instance, table, old, new, user_name):
    """Run the rules of the record's class (and its parents) before it is saved."""
    del user_name  # the rules below do not depend on who writes
    cls = new.get("sys_class_name") or table
    if schema.is_a(cls, "sys_user"):
        _user_name(old, new)
    if schema.is_a(cls, "oauth_entity"):
        _oauth_redirect_url(instance, new)
    if schema.is_a(cls, "oauth_entity_profile"):
        _one_default_profile(instance, old, new)
    if schema.is_a(cls, "http_connection"):
        _derive_url_parts(old, new)
    if schema.is_a(cls, "sys_connection"):
        _single_active_connection(instance, old, new)
    if schema.is_a(cls, "sys_alias"):
        _alias_name(instance, new)
        _alias_id_and_parent(instance, old, new)
    if schema.is_a(cls, "oauth_2_0_credentials"):
        _unique_profile(instance, old, new)
    if cls in schema.WEBHOOK_REGISTRY_TABLES:
        webhooks.refresh_urls(instance, new)  # the callback URL the form shows (when the instance has the column)


def after_update(instance, table, old, record):
    """Run after an update is stored: a new token changes the callback URL of the registries using it."""
    del old
    if schema.is_a(record.get("sys_class_name") or table, "token_verification"):
        webhooks.token_changed(instance, record["sys_id"])


def after_insert(instance, table, record, user_name):
    cls = record.get("sys_class_name") or table
    if (schema.is_a(cls, "oauth_entity") and record.get("type") == "oauth_provider"
            and instance.option("default_profile_on_insert")):
        # Saving a third-party provider registry creates its default profile (registries of type consumer come
        # from configuration templates, which create their profiles themselves).
        instance.create("oauth_entity_profile", {
            "name": "%s default_profile" % record.get("name", ""), "oauth_entity": record["sys_id"],
            "default": "true", "grant_type": record.get("default_grant_type") or "authorization_code",
        }, user_name)


def _user_name(old, new):
    if _changed(old, new, "first_name", "last_name") and (old is None or old.get("name") == new.get("name")):
        full = " ".join(part for part in (new.get("first_name"), new.get("last_name")) if part)
        if full:
            new["name"] = full


def _oauth_redirect_url(instance, new):
    if new.get("type") == "oauth_provider" and not new.get("redirect_url"):
        new["redirect_url"] = "%s/oauth_redirect.do" % instance.url


def _one_default_profile(instance, old, new):
    if new.get("default") != "true" or not _changed(old, new, "default", "oauth_entity"):
        return
    for profile in instance.rows("oauth_entity_profile"):
        if (profile["sys_id"] != new["sys_id"] and profile.get("default") == "true"
                and profile.get("oauth_entity") == new.get("oauth_entity")):
            raise RuleAbort("oauth_entity_profile", "Only one default profile per entity",
                            "The OAuth entity already has a default profile")


def _derive_url_parts(old, new):
    if not _changed(old, new, "connection_url"):
        return
    url = new.get("connection_url") or ""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        new.update(protocol="", host="", port="", base_path="")
        return
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme.lower(), "")
    new.update(protocol=parts.scheme.lower(), host=parts.hostname, port=str(port), base_path=parts.path.rstrip("/"))


def _single_active_connection(instance, old, new):
    if new.get("active") != "true" or not new.get("connection_alias"):
        return
    if not _changed(old, new, "active", "connection_alias"):
        return
    alias = instance.lookup(new["connection_alias"])
    if alias is None or alias.get("multiple_connections") == "true":
        return
    for other in instance.rows("sys_connection"):
        if (other["sys_id"] != new["sys_id"] and other.get("active") == "true"
                and other.get("connection_alias") == new["connection_alias"]
                and other.get("sys_domain") == new.get("sys_domain")):
            raise RuleAbort(new.get("sys_class_name") or "sys_connection", "Validate active connection per alias",
                            "Only one active connection is allowed for an alias without multiple connections")


def _alias_name(instance, new):
    # connection-alias.md: "An alias can only contain alpha, number, and underscore characters"; a migrated
    # alias with other characters "can't update ... until you change the name". The rule's name is invented.
    if instance.option("alias_names") == "strict" and not re.fullmatch(r"[A-Za-z0-9_]+", new.get("name") or ""):
        raise RuleAbort("sys_alias", "Validate alias name",
                        "An alias can only contain alpha, number, and underscore characters")


def _unique_profile(instance, old, new):
    # "Each credential must be linked to a unique OAuth entity profile" (DevOps docs); enforcing it is one
    # plausible reality (unique_profile_credentials "enforce"). The rule's name is invented.
    profile = new.get("oauth_entity_profile")
    if instance.option("unique_profile_credentials") != "enforce" or not profile \
            or not _changed(old, new, "oauth_entity_profile"):
        return
    if any(other["sys_id"] != new["sys_id"] and other.get("oauth_entity_profile") == profile
           for other in instance.rows("oauth_2_0_credentials")):
        raise RuleAbort("oauth_2_0_credentials", "Unique OAuth entity profile per credential",
                        "Each credential must be linked to a unique OAuth entity profile")


def _alias_id_and_parent(instance, old, new):
    if old is not None and old.get("parent") != new.get("parent"):
        raise RuleAbort("sys_alias", "Prevent parent alias change", "The parent of an alias cannot be changed")
    if not new.get("id") and new.get("name"):
        scope = instance.lookup(new.get("sys_scope"))
        new["id"] = "%s.%s" % (scope.get("scope") if scope else "global", new["name"])
