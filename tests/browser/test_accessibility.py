"""Accessibility of the key pages on a phone, checked by axe-core (vendored under tests/browser/vendor,
the engine Lighthouse scores with): no WCAG 2 A/AA violation and no best-practice one; and keyboard-only
use of a board and of an approval."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from demo import DEMO_PASSWORD
from portal.accounts.models import User
from portal.meetings.models import Meeting
from portal.projects.models import Project
from portal.requests.models import RequestStep, StepApprover
from portal.tasks.models import Task
from tests.browser.conftest import SMALL_PHONE, sign_in, speaking
from tests.browser.test_crawl import demo_company, migrated_database  # noqa: F401  (the fixtures)

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
RUN = """() => axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
  "best-practice"]}}).then(r => r.violations.map(
    v => [v.id, v.impact, v.nodes.slice(0, 3).map(n => n.target.join(" "))]))"""


@pytest.fixture
def audited(browser, live_server, language):
    """A 360 px phone whose pages axe can enter (the portal's own policy refuses injected scripts)."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, **SMALL_PHONE,
                                  locale="zh-CN" if language == "zh_CN" else "en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _violations(page):
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN)


def test_the_key_pages_have_no_accessibility_violation(audited, language, demo_company):  # noqa: F811
    head = speaking(User.by_email("sales.head@example.com"), language)
    sign_in(audited, head, DEMO_PASSWORD)
    project = Project.select().where(Project.status == "active").order_by(Project.id).first()
    minutes = Meeting.select().where(Meeting.state == "closed").order_by(Meeting.starts_at.desc()).first()
    pages = ["/", "/boards/department", "/projects/%d" % project.id, "/requests/approvals",
             "/meetings/%d" % minutes.id]
    found = {}
    for path in pages:
        audited.goto(path)
        violations = _violations(audited)
        if violations:
            found[path] = violations
    assert found == {}


def test_a_board_and_an_approval_work_from_the_keyboard_alone(page, demo_company):  # noqa: F811
    head = User.by_email("sales.head@example.com")
    sign_in(page, head, DEMO_PASSWORD)
    task = Task.select().where((Task.owner == head) & (Task.status == "todo")).first()
    page.goto("/boards/mine")
    move = page.locator("#task-%d .move-open" % task.id)
    move.focus()
    page.keyboard.press("Shift+Tab")  # the card's title link, then back
    page.keyboard.press("Tab")
    expect(move).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # from To do, the status it has, to In progress
    page.keyboard.press("Enter")
    expect(page.locator("#cards-doing #task-%d" % task.id)).to_be_visible()
    expect(page.locator("#cards-doing #task-%d .move-open" % task.id)).to_be_focused()
    assert Task.get_by_id(task.id).status == "doing"

    # The demo's waiting approval is someone else's: sign in as the person it waits for.
    seat = (StepApprover.select().join(RequestStep)
            .where((StepApprover.state == "pending") & (RequestStep.kind == "approval"))
            .order_by(StepApprover.id).first())
    page.context.clear_cookies()
    sign_in(page, seat.user, DEMO_PASSWORD)
    page.goto("/requests/approvals")
    approve = page.get_by_role("link", name="Approve", exact=True).first
    approve.focus()
    page.keyboard.press("Enter")
    confirm = page.get_by_role("button", name="Confirm approval").first
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile("You approved"))).to_be_visible()
