"""Sessions end when they should, everywhere a copy of the cookie went."""
import datetime

import time_machine

from portal.accounts.models import LoginSession
from tests.conftest import PASSWORD


def _copy_cookies(source, target):
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def test_a_session_cookie_copied_before_logout_is_refused_after_it(app, member):
    browser, thief = app.test_client(), app.test_client()
    browser.login(member)
    _copy_cookies(browser, thief)
    assert thief.get("/settings").status_code == 200
    browser.post("/logout")
    response = thief.get("/settings")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_remember_me_cookie_copied_before_logout_is_refused_after_it(app, member):
    browser, thief = app.test_client(), app.test_client()
    browser.post("/login", data={"email": member.email, "password": PASSWORD, "remember": "y"})
    remember = browser.get_cookie("remember_token")
    assert remember is not None
    thief.set_cookie("remember_token", remember.value)
    assert thief.get("/settings").status_code == 200, "the remember-me cookie alone signs in"
    browser.post("/logout")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/settings").status_code == 302


def test_a_password_change_signs_out_the_other_devices_but_not_this_one(app, member):
    phone, laptop = app.test_client(), app.test_client()
    phone.login(member)
    laptop.login(member)
    laptop.post("/settings/password", data={"current": PASSWORD, "password": "fresh-secret-77",
                                            "confirm": "fresh-secret-77"})
    assert laptop.get("/settings").status_code == 200
    assert phone.get("/settings").status_code == 302


def test_signing_in_starts_a_new_session(client, member):
    client.get("/login")
    before = client.get_cookie("session").value
    client.login(member)
    assert client.get_cookie("session").value != before
    first = LoginSession.select().count()
    client.post("/logout")
    client.login(member)
    assert LoginSession.select().count() == first, "the old session row is gone, a new one exists"


def test_a_forged_x_forwarded_for_does_not_reset_the_rate_limit(client, member):
    with time_machine.travel(datetime.datetime(2026, 5, 4, 9, 0), tick=False) as clock:
        for n in range(10):
            client.post("/login", data={"email": member.email, "password": "wrong"},
                        headers={"X-Forwarded-For": "203.0.113.%d" % n})
            clock.shift(90)
        response = client.post("/login", data={"email": member.email, "password": PASSWORD},
                               headers={"X-Forwarded-For": "198.51.100.7"})
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)


def test_an_idle_session_expires_after_thirty_days(client, member):
    client.login(member)
    with time_machine.travel(datetime.datetime.now() + datetime.timedelta(days=31)):
        assert client.get("/settings").status_code == 302
