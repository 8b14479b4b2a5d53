"""A group robot set up from a 360 px phone: add it, send the test message, read the answer; a
series' robot set up by its coordinator rings each owner when the minutes are closed."""
import datetime

import pytest
from playwright.sync_api import expect

from portal.db import utcnow
from portal.meetings.models import MeetingSeries

from tests.browser.conftest import PHONE, _page, sign_in
from tests.conftest import PASSWORD
from tests.robots.conftest import Receiver


@pytest.fixture
def app_config():
    return {"BASE_URL": "http://127.0.0.1", "WEBHOOK_ALLOW_NETWORKS": "127.0.0.1/32"}


@pytest.fixture
def narrow_phone(browser, live_server):
    context, page = _page(browser, live_server, **{**PHONE, "viewport": {"width": 360, "height": 740}})
    yield page
    assert page.csp_violations == []
    context.close()


def test_on_a_360_px_phone_an_admin_adds_a_dingtalk_robot_and_sees_its_test_message_delivered(narrow_phone, admin):
    receiver = Receiver("dingtalk", secret="SECphone-secret").start()
    page = narrow_phone
    try:
        sign_in(page, admin, PASSWORD)
        page.goto("/channels/company")
        page.get_by_label("Name", exact=True).fill("管理层群")
        page.get_by_label("Platform").select_option("dingtalk")
        page.get_by_label("Robot address (webhook URL)").fill(receiver.url)
        page.get_by_label("Secret").fill("SECphone-secret")
        page.get_by_role("button", name="Add the channel").click()
        expect(page.locator("h1")).to_contain_text("管理层群")
        assert "SECphone-secret" not in page.content()
        page.evaluate("window.stillTheSameDocument = true")
        page.get_by_role("button", name="Send a test message").click()
        expect(page.locator("#channel-activity")).to_contain_text("Delivered: the group shows the test message.")
        expect(page.locator("#channel-activity .answer")).to_contain_text('"errmsg": "ok"')
        assert page.evaluate("window.stillTheSameDocument") is True  # htmx swapped the section in place
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        receiver.stop()
    assert len(receiver.accepted) == 1 and "Test message from Duiqi" in receiver.accepted[0]["markdown"]["title"]


def test_a_coordinator_sets_up_the_series_dingtalk_robot_closes_the_meeting_and_the_group_rings_each_owner(
        page, make_user, make_department):
    sales = make_department("销售部", "Sales")
    coordinator = make_user(role="coordinator", name="Cora Coordinator", language="en")
    li = make_user(department=sales, name="Li Na")
    chen = make_user(department=sales, name="Chen Chen")
    li.set_mobile(li, "13800138000")
    chen.set_mobile(chen, "+86 199 1234 5678")
    series, meeting = MeetingSeries.plan(
        coordinator, departments=[sales], people=[], day=utcnow().date() + datetime.timedelta(days=3),
        start_time=datetime.time(10, 0), title="Weekly alignment", coordinator=coordinator, recurring=True,
        duration_minutes=60, timezone="Asia/Shanghai", location="Room 3", video_link="", reminder_minutes=60)
    meeting.record_decision(coordinator, "Raise the price by 5%")
    meeting.assign_action(coordinator, "Tell the distributors", chen, utcnow().date() + datetime.timedelta(days=5))
    meeting.assign_action(coordinator, "Update the price list", li, utcnow().date() + datetime.timedelta(days=2))
    receiver = Receiver("dingtalk", secret="SECweekly").start()
    try:
        sign_in(page, coordinator, PASSWORD)
        page.goto("/meetings/series/%d" % series.id)
        page.get_by_role("link", name="Group robots").click()
        page.get_by_label("Name", exact=True).fill("销售周会群")
        page.get_by_label("Platform").select_option("dingtalk")
        page.get_by_label("Robot address (webhook URL)").fill(receiver.url)
        page.get_by_label("Secret").fill("SECweekly")
        page.get_by_role("button", name="Add the channel").click()
        expect(page.locator("h1")).to_contain_text("销售周会群")

        page.goto("/meetings/%d/close" % meeting.id)
        page.get_by_role("button", name="Close and send").click()
        page.get_by_role("button", name="Close and send now").click()  # the meeting is three days ahead
        expect(page.get_by_role("heading", level=1)).to_have_text("Delivery of the minutes")
    finally:
        receiver.stop()
    [minutes] = receiver.accepted
    text = minutes["markdown"]["text"]
    assert "Raise the price by 5%" in text
    assert text.index("Action items for Chen Chen") < text.index("Tell the distributors") < text.index(
        "Action items for Li Na") < text.index("Update the price list")
    assert minutes["at"]["atMobiles"] == ["19912345678", "13800138000"]
    assert "@19912345678 @13800138000" in text
