"""On a 360 px phone a member writes the week's report, pre-filled, and hands it in with an ask for
help; the head, on a phone too, sees the missing list shrink and reminds the rest in one tap. The
alignment map and the scorecard read at the same width."""
import datetime

import pytest
from playwright.sync_api import expect

from portal.calendar import CompanyCalendar
from portal.projects.models import Target
from portal.reports.models import Report
from portal.reports.plans import ReportPlan, company_today
from portal.tasks.models import Task
from tests.browser.conftest import PHONE, _page, sign_in
from tests.conftest import PASSWORD

NARROW = dict(PHONE, viewport={"width": 360, "height": 740})


@pytest.fixture
def team(make_department, make_user):
    sales, finance = make_department("销售部", "Sales"), make_department("财务部", "Finance")
    people = {"sales": sales, "finance": finance,
              "head": make_user(department=sales, head_of=True, name="Li Na", language="en"),
              "chen": make_user(department=sales, name="Chen Chen", language="en"),
              "wang": make_user(department=sales, name="Wang Fang", language="en"),
              "zhao": make_user(department=finance, head_of=True, name="Zhao Lei", language="en")}
    # No quiet hours, so reminding works whenever the suite runs (on a day off it must not).
    CompanyCalendar.create(country="CN", quiet_start=0, quiet_end=0)
    people["plan"] = ReportPlan.configure(people["head"], sales, active=True, cadence="weekly", due_weekday=4,
                                          due_time=datetime.time(18), sections=[])
    return people


@pytest.fixture
def phones(browser, live_server):
    opened = []

    def open_phone():
        context, page = _page(browser, live_server, **NARROW)
        opened.append((context, page))
        return page
    yield open_phone
    for context, page in opened:
        assert page.csp_violations == []
        context.close()


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, page.url


def test_a_member_hands_in_on_a_phone_and_the_head_sees_the_missing_list_shrink(phones, team):
    plan, chen = team["plan"], team["chen"]
    period = plan.current_period()
    current = plan.due_at(period) is not None
    if not current:  # a week the company is closed (Spring Festival): last week's report is the one owed
        period = period.previous()
    task = Task.open(chen, "Send the X200 quote", chen)
    task.move(chen, task.version, "done")

    head = phones()
    sign_in(head, team["head"], PASSWORD)
    head.goto("/reports/departments/%d?period=%s" % (team["sales"].id, period.start.isoformat()))
    roster = head.locator("#roster")
    expect(roster.locator(".count")).to_have_text("3 / 3")
    _fits(head)

    member = phones()
    sign_in(member, chen, PASSWORD)
    member.get_by_role("navigation", name="Tabs").get_by_role("link", name="Me", exact=True).tap()
    member.get_by_role("navigation", name="Work").get_by_role("link", name="Reports").tap()
    if current:
        member.get_by_role("button", name="Write it now").click()
    else:
        member.get_by_role("button", name="Write or open the report for").click()
    done = member.get_by_label("Done this week")
    expect(done).to_have_value("- Finished #%d Send the X200 quote" % task.id)
    _fits(member)
    member.get_by_label("Plan for next week").fill("Visit the Suzhou dealer")
    expect(member.locator("#draft-status")).to_contain_text("Draft kept at")
    assert Report.get(Report.author == chen.id).section_items()[1][1] == "Visit the Suzhou dealer"
    member.get_by_label("Need help from").select_option(label="Finance")
    member.get_by_label("With what").fill("The March rebate numbers")
    member.get_by_role("button", name="Hand in").click()
    expect(member.get_by_role("heading", level=1)).to_contain_text("Chen Chen")
    expect(member.locator("#asks")).to_contain_text("The March rebate numbers")
    _fits(member)

    head.reload()
    expect(roster.locator(".count")).to_have_text("2 / 3")
    expect(roster.locator(".roster")).not_to_contain_text("Chen Chen")
    roster.get_by_role("button", name="Remind all 2").click()
    if CompanyCalendar.current().is_working_day(company_today()):
        expect(roster.locator(".roster .badge", has_text="reminded today")).to_have_count(2)
    else:  # a weekend or holiday where they are: nobody is disturbed, the head is told so
        expect(head.locator("#toasts")).to_contain_text("Not now")
    _fits(head)


def test_the_alignment_map_and_the_scorecard_read_at_360_px(phones, team):
    Target.define(None, None, title="营业收入 1.2 亿元 Revenue of ¥120M this year", unit="万元", baseline="0",
                  target_value="12000", direction="raise", start_date=datetime.date(2026, 1, 1),
                  due_date=datetime.date(2026, 12, 31), department=None, owner=team["head"], weight=1)
    phone = phones()
    sign_in(phone, team["head"], PASSWORD)
    phone.goto("/alignment/")
    box = phone.locator("svg.map a").first
    expect(box).to_be_visible()
    assert phone.locator("svg.map").bounding_box()["width"] <= 360
    _fits(phone)
    box.focus()
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Revenue")
    phone.goto("/scorecard/")
    expect(phone.locator("#company")).to_be_visible()
    _fits(phone)
