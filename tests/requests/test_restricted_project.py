"""A request filed for a restricted project: the providing department handles it without
learning the project's name, and the task it gets stays in that project when its owner edits it."""
import datetime

import pytest

from portal.projects.models import Project
from portal.requests.models import ResourceRequest
from portal.requests.types import RequestType
from portal.tasks.models import Task
from tests.requests.conftest import login, values


@pytest.fixture
def pricing(company):
    """A participants-only project of Sales, unknown to R&D (the providing department)."""
    return Project.start(None, name="Pricing 2027", goal="", coordinator=company.sales_head,
                         departments=[company.sales], start_date=datetime.date(2026, 1, 1),
                         end_date=datetime.date(2026, 12, 31), status="active", visibility="participants")


@pytest.fixture
def filed_for_pricing(make_type, company, pricing):
    request_type = make_type()
    RequestType.update(creates_tasks=True).where(RequestType.id == request_type.id).execute()
    request_type = RequestType.get_by_id(request_type.id)
    request_type.publish(company.admin)
    version = request_type.latest_version()
    return ResourceRequest.file(company.seller, version, "Two developers for a quote",
                                values(version, people_days="3"), project=pricing)


def test_the_providing_department_reads_a_restricted_project_not_its_name(client, company, filed_for_pricing):
    login(client, company.developer)
    for headers in ({}, {"HX-Request": "true"}):
        page = client.get("/requests/%d" % filed_for_pricing.id, headers=headers).get_data(as_text=True)
        assert "Two developers for a quote" in page
        assert "Pricing 2027" not in page and "/projects/%d" % filed_for_pricing.project_id not in page
    assert "A restricted project" in client.get("/requests/%d" % filed_for_pricing.id).get_data(as_text=True)
    login(client, company.sales_head)
    assert "Pricing 2027" in client.get("/requests/%d" % filed_for_pricing.id).get_data(as_text=True)


def test_the_restricted_project_reads_in_chinese_for_a_chinese_reader(client, company, filed_for_pricing):
    company.developer.update_preferences("zh_CN", company.developer.timezone)
    login(client, company.developer)
    assert "受限项目" in client.get("/requests/%d" % filed_for_pricing.id).get_data(as_text=True)


def test_the_providers_task_for_a_restricted_project_stays_there_when_its_owner_edits_it(
        client, company, filed_for_pricing, pricing):
    for approver in (company.sales_head, company.rnd_head):
        filed_for_pricing.decide(approver, filed_for_pricing.active_step().id, "approve")
    task = ResourceRequest.get_by_id(filed_for_pricing.id).task
    assert task.project_id == pricing.id and task.owner_id == company.rnd_head.id
    login(client, company.rnd_head)
    page = client.get("/tasks/%d/edit" % task.id).get_data(as_text=True)
    assert "Pricing 2027" not in page
    response = client.post("/tasks/%d" % task.id, data={
        "title": "Two developers for a quote (Zhou, Wu)", "owner": company.rnd_head.id,
        "requesting_department": company.sales.id, "priority": "P2", "status": "doing", "version": task.version})
    assert response.status_code == 303
    saved = Task.get_by_id(task.id)
    assert (saved.status, saved.project_id) == ("doing", pricing.id)
