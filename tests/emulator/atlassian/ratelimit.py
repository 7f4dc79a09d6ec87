"""Atlassian-style rate limiting: 429 with ``Retry-After`` and the ``X-RateLimit-*`` headers.

Two controls: a fixed-window limit per host (``N requests per S seconds``, measured in real time because clients
really sleep for ``Retry-After``) and "the next n requests get 429" (a burst), optionally for one host.
``X-RateLimit-Reset`` is an ISO 8601 timestamp of the emulated clock, as Atlassian sends it (not epoch seconds).
"""

import math
import threading
import time

TENANT_REASON = "jira-quota-tenant-based"
BURST_REASON = "jira-burst-based"


class _Window:
    def __init__(self, requests, per_seconds, retry_after, reason):
        self.requests = requests
        self.per_seconds = per_seconds
        self.retry_after = retry_after
        self.reason = reason
        self.started = None
        self.count = 0


class _Burst:
    def __init__(self, remaining, retry_after, host):
        self.remaining = remaining
        self.retry_after = retry_after
        self.host = host


class RateLimiter:
    """Decides, per request, whether to answer 429 and which rate-limit headers to add."""

    def __init__(self, clock):
        self.clock = clock
        self._lock = threading.Lock()
        self._windows = {}
        self._bursts = []

    def set_limit(self, host, requests, per_seconds, retry_after=None, reason=TENANT_REASON):
        with self._lock:
            self._windows[host] = _Window(int(requests), float(per_seconds), retry_after, reason)

    def next_requests(self, count, retry_after=1, host=None):
        with self._lock:
            self._bursts.append(_Burst(int(count), retry_after, host))

    def clear(self):
        with self._lock:
            self._windows.clear()
            self._bursts.clear()

    def check(self, hosts):
        """``(limited, headers)`` for a request concerning ``hosts`` (its own host, and the site a gateway call
        reaches). ``headers`` go on the answer either way (empty when no limit applies)."""
        with self._lock:
            for burst in self._bursts:
                if burst.remaining > 0 and (burst.host is None or burst.host in hosts):
                    burst.remaining -= 1
                    return True, self._headers(100, 0, float(burst.retry_after), burst.retry_after, BURST_REASON)
            self._bursts = [b for b in self._bursts if b.remaining > 0]
            headers = []
            now = time.monotonic()
            for host in hosts:
                window = self._windows.get(host)
                if window is None:
                    continue
                if window.started is None or now >= window.started + window.per_seconds:
                    window.started, window.count = now, 0
                window.count += 1
                reset_in = window.started + window.per_seconds - now
                remaining = max(0, window.requests - window.count)
                over = window.count > window.requests
                headers = self._headers(window.requests, remaining, reset_in,
                                        window.retry_after if over else None, window.reason if over else None)
                if over:
                    return True, headers
            return False, headers

    def _headers(self, limit, remaining, reset_in, retry_after, reason):
        headers = [
            ("X-RateLimit-Limit", str(limit)),
            ("X-RateLimit-Remaining", str(remaining)),
            ("X-RateLimit-Reset", self.clock.iso(self.clock.now() + max(reset_in, 0), millis=False)),
            ("X-RateLimit-NearLimit", "true" if remaining < 0.2 * limit else "false"),
        ]
        if reason is not None:
            wait = retry_after if retry_after is not None else max(1, math.ceil(reset_in))
            headers.insert(0, ("Retry-After", str(wait)))
            headers.append(("RateLimit-Reason", reason))
        return headers
