"""The shared transport: retries (429/5xx/connection), Retry-After, bounded waits, proxies, and transport errors
for every class of failure, against real sockets on 127.0.0.1 (tests/support/sockets.py)."""

import socket

import pytest
import requests
import urllib3

from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import TransportError
from ansible_collections.snowspoke.jira.plugins.module_utils.common.transport import (
    RetryPolicy,
    Transport,
    _retry_after_seconds,
    safe_url,
)
from tests.emulator.http import json_response
from tests.emulator.server import EmulatorServer
from tests.support.sockets import RawServer, TunnelProxy, read_request, reset


class Echo:
    """A toy application: answers every request with its method and path."""

    name = "echo"

    def handles(self, host):
        return host == "echo.service-now.com"

    def handle(self, request):
        return json_response(200, {"method": request.method, "path": request.path}, label="echo")


@pytest.fixture(name="server", scope="module")
def fixture_server(tls_material):
    with EmulatorServer([Echo()], tls=tls_material) as server:
        yield server


@pytest.fixture(name="sleeps")
def fixture_sleeps():
    return []


@pytest.fixture(name="transport")
def fixture_transport(server, tls_material, sleeps):
    server.clear_faults()
    server.log.clear()
    lines = []
    policy = RetryPolicy(retries=3, backoff=0.01, max_wait=5, sleep=sleeps.append, uniform=lambda a, b: 1.0)
    transport = Transport("https://echo.service-now.com", "test service", ca_path=tls_material.ca_path,
                          proxy=server.proxy_url, retry=policy, log=lines.append, timeout=2)
    transport.lines = lines
    return transport


def test_a_429_with_retry_after_is_waited_out(server, transport, sleeps):
    server.add_fault(host="echo.*", status=429, retry_after="2", times=2)
    response = transport.request("GET", "/api/now/table/x")
    assert response.status_code == 200
    assert response.retries == 2
    assert sleeps == [2.0, 2.0]  # Retry-After is the minimum wait, above the 0.01 s backoff
    assert len(transport.lines) == 2 and "Retry-After 2" in transport.lines[0]
    assert "retry 1 of 3" in transport.lines[0]


def test_429_is_retried_even_for_post(server, transport):
    server.add_fault(host="echo.*", method="POST", status=429, retry_after="0", times=1)
    assert transport.request("POST", "/x", json={}).status_code == 200


def test_retries_are_bounded_by_count(server, transport, sleeps):
    server.add_fault(host="echo.*", status=503)
    response = transport.request("GET", "/x")
    assert response.status_code == 503
    assert response.retries == 3
    assert sleeps == [0.01, 0.02, 0.04]  # exponential backoff
    assert len(server.log.entries()) == 4


def test_retries_are_bounded_by_total_wait(server, transport, sleeps):
    server.add_fault(host="echo.*", status=429, retry_after="3")
    response = transport.request("GET", "/x")
    assert response.status_code == 429
    assert sleeps == [3.0]  # a second 3 s wait would pass the 5 s budget
    assert "retry budget" in transport.lines[-1]


def test_5xx_is_not_retried_for_post(server, transport):
    server.add_fault(host="echo.*", status=502, times=1)
    assert transport.request("POST", "/x", json={}).status_code == 502
    assert len(server.log.entries()) == 1


def test_dropped_connection_is_retried_for_get(server, transport):
    server.add_fault(host="echo.*", drop=True, times=1)
    assert transport.request("GET", "/x").status_code == 200
    # The emulator closed the tunnelled connection: the server closed it, the proxy did its job.
    assert transport.lines[0].startswith("GET /x: connection closed; retry 1 of 3")


def test_dropped_connection_fails_post_without_retry(server, transport):
    server.add_fault(host="echo.*", drop=True, times=1)
    with pytest.raises(TransportError):
        transport.request("POST", "/x", json={})


def test_read_timeout_is_retried_then_reported(server, transport):
    server.add_fault(host="echo.*", delay=2.5)
    transport.timeout = 0.3
    with pytest.raises(TransportError) as error:
        transport.request("GET", "/x")
    assert "did not answer GET /x within 0.3 s" in str(error.value)
    assert "after 3 retries" in str(error.value)
    assert "Raise timeout" in str(error.value)


def test_tls_failure_says_what_to_do(server):
    transport = Transport("https://echo.service-now.com", "test service", proxy=server.proxy_url,
                          retry=RetryPolicy(retries=0))
    with pytest.raises(TransportError) as error:
        transport.request("GET", "/x")
    assert "TLS verification failed" in str(error.value)
    assert "ca_path" in str(error.value)


def test_validate_certs_false_skips_verification(server):
    transport = Transport("https://echo.service-now.com", "test service", proxy=server.proxy_url,
                          validate_certs=False, retry=RetryPolicy(retries=0))
    assert transport.request("GET", "/x").status_code == 200


def test_unknown_host_behind_a_proxy(server, tls_material):
    transport = Transport("https://nowhere.example.org", "test service", proxy=server.proxy_url,
                          ca_path=tls_material.ca_path, retry=RetryPolicy(retries=0))
    with pytest.raises(TransportError) as error:
        transport.request("GET", "/x")
    assert "proxy" in str(error.value)


def test_name_resolution_failure_is_final_and_clear(monkeypatch):
    """Classified by urllib3's NameResolutionError (behind requests' ConnectionError), not by its wording."""
    monkeypatch.setattr(socket, "getaddrinfo", _no_such_name)
    transport = Transport("https://nosuch.service-now.com", "ServiceNow instance nosuch.service-now.com",
                          retry=RetryPolicy(retries=3, sleep=lambda s: None))
    transport.session.trust_env = False
    with pytest.raises(TransportError) as error:
        transport.request("GET", "/x")
    assert error.value.details == {"reason": "unknown host", "retryable": False}
    assert str(error.value).startswith("Unknown host nosuch.service-now.com: the name of ServiceNow instance")


def _no_such_name(*args, **kwargs):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (worded oddly on purpose)")


@pytest.mark.parametrize("value,expected", [("3", 3.0), ("0.5", 0.5), ("-1", 0.0), ("", None), ("soon", None)])
def test_retry_after_parsing(value, expected):
    assert _retry_after_seconds(value) == expected


def test_retry_after_http_date():
    assert _retry_after_seconds("Thu, 01 Jan 2032 00:00:10 GMT", now=1956528000.0) == pytest.approx(10.0)


def test_jitter_stays_in_bounds():
    policy = RetryPolicy(backoff=1.0)
    for attempt in range(8):
        delay = policy.delay(attempt)
        assert 0.7 * min(30, 2 ** attempt) <= delay <= 1.3 * min(30, 2 ** attempt)


# -- every class of failure, on real sockets ----------------------------------------------------------------------

def cut_chunked(connection):
    read_request(connection)
    connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                       b"5\r\n{\"a\":\r\n")


def cut_body(connection):
    read_request(connection)
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\":")


def headers_only(connection):
    read_request(connection)
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")


def close_silently(connection):
    read_request(connection)


def close_with_reset(connection):
    read_request(connection)
    reset(connection)


def bad_gzip(connection):
    read_request(connection)
    # A complete answer: without "Connection: close" the client could send its next request on this connection.
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
                       b"0123456789")


def not_http(connection):
    read_request(connection)
    connection.sendall(b"HELLO WORLD\r\n\r\n")


def answer_ok(connection):
    while read_request(connection):
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")


BEHAVIOURS = {
    # name: (behaviour, reason, words of the message, retried for GET)
    "cut chunked body": (cut_chunked, "answer cut off", "cut off its answer to GET /x", True),
    "cut body": (cut_body, "answer cut off", "IncompleteRead(5 bytes read, 95 more expected)", True),
    "closed after headers": (headers_only, "answer cut off", "IncompleteRead(0 bytes read, 100 more expected)",
                             True),
    "closed without answer": (close_silently, "connection closed", "closed the connection before answering GET /x",
                              True),
    "reset": (close_with_reset, "connection closed", "closed the connection before answering GET /x", True),
    "bad gzip": (bad_gzip, "undecodable answer", "could not be decoded (Content-Encoding)", True),
    "not HTTP": (not_http, "not HTTP", "with something that is not HTTP", True),
}


def _transport(base_url, tls=None, proxy=None, retries=1, timeout=2.0, sleeps=None):
    policy = RetryPolicy(retries=retries, backoff=0.01, max_wait=5, sleep=(sleeps if sleeps is not None else [])
                         .append, uniform=lambda a, b: 1.0)
    transport = Transport(base_url, "test service", ca_path=tls.ca_path if tls else None, proxy=proxy,
                          retry=policy, timeout=timeout, log=[].append)
    transport.session.trust_env = False  # only what the test gives (the unit tests' process may have proxies set)
    return transport


@pytest.mark.parametrize("name", sorted(BEHAVIOURS))
@pytest.mark.parametrize("via", ["direct", "CONNECT proxy"])
def test_each_failure_is_a_transport_error_retried_for_reads_only(name, via, tls_material):
    behaviour, reason, words, retried = BEHAVIOURS[name]
    with RawServer(behaviour, tls=tls_material if via != "direct" else None) as server:
        with TunnelProxy(("127.0.0.1", server.port)) as proxy:
            if via == "direct":
                transport = _transport(server.url)
            else:
                transport = _transport("https://echo.service-now.com", tls=tls_material, proxy=proxy.url)
            with pytest.raises(TransportError) as error:
                transport.request("GET", "/x")
            assert error.value.details == {"reason": reason, "retryable": retried}
            assert words in str(error.value)
            assert "(after 1 retries" in str(error.value)
            if via != "direct":
                # The server failed, not the proxy: the message says so and names the proxy that was used.
                assert "through the proxy %s (the proxy option)" % proxy.url in str(error.value)
                assert "Unable to connect to proxy" not in str(error.value)
                assert len(proxy.requests_seen) == 2  # the first try and its retry
            attempts = server.connections
            with pytest.raises(TransportError):
                transport.request("POST", "/x", json={})
            assert server.connections - attempts == 1  # a POST is never repeated


def test_a_slow_answer_is_a_read_timeout(tls_material):
    def slow(connection):
        read_request(connection)
        connection.recv(1)  # waits for the client to give up

    with RawServer(slow) as server:
        transport = _transport(server.url, retries=0, timeout=0.3)
        with pytest.raises(TransportError) as error:
            transport.request("GET", "/x")
    assert error.value.details == {"reason": "read timeout", "retryable": True}
    assert "did not answer GET /x within 0.3 s" in str(error.value)


def test_nothing_listening_is_a_refused_connection():
    with RawServer(close_silently) as server:
        url = server.url
    transport = _transport(url, retries=0)
    with pytest.raises(TransportError) as error:
        transport.request("GET", "/x")
    assert error.value.details == {"reason": "connection refused", "retryable": True}
    assert "Could not connect to test service (127.0.0.1) for GET /x: " in str(error.value)
    assert "Connection refused" in str(error.value)


def test_a_proxy_that_is_not_there_is_named(tls_material):
    with RawServer(close_silently) as gone:
        proxy = "http://user:proxy-password@127.0.0.1:%d" % gone.port
    transport = _transport("https://echo.service-now.com", tls=tls_material, proxy=proxy, retries=0)
    with pytest.raises(TransportError) as error:
        transport.request("GET", "/x")
    assert error.value.details == {"reason": "proxy unreachable", "retryable": True}
    assert str(error.value).startswith("Could not connect to the proxy http://127.0.0.1:%d (the proxy option) "
                                       "for GET /x" % gone.port)
    assert "proxy-password" not in str(error.value) and "user" not in str(error.value)


@pytest.mark.parametrize("answer, words, retryable", [
    ("403 Forbidden", "refused to open a tunnel to echo.service-now.com for GET /x: 403 Forbidden", False),
    ("407 Proxy Authentication Required", "407 Proxy Authentication Required", False),
    ("502 Bad Gateway", "502 Bad Gateway", True),
    (None, "closed the connection before answering the CONNECT for echo.service-now.com", True),
])
def test_a_proxy_that_refuses_the_tunnel_is_told_from_the_server(answer, words, retryable, tls_material):
    with TunnelProxy(None, answer=answer) as proxy:
        transport = _transport("https://echo.service-now.com", tls=tls_material, proxy=proxy.url, retries=0)
        with pytest.raises(TransportError) as error:
            transport.request("GET", "/x")
    assert error.value.details["retryable"] is retryable
    assert str(error.value).startswith("The proxy %s (the proxy option)" % proxy.url)
    assert words in str(error.value)


def test_a_tunnel_closed_during_the_tls_handshake(tls_material):
    with TunnelProxy(None) as proxy:  # opens the tunnel to nowhere: the far end closes at once
        transport = _transport("https://echo.service-now.com", tls=tls_material, proxy=proxy.url, retries=0)
        with pytest.raises(TransportError) as error:
            transport.request("GET", "/x")
    assert error.value.details == {"reason": "connection closed", "retryable": True}
    assert "closed the connection during the TLS handshake through the proxy" in str(error.value)


def test_an_untrusted_certificate_is_final(tls_material):
    with RawServer(answer_ok, tls=tls_material) as server:
        transport = _transport(server.url, retries=3)  # no ca_path: the test CA is not trusted
        transport.verify = True
        with pytest.raises(TransportError) as error:
            transport.request("GET", "/x")
        assert server.connections == 1
    assert error.value.details == {"reason": "TLS failure", "retryable": False}
    assert "TLS verification failed" in str(error.value) and "ca_path" in str(error.value)


@pytest.mark.parametrize("base_url", ["http://exa mple.com", "http://[::1", "http://example.com:99999"])
def test_an_invalid_url_is_final(base_url):
    transport = _transport(base_url, retries=3)
    with pytest.raises(TransportError) as error:
        transport.request("GET", "/x")
    assert error.value.details == {"reason": "invalid request", "retryable": False}
    assert "cannot be sent" in str(error.value)


def test_the_proxy_option_wins_over_the_environment(monkeypatch, tls_material):
    """requests lets HTTPS_PROXY override session.proxies; the option is passed on every request, so it wins."""
    with RawServer(answer_ok, tls=tls_material) as server:
        with TunnelProxy(("127.0.0.1", server.port)) as chosen, TunnelProxy(("127.0.0.1", server.port)) as other:
            for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
                monkeypatch.setenv(name, other.url)
            transport = Transport("https://echo.service-now.com", "test service", ca_path=tls_material.ca_path,
                                  proxy=chosen.url, retry=RetryPolicy(retries=0))
            assert transport.request("GET", "/x").status_code == 200
            assert len(chosen.requests_seen) == 1 and other.requests_seen == []


def test_a_proxy_from_the_environment_is_named(monkeypatch, tls_material):
    with RawServer(close_silently) as gone:
        port = gone.port
    monkeypatch.setenv("HTTPS_PROXY", "http://someone:env-password@127.0.0.1:%d" % port)
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    transport = Transport("https://echo.service-now.com", "test service", ca_path=tls_material.ca_path,
                          retry=RetryPolicy(retries=0))
    with pytest.raises(TransportError) as error:
        transport.request("GET", "/x")
    assert "the proxy http://127.0.0.1:%d (HTTPS_PROXY/https_proxy)" % port in str(error.value)
    assert "env-password" not in str(error.value)


def test_classification_walks_the_whole_chain():
    """urllib3 sometimes hides the cause in ``reason`` or ``args`` rather than ``__cause__``."""
    transport = _transport("https://echo.service-now.com")
    inner = urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError(104, "reset by peer"))
    outer = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/x", inner))
    failure = transport._transport_failure(outer, "GET /x", phase="request")  # pylint: disable=protected-access
    assert failure.details == {"reason": "connection closed", "retryable": True}
    odd = transport._transport_failure(OSError("something else"), "GET /x")  # pylint: disable=protected-access
    assert odd.details == {"reason": "connection failure", "retryable": True}
    assert "OSError: something else" in str(odd)


@pytest.mark.parametrize("url, shown", [
    ("http://user:secret@proxy.example.com:3128", "http://proxy.example.com:3128"),
    ("proxy.example.com:3128", "http://proxy.example.com:3128"),
    ("socks5h://p.example.com", "socks5h://p.example.com"),
])
def test_proxy_urls_are_shown_without_credentials(url, shown):
    assert safe_url(url) == shown
