"""Cursor pagination: a page ends with an opaque cursor naming its last row, signed so that a
cursor cannot be forged or carried from one list to another; the next page starts after it."""
from flask import current_app, request
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeSerializer

from portal.api.problems import Problem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def page(query, keys, cursor=None, limit=DEFAULT_LIMIT, descending=False):
    """(rows, next cursor or None) of `query` ordered by `keys`, the last of which is unique."""
    if cursor:
        query = query.where(_after(keys, _read(cursor, keys), descending))
    order = [key.desc() if descending else key.asc() for key in keys]
    rows = list(query.order_by(*order).limit(limit + 1))  # written into the statement (portal.db)
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    values = [key.db_value(last[key.name] if isinstance(last, dict) else getattr(last, key.name)) for key in keys]
    return rows, _serializer().dumps([str(v) if not isinstance(v, (int, str)) else v for v in values])


def _after(keys, values, descending):
    """Rows after `values` in the order of `keys`: (a > x) or (a = x and b > y) ..."""
    condition = None
    for index, key in enumerate(keys):
        step = key < values[index] if descending else key > values[index]
        for earlier, value in zip(keys[:index], values[:index], strict=True):
            step = (earlier == value) & step
        condition = step if condition is None else condition | step
    return condition


def _read(cursor, keys):
    try:
        values = _serializer().loads(cursor)
    except (BadSignature, UnicodeError, ValueError):
        values = None
    if not isinstance(values, list) or len(values) != len(keys):
        raise Problem(404, _invalid_cursor())
    try:
        return [key.python_value(value) for key, value in zip(keys, values, strict=True)]
    except (TypeError, ValueError):
        raise Problem(404, _invalid_cursor()) from None


def _invalid_cursor():
    # As an unreachable page number of the portal's pages: the page it names is not there.
    return gettext("This cursor is not one the portal gave out for this list. Start again without it.")


def _serializer():
    # The endpoint is part of the salt: a cursor of one list means nothing to another.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="api-cursor:%s" % request.endpoint)
