"""Small read-only HTML pages standing in for the instance UI: ``/<table>.do?sys_id=...`` (a record) and
``/<table>_list.do?sysparm_query=...`` (a list). These are the links a demo prints; secrets show as ********."""

import html

from ..http import html_response
from . import schema

LIST_LIMIT = 500


def _page(title, body, status=200):
    return html_response(status, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%s</title>"
                                 "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 6px}"
                                 "table{border-collapse:collapse}</style></head><body>%s</body></html>"
                         % (html.escape(title), body), write=False)


def _cell(instance, column, value, cache):
    if column.encrypted:
        return "********" if value else ""
    if column.kind == "reference" and value:
        target = instance.fetch(column.reference, value, cache)
        shown = instance.display_value(column.reference, target) if target else value
        return '<a href="/%s.do?sys_id=%s">%s</a>' % (column.reference, html.escape(value), html.escape(shown))
    if column.kind == "choice":
        return html.escape(column.choice_label(value))
    return html.escape(value or "")


def handle(instance, request):
    """Answer a ``.do`` page, or None when the path is no table page."""
    name = request.path.strip("/")[:-len(".do")]
    listing = name.endswith("_list")
    table_name = name[:-len("_list")] if listing else name
    definition = schema.table(table_name)
    if definition is None:
        return None
    with instance.store.transaction():
        if listing:
            return _list(instance, definition, request.arg("sysparm_query", ""))
        return _record(instance, definition, request.arg("sys_id", ""))


def _record(instance, definition, sys_id):
    cache = {}
    record = instance.fetch(definition.name, sys_id, cache)
    if record is None:
        return _page("Record not found", "<h1>Record not found</h1><p>%s %s</p>"
                     % (html.escape(definition.label), html.escape(sys_id)), status=404)
    columns = instance.columns(record["sys_class_name"])
    rows = "".join(
        "<tr><th>%s</th><td>%s</td></tr>" % (html.escape(column.column_label),
                                             _cell(instance, column, record.get(name, ""), cache))
        for name, column in columns.items())
    title = "%s - %s" % (schema.table(record["sys_class_name"]).label,
                         instance.display_value(definition.name, record))
    body = "<h1>%s</h1><p>%s</p><table>%s</table>" % (html.escape(title), html.escape(instance.url), rows)
    return _page(title, body)


def _list(instance, definition, query):
    cache = {}
    records = instance.select(definition.name, query, cache)
    available = instance.columns(definition.name)
    own = [c for c in available.values() if c.name not in schema.SYSTEM_FIELD_NAMES]
    columns = own + [available["sys_class_name"], available["sys_updated_on"]]
    head = "".join("<th>%s</th>" % html.escape(c.column_label) for c in columns)
    body = "".join(
        "<tr><td><a href=\"/%s.do?sys_id=%s\">open</a></td>%s</tr>" % (
            record["sys_class_name"], record["sys_id"],
            "".join("<td>%s</td>" % _cell(instance, c, record.get(c.name, ""), cache) for c in columns))
        for record in records[:LIST_LIMIT])
    title = "%s (%d)" % (definition.label, len(records))
    return _page(title, "<h1>%s</h1><p>Query: %s</p><table><tr><th></th>%s</tr>%s</table>"
                 % (html.escape(title), html.escape(query or "(all)"), head, body))
