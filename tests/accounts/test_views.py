"""Accounts over HTTP: signing in, set-password links, settings, and the admin pages."""
import datetime
import re

import json

import pytest
import time_machine

from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.mail import OutboxMessage
from tests.conftest import PASSWORD


def test_signing_in_lands_on_the_requested_page(client, member):
    response = client.post("/login", data={"email": member.email, "password": PASSWORD,
                                           "next": "/settings"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/settings"
    assert "Language and time zone" in client.get("/settings").get_data(as_text=True)


def test_sign_in_never_redirects_off_site(client, member):
    for target in ("https://evil.example/x", "//evil.example/x", "/\\evil.example"):
        response = client.post("/login", data={"email": member.email, "password": PASSWORD, "next": target})
        assert response.headers["Location"] == "/"
        client.post("/logout")


def test_a_phone_that_moves_from_wifi_to_4g_stays_signed_in(client, member):
    wifi, mobile = {"REMOTE_ADDR": "192.168.1.23"}, {"REMOTE_ADDR": "10.64.7.200"}
    client.post("/login", data={"email": member.email, "password": PASSWORD}, environ_base=wifi)
    assert client.get("/settings", environ_base=wifi).status_code == 200
    response = client.get("/settings", environ_base=mobile)
    assert response.status_code == 200 and "Language and time zone" in response.get_data(as_text=True)
    assert client.get("/settings", environ_base=wifi).status_code == 200


def test_a_copied_session_cookie_is_not_honoured_in_another_kind_of_browser(client, member):
    client.post("/login", data={"email": member.email, "password": PASSWORD},
                headers={"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1"})
    iphone_update = {"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Safari/605.1"}
    assert client.get("/settings", headers=iphone_update).status_code == 200
    elsewhere = client.get("/settings", headers={"User-Agent": "curl/8.5.0"})
    assert elsewhere.status_code == 302 and elsewhere.headers["Location"].startswith("/login")


def test_an_htmx_request_after_the_session_ended_gets_a_sign_in_form_to_show_over_the_page(client, member):
    client.login(member)
    client.post("/logout")
    response = client.post("/projects/1/updates", data={"body": "typed"}, headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Reswap"] == "none"
    body = response.get_data(as_text=True)
    assert 'id="sign-in-again"' in body and 'id="again-password"' in body and 'id="password"' not in body


def test_signing_in_again_over_a_page_hands_it_a_new_csrf_token_that_works(client, member):
    client.login(member)
    client.post("/logout")
    response = client.post("/login", data={"again-email": member.email, "again-password": PASSWORD},
                           headers={"HX-Request": "true"})
    assert response.status_code == 204
    token = json.loads(response.headers["HX-Trigger"])["signedIn"]["csrfToken"]
    saved = client.post("/settings", data={"language": "zh_CN", "timezone": "Asia/Shanghai"},
                        headers={"X-CSRFToken": token}, csrf=False)
    assert saved.status_code == 303


def test_a_wrong_password_over_a_page_shows_the_form_again_with_the_message(client, member):
    response = client.post("/login", data={"again-email": member.email, "again-password": "nope-nope"},
                           headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="sign-in-again"' in body
    assert "The email or password is not correct." in body and 'value="%s"' % member.email in body


def test_a_plain_form_sent_after_the_session_ended_returns_to_its_page_after_signing_in(client, member):
    response = client.post("/projects/1/updates", data={"body": "typed"},
                           headers={"Referer": "http://localhost/projects/1?tab=updates"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/projects/1?tab%3Dupdates"
    elsewhere = client.post("/projects/1/updates", headers={"Referer": "https://evil.example/projects/1"})
    assert elsewhere.headers["Location"] == "/login"


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, member):
    wrong = client.post("/login", data={"email": member.email, "password": "nope-nope"})
    unknown = client.post("/login", data={"email": "nobody@example.com", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 200
    message = "The email or password is not correct."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)
    assert 'value="nobody@example.com"' in unknown.get_data(as_text=True)


def test_a_deactivated_user_cannot_sign_in(client, admin, member):
    member.deactivate(admin)
    response = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "deactivated" in response.get_data(as_text=True)


def test_a_burst_of_wrong_passwords_slows_down_then_locks_with_a_clear_message(client, member):
    wrong = {"email": member.email, "password": "wrong-password"}
    with time_machine.travel(datetime.datetime(2026, 5, 4, 9, 0), tick=False) as clock:
        answers = []
        for _ in range(10):
            answers.append(client.post("/login", data=wrong).get_data(as_text=True))
            clock.shift(90)  # waits out each slow-down, as a patient guesser would
        assert "The email or password is not correct." in answers[0]
        assert "Try again in 2 seconds." in answers[3]
        assert "Try again in 15 minutes." in answers[9]
        # The right password too must wait out the lock.
        locked = client.post("/login", data={"email": member.email, "password": PASSWORD})
        assert "Too many failed sign-in attempts" in locked.get_data(as_text=True)
        clock.shift(15 * 60)
        assert client.post("/login", data={"email": member.email, "password": PASSWORD}).status_code == 303


def test_the_set_password_link_sets_the_password_signs_in_and_then_stops_working(client, admin):
    user = User.invite(admin, "newbie@example.com", "Newbie", None)
    path = "/password/set/" + user.password_token()
    page = client.get(path)
    assert "newbie@example.com" in page.get_data(as_text=True)
    short = client.post(path, data={"password": "short", "confirm": "short"})
    assert "at least 8 characters" in short.get_data(as_text=True).lower()
    response = client.post(path, data={"password": "long-enough-1", "confirm": "long-enough-1"})
    assert response.status_code == 303
    assert "Hello, Newbie" in client.get("/").get_data(as_text=True)
    assert client.get(path).status_code == 404


def test_changing_the_password_needs_the_current_one(client, member):
    client.login(member)
    refused = client.post("/settings/password", data={"current": "guess-guess", "password": "new-secret-99",
                                                     "confirm": "new-secret-99"})
    assert "This is not your current password." in refused.get_data(as_text=True)
    done = client.post("/settings/password", data={"current": PASSWORD, "password": "new-secret-99",
                                                   "confirm": "new-secret-99"})
    assert done.status_code == 303
    assert User.get_by_id(member.id).check_password("new-secret-99")


def test_guessing_the_current_password_is_slowed_down_and_locked_like_signing_in(client, member):
    with time_machine.travel(datetime.datetime(2026, 5, 4, 9, 0), tick=False) as clock:
        client.login(member)
        guess = {"password": "new-secret-99", "confirm": "new-secret-99"}
        answers = []
        for n in range(10):
            answers.append(client.post("/settings/password", data=dict(guess, current="guess-%d" % n))
                           .get_data(as_text=True))
            clock.shift(90)
        assert "This is not your current password." in answers[0]
        assert "Try again in 2 seconds." in answers[3]
        assert "Try again in 15 minutes." in answers[9]
        # Even the right password waits out the lock, and nobody is signed out meanwhile.
        locked = client.post("/settings/password", data=dict(guess, current=PASSWORD))
        assert locked.status_code == 200 and "Try again in" in locked.get_data(as_text=True)
        assert User.get_by_id(member.id).check_password(PASSWORD)
        # The guesses count for signing in too: they are one limit, not two.
        other = client.application.test_client()
        refused = other.post("/login", data={"email": member.email, "password": PASSWORD})
        assert "Too many failed sign-in attempts" in refused.get_data(as_text=True)
        clock.shift(15 * 60)
        assert client.post("/settings/password", data=dict(guess, current=PASSWORD)).status_code == 303


def test_settings_change_the_language_of_every_page(client, member):
    client.login(member)
    client.post("/settings", data={"language": "zh_CN", "timezone": "Europe/Berlin"})
    assert "<h1>设置</h1>" in client.get("/settings").get_data(as_text=True)
    stored = User.get_by_id(member.id)
    assert (stored.language, stored.timezone) == ("zh_CN", "Europe/Berlin")


def test_settings_refuse_an_unknown_time_zone_and_keep_the_rest(client, member):
    client.login(member)
    response = client.post("/settings", data={"language": "en", "timezone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Choose a time zone from the list." in response.get_data(as_text=True)
    assert User.get_by_id(member.id).timezone == "Asia/Shanghai"


def test_the_language_switch_works_before_signing_in(client):
    response = client.post("/language", data={"language": "zh_CN", "next": "/login"})
    assert response.headers["Location"] == "/login"
    assert "<h1>登录</h1>" in client.get("/login").get_data(as_text=True)
    assert client.post("/language", data={"language": "klingon"}).status_code == 400


def test_the_browser_language_is_used_when_the_user_has_none(client, member):
    client.login(member)
    page = client.get("/settings", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "<h1>设置</h1>" in page.get_data(as_text=True)


def test_an_admin_adds_a_person_who_is_mailed_a_link_also_shown_without_mail(client, admin, make_department):
    department = make_department("研发部", "R&D")
    client.login(admin)
    response = client.post("/admin/users/", data={"email": "li.lei@example.com", "name": "李雷",
                                                  "department": department.id, "role": "member",
                                                  "language": "zh_CN"})
    assert response.status_code == 303
    user = User.by_email("li.lei@example.com")
    assert user.department == department
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    link = re.search(r'id="password-link"[^>]*value="([^"]+)"', page).group(1)
    assert link.startswith("https://portal.example.test/password/set/")
    mail = OutboxMessage.get(OutboxMessage.recipient_id == user.id)
    assert mail.language == "zh_CN" and "设置密码" in mail.body_text


def test_an_invalid_new_person_form_keeps_what_was_typed(client, admin):
    client.login(admin)
    response = client.post("/admin/users/", data={"email": "not-an-email", "name": "Typed Name",
                                                  "department": "0", "role": "member", "language": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Invalid email address." in body
    assert 'value="Typed Name"' in body


def test_an_admin_changes_role_and_department_and_sees_it_in_the_history(client, admin, member, make_department):
    target = make_department("采购部")
    client.login(admin)
    client.post("/admin/users/%d" % member.id, data={"name": member.name, "department": target.id,
                                                    "role": "coordinator"})
    page = client.get("/admin/users/%d" % member.id).get_data(as_text=True)
    assert "role: member → coordinator" in page
    assert User.get_by_id(member.id).role == "coordinator"


def test_the_supervisor_list_groups_people_under_each_department_once_in_order(client, admin, member,
                                                                            make_department, make_user):
    """A list ordered by name alone put a department's heading before each run of its people."""
    buying, sales = make_department("采购部"), make_department("销售部")
    for name, department in (("Ann", sales), ("Bob", buying), ("Cai", sales), ("Dan", buying)):
        make_user(department, name=name)
    left = make_user(sales, name="Eve")
    member.update_account(admin, supervisor=left)
    left.deactivate(admin)
    client.login(admin)
    page = client.get("/admin/users/%d" % member.id).get_data(as_text=True)
    select = page[page.index('name="supervisor"'):]
    select = select[:select.index("</select>")]
    groups = re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select)
    assert [label for label, _ in groups if label in ("采购部", "销售部")] == ["采购部", "销售部"]
    people = dict(groups)
    assert re.findall(r">([^<]+)</option>", people["采购部"]) == ["Bob", "Dan"]
    assert re.findall(r">([^<]+)</option>", people["销售部"]) == ["Ann", "Cai", "Eve (deactivated)"]


def test_an_admin_deactivates_a_user_whose_open_session_stops_at_once(app, admin, member):
    member_client, admin_client = app.test_client(), app.test_client()
    member_client.login(member)
    admin_client.login(admin)
    admin_client.post("/admin/users/%d/deactivate" % member.id)
    response = member_client.get("/settings")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_departments_are_added_renamed_and_given_a_head(client, admin, make_user):
    client.login(admin)
    client.post("/admin/departments/", data={"name": "市场部", "name_en": "Marketing"})
    department = Department.get(Department.name == "市场部")
    head = make_user(department=department)
    client.post("/admin/departments/%d" % department.id, data={"name": "市场营销部", "name_en": "Marketing",
                                                             "head": head.id})
    stored = Department.get_by_id(department.id)
    assert (stored.name, stored.head) == ("市场营销部", head)
    listing = client.get("/admin/departments/").get_data(as_text=True)
    assert "市场营销部" in listing and head.name in listing


def test_the_edit_pages_show_the_current_department_and_head_selected(client, admin, make_user):
    # Unselected, the browser would send "— none —" and saving a rename would drop them.
    head = make_user(head_of=True)
    client.login(admin)
    user_page = client.get("/admin/users/%d" % head.id).get_data(as_text=True)
    assert '<option selected value="%d">' % head.department_id in user_page
    department_page = client.get("/admin/departments/%d" % head.department_id).get_data(as_text=True)
    assert '<option selected value="%d">' % head.id in department_page


def test_a_duplicate_department_name_is_refused_and_the_form_kept(client, admin, make_department):
    make_department("财务部")
    client.login(admin)
    response = client.post("/admin/departments/", data={"name": "财务部", "name_en": "Money"})
    body = response.get_data(as_text=True)
    assert "A department with this name already exists." in body
    assert 'value="Money"' in body


def test_a_member_may_not_open_the_admin_pages(client, member, admin):
    client.login(member)
    for path in ("/admin/users/", "/admin/users/new", "/admin/departments/", "/admin/outbox/",
                 "/admin/users/%d" % admin.id):
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/users/%d/deactivate" % admin.id).status_code == 403
    assert User.get_by_id(admin.id).active


def test_the_user_create_command_makes_an_account(runner, make_department):
    make_department("销售部", "Sales")
    result = runner.invoke(args=["user", "create", "cli@example.com", "--name", "Cli User",
                                 "--department", "sales", "--role", "coordinator", "--password", "cli-password"])
    assert result.exit_code == 0, result.output
    user = User.by_email("cli@example.com")
    assert user.role == "coordinator" and user.department.name == "销售部"
    assert user.check_password("cli-password")
    again = runner.invoke(args=["user", "create", "cli@example.com", "--name", "Twice"])
    assert again.exit_code != 0 and "already exists" in again.output


@pytest.mark.demo_company
def test_the_demo_command_is_idempotent(runner):
    count = User.select().count()
    assert count == 12
    runner.invoke(args=["demo"])
    assert User.select().count() == count
    sales = Department.get(Department.name_en == "Sales")
    assert sales.head.email == "sales.head@example.com"
    skipped = runner.invoke(args=["demo", "--if-empty"])
    assert "already holds data" in skipped.output


def test_times_are_shown_in_the_readers_time_zone(client, admin, member):
    AuditEntry.update(at=datetime.datetime(2026, 3, 2, 1, 30)).where(
        (AuditEntry.object_type == "User") & (AuditEntry.object_id == member.id)).execute()
    admin.update_preferences("en", "Europe/Berlin")
    client.login(admin)
    assert "2:30" in client.get("/admin/users/%d" % member.id).get_data(as_text=True)
    admin.update_preferences("en", "Asia/Shanghai")
    assert "9:30" in client.get("/admin/users/%d" % member.id).get_data(as_text=True)
