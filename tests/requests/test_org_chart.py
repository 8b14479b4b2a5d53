"""The org chart: each person's direct supervisor (直属主管); approvals that go to the supervisor,
climb level by level (逐级) or up to the department head; escalations that follow the chain."""
import datetime
import zoneinfo

import pytest
import time_machine

from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.db import Invalid
from portal.requests.escalation import enforce_time_limits
from portal.requests.models import ResourceRequest, StepApprover
from portal.requests.types import RequestType
from tests.requests.conftest import login, step


@pytest.fixture
def chart(company, make_user):
    """Sales: Chen Chen reports to team lead Tang, who reports to manager Ma, who reports to the
    head Li Na."""
    manager = make_user(department=company.sales, name="Ma Manager")
    lead = make_user(department=company.sales, name="Tang Lead")
    manager.set_supervisor(company.admin, company.sales_head)
    lead.set_supervisor(company.admin, manager)
    company.seller.set_supervisor(company.admin, lead)
    return lead, manager


def flow(company, *entries, name="请假"):
    request_type = RequestType.add(company.admin, name=name, provider=company.rnd)
    request_type.add_step(company.admin, **step("主管审批", list(entries)))
    request_type.add_step(company.admin, **step("提供部门审批", [{"kind": "provider_head"}]))
    return request_type.publish(company.admin)


def route(request):
    request = ResourceRequest.get_by_id(request.id)
    return [(s.display_name, s.state, [seat.user.name for seat in s.seats()]) for s in request.round_steps()]


def approve_all_in_turn(request):
    while (step := ResourceRequest.get_by_id(request.id).active_step()) is not None:
        request.decide(step.pending_seats()[0].user, step.id, "approve")


def test_a_supervisor_is_set_once_without_circles_and_audited(chart, company):
    lead, manager = chart
    with pytest.raises(Invalid) as circle:
        company.sales_head.set_supervisor(company.admin, lead)
    assert "Tang Lead reports to Li Na already" in circle.value.message and circle.value.field == "supervisor"
    with pytest.raises(Invalid):
        lead.set_supervisor(company.admin, lead)
    company.outsider.deactivate(company.admin)
    with pytest.raises(Invalid):
        lead.set_supervisor(company.admin, company.outsider)
    assert [u.name for u in company.seller.supervisors()] == ["Tang Lead", "Ma Manager", "Li Na"]
    entry = AuditEntry.for_object(company.seller).first()
    assert (entry.action, dict(entry.change_list)["supervisor"]) == ("user.update", [None, "Tang Lead"])


def test_the_requesters_direct_supervisor_decides_or_without_one_their_head(chart, company):
    version = flow(company, {"kind": "supervisor"})
    assert route(ResourceRequest.file(company.seller, version, "Leave", {}))[0][2] == ["Tang Lead"]
    assert route(ResourceRequest.file(company.developer, version, "Leave", {}))[0][2] == ["Zhang Wei"]


def test_supervisors_level_by_level_decide_one_after_another(chart, company):
    version = flow(company, {"kind": "supervisors", "levels": 2})
    request = ResourceRequest.file(company.seller, version, "Ten days of leave", {})
    assert route(request) == [("主管审批, level 1", "active", ["Tang Lead"]),
                              ("主管审批, level 2", "waiting", []), ("提供部门审批", "waiting", [])]
    request.decide(User.get(User.name == "Tang Lead"), request.active_step().id, "approve")
    assert route(request)[1] == ("主管审批, level 2", "active", ["Ma Manager"])
    # Someone with a shorter chain has fewer levels to pass.
    assert [name for name, _, _ in route(ResourceRequest.file(User.get(User.name == "Ma Manager"), version,
                                                               "Leave", {}))] == ["主管审批, level 1", "提供部门审批"]


def test_up_to_the_department_head_stops_at_the_head_or_adds_them_at_the_end(chart, company, make_user):
    version = flow(company, {"kind": "supervisors_to_head"})
    request = ResourceRequest.file(company.seller, version, "Leave", {})
    approve_all_in_turn(request)
    decided = [seat.user.name for seat in StepApprover.select()
               .where(StepApprover.state == "approved").order_by(StepApprover.decided_at, StepApprover.id)]
    assert decided == ["Tang Lead", "Ma Manager", "Li Na", "Zhang Wei"]
    # Someone whose chain leaves the department before reaching its head: the head is added last.
    outside = make_user(department=company.rnd, name="Xu")
    outside.set_supervisor(company.admin, company.finance_head)
    assert [seats for _, _, seats in route(ResourceRequest.file(outside, version, "Leave", {}))][:1] == [
        ["Wang Fang"]]
    levels = ResourceRequest.select().order_by(ResourceRequest.id.desc()).first().round_steps()
    assert [s.level for s in levels] == [1, 2, None]


def test_a_heads_own_request_up_to_the_head_goes_one_level_up_not_to_the_top(chart, company, make_user):
    chief = make_user(name="Boss Bai")
    director = make_user(name="Director Du")
    director.set_supervisor(company.admin, chief)
    company.sales_head.set_supervisor(company.admin, director)
    version = flow(company, {"kind": "supervisors_to_head"})
    assert route(ResourceRequest.file(company.sales_head, version, "Leave", {})) == [
        ("主管审批, level 1", "active", ["Director Du"]), ("提供部门审批", "waiting", [])]


def test_a_step_of_supervisors_level_by_level_takes_no_other_approvers(company):
    request_type = RequestType.add(company.admin, name="出差", provider=company.rnd)
    with pytest.raises(Invalid) as refused:
        request_type.add_step(company.admin, **step("主管审批", [{"kind": "supervisors_to_head"},
                                                                {"kind": "provider_head"}]))
    assert refused.value.field == "kinds"


def test_an_escalation_goes_up_the_chain_to_the_approvers_own_supervisor(chart, company):
    lead, manager = chart
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    with time_machine.travel(datetime.datetime(2026, 6, 9, 9, 0, tzinfo=shanghai), tick=False) as clock:
        request_type = RequestType.add(company.admin, name="报销", provider=company.finance)
        request_type.add_step(company.admin, **step("主管审批", [{"kind": "supervisor"}], time_limit_hours=8,
                                                   on_timeout="escalate"))
        request = ResourceRequest.file(company.seller, request_type.publish(company.admin), "Taxi", {})
        clock.move_to(datetime.datetime(2026, 6, 9, 18, 0, tzinfo=shanghai))
        assert enforce_time_limits() == ["nudge", "escalate"]
    seats = [(s.user, s.reason) for s in request.active_step().seats()]
    assert seats == [(lead, ""), (manager, "escalated")]


def test_an_admin_names_a_supervisor_on_the_persons_page(chart, company, client):
    lead, manager = chart
    login(client, company.admin)
    page = client.get("/admin/users/%d" % company.developer.id).get_data(as_text=True)
    assert "Direct supervisor (直属主管)" in page
    data = {"name": company.developer.name, "department": company.rnd.id, "role": "member"}
    assert client.post("/admin/users/%d" % company.developer.id,
                       data=dict(data, supervisor=company.rnd_head.id)).status_code == 303
    assert User.get_by_id(company.developer.id).supervisor == company.rnd_head
    refused = client.post("/admin/users/%d" % company.sales_head.id, data={
        "name": "Li Na", "department": company.sales.id, "role": "member", "supervisor": company.seller.id})
    assert refused.status_code == 200 and "that would make a circle" in refused.get_data(as_text=True)


def test_saving_a_person_keeps_their_supervisor_when_it_is_left_out_or_has_left(chart, company, client):
    lead, manager = chart
    login(client, company.admin)
    data = {"name": "Chen Chen", "department": company.sales.id, "role": "member"}
    assert client.post("/admin/users/%d" % company.seller.id, data=data).status_code == 303
    assert User.get_by_id(company.seller.id).supervisor == lead
    lead.deactivate(company.admin)
    page = client.get("/admin/users/%d" % company.seller.id).get_data(as_text=True)
    assert '<option selected value="%d">Tang Lead (deactivated)</option>' % lead.id in page
    assert client.post("/admin/users/%d" % company.seller.id,
                       data=dict(data, name="Chen Chenchen", supervisor=lead.id)).status_code == 303
    assert (User.get_by_id(company.seller.id).supervisor, User.get_by_id(company.seller.id).name) == (
        lead, "Chen Chenchen")
    refused = client.post("/admin/users/%d" % company.developer.id, data={
        "name": "Zhou Jie", "department": company.rnd.id, "role": "member", "supervisor": lead.id})
    assert refused.status_code == 200 and "Choose someone who can still sign in." in refused.get_data(as_text=True)
