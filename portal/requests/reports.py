"""The request reports, summed in the database: requested against provided per department and
month, and how long each step of each type takes to decide."""
import datetime
import decimal

from peewee import JOIN, SQL, SqliteDatabase, fn

from portal.accounts.models import Department
from portal.db import db, utcnow
from portal.requests.models import Allocation, RequestStep, ResourceRequest
from portal.requests.types import RequestType


def first_day_months_ago(months, today=None):
    """Midnight on the first day of the month `months - 1` months before today's."""
    today = today or utcnow().date()
    year, month = divmod(today.year * 12 + today.month - 1 - (months - 1), 12)
    return datetime.datetime(year, month + 1, 1)


def monthly_totals(since, side):
    """Per month and department (side "provider": the one asked, "department": the one asking):
    requests filed, people-days and money asked for and provided. Withdrawn requests don't count."""
    group = getattr(ResourceRequest, side)
    month = _month(ResourceRequest.submitted_at)
    rows = (ResourceRequest
            .select(group.alias("department_id"), month.alias("month"), ResourceRequest.currency,
                    fn.COUNT(ResourceRequest.id).alias("requests"), fn.COUNT(Allocation.id).alias("provided"),
                    fn.SUM(ResourceRequest.people_days).alias("asked_days"),
                    fn.SUM(Allocation.people_days).alias("given_days"),
                    fn.SUM(ResourceRequest.amount_cents).alias("asked_cents"),
                    fn.SUM(Allocation.amount_cents).alias("given_cents"))
            .join(Allocation, JOIN.LEFT_OUTER)
            .where((ResourceRequest.submitted_at >= since) & (ResourceRequest.state != "withdrawn"))
            .group_by(group, month, ResourceRequest.currency)
            .dicts())
    names = {d.id: d.display_name for d in Department.select()}
    result = []
    for row in rows:
        row["department"] = names.get(row["department_id"], "—")
        for key in ("asked_days", "given_days"):
            row[key] = None if row[key] is None else decimal.Decimal(str(round(row[key], 2))).normalize()
        for key in ("asked_cents", "given_cents"):
            row[key.replace("cents", "amount")] = None if row[key] is None else decimal.Decimal(row[key]).scaleb(-2)
        result.append(row)
    result.sort(key=lambda row: row["department"])
    return sorted(result, key=lambda row: row["month"], reverse=True)


def step_times(since):
    """Per type and step: how many were decided since `since`, the average and the slowest, in hours."""
    hours = _hours_between(RequestStep.started_at, RequestStep.finished_at)
    return (RequestStep
            .select(RequestType.name.alias("type_name"), RequestType.name_en.alias("type_name_en"),
                    RequestStep.kind, RequestStep.name, RequestStep.name_en,
                    fn.COUNT(RequestStep.id).alias("decided"), fn.AVG(hours).alias("average"),
                    fn.MAX(hours).alias("slowest"))
            .join(ResourceRequest).join(RequestType)
            .where(RequestStep.state.in_(["approved", "rejected", "returned"]) & RequestStep.started_at.is_null(False)
                   & (RequestStep.finished_at >= since))
            .group_by(RequestType.id, RequestType.name, RequestType.name_en, RequestStep.kind, RequestStep.name,
                      RequestStep.name_en)
            .order_by(RequestType.name, fn.MIN(RequestStep.position))
            .dicts())


def _month(column):
    if isinstance(db.obj, SqliteDatabase):
        return fn.strftime("%Y-%m", column)
    # The format written out, not bound: PostgreSQL matches the GROUP BY with the selected column by
    # their text, and two bound parameters never read the same.
    return fn.to_char(column, SQL("'YYYY-MM'"))


def _hours_between(start, end):
    if isinstance(db.obj, SqliteDatabase):
        return (fn.julianday(end) - fn.julianday(start)) * 24
    return fn.date_part("epoch", end - start) / 3600
