"""A small company for the finder: two departments, a restricted project, a meeting series."""
import datetime
from types import SimpleNamespace

import pytest

from portal.meetings.models import MeetingSeries
from portal.projects.models import Project

START = datetime.date(2026, 1, 5)


@pytest.fixture
def company(make_department, make_user):
    sales, finance = make_department("销售部", "Sales"), make_department("财务部", "Finance")
    people = SimpleNamespace(
        sales=sales, finance=finance,
        coordinator=make_user(department=sales, role="coordinator", name="Cora"),
        seller=make_user(department=sales, name="陈晨"),
        accountant=make_user(department=finance, name="王芳"),
        admin=make_user(department=finance, role="admin", name="Ada"),
    )
    people.secret = Project.start(people.coordinator, name="2027 定价", goal="价格合同草案",
                                  coordinator=people.coordinator, departments=[sales], start_date=START,
                                  end_date=START + datetime.timedelta(days=90), status="active",
                                  visibility="participants")
    people.open = Project.start(people.coordinator, name="X200 上市", goal="经销商合同", coordinator=people.coordinator,
                                departments=[sales, finance], start_date=START,
                                end_date=START + datetime.timedelta(days=90), status="active")
    people.series, people.meeting = MeetingSeries.plan(
        people.coordinator, departments=[sales], people=[], day=START, start_time=datetime.time(10),
        timezone="Asia/Shanghai", recurring=True, title="销售周会", duration_minutes=60, coordinator=people.coordinator,
        location="", video_link="", reminder_minutes=60, now=datetime.datetime(2026, 1, 1))
    return people
