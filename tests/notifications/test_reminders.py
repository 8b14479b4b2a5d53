"""Task reminders over simulated days around 国庆: due soon and overdue, in each owner's time zone,
never at night or on a day off, never twice; and the tasks sections of the weekly digest."""
import datetime

import pytest
import time_machine

from portal.db import utcnow
from portal.mail import OutboxMessage
from portal import digest
from portal.tasks import reminders
from portal.notifications.models import Notification
from portal.tasks.models import Task

REMINDERS = ("task.due_soon", "task.overdue")
# Monday 28 September 2026, 00:00 in Shanghai; 1–7 October are the National Day holidays and
# Saturday 10 October is a make-up working day (调休).
START = datetime.datetime(2026, 9, 27, 16, 0)
END = datetime.datetime(2026, 10, 11, 0, 0)


def _run(start=START, end=END, step_minutes=60, workers=1):
    """Call the reminder job as the worker would, every hour (each owner's 08:00 falls on a whole UTC
    hour here); return [(task title, event, UTC time)]."""
    sent = []
    with time_machine.travel(start, tick=False) as clock:
        while utcnow() < end:
            seen = Notification.select(Notification.id).where(Notification.event.in_(REMINDERS))
            before = {row.id for row in seen}
            for _ in range(workers):
                reminders.remind_task_owners()
            for row in Notification.select().where(Notification.event.in_(REMINDERS)).order_by(Notification.id):
                if row.id not in before:
                    sent.append((row.text.split("”")[0].lstrip("“"), row.event, utcnow()))
            clock.shift(datetime.timedelta(minutes=step_minutes))
    return sent


@pytest.fixture
def owners(make_user, admin):
    gone = make_user(timezone="Asia/Shanghai")
    gone.deactivate(admin)
    return {"shanghai": make_user(timezone="Asia/Shanghai"), "berlin": make_user(timezone="Europe/Berlin"),
            "la": make_user(timezone="America/Los_Angeles"), "gone": gone}


@pytest.fixture
def tasks(owners):
    def make(title, owner, due, **kw):
        with time_machine.travel(START - datetime.timedelta(days=3), tick=False):
            return Task.open(owner, title, owner, due_date=due, **kw)

    day = datetime.date
    make("A", owners["shanghai"], day(2026, 9, 29))
    make("B", owners["berlin"], day(2026, 10, 3))   # due on a holiday: reminded on the last working day before
    make("F", owners["la"], day(2026, 10, 9))
    make("done", owners["shanghai"], day(2026, 9, 28), status="done")
    make("later", owners["shanghai"], day(2026, 10, 20))
    make("undated", owners["shanghai"], None)
    deactivated = make("orphan", owners["shanghai"], day(2026, 9, 29))
    Task.update(owner=owners["gone"]).where(Task.id == deactivated.id).execute()


EXPECTED = [
    ("A", "task.due_soon", datetime.datetime(2026, 9, 29, 0, 0)),   # 08:00 Tuesday in Shanghai
    ("A", "task.overdue", datetime.datetime(2026, 9, 30, 0, 0)),
    ("B", "task.due_soon", datetime.datetime(2026, 9, 30, 6, 0)),   # 08:00 Wednesday in Berlin (CEST)
    ("A", "task.overdue", datetime.datetime(2026, 10, 8, 0, 0)),    # nothing from 1 to 7 October
    ("B", "task.overdue", datetime.datetime(2026, 10, 8, 6, 0)),
    ("A", "task.overdue", datetime.datetime(2026, 10, 9, 0, 0)),
    ("B", "task.overdue", datetime.datetime(2026, 10, 9, 6, 0)),
    ("F", "task.due_soon", datetime.datetime(2026, 10, 9, 15, 0)),  # 08:00 Friday in Los Angeles (PDT)
    ("A", "task.overdue", datetime.datetime(2026, 10, 10, 0, 0)),   # the make-up Saturday is a working day
    ("B", "task.overdue", datetime.datetime(2026, 10, 10, 6, 0)),
    ("F", "task.overdue", datetime.datetime(2026, 10, 10, 15, 0)),
]


def test_two_weeks_around_national_day_send_exactly_the_expected_reminders(tasks):
    assert _run() == EXPECTED


def test_a_rerun_or_a_second_worker_sends_nothing_twice(tasks):
    assert _run(workers=2) == EXPECTED
    assert _run() == []
    assert OutboxMessage.select().where(OutboxMessage.template == "notification").count() == len(EXPECTED)


def test_a_task_done_or_moved_later_stops_its_reminders(owners, tasks, make_user):
    late = Task.get(Task.title == "A")
    late.move(late.owner, late.version, "done")
    moved = Task.get(Task.title == "F")
    moved.revise(moved.owner, moved.version, due_date=datetime.date(2026, 10, 30))
    assert {title for title, _, _ in _run()} == {"B"}


def test_the_weekly_digest_lists_overdue_and_open_tasks_by_due_date(make_user):
    person = make_user(timezone="Asia/Shanghai", language="en")
    with time_machine.travel(datetime.datetime(2026, 11, 20, 2, 0), tick=False):
        for title, due, priority in [("Late quote", datetime.date(2026, 11, 27), "P1"),
                                     ("Next audit", datetime.date(2026, 12, 4), "P2"),
                                     ("Someday", None, "P3"), ("Sooner", datetime.date(2026, 12, 1), "P0")]:
            Task.open(person, title, person, priority=priority, due_date=due)
    with time_machine.travel(datetime.datetime(2026, 11, 30, 2, 0), tick=False):  # Monday 10:00 in Shanghai
        assert digest.send_due() == 1
    body = OutboxMessage.get(OutboxMessage.template == "digest").body_text
    overdue = body.index("== Overdue ==")
    open_tasks = body.index("== My open tasks by due date ==")
    assert overdue < body.index("Late quote · P1 (due Nov 27, 2026)") < open_tasks
    assert open_tasks < body.index("Sooner") < body.index("Next audit") < body.index("Someday · P3\n")
