"""Hostile input in every field of the project forms: an answer, never a 5xx, escaped when shown."""
import pytest

from portal.audit import AuditEntry
from portal.projects.feed import ProjectUpdate
from portal.projects.models import CheckIn, Milestone, Project, Target
from tests.security.test_hostile_input import PAYLOADS

FORMS = {
    "project": ("/projects/", ["name", "goal", "coordinator", "departments", "start_date", "status", "visibility"]),
    "target": ("/projects/{project}/targets/", ["title", "unit", "direction", "baseline", "target_value",
                                                 "due_date", "department", "owner", "weight"]),
    "check-in": ("/targets/{target}/check-ins", ["value", "note"]),
    "milestone": ("/projects/{project}/milestones", ["title", "due_date"]),
    "close": ("/projects/milestones/{milestone}/close", ["review_note"]),
    "update": ("/projects/{project}/updates", ["body"]),
}
CASES = [(form, field, payload) for form, (_, fields) in FORMS.items() for field in fields
         for payload in ("script", "nul", "huge", "empty")]


def valid_data(company, project, target):
    return {
        "project": {"name": "P", "goal": "", "coordinator": str(company.coordinator.id),
                    "departments": [str(company.sales.id)], "start_date": "2026-01-01", "end_date": "2026-02-01",
                    "status": "active", "visibility": "company"},
        "target": {"title": "T", "unit": "", "direction": "raise", "baseline": "1", "target_value": "2",
                   "start_date": "2026-01-01", "due_date": "2026-02-01", "department": str(company.sales.id),
                   "owner": str(company.sales_member.id), "weight": "1"},
        "check-in": {"value": "150", "note": ""},
        "milestone": {"title": "M", "due_date": "2026-02-01"},
        "close": {"review_note": "Fine"},
        "update": {"body": "Hello"},
    }


def _counts():
    return [m.select().count() for m in (Project, Target, CheckIn, Milestone, ProjectUpdate, AuditEntry)]


@pytest.mark.parametrize("form, field, payload", CASES, ids=["-".join(c) for c in CASES])
def test_hostile_input_gets_an_answer_never_a_server_error(client, company, make_project, make_target, form, field,
                                                           payload):
    project = make_project()
    target = make_target(project)
    milestone = Milestone.plan(None, project, "Pilot", project.end_date)
    # The owner of the target is a member of Sales, the coordinator edits: one user may do all of it.
    target.update_details(None, **{**{k: getattr(target, k) for k in (
        "title", "unit", "baseline", "target_value", "direction", "start_date", "due_date", "department",
        "weight")}, "owner": company.sales_head})
    project.update_details(None, departments=[company.sales, company.rnd], name=project.name, goal="",
                           coordinator=company.sales_head, start_date=project.start_date,
                           end_date=project.end_date, status="active", visibility="company")
    client.login(company.sales_head)
    path, _ = FORMS[form]
    data = dict(valid_data(company, project, target)[form], **{field: PAYLOADS[payload]})
    before = _counts()
    response = client.post(path.format(project=project.id, target=target.id, milestone=milestone.id), data=data)
    assert response.status_code < 500
    body = response.get_data(as_text=True)
    assert "<script>alert('x')</script>" not in body and "<img src=x onerror" not in body
    if response.status_code != 303:
        assert _counts() == before, "refused, and nothing stored"
        if payload in ("nul", "huge"):
            assert 'class="error"' in body or "message-error" in body, "the refusal says why"
