"""The request and response objects every emulated application speaks.

An application (an emulated ServiceNow fleet, an emulated Atlassian Cloud) is any object with:

- ``name``: a short label used in the request log (``servicenow``, ``atlassian``);
- ``handles(host) -> bool``: whether it serves that virtual host name;
- ``handle(request) -> Response``: answer one request;
- optionally ``control(request, subpath) -> Response`` for ``/_emulator/<name>/<subpath>``
  (test and demo controls: tamper with data, simulate a browser click, ...).

The server (``server.py``) owns the network: sockets, TLS, proxying, fault injection, latency and the
request log. Applications never touch sockets, so they can also be called in-process.
"""

import json
from dataclasses import dataclass, field
from email.message import Message
from typing import Dict, List, Optional
from urllib.parse import parse_qs, urlencode, urlsplit


def _headers(pairs=None):
    message = Message()
    for name, value in (pairs or {}).items() if isinstance(pairs, dict) else (pairs or []):
        message[name] = value
    return message


@dataclass
class Request:
    """One HTTP request as an application sees it."""

    method: str
    scheme: str
    host: str
    path: str
    query: Dict[str, List[str]] = field(default_factory=dict)
    headers: Message = field(default_factory=Message)
    body: bytes = b""
    port: Optional[int] = None
    raw_query: str = ""

    @classmethod
    def build(cls, method, url, headers=None, body=b""):
        """Make a request from a URL, for in-process calls between emulated applications."""
        parts = urlsplit(url)
        if isinstance(body, str):
            body = body.encode("utf-8")
        return cls(
            method=method.upper(),
            scheme=parts.scheme or "https",
            host=(parts.hostname or "").lower(),
            port=parts.port,
            path=parts.path or "/",
            query=parse_qs(parts.query, keep_blank_values=True),
            raw_query=parts.query,
            headers=_headers(headers),
            body=body,
        )

    def arg(self, name, default=None):
        """First value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name, default=None):
        return self.headers.get(name, default)

    def json(self):
        """The body parsed as JSON (None for an empty body); raises ValueError on bad JSON."""
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))

    def form(self):
        """The body parsed as application/x-www-form-urlencoded, first value per name."""
        parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        return {key: values[0] for key, values in parsed.items()}

    @property
    def base_url(self):
        default_port = {"https": 443, "http": 80}.get(self.scheme)
        port = "" if self.port in (None, default_port) else ":%d" % self.port
        return "%s://%s%s" % (self.scheme, self.host, port)

    @property
    def url(self):
        return self.base_url + self.path + ("?" + self.raw_query if self.raw_query else "")


@dataclass
class Response:
    """One HTTP answer. ``write`` tells the request log whether this request changed data
    (None: decided by the method); ``label`` names the tenant (instance, site) in the log; ``items``: the requests a
    Batch API call carried, as (method, path, query, status, wrote), logged each as an item of the call."""

    status: int = 200
    body: bytes = b""
    headers: List[tuple] = field(default_factory=list)
    write: Optional[bool] = None
    label: Optional[str] = None
    items: Optional[list] = None

    def header(self, name, default=None):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return default

    def json(self):
        return json.loads(self.body.decode("utf-8")) if self.body else None


def json_response(status, payload, headers=None, **kwargs):
    body = b"" if payload is None else json.dumps(payload).encode("utf-8")
    all_headers = [("Content-Type", "application/json;charset=UTF-8")] if payload is not None else []
    all_headers.extend((headers or {}).items() if isinstance(headers, dict) else (headers or []))
    return Response(status=status, body=body, headers=all_headers, **kwargs)


def html_response(status, html, headers=None, **kwargs):
    all_headers = [("Content-Type", "text/html;charset=UTF-8")]
    all_headers.extend((headers or {}).items() if isinstance(headers, dict) else (headers or []))
    return Response(status=status, body=html.encode("utf-8"), headers=all_headers, **kwargs)


def redirect_response(location, status=302, **kwargs):
    return Response(status=status, headers=[("Location", location)], **kwargs)


def with_query(url, params):
    """Append query parameters to a URL."""
    return url + ("&" if "?" in url else "?") + urlencode(params)
