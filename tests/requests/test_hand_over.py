"""Handing a decision over (转交, 加签), sending back to a chosen step, nudging (催办): the seat moves,
the step waits for whom it should, the trail tells who did what."""
import datetime

import time_machine

from portal.audit import AuditEntry
from portal.notifications.models import Notification
from portal.requests.models import RequestEvent, ResourceRequest, StepApprover
from tests.requests.conftest import login

HX = {"HX-Request": "true"}


def seats(request):
    step = ResourceRequest.get_by_id(request.id).active_step()
    return step.name, sorted((s.user.name, s.state, s.reason) for s in step.seats())


def test_an_approver_passes_their_seat_on_and_the_new_approver_decides_with_both_named(client, file_request,
                                                                                      company):
    request = file_request()
    step = request.active_step()
    login(client, company.sales_head)
    url = "/requests/%d/steps/%d/decision?confirm=transfer" % (request.id, step.id)
    fragment = client.get(url, headers=HX).get_data(as_text=True)
    assert fragment.strip().startswith("<section id=\"decision-%d\"" % step.id) and "Pass it on to" in fragment
    assert ">Chen Chen<" not in fragment, "the requester is not offered"
    assert "<html" in client.get(url).get_data(as_text=True)
    response = client.post("/requests/%d/steps/%d/transfer" % (request.id, step.id),
                           data={"to": company.finance_head.id, "comment": "我出差，王芳熟悉预算"})
    assert response.status_code == 303
    assert seats(request) == ("部门负责人审批", [("Li Na", "transferred", ""), ("Wang Fang", "pending", "transferred")])
    assert Notification.select().where((Notification.user == company.finance_head)
                                       & (Notification.event == "approval.waiting")).count() == 1
    login(client, company.finance_head)
    page = client.get("/requests/%d" % request.id).get_data(as_text=True)
    assert "Passed on (转交)" in page and "to Wang Fang" in page and "我出差，王芳熟悉预算" in page
    assert "passed on by Li Na (转交)" in page
    request.decide(company.finance_head, step.id, "approve")
    assert seats(request)[0] == "提供部门审批"
    assert AuditEntry.select().where(AuditEntry.action == "request.transfer").count() == 1


def test_passing_on_without_a_reason_or_to_the_requester_is_refused_keeping_what_was_typed(client, file_request,
                                                                                        company):
    request = file_request()
    step = request.active_step()
    login(client, company.sales_head)
    url = "/requests/%d/steps/%d/transfer" % (request.id, step.id)
    body = client.post(url, data={"to": company.finance_head.id, "comment": ""}, headers=HX).get_data(as_text=True)
    assert "Say why." in body and 'selected value="%d"' % company.finance_head.id in body
    response = client.post(url, data={"to": company.seller.id, "comment": "请自己审"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nobody decides on their own request." in body and "请自己审" in body
    body = client.post(url, data={"to": 0, "comment": "随便"}).get_data(as_text=True)
    assert "Choose someone who can sign in." in body
    assert seats(request)[1] == [("Li Na", "pending", "")]
    login(client, company.developer)
    assert client.post(url, data={"to": company.finance_head.id, "comment": "x"}).status_code == 403


def test_passing_on_races_a_decision_on_the_same_seat_and_exactly_one_counts(at_once, file_request, company):
    request = file_request()
    step_id = request.active_step().id
    outcomes = at_once(
        lambda: ResourceRequest.get_by_id(request.id).transfer(company.sales_head, step_id, company.finance_head,
                                                               "出差"),
        lambda: ResourceRequest.get_by_id(request.id).decide(company.sales_head, step_id, "approve"))
    refused = [o for o in outcomes if isinstance(o, ValueError)]
    assert len(refused) == 1
    first = ResourceRequest.get_by_id(request.id).round_steps()[0]
    states = sorted(s.state for s in first.seats())
    assert states in (["approved"], ["pending", "transferred"])
    actions = {e.action for e in RequestEvent.select().where(RequestEvent.action.in_(["approved", "transferred"]))}
    assert len(actions) == 1
    assert AuditEntry.select().where(AuditEntry.action.in_(["request.transfer", "request.approve"])).count() == 1


def test_an_approver_added_before_decides_first_then_the_step_waits_for_whoever_added_them(client, file_request,
                                                                                         company):
    request = file_request()
    step = request.active_step()
    login(client, company.sales_head)
    fragment = client.get("/requests/%d/steps/%d/decision?confirm=add" % (request.id, step.id),
                          headers=HX).get_data(as_text=True)
    assert "Before me: the step waits for them first" in fragment
    response = client.post("/requests/%d/steps/%d/add-approver" % (request.id, step.id),
                           data={"to": company.finance_head.id, "where": "before", "comment": "请财务先看预算"})
    assert response.status_code == 303
    assert seats(request)[1] == [("Li Na", "held", ""), ("Wang Fang", "pending", "added_before")]
    assert StepApprover.waiting(company.sales_head).count() == 0
    refusal = None
    try:
        request.decide(company.sales_head, step.id, "approve")
    except ValueError as invalid:
        refusal = str(invalid)
    assert refusal == "This step waits first for the approver you added before you."
    request.decide(company.finance_head, step.id, "approve", "预算可以")
    assert seats(request) == ("部门负责人审批", [("Li Na", "pending", ""), ("Wang Fang", "approved", "added_before")])
    assert Notification.select().where((Notification.user == company.sales_head)
                                       & (Notification.event == "approval.waiting")).count() == 2, "filed, released"
    request.decide(company.sales_head, step.id, "approve")
    assert seats(request)[0] == "提供部门审批"
    page = client.get("/requests/%d" % request.id).get_data(as_text=True)
    assert "Added an approver before themselves (加签)" in page and "added by Li Na to decide first (加签)" in page


def test_an_approver_added_after_gets_a_step_of_their_own_right_after(file_request, company):
    request = file_request()
    step = request.active_step()
    request.add_approver(company.sales_head, step.id, company.admin, "after", "需要行政确认")
    request = ResourceRequest.get_by_id(request.id)
    assert [(s.position, s.name, s.state) for s in request.round_steps()] == [
        (1, "部门负责人审批", "active"), (2, "加签审批", "waiting"), (3, "财务审批", "skipped"),
        (4, "提供部门审批", "waiting")]
    request.decide(company.sales_head, step.id, "approve")
    assert seats(request) == ("加签审批", [("Ada Admin", "pending", "")])
    request.decide(company.admin, request.active_step().id, "approve")
    assert seats(request)[0] == "提供部门审批"
    assert [e.action for e in request.trail()][:3] == ["filed", "skipped", "added_after"]
    assert AuditEntry.select().where(AuditEntry.action == "request.add_approver").count() == 1


def test_an_approver_sends_back_to_a_chosen_earlier_step_and_the_steps_from_there_run_again(client, file_request,
                                                                                          company):
    request = file_request(budget="20000")
    first = request.active_step()
    request.decide(company.sales_head, first.id, "approve")
    request.decide(company.finance_head, ResourceRequest.get_by_id(request.id).active_step().id, "approve")
    third = ResourceRequest.get_by_id(request.id).active_step()
    login(client, company.rnd_head)
    fragment = client.get("/requests/%d/steps/%d/decision?confirm=return" % (request.id, third.id),
                          headers=HX).get_data(as_text=True)
    assert "The requester, to change and send again" in fragment
    assert fragment.count("decided again with every step after it") == 2
    url = "/requests/%d/steps/%d/return" % (request.id, third.id)
    body = client.post(url, data={"to_step": third.id, "comment": "再核一下"}).get_data(as_text=True)
    assert "Choose a step this request has passed already." in body and "再核一下" in body
    response = client.post(url, data={"to_step": first.id, "comment": "预算需部门负责人重新确认"})
    assert response.status_code == 303
    request = ResourceRequest.get_by_id(request.id)
    assert request.state == "in_review"
    assert [(s.position, s.name, s.state) for s in request.round_steps()] == [
        (1, "部门负责人审批", "approved"), (2, "财务审批", "approved"), (3, "提供部门审批", "returned"),
        (4, "部门负责人审批", "active"), (5, "财务审批", "waiting"), (6, "提供部门审批", "waiting")]
    assert [c.user.name for c in request.round_steps()[4].copies] == ["Ada Admin"], "抄送 goes along"
    page = client.get("/requests/%d" % request.id).get_data(as_text=True)
    assert "back to 部门负责人审批" in page
    for approver in (company.sales_head, company.finance_head, company.rnd_head):
        request.decide(approver, ResourceRequest.get_by_id(request.id).active_step().id, "approve")
    assert ResourceRequest.get_by_id(request.id).state == "approved"
    assert AuditEntry.select().where(AuditEntry.action == "request.return").count() == 1


def test_the_requester_nudges_the_approvers_once_a_day_and_is_told_kindly_when_again(client, file_request,
                                                                                    company):
    with time_machine.travel(datetime.datetime(2026, 12, 1, 2, 0), tick=False):  # Tuesday 10:00 in Shanghai
        request = file_request()
        login(client, company.seller)
        response = client.post("/requests/%d/urge" % request.id)
        assert response.status_code == 303
        assert "The approvers are reminded" in client.get(response.headers["Location"]).get_data(as_text=True)
        urged = Notification.select().where(Notification.event == "approval.urged")
        assert [n.user.name for n in urged] == ["Li Na"]
    with time_machine.travel(datetime.datetime(2026, 12, 2, 1, 0), tick=False):  # 23 hours later
        response = client.post("/requests/%d/urge" % request.id, headers=HX)
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and body.lstrip().startswith('<div id="requester-actions"')
        assert "You nudged them less than a day ago; you can nudge them again from" in body
    with time_machine.travel(datetime.datetime(2026, 12, 2, 14, 0), tick=False):  # 22:00 in Shanghai
        body = client.post("/requests/%d/urge" % request.id).get_data(as_text=True)
        assert "outside office hours" in body
    with time_machine.travel(datetime.datetime(2026, 12, 3, 2, 0), tick=False):
        assert client.post("/requests/%d/urge" % request.id).status_code == 303
    assert urged.count() == 2
    assert [e.action for e in RequestEvent.select().where(RequestEvent.action == "urged")] == ["urged"] * 2
    assert AuditEntry.select().where(AuditEntry.action == "request.urge").count() == 2
    login(client, company.sales_head)
    assert client.post("/requests/%d/urge" % request.id).status_code == 403


def test_people_copied_hear_at_once_by_mail_when_the_request_is_decided(file_request, company):
    from portal.mail import OutboxMessage
    approved, rejected = file_request(budget="50000"), file_request(title="被拒的", budget="50000")
    for approver in (company.sales_head, company.finance_head, company.rnd_head):
        approved.decide(approver, ResourceRequest.get_by_id(approved.id).active_step().id, "approve")
    rejected.decide(company.sales_head, rejected.active_step().id, "reject", "预算不够")
    told = [(n.text, n.channel) for n in Notification.select().where(
        (Notification.user == company.admin) & (Notification.event == "request.decided_copy"))
        .order_by(Notification.id)]
    assert told == [("“Two developers for the CRM”, which you are copied on, is decided: Approved", "email"),
                    ("“被拒的”, which you are copied on, is decided: Rejected", "email")]
    assert OutboxMessage.select().where(OutboxMessage.recipient_id == company.admin.id).count() == 2


def test_a_comment_with_at_names_tells_only_those_who_may_see_the_request(client, file_request, company):
    from portal.requests.comments import RequestComment
    request = file_request()
    login(client, company.seller)
    url = "/requests/%d/comments" % request.id
    body = client.post(url, data={"body": "  "}, headers=HX).get_data(as_text=True)
    assert body.lstrip().startswith('<section class="card" id="request-comments"') and "This field is required." in body
    response = client.post(url, data={"body": "@Li Na 请看预算；@Olga Outsider 也看看"}, headers=HX)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请看预算" in fragment and "<html" not in fragment
    told = [n.user.name for n in Notification.select().where(Notification.event == "mention")]
    assert told == ["Li Na"], "the outsider may not see the request"
    assert Notification.get(Notification.event == "mention").link == "/requests/%d#comment-%d" % (
        request.id, RequestComment.get().id)
    login(client, company.outsider)
    assert client.post(url, data={"body": "我也要说"}).status_code == 404
    assert AuditEntry.select().where(AuditEntry.action == "request.comment").count() == 1


def test_an_approved_request_is_revoked_through_its_own_small_approval_by_its_last_approvers(client, file_request,
                                                                                           company):
    request = file_request()
    for approver in (company.sales_head, company.rnd_head):
        request.decide(approver, ResourceRequest.get_by_id(request.id).active_step().id, "approve")
    login(client, company.seller)
    fragment = client.get("/requests/%d/revoke" % request.id, headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="requester-actions"')
    assert "Those who approved it last decide." in fragment
    body = client.post("/requests/%d/revoke" % request.id, data={"comment": ""}).get_data(as_text=True)
    assert "Say why." in body
    response = client.post("/requests/%d/revoke" % request.id, data={"comment": "项目取消了"})
    assert response.status_code == 303
    request = ResourceRequest.get_by_id(request.id)
    assert request.state == "revoking"
    assert seats(request) == ("撤销审批", [("Zhang Wei", "pending", "")])
    login(client, company.rnd_head)
    step = request.active_step()
    fragment = client.get("/requests/%d/steps/%d/decision" % (request.id, step.id), headers=HX).get_data(as_text=True)
    assert "confirm=reject" in fragment and "confirm=return" not in fragment and "confirm=add" not in fragment
    request.decide(company.rnd_head, step.id, "reject", "已经在用了")
    assert ResourceRequest.get_by_id(request.id).state == "approved"
    request.ask_to_revoke(company.seller, "真的取消了")
    request.decide(company.rnd_head, ResourceRequest.get_by_id(request.id).active_step().id, "approve")
    assert ResourceRequest.get_by_id(request.id).state == "revoked"
    told = [n.text for n in Notification.select().where(Notification.event == "request.revocation")
            .order_by(Notification.id)]
    assert told == ["Your request to revoke “Two developers for the CRM”: refused, the approval stands (已经在用了)",
                    "Your request to revoke “Two developers for the CRM”: it is revoked (—)"]
    assert AuditEntry.select().where(AuditEntry.action == "request.ask_revoke").count() == 2
