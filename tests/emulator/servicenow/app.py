"""The fleet: one emulator application serving many ServiceNow instances, each with its own data, routed by
virtual host ``<instance>.service-now.com``; plus the control API under ``/_emulator/servicenow/``."""

import html
import os
import re
import threading
import time

from ..http import html_response, json_response
from . import auth, oauth, seed, tableapi, ui, webhooks
from .instance import RUNTIME_OPTIONS, SEED_OPTIONS, SWITCHES, Instance, check_switches
from .store import Store

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_CONTROL_RECORDS = re.compile(r"^([^/]+)/records/([^/]+)(?:/([^/]+))?$")
KNOWN_OPTIONS = frozenset(RUNTIME_OPTIONS + SEED_OPTIONS + tuple(SWITCHES))


def _html(status, title, message, headers=None):
    return html_response(status, "<!DOCTYPE html><html><head><title>%s</title></head><body><h1>%s</h1><p>%s</p>"
                                 "</body></html>" % (html.escape(title), html.escape(title), html.escape(message)),
                         headers, write=False)


class ServiceNowFleet:
    """Many emulated ServiceNow instances behind one emulator application.

    ``db_path``: SQLite file (or ":memory:"); a fleet re-opened on an existing file keeps its instances and
    data. ``clock``: a function returning the current UNIX time (tests may move time forward).
    """

    name = "servicenow"

    def __init__(self, db_path=":memory:", domain="service-now.com", clock=None):
        self.domain = domain.lower()
        self.clock = clock or time.time
        self.store = Store(db_path)
        self.server = None
        self._lock = threading.Lock()
        self._instances = {}
        # Jira events posted to each instance's webhook callback, accepted or not: {instance name: [entry]}.
        self.webhook_events = {}
        for name, options, credentials, key in self.store.load_instances():
            self._instances[name] = Instance(self, name, options, credentials, key)

    # -- emulator application protocol -----------------------------------------------------------------
    def attach(self, server):
        """Called by the EmulatorServer: outbound calls of instances go through ``server.dispatch``."""
        self.server = server

    def close(self):
        self.store.close()

    def _name_for(self, host):
        suffix = "." + self.domain
        host = (host or "").lower()
        if not host.endswith(suffix):
            return None
        name = host[:-len(suffix)]
        return name if name in self._instances else None

    def handles(self, host):
        return self._name_for(host) is not None

    def label_for(self, request):
        return self._name_for(request.host)

    def handle(self, request):
        instance = self._instances.get(self._name_for(request.host))
        if instance is None:
            return _html(404, "Instance not found", "No such instance: %s" % request.host)
        response = self._serve(instance, request)
        response.label = instance.name
        response.write = bool(response.write) and response.status < 400
        return response

    def _serve(self, instance, request):  # pylint: disable=too-many-return-statements
        if instance.option("hibernating"):
            return _html(200, "Instance Hibernating page",
                         "Your instance is hibernating. Log in to wake it up: the instance is hibernating.")
        path = request.path
        # The OAuth redirect releases the lock while the provider answers: it manages its own transactions.
        if path == "/oauth_redirect.do":
            return oauth.redirect(instance, request)
        with self.store.transaction():
            if path == "/oauth_token.do":
                return oauth.token_endpoint(instance, request)
            if path == "/oauth_initiator.do":
                return oauth.initiator(instance, request)
            if path.startswith("/api/") and webhooks.serves(instance, path):
                # The spoke's Scripted REST API authenticates the event itself (its token), not the caller.
                return webhooks.callback(instance, request)
            if path.startswith("/api/"):
                caller = auth.authenticate(instance, request)
                if not caller.ok:
                    return self._unauthenticated(instance, caller)
                return tableapi.route(instance, request, caller)
            if path.endswith(".do") and path not in ("/login.do", "/navpage.do"):
                page = ui.handle(instance, request)
                if page is not None:
                    return page
            if path in ("/", "/login.do", "/navpage.do"):
                return self._login_page(instance)
        return _html(404, "Page not found", "The page %s does not exist on %s." % (path, instance.name))

    @staticmethod
    def _login_page(instance):
        return _html(200, "ServiceNow", "Log in to %s." % instance.url)

    @staticmethod
    def _unauthenticated(instance, caller):
        if instance.option("sso_redirect"):
            return _html(200, "Single Sign-On", "Redirecting to your identity provider to log in to %s (SSO)."
                         % instance.name)
        headers = {"WWW-Authenticate": 'BASIC realm="Service-now"'}
        if caller.failure == "mfa":
            headers["X-MFA_TOKEN"] = "invalid"
        return tableapi.error(401, "User Not Authenticated", "Required to provide Auth information", headers)

    # -- instances -------------------------------------------------------------------------------------
    def add_instance(self, name, **options):
        """Create an instance with its seed (idempotent by name: an existing one gets its runtime switches
        updated and is returned). Options: RUNTIME_OPTIONS, SEED_OPTIONS and SWITCHES (instance.py);
        profiles.PROFILES names sets of SWITCHES."""
        unknown = set(options) - KNOWN_OPTIONS
        if unknown:
            raise ValueError("unknown instance options: %s" % ", ".join(sorted(unknown)))
        check_switches(options)
        name = name.lower()
        if not _NAME.match(name):
            raise ValueError("invalid instance name %r" % name)
        with self._lock:
            existing = self._instances.get(name)
            if existing is not None:
                switches = {k: v for k, v in options.items() if k not in SEED_OPTIONS}
                if switches:
                    existing.set_options(**switches)
                return existing
            options = dict({"spoke_installed": True, "spoke_active": True, "spoke_version": "6.0.1",
                            "plugins_active": True}, **options)
            if "mfa_users" in options:
                options["mfa_users"] = list(options["mfa_users"] or ())
            credentials = seed.new_credentials(options)
            options.pop("admin_password", None)
            options.pop("viewer_password", None)
            instance = Instance(self, name, options, credentials, os.urandom(32).hex())
            with self.store.transaction():
                self.store.save_instance(name, options, credentials, instance.key.hex())
                seed.seed(instance)
            self._instances[name] = instance
            return instance

    def instance(self, name):
        return self._instances[name.lower()]

    def instances(self):
        return list(self._instances.values())

    def remove_instance(self, name):
        with self._lock:
            instance = self._instances.pop(name.lower(), None)
            if instance is not None:
                self.store.delete_instance(instance.name)
                self.webhook_events.pop(instance.name, None)
            return instance is not None

    # -- control API (/_emulator/servicenow/...) ---------------------------------------------------------
    def control(self, request, sub):  # pylint: disable=too-many-return-statements
        try:
            return self._control(request, sub.strip("/"))
        except (ValueError, TypeError) as exc:
            return json_response(400, {"error": {"message": str(exc)}})
        except KeyError as exc:
            return json_response(404, {"error": {"message": "Not found: %s" % exc}})

    def _control(self, request, sub):  # pylint: disable=too-many-return-statements
        method = request.method
        if sub == "instances":
            if method == "POST":
                spec = dict(request.json() or {})
                instance = self.add_instance(spec.pop("name"), **spec)
                return json_response(201, {"result": instance.summary()})
            return json_response(200, {"result": [i.summary() for i in self.instances()]})
        match = _CONTROL_RECORDS.match(sub)
        if match:
            return self._control_records(request, self.instance(match.group(1)), match.group(2), match.group(3))
        name, _sep, action = sub.partition("/")
        instance = self.instance(name)
        if not action:
            if method == "DELETE":
                self.remove_instance(name)
                return json_response(200, {"result": "removed"})
            if method == "PATCH":
                instance.set_options(**(request.json() or {}))
            return json_response(200, {"result": instance.summary()})
        spec = request.json() or {}
        if action == "consent" and method == "POST":
            if spec.get("decision", "accept") not in ("accept", "deny"):
                raise ValueError("decision must be accept or deny")
            return json_response(200, {"result": instance.consent(spec["credential"], spec.get("atlassian_user"),
                                                                  spec.get("decision", "accept"))})
        if action == "webhook_events":
            if method == "DELETE":
                self.webhook_events.pop(instance.name, None)
            return json_response(200, {"result": self.webhook_events.get(instance.name, [])})
        if action == "client_credentials" and method == "POST":
            return json_response(200, {"result": instance.fetch_client_credentials_token(spec["credential"])})
        return json_response(404, {"error": {"message": "No control %s" % sub}})

    @staticmethod
    def _control_records(request, instance, table, sys_id):
        if not instance.has_table(table):
            raise ValueError("unknown table %s" % table)
        method = request.method
        if sys_id is None:
            if method == "POST":
                new_id = instance.insert(table, **(request.json() or {}))
                return json_response(201, {"result": instance.get(table, new_id)})
            return json_response(200, {"result": instance.records(table, request.arg("sysparm_query"))})
        if method == "PATCH":
            return json_response(200, {"result": instance.tamper(table, sys_id, **(request.json() or {}))})
        if method == "DELETE":
            return json_response(200 if instance.delete(table, sys_id) else 404, {"result": sys_id})
        record = instance.get(table, sys_id)
        if record is None:
            raise KeyError(sys_id)
        return json_response(200, {"result": record})
