"""The shell every page shares: page or fragment, toasts, the login wall, headers, errors."""
import datetime
import json
import re

import pytest
import time_machine
from flask import redirect, url_for

from portal.db import db
from portal.mail import absolute_url
from portal.render import answered_inline, url_pattern
from tests.conftest import statements


def test_a_normal_request_gets_the_full_page_and_htmx_the_fragment(client, admin):
    client.login(admin)
    page = client.get("/admin/outbox/")
    fragment = client.get("/admin/outbox/", headers={"HX-Request": "true"})
    assert "<html" in page.get_data(as_text=True) and 'id="outbox-list"' in page.get_data(as_text=True)
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="outbox-list">')
    assert "<html" not in fragment.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


@pytest.mark.parametrize("header", ["HX-Boosted", "HX-History-Restore-Request"])
def test_boosted_and_history_restore_requests_get_the_full_page(client, admin, header):
    client.login(admin)
    response = client.get("/admin/outbox/", headers={"HX-Request": "true", header: "true"})
    assert "<html" in response.get_data(as_text=True)


def test_flash_messages_of_an_htmx_request_arrive_as_a_toast_event(client, admin):
    client.login(admin)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Saved, 已保存")]
    response = client.get("/admin/outbox/", headers={"HX-Request": "true"})
    trigger = json.loads(response.headers["HX-Trigger"])
    assert trigger["showMessage"] == [{"level": "success", "text": "Saved, 已保存"}]
    assert "Saved" not in client.get("/admin/outbox/").get_data(as_text=True), "shown once only"


def test_an_htmx_post_gets_the_fragment_its_303_names_in_its_own_answer_read_after_the_change(client, admin):
    client.login(admin)
    answer = client.post("/language", data={"language": "zh_CN", "next": "/admin/outbox/"},
                         headers={"HX-Request": "true"})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Location" not in answer.headers
    # The list, as htmx would have fetched it after the 303, in the language the POST just chose.
    assert body.lstrip().startswith('<div id="outbox-list">') and "全部" in body and "<html" not in body


def test_an_htmx_post_and_its_fragment_are_one_request_whose_session_is_read_once(client, admin):
    client.login(admin)
    with statements() as run:
        answer = client.post("/language", data={"language": "en", "next": "/admin/outbox/"},
                             headers={"HX-Request": "true"})
    assert answer.get_data(as_text=True).lstrip().startswith('<div id="outbox-list">')
    assert len([sql for sql, _ in run if 'FROM "login_session"' in sql]) == 1


def test_the_flash_of_an_htmx_post_arrives_with_its_fragment_once(client, admin):
    client.login(admin)
    answer = client.post("/logout", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and answer.get_data(as_text=True).lstrip().startswith('<form id="sign-in-again"')
    assert json.loads(answer.headers["HX-Trigger"])["showMessage"] == [
        {"level": "info", "text": "You are signed out."}]
    assert "signed out" not in client.get("/login").get_data(as_text=True), "shown once only"
    assert client.get("/admin/outbox/").status_code == 302, "and signed out it is"


def test_under_a_path_prefix_the_fragment_is_the_prefixed_address(client, admin):
    client.login(admin)
    answer = client.post("/logout", headers={"HX-Request": "true"}, base_url="http://localhost/duiqi/")
    assert answer.status_code == 200 and 'action="/duiqi/login"' in answer.get_data(as_text=True)


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true", "HX-Boosted": "true"}])
def test_a_plain_or_boosted_post_is_still_sent_on_with_303(client, admin, headers):
    """Without htmx the browser shows the page at the new address; boosted, htmx puts it in the history."""
    client.login(admin)
    answer = client.post("/language", data={"language": "en", "next": "/admin/outbox/"}, headers=headers)
    assert answer.status_code == 303 and answer.headers["Location"] == "/admin/outbox/"


@pytest.mark.parametrize("base_url, location", [("http://localhost/", "https://elsewhere.example/admin/outbox/"),
                                               ("http://localhost/", "//elsewhere.example/admin/outbox/"),
                                               ("http://localhost/duiqi/", "/admin/outbox/")])
def test_a_303_to_another_host_or_outside_the_portals_path_is_left_to_the_browser(app, base_url, location):
    with app.test_request_context("/tasks/1/move", method="POST", headers={"HX-Request": "true"},
                                  base_url=base_url):
        sent = redirect(location, 303)
        assert answered_inline(sent) is sent


def test_an_htmx_request_at_the_login_wall_gets_hx_redirect_back_to_its_page(client):
    response = client.get("/admin/outbox/", headers={"HX-Request": "true",
                                                     "HX-Current-URL": "http://localhost/admin/users/?x=1"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login?next=/admin/users/?x%3D1"


def test_a_normal_request_at_the_login_wall_is_sent_to_sign_in_and_back(client):
    response = client.get("/admin/users/?q=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/admin/users/?q%3D1"


def test_every_response_carries_the_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" in cookie, "the base URL is https, so the cookie is Secure"


def test_static_files_are_cached_for_a_year_and_pages_link_them_by_content_hash(client):
    page = client.get("/login").get_data(as_text=True)
    assert "/static/vendor/htmx-2.0.11.min.js?v=" in page
    script = client.get("/static/vendor/htmx-2.0.11.min.js")
    assert script.status_code == 200
    assert "max-age=31536000" in script.headers["Cache-Control"]
    assert script.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("language, title", [("en", "Not found"), ("zh-CN", "页面不存在")])
def test_the_404_page_is_styled_and_translated(client, member, language, title):
    client.login(member)
    response = client.get("/no/such/page", headers={"Accept-Language": language})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "<h1>%s</h1>" % title in body and 'class="topbar"' in body


@pytest.mark.parametrize("app_config", [{"TESTING": False}])
def test_a_server_error_shows_a_friendly_page_and_no_stack_trace(client, admin, app_config):
    client.login(admin)
    db.execute_sql('DROP TABLE "outbox_message"')
    response = client.get("/admin/outbox/")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "Traceback" not in body and "outbox_message" not in body


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 4096}])
def test_an_oversized_request_gets_a_clear_413_page(client, app_config):
    response = client.post("/login", data={"email": "x" * 10000, "password": "y"})
    assert response.status_code == 413
    assert "larger than the portal accepts" in response.get_data(as_text=True)


def test_a_post_without_csrf_token_is_refused(client, member):
    client.login(member)
    response = client.post("/settings", data={"language": "en", "timezone": "UTC"}, csrf=False)
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)


def _page_token(client):
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)


def test_a_session_keeps_one_form_token_and_a_new_session_gets_a_new_one_that_alone_works(client, member):
    start = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.timezone.utc)
    with time_machine.travel(start, tick=False):
        client.login(member)
        first = _page_token(client)
    with time_machine.travel(start + datetime.timedelta(hours=3), tick=False):
        assert _page_token(client) == first  # a page opened after lunch writes the same token
        settings = {"language": "en", "timezone": "UTC"}
        assert client.post("/settings", data=settings, headers={"X-CSRFToken": first}, csrf=False).status_code == 303
        client.post("/logout")
        client.login(member)
        again = _page_token(client)
        assert again != first
        refused = client.post("/settings", data=settings, headers={"X-CSRFToken": first}, csrf=False)
        assert refused.status_code == 400 and "Form expired" in refused.get_data(as_text=True)
        assert client.post("/settings", data=settings, headers={"X-CSRFToken": again}, csrf=False).status_code == 303


def test_a_url_pattern_builds_exactly_what_url_for_builds_for_each_row_of_one_or_several_values(app):
    with app.test_request_context("/"):
        for endpoint, key, values, rows in [
                ("tasks.show", "task_id", {}, [1, 42, 2147483646]),
                ("boards.move", "task_id", {"scope": "priorities", "owner": 5, "tag": "q3"}, [7, 1234]),
                ("scorecard.items", "figure", {"period": "2026-11", "department": 3}, ["cross_late", "help_given"]),
                # Another value that reads like the placeholder the pattern is cut at.
                ("tasks.check_item", "item_id", {"task_id": 2147483647}, [7, 2147483647])]:
            pattern = url_pattern(endpoint, key, **values)
            assert [pattern(row) for row in rows] == [url_for(endpoint, **{key: row}, **values) for row in rows]
        keys = ("confirm", "step_id", "request_id")  # not in the order the URL holds them
        pattern = url_pattern("requests.decision", keys)
        for row in [("approve", 12, 3), ("add", 2147483647, 2147483646)]:
            assert pattern(*row) == url_for("requests.decision", **dict(zip(keys, row, strict=True)))
        # The API's links: absolute, from PORTAL_BASE_URL.
        pattern = url_pattern("meetings.show", "meeting_id", build=absolute_url)
        assert [pattern(row) for row in (3, 2147483646)] == [
            absolute_url("meetings.show", meeting_id=row) for row in (3, 2147483646)]
