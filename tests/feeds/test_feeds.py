"""Calendar feeds read as a calendar app reads them (parsed with icalendar): meetings with their
UID and SEQUENCE through changes and cancellation, the right VTIMEZONE, all-day due dates, time
limits; a project's milestones; a new address ends the old; nothing of a project once access is lost."""
import datetime

import pytest
from icalendar import Calendar

from portal.accounts.tokens import feed_key
from portal.meetings.models import Meeting, MeetingSeries
from portal.requests.models import ResourceRequest


def _fetch(client, user, project=None, method="GET"):
    path = "/calendar/%s.ics" % feed_key(user) if project is None else "/calendar/%s/projects/%d.ics" % (
        feed_key(user), project.id)
    return client.open(path, method=method)


def _events(response):
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return {str(e["UID"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


@pytest.fixture
def weekly(company):
    series, meeting = MeetingSeries.plan(
        company.coordinator, departments=[company.sales], people=[], title="Sales weekly",
        day=datetime.date.today() + datetime.timedelta(days=3), start_time=datetime.time(9, 30),
        timezone="Asia/Shanghai", recurring=True, coordinator=company.coordinator, duration_minutes=45,
        location="Room 1", video_link="", reminder_minutes=60)
    return series, meeting


def test_next_weeks_meeting_is_in_each_participants_feed_in_its_own_time_zone(client, company, weekly):
    series, meeting = weekly
    response = _fetch(client, company.seller)
    calendar = Calendar.from_ical(response.data)
    event = _events(response)["duiqi-meeting-%d@portal.example.test" % meeting.id]
    assert str(event["SUMMARY"]) == "Sales weekly" and int(event["SEQUENCE"]) == 0
    assert event["DTSTART"].dt.tzinfo is not None and event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event["DTSTART"].dt.time() == datetime.time(9, 30)
    assert event["DTEND"].dt - event["DTSTART"].dt == datetime.timedelta(minutes=45)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert str(calendar["X-WR-CALNAME"]) == "Duiqi · Chen Chen" and str(calendar["METHOD"]) == "PUBLISH"
    assert response.headers["Cache-Control"] == "private, max-age=900"
    assert _events(_fetch(client, company.engineer)) == {}, "R&D does not take part"


def test_a_moved_and_then_cancelled_meeting_keeps_its_uid_with_a_higher_sequence(client, company, weekly):
    series, meeting = weekly
    uid = "duiqi-meeting-%d@portal.example.test" % meeting.id
    series.update_details(company.coordinator, departments=[company.sales], people=[],
                          day=meeting.local_start.date() + datetime.timedelta(days=1),
                          start_time=datetime.time(14, 0), title="Sales weekly", recurring=True,
                          coordinator=company.coordinator, duration_minutes=45, timezone="Asia/Shanghai",
                          location="Room 1", video_link="", reminder_minutes=60)
    moved = _events(_fetch(client, company.seller))[uid]
    assert int(moved["SEQUENCE"]) == 1 and moved["DTSTART"].dt.time() == datetime.time(14, 0)
    assert str(moved["STATUS"]) == "CONFIRMED"
    series.end(company.coordinator)
    cancelled = _events(_fetch(client, company.seller))[uid]
    assert int(cancelled["SEQUENCE"]) == 2 and str(cancelled["STATUS"]) == "CANCELLED"
    assert Meeting.get_by_id(meeting.id).state == "cancelled"


def test_due_dates_are_all_day_and_time_limits_end_at_their_deadline(client, company, make_task_for, budget_type):
    task = make_task_for(company.seller, title="Quote", due_date=datetime.date(2026, 6, 30), project=company.launch)
    make_task_for(company.seller, title="Finished", due_date=datetime.date(2026, 6, 1), status="done")
    version = budget_type.latest_version()
    filed = ResourceRequest.file(company.seller, version, "Trade fair", {version.fields[0].key: "25000.00"})
    step = filed.active_step()
    events = _events(_fetch(client, company.seller))
    due = events["duiqi-task-%d@portal.example.test" % task.id]
    assert due["DTSTART"].dt == datetime.date(2026, 6, 30) and due["DTEND"].dt == datetime.date(2026, 7, 1)
    assert str(due["SUMMARY"]) == "Due: #%d Quote" % task.id and str(due["TRANSP"]) == "TRANSPARENT"
    assert str(due["DESCRIPTION"]) == "Project: X200 launch"
    assert not any("Finished" in str(e["SUMMARY"]) for e in events.values())
    limit = _events(_fetch(client, company.sales_head))["duiqi-step-%d@portal.example.test" % step.id]
    assert limit["DTEND"].dt == step.due_at.replace(tzinfo=datetime.UTC, microsecond=0)
    assert "Trade fair" in str(limit["SUMMARY"])


def test_a_project_feed_shows_its_milestones_and_nothing_once_access_is_lost(client, company, make_task_for):
    events = _events(_fetch(client, company.seller, company.pricing))
    assert [str(e["SUMMARY"]) for e in events.values()] == ["2027 pricing · Price list"]
    assert next(iter(events.values()))["DTSTART"].dt == datetime.date(2026, 9, 1)
    task = make_task_for(company.seller, title="Secret quote", due_date=datetime.date(2026, 6, 30),
                         project=company.pricing)
    assert "Project: 2027 pricing" in _fetch(client, company.seller).get_data(as_text=True)
    # The seller moves to R&D, which takes no part in the restricted project.
    company.seller.update_account(company.admin, department=company.rnd)
    lost = _fetch(client, company.seller, company.pricing)
    assert lost.status_code == 404 and "Price list" not in lost.get_data(as_text=True)
    personal = _fetch(client, company.seller).get_data(as_text=True)
    assert "2027 pricing" not in personal and "Secret quote" in personal, "their own task, not its project"
    assert task.owner_id == company.seller.id


def test_head_works_and_a_new_address_ends_the_old_one(client, company, weekly):
    old = feed_key(company.seller)
    head = client.head("/calendar/%s.ics" % old)
    assert head.status_code == 200 and head.mimetype == "text/calendar" and not head.data
    client.login(company.seller)
    assert client.post("/settings/calendar").status_code == 303
    company.seller = type(company.seller).get_by_id(company.seller.id)
    assert client.get("/calendar/%s.ics" % old).status_code == 404
    assert client.get("/calendar/%s.ics" % feed_key(company.seller)).status_code == 200
    assert feed_key(company.seller) in client.get("/settings").get_data(as_text=True)


def test_a_forged_or_foreign_address_answers_404(client, company):
    key = feed_key(company.seller)
    for forged in (key[:-1] + ("A" if key[-1] != "A" else "B"), "%d.%s" % (company.engineer.id, key.split(".")[1]),
                   "nothing", "99999999999999999999.x"):
        assert client.get("/calendar/%s.ics" % forged).status_code == 404, forged
    company.seller.deactivate(company.admin)
    assert client.get("/calendar/%s.ics" % key).status_code == 404
