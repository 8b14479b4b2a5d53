"""Routing a request through its flow: conditions, who decides, exactly one decision, the trail."""
import json

import pytest

from portal.audit import AuditEntry
from portal.db import Invalid
from portal.mail import OutboxMessage
from portal.notifications.models import Notification
from portal.requests.models import RequestEvent, RequestStep, ResourceRequest, StepApprover
from portal.requests.types import RequestType
from portal.requests.escalation import enforce_time_limits
from tests.requests.conftest import login, values


def states(request):
    return [(s.name, s.state) for s in ResourceRequest.get_by_id(request.id).round_steps()]


def approve(request, user, comment=""):
    return request.decide(user, request.active_step().id, "approve", comment)


def test_a_budget_over_the_limit_passes_through_the_finance_step(file_request, company):
    request = file_request(budget="20000.00")
    approve(request, company.sales_head)
    assert states(request) == [("部门负责人审批", "approved"), ("财务审批", "active"), ("提供部门审批", "waiting")]
    assert request.seat_of(company.finance_head) is not None
    approve(request, company.finance_head)
    approve(request, company.rnd_head)
    assert ResourceRequest.get_by_id(request.id).state == "approved"


def test_a_small_budget_skips_the_finance_step_and_the_trail_says_why(file_request, company):
    request = file_request(budget="9999.99")
    assert states(request) == [("部门负责人审批", "active"), ("财务审批", "skipped"), ("提供部门审批", "waiting")]
    approve(request, company.sales_head)
    assert request.seat_of(company.rnd_head) is not None
    assert [e.action for e in request.trail()] == ["filed", "skipped", "approved"]


def test_an_empty_optional_amount_never_satisfies_a_condition(file_request):
    request = file_request(budget=None)
    assert dict(states(request))["财务审批"] == "skipped"


def test_money_and_people_days_are_kept_exactly_for_the_reports(file_request):
    request = ResourceRequest.get_by_id(file_request(budget="12000.55", people_days="2.5").id)
    assert (request.amount_cents, str(request.amount), request.currency) == (1200055, "12000.55", "CNY")
    assert str(request.people_days) == "2.5"


def test_nobody_decides_on_their_own_request(file_request, company):
    request = file_request(requester=company.sales_head)
    seats = list(request.active_step().seats())
    # The flow names the requester's head, who is the requester: their stand-in is an admin.
    assert [(s.user, s.reason) for s in seats] == [(company.admin, "own_request")]
    with pytest.raises(Invalid) as refused:
        request.decide(company.sales_head, request.active_step().id, "approve")
    assert "own request" in str(refused.value.message)


def test_of_two_clicks_or_two_tabs_exactly_one_decision_counts(file_request, company):
    request = file_request()
    step_id = request.active_step().id
    request.decide(company.sales_head, step_id, "approve", "first tab")
    with pytest.raises(Invalid) as refused:
        request.decide(company.sales_head, step_id, "approve", "second tab")
    assert "already decided by Li Na" in str(refused.value.message)
    decisions = RequestEvent.select().where((RequestEvent.request == request) & (RequestEvent.action == "approved"))
    assert [e.comment for e in decisions] == ["first tab"]


def test_with_any_one_approver_the_first_decision_settles_the_step_for_all(make_type, file_request, company):
    request_type = make_type(first_step={"approvers": [{"kind": "people", "ids": [company.sales_head.id,
                                                                                   company.admin.id]}]})
    request = file_request(request_type)
    approve(request, company.admin)
    seats = {s.user: s.state for s in StepApprover.select().where(StepApprover.user.in_([company.sales_head,
                                                                                      company.admin]))}
    assert seats == {company.admin: "approved", company.sales_head: "not_needed"}
    with pytest.raises(Invalid) as refused:
        request.decide(company.sales_head, request.round_steps().first().id, "approve")
    assert "already decided by Ada Admin" in str(refused.value.message)


def test_with_all_must_approve_the_step_waits_for_everyone(make_type, file_request, company):
    request_type = make_type(first_step={"mode": "all", "approvers": [
        {"kind": "requester_head"}, {"kind": "role", "role": "admin"}]})
    request = file_request(request_type)
    approve(request, company.sales_head)
    assert states(request)[0] == ("部门负责人审批", "active")
    approve(request, company.admin)
    assert states(request)[0] == ("部门负责人审批", "approved")


def test_rejecting_needs_a_reason_ends_the_request_and_tells_the_requester(file_request, company):
    request = file_request()
    with pytest.raises(Invalid) as refused:
        request.decide(company.sales_head, request.active_step().id, "reject", "")
    assert refused.value.field == "comment"
    assert ResourceRequest.get_by_id(request.id).state == "in_review"
    request.decide(company.sales_head, request.active_step().id, "reject", "No budget left")
    assert ResourceRequest.get_by_id(request.id).state == "rejected"
    assert states(request)[1:] == [("财务审批", "skipped"), ("提供部门审批", "cancelled")]
    notice = Notification.get((Notification.user == company.seller) & (Notification.event == "request.rejected"))
    assert notice.text == "Your request “Two developers for the CRM” was not approved: No budget left"
    assert OutboxMessage.get(OutboxMessage.ref == "notification:%d" % notice.id).subject == notice.text


def test_sent_back_a_request_is_changed_and_starts_a_new_round_on_its_own_version(file_request, company):
    request = file_request(budget="500")
    request.decide(company.sales_head, request.active_step().id, "return", "Say which project")
    assert ResourceRequest.get_by_id(request.id).state == "returned"
    values = dict(request.value_map)
    budget_key = request.version.measure_field("money").key
    values[budget_key] = "15000.00"
    resubmitted = request.resubmit(company.seller, "For project Apollo", values)
    assert (resubmitted.state, resubmitted.round, resubmitted.title) == ("in_review", 2, "For project Apollo")
    assert states(resubmitted) == [("部门负责人审批", "active"), ("财务审批", "waiting"), ("提供部门审批", "waiting")]
    earlier = [s.state for s in resubmitted.round_steps(1)]
    assert earlier == ["returned", "skipped", "cancelled"]


def test_each_round_keeps_its_values_and_the_request_shows_what_changed_since_the_previous_one(
        file_request, company, client):
    request = file_request(title="Help with the CRM", people_days="1.5")
    request.decide(company.sales_head, request.active_step().id, "return", "Two days, and say which project")
    days_key = request.version.measure_field("people_days").key
    request.resubmit(company.seller, "Help with the CRM for project Apollo", dict(request.value_map, **{days_key: "2"}))
    first, second = ResourceRequest.get_by_id(request.id).rounds()
    assert (first.number, first.title, first.value_map[days_key]) == (1, "Help with the CRM", "1.5")
    assert (second.number, second.title, second.value_map[days_key]) == (2, "Help with the CRM for project Apollo", "2")
    assert ResourceRequest.get_by_id(request.id).values_and_changes()[1] == [
        ("Subject", "Help with the CRM", "Help with the CRM for project Apollo"), ("People-days", "1.5", "2")]
    page = login(client, company.sales_head).get("/requests/%d" % request.id).get_data(as_text=True)
    assert "Round 2: changed since round 1" in page
    assert "People-days: <del>1.5</del> → <ins>2</ins>" in page


def test_a_withdrawn_request_refuses_decisions_with_a_clear_message(file_request, company):
    request = file_request()
    step_id = request.active_step().id
    request.withdraw(company.seller, "Found someone")
    with pytest.raises(Invalid) as refused:
        request.decide(company.sales_head, step_id, "approve")
    assert "withdrew this request" in str(refused.value.message)
    assert StepApprover.waiting(company.sales_head).count() == 0
    with pytest.raises(Invalid):
        request.withdraw(company.seller)


def test_a_step_not_yet_reached_or_not_yours_is_refused(file_request, company):
    request = file_request(budget="20000")
    later = request.round_steps().where(RequestStep.position == 3).first()
    with pytest.raises(Invalid) as early:
        request.decide(company.rnd_head, later.id, "approve")
    assert "not waiting for a decision" in str(early.value.message)
    with pytest.raises(Invalid) as stranger:
        request.decide(company.finance_head, request.active_step().id, "approve")
    assert "not yours" in str(stranger.value.message)


def test_a_deactivated_named_approver_is_replaced_by_their_head_with_a_note(make_type, file_request, company):
    company.developer.deactivate(company.admin)
    request = file_request(make_type(first_step={"approvers": [{"kind": "people", "ids": [company.developer.id]}]}))
    seat = request.active_step().seats().get()
    assert (seat.user, seat.reason, seat.replaces) == (company.rnd_head, "substitute", company.developer)
    note = request.trail().where(RequestEvent.action == "substituted").get()
    assert note.details == {"to": "Zhang Wei", "reason": "substitute", "for": "Zhou Jie"}


def countersign(make_type, company):
    """A 会签 step naming a developer and their own head."""
    return make_type(first_step={"mode": "all", "approvers": [
        {"kind": "people", "ids": [company.developer.id, company.rnd_head.id]}]})


def test_a_deactivated_countersigner_whose_head_is_named_too_is_merged_and_the_trail_says_so(
        make_type, file_request, company, client):
    company.developer.deactivate(company.admin)
    request = file_request(countersign(make_type, company))
    assert [(s.user, s.reason) for s in request.active_step().seats()] == [(company.rnd_head, "")]
    note = request.trail().where(RequestEvent.action == "substituted").get()
    assert note.details == {"to": "Zhang Wei", "reason": "substitute", "for": "Zhou Jie", "merged": True}
    page = login(client, company.seller).get("/requests/%d" % request.id).get_data(as_text=True)
    assert "Zhou Jie can no longer sign in; Zhang Wei, already an approver of this step, decides for both" in page


def test_a_countersigner_deactivated_while_waiting_is_merged_into_their_seated_head_with_a_note(
        make_type, file_request, company):
    request = file_request(countersign(make_type, company))
    company.developer.deactivate(company.admin)
    enforce_time_limits()
    seats = {(s.user, s.state) for s in request.active_step().seats()}
    assert seats == {(company.developer, "replaced"), (company.rnd_head, "pending")}
    assert request.trail().where(RequestEvent.action == "substituted").get().details["merged"] is True
    approve(request, company.rnd_head)
    assert states(request)[0] == ("部门负责人审批", "approved")


def test_when_the_head_already_approved_the_deactivated_countersigners_seat_completes_the_step(
        make_type, file_request, company):
    request = file_request(countersign(make_type, company))
    approve(request, company.rnd_head)
    company.developer.deactivate(company.admin)
    enforce_time_limits()
    assert states(request)[0] == ("部门负责人审批", "approved")
    assert [e.action for e in request.trail()] == ["filed", "skipped", "approved", "substituted"]
    assert request.seat_of(company.rnd_head) is not None, "on to the providing head's step"


def test_final_approval_records_the_allocation_as_asked(file_request, company):
    request = file_request(people_days="6", budget="800", period=["2026-06-01", "2026-06-05"])
    approve(request, company.sales_head)
    approve(request, company.rnd_head)
    allocation = ResourceRequest.get_by_id(request.id).allocation()
    assert (str(allocation.people_days), allocation.amount_cents, allocation.commitment) == ("6", 80000, "")
    assert (str(allocation.starts_on), str(allocation.ends_on)) == ("2026-06-01", "2026-06-05")
    assert ResourceRequest.get_by_id(request.id).task is None, "this type does not ask for tasks"


def test_a_type_that_asks_for_tasks_gives_the_providing_head_a_task_on_final_approval(
        file_request, make_type, company):
    request_type = make_type()
    RequestType.update(creates_tasks=True).where(RequestType.id == request_type.id).execute()
    request_type = RequestType.get_by_id(request_type.id)
    request_type.publish(company.admin)
    request = file_request(request_type=request_type, period=["2026-06-01", "2026-06-05"])
    approve(request, company.sales_head)
    approve(request, company.rnd_head)
    task = ResourceRequest.get_by_id(request.id).task
    assert (task.owner, task.requesting_department, str(task.due_date)) == (
        company.rnd_head, company.sales, "2026-06-05")
    assert (task.origin_kind, task.origin_id) == ("request", request.id)
    assert "[#%d](/requests/%d)" % (request.id, request.id) in task.origin_text


def test_the_projects_coordinator_can_be_an_approver(file_request, make_type, company, make_department):
    import datetime
    from portal.projects.models import Project
    coordinator = company.finance_head
    project = Project.start(None, name="CRM", goal="", coordinator=coordinator, departments=[company.sales],
                            start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 12, 31),
                            status="active", visibility="company")
    request_type = make_type(first_step={"approvers": [{"kind": "project_coordinator"}]})
    version = request_type.latest_version()
    request = ResourceRequest.file(company.seller, version, "Two developers", values(version, people_days="3"),
                                   project=project)
    assert [seat.user for seat in request.active_step().seats()] == [coordinator]


def test_the_allocation_step_is_the_providers_to_record(make_type, file_request, company):
    request = file_request(make_type(allocation=True))
    approve(request, company.sales_head)
    approve(request, company.rnd_head)
    request = ResourceRequest.get_by_id(request.id)
    assert request.state == "allocating"
    step = request.active_step()
    with pytest.raises(Invalid):
        request.decide(company.rnd_head, step.id, "approve")
    request.record_allocation(company.rnd_head, step.id, "Zhou Jie, two weeks", people_days=8)
    request = ResourceRequest.get_by_id(request.id)
    assert request.state == "approved"
    assert (request.allocation().commitment, str(request.allocation().people_days)) == ("Zhou Jie, two weeks", "8")


def test_the_trail_cannot_be_edited(file_request):
    event = file_request().trail().first()
    event.comment = "rewritten"
    with pytest.raises(RuntimeError):
        event.save()


def test_every_state_change_is_audited_once_in_its_own_transaction(file_request, company):
    request = file_request()
    request.decide(company.sales_head, request.active_step().id, "return", "More detail")
    request.withdraw(company.seller)
    actions = [e.action for e in AuditEntry.for_object(ResourceRequest.get_by_id(request.id))]
    assert actions == ["request.withdrawn", "request.return", "request.file"]


def test_the_approver_is_notified_and_mailed_a_link_straight_to_the_decision_screen(file_request, company):
    request = file_request()
    notice = Notification.get((Notification.user == company.sales_head) & (Notification.event == "approval.waiting"))
    assert notice.text == "Chen Chen's request “Two developers for the CRM” waits for your decision"
    assert notice.link == "/requests/%d" % request.id
    mail = OutboxMessage.get(OutboxMessage.recipient_id == company.sales_head.id)
    assert "https://portal.example.test/requests/%d" % request.id in mail.body_text


def test_people_copied_on_a_step_hear_its_outcome(file_request, company):
    request = file_request(budget="50000")
    approve(request, company.sales_head)
    approve(request, company.finance_head)
    copied = Notification.get((Notification.user == company.admin) & (Notification.event == "request.copied"))
    assert copied.text == "“Two developers for the CRM”, 财务审批: Approved"
    assert copied.channel == "digest"


def test_the_inbox_count_is_one_query_over_pending_seats(file_request, company, make_type):
    file_request()
    file_request(title="Another")
    assert StepApprover.waiting(company.sales_head).count() == 2
    assert StepApprover.waiting(company.rnd_head).count() == 0
    assert [s.step.request.title for s in StepApprover.inbox(company.sales_head)] == [
        "Two developers for the CRM", "Another"]


def test_step_definitions_are_copied_to_the_request_with_their_copied_people(file_request, company):
    request = file_request(budget="20000")
    finance = request.round_steps().where(RequestStep.position == 2).get()
    assert [copy.user for copy in finance.copies] == [company.admin]
    skipped = file_request(budget="200").round_steps().where(RequestStep.position == 2).get()
    assert skipped.state == "skipped" and not skipped.copies.exists(), "a skipped step copies nobody"


def test_a_person_copied_on_a_step_finds_the_request_in_their_lists(file_request, company, make_user, client):
    bystander = make_user(name="Bo Bystander")
    request_type = RequestType.get_by_id(file_request(budget="20000").type_id)
    step = request_type.ordered_steps().first()
    step.update_settings(company.admin, **dict(step.settings(), copied=json.dumps([bystander.id])))
    request_type.publish(company.admin)
    request = file_request(RequestType.get_by_id(request_type.id), title="Copied to Bo")
    assert [r.title for r in ResourceRequest.visible_to(bystander)] == ["Copied to Bo"]
    page = login(client, bystander).get("/requests/%d" % request.id).get_data(as_text=True)
    assert "Copied (抄送): Bo Bystander" in page
