"""The feeds' calendars, built with icalendar: meetings reuse the meetings' own event (same UID as
the mailed invitation), due dates are all-day, time limits end at their deadline."""
import datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext
from icalendar import Calendar, Event
from peewee import JOIN

from portal import mail
from portal.meetings.invitation import meeting_event
from portal.meetings.models import Meeting
from portal.permissions import can
from portal.projects.models import Milestone, Project
from portal.requests.models import StepApprover
from portal.tasks.models import OPEN, Task

# How far back a person's feed shows meetings; the future is shown whole.
PAST = datetime.timedelta(days=90)
# A time limit shows as the half hour before its deadline.
DEADLINE_BLOCK = datetime.timedelta(minutes=30)
REFRESH = datetime.timedelta(hours=1)


def personal(user, now):
    """What `user` has to be at, deliver and decide."""
    calendar = _calendar(gettext("Duiqi · %(name)s", name=user.name), user.timezone)
    seen = {}
    for meeting in Meeting.attended_by(user, now - PAST):
        if _may_see(user, meeting.series, seen):
            calendar.add_component(meeting_event(meeting, now))
    tasks = (Task.select(Task, Project).join(Project, on=(Task.project == Project.id), join_type=JOIN.LEFT_OUTER)
             .where((Task.owner == user.id) & Task.status.in_(OPEN) & Task.due_date.is_null(False)))
    for task in tasks:
        if _may_see(user, task, seen):
            project = task.project if task.project_id and _may_see(user, task.project, seen) else None
            calendar.add_component(_due_date(task, project, now))
    for seat in StepApprover.inbox(user):
        step, item = seat.step, seat.step.request
        if step.due_at is not None and _may_see(user, item, seen):
            calendar.add_component(_time_limit(step, item, now))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def milestones(project, now, zone):
    """The project's milestones, all-day on their due dates."""
    calendar = _calendar(gettext("Duiqi · %(name)s", name=project.name), zone)
    for milestone in project.milestones.order_by(Milestone.due_date, Milestone.id):
        event = _all_day("milestone", milestone.id, milestone.due_date, now,
                         "%s · %s" % (project.name, milestone.title), mail.absolute_url(
                             "projects.show", project_id=project.id, _anchor="milestones"))
        if milestone.closed:
            event.add("description", gettext("Closed with its review."))
        calendar.add_component(event)
    return calendar.to_ical()


def _calendar(name, zone):
    calendar = Calendar()
    calendar.add("prodid", "-//Duiqi//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # RFC 7986's name and refresh interval, and the names Apple, Google and Outlook read.
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    return calendar


def _may_see(user, obj, seen):
    """The permissions module's answer, asked once per object (many events share a series or project)."""
    key = (type(obj).__name__, obj.id)
    if key not in seen:
        seen[key] = can(user, "view", obj)
    return seen[key]


def _uid(kind, number):
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return "duiqi-%s-%d@%s" % (kind, number, host)


def _all_day(kind, number, day, now, summary, link, sequence=0):
    event = Event()
    event.add("uid", _uid(kind, number))
    event.add("dtstamp", now.replace(tzinfo=datetime.UTC))
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("sequence", sequence)
    event.add("summary", summary)
    event.add("url", link)
    # A due date marks the day, it does not make the person busy.
    event.add("transp", "TRANSPARENT")
    return event


def _due_date(task, project, now):
    event = _all_day("task", task.id, task.due_date, now, gettext("Due: %(task)s", task=str(task)),
                     mail.absolute_url("tasks.show", task_id=task.id), sequence=task.version)
    event.add("last-modified", task.updated_at.replace(tzinfo=datetime.UTC))
    if project is not None:
        event.add("description", gettext("Project: %(name)s", name=project.name))
    return event


def _time_limit(step, item, now):
    event = Event()
    event.add("uid", _uid("step", step.id))
    event.add("dtstamp", now.replace(tzinfo=datetime.UTC))
    event.add("dtstart", (step.due_at - DEADLINE_BLOCK).replace(tzinfo=datetime.UTC))
    event.add("dtend", step.due_at.replace(tzinfo=datetime.UTC))
    event.add("summary", gettext("Decide by now: %(request)s", request=str(item)))
    event.add("url", mail.absolute_url("requests.show", request_id=item.id))
    event.add("transp", "TRANSPARENT")
    return event
