"""Whole numbers read from a request's address: path arguments and query parameters are bounded
to what a 64-bit database integer holds, so no number typed into a URL reaches SQL as an overflow."""
import re

from flask import abort, request
from werkzeug.routing import IntegerConverter

# What a database integer column holds (SQLite's INTEGER, PostgreSQL's BIGINT).
LARGEST = 2 ** 63 - 1
_DIGITS = re.compile(r"[+-]?[0-9]+")


class BoundedInteger(IntegerConverter):
    """The `int` route converter, with an upper bound: a larger id answers 404 like any unknown one."""

    def __init__(self, map, fixed_digits=0, min=None, max=LARGEST, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def whole_number(value):
    """`value` (text or int) as an int within ±LARGEST; ValueError otherwise. Also a form field's
    `coerce`, so a choice list refuses such a number as it refuses any unknown one."""
    if isinstance(value, str) and not _DIGITS.fullmatch(value.strip()):
        raise ValueError("not a whole number: %r" % value[:40])
    number = int(value)
    if abs(number) > LARGEST:
        raise ValueError("out of range: %d" % number)
    return number


def query_int(name, default=None, low=-LARGEST, high=LARGEST):
    """The query parameter `name` as a whole number: `default` when it is missing or not a number
    (an old or hand-made link still works), 400 when it is a number outside [low, high]."""
    raw = request.args.get(name, "").strip()
    if not _DIGITS.fullmatch(raw):
        return default
    number = int(raw)
    if not low <= number <= high:
        abort(400)
    return number


def page_number(page_size):
    """The `page` parameter of a list shown `page_size` at a time: 1 when missing, 400 when the
    page would start beyond what the database can count to."""
    return query_int("page", 1, low=1, high=LARGEST // page_size)
