"""Every key page of the benchmark (bench/pages.py) runs as many SQL queries for the large demo
company (a tenth of it: its shape, not its weight) as for the small one: no page's query count
grows with the rows it shows (no N+1)."""
import pytest

from bench.pages import KEY_PAGES
from portal import mail
from portal.accounts.models import User
from portal.db import db
from demo import DEMO_PASSWORD
from tests.conftest import statements


@pytest.fixture
def app_config():
    # What each page itself asks: kept, a page read again asks only who reads and whether anything
    # changed (tests/test_pagecache.py).
    return {"PAGE_CACHE_BYTES": 0}


def _queries_per_page(app):
    clients, counts = {}, {}
    for page in KEY_PAGES:
        if page.user not in clients:
            clients[page.user] = app.test_client()
            clients[page.user].login(User.by_email(page.user), DEMO_PASSWORD)
        client = clients[page.user]
        _visit(client, *_resolve(app, page))  # Warm: what a first visit sets up is not the page's cost.
        request = _resolve(app, page)  # Again: a card move names the version it read.
        with statements() as queries:
            response = _visit(client, *request)
        assert response.status_code in (200, 303), (page.name, response.status_code)
        counts[page.name] = len(queries)
    return counts


def _resolve(app, page):
    with app.test_request_context():
        return (*page.resolve(), page.request_headers())


def _visit(client, method, path, form, headers):
    return client.open(path, method=method, data=form, headers=headers)


def _mail_some(count):
    with db.atomic():
        for user in User.select().limit(count):
            mail.queue("set_password", user, link="https://portal.example.test/x", user=user, invited_by=None)


@pytest.mark.demo_company
def test_the_queries_per_key_page_stay_the_same_as_the_company_grows(app, runner):
    _mail_some(2)
    small = _queries_per_page(app)
    assert runner.invoke(args=["demo", "--size", "large", "--scale", "0.1"]).exit_code == 0
    _mail_some(60)
    assert User.select().count() == 300
    large = _queries_per_page(app)
    assert large == small
    assert set(small) == {page.name for page in KEY_PAGES}
