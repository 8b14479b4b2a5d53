"""Reminders, never at night or on a day off: task owners (due soon, overdue: once a task a day) and
target owners (off track, or no check-in for a while: once a target a week)."""
import datetime
import zoneinfo

from urllib.parse import urlsplit

from portal import jobs, mail
from portal.accounts.models import User
from portal.db import db, utcnow
from portal.notifications.models import CompanyCalendar, notify
from portal.projects.models import LIVE, OFF_TRACK, Project, Target, today
from portal.tasks.models import Task


def remind_task_owners(now=None):
    """Send the task reminders that are due now; safe to run often, after a crash and in two workers."""
    now = now or utcnow()
    calendar = CompanyCalendar.current()
    closed = calendar.closed_days()
    # A task due after a holiday is reminded before it; no run of days off lasts two weeks.
    horizon = now.date() + datetime.timedelta(days=14)
    tasks = (Task.select(Task, User).join(User, on=Task.owner)
             .where((Task.status != "done") & Task.due_date.is_null(False) & (Task.due_date <= horizon)
                    & (User.active == True))  # noqa: E712
             .order_by(Task.id))
    sent = 0
    for task in tasks:
        local = now.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(task.owner.timezone))
        today = local.date()
        if calendar.is_quiet(local) or not calendar.is_working_day(today, closed):
            continue
        if task.due_date < today:
            event = "task.overdue"
        elif _last_chance(calendar, closed, today, task.due_date):
            event = "task.due_soon"
        else:
            continue
        with db.atomic():
            # One key per task and local day: a rerun, a retry or a second worker sends nothing twice.
            if notify(task.owner, event, link=task.link, key="task.reminder:%d:%s" % (task.id, today.isoformat()),
                      title=task.title, due=task.due_date.isoformat()):
                sent += 1
    return sent


def _last_chance(calendar, closed, today, due):
    """Due today, or due before the next working day (on a weekend or holiday): within 24 hours on an
    ordinary day, and never first heard of after the holiday."""
    day = today + datetime.timedelta(days=1)
    while day <= due:
        if calendar.is_working_day(day, closed):
            return False
        day += datetime.timedelta(days=1)
    return today <= due


@jobs.periodic_task(jobs.crontab(minute="*/30"))
def send_task_reminders():
    remind_task_owners()


def remind_target_owners(now=None):
    """Owners of off-track targets, and of targets with no check-in for the company's set number of
    days, hear of it once a week; safe to run often and in two workers (the key is the week)."""
    now = now or utcnow()
    calendar = CompanyCalendar.current()
    closed = calendar.closed_days()
    on = today()
    stale_before = now - datetime.timedelta(days=calendar.stale_checkin_days)
    status = Target.status_sql(on)
    targets = (Target.select(Target, User, status.alias("status_now")).join(User, on=Target.owner)
               .switch(Target).join(Project)
               .where(Project.status.in_(LIVE) & (User.active == True)  # noqa: E712
                      & (Target.start_date <= on) & (Target.due_date >= on)
                      & ((status == OFF_TRACK) | Target.checked_in_at.is_null()
                         | (Target.checked_in_at < stale_before)))
               .order_by(Target.id))
    year, week, _ = on.isocalendar()
    sent = 0
    for target in targets:
        local = now.replace(tzinfo=datetime.UTC).astimezone(zoneinfo.ZoneInfo(target.owner.timezone))
        if calendar.is_quiet(local) or not calendar.is_working_day(local.date(), closed):
            continue
        with db.atomic():
            if target.status_now == OFF_TRACK and target.warn_owner(on):
                sent += 1
            last = target.checked_in_at or datetime.datetime.combine(target.start_date, datetime.time())
            idle = (now - last).days
            if idle >= calendar.stale_checkin_days and notify(
                    target.owner, "checkin.stale", link=urlsplit(mail.absolute_url(
                        "targets.show", target_id=target.id)).path,
                    key="checkin.stale:%d:%d-W%02d" % (target.id, year, week), title=target.title, days=idle):
                sent += 1
    return sent


@jobs.periodic_task(jobs.crontab(minute="15"))
def send_target_reminders():
    remind_target_owners()
