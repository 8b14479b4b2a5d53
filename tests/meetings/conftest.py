"""Factories of the meetings tests: a coordinator, departments with people, a planned series."""
import datetime

import pytest

from portal.db import utcnow
from portal.meetings.models import MeetingSeries


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator", name="Cora Coordinator")


@pytest.fixture
def sales(make_department):
    return make_department("销售部", "Sales")


@pytest.fixture
def attendee(make_user, sales):
    return make_user(department=sales, name="Li Na", language="zh_CN")


@pytest.fixture
def colleague(make_user, sales):
    return make_user(department=sales, name="Chen Chen", language="en")


@pytest.fixture
def outsider(make_user):
    return make_user(name="Otto Outsider")


@pytest.fixture
def plan_series(coordinator):
    """Plan a series (weekly unless told otherwise) a week from now; return (series, first meeting)."""
    def plan(departments=(), people=(), day=None, start=datetime.time(10, 0), timezone="Asia/Shanghai",
             recurring=True, now=None, **details):
        details.setdefault("title", "Weekly alignment")
        details.setdefault("coordinator", coordinator)
        details.setdefault("duration_minutes", 60)
        details.setdefault("location", "Room 3")
        details.setdefault("video_link", "")
        details.setdefault("reminder_minutes", 60)
        day = day or (now or utcnow()).date() + datetime.timedelta(days=7)
        return MeetingSeries.plan(details["coordinator"], departments=list(departments), people=list(people),
                                  day=day, start_time=start, timezone=timezone, recurring=recurring, now=now,
                                  **details)
    return plan


@pytest.fixture
def weekly(plan_series, sales):
    """The sales department's weekly meeting: (series, first meeting)."""
    return plan_series(departments=[sales])
