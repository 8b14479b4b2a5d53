"""Every key page of the demo company on a 360 px phone, in both languages: ids unique, every label
pointing at its field, nothing wider than the screen, no error in the console, also after htmx
swaps. Each page is saved as a screenshot under tests/output/screenshots/ for a reviewer."""
import re

import pytest
from playwright.sync_api import expect

from demo import DEMO_PASSWORD
from portal.accounts.models import User
from portal.config import PROJECT_ROOT
from portal.meetings.models import Meeting, MeetingSeries
from portal.projects.models import Project, Target
from portal.requests.models import ResourceRequest
from portal.requests.types import RequestType
from portal.tasks.models import Task
from tests.browser.conftest import sign_in, speaking

SCREENSHOTS = PROJECT_ROOT / "tests" / "output" / "screenshots"
PROBLEMS = """() => {
  const ids = [...document.querySelectorAll("[id]")].map(e => e.id);
  const repeated = [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
  const orphans = [...document.querySelectorAll("label[for]")].map(l => l.htmlFor)
    .filter(id => !document.getElementById(id));
  const wide = document.documentElement.scrollWidth > window.innerWidth
    ? [...document.querySelectorAll("main *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 3).map(e => e.tagName + "." + e.className) : [];
  return {repeated, orphans, wide};
}"""


@pytest.fixture
def demo_company(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output


def key_pages():
    """(name, path) of the pages a phone user opens most, read from the demo company."""
    project = Project.select().where(Project.status == "active").order_by(Project.id).first()
    open_meeting = Meeting.select().where(Meeting.state == "open").order_by(Meeting.starts_at).first()
    closed_meeting = Meeting.select().where(Meeting.state == "closed").order_by(Meeting.starts_at.desc()).first()
    return [
        ("home", "/"),
        ("projects", "/projects/"),
        ("project", "/projects/%d" % project.id),
        ("target", "/targets/%d" % Target.select().where(Target.project == project).first().id),
        ("my-tasks", "/boards/mine"),
        ("department-board", "/boards/department"),
        ("priorities", "/boards/priorities"),
        ("task", "/tasks/%d" % Task.select().order_by(Task.id).first().id),
        ("new-task", "/tasks/new"),
        ("requests", "/requests/"),
        ("approvals", "/requests/approvals"),
        ("choose-type", "/requests/new"),
        ("request", "/requests/%d" % ResourceRequest.select().order_by(ResourceRequest.id).first().id),
        ("meetings", "/meetings/"),
        ("series", "/meetings/series/%d" % MeetingSeries.select().first().id),
        ("meeting", "/meetings/%d" % open_meeting.id),
        ("minutes", "/meetings/%d" % closed_meeting.id),
        ("notifications", "/notifications/"),
        ("preferences", "/notifications/preferences"),
        ("settings", "/settings"),
        ("people", "/admin/users/"),
        ("departments", "/admin/departments/"),
        ("request-types", "/admin/request-types/"),
        ("request-type", "/admin/request-types/%d" % RequestType.select().first().id),
        ("outbox", "/admin/outbox/"),
        ("calendar", "/admin/calendar"),
    ]


def check(page, where):
    problems = page.evaluate(PROBLEMS)
    assert problems == {"repeated": [], "orphans": [], "wide": []}, where
    assert page.console_errors == [], where
    assert page.csp_violations == [], where


def test_every_key_page_has_unique_ids_fits_a_phone_and_logs_no_error(small_phone, language, demo_company):
    admin = speaking(User.by_email("admin@example.com"), language)
    sign_in(small_phone, admin, DEMO_PASSWORD)
    folder = SCREENSHOTS / language
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in key_pages():
        response = small_phone.goto(path)
        assert response.status == 200, path
        check(small_phone, path)
        small_phone.screenshot(path=str(folder / ("%s.png" % name)), full_page=True)


def test_htmx_swaps_leave_ids_unique_and_the_console_clean(small_phone, language, demo_company):
    admin = speaking(User.by_email("admin@example.com"), language)
    sign_in(small_phone, admin, DEMO_PASSWORD)
    meeting = Meeting.select().where(Meeting.state == "open").order_by(Meeting.starts_at).first()
    small_phone.goto("/meetings/%d" % meeting.id)
    small_phone.locator("#decisions textarea").fill("Budget stays as planned")
    small_phone.locator("#decisions button[type=submit]").last.tap()
    expect(small_phone.locator("#decisions")).to_contain_text("Budget stays as planned")
    check(small_phone, "after recording a decision")

    small_phone.goto("/admin/request-types/%d" % RequestType.select().first().id)
    small_phone.locator("#type-steps a[hx-get]").first.tap()
    expect(small_phone.locator("#type-steps form.builder-form")).to_be_visible()
    check(small_phone, "with the step form open")
    small_phone.locator("#type-fields a[hx-get]").first.tap()
    expect(small_phone.locator("#type-fields form.builder-form")).to_be_visible()
    check(small_phone, "with the field form open as well")
    assert re.search(r"/admin/request-types/\d+", small_phone.url)
