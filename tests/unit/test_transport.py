"""The shared transport: retries (429/5xx/connection), Retry-After, bounded waits, and transport errors."""

import pytest
import requests

from ansible_collections.snowspoke.jira.plugins.module_utils.common.errors import TransportError
from ansible_collections.snowspoke.jira.plugins.module_utils.common.transport import (
    RetryPolicy,
    Transport,
    _retry_after_seconds,
)
from tests.emulator.http import json_response
from tests.emulator.server import EmulatorServer


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
    assert "proxy failure" in transport.lines[0] or "connection failure" in transport.lines[0]


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


def test_name_resolution_failure_is_final_and_clear():
    transport = Transport("https://nosuch.service-now.com", "ServiceNow instance nosuch.service-now.com",
                          retry=RetryPolicy(retries=3, sleep=lambda s: None))
    failure = transport._transport_failure(  # pylint: disable=protected-access
        requests.exceptions.ConnectionError("Failed to resolve 'nosuch.service-now.com' ([Errno -2] Name or "
                                            "service not known)"), "GET /x")
    assert failure.details["retryable"] is False
    assert "Unknown host nosuch.service-now.com" in str(failure)


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
