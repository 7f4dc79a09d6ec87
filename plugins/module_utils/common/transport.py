# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP transport under every client of the collection (ServiceNow and Atlassian).

It owns what is the same for every remote side: TLS verification and a private CA, proxies (the option, or the
usual HTTPS_PROXY/NO_PROXY variables through requests), timeouts, and retries: 429 always (the server did not
act on the request), 502/503/504, timeouts and connection failures only for idempotent requests; exponential
backoff with jitter, ``Retry-After`` as the minimum wait, and a bound on the total time spent waiting. Every retry
is reported through ``log`` (shown at -vvv). Transport failures become TransportError with a hint; HTTP error
statuses are returned to the caller, which knows what they mean for its service.
"""

from __future__ import annotations

import contextlib
import contextvars
import email.utils
import http.client
import os
import random
import socket
import ssl
import threading
import time
import traceback
from urllib.parse import urlsplit

from .errors import OptionError, TransportError

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    import requests.exceptions as requests_errors
    import requests.utils
    import urllib3.connection
    import urllib3.connectionpool
    import urllib3.exceptions as urllib3_errors
    from requests.adapters import HTTPAdapter
except ImportError:  # pragma: no cover - reported by the module as a missing library
    requests = requests_errors = urllib3_errors = None
    HTTPAdapter = object
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"))
# 429 for every method (the server did not act); 500 and the gateway errors for requests that are safe to repeat
# (a 500 of ServiceNow or Atlassian is most often a transient failure of the node that took the request).
RETRY_STATUSES = frozenset((429, 500, 502, 503, 504))
USER_AGENT = "snowspoke.jira (Ansible collection)"
# Where the logic runs ("controller" or "module"), told to the remote side in the User-Agent (see default_user_agent()).
_EXECUTION_PATH = contextvars.ContextVar("snowspoke_execution_path", default=None)


@contextlib.contextmanager
def execution_path(name):
    """Within the block, transports built without an explicit User-Agent say that the logic runs on ``name``."""
    token = _EXECUTION_PATH.set(name)
    try:
        yield
    finally:
        _EXECUTION_PATH.reset(token)


def default_user_agent():
    """``snowspoke.jira (Ansible collection; controller)`` or ``...; module)``: an instance's transaction log (and
    the tests' emulator) tells which path a request came from; outside both, the plain USER_AGENT."""
    path = _EXECUTION_PATH.get()
    return "%s; %s)" % (USER_AGENT[:-1], path) if path else USER_AGENT


def check_tls(option_prefix, service, validate_certs, ca_path, warn=None):
    """The TLS options of one side, before any request: a ``ca_path`` that is not a readable file is refused naming
    the option; ``validate_certs: false`` is accepted with a warning (the caller's ``warn``, shown once a run)."""
    if ca_path and not (os.path.isfile(ca_path) and os.access(ca_path, os.R_OK)):
        raise OptionError("%sca_path %r is not a readable file: give the PEM file of the CA that signs %s's "
                          "certificate (or of the TLS-inspecting proxy)." % (option_prefix, ca_path, service))
    if validate_certs is False and warn is not None:
        warn("TLS certificates of %s are not verified (%svalidate_certs: false): anyone on the network path can read "
             "and change what is sent, credentials included. Give the CA in %sca_path instead." % (
                 service, option_prefix, option_prefix))


def check_retry(option_prefix, retries, backoff, max_wait):
    """The retry options of one side, before any request: RetryPolicy would quietly read a negative number as 0."""
    for name, value in (("retries", retries), ("retry_backoff", backoff), ("retry_max_wait", max_wait)):
        if value is not None and value < 0:
            raise OptionError("%s%s must be 0 or more (got %s)%s." % (
                option_prefix, name, value, ": how many times to retry a request" if name == "retries" else
                " seconds"))


def json_or_none(response):
    """The parsed JSON body of a response, or None when it is empty or not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def is_html(response):
    """Whether a response is an HTML page (a login page, a hibernation notice, a missing site)."""
    content_type = (response.headers.get("Content-Type") or "").lower()
    return "html" in content_type or response.text.lstrip()[:1] == "<"


def _retry_after_seconds(value, now=None):
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date; None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


# urllib3 sets TCP_NODELAY on direct connections but not on those it opens to a proxy, where a request's headers
# and body then wait out a delayed ACK (about 40 ms per write request); set it on both.
_SOCKET_OPTIONS = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]

# How far the current attempt of this thread got, set by the connections below: "connect" (opening TCP to the
# server or the proxy), "tunnel" (asking the proxy for a CONNECT tunnel), "tls" (TLS handshake with the server,
# through a tunnel or not), "request" (request sent, answer being read). urllib3's own labels cannot tell: it calls
# a server that closed the connection through a tunnel a ProxyError ("Unable to connect to proxy"), and a proxy that
# closed before answering the CONNECT a plain "Connection aborted".
_PHASE = threading.local()


def _set_phase(name):
    _PHASE.name = name


def _phase():
    return getattr(_PHASE, "name", None)


if requests is not None:
    class _TracedHTTPConnection(urllib3.connection.HTTPConnection):
        def _new_conn(self):
            _set_phase("connect")
            sock = super()._new_conn()
            _set_phase("tls")
            return sock

        def _tunnel(self):
            _set_phase("tunnel")
            super()._tunnel()
            _set_phase("tls")

        def connect(self):
            super().connect()
            _set_phase("request")

        def request(self, *args, **kwargs):  # pylint: disable=arguments-differ,signature-differs
            _set_phase("request")
            return super().request(*args, **kwargs)

    class _TracedHTTPSConnection(_TracedHTTPConnection, urllib3.connection.HTTPSConnection):
        pass

    class _TracedHTTPConnectionPool(urllib3.connectionpool.HTTPConnectionPool):
        ConnectionCls = _TracedHTTPConnection

    class _TracedHTTPSConnectionPool(urllib3.connectionpool.HTTPSConnectionPool):
        ConnectionCls = _TracedHTTPSConnection

    _TRACED_POOLS = {"http": _TracedHTTPConnectionPool, "https": _TracedHTTPSConnectionPool}
else:  # pragma: no cover
    _TRACED_POOLS = {}


class _Adapter(HTTPAdapter):
    """TCP_NODELAY everywhere, and connections that record how far an attempt got (see _PHASE)."""

    def init_poolmanager(self, *args, **kwargs):
        kwargs.setdefault("socket_options", _SOCKET_OPTIONS)
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_TRACED_POOLS)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        proxy_kwargs.setdefault("socket_options", _SOCKET_OPTIONS)
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = dict(_TRACED_POOLS)
        return manager


class RetryPolicy:
    """How often and how long to retry.

    ``retries``: attempts after the first. ``backoff``: the first wait in seconds, doubled on each retry and
    capped at ``cap``, times a random jitter factor in ``jitter``. ``max_wait``: the most the policy will spend
    waiting in total for one request; a Retry-After that would exceed it ends the retries at once.
    """

    def __init__(self, retries=4, backoff=1.0, max_wait=60.0, cap=30.0, jitter=(0.7, 1.3),
                 sleep=time.sleep, uniform=random.uniform):
        self.retries = max(0, int(retries))
        self.backoff = max(0.0, float(backoff))
        self.max_wait = max(0.0, float(max_wait))
        self.cap = cap
        self.jitter = jitter
        self.sleep = sleep
        self.uniform = uniform

    def delay(self, attempt, retry_after=None):
        """Seconds to wait before retry number ``attempt`` (0-based)."""
        wait = min(self.cap, self.backoff * (2 ** attempt)) * self.uniform(*self.jitter)
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait


def _chain(exc):
    """``exc`` and every exception behind it (``__cause__``, ``__context__``, exceptions in ``args``, urllib3's
    ``reason``), outermost first, each once."""
    found, todo = [], [exc]
    while todo:
        current = todo.pop(0)
        if any(current is seen for seen in found):
            continue
        found.append(current)
        behind = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        behind.extend(arg for arg in getattr(current, "args", ()) if isinstance(arg, BaseException))
        todo.extend(item for item in behind if isinstance(item, BaseException))
    return found


def _first(chain, *types):
    types = tuple(kind for kind in types if isinstance(kind, type))
    return next((exc for exc in chain if isinstance(exc, types)), None) if types else None


def _text(exc):
    """What an exception says, without its class name and never more than a line."""
    text = str(exc.args[0]) if getattr(exc, "args", None) and isinstance(exc.args[0], str) else str(exc)
    text = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def safe_url(url):
    """A proxy URL as it may be shown: scheme, host and port, never the user and password it may carry."""
    if not url:
        return url
    parts = urlsplit(url if "://" in url else "http://" + url)
    try:
        port = ":%d" % parts.port if parts.port else ""
    except ValueError:
        port = ""
    return "%s://%s%s" % (parts.scheme, parts.hostname or "?", port)


class Transport:
    """A requests session bound to one base URL, with the collection's TLS, proxy, timeout and retry rules.

    ``service`` names the remote side in messages ("ServiceNow instance dev123.service-now.com").
    ``log`` is called with one line per retry and per notable event; it never receives secrets.
    """

    def __init__(self, base_url, service, validate_certs=True, ca_path=None, timeout=30.0, proxy=None,
                 retry=None, log=None, user_agent=None):
        self.base_url = base_url.rstrip("/")
        self.service = service
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.log = log or (lambda message: None)
        self.proxy = proxy
        self.session = requests.Session()
        adapter = _Adapter()
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = user_agent or default_user_agent()
        # Passed on every request: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override session.verify.
        self.verify = ca_path if validate_certs and ca_path else bool(validate_certs)
        if not validate_certs:
            requests.packages.urllib3.disable_warnings()  # the option was the user's explicit choice
        # Passed on every request too: requests lets HTTPS_PROXY/HTTP_PROXY override session.proxies.
        self.proxies = {"http": proxy, "https": proxy} if proxy else None
        self.validate_certs = validate_certs
        self.ca_path = ca_path

    def url(self, path):
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + "/" + path.lstrip("/")

    def request(self, method, path, params=None, json=None, data=None, headers=None, auth=None, idempotent=None):
        """Send a request, retrying per the policy; returns the final requests.Response (any status).

        The response carries ``retries`` (how many retries were made) and ``waited`` (seconds spent waiting).
        """
        method = method.upper()
        url = self.url(path)
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        try:
            where = "%s %s" % (method, urlsplit(url).path)
        except ValueError:  # an invalid URL: requests says what is wrong with it below
            where = "%s %s" % (method, path)
        waited = 0.0
        attempt = 0
        while True:
            failure = None
            response = None
            _set_phase(None)
            try:
                response = self.session.request(
                    method, url, params=params, json=json, data=data, headers=headers, auth=auth,
                    timeout=self.timeout, allow_redirects=False, verify=self.verify, proxies=self.proxies,
                )
            except (requests_errors.RequestException, urllib3_errors.HTTPError, http.client.HTTPException,
                    OSError, ValueError) as exc:
                failure = self._transport_failure(exc, where, url=url, phase=_phase())
            if response is not None:
                retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
                retryable = response.status_code == 429 or (
                    response.status_code in RETRY_STATUSES and idempotent)
                if not retryable:
                    response.retries, response.waited = attempt, waited
                    return response
                reason = "HTTP %d" % response.status_code
            else:
                retry_after = None
                if not (failure.details.get("retryable") and idempotent):
                    raise failure
                reason = failure.details.get("reason", "connection failure")

            if attempt >= self.retry.retries:
                return self._give_up(response, failure, attempt, waited)
            delay = self.retry.delay(attempt, retry_after)
            if waited + delay > self.retry.max_wait:
                self.log("%s: %s; not retrying: waiting %.1f s more would pass the %.1f s retry budget"
                         % (where, reason, delay, self.retry.max_wait))
                return self._give_up(response, failure, attempt, waited)
            attempt += 1
            self.log("%s: %s%s; retry %d of %d in %.2f s" % (
                where, reason, " (Retry-After %s)" % response.headers.get("Retry-After")
                if response is not None and response.headers.get("Retry-After") else "",
                attempt, self.retry.retries, delay))
            self.retry.sleep(delay)
            waited += delay

    def _give_up(self, response, failure, attempt, waited):
        if response is not None:
            response.retries, response.waited = attempt, waited
            return response
        failure.message = "%s (after %d retries over %.1f s)" % (failure.message, attempt, waited)
        raise failure

    def proxy_for(self, url):
        """``(proxy URL, where it comes from)`` for a request to ``url``, or (None, None) for a direct one."""
        if self.proxy:
            return self.proxy, "the proxy option"
        if not self.session.trust_env:
            return None, None
        proxy = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url))
        if not proxy:
            return None, None
        scheme = urlsplit(url).scheme
        return proxy, "%s_PROXY/%s_proxy" % (scheme.upper(), scheme)

    def _transport_failure(self, exc, where, url=None, phase=None):
        """A TransportError for an exception of requests, urllib3, http.client or the socket layer, whatever it is:
        what happened, where, through which proxy, and a hint; ``retryable`` and ``reason`` in its details.

        Classified by the exception types along the chain (``_chain``) and by how far the attempt got (``phase``,
        see _PHASE), so a refusing proxy and a server that closed the connection through it are told apart."""
        chain = _chain(exc)
        try:
            host = urlsplit(self.base_url).hostname
        except ValueError:
            host = self.base_url
        try:
            proxy, source = self.proxy_for(url or self.base_url)
        except ValueError:
            proxy, source = self.proxy, "the proxy option"
        proxy_text = "the proxy %s (%s)" % (safe_url(proxy), source) if proxy else None
        through = " through %s" % proxy_text if proxy else ""
        service = "%s (%s)" % (self.service, host)
        innermost = chain[-1]

        def fail(message, hint, reason, retryable):
            return TransportError(message, hint=hint, reason=reason, retryable=retryable)

        proxy_hint = "Check the proxy option or the HTTPS_PROXY/NO_PROXY environment variables (and the task's " \
                     "environment:)."
        # Mistakes in what was asked: never retried.
        bad_proxy = _first(chain, requests_errors.InvalidProxyURL)
        if bad_proxy is not None:
            return fail("The proxy URL %s is not valid: %s." % (safe_url(proxy) or "", _text(bad_proxy)),
                        proxy_hint, "invalid proxy URL", False)
        bad_url = _first(chain, requests_errors.InvalidURL, requests_errors.MissingSchema,
                         requests_errors.InvalidSchema, requests_errors.URLRequired, urllib3_errors.LocationParseError,
                         requests_errors.InvalidHeader, UnicodeError)
        if bad_url is not None:
            return fail("The request %s to %s cannot be sent: %s." % (where, service, _text(bad_url)),
                        "Check the host or site option (scheme, name, port).", "invalid request", False)
        if _first(chain, requests_errors.TooManyRedirects) is not None:
            return fail("%s redirected %s too many times." % (service, where),
                        "Check the host or site option: the address may be an old or wrong one.",
                        "too many redirects", False)
        # TLS: a certificate that is not trusted is a configuration matter.
        verify = _first(chain, ssl.SSLCertVerificationError, getattr(ssl, "CertificateError", None))
        if verify is not None:
            return fail("TLS verification failed for %s on %s%s: %s." % (service, where, through, _text(verify)),
                        "If it uses a certificate from a private CA (or a TLS-inspecting proxy does), give that CA's "
                        "file in ca_path; validate_certs: false turns the check off (never in production).",
                        "TLS failure", False)
        # Names that do not resolve.
        unresolved = _first(chain, urllib3_errors.NameResolutionError, socket.gaierror)
        if unresolved is not None:
            if proxy and phase in (None, "connect"):
                return fail("The proxy host of %s does not resolve: %s." % (proxy_text, _text(unresolved)),
                            proxy_hint, "unknown proxy host", False)
            return fail("Unknown host %s: the name of %s does not resolve." % (host, self.service),
                        "Check the spelling of the instance or site name (and DNS/proxy settings).",
                        "unknown host", False)
        # Nothing listening, or no route: the request was never sent.
        refused = _first(chain, urllib3_errors.NewConnectionError, ConnectionRefusedError)
        if refused is not None and phase in (None, "connect"):
            target = proxy_text or service
            return fail("Could not connect to %s for %s: %s." % (target, where, _text(innermost)),
                        proxy_hint if proxy else "Check that the host is reachable from where Ansible runs "
                                                 "(proxy, firewall).",
                        "proxy unreachable" if proxy else "connection refused", True)
        # Timeouts.
        # urllib3's NewConnectionError is a ConnectTimeoutError too (it was once): refusals are handled above.
        connect_timeout = next((item for item in chain if isinstance(item, urllib3_errors.ConnectTimeoutError)
                                and not isinstance(item, urllib3_errors.NewConnectionError)), None)
        if connect_timeout is not None or (phase == "connect" and _first(chain, socket.timeout, TimeoutError)):
            target = proxy_text or service
            return fail("Could not connect to %s within %s s for %s." % (target, self.timeout, where),
                        "Check the address, the network path and any proxy; raise timeout if the link is slow.",
                        "connect timeout", True)
        if _first(chain, urllib3_errors.ReadTimeoutError, requests_errors.ReadTimeout, socket.timeout, TimeoutError):
            if phase == "tunnel":
                return fail("%s did not answer the CONNECT for %s within %s s." % (proxy_text, host, self.timeout),
                            proxy_hint, "proxy timeout", True)
            return fail("%s did not answer %s within %s s%s." % (service, where, self.timeout, through),
                        "Raise timeout (or SN_TIMEOUT/JIRA_TIMEOUT); a waking developer instance can take minutes.",
                        "read timeout", True)
        # The proxy's answer to CONNECT.
        if phase == "tunnel" and proxy:
            said = next((_text(item) for item in chain if isinstance(item, OSError)
                         and _text(item).startswith("Tunnel connection failed")), None)
            if said:
                status = said.split(":", 1)[1].strip()
                code = status.split(" ", 1)[0]
                hint = {"407": "The proxy wants credentials: put them in its URL (http://user:password@host:port).",
                        "403": "The proxy does not allow this destination: ask for %s:443 to be allowed." % host,
                        }.get(code, "The proxy could not reach %s (its DNS, firewall or upstream): %s" % (
                            host, proxy_hint[0].lower() + proxy_hint[1:]))
                return fail("%s refused to open a tunnel to %s for %s: %s." % (
                    proxy_text[0].upper() + proxy_text[1:], host, where, status),
                    hint, "proxy refused", code.startswith("5"))
            return fail("%s closed the connection before answering the CONNECT for %s (%s)." % (
                proxy_text[0].upper() + proxy_text[1:], host, _text(innermost)),
                proxy_hint, "proxy closed the connection", True)
        # The server (or the tunnel to it) ended the exchange early.
        cut = _first(chain, urllib3_errors.IncompleteRead, http.client.IncompleteRead,
                     urllib3_errors.InvalidChunkLength, requests_errors.ChunkedEncodingError)
        if cut is not None:
            return fail("%s cut off its answer to %s%s: %s." % (service, where, through, _text(
                _first(chain, urllib3_errors.IncompleteRead, http.client.IncompleteRead) or innermost)),
                "The connection broke mid-answer (the server, a proxy or a load balancer closed it); it is "
                "retried for reads. Check the network path if it keeps happening.", "answer cut off", True)
        closed = _first(chain, http.client.RemoteDisconnected, ConnectionResetError, ConnectionAbortedError,
                        BrokenPipeError, ssl.SSLEOFError, ssl.SSLZeroReturnError)
        if closed is not None:
            when = "during the TLS handshake" if phase == "tls" else "before answering %s" % where
            return fail("%s closed the connection %s%s (%s)." % (service, when, through, _text(closed)),
                        "The server (or a load balancer in front of it) dropped the connection; it is retried for "
                        "reads. Check the instance's health and the network path if it keeps happening.",
                        "connection closed", True)
        decoding = _first(chain, requests_errors.ContentDecodingError, urllib3_errors.DecodeError)
        if decoding is not None:
            return fail("The answer of %s to %s%s could not be decoded (Content-Encoding): %s." % (
                service, where, through, _text(innermost)), "A proxy may have altered the answer; check the network path.",
                "undecodable answer", True)
        not_http = _first(chain, http.client.HTTPException, urllib3_errors.HeaderParsingError,
                          urllib3_errors.ProtocolError)
        if not_http is not None:
            return fail("%s answered %s with something that is not HTTP%s: %s." % (
                service, where, through, _text(innermost)),
                "Check that the host and port are the service's HTTPS endpoint.", "not HTTP", True)
        tls = _first(chain, ssl.SSLError, urllib3_errors.SSLError, requests_errors.SSLError)
        if tls is not None:
            return fail("The TLS handshake with %s failed on %s%s: %s." % (service, where, through, _text(innermost)),
                        "Check that the address is the service's HTTPS endpoint and that any proxy passes TLS "
                        "through.", "TLS failure", False)
        message = "The request %s to %s failed%s: %s: %s." % (
            where, service, through, type(innermost).__name__, _text(innermost))
        return fail(message, "Check that the host is reachable from where Ansible runs (proxy, firewall).",
                    "connection failure", True)
