"""Step conditions on who files: the requester's department and role, joined by AND / OR with a field."""
import pytest

from portal.accounts.models import User
from portal.db import Invalid
from portal.requests.models import ResourceRequest
from portal.requests.types import FlowStep, RequestType
from tests.requests.conftest import login, step, values

HX = {"HX-Request": "true"}


@pytest.fixture
def expense(company):
    """"Supervisor, then finance 会签 when amount > 5000 and department is Sales, or role is coordinator"."""
    by = company.admin
    request_type = RequestType.add(by, name="报销", name_en="Expenses", provider=company.finance)
    amount = request_type.add_field(by, label="金额", label_en="Amount", kind="money", currency="CNY",
                                    required=True, measure="money")
    request_type.add_step(by, **step(name="主管审批", approvers=[{"kind": "requester_head"}]))
    request_type.add_step(by, **dict(
        step(name="财务会签", mode="all", approvers=[{"kind": "people", "ids": [company.finance_head.id,
                                                                               company.admin.id]}],
             condition_field=amount, condition_op=">", condition_value="5000"),
        condition_department=company.sales.id, condition_department_join="and",
        condition_role="coordinator", condition_role_join="or"))
    request_type.publish(by)
    return RequestType.get_by_id(request_type.id)


def finance_step(request_type, requester, amount):
    version = request_type.latest_version()
    request = ResourceRequest.file(requester, version, "差旅报销", values(version, amount=amount))
    return [s.state for s in request.round_steps() if s.name == "财务会签"][0]


def test_and_binds_before_or_so_sales_over_5000_or_any_coordinator_reaches_finance(expense, company, make_user):
    coordinator = make_user(department=company.rnd, role="coordinator", name="Xu Ming")
    assert finance_step(expense, company.seller, "6000") == "waiting"
    assert finance_step(expense, company.seller, "5000") == "skipped"
    assert finance_step(expense, company.developer, "9000") == "skipped"
    assert finance_step(expense, coordinator, "100") == "waiting"


def test_a_request_keeps_the_conditions_of_the_version_it_was_filed_under(expense, company):
    version = expense.latest_version()
    filed = ResourceRequest.file(company.developer, version, "差旅报销", values(version, amount="9000"))
    finance = FlowStep.get(FlowStep.name == "财务会签")
    finance.update_settings(company.admin, **dict(finance.settings(), condition_department=company.rnd.id))
    RequestType.get_by_id(expense.id).publish(company.admin)
    assert finance_step(RequestType.get_by_id(expense.id), company.developer, "9000") == "waiting"
    assert filed.version.steps[1]["requester"]["department"] == company.sales.id
    assert [s.state for s in ResourceRequest.get_by_id(filed.id).round_steps()][1] == "skipped"


def test_a_step_with_only_a_requester_condition_counts_as_conditional_when_publishing(company):
    request_type = RequestType.add(company.admin, name="用印", provider=company.finance)
    request_type.add_step(company.admin, **dict(step(name="行政审批", approvers=[{"kind": "requester_head"}]),
                                                condition_role="member"))
    with pytest.raises(Invalid) as refused:
        request_type.publish(company.admin)
    assert "Every step has a condition" in str(refused.value.message)


def test_an_admin_sets_requester_conditions_in_the_builder_and_both_languages_describe_them(
        client, company, expense):
    login(client, company.admin)
    finance = FlowStep.get(FlowStep.name == "财务会签")
    base = "/admin/request-types/%d" % expense.id
    form = client.get(base + "/steps/%d/edit" % finance.id, headers=HX).get_data(as_text=True)
    assert "The requester is in the department" in form and "“And” binds before “or”" in form
    steps = " ".join(client.get(base + "/steps", headers=HX).get_data(as_text=True).split())
    assert ("金额 is more than 5000 and the requester is in Sales or the requester’s role is Coordinator"
            in steps), steps
    User.update(language="zh_CN").where(User.id == company.admin.id).execute()
    steps = client.get(base + "/steps", headers=HX).get_data(as_text=True)
    assert "并且申请人属于" in steps.replace(" ", "") and "或者申请人的角色是协调人" in steps.replace(" ", "")


def test_hostile_requester_conditions_in_the_builder_get_a_clear_message_and_lose_nothing(
        client, company, expense):
    login(client, company.admin)
    finance = FlowStep.get(FlowStep.name == "财务会签")
    url = "/admin/request-types/%d/steps/%d" % (expense.id, finance.id)
    settings = {"name": "财务会签改", "people": [str(company.finance_head.id)], "mode": "all",
                "condition_field": str(finance.condition_field_id), "condition_op": ">", "condition_value": "5000",
                "condition_department": str(company.sales.id), "condition_department_join": "and",
                "condition_role": "coordinator", "condition_role_join": "or", "on_timeout": "remind"}
    for hostile in ({"condition_department": "abc"}, {"condition_department": "999999"},
                    {"condition_department": "-1"}, {"condition_role": "root"},
                    {"condition_role_join": "xor"}, {"condition_department_join": "' OR 1=1 --"}):
        response = client.post(url, headers=HX, data=dict(settings, **hostile))
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and 'value="财务会签改"' in page, hostile
        assert "Not a valid choice" in page or "Invalid Choice" in page, hostile
    assert FlowStep.get_by_id(finance.id).name == "财务会签"
    response = client.post(url, headers=HX, data=dict(settings, condition_department="0", condition_role=""))
    assert response.status_code == 200 and "Not a valid choice" not in response.get_data(as_text=True)
    saved = FlowStep.get_by_id(finance.id)
    assert (saved.condition_department_id, saved.condition_role, saved.has_condition) == (None, "", True)
