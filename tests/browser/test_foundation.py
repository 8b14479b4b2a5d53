"""The portal shell in a real browser: sign in, languages, htmx navigation, the phone layout."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD


def test_switch_language_sign_in_and_navigate_without_a_full_reload(page, admin):
    page.goto("/login")
    page.get_by_role("button", name="简体中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    page.fill("#email", admin.email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")

    page.evaluate("window.stillTheSameDocument = true")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="项目").click()
    expect(page).to_have_url(re.compile(r"/projects/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("项目")
    assert page.evaluate("window.stillTheSameDocument") is True, "htmx swapped the page in place"
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="项目")).to_have_attribute(
        "aria-current", "page")

    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")


def test_an_htmx_fragment_swaps_only_its_part_and_keeps_the_url_shareable(page, admin):
    sign_in(page, admin, PASSWORD)
    page.goto("/admin/outbox/")
    page.evaluate("window.stillTheSameDocument = true")
    page.get_by_role("link", name=re.compile(r"^Sent")).click()
    expect(page).to_have_url(re.compile(r"state=sent"))
    expect(page.get_by_role("link", name=re.compile(r"^Sent"))).to_have_attribute("aria-current", "page")
    assert page.evaluate("window.stillTheSameDocument") is True


def test_on_a_phone_the_tab_bar_leads_everywhere_with_a_tap_and_nothing_overflows(phone, member):
    phone.goto("/login")
    phone.fill("#email", member.email)
    phone.fill("#password", PASSWORD)
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(member.name)
    expect(phone.get_by_role("navigation", name="Main")).to_be_hidden()
    tabs = phone.get_by_role("navigation", name="Tabs")
    expect(tabs.get_by_role("link")).to_have_text(["Home", "Tasks", "Approvals", "Meetings", "Me"])
    tabs.get_by_role("link", name="Me", exact=True).tap()
    expect(tabs.get_by_role("link", name="Me", exact=True)).to_have_attribute("aria-current", "page")
    phone.get_by_role("link", name="Language, time zone and password").tap()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Settings")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    tap_targets = phone.evaluate("[...document.querySelectorAll('.tabbar a, .topbar a, main button')]"
                                 ".map(e => e.getBoundingClientRect()).map(r => Math.min(r.width, r.height))")
    assert min(tap_targets) >= 44, "every control of the shell takes a thumb"


def test_the_sign_in_form_works_from_the_keyboard_alone(page, member):
    page.goto("/login")
    page.keyboard.press("Tab")  # the skip link comes first
    expect(page.locator(".skip-link")).to_be_focused()
    page.focus("#email")
    page.keyboard.type(member.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(member.name)


def test_a_wrong_password_shows_the_message_and_keeps_the_email(page, member):
    page.goto("/login")
    page.fill("#email", member.email)
    page.fill("#password", "not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("The email or password is not correct.")
    expect(page.locator("#email")).to_have_value(member.email)
