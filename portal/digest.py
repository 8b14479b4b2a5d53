"""The weekly digest: one mail per person, first working day of the week, in their language.

An aggregator on the top floor: it reads every area.

Each section is a function (user, since) -> list of items; a section with no items is left
out, and a digest with no sections is not sent. Features add their sections here, so what the
digest says stays in one place.
"""
import datetime
import zoneinfo
from urllib.parse import urlsplit

from flask_babel import force_locale, format_date, format_timedelta, gettext
from flask_babel import lazy_gettext as _l
from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegrityError

from portal import jobs, mail
from portal.accounts.models import User
from portal.calendar import CompanyCalendar
from portal.db import BaseModel, db, utcnow
from portal.meetings.models import Meeting
from portal.notifications.models import Notification
from portal.projects.models import AT_RISK, LIVE, OFF_TRACK, TARGET_STATUSES, Project, Target
from portal.projects.models import today as company_today
from portal.reports.models import Report
from portal.requests.models import StepApprover
from portal.requests.notices import request_path
from portal.tasks.models import Task, local_today

TASKS_LISTED = 20


class Digest(BaseModel):
    """One weekly digest per person per week, whether or not there was anything to say."""

    user = ForeignKeyField(User, on_delete="CASCADE")
    week = CharField(max_length=8)
    created_at = DateTimeField(default=utcnow)
    sent = BooleanField(default=False)

    class Meta:
        indexes = ((("user", "week"), True),)


SECTIONS = []


def section(title):
    def register(build):
        SECTIONS.append((title, build))
        return build
    return register


@section(_l("Overdue"))
def _overdue_tasks(user, since):
    today = local_today(user, since + datetime.timedelta(days=7))
    return _task_items(user, Task.due_date < today)


@section(_l("Approvals waiting for you"))
def _approvals(user, since):
    return [{"text": "#%d %s — %s" % (seat.step.request.id, seat.step.request.title, seat.step.request.requester.name),
             "note": gettext("%(step)s, waiting %(time)s", step=seat.step.display_name,
                             time=format_timedelta(seat.step.waited())),
             "link": request_path(seat.step.request)}
            for seat in StepApprover.inbox(user)]


@section(_l("My open tasks by due date"))
def _open_tasks(user, since):
    today = local_today(user, since + datetime.timedelta(days=7))
    return _task_items(user, Task.due_date.is_null() | (Task.due_date >= today))


def _task_items(user, when):
    tasks = list(Task.select().where((Task.owner == user) & (Task.status != "done") & when)
                 .order_by(Task.due_date.asc(nulls="LAST"), Task.priority, Task.id).limit(TASKS_LISTED + 1))
    items = [{"text": "%s · %s" % (task, task.priority), "link": task.link,
              "note": gettext("due %(date)s", date=format_date(task.due_date)) if task.due_date else ""}
             for task in tasks[:TASKS_LISTED]]
    if len(tasks) > TASKS_LISTED:
        items.append({"text": gettext("… and more on your board"),
                      "link": urlsplit(mail.absolute_url("boards.show", scope="mine")).path, "note": ""})
    return items


@section(_l("My department's targets"))
def _department_targets(user, since):
    if user.department_id is None:
        return []
    on = company_today()
    rows = (Target.select(Target, Project, Target.status_sql(on).alias("status_now")).join(Project)
            .where((Target.department == user.department_id) & Project.status.in_(LIVE)
                   & Project.visibility_for(user)))
    worst_first = {OFF_TRACK: 0, AT_RISK: 1}
    rows = sorted(rows, key=lambda t: (worst_first.get(t.status_now, 2), t.project.name, t.title))
    return [{"text": "%s — %s" % (target.title, target.project.name), "note": str(TARGET_STATUSES[target.status_now]),
             "link": urlsplit(mail.absolute_url("targets.show", target_id=target.id)).path} for target in rows]


@section(_l("Reports"))
def _reports(user, since):
    return Report.digest_for(user, since + datetime.timedelta(days=7))


@section(_l("Meetings"))
def _meetings(user, since):
    return Meeting.digest_for(user, since)


@section(_l("Other news for you"))
def _news(user, since):
    rows = (Notification.select()
            .where((Notification.user == user) & (Notification.channel == "digest")
                   & Notification.digested_at.is_null())
            .order_by(Notification.id))
    return [{"text": row.text, "link": row.link, "note": ""} for row in Notification.shown_to(user, rows)]


def compose(user, since):
    """[(title, items)] for the sections that have something to say."""
    built = [(title, build(user, since)) for title, build in SECTIONS]
    return [(title, items) for title, items in built if items]


def week_of(local_day):
    year, week, _ = local_day.isocalendar()
    return "%d-W%02d" % (year, week)


def send_due(now=None):
    """Send the digests that are due; safe to run often, and in several workers at once."""
    now = now or utcnow()
    calendar = CompanyCalendar.current()
    # Time zones differ by at most a day, so this week and its neighbours cover everyone.
    weeks = {week_of((now + datetime.timedelta(days=d)).date()) for d in (-1, 0, 1)}
    done = {(row.user_id, row.week) for row in Digest.select(Digest.user, Digest.week).where(Digest.week.in_(weeks))}
    sent = 0
    for user in User.select().where(User.active == True):  # noqa: E712
        local = now.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(user.timezone))
        first = calendar.first_working_day_of_week(local.date())
        # Late is better than never: a worker that was down at nine still sends later that week,
        # but not at night.
        if first is None or local.date() < first or (local.date() == first and local.hour < calendar.digest_hour):
            continue
        if calendar.is_quiet(local):
            continue
        week = week_of(local.date())
        if (user.id, week) not in done:
            sent += _send(user, week, now)
    return sent


def _send(user, week, now):
    try:
        with db.atomic():
            digest = Digest.create(user=user, week=week)
            with force_locale(user.mail_language):  # items are written in the reader's language
                sections = compose(user, now - datetime.timedelta(days=7))
            if not sections or not user.email:
                return 0
            mail.queue("digest", user, ref="digest:%s" % week, sections=sections, week=week,
                       preferences=mail.absolute_url("notifications.preferences"))
            (Notification.update(digested_at=now)
             .where((Notification.user == user) & (Notification.channel == "digest")
                    & Notification.digested_at.is_null()).execute())
            digest.sent = True
            digest.save()
            return 1
    except IntegrityError:  # another worker took this user's week first
        return 0


@jobs.periodic_task(jobs.crontab(minute="*/15"))
def send_digests():
    send_due()
