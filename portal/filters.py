"""The Jinja filters every page may use: dates, numbers, money and durations in the reader's locale."""
import datetime
from decimal import Decimal

from flask_babel import format_currency, format_date, format_datetime, format_decimal, format_percent, format_time
from flask_babel import format_timedelta, ngettext


def number(value):
    """An exact value as the reader's locale writes numbers."""
    return "—" if value is None else format_decimal(value)


def percent(value):
    return "—" if value is None else format_percent(Decimal(value) / 100)


def decimal(value):
    return format_decimal(value)


def money(value, currency):
    return format_currency(value, currency or "CNY")


def duration(value):
    """A time span in words, to the hour: "3 days", "5 hours"; a number counts hours."""
    if value is None:
        return ""
    if not isinstance(value, datetime.timedelta):
        value = datetime.timedelta(hours=float(value))
    return format_timedelta(value, granularity="minute", threshold=2)


def working_hours(value):
    """A span of working time (office hours of working days) in hours: "1.5 working hours"."""
    if value is None:
        return ""
    hours = round(value.total_seconds() / 3600, 1)
    # Plural rules take whole numbers; a fraction reads as plural ("1.5 hours"), as 0 does.
    count = int(hours) if hours.is_integer() else 0
    return ngettext("%(hours)s working hour", "%(hours)s working hours", count, hours=format_decimal(hours))


def date_time(value, fmt="medium"):
    return format_datetime(value, fmt) if value else ""


def clock(value, fmt="short"):
    """The time of day of a moment, in the reader's time zone."""
    return format_time(value, fmt) if value else ""


def date(value, fmt="medium"):
    return format_date(value, fmt) if value else ""


def filesize(size):
    """A number of bytes as people read it: 820 KB, 1.4 MB."""
    if size is None:
        return ""
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if size >= scale:
            return "%s %s" % (format_decimal(round(size / scale, 1)), unit)
    return "%d B" % size


def init_app(app):
    app.jinja_env.filters.update(number=number, percent=percent, decimal=decimal, money=money, duration=duration,
                                 working_hours=working_hours, datetime=date_time, date=date, time=clock,
                                 filesize=filesize)
