"""Boards in a real browser: drag a card on a desktop, move one with the phone control, and find
the change still there after a reload."""
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


def test_the_move_control_works_from_the_keyboard_alone(page, owner, cards):
    second = cards[1]
    sign_in(page, owner, PASSWORD)
    page.goto("/boards/mine")
    page.focus("#move-%d" % second.id)
    page.select_option("#move-%d" % second.id, "review")
    page.keyboard.press("Tab")
    expect(page.locator("#task-%d button" % second.id)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#cards-review #task-%d" % second.id)).to_be_visible()
    expect(page.locator("#count-review")).to_have_text("1")


def test_on_a_phone_the_move_control_moves_a_card_and_the_change_persists(phone, owner, cards):
    first = cards[0]
    phone.goto("/login")
    phone.fill("#email", owner.email)
    phone.fill("#password", PASSWORD)
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", level=1)).to_contain_text(owner.name)
    phone.goto("/boards/mine")
    card = phone.locator("#task-%d" % first.id)
    phone.evaluate("window.stillTheSameDocument = true")
    card.get_by_label(re.compile("Move #%d to" % first.id)).select_option(label="In review")
    card.get_by_role("button", name="Move").tap()

    moved = phone.locator("#cards-review #task-%d" % first.id)
    expect(moved).to_be_visible()
    expect(moved.get_by_label(re.compile("Move #%d to" % first.id))).to_have_value("review")
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
    page.select_option("#move-%d" % first.id, "done")
    page.locator("#task-%d" % first.id).get_by_role("button", name="Move").click()
    expect(page.locator("#toasts")).to_contain_text("changed this task since you opened it")
    expect(page.locator("#cards-blocked #task-%d" % first.id)).to_be_visible()
    expect(page.locator("#count-blocked")).to_have_text("1")
    expect(page.locator("#count-todo")).to_have_text("1")
    assert Task.get_by_id(first.id).status == "blocked"
