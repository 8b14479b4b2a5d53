"""A coordinator runs the weekly meeting on a laptop and closes it; an attendee reads the minutes on a phone."""
import datetime

import pytest
from playwright.sync_api import expect

from portal.db import utcnow
from portal.mail import OutboxMessage
from portal.meetings.models import MeetingSeries
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD


@pytest.fixture
def team(make_user, make_department):
    sales = make_department("销售部", "Sales")
    return {"coordinator": make_user(role="coordinator", name="Cora Coordinator", language="en"),
            "li": make_user(department=sales, name="Li Na", language="zh_CN"),
            "chen": make_user(department=sales, name="Chen Chen", language="en"),
            "sales": sales}


def _weekly(team):
    series, meeting = MeetingSeries.plan(
        team["coordinator"], departments=[team["sales"]], people=[], day=utcnow().date() + datetime.timedelta(days=3),
        start_time=datetime.time(10, 0), title="Weekly alignment", coordinator=team["coordinator"], recurring=True,
        duration_minutes=60, timezone="Asia/Shanghai", location="Room 3", video_link="", reminder_minutes=60)
    return series, meeting


def test_a_coordinator_runs_the_meeting_on_a_laptop_and_closes_it_with_one_click(page, team):
    series, last_week = _weekly(team)
    last_week.assign_action(team["coordinator"], "Send the price list", team["li"], utcnow().date(), confirmed=True)
    last_week.close(team["coordinator"], [team["li"]], confirmed=True)
    this_week = last_week.following()
    sign_in(page, team["coordinator"], PASSWORD)
    page.get_by_role("link", name="Meetings").click()
    page.get_by_role("link", name="Weekly alignment").first.click()
    agenda = page.locator("#agenda")
    expect(agenda).to_contain_text("Action items from the last meeting")
    expect(agenda).to_contain_text("Send the price list — Li Na")
    page.evaluate("window.stillTheSameDocument = true")

    item = agenda.locator(".agenda-item").first
    item.get_by_text("Take notes").click()
    item.get_by_label("Notes (Markdown)").fill("Sent on **Monday**")
    item.get_by_role("button", name="Save the notes").click()
    expect(page.locator("#agenda .agenda-item").first.locator("strong")).to_have_text("Monday")

    decisions = page.locator("#decisions")
    decisions.get_by_label("Decision", exact=True).fill("Raise the price by 5%")
    decisions.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#decisions ol")).to_contain_text("Raise the price by 5%")

    actions = page.locator("#action-items")
    actions.get_by_text("Add an action item").click()
    actions.get_by_label("What", exact=True).fill("Tell the distributors")
    actions.get_by_label("Owner").select_option(label="Chen Chen")
    actions.get_by_label("Due").fill((utcnow().date() + datetime.timedelta(days=5)).isoformat())
    actions.get_by_role("button", name="Add the action item").click()
    expect(page.locator("#action-items ul")).to_contain_text("Tell the distributors · Chen Chen")

    attendance = page.locator("#attendance")
    attendance.get_by_role("group", name="Li Na").get_by_label("Present").check()
    attendance.get_by_role("group", name="Chen Chen").get_by_label("Excused").check()
    attendance.get_by_role("button", name="Save attendance").click()
    expect(page.locator("#toasts")).to_contain_text("Attendance saved.")
    assert page.evaluate("window.stillTheSameDocument") is True

    page.get_by_role("link", name="Close and send").click()
    expect(page.get_by_label("Li Na <%s>" % team["li"].email)).to_be_checked()
    page.get_by_role("button", name="Close and send").click()
    # This week's meeting is still ahead: closing early is asked about once.
    expect(page.get_by_role("alert")).to_contain_text("has not begun")
    page.get_by_role("button", name="Close and send now").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delivery of the minutes")
    expect(page.locator("#delivery")).to_contain_text("Chen Chen")
    expect(page.locator("#delivery .badge.state-sent")).to_have_count(3)
    assert OutboxMessage.select().where(OutboxMessage.ref == this_week.ref).count() == 3


def test_an_attendee_reads_the_minutes_on_a_phone(phone, team):
    series, meeting = _weekly(team)
    meeting.record_decision(team["coordinator"], "Open a **Shenzhen** office")
    meeting.assign_action(team["coordinator"], "Find a lease", team["chen"], utcnow().date(), confirmed=True)
    meeting.close(team["coordinator"], [team["chen"], team["li"]], confirmed=True)
    sign_in(phone, team["chen"], PASSWORD)
    phone.get_by_role("navigation", name="Tabs").get_by_role("link", name="Meetings").tap()
    # The home page links the next meeting by the same name: wait until the tab has swapped in.
    expect(phone.get_by_role("heading", level=1)).to_have_text("Meetings")
    phone.get_by_role("link", name="Weekly alignment").last.tap()
    expect(phone.get_by_role("heading", name="Past meetings")).to_be_visible()
    phone.locator(".archived-meeting h3 a").first.tap()
    expect(phone.locator("#decisions strong")).to_have_text("Shenzhen")
    expect(phone.locator("#action-items")).to_contain_text("Find a lease · Chen Chen")
    expect(phone.locator(".hint").first).to_contain_text("These minutes are closed.")
    expect(phone.get_by_role("button", name="Record the decision")).to_have_count(0)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
