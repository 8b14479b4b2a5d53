"""The type builder over HTTP: only admins; each section a fragment for htmx and a page without."""
import json

import pytest

from portal.requests.types import FlowStep, RequestType, TypeField
from tests.requests.conftest import login

HX = {"HX-Request": "true"}


@pytest.fixture
def admin_client(client, company):
    return login(client, company.admin)


def test_an_admin_builds_a_type_with_fields_and_a_conditional_step_and_publishes_it(admin_client, company):
    response = admin_client.post("/admin/request-types/", data={
        "name": "预算申请", "name_en": "Budget", "description": "", "provider": company.finance.id, "active": "y"})
    request_type = RequestType.get(RequestType.name == "预算申请")
    base = "/admin/request-types/%d" % request_type.id
    assert response.headers["Location"] == base

    response = admin_client.post(base + "/fields", headers=HX, data={
        "kind": "money", "label": "金额", "label_en": "Amount", "required": "y", "currency": "CNY",
        "min_value": "1", "max_value": "", "measure": "y"})
    fragment = response.get_data(as_text=True)  # the section, in the POST's own answer
    assert response.status_code == 200 and "Location" not in response.headers
    assert fragment.lstrip().startswith('<section id="type-fields"')
    assert "金额" in fragment and 'hx-swap-oob="true"' in fragment and "not published yet" in fragment
    admin_client.post(base + "/fields", headers=HX, follow_redirects=True,
                      data={"kind": "text", "label": "用途", "required": "y"})
    amount = TypeField.get(TypeField.label == "金额")
    assert (amount.currency, amount.measure, amount.min_value) == ("CNY", "money", 1)

    admin_client.post(base + "/steps", headers=HX, follow_redirects=True, data={
        "name": "部门负责人审批", "kinds": ["requester_head"], "mode": "any", "condition_field": "0",
        "condition_op": ">", "time_limit_hours": "24", "on_timeout": "escalate"})
    fragment = admin_client.post(base + "/steps", headers=HX, follow_redirects=True, data={
        "name": "财务审批", "kinds": ["provider_head"], "people": [str(company.admin.id)], "mode": "all",
        "condition_field": str(amount.id), "condition_op": ">", "condition_value": "10,000",
        "copied": [str(company.sales_head.id)], "on_timeout": "remind"}).get_data(as_text=True)
    assert "金额 is more than 10000" in fragment and "Li Na" in fragment
    finance = FlowStep.get(FlowStep.name == "财务审批")
    assert json.loads(finance.approvers) == [{"kind": "provider_head"}, {"kind": "people", "ids": [company.admin.id]}]

    response = admin_client.post(base + "/publish")
    assert response.status_code == 303
    version = RequestType.get_by_id(request_type.id).latest_version()
    assert [s["name"] for s in version.steps] == ["部门负责人审批", "财务审批"]
    assert "Version 1 is published." in admin_client.get(base).get_data(as_text=True)


def test_each_section_answers_htmx_with_its_fragment_and_others_with_the_page(admin_client, make_type):
    request_type = make_type()
    field, flow_step = request_type.ordered_fields().first(), request_type.ordered_steps().first()
    base = "/admin/request-types/%d" % request_type.id
    sections = {"/fields": "type-fields", "/fields/new": "type-fields", "/fields/new?kind=choice": "type-fields",
                "/fields/%d/edit" % field.id: "type-fields", "/steps": "type-steps", "/steps/new": "type-steps",
                "/steps/%d/edit" % flow_step.id: "type-steps"}
    for path, root in sections.items():
        fragment = admin_client.get(base + path, headers=HX).get_data(as_text=True)
        assert fragment.lstrip().startswith('<section id="%s"' % root), path
        page = admin_client.get(base + path).get_data(as_text=True)
        assert "<html" in page and 'id="%s"' % root in page and 'id="type-details"' in page, path
    assert "Choices, one per line" in admin_client.get(base + "/fields/new?kind=choice", headers=HX).get_data(
        as_text=True)
    assert "What kind of field?" in admin_client.get(base + "/fields/new", headers=HX).get_data(as_text=True)


def test_without_htmx_a_change_redirects_back_to_its_section(admin_client, make_type):
    request_type = make_type()
    field = request_type.ordered_fields().first()
    response = admin_client.post("/admin/request-types/%d/fields/%d/move" % (request_type.id, field.id),
                                 data={"direction": "down"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/request-types/%d#type-fields" % request_type.id
    assert TypeField.get_by_id(field.id).position == 2


def test_moving_keeps_keyboard_focus_on_the_moved_items_button(admin_client, make_type):
    request_type = make_type()
    steps = list(request_type.ordered_steps())
    fragment = admin_client.post("/admin/request-types/%d/steps/%d/move" % (request_type.id, steps[1].id),
                                 headers=HX, data={"direction": "up"}, follow_redirects=True).get_data(as_text=True)
    assert fragment.count("data-focus") == 1
    # It moved to the top, where there is no "up" any more: focus lands on its "down".
    assert 'aria-label="Move “财务审批” down" title="Move “财务审批” down" data-focus' in fragment


def test_bad_field_and_step_input_keeps_the_form_open_with_a_clear_message(admin_client, make_type):
    request_type = make_type(publish=False)
    base = "/admin/request-types/%d" % request_type.id
    fragment = admin_client.post(base + "/fields", headers=HX, data={
        "kind": "number", "label": "数量", "min_value": "5", "max_value": "1.234"}).get_data(as_text=True)
    assert "Use at most two decimal places." in fragment and 'value="数量"' in fragment
    fragment = admin_client.post(base + "/steps", headers=HX, data={
        "name": "无人审批", "mode": "any", "condition_field": "0", "on_timeout": "remind"}).get_data(as_text=True)
    assert "Choose at least one approver for this step." in fragment and 'value="无人审批"' in fragment
    assert FlowStep.select().where(FlowStep.name == "无人审批").count() == 0
    assert admin_client.post(base + "/fields", data={"kind": "spaceship", "label": "x"}).status_code == 400


def test_a_condition_on_an_optional_field_is_flagged_and_the_admin_says_what_empty_means(
        admin_client, make_type, company, file_request):
    request_type = make_type(publish=False)
    base = "/admin/request-types/%d" % request_type.id
    finance = FlowStep.get(FlowStep.name == "财务审批")
    form = admin_client.get(base + "/steps/%d/edit" % finance.id, headers=HX).get_data(as_text=True)
    assert "预算 (may be left empty)" in form and "When the field is left empty" in form
    steps = admin_client.get(base + "/steps", headers=HX).get_data(as_text=True)
    assert "“预算” may be left empty; then the condition does not hold: the step is skipped." in steps
    settings = {"name": "财务审批", "people": [str(company.finance_head.id)], "mode": "any",
                "condition_field": str(finance.condition_field_id), "condition_op": ">", "condition_value": "10000",
                "condition_if_empty": "holds", "on_timeout": "remind"}
    steps = admin_client.post(base + "/steps/%d" % finance.id, headers=HX, data=settings,
                              follow_redirects=True).get_data(as_text=True)
    assert "then the condition holds: the step applies." in steps
    refused = admin_client.post(base + "/steps/%d" % finance.id, headers=HX,
                                data=dict(settings, condition_if_empty="maybe")).get_data(as_text=True)
    assert "Not a valid choice" in refused
    RequestType.get_by_id(request_type.id).publish(company.admin)
    request = file_request(RequestType.get_by_id(request_type.id), budget=None)
    assert [s.state for s in request.round_steps()] == ["active", "waiting", "waiting"], "empty: finance decides"
    assert file_request(RequestType.get_by_id(request_type.id), budget="500").round_steps()[1].state == "skipped"


def test_a_field_a_condition_uses_is_not_removed_and_the_section_says_why(admin_client, make_type):
    request_type = make_type()
    budget = TypeField.get(TypeField.label == "预算")
    fragment = admin_client.post("/admin/request-types/%d/fields/%d/remove" % (request_type.id, budget.id),
                                 headers=HX).get_data(as_text=True)
    assert "The step “财务审批” has a condition on this field." in fragment
    assert TypeField.get_or_none(TypeField.id == budget.id) is not None


def test_publishing_an_empty_flow_shows_why_on_the_page(admin_client, company):
    request_type = RequestType.add(company.admin, name="空", provider=company.rnd)
    response = admin_client.post("/admin/request-types/%d/publish" % request_type.id)
    assert response.status_code == 200
    assert "Add at least one approval step before publishing." in response.get_data(as_text=True)


def test_members_and_heads_may_not_open_the_builder(client, make_type, company):
    request_type = make_type()
    field = request_type.ordered_fields().first()
    for user in (company.seller, company.rnd_head):
        login(client, user)
        assert client.get("/admin/request-types/").status_code == 403
        assert client.get("/admin/request-types/%d" % request_type.id).status_code == 403
        assert client.post("/admin/request-types/%d/fields/%d/remove" % (request_type.id, field.id)).status_code == 403
    assert TypeField.get_or_none(TypeField.id == field.id) is not None


def test_a_part_of_another_type_is_not_found(admin_client, make_type):
    one, other = make_type(), make_type(name="另一个")
    field = other.ordered_fields().first()
    assert admin_client.get("/admin/request-types/%d/fields/%d/edit" % (one.id, field.id)).status_code == 404
