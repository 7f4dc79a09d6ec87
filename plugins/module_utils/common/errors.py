# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors that speak the administrator's language: what happened, where, and what to do next.

Every error raised by the shared code is a SnowspokeError: ``message`` says what happened (which record, which
field, what the remote side said), ``hint`` what to do. Modules turn them into ``fail_json(msg=...)`` with the
details as extra result keys, so an AWX job log shows the whole story in one line.
"""

from __future__ import annotations


def a_kind(value):
    """``a string``, ``a dict``, ``an int``: how a value's type is named in a message (never the value itself)."""
    name = {"str": "string", "NoneType": "null"}.get(type(value).__name__, type(value).__name__)
    return ("an " if name[0] in "aeiou" else "a ") + name


class SnowspokeError(Exception):
    """Base class; ``details`` become keys of the failed task's result (never secrets)."""

    def __init__(self, message, hint=None, **details):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = details

    def __str__(self):
        if self.hint:
            return "%s %s" % (self.message.rstrip(), self.hint)
        return self.message


class OptionError(SnowspokeError):
    """A module option is missing, malformed or conflicts with another; raised before any request."""


class TransportError(SnowspokeError):
    """The request did not get an HTTP answer: TLS, timeout, unknown host, proxy, refused connection."""


class HTTPError(SnowspokeError):
    """The remote side answered with an error status; ``status`` and the request are kept for callers."""

    def __init__(self, message, hint=None, status=None, method=None, url=None, **details):
        super().__init__(message, hint, status=status, **details)
        self.status = status
        self.method = method
        self.url = url


class AuthenticationError(HTTPError):
    """401: the credentials were refused."""


class AccessDeniedError(HTTPError):
    """403: authenticated, but an ACL or a business rule refused the operation."""


class NotFoundError(HTTPError):
    """404: the record or endpoint does not exist (or is hidden by an ACL)."""


class RateLimitError(HTTPError):
    """429 (or 503 with Retry-After) still answered after the retry budget was spent."""


class UnexpectedContentError(HTTPError):
    """An HTML (or other non-JSON) answer where JSON was expected: login page, hibernating instance, no such site."""


class RecordError(SnowspokeError):
    """A record-level problem: two records for one identity, a write that did not stick, a missing dependency."""
