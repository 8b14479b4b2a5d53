"""The defects a phone showed, each at 360 px in both languages: what was typed is never lost, nothing
is wider than the screen, a double tap sends once, limits and past dates are said, ids are unique."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in, speaking
from tests.browser.test_projects import _launch
from tests.conftest import PASSWORD

TEXT = {
    "zh_CN": {"post": "发布动态", "again": "请重新登录", "send": "登录并发送", "posted": "动态已发布。"},
    "en": {"post": "Post update", "again": "Sign in again", "send": "Sign in and send", "posted": "Update posted."},
}


def _drafts(page):
    return page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('duiqi-draft:'))")


def test_a_session_lost_mid_update_asks_to_sign_in_again_and_then_posts_the_text(
        small_phone, language, make_department, make_user):
    text = TEXT[language]
    project, _, seller, _ = _launch(make_department, make_user)
    sign_in(small_phone, speaking(seller, language), PASSWORD)
    small_phone.goto("/projects/%d" % project.id)
    small_phone.fill("#body", "苏州经销商订了 200 台")
    assert len(_drafts(small_phone)) == 1, "the draft is kept as it is typed"

    small_phone.context.clear_cookies()  # the session is gone: cleared, expired or ended elsewhere
    small_phone.get_by_role("button", name=text["post"]).tap()
    dialog = small_phone.get_by_role("dialog", name=text["again"])
    expect(dialog).to_be_visible()
    expect(small_phone.locator("#body")).to_have_value("苏州经销商订了 200 台")
    expect(dialog.locator("#again-email")).to_have_value(seller.email)
    dialog.locator("#again-password").fill("wrong-password")
    dialog.get_by_role("button", name=text["send"]).tap()
    expect(dialog.get_by_role("alert")).to_be_visible()
    dialog.locator("#again-password").fill(PASSWORD)
    dialog.get_by_role("button", name=text["send"]).tap()

    expect(dialog).to_be_hidden()
    expect(small_phone.locator("#update-list article.update").first).to_contain_text("苏州经销商订了 200 台")
    expect(small_phone.get_by_text(text["posted"])).to_be_visible()
    expect(small_phone.locator("#body")).to_have_value("")
    assert _drafts(small_phone) == [], "a saved draft is forgotten"


def test_a_draft_survives_signing_in_again_on_the_sign_in_page(small_phone, language, make_department, make_user):
    project, _, seller, _ = _launch(make_department, make_user)
    sign_in(small_phone, speaking(seller, language), PASSWORD)
    small_phone.goto("/projects/%d" % project.id)
    small_phone.fill("#body", "明天去无锡")
    small_phone.context.clear_cookies()
    small_phone.reload()
    expect(small_phone).to_have_url(re.compile(r"/login\?next="))
    small_phone.fill("#email", seller.email)
    small_phone.fill("#password", PASSWORD)
    small_phone.press("#password", "Enter")
    expect(small_phone).to_have_url(re.compile(r"/projects/%d$" % project.id))
    expect(small_phone.locator("#body")).to_have_value("明天去无锡")
    expect(small_phone.locator(".draft-note")).to_be_visible()
    assert small_phone.evaluate("document.documentElement.scrollWidth") <= 360
