"""Every key page of the demo company on a 360 px phone, in both languages: ids unique, every label
pointing at its field, nothing wider than the screen, every control big enough for a thumb, no error
in the console, also after htmx swaps. Each page is saved as a screenshot under
tests/output/screenshots/ for a reviewer."""
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
  return {repeated, orphans, wide, small: smallTargets()};
}"""
# Every control a thumb may tap is at least 44 × 44 CSS px (WCAG 2.5.5), except a link inline in a
# sentence; a checkbox or radio counts by the label around it, which takes the tap.
SMALL_TARGETS = """function smallTargets() {
  const controls = "a[href], button, input:not([type=hidden]), select, textarea, summary, "
    + "[tabindex]:not([tabindex='-1'])";
  const shown = e => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden";
  const inProse = e => e.tagName === "A" && getComputedStyle(e).display === "inline"
    && e.parentElement.textContent.trim().length > e.textContent.trim().length;
  const target = e => ["checkbox", "radio"].includes(e.type) && e.closest("label") || e;
  return [...document.querySelectorAll(controls)].filter(shown).filter(e => !inProse(e)).map(target)
    .map(e => [e, e.getBoundingClientRect()]).filter(([e, r]) => r.width < 44 - .5 || r.height < 44 - .5)
    .slice(0, 60).map(([e, r]) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}.${e.className} "${
      e.textContent.trim().slice(0, 20)}" ${Math.round(r.width)}×${Math.round(r.height)}`);
}"""


@pytest.fixture
def migrated_database(demo_database):
    return demo_database


@pytest.fixture
def demo_company(app):
    """The app on a copy of the demo company (`migrated_database` above)."""
    return app


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


def problems(page):
    """What is wrong with the page as shown, by kind; empty when nothing is."""
    found = page.evaluate("() => { %s; return (%s)(); }" % (SMALL_TARGETS, PROBLEMS))
    found.update(console=page.console_errors[:], csp=page.csp_violations[:])
    page.console_errors.clear()
    page.csp_violations.clear()
    return {kind: items for kind, items in found.items() if items}


def check(page, where):
    assert problems(page) == {}, where


def test_every_key_page_has_unique_ids_fits_a_phone_and_logs_no_error(small_phone, language, demo_company):
    admin = speaking(User.by_email("admin@example.com"), language)
    sign_in(small_phone, admin, DEMO_PASSWORD)
    folder = SCREENSHOTS / language
    folder.mkdir(parents=True, exist_ok=True)
    found = {}
    for name, path in key_pages():
        response = small_phone.goto(path)
        assert response.status == 200, path
        found[path] = problems(small_phone)
        small_phone.screenshot(path=str(folder / ("%s.png" % name)), full_page=True, timeout=60_000)
    assert {path: wrong for path, wrong in found.items() if wrong} == {}


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
