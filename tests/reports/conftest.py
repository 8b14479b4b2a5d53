"""Factories of the reports tests: Sales hands in weekly reports (due Friday 18:00), Finance is asked
for help; a coordinator and an admin read everything."""
import datetime
from types import SimpleNamespace

import pytest

from portal.reports.plans import ReportPlan

# Monday of a plain working week (no holiday in it) and the Friday of that week.
MONDAY = datetime.date(2026, 5, 11)
FRIDAY = datetime.date(2026, 5, 15)


@pytest.fixture
def company(make_department, make_user):
    sales, finance = make_department("销售部", "Sales"), make_department("财务部", "Finance")
    people = SimpleNamespace(sales=sales, finance=finance)
    people.head = make_user(department=sales, head_of=True, name="Li Na")
    people.seller = make_user(department=sales, name="Chen Chen")
    people.other_seller = make_user(department=sales, name="Wang Fang")
    people.finance_head = make_user(department=finance, head_of=True, name="Zhao Lei")
    people.accountant = make_user(department=finance, name="Qian Qi")
    people.coordinator = make_user(department=False, role="coordinator", name="Cora Coordinator")
    people.admin = make_user(department=False, role="admin", name="Ada Admin")
    return people


@pytest.fixture
def plan(company):
    return ReportPlan.configure(company.admin, company.sales, active=True, cadence="weekly", due_weekday=4,
                                due_time=datetime.time(18, 0), sections=[])


@pytest.fixture
def make_request_type(company):
    """A request type provided by Finance: one step its head decides."""
    from portal.requests.types import RequestType
    from tests.requests.conftest import step

    def make():
        request_type = RequestType.add(company.admin, name="报销", name_en="Expense", description="",
                                       provider=company.finance, allocation_step=False, allocation_hours=None)
        request_type.add_field(company.admin, label="人天", label_en="People-days", kind="number", required=True,
                               min_value=1, max_value=200, measure="people_days")
        request_type.add_step(company.admin, **step(name="财务审批", approvers=[{"kind": "provider_head"}]))
        request_type.publish(company.admin)
        return RequestType.get_by_id(request_type.id)
    return make


@pytest.fixture
def file_request(make_request_type, company):
    from portal.requests.models import ResourceRequest
    made = []

    def file(requester, title="Travel costs"):
        made[:] = made or [make_request_type()]
        version = made[0].latest_version()
        key = version.fields[0].key
        return ResourceRequest.file(requester, version, title, {key: "2"})
    return file


def signed_in(client, user):
    """A fresh client signed in as `user`."""
    fresh = client.application.test_client()
    fresh.login(user)
    return fresh
