# -*- coding: utf-8 -*-
# Copyright: (c) 2026, snowspoke developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A ServiceNow Table API client: authentication, reads (paged, or many at once through the Batch API),
writes, and errors that say what the instance refused and what to do about it.

Values are exchanged as ServiceNow stores them: every read asks for raw values
(``sysparm_display_value=false``) and plain sys_ids for references (``sysparm_exclude_reference_link=true``), so
what is compared is exactly what is written.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode, urlsplit

from ..common.errors import (
    SnowspokeError,
    AccessDeniedError,
    AuthenticationError,
    HTTPError,
    NotFoundError,
    OptionError,
    RateLimitError,
    TransportError,
    UnexpectedContentError,
)
from ..common.transport import RetryPolicy, Transport, check_retry, check_tls, is_html, json_or_none
from .options import auth_method, check_bound_host, instance_url, oauth_grant
from .query import UnverifiedRowError, as_query

TABLE_PATH = "api/now/table/"
BATCH_PATH = "api/now/v1/batch"
TOKEN_PATH = "oauth_token.do"
PAGE_SIZE = 1000
# An answer that is not what the Table API gives: the host is not the instance, or something rewrote the answer.
NOT_AN_INSTANCE_ANSWER_HINT = "Check that instance.host is the instance's own URL and that no proxy rewrites the answer."
READ_PARAMS = {"sysparm_display_value": "false", "sysparm_exclude_reference_link": "true"}
OPERATIONS = {"GET": "read", "POST": "create", "PATCH": "update", "PUT": "update", "DELETE": "delete"}
JSON_HEADERS = {"Accept": "application/json", "Content-Type": "application/json"}


def _error_text(payload):
    """'message: detail' from a ServiceNow error body (or an OAuth error body)."""
    if not isinstance(payload, dict):
        return ""
    error = payload.get("error")
    if isinstance(error, dict):
        message, detail = error.get("message") or "", error.get("detail") or ""
        return "%s: %s" % (message, detail) if detail and detail != message else message
    if isinstance(error, str):
        return "%s: %s" % (error, payload.get("error_description")) if payload.get("error_description") else error
    return ""


class ServiceNowClient:
    """Talks to one instance. Build it with ``from_options(params["instance"], log)``."""

    def __init__(self, base_url, transport, method, credentials, log=None):
        self.base_url = base_url
        self.host = urlsplit(base_url).hostname
        self.transport = transport
        self.method = method
        self._credentials = credentials
        self._token = credentials.get("access_token") if method == "token" else None
        self.log = log or (lambda message: None)
        self.requests_made = 0

    @classmethod
    def from_options(cls, options, log=None, warn=None):
        """Validate the ``instance`` option (OptionError names the culprit) and build a client; no request yet.
        ``warn``: where a warning about a risky choice goes (``validate_certs: false``)."""
        options = dict(options or {})
        base_url = instance_url(options.get("host"))
        if base_url.startswith("http://") and not options.get("allow_http"):
            raise OptionError(
                "instance.host %s uses http://: the instance's credentials would travel in clear text." % base_url,
                hint="Use https:// (ServiceNow instances serve HTTPS), or set instance.allow_http: true for a lab "
                     "instance.")
        check_bound_host(base_url)
        check_tls("instance.", "ServiceNow instance %s" % urlsplit(base_url).hostname,
                  options.get("validate_certs", True) is not False, options.get("ca_path"), warn)
        check_retry("instance.", options.get("retries"), options.get("retry_backoff"), options.get("retry_max_wait"))
        method = auth_method(options)
        if options.get("timeout") is not None and options["timeout"] <= 0:
            raise OptionError("instance.timeout must be a positive number of seconds (got %s)." % options["timeout"])
        if options.get("proxy"):
            proxy = urlsplit(options["proxy"])
            if proxy.scheme not in ("http", "https", "socks5", "socks5h") or not proxy.hostname:
                raise OptionError("instance.proxy %r is not a proxy URL such as http://proxy.example.com:3128."
                                  % options["proxy"])
        retry = RetryPolicy(
            retries=options.get("retries", 4) if options.get("retries") is not None else 4,
            backoff=options.get("retry_backoff") if options.get("retry_backoff") is not None else 1.0,
            max_wait=options.get("retry_max_wait") if options.get("retry_max_wait") is not None else 120.0,
        )
        log = log or (lambda message: None)
        transport = Transport(
            base_url, service="ServiceNow instance %s" % urlsplit(base_url).hostname,
            validate_certs=options.get("validate_certs", True) is not False, ca_path=options.get("ca_path"),
            timeout=options.get("timeout") or 30.0, proxy=options.get("proxy"), retry=retry, log=log,
        )
        credentials = dict((key, options.get(key)) for key in (
            "username", "password", "client_id", "client_secret", "refresh_token", "access_token", "api_key",
            "grant_type"))
        return cls(base_url, transport, method, credentials, log=log)

    # -- who we are -------------------------------------------------------------------------------------------
    @property
    def user(self):
        """The user name we act as, when the options tell it (basic and password grant)."""
        return self._credentials.get("username")

    def describe_identity(self):
        if self.method == "basic":
            return "user %r" % self.user
        if self.method == "oauth":
            return "OAuth client %r (%s grant)%s" % (
                self._credentials.get("client_id"), oauth_grant(self._credentials),
                " as user %r" % self.user if self.user else "")
        return {"token": "the given access token", "api_key": "the given API key"}[self.method]

    # -- authentication ---------------------------------------------------------------------------------------
    def _auth(self):
        """(requests auth, extra headers) for the next request; fetches an OAuth token on first use."""
        if self.method == "basic":
            return (self._credentials["username"], self._credentials["password"]), {}
        if self.method == "api_key":
            return None, {"x-sn-apikey": self._credentials["api_key"]}
        if self._token is None:
            self._token = self._fetch_token()
        return None, {"Authorization": "Bearer %s" % self._token}

    def _fetch_token(self):
        credentials = self._credentials
        grant = oauth_grant(credentials)
        form = {"grant_type": grant, "client_id": credentials["client_id"],
                "client_secret": credentials["client_secret"]}
        if grant == "password":
            form.update(username=credentials["username"], password=credentials["password"])
        elif grant == "refresh_token":
            form["refresh_token"] = credentials["refresh_token"]
        response = self.transport.request("POST", TOKEN_PATH, data=form, headers={"Accept": "application/json"},
                                          idempotent=False)
        self.requests_made += 1
        payload = json_or_none(response)
        if response.status_code != 200 or not isinstance(payload, dict) or not payload.get("access_token"):
            if response.status_code in (400, 401, 403):
                raise AuthenticationError(
                    "The OAuth token request to %s was refused for %s (HTTP %d%s)." % (
                        self.host, self.describe_identity(), response.status_code,
                        ": " + _error_text(payload) if _error_text(payload) else ""),
                    hint="Check instance.client_id/client_secret (SN_CLIENT_ID/SN_CLIENT_SECRET) against the "
                         "instance's OAuth API endpoint, and the user's credentials for the password grant.",
                    status=response.status_code, method="POST", url=TOKEN_PATH)
            self._raise(response, "POST", None, payload=payload)
        self.log("OAuth %s grant: access token obtained from %s" % (grant, self.host))
        return payload["access_token"]

    # -- low level --------------------------------------------------------------------------------------------
    def call(self, method, path, params=None, body=None, table=None, sys_id=None, idempotent=None,
             with_headers=False):
        """One authenticated JSON request; returns the parsed body (None for 204), with the answer's headers when
        ``with_headers``. Errors raise."""
        auth, headers = self._auth()
        headers = dict(headers, **JSON_HEADERS) if body is not None or method != "GET" else dict(
            headers, Accept="application/json")
        response = self.transport.request(method, path, params=params, json=body, headers=headers, auth=auth,
                                          idempotent=idempotent)
        self.requests_made += 1
        if response.status_code == 401 and self.method == "oauth" and self._token:
            # An expired token mid-run: get a new one once and repeat the request.
            self.log("%s %s: 401 with a cached OAuth token; requesting a new token" % (method, path))
            self._token = None
            auth, token_headers = self._auth()
            headers.update(token_headers)
            response = self.transport.request(method, path, params=params, json=body, headers=headers, auth=auth,
                                              idempotent=idempotent)
            self.requests_made += 1
        self.log("%s %s%s -> %d%s" % (
            method, path, "?" + urlencode(params) if params else "", response.status_code,
            " after %d retries" % response.retries if getattr(response, "retries", 0) else ""))
        payload = None if response.status_code == 204 else json_or_none(response)
        if response.status_code != 204 and (response.status_code >= 300 or payload is None):
            self._raise(response, method, table, sys_id=sys_id, payload=payload)
        return (payload, response.headers) if with_headers else payload

    def _raise(self, response, method, table, sys_id=None, payload=None):
        status = response.status_code
        operation = OPERATIONS.get(method, method)
        what = "%s %s" % (operation, ("table %s" % table) if table else urlsplit(response.url or "").path)
        if sys_id:
            what += " record %s" % sys_id
        where = "ServiceNow instance %s" % self.host
        kwargs = dict(status=status, method=method, url=response.url, table=table)
        if 300 <= status < 400:
            location = response.headers.get("Location", "")
            raise UnexpectedContentError(
                "%s redirected the API call (%s) to %s." % (where, what, location or "another page"),
                hint="An instance that sends API calls to a login page uses single sign-on for this user: use a "
                     "local integration user (basic), OAuth or an API key.", **kwargs)
        if payload is None and status < 500 or (payload is None and is_html(response)):
            text = response.text.lower()
            if "hibernat" in text:
                raise UnexpectedContentError(
                    "%s is hibernating (it answered an HTML page instead of JSON)." % where,
                    hint="Wake the developer instance at https://developer.servicenow.com, then run again.",
                    **kwargs)
            if "login" in text or "sso" in text or "saml" in text:
                raise UnexpectedContentError(
                    "%s answered a login page instead of JSON (%s)." % (where, what),
                    hint="The user is sent to single sign-on: use a local integration user, OAuth or an API key.",
                    **kwargs)
            raise UnexpectedContentError(
                "%s answered %s with %s content instead of JSON (HTTP %d)." % (
                    where, what, response.headers.get("Content-Type") or "non-JSON", status),
                hint=NOT_AN_INSTANCE_ANSWER_HINT,
                **kwargs)
        detail = _error_text(payload)
        said = " (HTTP %d%s)" % (status, ": " + detail if detail else "")
        if status == 401:
            if response.headers.get("X-MFA_TOKEN"):
                raise AuthenticationError(
                    "%s requires multi-factor authentication for %s%s." % (where, self.describe_identity(), said),
                    hint="Use an integration user without MFA, OAuth or an API key for automation.", **kwargs)
            raise AuthenticationError(
                "%s refused the credentials of %s%s." % (where, self.describe_identity(), said),
                hint=self._auth_hint(), **kwargs)
        if status == 403:
            if "business rule" in detail.lower():
                hint = "A business rule on the instance stopped it; the detail above names the rule."
            else:
                hint = "%s needs the admin role (or an ACL that allows %s on %s)." % (
                    self.describe_identity()[0].upper() + self.describe_identity()[1:], operation, table or "it")
            raise AccessDeniedError("%s refused to %s%s." % (where, what, said), hint=hint, **kwargs)
        if status == 404:
            raise NotFoundError("%s has no such record: %s%s." % (where, what, said), **kwargs)
        if status == 400 and "invalid table" in detail.lower():
            raise NotFoundError(
                "Table %s does not exist on %s%s." % (table, where, said),
                hint="Is the plugin or spoke that provides it installed and active? "
                     "snowspoke.jira.servicenow_spoke_info checks every prerequisite.", **kwargs)
        if status == 429:
            raise RateLimitError(
                "%s still rate-limits %s after %d retries and %.1f s of waiting%s." % (
                    where, what, getattr(response, "retries", 0), getattr(response, "waited", 0.0), said),
                hint="Raise instance.retry_max_wait, run fewer forks at once, or raise the integration user's "
                     "REST API rate limit on the instance.", **kwargs)
        if status >= 500:
            raise HTTPError("%s failed to %s%s." % (where, what, said),
                            hint="If it persists, look for the transaction in the instance's system log.", **kwargs)
        raise HTTPError("%s rejected the request to %s%s." % (where, what, said), **kwargs)

    def _auth_hint(self):
        return {
            "basic": "Check instance.username and instance.password (SN_USERNAME/SN_PASSWORD); the user must be "
                     "active, not locked out, and allowed to use web services.",
            "oauth": "The OAuth token was refused: check the OAuth API endpoint on the instance.",
            "token": "The access token is expired or revoked: get a new one.",
            "api_key": "The API key is unknown, inactive or not allowed for the Table API.",
        }[self.method]

    # -- Table API ----------------------------------------------------------------------------------------------
    def _read_params(self, query, fields, offset=0):
        """The GET parameters of one page: raw values, ordered by sys_id so pages never overlap or skip."""
        encoded = query.encode()
        params = dict(READ_PARAMS, sysparm_query=(encoded + "^" if encoded else "") + "ORDERBYsys_id",
                      sysparm_limit=str(PAGE_SIZE), sysparm_offset=str(offset))
        if fields:
            params["sysparm_fields"] = ",".join(fields)
        return params

    @staticmethod
    def _asked(fields, query):
        """The fields to ask for: the caller's, plus those the query is checked on (None: every field)."""
        return sorted(set(fields) | set(query.fields) | {"sys_id"}) if fields else None

    def _accept(self, table, query, rows, fields):
        """Rows checked against the query (UnverifiedRowError otherwise), without the fields only asked for that."""
        query.verify(table, rows, self.host)
        if not fields:
            return rows
        keep = set(fields)
        return [dict((key, value) for key, value in row.items() if key in keep) for row in rows]

    @staticmethod
    def _complete(page, records, total):
        """Whether a read has everything. Row ACLs filter a page after it is taken (ServiceNow KB: a limit of 36
        can answer 12 rows with more behind them), so a short page is not the last one: the read ends at an empty
        page, or when X-Total-Count says every row it counts has arrived."""
        return not page or (total is not None and len(records) >= total)

    def list(self, table, query=None, fields=None, limit=None, first_page=None):
        """Every record of ``table`` matching ``query`` (a Query or an identity dict), as dicts of strings.

        Each row is checked against the query before it is returned; ``limit`` only shortens the answer (pages are
        read whole, so rows an ACL hides cannot make a record look absent). ``first_page``: (rows, X-Total-Count)
        of the first page when it was read already (through the Batch API).
        """
        query = as_query(query)
        asked = self._asked(fields, query)
        records, offset = [], 0
        page, total = first_page if first_page is not None else (None, None)
        while True:
            if page is None:
                payload, headers = self.call("GET", TABLE_PATH + table, params=self._read_params(query, asked, offset),
                                             table=table, with_headers=True)
                page, total = _rows(payload, table, self.host), _total_count(headers)
            records.extend(self._accept(table, query, page, fields))
            offset += PAGE_SIZE
            if self._complete(page, records, total):
                return records[:limit] if limit else records
            page = None

    def get(self, table, sys_id, fields=None):
        """One record by sys_id, or None."""
        params = dict(READ_PARAMS)
        if fields:
            params["sysparm_fields"] = ",".join(fields)
        try:
            return self.call("GET", TABLE_PATH + "%s/%s" % (table, sys_id), params=params, table=table,
                             sys_id=sys_id)["result"]
        except NotFoundError:
            return None

    def create(self, table, data, fields=None, display_value_input=False):
        """POST one record; returns the record as the instance stored it."""
        params = dict(READ_PARAMS)
        if fields:
            params["sysparm_fields"] = ",".join(fields)
        if display_value_input:
            params["sysparm_input_display_value"] = "true"
        return self.call("POST", TABLE_PATH + table, params=params, body=data, table=table,
                         idempotent=False)["result"]

    def update(self, table, sys_id, data, fields=None, display_value_input=False):
        """PATCH fields of one record; returns the record as the instance stored it."""
        params = dict(READ_PARAMS)
        if fields:
            params["sysparm_fields"] = ",".join(fields)
        if display_value_input:
            # Encrypted fields are only saved when written as display values (ServiceNow Table API docs).
            params["sysparm_input_display_value"] = "true"
        return self.call("PATCH", TABLE_PATH + "%s/%s" % (table, sys_id), params=params, body=data, table=table,
                         sys_id=sys_id)["result"]

    def delete(self, table, sys_id):
        """DELETE one record; False when it was already gone."""
        try:
            self.call("DELETE", TABLE_PATH + "%s/%s" % (table, sys_id), table=table, sys_id=sys_id)
        except NotFoundError:
            return False
        return True

    # -- Batch API ----------------------------------------------------------------------------------------------
    def list_many(self, reads, return_errors=False):
        """Several independent reads in one round trip through the Batch API.

        ``reads``: a list of ``(table, query, fields, limit)``. Returns a list of record lists in the same order,
        each read checked and paged exactly as ``list()`` does (a read with more rows than a page continues with
        plain GETs). With ``return_errors``, a read the instance refused (or answered with rows that do not match
        it) gives its error in its place instead of raising. Falls back to one GET per read when the instance does
        not offer the Batch API to this user.
        """
        if len(reads) <= 1:
            return [self._list_or_error(read, None, return_errors) for read in reads]
        rest_requests = []
        for index, (table, query, fields, _limit) in enumerate(reads):
            query = as_query(query)
            params = self._read_params(query, self._asked(fields, query))
            rest_requests.append({
                "id": str(index), "method": "GET", "url": "/" + TABLE_PATH + table + "?" + urlencode(params),
                "headers": [{"name": "Accept", "value": "application/json"}],
                # The headers carry X-Total-Count, which tells whether the first page is the whole answer.
                "exclude_response_headers": False,
            })
        try:
            answer = self.call("POST", BATCH_PATH, body={"batch_request_id": "snowspoke",
                                                         "rest_requests": rest_requests}, idempotent=True)
        except (NotFoundError, AccessDeniedError, UnexpectedContentError) as exc:
            self.log("Batch API not available (%s); reading one table at a time" % exc.status)
            return [self._list_or_error(read, None, return_errors) for read in reads]
        except (HTTPError, TransportError) as exc:
            # What was lost is reads, of these tables: not a create of /api/now/v1/batch.
            exc.message = "%s It carried the reads of %s." % (
                exc.message.replace("failed to create %s" % ("/" + BATCH_PATH), "failed to answer a Batch API call"),
                ", ".join(sorted(set(read[0] for read in reads))))
            raise
        first_pages = [None] * len(reads)
        for served in _served_items(answer, len(reads), self.host):
            index = served["index"]
            table = reads[index][0]
            payload = served["payload"]
            if served["status"] != 200 or payload is None:
                try:
                    self._raise(_BatchItem(served["status"], served["text"], self.base_url + rest_requests[index]["url"]),
                                "GET", table, payload=payload)
                except HTTPError as exc:
                    first_pages[index] = exc
                    continue
            first_pages[index] = (_rows(payload, table, self.host), _total_count(served["headers"]))
        # Unserviced items (the instance's batch time limit) are read directly.
        return [self._list_or_error(read, first, return_errors) for read, first in zip(reads, first_pages)]

    # -- writes (queued by the reconciler, sent by writes.WriteExecutor) ------------------------------------------
    def _write_params(self, write):
        params = dict(READ_PARAMS)
        if write.fields:
            params["sysparm_fields"] = ",".join(write.fields)
        if write.display_value_input:
            # Encrypted fields are only saved when written as display values (ServiceNow Table API docs).
            params["sysparm_input_display_value"] = "true"
        return params

    @staticmethod
    def _write_path(write):
        return TABLE_PATH + write.table + ("" if write.method == "POST" else "/%s" % write.sys_id)

    def write_one(self, write):
        """Send one queued write; the stored record it answers (None for a delete)."""
        if write.method == "DELETE":
            self.delete(write.table, write.sys_id)
            return None
        result = self.call(write.method, self._write_path(write), params=self._write_params(write),
                           body=write.payload(), table=write.table, sys_id=write.sys_id,
                           idempotent=write.method != "POST")
        return _record(result, write.table, self.host)

    def write_many(self, writes):
        """Send independent queued writes in one Batch API call. For each write, in order: ("ok", the stored
        record or None), ("refused", AccessDeniedError), ("failed", HTTPError) or ("unserviced", None)."""
        rest_requests = []
        for index, write in enumerate(writes):
            item = {"id": str(index), "method": write.method,
                    "url": "/" + self._write_path(write) + "?" + urlencode(self._write_params(write)),
                    "headers": [{"name": "Accept", "value": "application/json"},
                                {"name": "Content-Type", "value": "application/json"}],
                    "exclude_response_headers": True}
            if write.method != "DELETE":
                item["body"] = base64.b64encode(json.dumps(write.payload()).encode("utf-8")).decode("ascii")
            rest_requests.append(item)
        answer = self.call("POST", BATCH_PATH, body={"batch_request_id": "snowspoke-writes",
                                                     "rest_requests": rest_requests}, idempotent=False)
        self.log("Batch API: %s" % ", ".join(write.describe() for write in writes))
        outcomes = [("unserviced", None)] * len(writes)
        for served in _served_items(answer, len(writes), self.host):
            index, status, payload = served["index"], served["status"], served["payload"]
            write = writes[index]
            if write.method == "DELETE" and status in (200, 204, 404):
                outcomes[index] = ("ok", None)  # 404: already gone, which is what was asked
                continue
            if status in (200, 201) and payload is not None:
                try:
                    outcomes[index] = ("ok", _record(payload, write.table, self.host))
                except UnexpectedContentError as exc:
                    outcomes[index] = ("failed", exc)
                continue
            try:
                self._raise(_BatchItem(status, served["text"], self.base_url + rest_requests[index]["url"]),
                            write.method, write.table, sys_id=write.sys_id, payload=payload)
            except AccessDeniedError as exc:
                outcomes[index] = ("refused", exc)
            except HTTPError as exc:
                # A 5xx does not say whether the write happened before the instance failed.
                outcomes[index] = ("unknown" if status >= 500 else "failed", exc)
        return outcomes

    def _list_or_error(self, read, first_page, return_errors):
        table, query, fields, limit = read
        try:
            if isinstance(first_page, SnowspokeError):
                raise first_page
            return self.list(table, query, fields=fields, limit=limit, first_page=first_page)
        except (HTTPError, UnverifiedRowError) as exc:
            if not return_errors:
                raise
            return exc


def _total_count(headers):
    """X-Total-Count as an int (None when absent or not a number)."""
    try:
        return int(_header(headers, "X-Total-Count"))
    except (TypeError, ValueError):
        return None


def _header(headers, name):
    """A header from a requests header map or a Batch API list of {name, value}."""
    if isinstance(headers, list):
        for item in headers:
            if isinstance(item, dict) and str(item.get("name", "")).lower() == name.lower():
                return item.get("value")
        return None
    return (headers or {}).get(name)


def _record(payload, table, host):
    record = payload.get("result") if isinstance(payload, dict) else None
    if not isinstance(record, dict) or not record.get("sys_id"):
        raise UnexpectedContentError(
            "ServiceNow instance %s answered a write to table %s without the record it stored." % (host, table),
            hint=NOT_AN_INSTANCE_ANSWER_HINT,
            table=table)
    return record


def _rows(payload, table, host):
    rows = payload.get("result") if isinstance(payload, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise UnexpectedContentError(
            "ServiceNow instance %s answered a read of table %s without a list of records." % (host, table),
            hint=NOT_AN_INSTANCE_ANSWER_HINT,
            table=table)
    return rows


def _served_items(answer, count, host):
    """The serviced items of a Batch API answer, decoded; UnexpectedContentError names a malformed one."""
    def malformed(what):
        return UnexpectedContentError(
            "ServiceNow instance %s answered the Batch API with %s." % (host, what),
            hint="The reads can be made one at a time: if this persists, report it with the instance's version.")
    if not isinstance(answer, dict) or not isinstance(answer.get("serviced_requests", []), list):
        raise malformed("a body that is not a batch answer")
    items = []
    for served in answer.get("serviced_requests", []):
        try:
            index = int(served["id"])
            if not 0 <= index < count:
                raise ValueError(index)
            status = int(served.get("status_code", 0))
            text = base64.b64decode(served.get("body") or b"").decode("utf-8") if served.get("body") else ""
            payload = json.loads(text) if text else None
        except (KeyError, TypeError, ValueError) as exc:  # binascii.Error and JSON errors are ValueErrors
            raise malformed("an item it could not have sent (%s: %s)" % (type(exc).__name__, exc)) from None
        items.append({"index": index, "status": status, "text": text, "payload": payload,
                      "headers": served.get("headers") or []})
    return items


class _BatchItem:
    """Just enough of a response for _raise(), built from one served item of a batch."""

    def __init__(self, status, text, url):
        self.status_code = status
        self.text = text
        self.url = url
        self.headers = {"Content-Type": "application/json"}
