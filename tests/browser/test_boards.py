"""Boards in a real browser: drag a card on a desktop, move one with the "move to" sheet by thumb
and by keyboard, and find the change still there after a reload; filter by owner by typing a name."""
import re

import pytest
from playwright.sync_api import expect

from portal.tasks.models import Task
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD


@pytest.fixture
def owner(make_department, make_user):
    return make_user(make_department("研发部", "R&D"), name="Zhou Jie")


@pytest.fixture
def cards(owner):
    return [Task.open(owner, title, owner, priority=priority)
            for title, priority in [("样机评审", "P0"), ("写说明书", "P2")]]


def _drag(page, source, target):
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=25)
    page.mouse.up()


def test_dragging_a_card_to_another_column_moves_it_and_survives_a_reload(page, owner, cards):
    first = cards[0]
    sign_in(page, owner, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My tasks")
    expect(page.locator("#count-todo")).to_have_text("2")
    page.evaluate("window.stillTheSameDocument = true")

    _drag(page, page.locator("#task-%d .card-meta" % first.id), page.locator("#cards-doing"))

    expect(page.locator("#cards-doing #task-%d" % first.id)).to_be_visible()
    expect(page.locator("#count-doing")).to_have_text("1")
    expect(page.locator("#count-todo")).to_have_text("1")
    expect(page.locator("#task-%d" % first.id)).to_have_count(1)
    assert page.evaluate("window.stillTheSameDocument") is True
    page.reload()
    expect(page.locator("#cards-doing #task-%d" % first.id)).to_be_visible()
    assert Task.get_by_id(first.id).status == "doing"


def test_the_move_sheet_and_the_owner_filter_work_from_the_keyboard_alone(page, owner, cards, make_user):
    second = cards[1]
    other = make_user(name="Wang Fang")
    theirs = Task.open(other, "别人的急事", other, priority="P0")
    sign_in(page, owner, PASSWORD)
    page.goto("/boards/mine")
    expect(page.locator("#move-%d" % second.id)).to_be_hidden()  # the plain select is for pages without scripts
    trigger = page.locator("#task-%d" % second.id).get_by_role("button", name="Move #%d" % second.id)
    trigger.focus()
    page.keyboard.press("Enter")
    sheet = page.get_by_role("dialog", name="Move #%d to" % second.id)
    expect(sheet.get_by_role("button", name="To do")).to_be_focused()
    expect(sheet.get_by_role("button", name="To do")).to_have_attribute("aria-current", "true")
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    expect(trigger).to_be_focused()
    assert Task.get_by_id(second.id).status == "todo"

    page.keyboard.press("Enter")
    for _ in range(3):  # In progress, Blocked, In review
        page.keyboard.press("Tab")
    expect(sheet.get_by_role("button", name="In review")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#cards-review #task-%d" % second.id)).to_be_visible()
    expect(page.locator("#count-review")).to_have_text("1")
    expect(page.locator("#cards-review #task-%d .move-open" % second.id)).to_be_focused()

    # The owner filter finds people by name: Enter takes the first found and the board follows.
    page.goto("/boards/priorities")
    expect(page.locator("#task-%d" % theirs.id)).to_be_visible()
    page.locator("#board-filters > summary").press("Enter")
    page.locator("#owner-q").type("Zhou")
    expect(page.locator("#board-filters .found button.person")).to_have_text([re.compile("Zhou Jie")])
    page.keyboard.press("Enter")
    expect(page.locator("#board-filters .chosen li")).to_have_text([re.compile("Zhou Jie")])
    expect(page).to_have_url(re.compile(r"/boards/priorities\?owner=%d$" % owner.id))
    expect(page.locator("#task-%d" % theirs.id)).to_have_count(0)
    expect(page.locator("#task-%d" % cards[0].id)).to_be_visible()


def test_on_a_phone_the_move_sheet_rises_from_the_bottom_and_the_change_persists(phone, owner, cards):
    first = cards[0]
    phone.goto("/login")
    phone.fill("#email", owner.email)
    phone.fill("#password", PASSWORD)
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(owner.name)
    phone.goto("/boards/mine")
    phone.evaluate("window.stillTheSameDocument = true")
    phone.locator("#task-%d" % first.id).get_by_role("button", name="Move #%d" % first.id).tap()
    sheet = phone.get_by_role("dialog", name="Move #%d to" % first.id)
    expect(sheet).to_be_visible()
    box = sheet.bounding_box()
    assert round(box["y"] + box["height"]) == 844 and box["width"] == 390, "a sheet along the bottom edge"
    choices = sheet.get_by_role("button").evaluate_all("bs => bs.map(b => b.getBoundingClientRect().height)")
    assert len(choices) == 6 and min(choices) >= 44, "five statuses and Cancel, each a thumb high"
    phone.mouse.click(195, 40)  # a tap above the sheet closes it
    expect(sheet).to_be_hidden()

    phone.locator("#task-%d" % first.id).get_by_role("button", name="Move #%d" % first.id).tap()
    sheet.get_by_role("button", name="In review").tap()
    moved = phone.locator("#cards-review #task-%d" % first.id)
    expect(moved).to_be_visible()
    expect(phone.locator("#count-review")).to_have_text("1")
    expect(phone.locator("#count-todo")).to_have_text("1")
    assert phone.evaluate("window.stillTheSameDocument") is True
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    phone.reload()
    expect(phone.locator("#cards-review #task-%d" % first.id)).to_be_visible()
    assert Task.get_by_id(first.id).status == "review"


def test_someone_elses_earlier_move_wins_and_the_card_returns_to_where_it_really_is(page, owner, cards):
    first = cards[0]
    sign_in(page, owner, PASSWORD)
    page.goto("/boards/mine")
    first.move(owner, first.version, "blocked")  # a colleague moves it while the board is open
    page.locator("#task-%d .move-open" % first.id).click()
    page.get_by_role("dialog").get_by_role("button", name="Done").click()
    expect(page.locator("#toasts")).to_contain_text("changed this task since you opened it")
    expect(page.locator("#cards-blocked #task-%d" % first.id)).to_be_visible()
    expect(page.locator("#count-blocked")).to_have_text("1")
    expect(page.locator("#count-todo")).to_have_text("1")
    assert Task.get_by_id(first.id).status == "blocked"
