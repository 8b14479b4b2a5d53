"""The live agenda: targets, overdue and blocked work, new P0/P1s, and what the minutes mail carries."""
import datetime

import pytest
import time_machine

from portal.db import utcnow
from portal.mail import OutboxMessage
from portal.projects.models import Project, Target
from portal.tasks.models import Task

TODAY = utcnow().date()


@pytest.fixture
def launch(sales, coordinator, attendee):
    """A live company-wide project of Sales with one target far behind its line."""
    project = Project.start(None, name="X200 launch", goal="", coordinator=coordinator, departments=[sales],
                            start_date=TODAY - datetime.timedelta(days=90),
                            end_date=TODAY + datetime.timedelta(days=30), status="active", visibility="company")
    Target.define(None, project, title="Orders", unit="units", baseline="0", target_value="100", direction="raise",
                  start_date=TODAY - datetime.timedelta(days=90), due_date=TODAY + datetime.timedelta(days=10),
                  department=sales, owner=attendee, weight=1)
    return project


def _items(meeting, section):
    meeting.build_agenda(now=utcnow())
    return [(item.title, item.status) for item in meeting.agenda_section_items(section)]


def test_the_agenda_lists_targets_off_track_of_the_participating_departments(weekly, launch):
    series, meeting = weekly
    assert _items(meeting, "targets") == [("Orders — X200 launch", "off_track")]


def test_targets_of_participants_only_projects_stay_off_a_shared_agenda(weekly, launch):
    series, meeting = weekly
    Project.update(visibility="participants").where(Project.id == launch.id).execute()
    assert _items(meeting, "targets") == []


def test_the_agenda_lists_overdue_and_blocked_work_of_the_participating_departments(weekly, attendee, outsider):
    series, meeting = weekly
    late = Task.open(attendee, "Send the quote", attendee, due_date=TODAY - datetime.timedelta(days=2))
    waiting = Task.open(attendee, "Ship samples", attendee)
    waiting.add_blocker(attendee, Task.open(outsider, "Customs papers", outsider))
    Task.open(attendee, "On time", attendee, due_date=TODAY + datetime.timedelta(days=5))
    Task.open(outsider, "Someone else's late work", outsider, due_date=TODAY - datetime.timedelta(days=2))
    titles = dict(_items(meeting, "tasks"))
    assert titles == {"#%d Send the quote — Li Na" % late.id: "overdue",
                      "#%d Ship samples — Li Na" % waiting.id: "blocked"}


@pytest.fixture
def midweek():
    """Midday on a Wednesday in Shanghai: at some hours of the night the week before the first
    meeting began later than work raised that day (a test that failed by the clock)."""
    with time_machine.travel(datetime.datetime(2026, 5, 6, 4, 0, tzinfo=datetime.timezone.utc)):
        yield


def test_the_agenda_lists_work_raised_to_p0_or_p1_since_the_last_meeting(midweek, weekly, attendee):
    series, meeting = weekly
    raised = Task.open(attendee, "Fix the demo unit", attendee)
    raised.revise(attendee, raised.version, priority="P0")
    Task.open(attendee, "Routine", attendee, priority="P3")
    assert _items(meeting, "changes") == [("#%d Fix the demo unit (P0) — Li Na" % raised.id, "raised")]


def test_the_minutes_mail_carries_the_targets_status_as_it_stood(weekly, launch, coordinator, attendee):
    series, meeting = weekly
    meeting.build_agenda(now=utcnow())
    meeting.close(coordinator, [attendee], confirmed=True)
    body = OutboxMessage.get((OutboxMessage.template == "minutes") & (OutboxMessage.to_address == attendee.email))
    assert "Orders — X200 launch" in body.body_text
