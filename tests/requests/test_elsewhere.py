"""Requests where other areas show them: a meeting's agenda, the weekly digest, the start page."""
import datetime

import time_machine

from portal.db import utcnow
from portal.meetings.models import MeetingSeries
from portal import digest
from portal.tasks.models import Task
from tests.requests.conftest import login


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


def test_the_start_page_leads_with_the_decisions_and_tasks_waiting_for_its_reader_alone(client, file_request,
                                                                                       company):
    request = file_request(title="Two testers")
    today = datetime.date.today()
    Task.open(company.sales_head, "Sign the budget", company.sales_head, due_date=today - datetime.timedelta(days=2))
    Task.open(company.sales_head, "Plan the fair", company.sales_head, due_date=today + datetime.timedelta(days=9))
    Task.open(company.seller, "Call the dealer", company.seller, due_date=today)
    page = login(client, company.sales_head).get("/").get_data(as_text=True)
    waiting = page[page.index('id="waiting"'):page.index("</section>")]
    assert "To approve" in waiting and "/requests/%d" % request.id in waiting and "Two testers" in waiting
    assert '<span class="count">1</span>' in waiting
    assert "Sign the budget" in waiting and "overdue since" in waiting
    assert "Plan the fair" not in waiting and "Call the dealer" not in waiting
    page = login(client, company.seller).get("/").get_data(as_text=True)
    waiting = page[page.index('id="waiting"'):page.index("</section>")]
    assert "Call the dealer" in waiting and "Two testers" not in waiting and "Sign the budget" not in waiting
