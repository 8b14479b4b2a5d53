"""Fixtures of the API's tests: a small company with a project of each visibility, tokens per
person, and a client that speaks to the API as a script does (a bearer token, no cookie)."""
import datetime
import json
from types import SimpleNamespace

import pytest

from portal.accounts.tokens import AccessToken
from portal.projects.models import Milestone, Project, Target
from portal.requests.types import RequestType
from tests.requests.conftest import step


@pytest.fixture
def company(make_department, make_user):
    sales, rnd, finance = (make_department("销售部", "Sales"), make_department("研发部", "R&D"),
                           make_department("财务部", "Finance"))
    office = make_department("行政部", "Administration")
    people = SimpleNamespace(
        sales=sales, rnd=rnd, finance=finance, office=office,
        sales_head=make_user(sales, head_of=True, name="Li Na"),
        seller=make_user(sales, name="Chen Chen"),
        rnd_head=make_user(rnd, head_of=True, name="Zhang Wei"),
        engineer=make_user(rnd, name="Zhou Jie"),
        finance_head=make_user(finance, head_of=True, name="Wang Fang"),
        coordinator=make_user(office, role="coordinator", name="Zheng Coordinator"),
        admin=make_user(office, role="admin", name="Ada Admin"),
    )
    people.launch = Project.start(
        people.coordinator, name="X200 launch", goal="Ship it", coordinator=people.coordinator,
        departments=[sales, rnd], start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31),
        status="active", visibility="company")
    people.pricing = Project.start(
        people.coordinator, name="2027 pricing", goal="Secret prices", coordinator=people.coordinator,
        departments=[sales, finance], start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31),
        status="active", visibility="participants")
    people.orders = Target.define(
        people.coordinator, people.launch, title="Orders", unit="units", baseline="0", target_value="1000",
        direction="raise", start_date=datetime.date(2026, 1, 1), due_date=datetime.date(2026, 12, 31),
        department=sales, owner=people.seller, weight=1)
    people.margin = Target.define(
        people.coordinator, people.pricing, title="Margin", unit="%", baseline="20", target_value="30",
        direction="raise", start_date=datetime.date(2026, 1, 1), due_date=datetime.date(2026, 12, 31),
        department=sales, owner=people.seller, weight=1)
    people.beta = Milestone.plan(people.coordinator, people.launch, "Beta", datetime.date(2026, 6, 30))
    people.price_list = Milestone.plan(people.coordinator, people.pricing, "Price list", datetime.date(2026, 9, 1))
    return people


@pytest.fixture
def budget_type(company):
    """A budget request: the requester's head approves, then the finance head."""
    by = company.admin
    request_type = RequestType.add(by, name="预算申请", name_en="Budget", description="", provider=company.finance,
                                   allocation_step=False, allocation_hours=None)
    request_type.add_field(by, label="金额", label_en="Amount", kind="money", required=True, currency="CNY",
                           measure="money")
    request_type.add_step(by, **step(name="部门负责人审批", approvers=[{"kind": "requester_head"}],
                                     time_limit_hours=24))
    request_type.add_step(by, **step(name="财务审批", approvers=[{"kind": "people", "ids": [company.finance_head.id]}]))
    request_type.publish(by)
    return RequestType.get_by_id(request_type.id)


@pytest.fixture
def token_for(app):
    """token_for(user, write=False) -> the secret of a new token of `user`."""
    def make(user, write=False, days=None, name="script"):
        return AccessToken.issue(None, user, name, can_write=write, days=days)[1]
    return make


class Script:
    """Speaks to the API as a script does: a bearer token, JSON, no cookie and no CSRF token."""

    def __init__(self, app, secret):
        self.client = app.test_client()
        self.secret = secret

    def __call__(self, method, path, json_body=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if self.secret is not None:
            headers.setdefault("Authorization", "Bearer %s" % self.secret)
        if json_body is not None:
            kwargs["data"] = json.dumps(json_body)
            headers.setdefault("Content-Type", "application/json")
        return self.client.open("/api/v1" + path, method=method, headers=headers, csrf=False, **kwargs)

    def get(self, path, **kwargs):
        return self("GET", path, **kwargs)

    def post(self, path, json_body=None, **kwargs):
        return self("POST", path, json_body, **kwargs)

    def patch(self, path, json_body=None, **kwargs):
        return self("PATCH", path, json_body, **kwargs)


@pytest.fixture
def script(app, token_for):
    """script(user, write=False) -> a Script with a new token of `user`."""
    def make(user=None, write=False, secret=None):
        return Script(app, secret if secret is not None or user is None else token_for(user, write))
    return make


@pytest.fixture
def make_task_for(app):
    from portal.tasks.models import Task

    def make(owner, by=None, **kw):
        kw.setdefault("title", "Quote for ACME")
        return Task.open(by or owner, owner=owner, **kw)
    return make
