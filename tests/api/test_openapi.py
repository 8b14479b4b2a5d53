"""The OpenAPI 3.1 document: valid, complete, and true: every operation's real answers (successes
and problems) match what it documents, checked by schemathesis against the running app, first
with real data, then with requests it generates itself."""
import datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from portal.meetings.models import MeetingSeries
from portal.notifications.models import notify
from portal.requests.models import ResourceRequest


@pytest.fixture
def app_config():
    return {"API_RATE_PER_MINUTE": 100000}


def test_the_document_is_valid_openapi_3_1_and_names_every_route_of_the_api(app, client):
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    document = answer.json
    validate(document)
    assert document["openapi"] == "3.1.0" and document["servers"] == [
        {"url": "https://portal.example.test/api/v1"}]
    routes = {(rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace(">", "}"), method.lower())
              for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert documented == routes
    problem = document["paths"]["/tasks/{task_id}"]["patch"]["responses"]["409"]["content"]
    assert list(problem) == ["application/problem+json"]


@pytest.fixture
def world(company, budget_type, make_task_for):
    """One of everything the operations name, visible to the seller."""
    version = budget_type.latest_version()
    filed = ResourceRequest.file(company.seller, version, "Trade fair", {version.fields[0].key: "25000.00"})
    _, meeting = MeetingSeries.plan(
        company.coordinator, departments=[company.sales], people=[], title="Sales weekly",
        day=datetime.date.today() + datetime.timedelta(days=3), start_time=datetime.time(9, 30),
        timezone="Asia/Shanghai", recurring=True, coordinator=company.coordinator, duration_minutes=45,
        location="Room 1", video_link="", reminder_minutes=60)
    return {"task_id": make_task_for(company.seller).id, "project_id": company.launch.id,
            "target_id": company.orders.id, "request_id": filed.id, "meeting_id": meeting.id,
            "notification_id": notify(company.seller, "mention", link="/", actor="Li Na", place="x").id,
            "step_id": filed.active_step().id}


# For each operation, a request that succeeds with the world's objects ({} where nothing is needed).
SUCCESSES = {
    ("POST", "/tasks"): lambda w, c: {"body": {"title": "Quote", "owner_id": c.engineer.id}},
    ("PATCH", "/tasks/{task_id}"): lambda w, c: {"body": {"version": 1, "status": "doing"}},
    ("POST", "/targets/{target_id}/check-ins"): lambda w, c: {"body": {"value": 12.5}},
    ("POST", "/requests/{request_id}/approve"): lambda w, c: {"body": {"step_id": w["step_id"]}},
}


def test_every_operation_answers_as_documented_with_real_data(app, company, world, token_for):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    seller = {"Authorization": "Bearer " + token_for(company.seller, write=True)}
    sales_head = {"Authorization": "Bearer " + token_for(company.sales_head, write=True)}
    checked = set()
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        parameters = {name: world[name] for name in world if "{%s}" % name in operation.path}
        extra = SUCCESSES.get(key, lambda w, c: {})(world, company)
        headers = sales_head if "approve" in operation.path else seller
        # The request that works, then the same without a token, and an unknown object.
        operation.Case(path_parameters=parameters, **extra).call_and_validate(headers=headers)
        operation.Case(path_parameters=parameters, **extra).call_and_validate()
        if parameters:
            missing = {name: 2 ** 31 - 1 for name in parameters}
            operation.Case(path_parameters=missing, **extra).call_and_validate(headers=headers)
        checked.add(key)
    assert len(checked) == 20


def _generated_check(operation, headers):
    """A bounded hypothesis run over one operation: a few examples, the same ones every run."""
    # A body names people, projects and steps by id: no schema can say which ids exist, so a
    # well-formed body may rightly be refused (422); every other check holds for it too.
    excluded = [positive_data_acceptance] if operation.method.upper() in ("POST", "PATCH") else []

    @settings(max_examples=12, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case):
        case.call_and_validate(headers=headers, excluded_checks=excluded)
    return check


def test_generated_requests_get_only_documented_answers(app, company, world, token_for):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": "Bearer " + token_for(company.seller, write=True)}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        _generated_check(operation, headers)()
    assert len(operations) == 20
