"""A group robot set up from a 360 px phone: add it, send the test message, read the answer."""
import pytest
from playwright.sync_api import expect

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
