"""The request reports, over the requests the reader may see: requested against provided per
department and month (months of the company's calendar, in its time zone), and how long each step
of each type takes to decide, in working hours with the wall clock beside."""
import datetime
import decimal
import zoneinfo

from flask import current_app
from peewee import JOIN, SQL, Case, fn

from portal.accounts.models import Department
from portal.calendar import CompanyCalendar
from portal.db import utcnow
from portal.requests.models import Allocation, RequestStep, ResourceRequest
from portal.requests.types import RequestType


def months_back(months, now=None):
    """The last `months` months up to this one in the company's time zone: [("2026-11", the
    naive UTC moment it began)], oldest first."""
    zone = zoneinfo.ZoneInfo(current_app.config["DEFAULT_TIMEZONE"])
    today = (now or utcnow()).replace(tzinfo=datetime.UTC).astimezone(zone).date()
    starts = []
    for back in range(months - 1, -1, -1):
        year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
        local = datetime.datetime(year, month + 1, 1, tzinfo=zone)
        starts.append(("%04d-%02d" % (year, month + 1), local.astimezone(datetime.UTC).replace(tzinfo=None)))
    return starts


def monthly_totals(months, side, viewer):
    """Per month and department (side "provider": the one asked, "department": the one asking):
    requests filed, people-days and money asked for and provided. Withdrawn requests don't count,
    nor requests `viewer` may not open."""
    group = getattr(ResourceRequest, side)
    month = _month_of(ResourceRequest.submitted_at, months)
    rows = (ResourceRequest
            .select(group.alias("department_id"), month.alias("month"), ResourceRequest.currency,
                    fn.COUNT(ResourceRequest.id).alias("requests"), fn.COUNT(Allocation.id).alias("provided"),
                    fn.SUM(ResourceRequest.people_days).alias("asked_days"),
                    fn.SUM(Allocation.people_days).alias("given_days"),
                    fn.SUM(ResourceRequest.amount_cents).alias("asked_cents"),
                    fn.SUM(Allocation.amount_cents).alias("given_cents"))
            .join(Allocation, JOIN.LEFT_OUTER)
            .where((ResourceRequest.submitted_at >= months[0][1]) & (ResourceRequest.state != "withdrawn")
                   & ResourceRequest.visibility_for(viewer))
            # By the output name: PostgreSQL would not match the CASE's bound moments with the
            # selected one's, and no table here has a column of that name.
            .group_by(group, SQL('"month"'), ResourceRequest.currency)
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


def step_times(since, viewer):
    """Per type and step decided since `since`: how many, the average and the slowest in working
    hours (office hours of working days), and the same on the wall clock."""
    rows = (RequestStep
            .select(RequestType.id.alias("type_id"), RequestType.name.alias("type_name"),
                    RequestType.name_en.alias("type_name_en"), RequestStep.kind, RequestStep.name,
                    RequestStep.name_en, RequestStep.position, RequestStep.started_at, RequestStep.finished_at)
            .join(ResourceRequest).join(RequestType)
            .where(RequestStep.state.in_(["approved", "rejected", "returned"]) & RequestStep.started_at.is_null(False)
                   & (RequestStep.finished_at >= since) & ResourceRequest.visibility_for(viewer))
            .dicts())
    clock = CompanyCalendar.current().working_time(current_app.config["DEFAULT_TIMEZONE"])
    groups = {}
    for row in rows:
        key = (row["type_id"], row["kind"], row["name"], row["name_en"])
        group = groups.setdefault(key, dict(row, decided=0, working=[], wall=[], first=row["position"]))
        group["decided"] += 1
        group["first"] = min(group["first"], row["position"])
        group["working"].append(clock.between(row["started_at"], row["finished_at"]))
        group["wall"].append(row["finished_at"] - row["started_at"])
    result = []
    for group in groups.values():
        working, wall = group.pop("working"), group.pop("wall")
        group.update(average=sum(working, datetime.timedelta()) / len(working), slowest=max(working),
                     average_wall=sum(wall, datetime.timedelta()) / len(wall), slowest_wall=max(wall))
        result.append(group)
    return sorted(result, key=lambda group: (group["type_name"], group["type_id"], group["first"]))


def _month_of(column, months):
    """The month label of a stored moment, by the months' starts in the company's zone (the
    database knows no time zones, and none need its own)."""
    return Case(None, [(column >= start, label) for label, start in reversed(months)], None)
