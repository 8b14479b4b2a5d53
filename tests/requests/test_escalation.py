"""Time limits, with frozen time: remind, escalate (升级处理) or return, each exactly once per limit."""
import datetime

import pytest
import time_machine

from portal.mail import OutboxMessage
from portal.requests.escalation import enforce_time_limits
from portal.requests.models import RequestEvent, ResourceRequest, StepApprover

START = datetime.datetime(2026, 5, 4, 9, 0)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def mails(user, template="request_waiting"):
    return [m.subject for m in OutboxMessage.select().where((OutboxMessage.recipient_id == user.id)
                                                           & (OutboxMessage.template == template))
            .order_by(OutboxMessage.id)]


def actions(request):
    return [e.action for e in request.trail()]


def test_nothing_happens_before_the_time_limit(clock, file_request):
    request = file_request()
    clock.shift(datetime.timedelta(hours=23, minutes=59))
    assert enforce_time_limits() == []
    assert actions(request) == ["filed", "skipped"]


def test_past_its_limit_a_step_is_escalated_once_to_the_approvers_head_or_an_admin(clock, file_request, company):
    request = file_request()
    step = request.active_step()
    assert step.due_at == START + datetime.timedelta(hours=24)
    clock.shift(datetime.timedelta(hours=25))
    assert enforce_time_limits() == ["escalate"]
    assert enforce_time_limits() == []  # a second run, or a second worker, does nothing again
    # The approver heads their own department, so the step goes to an admin.
    seats = [(s.user, s.reason, s.replaces) for s in step.seats()]
    assert seats == [(company.sales_head, "", None), (company.admin, "escalated", company.sales_head)]
    assert mails(company.admin) == ["Escalated to you: “Two developers for the CRM”"]
    assert mails(company.sales_head)[-1] == "Reminder: “Two developers for the CRM” waits for your decision"
    escalated = request.trail().where(RequestEvent.action == "escalated").get()
    assert escalated.details == {"to": "Ada Admin"} and escalated.waited == datetime.timedelta(hours=25)
    # One more time limit later the step is not escalated again, but nobody is left unreminded.
    clock.shift(datetime.timedelta(hours=24))
    assert enforce_time_limits() == ["remind"]
    assert actions(request) == ["filed", "skipped", "escalated", "reminded"]
    assert len(mails(company.admin)) == 2


def test_a_waiting_member_is_escalated_to_their_department_head(clock, make_type, file_request, company):
    request = file_request(make_type(first_step={"approvers": [{"kind": "people", "ids": [company.developer.id]}]}))
    clock.shift(datetime.timedelta(hours=30))
    enforce_time_limits()
    added = request.active_step().seats().where(StepApprover.reason == "escalated").get()
    assert added.user == company.rnd_head


def test_the_head_it_was_escalated_to_settles_a_step_where_all_must_approve(clock, make_type, file_request, company):
    request = file_request(make_type(first_step={"mode": "all", "approvers": [
        {"kind": "people", "ids": [company.developer.id, company.finance_head.id]}]}))
    step_id = request.active_step().id
    clock.shift(datetime.timedelta(hours=25))
    enforce_time_limits()
    request.decide(company.rnd_head, step_id, "approve", "Decided on escalation")
    assert ResourceRequest.get_by_id(request.id).active_step().name == "提供部门审批"


def test_a_step_set_to_return_goes_back_to_the_requester_when_its_time_is_up(clock, file_request, company):
    request = file_request()
    request.decide(company.sales_head, request.active_step().id, "approve")
    clock.shift(datetime.timedelta(hours=49))
    assert enforce_time_limits() == ["return"]
    assert enforce_time_limits() == []
    request = ResourceRequest.get_by_id(request.id)
    assert request.state == "returned"
    assert actions(request)[-1] == "timed_out"
    assert mails(company.seller, "request_news") == [
        "Returned to you: “Two developers for the CRM” passed its time limit"]
    assert StepApprover.waiting_count(company.rnd_head) == 0


def test_a_step_set_to_remind_nudges_once_per_time_limit(clock, make_type, file_request, company):
    request = file_request(make_type(first_step={"on_timeout": "remind", "time_limit_hours": 8}))
    for _ in range(3):
        clock.shift(datetime.timedelta(hours=8, minutes=1))
        enforce_time_limits()
        enforce_time_limits()
    assert actions(request) == ["filed", "skipped", "reminded", "reminded", "reminded"]
    assert len(mails(company.sales_head)) == 4  # the first mail and three reminders


def test_an_approver_deactivated_while_waiting_is_replaced_with_a_note(clock, make_type, file_request, company):
    request = file_request(make_type(first_step={"approvers": [{"kind": "people", "ids": [company.developer.id]}]}))
    company.developer.deactivate(company.admin)
    enforce_time_limits()
    enforce_time_limits()
    seats = {(s.user, s.state, s.reason) for s in request.active_step().seats()}
    assert seats == {(company.developer, "replaced", ""), (company.rnd_head, "pending", "substitute")}
    assert mails(company.rnd_head) == ["Waiting for your decision: “Two developers for the CRM”"]
    assert actions(request) == ["filed", "skipped", "substituted"]
