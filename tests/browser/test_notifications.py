"""The bell and the notification list in a real browser, on a phone."""
from playwright.sync_api import expect

from portal.notifications.models import notify
from tests.conftest import PASSWORD


def test_marking_a_notification_read_on_a_phone_updates_the_bell_without_reloading(phone, member):
    notify(member, "mention", link="/settings", actor="王芳", place="新品发布")
    notify(member, "task.overdue", title="报价单", due="昨天")
    phone.goto("/login")
    phone.fill("#email", member.email)
    phone.fill("#password", PASSWORD)
    phone.keyboard.press("Enter")
    bell = phone.locator("#bell")
    expect(bell).to_have_attribute("aria-label", "2 unread notifications")
    bell.tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Notifications")
    phone.evaluate("window.stillTheSameDocument = true")
    phone.locator(".notification.level-urgent").get_by_role("button", name="Mark read").tap()
    expect(phone.locator("#bell")).to_have_attribute("aria-label", "1 unread notification")
    assert phone.evaluate("window.stillTheSameDocument") is True
    phone.get_by_role("button", name="王芳 mentioned you in 新品发布").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Settings")
    expect(phone.locator("#bell")).to_have_attribute("aria-label", "0 unread notifications")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
