"""Task owners are reminded of tasks due within a day and of overdue ones: at most once a task a
day, never at night or on a day off."""
import datetime
import zoneinfo

from portal import jobs
from portal.accounts.models import User
from portal.calendar import CompanyCalendar
from portal.db import db, utcnow
from portal.notifications.models import notify
from portal.tasks.models import Task


def remind_task_owners(now=None):
    """Send the task reminders that are due now; safe to run often, after a crash and in two workers."""
    now = now or utcnow()
    calendar = CompanyCalendar.current()
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
        if calendar.is_quiet(local) or not calendar.is_working_day(today):
            continue
        if task.due_date < today:
            event = "task.overdue"
        elif _last_chance(calendar, today, task.due_date):
            event = "task.due_soon"
        else:
            continue
        with db.atomic():
            # One key per task and local day: a rerun, a retry or a second worker sends nothing twice.
            if notify(task.owner, event, link=task.link, key="task.reminder:%d:%s" % (task.id, today.isoformat()),
                      subject=task, title=task.title, due=task.due_date.isoformat()):
                sent += 1
    return sent


def _last_chance(calendar, today, due):
    """Due today, or due before the next working day (on a weekend or holiday): within 24 hours on an
    ordinary day, and never first heard of after the holiday."""
    day = today + datetime.timedelta(days=1)
    while day <= due:
        if calendar.is_working_day(day):
            return False
        day += datetime.timedelta(days=1)
    return today <= due


@jobs.periodic_task(jobs.crontab(minute="*/30"))
def send_task_reminders():
    remind_task_owners()
