"""Time limits, with frozen time: nudge at half, then remind, escalate (升级处理) or return, each
exactly once per limit, counting working days only."""
import datetime

import pytest
import time_machine

from portal.notifications.models import Notification
from portal.requests.escalation import enforce_time_limits
from portal.requests.models import RequestEvent, ResourceRequest, StepApprover

# Tuesday 9 June 2026, 09:00 in Shanghai: an ordinary working week.
START = datetime.datetime(2026, 6, 9, 1, 0)
HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def notices(user, event=None):
    query = Notification.select().where(Notification.user == user).order_by(Notification.id)
    return [(n.event, n.text) for n in query if event is None or n.event == event]


def actions(request):
    return [e.action for e in request.trail()]


def test_nothing_happens_before_half_the_time_limit(clock, file_request):
    request = file_request()
    clock.shift(11 * HOUR + datetime.timedelta(minutes=59))
    assert enforce_time_limits() == []
    assert actions(request) == ["filed", "skipped"]


def test_at_half_its_limit_the_approver_is_nudged_once(clock, file_request, company):
    file_request()
    clock.shift(12 * HOUR)
    assert enforce_time_limits() == ["nudge"]
    assert enforce_time_limits() == []
    assert notices(company.sales_head, "approval.nudge") == [
        ("approval.nudge", "“Two developers for the CRM” has waited 12 hours for your decision")]


def test_past_its_limit_a_step_is_escalated_once_to_the_approvers_head_or_an_admin(clock, file_request, company):
    request = file_request()
    step = request.active_step()
    assert step.due_at == START + 24 * HOUR
    clock.shift(25 * HOUR)
    assert enforce_time_limits() == ["nudge", "escalate"]
    assert enforce_time_limits() == []  # a second run, or a second worker, does nothing again
    # The approver heads their own department, so the step goes to an admin.
    seats = [(s.user, s.reason, s.replaces) for s in step.seats()]
    assert seats == [(company.sales_head, "", None), (company.admin, "escalated", company.sales_head)]
    assert notices(company.admin) == [
        ("request.escalated", "“Two developers for the CRM” was escalated to Ada Admin")]
    assert notices(company.seller, "request.escalated") == notices(company.admin)
    assert [event for event, _ in notices(company.sales_head)] == ["approval.waiting", "approval.nudge",
                                                                   "approval.waiting"]
    escalated = request.trail().where(RequestEvent.action == "escalated").get()
    assert escalated.details == {"to": "Ada Admin"} and escalated.waited == 25 * HOUR
    # One more time limit later the step is not escalated again, but nobody is left unreminded.
    clock.shift(24 * HOUR)
    assert enforce_time_limits() == ["remind"]
    assert actions(request) == ["filed", "skipped", "escalated", "reminded"]
    assert [event for event, _ in notices(company.admin)] == ["request.escalated", "approval.waiting"]


def test_a_waiting_member_is_escalated_to_their_department_head(clock, make_type, file_request, company):
    request = file_request(make_type(first_step={"approvers": [{"kind": "people", "ids": [company.developer.id]}]}))
    clock.shift(30 * HOUR)
    enforce_time_limits()
    added = request.active_step().seats().where(StepApprover.reason == "escalated").get()
    assert added.user == company.rnd_head


def test_the_head_it_was_escalated_to_settles_a_step_where_all_must_approve(clock, make_type, file_request, company):
    request = file_request(make_type(first_step={"mode": "all", "approvers": [
        {"kind": "people", "ids": [company.developer.id, company.finance_head.id]}]}))
    step_id = request.active_step().id
    clock.shift(25 * HOUR)
    enforce_time_limits()
    request.decide(company.rnd_head, step_id, "approve", "Decided on escalation")
    assert ResourceRequest.get_by_id(request.id).active_step().name == "提供部门审批"


def test_a_step_set_to_return_goes_back_to_the_requester_when_its_time_is_up(clock, file_request, company):
    request = file_request()
    request.decide(company.sales_head, request.active_step().id, "approve")
    clock.shift(49 * HOUR)
    assert enforce_time_limits() == ["nudge", "return"]
    assert enforce_time_limits() == []
    request = ResourceRequest.get_by_id(request.id)
    assert request.state == "returned"
    assert actions(request)[-1] == "timed_out"
    assert notices(company.seller, "request.rejected") == [(
        "request.rejected",
        "Your request “Two developers for the CRM” was not approved: nobody decided within the time limit")]
    assert StepApprover.waiting_count(company.rnd_head) == 0


def test_a_step_set_to_remind_reminds_once_per_time_limit(clock, make_type, file_request, company):
    request = file_request(make_type(first_step={"on_timeout": "remind", "time_limit_hours": 8}))
    for _ in range(3):
        clock.shift(8 * HOUR + datetime.timedelta(minutes=1))
        enforce_time_limits()
        enforce_time_limits()
    assert actions(request) == ["filed", "skipped", "reminded", "reminded", "reminded"]
    assert [event for event, _ in notices(company.sales_head)] == [
        "approval.waiting", "approval.nudge", "approval.waiting", "approval.waiting", "approval.waiting"]


def test_time_limits_count_working_days_only(file_request, company):
    # Friday 12 June 2026, 09:00 in Shanghai: 24 hours run out on Monday at 09:00, not Saturday.
    with time_machine.travel(datetime.datetime(2026, 6, 12, 1, 0), tick=False) as traveller:
        request = file_request()
        assert request.active_step().due_at == datetime.datetime(2026, 6, 15, 1, 0)
        traveller.shift(48 * HOUR)
        assert "escalate" not in enforce_time_limits()


def test_an_approver_deactivated_while_waiting_is_replaced_with_a_note(clock, make_type, file_request, company):
    request = file_request(make_type(first_step={"approvers": [{"kind": "people", "ids": [company.developer.id]}]}))
    company.developer.deactivate(company.admin)
    enforce_time_limits()
    enforce_time_limits()
    seats = {(s.user, s.state, s.reason) for s in request.active_step().seats()}
    assert seats == {(company.developer, "replaced", ""), (company.rnd_head, "pending", "substitute")}
    assert [event for event, _ in notices(company.rnd_head)] == ["approval.waiting"]
    assert actions(request) == ["filed", "skipped", "substituted"]
