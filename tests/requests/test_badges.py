"""The counts of the page header (unread notifications, decisions waiting, overdue tasks) and the
kept page chrome that shows them."""
import datetime
import re

import time_machine

from portal.accounts.models import User
from portal.home.badges import Badges, counts_of
from portal.notifications.models import Notification, notify
from portal.requests.models import StepApprover
from portal.tasks.models import Task
from tests.requests.conftest import login

# Just past midnight in Shanghai, still the afternoon before in Berlin.
NOW = datetime.datetime(2026, 5, 5, 16, 30, tzinfo=datetime.UTC)


def _overdue(user):
    return Task.waiting_on(user, datetime.date(2026, 5, 5) if user.timezone == "Asia/Shanghai"
                           else datetime.date(2026, 5, 4)).count()


def test_the_header_counts_each_persons_own_rows_in_one_statement_by_their_own_date(
        file_request, company, count_queries):
    head, developer = company.sales_head, company.developer
    User.update(timezone="Europe/Berlin").where(User.id == developer.id).execute()
    developer = User.get_by_id(developer.id)
    with time_machine.travel(NOW, tick=False):
        file_request(title="First")
        file_request(title="Second")
        for place in ("a", "b", "c"):
            notify(head, "mention", actor="A", place=place)
        read = notify(head, "mention", actor="A", place="d")
        Notification.mark_read(head, read.id)
        notify(developer, "mention", actor="A", place="e")
        for owner in (head, developer):
            Task.open(owner, "due the day before", owner, due_date=datetime.date(2026, 5, 4))
            Task.open(owner, "due yesterday in Shanghai", owner, due_date=datetime.date(2026, 5, 5))
            Task.open(owner, "due today in Shanghai", owner, due_date=datetime.date(2026, 5, 6))
            Task.open(owner, "done late", owner, due_date=datetime.date(2026, 5, 1), status="done")
        assert counts_of(head) == Badges(unread=5, approvals=2, overdue=2)  # two of them say a request waits
        assert counts_of(developer) == Badges(unread=1, approvals=0, overdue=1)
        for user in (head, developer):
            assert counts_of(user) == (Notification.unread_count(user), StepApprover.waiting(user).count(),
                                       _overdue(user))
        assert count_queries(lambda: counts_of(head)) == 1


def _nav(page):
    return re.search(r'<nav id="nav".*?</nav>', page, re.S).group(0)


def _current(nav):
    return re.findall(r'aria-current="page">([^<]+)', nav)


def test_the_header_shows_the_viewers_counts_again_right_after_their_own_change(client, file_request, company):
    first = file_request(title="First")
    file_request(title="Second")
    notify(company.sales_head, "mention", actor="A", place="x")
    login(client, company.sales_head)
    page = client.get("/requests/approvals").get_data(as_text=True)
    assert 'My approvals <span class="nav-count">2</span>' in _nav(page) and "3 unread notifications" in page
    assert client.post("/requests/%d/steps/%d/approve" % (first.id, first.active_step().id)).status_code == 303
    client.post("/notifications/read-all")
    page = client.get("/requests/approvals").get_data(as_text=True)
    assert 'My approvals <span class="nav-count">1</span>' in _nav(page) and "0 unread notifications" in page
    assert '<span class="count" aria-label="1 waiting">1</span>' in page


def test_the_kept_chrome_marks_each_pages_own_section_in_the_viewers_language(client, company):
    login(client, company.seller)
    assert _current(_nav(client.get("/boards/priorities").get_data(as_text=True))) == ["Priorities"]
    assert _current(_nav(client.get("/boards/mine").get_data(as_text=True))) == ["Tasks"]
    assert _current(_nav(client.get("/requests/approvals").get_data(as_text=True))) == ["My approvals"]
    User.update(language="zh_CN").where(User.id == company.seller.id).execute()
    page = client.get("/boards/priorities").get_data(as_text=True)
    assert _current(_nav(page)) == ["优先级"] and 'data-draft-discard="' in page and "Discard it" not in page
