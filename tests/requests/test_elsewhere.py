"""Requests where other areas show them: a meeting's agenda, the weekly digest."""
import datetime

import time_machine

from portal.db import utcnow
from portal.meetings.models import MeetingSeries
from portal import digest


def test_a_request_waiting_too_long_shows_on_the_agenda_of_its_departments_meeting(file_request, company):
    start = datetime.datetime(2026, 6, 9, 1, 0)
    with time_machine.travel(start, tick=False) as clock:
        stuck = file_request(title="Stuck")
        clock.shift(datetime.timedelta(hours=50))
        file_request(title="Fresh")
        _, meeting = MeetingSeries.plan(company.admin, departments=[company.sales], people=[],
                                        day=utcnow().date() + datetime.timedelta(days=1),
                                        start_time=datetime.time(10, 0), timezone="Asia/Shanghai", recurring=False,
                                        title="Sales weekly", coordinator=company.admin, duration_minutes=60,
                                        location="", video_link="", reminder_minutes=60)
        _, elsewhere = MeetingSeries.plan(company.admin, departments=[company.finance], people=[],
                                          day=utcnow().date() + datetime.timedelta(days=1),
                                          start_time=datetime.time(11, 0), timezone="Asia/Shanghai",
                                          recurring=False, title="Finance weekly", coordinator=company.admin,
                                          duration_minutes=60, location="", video_link="", reminder_minutes=60)
        meeting.build_agenda()
        elsewhere.build_agenda()
    items = meeting.agenda_section_items("requests")
    assert [(i.title, i.link, i.status) for i in items] == [
        ("#%d Stuck — Li Na" % stuck.id, "/requests/%d" % stuck.id, "waiting")]
    assert list(elsewhere.agenda_section_items("requests")) == []


def test_the_weekly_digest_lists_the_approvals_waiting_for_each_person(file_request, company):
    request = file_request()
    sections = dict(digest.compose(company.sales_head, utcnow() - datetime.timedelta(days=7)))
    (item,) = sections["Approvals waiting for you"]
    assert item["text"] == "#%d Two developers for the CRM — Chen Chen" % request.id
    assert item["note"].startswith("部门负责人审批, waiting ") and item["link"] == "/requests/%d" % request.id
    assert "Approvals waiting for you" not in dict(digest.compose(company.seller, utcnow()))
