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
import random
import socket
import time
import traceback
from urllib.parse import urlsplit

from .errors import TransportError

REQUESTS_IMPORT_ERROR = None
try:
    import requests
    from requests.exceptions import (
        ConnectionError as RequestsConnectionError,
        ConnectTimeout,
        ProxyError,
        ReadTimeout,
        SSLError,
    )
    from requests.adapters import HTTPAdapter
except ImportError:  # pragma: no cover - reported by the module as a missing library
    requests = None
    HTTPAdapter = object
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"))
RETRY_STATUSES = frozenset((429, 502, 503, 504))
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


class _NoDelayAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        kwargs.setdefault("socket_options", _SOCKET_OPTIONS)
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        proxy_kwargs.setdefault("socket_options", _SOCKET_OPTIONS)
        return super().proxy_manager_for(proxy, **proxy_kwargs)


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


def _describe_connection_error(exc):
    text = str(exc)
    lowered = text.lower()
    unknown_host = any(marker in lowered for marker in (
        "name or service not known", "nodename nor servname", "failed to resolve", "getaddrinfo failed",
        "temporary failure in name resolution", "no address associated", "nameresolutionerror",
    ))
    return unknown_host, text


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
        adapter = _NoDelayAdapter()
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = user_agent or default_user_agent()
        # Passed on every request: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE override session.verify.
        self.verify = ca_path if validate_certs and ca_path else bool(validate_certs)
        if not validate_certs:
            requests.packages.urllib3.disable_warnings()  # the option was the user's explicit choice
        if proxy:
            self.session.proxies = {"http": proxy, "https": proxy}
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
        where = "%s %s" % (method, urlsplit(url).path)
        waited = 0.0
        attempt = 0
        while True:
            failure = None
            response = None
            try:
                response = self.session.request(
                    method, url, params=params, json=json, data=data, headers=headers, auth=auth,
                    timeout=self.timeout, allow_redirects=False, verify=self.verify,
                )
            except (RequestsConnectionError, ReadTimeout) as exc:
                failure = self._transport_failure(exc, where)
                if failure is None:
                    raise
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

    def _transport_failure(self, exc, where):
        """A TransportError for a requests exception; ``retryable`` in its details. None: not ours to map."""
        host = urlsplit(self.base_url).hostname
        if isinstance(exc, SSLError):
            return TransportError(
                "TLS verification failed for %s (%s) on %s: %s" % (self.service, host, where, exc),
                hint="If it uses a certificate from a private CA, give that CA's file in ca_path; "
                     "validate_certs: false turns the check off (never in production).",
                reason="TLS failure", retryable=False)
        if isinstance(exc, ProxyError):
            return TransportError(
                "The proxy %s failed to reach %s (%s) for %s: %s" % (
                    self.proxy or "from HTTPS_PROXY/HTTP_PROXY", self.service, host, where, exc),
                hint="Check the proxy option or the HTTPS_PROXY/NO_PROXY environment variables.",
                reason="proxy failure", retryable=True)
        if isinstance(exc, ConnectTimeout):
            return TransportError(
                "Could not connect to %s (%s) within %s s for %s." % (self.service, host, self.timeout, where),
                hint="Check the address, the network path and any proxy; raise timeout if the link is slow.",
                reason="connect timeout", retryable=True)
        if isinstance(exc, ReadTimeout):
            return TransportError(
                "%s (%s) did not answer %s within %s s." % (self.service, host, where, self.timeout),
                hint="Raise timeout (or SN_TIMEOUT); a waking developer instance can take minutes.",
                reason="read timeout", retryable=True)
        if isinstance(exc, RequestsConnectionError):
            unknown_host, text = _describe_connection_error(exc)
            if unknown_host:
                return TransportError(
                    "Unknown host %s: the name of %s does not resolve." % (host, self.service),
                    hint="Check the spelling of the instance or site name (and DNS/proxy settings).",
                    reason="unknown host", retryable=False)
            return TransportError(
                "Connection to %s (%s) failed for %s: %s" % (self.service, host, where, text),
                hint="Check that the host is reachable from where Ansible runs (proxy, firewall).",
                reason="connection failure", retryable=True)
        return None
