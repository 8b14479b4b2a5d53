"""The people list in a real browser: typing in the search narrows the list in place."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD


def test_on_a_phone_an_admin_finds_a_colleague_by_typing_part_of_the_name(phone, admin, make_user):
    make_user(name="李雷")
    make_user(name="韩梅梅")
    sign_in(phone, admin, PASSWORD)
    phone.goto("/admin/users/")
    phone.evaluate("window.stillTheSameDocument = true")
    phone.locator("main").get_by_label("Search").fill("梅")
    expect(phone.locator("#people-list tbody tr")).to_have_count(1)
    expect(phone.locator("#people-list")).to_contain_text("韩梅梅")
    expect(phone).to_have_url(re.compile(r"q=%E6%A2%85"))
    assert phone.evaluate("window.stillTheSameDocument") is True
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
