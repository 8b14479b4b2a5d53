"""Time limits, with frozen time: nudge at half, then remind, escalate (升级处理) or return, each
exactly once per limit, counting office hours (09:00-12:00, 13:00-18:00) of working days only, and
never acting in quiet hours or on a day off."""
import datetime
import zoneinfo

import pytest
import time_machine

from portal.db import utcnow
from portal.notifications.models import Notification
from portal.requests.escalation import enforce_time_limits
from portal.requests.models import RequestEvent, ResourceRequest, StepApprover

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
HOUR = datetime.timedelta(hours=1)


def local(*args):
    """A moment in Shanghai, as time-machine takes it."""
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def stored(moment):
    """The moment as the database keeps it: naive UTC."""
    return moment.astimezone(datetime.UTC).replace(tzinfo=None)


def shown(moment):
    """A stored moment, read in Shanghai."""
    return moment.replace(tzinfo=datetime.UTC).astimezone(SHANGHAI).strftime("%a %m-%d %H:%M")


# Tuesday 9 June 2026, 09:00 in Shanghai: an ordinary working week.
START = local(2026, 6, 9, 9, 0)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def notices(user, event=None):
    query = Notification.select().where(Notification.user == user).order_by(Notification.id)
    return [(n.event, n.text) for n in query if event is None or n.event == event]


def actions(request):
    return [e.action for e in request.trail()]


def run_worker(traveller, until, every=datetime.timedelta(minutes=30)):
    """Run the job as the worker does, every half hour until `until`; [(local time, action)]."""
    done = []
    while utcnow() <= stored(until):
        done += [(shown(utcnow()), action) for action in enforce_time_limits()]
        traveller.shift(every)
    return done


def test_nothing_happens_before_half_the_time_limit(clock, file_request):
    request = file_request()
    # 24 working hours: Tuesday's eight, then Wednesday 09:00-12:00 and 13:00-14:00 make twelve.
    clock.move_to(local(2026, 6, 10, 13, 59))
    assert enforce_time_limits() == []
    assert actions(request) == ["filed", "skipped"]


def test_at_half_its_limit_the_approver_is_nudged_once_with_the_working_hours_it_waited(clock, file_request,
                                                                                        company):
    file_request()
    clock.move_to(local(2026, 6, 10, 14, 0))
    assert enforce_time_limits() == ["nudge"]
    assert enforce_time_limits() == []
    assert notices(company.sales_head, "approval.nudge") == [
        ("approval.nudge", "“Two developers for the CRM” has waited 12 working hours for your decision")]


def test_past_its_limit_a_step_is_escalated_once_to_the_approvers_head_or_an_admin(clock, file_request, company):
    request = file_request()
    step = request.active_step()
    assert step.due_at == stored(local(2026, 6, 11, 18, 0)), "three working days of eight hours"
    clock.move_to(local(2026, 6, 11, 18, 0))
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
    assert escalated.details == {"to": "Ada Admin"} and escalated.waited == 57 * HOUR
    # One more time limit later the step is not escalated again, but nobody is left unreminded.
    clock.move_to(local(2026, 6, 16, 18, 0))
    assert enforce_time_limits() == ["remind"]
    assert actions(request) == ["filed", "skipped", "escalated", "reminded"]
    assert [event for event, _ in notices(company.admin)] == ["request.escalated", "approval.waiting"]


def test_a_waiting_member_is_escalated_to_their_department_head(clock, make_type, file_request, company):
    request = file_request(make_type(first_step={"approvers": [{"kind": "people", "ids": [company.developer.id]}]}))
    clock.move_to(local(2026, 6, 12, 10, 0))
    enforce_time_limits()
    added = request.active_step().seats().where(StepApprover.reason == "escalated").get()
    assert added.user == company.rnd_head


def test_the_head_it_was_escalated_to_settles_a_step_where_all_must_approve(clock, make_type, file_request, company):
    request = file_request(make_type(first_step={"mode": "all", "approvers": [
        {"kind": "people", "ids": [company.developer.id, company.finance_head.id]}]}))
    step_id = request.active_step().id
    clock.move_to(local(2026, 6, 12, 10, 0))
    enforce_time_limits()
    request.decide(company.rnd_head, step_id, "approve", "Decided on escalation")
    assert ResourceRequest.get_by_id(request.id).active_step().name == "提供部门审批"


def test_a_step_set_to_return_goes_back_to_the_requester_when_its_time_is_up(clock, file_request, company):
    request = file_request()
    request.decide(company.sales_head, request.active_step().id, "approve")
    # 48 working hours from Tuesday 09:00: six working days, so the next Tuesday at 18:00.
    clock.move_to(local(2026, 6, 16, 17, 59))
    assert enforce_time_limits() == ["nudge"]
    clock.move_to(local(2026, 6, 16, 18, 0))
    assert enforce_time_limits() == ["return"]
    assert enforce_time_limits() == []
    request = ResourceRequest.get_by_id(request.id)
    assert request.state == "returned"
    assert actions(request)[-1] == "timed_out"
    assert notices(company.seller, "request.rejected") == [(
        "request.rejected",
        "Your request “Two developers for the CRM” was not approved: nobody decided within the time limit")]
    assert StepApprover.waiting(company.rnd_head).count() == 0


def test_a_step_set_to_remind_reminds_once_per_time_limit_of_working_hours(clock, make_type, file_request, company):
    request = file_request(make_type(first_step={"on_timeout": "remind", "time_limit_hours": 8}))
    assert run_worker(clock, local(2026, 6, 12, 9, 0)) == [
        ("Tue 06-09 14:00", "nudge"), ("Tue 06-09 18:00", "remind"), ("Wed 06-10 18:00", "remind"),
        ("Thu 06-11 18:00", "remind")]
    assert actions(request) == ["filed", "skipped", "reminded", "reminded", "reminded"]
    assert [event for event, _ in notices(company.sales_head)] == [
        "approval.waiting", "approval.nudge", "approval.waiting", "approval.waiting", "approval.waiting"]


def eight_hours_escalate(make_type):
    return make_type(first_step={"time_limit_hours": 8, "on_timeout": "escalate"})


def test_filed_the_evening_before_national_day_it_waits_for_the_first_working_day(make_type, file_request):
    # The moment: Wednesday 30 September 2026, 20:00. 1–7 October are holidays, Thursday
    # 8 October is the first working day and Saturday 10 October a make-up working day (调休).
    with time_machine.travel(local(2026, 9, 30, 20, 0), tick=False) as traveller:
        request = file_request(eight_hours_escalate(make_type))
        step = request.active_step()
        assert (shown(step.nudge_at), shown(step.due_at)) == ("Thu 10-08 14:00", "Thu 10-08 18:00")
        assert run_worker(traveller, local(2026, 10, 12, 23, 30)) == [
            ("Thu 10-08 14:00", "nudge"), ("Thu 10-08 18:00", "escalate"), ("Fri 10-09 18:00", "remind"),
            ("Sat 10-10 18:00", "remind"), ("Mon 10-12 18:00", "remind")]


def test_filed_friday_at_five_it_waits_over_the_weekend(make_type, file_request):
    with time_machine.travel(local(2026, 6, 12, 17, 0), tick=False) as traveller:
        file_request(eight_hours_escalate(make_type))
        assert run_worker(traveller, local(2026, 6, 15, 23, 30)) == [
            ("Mon 06-15 12:00", "nudge"), ("Mon 06-15 17:00", "escalate")]


def test_filed_the_friday_before_the_make_up_saturday_it_counts_that_saturday(make_type, file_request):
    with time_machine.travel(local(2026, 10, 9, 17, 0), tick=False) as traveller:
        file_request(eight_hours_escalate(make_type))
        assert run_worker(traveller, local(2026, 10, 10, 23, 30)) == [
            ("Sat 10-10 12:00", "nudge"), ("Sat 10-10 17:00", "escalate")]


def test_a_worker_back_at_night_or_on_a_day_off_waits_for_the_morning_to_catch_up(make_type, file_request):
    with time_machine.travel(local(2026, 6, 12, 17, 0), tick=False) as traveller:
        request = file_request(eight_hours_escalate(make_type))
        traveller.move_to(local(2026, 6, 13, 10, 0))  # Saturday
        assert enforce_time_limits() == []
        traveller.move_to(local(2026, 6, 15, 23, 0))  # Monday night: both limits long passed
        assert enforce_time_limits() == []
        traveller.move_to(local(2026, 6, 16, 7, 59))
        assert enforce_time_limits() == []
        traveller.move_to(local(2026, 6, 16, 8, 0))
        assert enforce_time_limits() == ["nudge", "escalate"]
        assert actions(request) == ["filed", "skipped", "escalated"]


def test_an_approver_deactivated_while_waiting_is_replaced_with_a_note(clock, make_type, file_request, company):
    request = file_request(make_type(first_step={"approvers": [{"kind": "people", "ids": [company.developer.id]}]}))
    company.developer.deactivate(company.admin)
    enforce_time_limits()
    enforce_time_limits()
    seats = {(s.user, s.state, s.reason) for s in request.active_step().seats()}
    assert seats == {(company.developer, "replaced", ""), (company.rnd_head, "pending", "substitute")}
    assert [event for event, _ in notices(company.rnd_head)] == ["approval.waiting"]
    assert actions(request) == ["filed", "skipped", "substituted"]
