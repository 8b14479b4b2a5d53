"""Request types as admins build them: the draft, publishing, and versions requests keep."""
import decimal

import pytest
from peewee import IntegrityError

from portal.audit import AuditEntry
from portal.db import Invalid
from portal.requests.models import ResourceRequest
from portal.requests.types import FlowVersion, RequestType, TypeField
from tests.requests.conftest import step, values


def test_publishing_freezes_fields_and_steps_into_a_numbered_version(make_type):
    request_type = make_type()
    version = request_type.latest_version()
    assert (version.number, request_type.draft_changed) == (1, False)
    assert [spec.label for spec in version.fields] == ["人天", "预算", "起止日期"]
    assert [s["name"] for s in version.steps] == ["部门负责人审批", "财务审批", "提供部门审批"]
    budget = version.measure_field("money")
    assert version.steps[1]["condition"] == {"field": budget.key, "op": ">", "value": "10000", "if_empty": "fails"}


def test_editing_a_type_never_changes_a_request_already_filed(make_type, file_request, company):
    request_type = make_type()
    filed = file_request(request_type)
    people_days = request_type.ordered_fields().first()
    people_days.update_settings(company.admin, label="人天（预计）", label_en="People-days", help="", required=True,
                                min_value=decimal.Decimal(5), max_value=None, max_length=None, choices="",
                                currency="", measure="people_days")
    request_type.add_step(company.admin, **step(name="总经理审批", approvers=[{"kind": "role", "role": "admin"}]))
    request_type.publish(company.admin)

    filed = ResourceRequest.get_by_id(filed.id)
    assert filed.version.number == 1
    assert [spec.label for spec in filed.version.fields][0] == "人天"
    assert [s.name for s in filed.round_steps()] == ["部门负责人审批", "财务审批", "提供部门审批"]
    later = file_request(request_type, title="Later")
    assert later.version.number == 2
    assert [s.name for s in later.round_steps()][-1] == "总经理审批"
    assert later.version.fields[0].min_value == 5


def test_a_flow_with_no_steps_cannot_be_published(company):
    request_type = RequestType.add(company.admin, name="空流程", provider=company.rnd)
    with pytest.raises(Invalid) as refused:
        request_type.publish(company.admin)
    assert "at least one approval step" in str(refused.value.message)
    assert FlowVersion.select().count() == 0
    assert RequestType.get_by_id(request_type.id).version_number == 0


def test_a_flow_where_every_step_has_a_condition_is_refused(make_type, company):
    request_type = make_type(publish=False)
    for flow_step in request_type.ordered_steps():
        if not flow_step.condition_field_id:
            flow_step.remove(company.admin)
    with pytest.raises(Invalid) as refused:
        request_type.publish(company.admin)
    assert "Every step has a condition" in str(refused.value.message)


def test_a_field_a_condition_tests_cannot_be_removed(make_type, company):
    request_type = make_type()
    budget = TypeField.get((TypeField.type == request_type) & (TypeField.label == "预算"))
    with pytest.raises(Invalid) as refused:
        budget.remove(company.admin)
    assert "财务审批" in str(refused.value.message)
    with pytest.raises(IntegrityError):
        TypeField.delete().where(TypeField.id == budget.id).execute()


def test_a_condition_must_compare_like_with_like(make_type, company):
    request_type = make_type(publish=False)
    budget = TypeField.get((TypeField.type == request_type) & (TypeField.label == "预算"))
    for value, message in (("ten thousand", "digits only"), ("10000.123", "two decimal places"),
                           ("", "value to compare")):
        with pytest.raises(Invalid) as refused:
            request_type.add_step(company.admin, **step(name="x", approvers=[{"kind": "provider_head"}],
                                                         condition_field=budget, condition_op=">",
                                                         condition_value=value))
        assert message in str(refused.value.message)
        assert refused.value.field == "condition_value"
    choice = request_type.add_field(company.admin, kind="choice", label="类别", choices="差旅\n培训")
    with pytest.raises(Invalid) as refused:
        request_type.add_step(company.admin, **step(name="x", approvers=[{"kind": "provider_head"}],
                                                     condition_field=choice, condition_op="=", condition_value="会议"))
    assert "差旅 / 培训" in str(refused.value.message)


def test_a_step_needs_someone_to_decide(make_type, company):
    request_type = make_type(publish=False)
    with pytest.raises(Invalid) as refused:
        request_type.add_step(company.admin, **step(name="nobody", approvers=[]))
    assert refused.value.field == "kinds"


def test_field_settings_are_checked(make_type, company):
    request_type = make_type(publish=False)
    cases = [
        ({"kind": "number", "min_value": decimal.Decimal(5), "max_value": decimal.Decimal(1)}, "max_value"),
        ({"kind": "choice", "choices": "\n \n"}, "choices"),
        ({"kind": "choice", "choices": "A\nA"}, "choices"),
        ({"kind": "money", "currency": "XXX"}, "currency"),
        ({"kind": "money", "currency": "CNY", "measure": "money"}, "measure"),
        ({"kind": "text", "measure": "money"}, "measure"),
        ({"kind": "text", "max_length": 9000}, "max_length"),
    ]
    for settings, field in cases:
        with pytest.raises(Invalid) as refused:
            request_type.add_field(company.admin, label="x", **settings)
        assert refused.value.field == field, settings


def test_reordering_marks_the_draft_unpublished_and_is_audited(make_type, company):
    request_type = make_type()
    first, second, third = request_type.ordered_steps()
    third.move(company.admin, -1)
    assert [s.name for s in request_type.ordered_steps()] == [first.name, third.name, second.name]
    assert third.move(company.admin, -5) is False
    assert RequestType.get_by_id(request_type.id).draft_changed
    assert AuditEntry.for_object(request_type).first().action == "request_type.reorder"


def test_removing_closes_the_gap_in_positions(make_type, company):
    request_type = make_type(publish=False)
    fields = list(request_type.ordered_fields())
    fields[2].remove(company.admin)
    fields[0].move(company.admin, 1)
    assert [(f.label, f.position) for f in request_type.ordered_fields()] == [("预算", 1), ("人天", 2)]


def test_a_new_type_name_must_be_unused(make_type, company):
    make_type()
    with pytest.raises(Invalid) as refused:
        RequestType.add(company.admin, name="人员支援", provider=company.rnd)
    assert refused.value.field == "name"


def test_values_helper_matches_the_versions_keys(make_type):
    version = make_type().latest_version()
    assert values(version, budget="1") == {version.measure_field("money").key: "1"}
