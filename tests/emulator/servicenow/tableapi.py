"""The REST side of an instance: Table API (``/api/now/[v1|v2/]table/{table}[/{sys_id}]``) and Batch API
(``/api/now/v1/batch``), after authentication (the caller is given)."""

import base64
import binascii
import json
import re
import time
from http import HTTPStatus
from urllib.parse import urlencode

from ..http import Request, Response, json_response
from . import auth, schema
from .rules import RuleAbort

_TABLE_PATH = re.compile(r"^/api/now/(?:(v[12])/)?table/([^/]+)(?:/([^/]+))?/?$")
_BATCH_PATH = re.compile(r"^/api/now/(?:v[12]/)?batch/?$")  # batch-api.md: v1 or v2
DEFAULT_LIMIT = 10000
_OPERATION = {"POST": "Insert", "PUT": "Update", "PATCH": "Update", "DELETE": "Delete"}


def error(status, message, detail=None, headers=None):
    """ServiceNow's error body."""
    return json_response(status, {"error": {"message": message, "detail": detail}, "status": "failure"}, headers)


def route(instance, request, caller):
    """Answer an authenticated /api/ request."""
    if _BATCH_PATH.match(request.path):
        if request.method != "POST":
            return error(405, "Method not Supported", "Batch API only supports POST")
        return batch(instance, request, caller)
    match = _TABLE_PATH.match(request.path)
    if match is None:
        return error(400, "Requested URI does not represent any resource", None)
    return table_api(instance, request, caller, match.group(2), match.group(3), match.group(1))


class Params:  # pylint: disable=too-few-public-methods
    """The sysparm_* parameters of a request."""

    def __init__(self, request):
        arg = request.arg
        display = (arg("sysparm_display_value") or "false").lower()
        self.display = display if display in ("true", "all") else "false"
        self.exclude_link = (arg("sysparm_exclude_reference_link") or "").lower() == "true"
        self.input_display = (arg("sysparm_input_display_value") or "").lower() == "true"
        self.no_count = (arg("sysparm_no_count") or "").lower() == "true"
        self.no_links = (arg("sysparm_suppress_pagination_header") or "").lower() == "true"
        # c_TableAPI.md, name-value pairs: other parameters filter too (``&active=true``).
        self.filters = [(name, values[0]) for name, values in request.query.items()
                        if values and not name.startswith("sysparm_")]
        self.fields = [f.strip() for f in (arg("sysparm_fields") or "").split(",") if f.strip()]
        self.query = arg("sysparm_query") or ""
        self.limit = _int(arg("sysparm_limit"), DEFAULT_LIMIT, minimum=1)
        self.offset = _int(arg("sysparm_offset"), 0, minimum=0)


def _int(text, default, minimum):
    try:
        return max(int(text), minimum)
    except (TypeError, ValueError):
        return default


# -- rendering --------------------------------------------------------------------------------------------
def _format_display(column, value, instance, cache):
    if column.kind == "reference":
        return instance.display_value(column.reference, instance.fetch(column.reference, value, cache)) \
            if value else ""
    if column.kind == "choice":
        return column.choice_label(value)
    if column.kind == "sys_class_name" and schema.table(value) is not None:
        return schema.table(value).label
    if column.kind == "integer" and value:
        try:
            return "{:,}".format(int(value))  # the UI format: thousands separated
        except ValueError:
            return value
    return value


def present(instance, column, value, params, cache):
    """One field of a record as the Table API writes it."""
    value = value or ""
    if column.encrypted:  # never the clear text, in every mode
        value = instance.shown_secret(column, value)
        return {"display_value": value, "value": value} if params.display == "all" else value
    if column.kind == "reference":
        link = "%s/api/now/table/%s/%s" % (instance.url, column.reference, value)
        if params.display == "false":
            return value if params.exclude_link or not value else {"link": link, "value": value}
        shown = _format_display(column, value, instance, cache)
        if params.display == "true":
            return shown if params.exclude_link or not value else {"display_value": shown, "link": link}
        answer = {"display_value": shown, "value": value}
        if value and not params.exclude_link:
            answer["link"] = link
        return answer
    if params.display == "false":
        return value
    shown = _format_display(column, value, instance, cache)
    return shown if params.display == "true" else {"display_value": shown, "value": value}


def render(instance, table, record, params, cache):
    """A record seen through ``table`` (a parent shows only its own columns), limited to sysparm_fields."""
    columns = instance.columns(table)
    result = {}
    resolve = None
    for name in params.fields or list(columns):
        if "." in name:
            column = instance.field_at(table, name)
            if column is None:
                continue
            resolve = resolve or instance.resolver(table, cache)
            value = resolve(record, name)
        else:
            column = columns.get(name)
            if column is None:
                continue
            value = record.get(name, column.default)
        result[name] = present(instance, column, value, params, cache)
    return result


# -- Table API -------------------------------------------------------------------------------------------
def _accepts_json(request):
    accept = request.header("Accept")
    if not accept:
        return False
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("*/*", "application/*", "application/json") or media.endswith("+json"):
            return True
    return False


def _json_content(request):
    media = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


# pylint: disable-next=too-many-return-statements,too-many-arguments
def table_api(instance, request, caller, table_name, sys_id, version=None):
    definition = schema.table(table_name)
    if definition is None or not instance.has_table(table_name):
        return error(400, "Invalid table %s" % table_name, None)
    method = request.method
    params = Params(request)
    if method in ("GET", "HEAD"):
        if request.header("Accept") and not _accepts_json(request):
            return error(400, "Unsupported Accept header", "This emulator answers application/json only")
        if not auth.can_read(caller, table_name):
            return error(403, "User Not Authorized", "ACL restricts the record retrieval")
        if sys_id:
            return _get_one(instance, caller, definition, sys_id, params)
        return _get_list(instance, request, caller, definition, params, version)
    if method not in _OPERATION or (method == "POST") == bool(sys_id):
        return error(405, "Method not Supported", "%s is not supported on this resource" % method)
    if method != "DELETE":
        if not _accepts_json(request):
            return error(400, "Missing or unsupported Accept header",
                         "Send 'Accept: application/json' with a write request")
        if not _json_content(request):
            return error(400, "Missing or unsupported Content-Type header",
                         "Send 'Content-Type: application/json' with a write request")
    if not auth.can_write(caller, definition):
        return error(403, "Operation Failed",
                     "ACL Exception %s Failed due to security constraints" % _OPERATION[method])
    if method == "DELETE":
        if not instance.remove(table_name, sys_id):
            return _not_found()
        return Response(status=204, write=True)
    try:
        body = request.json()
    except (ValueError, UnicodeDecodeError):
        return error(400, "Exception while reading request", "The payload is not valid JSON.")
    if not isinstance(body, dict):
        return error(400, "Exception while reading request", "The payload must be a JSON object.")
    try:
        if method == "POST":
            record = instance.create(table_name, body, caller.user_name, params.input_display)
            status = 201
        else:
            record, _changed = instance.modify(table_name, sys_id, body, caller.user_name, params.input_display)
            if record is None:
                return _not_found()
            status = 200
    except RuleAbort as abort:
        return error(403, "Operation Failed", abort.detail)
    headers = {"Location": "%s/api/now/table/%s/%s" % (instance.url, table_name, record["sys_id"])} \
        if status == 201 else None
    return json_response(status, {"result": render(instance, table_name, record, params, {})}, headers, write=True)


def _not_found():
    return error(404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")


def _get_one(instance, caller, definition, sys_id, params):
    cache = {}
    record = instance.fetch(definition.name, sys_id, cache)
    if record is None or not _visible(instance, caller, definition.name, record, cache):
        return _not_found()
    return json_response(200, {"result": render(instance, definition.name, record, params, cache)})


def _visible(instance, caller, table_name, record, cache):
    return auth.row_visible(caller, table_name, record) and not instance.hidden(record, cache)


def _get_list(instance, request, caller, definition, params, version):  # pylint: disable=too-many-arguments
    cache = {}
    rows = instance.select(definition.name, params.query, cache, params.filters)
    # c_TableAPI.md, sysparm_limit: "This limit is applied before ACL evaluation" (KB3047115: a limit of 36
    # gave 12 rows): a page can come back short, or empty, while more rows follow.
    page = [r for r in rows[params.offset:params.offset + params.limit]
            if _visible(instance, caller, definition.name, r, cache)]
    if version == "v1" and not page:
        # KB0551763: v1 answers 404 where v2 and the unversioned path answer 200 with [].
        return error(404, "No Record found", "Records matching query not found. Check query parameter or offset "
                                             "parameter")
    headers = [] if params.no_links else [("Link", _links(instance, request, params, len(rows)))]
    if not params.no_count:
        total = len(rows) if instance.option("total_count") == "before_acl" else \
            sum(1 for r in rows if _visible(instance, caller, definition.name, r, cache))
        headers.append(("X-Total-Count", str(total)))
    result = [render(instance, definition.name, record, params, cache) for record in page]
    return json_response(200, {"result": result}, headers)


def _links(instance, request, params, total):
    base = {key: values[0] for key, values in request.query.items() if values}

    def link(offset, rel):
        query = dict(base, sysparm_offset=str(offset), sysparm_limit=str(params.limit))
        return '<%s%s?%s>;rel="%s"' % (instance.url, request.path, urlencode(query), rel)
    last = max(0, (total - 1) // params.limit * params.limit)
    links = [link(0, "first")]
    if params.offset > 0:
        links.append(link(max(0, params.offset - params.limit), "prev"))
    if params.offset + params.limit < total:
        links.append(link(params.offset + params.limit, "next"))
    links.append(link(last, "last"))
    return ",".join(links)


# -- Batch API -------------------------------------------------------------------------------------------
def batch(instance, request, caller):
    try:
        payload = request.json()
    except (ValueError, UnicodeDecodeError):
        return error(400, "Exception while reading request", "The payload is not valid JSON.")
    if not isinstance(payload, dict) or not isinstance(payload.get("rest_requests"), list):
        return error(400, "Invalid batch request", "Expected {'batch_request_id', 'rest_requests': [...]}")
    items = list(payload["rest_requests"])
    if instance.option("batch_order") == "reverse":
        items.reverse()
    limit = instance.option("batch_max_items")
    serviced, unserviced, wrote, carried = [], [], False, []
    for item in items:
        inner = _inner_request(instance, item)
        if inner is None or (limit is not None and len(serviced) >= limit):
            unserviced.append(item.get("id") if isinstance(item, dict) else None)
            continue
        started = time.monotonic()
        if _BATCH_PATH.match(inner.path):
            response = error(400, "Nested batch requests are not supported", None)
        elif inner.method in _OPERATION and instance.option("batch_writes") == "refused":
            response = error(403, "Operation Failed",
                             "ACL Exception %s Failed due to security constraints" % _OPERATION[inner.method])
        else:
            response = route(instance, inner, caller)
        item_wrote = bool(response.write and response.status < 400)
        wrote = wrote or item_wrote
        carried.append((inner.method, inner.path, inner.raw_query, response.status, item_wrote))
        headers = [] if item.get("exclude_response_headers") else \
            [{"name": name, "value": value} for name, value in response.headers]
        serviced.append({
            "id": item.get("id"),
            "status_code": response.status,
            "status_text": HTTPStatus(response.status).phrase,
            "body": base64.b64encode(response.body).decode("ascii"),
            "headers": headers,
            "execution_time": int((time.monotonic() - started) * 1000),
            "error_message": "" if response.status < 400 else _error_message(response),
        })
    # Every item is logged as one (server.RequestLog), so tests see the writes however they were sent.
    return json_response(200, {"batch_request_id": payload.get("batch_request_id"), "serviced_requests": serviced,
                               "unserviced_requests": unserviced}, write=wrote, items=carried)


def _inner_request(instance, item):
    if not isinstance(item, dict) or not item.get("id") or not item.get("method") or not item.get("url"):
        return None
    try:
        body = base64.b64decode(item.get("body") or "", validate=True)
        headers = [(h["name"], h["value"]) for h in item.get("headers") or []]
    except (binascii.Error, ValueError, TypeError, KeyError):
        return None
    url = item["url"] if item["url"].startswith("http") else instance.url + "/" + item["url"].lstrip("/")
    return Request.build(item["method"], url, headers=headers, body=body)


def _error_message(response):
    try:
        return (json.loads(response.body.decode("utf-8")).get("error") or {}).get("message") or ""
    except (ValueError, AttributeError):
        return ""
