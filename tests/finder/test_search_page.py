"""The search page over HTTP, on the demo company: found as typed, only what the reader may see,
hostile questions answered plainly, the fragment as people type and the whole page otherwise."""
import re

import pytest

from demo import DEMO_PASSWORD
from portal.accounts.models import User


@pytest.fixture
def migrated_database(demo_database):
    return demo_database


@pytest.fixture
def demo_company(app):
    return app


def signed_in(app, email):
    client = app.test_client()
    client.login(User.by_email(email), DEMO_PASSWORD)
    return client


def titles(response):
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'class="search-title" href="[^"]*">(.*?)</a>',
                                                          response.get_data(as_text=True))]


def test_a_word_typed_in_the_header_finds_tasks_projects_and_people_on_the_results_page(app, demo_company):
    client = signed_in(app, "sales.staff@example.com")
    page = client.get("/search?q=X200")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert '<section id="search-results"' in body and "<h1>" in body
    assert any("X200" in title for title in titles(page))
    assert "<mark>X200</mark>" in body


def test_as_people_type_htmx_gets_only_the_results(app, demo_company):
    client = signed_in(app, "sales.staff@example.com")
    fragment = client.get("/search?q=X200", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert body.lstrip().startswith('{# ') is False and body.lstrip().startswith("<section id=\"search-results\"")
    assert "<h1>" not in body
    assert fragment.headers["Vary"] == "HX-Request" or "HX-Request" in fragment.headers["Vary"]


HOSTILE = ["%", '"', "*", "NEAR(", "x" * 10_000, "", "   ", "'; DROP TABLE task; --", "\u0000", "合同" * 60, "a" * 11]


def test_hostile_questions_get_a_page_with_a_plain_answer_never_an_error(app, demo_company):
    client = signed_in(app, "sales.staff@example.com")
    for q in HOSTILE:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get("/search", query_string={"q": q}, headers=headers)
            assert response.status_code == 200, q[:20]
            assert 'id="search-results"' in response.get_data(as_text=True)


def test_a_question_too_long_says_how_long_a_question_may_be(app, demo_company):
    client = signed_in(app, "sales.staff@example.com")
    body = client.get("/search", query_string={"q": "x" * 10_000}).get_data(as_text=True)
    assert "at most 100 characters" in body


def test_filters_that_make_no_sense_say_so(app, demo_company):
    client = signed_in(app, "sales.staff@example.com")
    body = client.get("/search?q=X200&since=yesterday&kind=secrets&project=99999").get_data(as_text=True)
    assert "YYYY-MM-DD" in body
    assert 'class="search-title"' not in body


def test_the_page_speaks_chinese_to_a_chinese_reader(app, demo_company):
    client = signed_in(app, "sales.staff@example.com")
    body = client.get("/search?q=X200", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "搜索" in body

