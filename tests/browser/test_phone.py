"""The defects a phone showed, each at 360 px in both languages: what was typed is never lost, nothing
is wider than the screen, a double tap sends once, limits and past dates are said, ids are unique."""
import datetime
import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from portal.db import utcnow
from portal.mail import OutboxMessage
from portal.meetings.models import Meeting, MeetingSeries
from portal.requests.types import RequestType
from portal.tasks.models import Task
from tests.browser.conftest import sign_in, speaking
from tests.browser.test_projects import _launch
from tests.conftest import PASSWORD
from tests.projects.conftest import image_bytes
from tests.requests.conftest import step

TEXT = {
    "zh_CN": {"post": "发布动态", "again": "请重新登录", "send": "登录并发送", "posted": "动态已发布。"},
    "en": {"post": "Post update", "again": "Sign in again", "send": "Sign in and send", "posted": "Update posted."},
}


@pytest.fixture
def make_task_for(app):
    def make(owner, title, **kw):
        return Task.open(owner, title=title, owner=owner, **kw)
    return make


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


WORDS = {
    "zh_CN": {"close": "结束并发送", "delivery": "发送情况", "record": "记录决议", "add_action": "添加行动项",
              "keep_date": "就用这个日期", "file": "提交申请", "subject": "标题", "done": "已完成",
              "still_waits": "它的前置任务", "agreed": "在会议上商定：查看会议纪要。", "not_begun": "还没开始"},
    "en": {"close": "Close and send", "delivery": "Delivery", "record": "Record the decision",
           "add_action": "Add the action item", "keep_date": "Keep this date", "file": "File the request",
           "subject": "Subject", "done": "Done", "still_waits": "though it still waits for",
           "agreed": "Agreed in a meeting: see its minutes.", "not_begun": "has not begun"},
}


def _fits(page, width=360):
    """Nothing on the page, and no table, is wider than the screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    widths = page.evaluate("[...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().right)")
    assert all(right <= width for right in widths), widths


def test_no_table_is_wider_than_a_360_px_phone(small_phone, language, admin):
    sign_in(small_phone, speaking(admin, language), PASSWORD)
    for path in ("/notifications/preferences", "/admin/users/", "/admin/departments/", "/admin/outbox/"):
        small_phone.goto(path)
        _fits(small_phone)
    small_phone.goto("/notifications/preferences")
    select = small_phone.locator("select").first
    box = select.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, "the choice is not cut"


@pytest.fixture
def meeting_today(make_department, make_user):
    """A weekly meeting of Sales that began ten minutes ago, with its coordinator and two people."""
    sales = make_department("销售部", "Sales")
    coordinator = make_user(role="coordinator", name="Cora Coordinator")
    li, chen = make_user(department=sales, name="Li Na"), make_user(department=sales, name="Chen Chen")
    series, _ = MeetingSeries.plan(
        coordinator, departments=[sales], people=[], day=utcnow().date() + datetime.timedelta(days=3),
        start_time=datetime.time(10, 0), title="Weekly alignment", coordinator=coordinator, recurring=True,
        duration_minutes=60, timezone="Asia/Shanghai", location="Room 3", video_link="", reminder_minutes=60)
    meeting = Meeting.schedule(series, utcnow().replace(microsecond=0) - datetime.timedelta(minutes=10))
    return SimpleNamespace(sales=sales, coordinator=coordinator, li=li, chen=chen, series=series, meeting=meeting)


def test_a_button_waits_for_its_request_and_a_double_tap_on_close_mails_once_and_lands_where_the_first_went(
        small_phone, language, meeting_today, make_user):
    words, m = WORDS[language], meeting_today
    sign_in(small_phone, speaking(m.coordinator, language), PASSWORD)
    small_phone.goto("/meetings/%d" % m.meeting.id)
    small_phone.fill("#text", "Ship in May")
    held = []
    small_phone.route("**/decisions", lambda route: held.append(route) if route.request.method == "POST"
                      else route.continue_())
    record = small_phone.get_by_role("button", name=words["record"])
    record.tap()
    expect(record).to_be_disabled()
    held[0].continue_()
    expect(small_phone.locator("#decisions")).to_contain_text("Ship in May")
    expect(small_phone.get_by_role("button", name=words["record"])).to_be_enabled()
    small_phone.unroute("**/decisions")

    small_phone.goto("/meetings/%d/close" % m.meeting.id)
    small_phone.get_by_role("button", name=words["close"]).dblclick()
    expect(small_phone).to_have_url(re.compile(r"/meetings/%d/delivery$" % m.meeting.id))
    expect(small_phone.get_by_role("heading", level=1)).to_contain_text(words["delivery"])
    expect(small_phone.locator(".message-error")).to_have_count(0)
    recipients = sorted(message.to_address for message in OutboxMessage.select())
    assert recipients == sorted([m.coordinator.email, m.li.email, m.chen.email]), "each mailed once"

    make_user(department=m.sales, name="Newcomer")  # joins Sales after the meeting closed
    small_phone.goto("/meetings/%d" % m.meeting.id)
    attendance = small_phone.locator("#attendance")
    expect(attendance).to_contain_text("Li Na")
    expect(attendance).not_to_contain_text("Newcomer")
    _fits(small_phone)


def test_limits_are_said_before_they_bite_and_an_amount_survives_going_back(
        small_phone, language, make_department, make_user, admin):
    project, _, seller, _ = _launch(make_department, make_user)
    sign_in(small_phone, speaking(seller, language), PASSWORD)
    small_phone.goto("/projects/%d" % project.id)
    body = small_phone.locator("#body")
    body.fill("进" * 4990)
    expect(small_phone.locator("#body-count")).to_have_text(re.compile(r"4,990 / 5,000"))
    body.press("End")
    body.type("度" * 20)
    expect(small_phone.locator("#body-count")).to_have_text(re.compile(r"10"))
    expect(small_phone.locator("#body-count")).to_have_class(re.compile("over"))
    small_phone.get_by_role("button", name=TEXT[language]["post"]).tap()
    expect(small_phone.locator("#body-error")).to_be_visible()
    assert len(body.input_value()) == 5010, "nothing was cut"

    finance = make_department("财务部", "Finance")
    budget = RequestType.add(admin, name="预算申请", name_en="Budget", provider=finance)
    budget.add_field(admin, label="金额", label_en="Amount", kind="money", currency="CNY", required=True)
    budget.add_step(admin, **step(name="部门负责人审批", approvers=[{"kind": "requester_head"}]))
    budget.publish(admin)
    small_phone.goto("/requests/new/%d" % budget.id)
    subject = small_phone.get_by_label(WORDS[language]["subject"])
    subject.fill("展" * 150)
    expect(small_phone.locator("#title-count")).to_be_hidden()
    subject.fill("展" * 170)
    expect(small_phone.locator("#title-count")).to_have_text(re.compile(r"170 / 200"))
    amount = small_phone.locator("input[inputmode=decimal]")
    amount.fill("12,000.50")
    small_phone.goto("/notifications/")
    small_phone.go_back()
    expect(small_phone.locator("input[inputmode=decimal]")).to_have_value("12,000.50")
    expect(small_phone.get_by_label(WORDS[language]["subject"])).to_have_value("展" * 170)


def test_a_past_due_date_is_asked_about_and_a_blocked_task_moved_to_done_gets_a_word(
        small_phone, language, meeting_today, make_task_for):
    words, m = WORDS[language], meeting_today
    upcoming = m.meeting.following() or m.series.ensure_next_meeting() or m.meeting.following()
    sign_in(small_phone, speaking(m.coordinator, language), PASSWORD)
    small_phone.goto("/meetings/%d" % upcoming.id)
    section = small_phone.locator("#action-items")
    section.locator("summary").tap()
    section.locator("#what").fill("Send the signed contract")
    section.locator("#owner").select_option(label="Li Na")
    section.locator("#due_on").fill("2025-11-03")
    section.get_by_role("button", name=words["add_action"]).tap()
    question = section.get_by_role("alert")
    expect(question).to_contain_text("2025")
    expect(section.locator("#what")).to_have_value("Send the signed contract")
    section.get_by_role("button", name=words["keep_date"]).tap()
    expect(section.locator("li", has_text="Send the signed contract")).to_be_visible()

    waiting = make_task_for(m.coordinator, "Sign the lease")
    first = make_task_for(m.li, "Find the office")
    waiting.add_blocker(m.coordinator, first)
    small_phone.goto("/boards/mine")
    card = small_phone.locator("#task-%d" % waiting.id)
    card.locator(".move-open").tap()
    small_phone.get_by_role("dialog").get_by_role("button", name=words["done"]).tap()
    expect(small_phone.locator("#toasts")).to_contain_text(words["still_waits"])
    _fits(small_phone)


def test_text_the_system_wrote_reads_in_the_readers_language(small_phone, language, meeting_today):
    m = meeting_today
    m.meeting.assign_action(m.coordinator, "Book the hall", m.li, utcnow().date() + datetime.timedelta(days=5))
    m.meeting.close(m.coordinator, [m.li], confirmed=True)  # closed by an English-speaking coordinator
    task = Task.get(Task.title == "Book the hall")
    sign_in(small_phone, speaking(m.li, language), PASSWORD)
    small_phone.goto("/tasks/%d" % task.id)
    expect(small_phone.locator(".origin")).to_have_text(WORDS[language]["agreed"])


PHOTO_WORDS = {"zh_CN": {"post": "发布动态", "photo": "Chen Chen 的第 1 张照片", "close": "关闭"},
               "en": {"post": "Post update", "photo": "Photo 1 from Chen Chen", "close": "Close"}}


def test_picked_photos_show_as_thumbnails_and_an_opened_photo_closes_back_to_the_page(
        small_phone, language, make_department, make_user):
    words = PHOTO_WORDS[language]
    project, _, seller, _ = _launch(make_department, make_user)
    sign_in(small_phone, speaking(seller, language), PASSWORD)
    small_phone.goto("/projects/%d" % project.id)
    small_phone.fill("#body", "展台搭好了")
    small_phone.set_input_files("#photos-library", files=[
        {"name": "booth-%d.jpg" % n, "mimeType": "image/jpeg", "buffer": image_bytes(size=(800, 600))}
        for n in (1, 2)])
    previews = small_phone.locator("#photos-library + .previews img")
    expect(previews).to_have_count(2)
    assert previews.evaluate_all("imgs => imgs.every(img => img.complete && img.naturalWidth === 800)")
    small_phone.get_by_role("button", name=words["post"]).tap()
    thumb = small_phone.locator("#update-list article.update").first.get_by_role("img", name=words["photo"])
    expect(thumb).to_be_visible()
    small_phone.evaluate("window.stillTheSameDocument = true; window.scrollTo(0, 200)")
    here = small_phone.url

    thumb.tap()
    lightbox = small_phone.locator("dialog.lightbox")
    expect(lightbox).to_be_visible()
    expect(lightbox.get_by_role("img", name=words["photo"])).to_be_visible()
    _fits(small_phone)
    small_phone.go_back()  # the phone's Back gesture
    expect(lightbox).to_be_hidden()
    assert small_phone.url == here

    thumb.tap()
    expect(lightbox).to_be_visible()
    lightbox.get_by_role("button", name=words["close"]).tap()
    expect(lightbox).to_be_hidden()
    assert small_phone.url == here
    assert small_phone.evaluate("window.stillTheSameDocument") is True, "the page was not reloaded"


def test_people_are_chosen_by_typing_a_name_with_a_thumb_or_the_keyboard(small_phone, language, meeting_today,
                                                                          make_user, make_department):
    m = meeting_today
    guest = make_user(department=make_department("采购部", "Procurement"), name="Guest Gu")
    gone = make_user(department=m.sales, name="Guest Gone")
    gone.deactivate(m.coordinator)
    sign_in(small_phone, speaking(m.coordinator, language), PASSWORD)
    small_phone.goto("/meetings/series/new")
    expect(small_phone.locator("#people")).to_be_hidden()
    box = small_phone.locator("#people-q")
    picker = small_phone.locator(".people-picker", has=box)
    box.type("Guest")
    found = picker.locator(".found button.person")
    expect(found).to_have_text([re.compile("Guest Gu")])
    found.first.tap()
    expect(picker.locator(".chosen li")).to_have_text([re.compile("Guest Gu")])
    expect(found.first).to_have_attribute("aria-pressed", "true")
    box.fill("")
    box.type("Li N")
    expect(found).to_have_text([re.compile("Li Na")])
    box.press("ArrowDown")
    expect(found.first).to_be_focused()
    small_phone.keyboard.press("Enter")
    expect(picker.locator(".chosen li")).to_have_count(2)
    picker.locator(".chosen li", has_text="Guest Gu").get_by_role("button").tap()
    expect(picker.locator(".chosen li")).to_have_text([re.compile("Li Na")])
    _fits(small_phone)
    small_phone.fill("#title", "Supplier review")
    small_phone.fill("#day", "2026-12-07")
    small_phone.fill("#start_time", "10:00")
    small_phone.locator("form.series-form button[type=submit]").last.tap()
    expect(small_phone).to_have_url(re.compile(r"/meetings/\d+$"))
    series = MeetingSeries.get(MeetingSeries.title == "Supplier review")
    assert [person.name for person in series.people()] == ["Li Na"]

    small_phone.goto("/tasks/new")
    owner = small_phone.locator(".people-picker", has=small_phone.locator("#owner-q"))
    expect(owner.locator(".chosen li")).to_have_count(1)
    owner.locator("#owner-q").type("Guest")
    expect(owner.locator(".found button.person")).to_have_count(1)  # not who has left
    owner.locator("#owner-q").press("Enter")
    expect(owner.locator(".chosen li")).to_have_text([re.compile("Guest Gu")])
    small_phone.fill("#title", "Price the new locks")
    small_phone.locator("main form button[type=submit]").last.tap()
    expect(small_phone).to_have_url(re.compile(r"/tasks/\d+$"))
    assert Task.get(Task.title == "Price the new locks").owner_id == guest.id
