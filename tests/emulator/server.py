"""The emulators' network front: one port on 127.0.0.1 that is at once

- an HTTP forward proxy (``CONNECT host:443`` is answered by terminating TLS here with the test CA's
  certificate, then serving the tunnelled requests ourselves; absolute-form ``GET http://host/...`` too), so
  clients use the real public URLs (``https://dev1.service-now.com``, ``https://acme.atlassian.net``,
  ``https://api.atlassian.com``) with ``proxy``/``HTTPS_PROXY`` pointing here and no byte leaving loopback;
- a direct HTTP and HTTPS server (the first byte tells TLS from plain text) for ``/_emulator/...`` controls
  and for requests whose Host header names an emulated host (``curl --resolve``).

Requests are routed to an application by virtual host name. Here, not in the applications, live the request
log, fault injection (429 with Retry-After, 5xx, dropped connections, delays; per host, method and path) and a
fixed latency.
"""

import fnmatch
import json
import random
import re
import socket
import socketserver
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Optional
from urllib.parse import parse_qs, urlsplit

from .http import Request, Response, json_response

CONTROL_PREFIX = "/_emulator/"
READ_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))
# Realistic-latency mode (``EmulatorServer.latency = REALISTIC_LATENCY``): a Table API round trip to a real
# instance from a controller in another region, in seconds.
REALISTIC_LATENCY = 0.25


@dataclass
class Fault:
    """A rule that replaces (or delays) the answer to matching requests.

    ``host`` is a glob on the virtual host (``dev1.service-now.com``, ``*.atlassian.net``); ``path`` a regular
    expression searched in the path; ``method`` a method or ``*``. ``times`` bounds how often it fires (None:
    always), ``skip`` lets that many matching requests through first. ``status`` answers with that status
    (``retry_after`` adds the header, ``body`` a JSON body); ``drop`` closes the connection without an answer;
    ``delay`` waits that many seconds before answering (normally, or with the fault's status). ``after``: the
    application serves the request first (a write is applied and logged as one), then the fault replaces or
    delays its answer: a lost answer to a request that took effect.
    """

    host: str = "*"
    method: str = "*"
    path: str = ""
    status: Optional[int] = None
    retry_after: Optional[str] = None
    headers: Dict[str, str] = field(default_factory=dict)
    body: object = None
    drop: bool = False
    delay: float = 0.0
    after: bool = False
    times: Optional[int] = None
    skip: int = 0
    fired: int = 0
    seen: int = 0

    def matches(self, request):
        return (
            fnmatch.fnmatch(request.host, self.host)
            and (self.method == "*" or self.method.upper() == request.method)
            and (not self.path or re.search(self.path, request.path) is not None)
        )

    def exhausted(self):
        return self.times is not None and self.fired >= self.times

    def response(self):
        headers = dict(self.headers)
        if self.retry_after is not None:
            headers["Retry-After"] = str(self.retry_after)
        body = self.body
        if body is None:
            body = {"error": {"message": "Emulated fault", "detail": "HTTP %d injected by the test" % self.status},
                    "status": "failure"}
        if self.status == 429 and self.body is None:
            body = {"error": {"message": "Rate limit exceeded", "detail": "Too many requests, retry later"},
                    "status": "failure"}
        return json_response(self.status, body, headers)


class Chaos:
    """Random faults at a seeded rate, for fault-injection drivers: each request to one of ``hosts`` (globs) is,
    with probability ``rate``, answered by one of ``kinds`` (chosen at random, reproducibly for a seed):

    - ``429``: rate limited, with Retry-After (ServiceNow and Atlassian both document 429 + Retry-After);
    - ``500``, ``502``, ``503``: server and gateway errors, before the request is served;
    - ``drop``: the connection closes before the request is served;
    - ``lost``: the request is served (a write happens), then the connection closes: a lost answer;
    - ``slow``: the request is served, and answered ``slow_delay`` seconds late (past a client's timeout).
    """

    KINDS = ("429", "500", "502", "503", "drop", "lost", "slow")

    def __init__(self, rate, seed, hosts=("*",), kinds=KINDS, retry_after="0.1", slow_delay=2.0):
        self.rate = rate
        self.random = random.Random(seed)
        self.hosts = tuple(hosts)
        self.kinds = tuple(kinds)
        self.retry_after = retry_after
        self.slow_delay = slow_delay
        self.fired = []

    def fault_for(self, request):
        if not any(fnmatch.fnmatch(request.host, host) for host in self.hosts) or self.random.random() >= self.rate:
            return None
        kind = self.random.choice(self.kinds)
        self.fired.append((kind, request.method, request.path))
        if kind == "429":
            return Fault(status=429, retry_after=self.retry_after)
        if kind in ("500", "502", "503"):
            return Fault(status=int(kind))
        if kind == "drop":
            return Fault(drop=True)
        if kind == "lost":
            return Fault(drop=True, after=True)
        return Fault(delay=self.slow_delay, after=True)


@dataclass
class LogEntry:
    time: float
    host: str
    label: Optional[str]
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    write: bool
    fault: bool = False
    item: bool = False  # a request carried inside a Batch API call, not one of its own on the wire
    user_agent: Optional[str] = None  # which client (and which of its execution paths) sent the request

    def as_dict(self):
        return dict(self.__dict__)


class RequestLog:
    """Thread-safe list of every request served (controls excluded).

    A Batch API call is one request on the wire and is listed as one; the requests it carried are listed after it as
    items (``item=True``): ``entries()`` leaves them out unless ``items=True``, ``writes()`` lists the writes they
    made instead of the call that carried them, so a test sees the same writes however they were sent.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = []

    def add(self, entry):
        with self._lock:
            self._entries.append(entry)

    def entries(self, host=None, label=None, method=None, path=None, writes_only=False, items=False):
        with self._lock:
            entries = list(self._entries)
        return [
            e for e in entries
            if (host is None or fnmatch.fnmatch(e.host, host))
            and (label is None or e.label == label)
            and (method is None or e.method == method.upper())
            and (path is None or re.search(path, e.path))
            and (not writes_only or e.write)
            and (items or not e.item)
        ]

    def writes(self, **kwargs):
        return self.entries(writes_only=True, items=True, **kwargs)

    def clear(self):
        with self._lock:
            self._entries.clear()

    def __len__(self):
        """The requests served (a Batch API call counts once), as ``entries()`` lists them."""
        with self._lock:
            return sum(1 for entry in self._entries if not entry.item)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address, emulator):
        self.emulator = emulator
        super().__init__(address, _Handler)

    def finish_request(self, request, client_address):
        # Answers go out as header + body writes: without TCP_NODELAY each costs a delayed-ACK pause (~40 ms).
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # One port for plain HTTP (proxy, direct) and direct HTTPS: a TLS client hello starts with 0x16.
        if self.emulator.ssl_context is not None:
            try:
                request.settimeout(10)
                first = request.recv(1, socket.MSG_PEEK)
                request.settimeout(None)
                if first == b"\x16":
                    request = self.emulator.ssl_context.wrap_socket(request, server_side=True)
            except (OSError, ssl.SSLError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        # Clients hanging up (timeouts, dropped connections under test) are normal here.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "snowspoke-emulator"
    sys_version = ""
    tunnel_host = None
    tunnel_port = None

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def do_CONNECT(self):  # pylint: disable=invalid-name
        emulator = self.server.emulator
        host, _sep, port = self.path.partition(":")
        if emulator.ssl_context is None or emulator.app_for(host.lower()) is None:
            self.send_error(502, "The emulator does not serve %s" % host)
            return
        self.send_response(200, "Connection Established")
        self.end_headers()
        try:
            self.connection = emulator.ssl_context.wrap_socket(self.connection, server_side=True)
        except (OSError, ssl.SSLError):
            self.close_connection = True
            return
        self.rfile = self.connection.makefile("rb", -1)
        self.wfile = socketserver._SocketWriter(self.connection)  # pylint: disable=protected-access
        self.tunnel_host = host.lower()
        self.tunnel_port = int(port or 443)
        self.close_connection = False

    def _dispatch(self):
        emulator = self.server.emulator
        target = self.path
        if self.tunnel_host:
            scheme, host, port = "https", self.tunnel_host, self.tunnel_port
        elif target.startswith(("http://", "https://")):
            parts = urlsplit(target)  # absolute form: we are the proxy of a plain-HTTP request
            scheme, host, port = parts.scheme, (parts.hostname or "").lower(), parts.port
            target = parts.path + ("?" + parts.query if parts.query else "")
        else:
            scheme = "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
            host_header = self.headers.get("Host", "")
            host, _sep, port_text = (
                host_header.rpartition(":") if host_header.count(":") == 1 else (host_header, "", ""))
            host = host.lower()
            port = int(port_text) if port_text.isdigit() else None
        path, _sep, raw_query = target.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            method=self.command, scheme=scheme, host=host, port=port, path=path or "/",
            query=parse_qs(raw_query, keep_blank_values=True), raw_query=raw_query,
            headers=self.headers, body=body,
        )
        response = emulator.serve(request)
        if response is None:  # a fault dropped the connection
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(response.status)
        sent = set()
        for name, value in response.headers:
            self.send_header(name, value)
            sent.add(name.lower())
        if "content-length" not in sent:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _dispatch


class EmulatorServer:
    """Serve applications on 127.0.0.1; see the module docstring.

    ``apps``: the applications, asked in order which one serves a host. ``tls``: a certs.TLSMaterial (None: plain
    HTTP only, no CONNECT). ``latency``: seconds added to every answer. ``default_host``: the virtual host used for
    direct requests whose Host header names no emulated host (e.g. ``https://127.0.0.1:<port>/api/now/...``).
    """

    def __init__(self, apps, tls=None, port=0, latency=0.0, default_host=None, bind="127.0.0.1"):
        self.apps = list(apps)
        self.tls = tls
        self.latency = latency
        self.default_host = default_host
        self.log = RequestLog()
        self.faults = []
        self.chaos = None  # a Chaos: random faults for the fault drivers
        self._faults_lock = threading.Lock()
        self.ssl_context = None
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls.cert_path, tls.key_path)
            self.ssl_context = context
        self._server = _Server((bind, port), self)
        self._thread = None
        for app in self.apps:
            if hasattr(app, "attach"):
                app.attach(self)

    # -- addresses ---------------------------------------------------------------------------------------
    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def proxy_url(self):
        """What clients use as their (HTTP and HTTPS) proxy."""
        return "http://127.0.0.1:%d" % self.port

    @property
    def base_url(self):
        """Direct address of this server (controls, default host)."""
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)

    @property
    def ca_path(self):
        return self.tls.ca_path if self.tls else None

    def client_env(self):
        """Environment for a client process that should reach the emulated hosts through this server."""
        env = {"HTTPS_PROXY": self.proxy_url, "HTTP_PROXY": self.proxy_url, "https_proxy": self.proxy_url,
               "http_proxy": self.proxy_url, "NO_PROXY": "", "no_proxy": ""}
        if self.tls:
            env["REQUESTS_CA_BUNDLE"] = self.tls.ca_path
        return env

    # -- life cycle ---------------------------------------------------------------------------------------
    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="emulator-%d" % self.port, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self):
        self._server.serve_forever(poll_interval=0.2)

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        for app in self.apps:
            if hasattr(app, "close"):
                app.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- faults -------------------------------------------------------------------------------------------
    def add_fault(self, **kwargs):
        fault = Fault(**kwargs)
        with self._faults_lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self):
        with self._faults_lock:
            self.faults.clear()
            self.chaos = None

    def _fault_for(self, request):
        with self._faults_lock:
            for fault in self.faults:
                if fault.exhausted() or not fault.matches(request):
                    continue
                fault.seen += 1
                if fault.seen <= fault.skip:
                    continue
                fault.fired += 1
                return fault
            return self.chaos.fault_for(request) if self.chaos is not None else None

    # -- routing ------------------------------------------------------------------------------------------
    def app_for(self, host):
        for app in self.apps:
            if app.handles(host):
                return app
        return None

    def serve(self, request):
        """Answer a request that arrived over the network (None: drop the connection)."""
        if request.path.startswith(CONTROL_PREFIX):
            return self._control(request)
        if self.app_for(request.host) is None and self.default_host:
            request.host = self.default_host
            request.port = None
        return self.dispatch(request)

    def dispatch(self, request):
        """Route a request to its application with faults, latency and logging; also used in-process by
        one application calling another (an instance exchanging an OAuth code at the Atlassian token URL)."""
        started = time.monotonic()
        app = self.app_for(request.host)
        fault = self._fault_for(request)
        if self.latency:
            time.sleep(self.latency)
        served = self._serve_app(app, request) if fault is not None and fault.after else None
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.drop:
            if served is None:
                self._record(request, started, None, 0, self._wrote(request, None), fault=True)
            else:
                wrote = self._wrote(request, served)
                self._record(request, started, served.label, served.status, wrote and not served.items, True)
                self._record_items(request, served.label, served.items)
            return None
        if fault is not None and fault.status:
            response = fault.response()
            response.label = app.label_for(request) if app is not None and hasattr(app, "label_for") else None
            wrote = served is not None and self._wrote(request, served)  # else refused before touching data
        else:
            response = served or self._serve_app(app, request)
            wrote = self._wrote(request, response)
        self._record(request, started, response.label, response.status, wrote and not response.items,
                     fault=fault is not None)
        self._record_items(request, response.label, response.items)
        return response

    @staticmethod
    def _serve_app(app, request):
        if app is None:
            return json_response(502, {"error": {"message": "No emulated host %s" % request.host}})
        try:
            return app.handle(request)
        except Exception as exc:  # pylint: disable=broad-except
            return json_response(500, {"error": {"message": "Emulator error", "detail": repr(exc)},
                                       "status": "failure"})

    @staticmethod
    def _wrote(request, response):
        """Whether serving ``request`` changed data (the application says; else the method decides)."""
        if response is None or response.write is None:
            return request.method not in READ_METHODS and (response is None or response.status < 400)
        return bool(response.write) and response.status < 400

    def _record(self, request, started, label, status, write, fault=False):  # pylint: disable=too-many-arguments
        self.log.add(LogEntry(
            time=time.time(), host=request.host, label=label, method=request.method, path=request.path,
            query=request.raw_query, status=status, duration_ms=round((time.monotonic() - started) * 1000, 2),
            write=write, fault=fault,
            user_agent=request.headers.get("User-Agent") if request.headers is not None else None,
        ))

    def _record_items(self, request, label, items):
        """The requests a Batch API call carried, each listed as an item of it."""
        for method, path, query, status, wrote in items or ():
            self.log.add(LogEntry(time=time.time(), host=request.host, label=label, method=method, path=path,
                                  query=query, status=status, duration_ms=0.0, write=wrote, item=True))

    # -- controls -----------------------------------------------------------------------------------------
    def _control(self, request):
        sub = request.path[len(CONTROL_PREFIX):].strip("/")
        if sub == "log":
            if request.method == "DELETE":
                self.log.clear()
                return json_response(200, {"result": "cleared"})
            entries = self.log.entries(host=request.arg("host"), label=request.arg("label"),
                                       method=request.arg("method"), path=request.arg("path"),
                                       writes_only=request.arg("writes") == "true")
            return json_response(200, {"result": [e.as_dict() for e in entries]})
        if sub == "faults":
            if request.method == "DELETE":
                self.clear_faults()
                return json_response(200, {"result": "cleared"})
            if request.method == "POST":
                try:
                    spec = request.json() or {}
                    fault = self.add_fault(**spec)
                except (TypeError, ValueError) as exc:
                    return json_response(400, {"error": {"message": str(exc)}})
                return json_response(201, {"result": fault.__dict__})
            return json_response(200, {"result": [f.__dict__ for f in self.faults]})
        if sub == "latency" and request.method == "POST":
            self.latency = float((request.json() or {}).get("seconds", 0))
            return json_response(200, {"result": {"latency": self.latency}})
        if sub == "health":
            return json_response(200, {"result": {"apps": [app.name for app in self.apps]}})
        name, _sep, rest = sub.partition("/")
        for app in self.apps:
            if app.name == name and hasattr(app, "control"):
                return app.control(request, rest)
        return json_response(404, {"error": {"message": "No control %s" % sub}})


def json_dumps(value):
    return json.dumps(value, indent=2, sort_keys=True)


__all__ = ["EmulatorServer", "Fault", "REALISTIC_LATENCY", "RequestLog", "Request", "Response"]
