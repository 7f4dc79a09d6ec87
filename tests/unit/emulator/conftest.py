"""Shared fixtures of the emulator tests: generated TLS material and a started front serving a ServiceNow fleet."""

import socket

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.emulator import certs
from tests.emulator.server import EmulatorServer
from tests.emulator.servicenow import ServiceNowFleet


@pytest.fixture(scope="session")
def tls_material(tmp_path_factory):
    """A throw-away test CA and server certificate (certs.TLSMaterial) for the whole test session."""
    return certs.generate(str(tmp_path_factory.mktemp("tls")))


class NoDelayAdapter(HTTPAdapter):
    """urllib3 leaves Nagle's algorithm on for proxied connections; a request body sent after its headers then
    waits for the server's delayed ACK (~40 ms a write). Tests turn it off to stay fast."""

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        proxy_kwargs.setdefault("socket_options", [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
        return super().proxy_manager_for(proxy, **proxy_kwargs)


class FleetServer:
    """A started EmulatorServer whose only application is a ServiceNowFleet, and ``requests`` sessions that
    reach ``https://<instance>.service-now.com`` through it (proxy + test CA)."""

    def __init__(self, tls, db_path=":memory:", apps=(), server=None):
        self.fleet = ServiceNowFleet(db_path=db_path)
        self.owns_server = server is None
        if server is None:
            server = EmulatorServer([self.fleet] + list(apps), tls=tls).start()
        else:  # a shared front: serve this fresh fleet from now on, with a clean log and no faults
            server.apps[:] = [self.fleet] + list(apps)
            self.fleet.attach(server)
            server.log.clear()
            server.clear_faults()
            server.latency = 0.0
        self.server = server
        self.tls = tls
        self.proxies = {"https": self.server.proxy_url, "http": self.server.proxy_url}
        self._sessions = []

    def session(self, auth=None, headers=None):
        """A new session through the front; ``auth`` (user, password) for basic auth."""
        session = requests.Session()
        session.trust_env = False  # the environment's proxy or CA bundle must not replace ours
        session.mount("https://", NoDelayAdapter())
        session.mount("http://", NoDelayAdapter())
        session.proxies = dict(self.proxies)
        session.verify = self.tls.ca_path
        session.auth = auth
        session.headers.update({"Accept": "application/json"})
        session.headers.update(headers or {})
        self._sessions.append(session)
        return session

    def admin(self, instance):
        """A basic-auth admin session for an Instance."""
        return self.session(auth=(instance.admin_user, instance.admin_password))

    def control(self, method, path, payload=None, **kwargs):
        """Call ``/_emulator/<path>`` directly on the front."""
        session = self.session()
        return session.request(method, "%s/_emulator/%s" % (self.server.base_url, path), json=payload,
                               proxies={"https": None, "http": None}, timeout=10, **kwargs)

    def close(self):
        for session in self._sessions:
            session.close()
        if self.owns_server:
            self.server.stop()
        else:
            self.fleet.close()


@pytest.fixture(scope="session")
def _sn_front(tls_material):
    # One front for the session (stopping a server costs its poll interval); each test gets a fresh fleet.
    server = EmulatorServer([], tls=tls_material).start()
    yield server
    server.stop()


@pytest.fixture
def sn_fleet_server(tls_material, _sn_front):
    """A started front serving a new, empty ServiceNowFleet (add instances with ``.fleet.add_instance``);
    ``.server`` is the EmulatorServer (log, faults), ``.session()``/``.admin(instance)`` give clients."""
    harness = FleetServer(tls_material, server=_sn_front)
    yield harness
    harness.close()
