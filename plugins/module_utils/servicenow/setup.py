# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole Jira spoke set-up of one ServiceNow instance in one task (``servicenow_jira_spoke``): the engine of
the ``basic_setup`` and ``oauth_setup`` roles, built from the same logic as the single-record modules.

One task instead of one per record and site, because on a real instance the round trips are what an administrator
waits for (and what ServiceNow's rate limits count):

1. every input is checked (``plan.py``) before any request;
2. one Batch API round trip reads everything the set-up owns and the pre-flight needs, by name; a second one what
   needs a sys_id from the first (attribute values, tokens, the data dictionary);
3. the pre-flight is evaluated, then the Jira side (the API token, the Cloud ID, the granted scopes): a problem
   stops the task there, before the first write;
4. the writes are queued site by site and sent in as few round trips as their dependencies allow (registry, its
   default profile made by the instance, then scopes and credential, then profile scopes and connection, then
   attribute values), each answer verified, the attribute values read back;
5. the browser step of each OAuth credential is reported (or waited for, all credentials at once).

A converged instance costs two ServiceNow requests, a check run the same.
"""

from __future__ import annotations

import time

from ..common.errors import AccessDeniedError, OptionError, RecordError, SnowspokeError
from ..jira import scope_check
from ..jira import scopes as scope_catalogue
from ..jira.client import JiraClient
from ..jira.options import CONNECTION as JIRA_CONNECTION
from . import attributes, connection_alias, credential, http_connection, lookups, oauth_registry, oauth_token, plan
from . import rotation, spoke
from . import tables
from .merge import Merges
from .query import Query
from .records import change_key
from .reads import Reads
from .spoke import SPOKE_ALIAS

ARGUMENT_SPEC = dict(JIRA_CONNECTION.argument_spec(), **{
    "option": {"type": "str", "required": True, "choices": ["basic", "oauth"]},
    "sites": {"type": "list", "elements": "dict", "required": True, "options": plan.SITE_ARGUMENT_SPEC},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "grant_type": {"type": "str", "choices": list(plan.GRANTS), "default": "authorization_code"},
    "name_prefix": {"type": "str", "default": "Jira"},
    "update_secret": {"type": "str", "choices": ["always", "on_create"], "default": "on_create", "no_log": False},
    "deactivate_others": {"type": "bool", "default": False},
    "preflight": {"type": "bool", "default": True},
    "check_token": {"type": "bool", "default": True},
    "probe_scopes": {"type": "bool", "default": True},
    "cleanup_previous_option": {"type": "bool", "default": True},
    "wait_for_consent": {"type": "int", "default": 0},
    "wait_interval": {"type": "float", "default": 5.0},
    "warn_days": {"type": "int", "default": 14},
    "shipped_alias": {"type": "str", "default": SPOKE_ALIAS},
    "required_scopes": {"type": "raw"},
    "rotate": {"type": "bool", "default": False},
    "rotate_unchecked": {"type": "bool", "default": False},
})
MODULE_KWARGS = {}

CONNECTION_READ = http_connection.CONNECTION_FIELDS + [
    "connection_alias.id", "connection_alias.parent", "credential.name", "credential.sys_class_name", "sys_created_on"]
_CONNECTION_EXTRA = set(CONNECTION_READ) - set(http_connection.CONNECTION_FIELDS)


def merged_name(record):
    """How a duplicate merged away is named in ``changes`` and the diff (beside the record of its name kept)."""
    return "%s (duplicate %s)" % (record.get("name"), record["sys_id"])


class SubTask:
    """The TaskContext a building block's logic gets inside this task: other parameters, the same log, warnings
    and progress."""

    def __init__(self, task, params):
        self.params = params
        self.check_mode = task.check_mode
        self.servicenow = task.servicenow
        self.log = task.log
        self.warn = task.warn
        self.progress = task.progress


def run(task, sleep=time.sleep, clock=time.time, today=rotation.today):
    params = task.params
    _check_options(params)
    if params["rotate"]:
        params = dict(params, update_secret="always")
    sites = plan.plan(params["sites"], params["option"], params["name_prefix"], params["grant_type"])
    client = task.servicenow  # the instance options are checked here, before any request
    rotation.refuse_unchecked(sites, params, client.host)
    reconciler = task.reconciler()
    if params["rotate"]:
        reconciler.guard = lambda changes: rotation.guard(changes, client.host)
    setup = Setup(task, params, sites, reconciler)
    if params["state"] == "present":
        setup.jira_offline(today())  # the Jira options, scopes and token expiry, still before any request
    setup.read()  # with the pre-flight: a problem of the instance stops here
    if params["state"] == "absent":
        return setup.teardown()
    setup.jira_side()  # a refused token, a missing Cloud ID or granted scope stops here, still before any write
    setup.merge()
    setup.reconcile()
    if not task.check_mode:
        setup.read_back()
    if params["option"] == "oauth":
        setup.consents(sleep, clock)
    return setup.result(client)


def _check_options(params):
    """What the argument spec cannot say, before any request; each message names the option."""
    if params["wait_for_consent"] < 0:
        raise OptionError("wait_for_consent must be 0 (report the browser step) or more seconds to wait, not %s."
                          % params["wait_for_consent"])
    if params["wait_interval"] <= 0:
        raise OptionError("wait_interval must be a positive number of seconds, not %s." % params["wait_interval"])
    if params["warn_days"] < 0:
        raise OptionError("warn_days must be 0 or more days, not %s." % params["warn_days"])
    prefix = params["name_prefix"]
    if not prefix.strip() or prefix != prefix.strip():
        raise OptionError("name_prefix %r must be a word, without leading or trailing spaces (it begins every record "
                          "name)." % prefix)
    if params["required_scopes"] is not None:
        scope_catalogue.expand(params["required_scopes"], option="required_scopes")
    rotation.check_options(params)


class Setup:
    """One run of the set-up over every site of the instance."""

    def __init__(self, task, params, sites, reconciler):
        self.task = task
        self.params = params
        self.sites = sites
        self.reconciler = reconciler
        self.client = reconciler.client
        self.oauth = params["option"] == "oauth"
        self.found = {}
        self.preflight = None
        self.jira = [{} for _site in sites]
        self.work = [{} for _site in sites]

    # -- 1. the Jira side --------------------------------------------------------------------------------------
    def _jira_params(self, **given):
        settings = dict((name, self.params.get(name)) for name in JIRA_CONNECTION.argument_spec())
        for name in ("jira_url", "username", "api_token", "access_token", "client_id", "client_secret"):
            settings[name] = None  # never from JIRA_* variables: each site's own credentials only
        settings.update(configured_scopes=None, required_scopes="documented", probes=True, connection_url=None,
                        fail_on_problems=True)
        settings.update(given)
        return settings

    def jira_offline(self, today):
        """Before any request: the Jira connection options, each OAuth site's scopes against those it needs, and
        each API token's expiry date where one is given."""
        JiraClient.from_options(self._jira_params(), warn=self.task.warn)
        for site, facts in zip(self.sites, self.jira):
            found = rotation.expiry(site, today, self.params["warn_days"])
            if found is not None:
                facts["api_token_expiry"] = found
                warning = rotation.expiry_warning(site, found, self.client.host)
                if warning:
                    self.task.warn(warning)
            if self.oauth:
                required = self.params["required_scopes"] or site.required_scopes
                scope_check.run(SubTask(self.task, self._jira_params(configured_scopes=site.configured_scopes,
                                                                     required_scopes=required)))

    def jira_side(self):
        """Each site's Jira facts before the instance is written: a refused token or a missing scope stops here."""
        for site, facts in zip(self.sites, self.jira):
            try:
                self._jira_site(site, facts)
            except SnowspokeError as exc:
                if self.params["rotate"]:
                    raise rotation.refused(exc, site, self.client.host)
                raise

    def _jira_site(self, site, facts):
        if not self.oauth:
            facts["connection_url"] = site.connection_url or site.url
            if self.params["check_token"]:
                quiet = SubTask(self.task, self._jira_params(
                    jira_url=site.url, username=site.username, api_token=site.api_token,
                    connection_url=site.connection_url))
                # The API-token deprecation is said when a basic credential is made (reconcile), not every run.
                quiet.warn = lambda message: None if message == scope_check.BASIC_AUTH_WARNING else \
                    self.task.warn(message)
                checked = scope_check.run(quiet)
                facts.update(token_kind=checked["token_kind"], account=checked["account"],
                             cloud_id=checked["cloud_id"])
                facts["connection_url"] = site.connection_url or checked["connection_url"] or site.url
            return
        required = self.params["required_scopes"] or site.required_scopes
        cloud_id = site.cloud_id
        probe = site.grant_type == "client_credentials" or site.access_token
        if self.params["probe_scopes"] and probe:
            credentials = {"client_id": site.client_id, "client_secret": site.client_secret} \
                if site.grant_type == "client_credentials" else {"access_token": site.access_token}
            checked = scope_check.run(SubTask(self.task, self._jira_params(
                jira_url=site.url, required_scopes=required, **credentials)))
            facts.update(granted_scopes=checked.get("granted_scopes"))
            cloud_id = cloud_id or checked.get("cloud_id")
        if not cloud_id and not site.connection_url:
            cloud_id = JiraClient.from_options(self._jira_params(), log=self.task.log).tenant_info(site.url)
        facts["cloud_id"] = cloud_id
        facts["connection_url"] = site.connection_url or "https://api.atlassian.com/ex/jira/%s" % cloud_id

    # -- 2. reads -----------------------------------------------------------------------------------------------
    def read(self):
        """Two round trips: everything by name, then what needs a sys_id from the first; then the pre-flight."""
        params, shipped = self.params, self.params["shipped_alias"]
        preflight_params = {"spoke_scope": spoke.SPOKE_SCOPE, "alias": shipped,
                            "required_plugins": list(spoke.REQUIRED_PLUGINS), "check_schema": True,
                            "required_attributes": list(spoke.REQUIRED_ATTRIBUTES), "fail_on_problems": True}
        first = spoke.reads(preflight_params, self.client.user) if params["preflight"] else Reads().add(
            "shipped_alias", "sys_alias", {"id": shipped}, tables.SYS_ALIAS.read_fields())
        absent = params["state"] == "absent"
        kind = "oauth_2_0_credentials" if self.oauth else "basic_auth_credentials"
        # The child aliases of the shipped alias: one read for every site (a site's connection may sit on one).
        first.add("children", "sys_alias", {"parent.id": shipped},
                  tables.SYS_ALIAS.read_fields("sys_scope.scope", "sys_created_on"))
        if not absent:
            first.add("active_shipped", "http_connection", {"connection_alias.id": shipped, "active": True},
                      http_connection.CONNECTION_FIELDS)
        for site in self.sites:
            i = site.index
            if self.oauth:
                # The whole tree (tokens, requestor profiles) also when setting up: duplicates get merged.
                first.extend(oauth_registry.reads(site.registry, absent=True))
                first.add(("profile_users", i), "oauth_2_0_credentials",
                          {"oauth_entity_profile.oauth_entity.name": site.registry}, ["name", "oauth_entity_profile"])
            elif params["cleanup_previous_option"] and not absent:
                first.extend(oauth_registry.reads(site.registry, absent=True))
            first.add(("credential", i), kind, {"name": site.credential},
                      tables.CREDENTIAL_TABLES[kind].read_fields("sys_created_on"))
            first.add(("connection", i), "http_connection", {"name": site.connection}, CONNECTION_READ)
            if absent:
                first.add(("credential_users", i), "sys_connection", {"credential.name": site.credential},
                          ["name", "credential"])
                first.add(("child_users", i), "sys_connection", {"connection_alias.name": site.child_alias,
                                                                 "connection_alias.parent.id": shipped},
                          ["name", "connection_alias"])
            else:
                first.add(("active_child", i), "http_connection", {"connection_alias.name": site.child_alias,
                                                                   "connection_alias.parent.id": shipped,
                                                                   "active": True}, http_connection.CONNECTION_FIELDS)
                if params["cleanup_previous_option"]:
                    other = "basic_auth_credentials" if self.oauth else "oauth_2_0_credentials"
                    first.add(("other_credential", i), other, {"name": site.other_credential}, ["name"])
                    first.add(("other_users", i), "sys_connection", {"credential.name": site.other_credential},
                              ["name", "credential"])
        found = first.fetch(self.client)

        second = spoke.more_reads(preflight_params, found) if params["preflight"] else Reads()
        shipped_rows = found["shipped_alias"]
        shipped_alias = shipped_rows[0] if isinstance(shipped_rows, list) and len(shipped_rows) == 1 else None
        if shipped_alias is not None and not params["preflight"]:
            second.add("definitions", *attributes.definitions_read([shipped_alias["sys_id"]]))
        for site in self.sites:
            i = site.index
            connections = [row["sys_id"] for row in found[("connection", i)]]
            if connections:  # more than one: duplicates, merged or named below
                table, _query, fields = attributes.values_read(None)
                second.add(("values", i), table, Query().where("document", "=", attributes.CONNECTION_TABLE).where(
                    "document_key", "IN", connections), fields)
            creds = [row["sys_id"] for row in found[("credential", i)]]
            if self.oauth and not absent and creds:
                table, _query, fields = oauth_token.token_read(None)
                second.add(("tokens", i), table, Query().where("oauth_requestor_profile.requestor_id", "IN", creds),
                           fields)
        children = [row["sys_id"] for row in found["children"]]
        if children and not absent:
            second.add("child_definitions", *attributes.definitions_read(children))
        found.update(second.fetch(self.client))
        self.found = found
        if params["preflight"]:
            try:
                self.preflight = spoke.evaluate(self.task, preflight_params, self.client, found)
            except RecordError as exc:
                # The message names every problem; the pre-flight facts (kilobytes) are servicenow_spoke_info's.
                exc.details = {}
                raise
        self.shipped = self.reconciler.one("sys_alias", {"id": shipped}, shipped_rows,
                                           label="connection alias") if isinstance(shipped_rows, list) else None
        if self.shipped is None:
            raise RecordError("The Jira spoke's connection alias %s is missing on %s." % (shipped, self.client.host),
                              hint="Install or repair the Jira spoke; snowspoke.jira.servicenow_spoke_info checks it.")

    # -- 4. duplicates of concurrent runs (merge.py) -------------------------------------------------------------
    def merge(self):
        """Duplicates that runs at the same time made, merged before anything is reconciled: the oldest is kept,
        the others are removed at the end of the run, once the set-up's records point at the one kept."""
        merges = self.merges = Merges(self.client.host)
        found = self.found
        for site in self.sites:
            i = site.index
            if self.oauth:
                name = site.registry
                rows = found[("registry", name)]
                ids = set(row["sys_id"] for row in rows)
                profiles = [row for row in found[("profiles", name)] if row.get("oauth_entity") in ids]
                users = [row for row in found[("profile_users", i)]
                         if row.get("oauth_entity_profile") in set(row["sys_id"] for row in profiles)]
                if all((user.get("name") or "").lower() == site.credential.lower() for user in users):
                    desired = dict((field, value) for field, value in oauth_registry.desired_registry(
                        self._registry_params(site)).items() if field in (
                            "client_id", "default_grant_type", "auth_url", "token_url"))
                    found[("registry", name)] = merges.pick("oauth_entity", "application registry", rows, desired)
                kept = found[("registry", name)]
                defaults = [row["sys_id"] for row in profiles if len(kept) == 1
                            and row.get("oauth_entity") == kept[0]["sys_id"] and row.get("default") == "true"]
                for profile in profiles:  # a credential on a merged registry's profile moves to the kept one
                    if defaults and profile.get("oauth_entity") in merges.kept:
                        merges.kept[profile["sys_id"]] = defaults[0]
                rows = found[("credential", i)]
                # An empty profile: the one it was on was merged away by another run (its reference cleared).
                targets = set(merges.mapped(row.get("oauth_entity_profile")) for row in rows) - {"", None}
                if len(targets) <= 1 and (not defaults or targets <= set(defaults)):
                    found[("credential", i)] = merges.pick("oauth_2_0_credentials", "OAuth 2.0 credential", rows, {})
            else:
                found[("credential", i)] = merges.pick("basic_auth_credentials", "basic auth credential",
                                                       found[("credential", i)], {"user_name": site.username})
            by_name = [row for row in found["children"] if row["name"].lower() == site.child_alias.lower()]
            if len(by_name) > 1:
                kept = merges.pick("sys_alias", "child connection alias", by_name, {
                    "type": self.shipped.get("type") or "connection",
                    "connection_type": self.shipped.get("connection_type") or "http_connection"})
                found["children"] = [row for row in found["children"] if row not in by_name] + kept
            found[("connection", i)] = merges.pick(
                "http_connection", "HTTP connection", found[("connection", i)],
                {"connection_url": self.jira[i]["connection_url"]})
            # The attribute values of the connection kept, and apart those of the ones merged away.
            kept_ids = set(row["sys_id"] for row in found[("connection", i)])
            values = found.get(("values", i)) or []
            found[("values", i)] = [row for row in values if row.get("document_key") in kept_ids]
            found[("merged_values", i)] = [row for row in values if row.get("document_key") in merges.kept]
        for line in merges.lines:
            self.task.warn(line)

    def _remove_merged(self):
        """The duplicates merged away, after every write that repoints the set-up's records to the kept ones."""
        merges, reconciler = self.merges, self.reconciler
        if not merges.losers:
            return
        after = reconciler.barrier()
        for site in self.sites:
            i = site.index
            values = self.found.get(("merged_values", i)) or []
            for loser in merges.lost("http_connection"):
                if loser["name"].lower() != site.connection.lower():
                    continue
                own = [row for row in values if row.get("document_key") == loser["sys_id"]]
                done = reconciler.absent_set(attributes.VALUES_TABLE, {}, "sys_id", current=own, after=after,
                                             owner="%s %s" % (site.connection, loser["sys_id"]),
                                             label="attribute value").writes
                reconciler.absent("http_connection", current=loser, label="HTTP connection", after=after + done,
                                  name=merged_name(loser))
        after = reconciler.barrier()
        for table, label, loser in merges.losers:
            if table in ("oauth_2_0_credentials", "basic_auth_credentials"):
                tokens = [row for site in self.sites for row in self.found.get(("tokens", site.index)) or []
                          if row.get("oauth_requestor_profile.requestor_id") == loser["sys_id"]]
                done = reconciler.absent_set("oauth_credential", {}, "sys_id", current=tokens, after=after,
                                             owner=loser["sys_id"], label="OAuth token").writes if tokens else []
                reconciler.absent(table, current=loser, label=label, after=after + done, name=merged_name(loser))
            elif table == "sys_alias":
                reconciler.absent(table, current=loser, label=label, after=after, name=merged_name(loser))
        after = reconciler.barrier()
        for site in self.sites:
            for loser in merges.lost("oauth_entity"):
                if loser["name"].lower() != site.registry.lower():
                    continue
                tree = self._registry_tree(site.registry, loser)
                oauth_registry.absent(SubTask(self.task, {}), reconciler,
                                      {"name": site.registry, "delete_credentials": False}, tree, after=after,
                                      display=merged_name(loser))

    def _registry_tree(self, name, registry):
        """The found rows of one of several registries of a name (for its removal)."""
        ids = {registry["sys_id"]}
        profiles = [row for row in self.found[("profiles", name)] if row.get("oauth_entity") in ids]
        profile_ids = set(row["sys_id"] for row in profiles)
        return {("registry", name): [registry],
                ("scopes", name): [row for row in self.found[("scopes", name)] if row.get("oauth_entity") in ids],
                ("profiles", name): profiles,
                ("profile_scopes", name): [row for row in self.found[("profile_scopes", name)]
                                           if row.get("oauth_entity_profile") in profile_ids],
                ("credentials", name): [],
                ("tokens", name): [row for row in self.found[("tokens", name)] if row.get("peer") in ids],
                ("requestors", name): [row for row in self.found[("requestors", name)]
                                       if row.get("oauth_entity_profile") in profile_ids]}

    # -- 5. writes ----------------------------------------------------------------------------------------------
    def _site_found(self, site, **more):
        i = site.index
        found = dict((key[0], value) for key, value in self.found.items()
                     if isinstance(key, tuple) and len(key) == 2 and key[1] == i)
        found.update(more)
        return found

    def _choose_aliases(self):
        """Where each site's connection lives. A site keeps its alias across runs, whatever its place in the list:
        the alias its connection is on today, unless the site says ``alias: shipped|child`` (a move). A new site
        takes the shipped alias when no site of the instance holds it, else a child alias."""
        shipped_id = self.shipped["sys_id"]
        holders = set()
        choices = {}
        for site in self.sites:
            rows = self.found[("connection", site.index)]
            current = self.reconciler.one("http_connection", {"name": site.connection}, rows, label="HTTP connection")
            self.work[site.index]["current_connection"] = current
            if current is None:
                continue
            if current.get("connection_alias") == shipped_id:
                choices[site.index] = "shipped"
            elif current.get("connection_alias.parent") == shipped_id:
                choices[site.index] = "child"
                # A site stays on the child alias it is on, whatever its name (a name given later, an older one).
                self.work[site.index]["child_name"] = [row["name"] for row in self.found["children"]
                                                       if row["sys_id"] == current["connection_alias"]][0]
            elif site.alias_choice is None:
                where = current.get("connection_alias.id") or current.get("connection_alias")
                raise RecordError(
                    "Connection %r is on alias %s, which is not the Jira spoke's alias %s nor one of its child "
                    "aliases, on %s." % (site.connection, where, self.params["shipped_alias"], self.client.host),
                    hint="Give the site alias: shipped or alias: child to move it, or rename the connection.")
            if choices.get(site.index) == "shipped":
                holders.add(site.index)
        for site in self.sites:
            if site.alias_choice is not None:
                choices[site.index] = site.alias_choice
            elif site.index not in choices:
                choices[site.index] = "child" if holders else "shipped"
            if choices[site.index] == "shipped":
                holders.add(site.index)
        shipped_sites = [site.where for site in self.sites if choices[site.index] == "shipped"]
        if len(shipped_sites) > 1:
            raise OptionError("%s all ask for the shipped alias; it holds one active connection: give the others "
                              "alias: child." % " and ".join(shipped_sites))
        return choices

    def reconcile(self):
        task, reconciler = self.task, self.reconciler
        choices = self._choose_aliases()
        shipped_definitions = attributes.definitions_from(
            self.found.get("definitions") if isinstance(self.found.get("definitions"), list) else [],
            [self.shipped["sys_id"]])
        registries = {}
        for site in self.sites:
            work = self.work[site.index]
            work["choice"] = choices[site.index]
            if work["choice"] == "child":
                name = work.get("child_name") if site.alias_choice is None else None
                alias_params = {"name": name or site.child_alias, "parent": self.shipped["sys_id"],
                                "state": "present", "multiple_connections": False, "spoke_scope": spoke.SPOKE_SCOPE,
                                "force": False}
                alias_found = {"parent": [self.shipped], "parent_definitions": [], "definitions": [],
                               "alias": [row for row in self.found["children"]
                                         if row["name"].lower() == alias_params["name"].lower()]}
                work["alias"], _parent, work["alias_extra"] = connection_alias.reconcile(
                    SubTask(task, alias_params), reconciler, alias_params, alias_found)
            if self.oauth:
                registries[site.index] = oauth_registry.begin(SubTask(task, {}), reconciler,
                                                              self._registry_params(site), self.found)
            else:
                work["credential"] = credential.reconcile(SubTask(task, {}), reconciler, self._credential_params(site),
                                                          self._site_found(site))
        if self.oauth:
            created = [work for work in registries.values() if work.state.action == "create"]
            if created and not task.check_mode:
                reconciler.flush()  # the instance makes a new registry's default profile when it is saved
                reads = Reads()
                for work in created:
                    reads.extend(work.profile_reads())
                self.found.update(reads.fetch(self.client))
            for site in self.sites:
                work = self.work[site.index]
                registry = oauth_registry.finish(SubTask(task, {}), reconciler, registries[site.index], self.found)
                work["registry"] = registry
                work["credential"] = credential.reconcile(
                    SubTask(task, {}), reconciler, self._credential_params(site), self._site_found(site),
                    profile=registry.profile)
        # A connection leaving an alias goes first: another site's connection may be taking that alias.
        for site in sorted(self.sites, key=lambda site: not self._leaves_alias(site)):
            self._connection(site, shipped_definitions)
        made = [site.name for site in self.sites
                if not self.oauth and self.work[site.index]["credential"].action == "create"]
        if made:
            self.task.warn("%s (site %s on %s)" % (scope_check.BASIC_AUTH_WARNING, ", ".join(made), self.client.host))
        self._remove_merged()
        try:
            reconciler.flush()
        except AccessDeniedError as exc:
            if exc.details.get("table") == "http_connection":
                self._twin(exc)
            raise

    def _twin(self, refused):
        """A connection the instance refused: when a connection of the same name appeared meanwhile, another run is
        setting up this instance at the same time - say so (a rerun merges what both made), not the refusal."""
        names = [site.connection for site in self.sites if self.work[site.index]["current_connection"] is None]
        if not names:
            return
        rows = self.client.list("http_connection", Query().where("name", "IN", names), fields=["name", "sys_id"])
        if rows:
            raise RecordError(
                "ServiceNow instance %s refused to create connection %s because connection %s appeared meanwhile: "
                "another run is setting up this instance at the same time." % (
                    self.client.host, ", ".join(repr(name) for name in names), lookups.describe(rows)),
                hint="Run again once it is done: the set-up merges the duplicates both runs made.",
                table="http_connection")

    def _registry_params(self, site):
        return {"name": site.registry, "state": "present", "client_id": site.client_id,
                "client_secret": site.client_secret, "update_secret": self.params["update_secret"],
                "grant_type": site.grant_type, "auth_url": None, "token_url": oauth_registry.ATLASSIAN_TOKEN_URL,
                "refresh_token_url": None, "revoke_token_url": None, "redirect_url": None,
                "access_token_lifespan": None, "refresh_token_lifespan": None, "active": True, "comments": None,
                "scopes": site.scopes, "scope_groups": site.scope_groups, "purge_scopes": True,
                "delete_credentials": False, "allow_unknown_scopes": False}

    def _credential_params(self, site, state="present"):
        params = {"name": site.credential, "state": state, "update_secret": self.params["update_secret"],
                  "active": True, "order": None, "force": False, "username": None, "password": None,
                  "api_key": None, "oauth_profile": None, "oauth_registry": None}
        if self.oauth:
            params.update(type="oauth_2_0_credentials", oauth_registry=site.registry)
        else:
            params.update(type="basic_auth_credentials", username=site.username, password=site.api_token)
        return params

    def _alias_ref(self, site):
        work = self.work[site.index]
        return work["alias"].ref if work["choice"] == "child" else self.shipped["sys_id"]

    def _leaves_alias(self, site):
        current = self.work[site.index]["current_connection"]
        return current is not None and current.get("connection_alias") != self._alias_ref(site)

    def _connection(self, site, shipped_definitions):
        work = self.work[site.index]
        if work["choice"] == "child":
            alias = work["alias"]
            child_rows = [row for row in self.found.get("child_definitions") or [] if alias.sys_id
                          and row.get("model") == alias.sys_id]
            known = dict(shipped_definitions)
            known.update((row["element"], row) for row in child_rows)
            active = self.found.get(("active_child", site.index)) or []
        else:
            alias, known, active = self.shipped, shipped_definitions, self.found["active_shipped"]
        attributes_wanted = {"server_type": "cloud"}
        if self.oauth:
            attributes_wanted = {"api_version": "2", "server_type": "cloud"}
        conn_params = {"name": site.connection, "state": "present", "alias": self.params["shipped_alias"],
                       "credential": site.credential, "connection_url": self.jira[site.index]["connection_url"],
                       "attributes": attributes_wanted, "purge_attributes": False, "active": True, "use_mid": None,
                       "mid_selection": None, "order": None, "deactivate_others": self.params["deactivate_others"],
                       "validate_url": True}
        current = work["current_connection"]
        found = {"connection": [dict((key, value) for key, value in current.items() if key not in _CONNECTION_EXTRA)]
                 if current else [], "values": self.found.get(("values", site.index)) or []}
        # Another site's connection on this alias that this run moves away is no rival: it goes first.
        leaving = [other for other in self.sites if other is not site and self._leaves_alias(other)
                   and self.work[other.index]["current_connection"].get("connection_alias") == self._alias_ref(site)]
        moved = set(self.work[other.index]["current_connection"]["sys_id"] for other in leaving)
        work["connection"] = http_connection.reconcile(
            SubTask(self.task, conn_params), self.reconciler, conn_params, found, alias=alias,
            credential=work["credential"], definitions=known,
            active=[row for row in active if row["sys_id"] not in moved],
            after=[write for other in leaving for write in self.work[other.index]["connection"].state.writes])
        if self.params["cleanup_previous_option"]:
            self._cleanup_previous(site, current, work["connection"].state.writes)

    def _cleanup_previous(self, site, current, after):
        """The other option's credential (and registry) of this site, left behind when the site switched option:
        removed once the connection no longer uses it, if nothing else does; else named in a warning."""
        if current is None or (current.get("credential.name") or "").lower() != site.other_credential.lower():
            return
        others = self.found.get(("other_credential", site.index)) or []
        if len(others) != 1:
            return
        users = [row for row in self.found[("other_users", site.index)] if row.get("credential") == others[0]["sys_id"]
                 and row["sys_id"] != current["sys_id"]]
        if users:
            self.task.warn("Credential %r of the previous set-up of site %s is still used by %s on %s: it was left "
                           "in place." % (site.other_credential, site.name, ", ".join(repr(u["name"]) for u in users),
                                          self.client.host))
            return
        if self.oauth:
            self.reconciler.absent("basic_auth_credentials", current=others[0], label="basic auth credential",
                                   after=after)
            return
        registry_params = {"name": site.registry, "delete_credentials": True}
        oauth_registry.absent(SubTask(self.task, registry_params), self.reconciler, registry_params, self.found,
                              after=after)

    def read_back(self):
        """Attribute values are stored in a way ServiceNow does not document: read back what was written."""
        for work in self.work:
            work["connection"].read_back(self.reconciler)

    # -- 5. the browser step ------------------------------------------------------------------------------------
    def consents(self, sleep, clock):
        pending = []
        for site in self.sites:
            work = self.work[site.index]
            state = work["credential"]
            profile = work["registry"].profile
            if state.sys_id is None or profile.sys_id is None:
                work["consent"] = None  # check mode: created by this run
                continue
            record = dict(state.record, sys_id=state.sys_id)
            registry = work["registry"].state.record or {}
            profile_record = dict(profile.record or {}, sys_id=profile.sys_id, oauth_entity=work["registry"].state.sys_id)
            profile_record.update({"oauth_entity.name": registry.get("name"),
                                   "oauth_entity.client_id": registry.get("client_id"),
                                   "oauth_entity.default_grant_type": registry.get("default_grant_type"),
                                   "oauth_entity.redirect_url": registry.get("redirect_url"),
                                   "oauth_entity.refresh_token_lifespan": registry.get("refresh_token_lifespan")})
            consent = oauth_token.Consent(self.client.base_url, record, profile_record)
            consent.rows = [row for row in self.found.get(("tokens", site.index)) or []
                            if row.get("oauth_requestor_profile.requestor_id") == state.sys_id]
            work["consent"] = consent
            pending.append(consent)
        waited = oauth_token.wait_for(self.task, self.client, pending, self.params["wait_for_consent"],
                                      self.params["wait_interval"], sleep, clock)
        for work in self.work:
            if work["consent"] is not None:
                work["consent_report"] = oauth_token.report(self.task, self.client, work["consent"],
                                                            self.params["warn_days"], waited, clock)

    # -- teardown -----------------------------------------------------------------------------------------------
    def teardown(self):
        """Everything the set-up made, children first: connections (with their values), credentials, registries,
        child aliases. A record still used by something this run does not remove stops the task, named."""
        reconciler, task = self.reconciler, self.task
        removed_connections = set()
        after = []
        for site in self.sites:
            conn_params = {"name": site.connection, "state": "absent"}
            found = {"connection": self.found[("connection", site.index)],
                     "values": self.found.get(("values", site.index)) or []}
            definitions = [row for key in ("definitions", "child_definitions")
                           for row in (self.found.get(key) if isinstance(self.found.get(key), list) else [])]
            work = http_connection.reconcile(SubTask(task, conn_params), reconciler, conn_params, found,
                                             definitions=dict((row["sys_id"], row) for row in definitions))
            removed_connections.update(row["sys_id"] for row in found["connection"])
            after += work.state.writes
        for site in self.sites:
            found = self._site_found(site)
            found["users"] = [row for row in found["credential_users"] if row["sys_id"] not in removed_connections]
            removed = credential.reconcile(SubTask(task, {}), reconciler, self._credential_params(site, "absent"),
                                           found)
            if self.oauth:
                # The credential goes first (above); the registry then holds no credential of its own set-up.
                registry_params = {"name": site.registry, "delete_credentials": False}
                registry_found = dict(self.found)
                registry_found[("credentials", site.registry)] = [
                    row for row in self.found[("credentials", site.registry)] if row["sys_id"] != removed.sys_id]
                oauth_registry.absent(SubTask(task, registry_params), reconciler, registry_params, registry_found,
                                      after=after + removed.writes)
            after += removed.writes
        for site in self.sites:
            alias_params = {"name": site.child_alias, "parent": self.shipped["sys_id"], "state": "absent",
                            "force": False, "multiple_connections": False, "spoke_scope": spoke.SPOKE_SCOPE}
            users = [row for row in self.found[("child_users", site.index)] if row["sys_id"] not in removed_connections]
            alias_rows = [row for row in self.found["children"] if row["name"].lower() == site.child_alias.lower()]
            connection_alias.reconcile(SubTask(task, alias_params), reconciler, alias_params,
                                       {"parent": [self.shipped], "alias": alias_rows, "users": users}, after=after)
        reconciler.flush()
        return dict(self._facts(), changed=reconciler.changed, sites=[
            {"name": site.name, "url": site.url} for site in self.sites], pending=[], diff=reconciler.diff())

    def _facts(self):
        return {"instance": self.client.base_url, "option": self.params["option"], "state": self.params["state"],
                "check_mode": self.task.check_mode, "rotate": self.params["rotate"], "preflight": self.preflight}

    # -- the result ---------------------------------------------------------------------------------------------
    def result(self, client):
        sites, pending = [], []
        rotated = rotation.rotated(self.reconciler.changes) if self.params["rotate"] else {}
        for site in self.sites:
            work = self.work[site.index]
            connection = http_connection.result(self.reconciler, work["connection"])["connection"]
            entry = {"name": site.name, "url": site.url, "alias": {
                "shipped": work["choice"] == "shipped",
                "id": self.shipped.get("id") if work["choice"] == "shipped" else (work["alias"].record or {}).get("id"),
                "name": self.shipped.get("name") if work["choice"] == "shipped" else site.child_alias},
                "connection": connection, "credential": dict(work["credential"].record or {},
                                                             type=self._credential_params(site)["type"]),
                "jira": self.jira[site.index]}
            if self.params["rotate"]:
                owned = (change_key(entry["credential"]["type"], site.credential), change_key("oauth_entity", site.registry))
                entry["rotated"] = [text for key, text in rotated.items() if key in owned]
            if self.oauth:
                registry = work["registry"]
                entry["registry"] = oauth_registry.result(self.reconciler, registry)["registry"]
                report = work.get("consent_report")
                entry["consent"] = report
                if report is not None and not report["consent_given"]:
                    pending.append(work["consent"].step(client.host))
                elif report is None:
                    pending.append("Once the records exist: the \"Get OAuth Token\" step of credential %r." % site.credential)
            sites.append(entry)
        more = {"rotated": sorted(rotated.values())} if self.params["rotate"] else {}
        return dict(self._facts(), changed=self.reconciler.changed, sites=sites, pending=pending,
                    diff=self.reconciler.diff(), **more)
