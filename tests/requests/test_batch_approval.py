"""Batch approval from the inbox (批量审批): each request is still one decision that counts once."""
import re
import threading

import pytest

from portal.audit import AuditEntry
from portal.db import db
from portal.requests.models import RequestEvent, ResourceRequest, StepApprover
from portal.requests.types import RequestType
from tests.conftest import statements
from tests.requests.conftest import login, step


@pytest.fixture
def either_head(company):
    """Five requests whose first step either the sales head or the finance head settles (或签)."""
    request_type = RequestType.add(company.admin, name="用印", provider=company.rnd)
    request_type.add_step(company.admin, **step("负责人审批", [
        {"kind": "people", "ids": [company.sales_head.id, company.finance_head.id]}]))
    request_type.add_step(company.admin, **step("提供部门审批", [{"kind": "provider_head"}]))
    version = request_type.publish(company.admin)
    return [ResourceRequest.file(company.seller, version, "Seal %d" % n, {}) for n in range(5)]


def seat_of(user, request):
    return StepApprover.get((StepApprover.user == user) & (StepApprover.step == request.active_step()))


def decisions():
    return AuditEntry.select().where(AuditEntry.action.in_(["request.approve", "request.reject"])).count()


def test_the_inbox_names_each_requester_without_reading_their_account(company, either_head, client):
    login(client, company.sales_head)
    with statements() as seen:
        page = client.get("/requests/approvals").get_data(as_text=True)
    assert {r.requester.name for r in either_head} <= set(re.findall(r"· ([^·<]+?) ·", page))
    inbox = [str(sql) for sql in seen if '"step_approver"' in str(sql)]
    assert inbox and not [sql for sql in inbox if "password_hash" in sql]


def test_an_approver_ticks_several_requests_and_each_is_approved_once(company, either_head, client):
    login(client, company.sales_head)
    page = client.get("/requests/approvals").get_data(as_text=True)
    assert page.count('name="seats"') == 5 and 'form="batch"' in page
    ticked = [seat_of(company.sales_head, r).id for r in either_head[:3]]
    response = client.post("/requests/approvals", data={"seats": ticked, "comment": "同意"})
    assert response.status_code == 303
    assert "You approved 3 requests." in client.get(response.headers["Location"]).get_data(as_text=True)
    states = [(r.active_step().name, [s.user.name for s in r.active_step().seats()])
              for r in map(ResourceRequest.get_by_id, (r.id for r in either_head))]
    assert states[:3] == [("提供部门审批", ["Zhang Wei"])] * 3
    assert states[3:] == [("负责人审批", ["Li Na", "Wang Fang"])] * 2
    assert decisions() == 3
    assert [e.comment for e in RequestEvent.select().where(RequestEvent.action == "approved")] == ["同意"] * 3


def test_a_request_someone_settled_first_is_refused_alone_and_others_seats_are_left_out(company, either_head,
                                                                                      client):
    first, second, third = either_head[:3]
    ticked = [seat_of(company.sales_head, first).id, seat_of(company.sales_head, second).id,
              seat_of(company.finance_head, third).id]
    first.decide(company.finance_head, first.active_step().id, "reject", "预算不足")
    login(client, company.sales_head)
    response = client.post("/requests/approvals", data={"seats": ticked})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You approved 1 request." in page
    assert "“Seal 0” was not approved: This step was already decided by Wang Fang." in page
    assert ResourceRequest.get_by_id(third.id).active_step().name == "负责人审批", "not the reader's seat"
    assert decisions() == 2


def test_approving_with_nothing_ticked_keeps_the_comment_and_says_what_to_do(company, either_head, client):
    login(client, company.sales_head)
    response = client.post("/requests/approvals", data={"comment": "都同意", "seats": ["abc"]})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "都同意" in body
    response = client.post("/requests/approvals", data={"comment": "都同意"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "Tick the requests you approve first." in body and "都同意" in body
    assert decisions() == 0


def test_a_batch_approval_racing_a_colleagues_rejections_counts_one_decision_per_request(app, company,
                                                                                        either_head):
    seats = [seat_of(company.sales_head, r).id for r in either_head]
    steps = [r.active_step().id for r in either_head]
    db.close()
    start, outcome = threading.Barrier(2), {}

    def batch():
        with app.app_context(), db.connection_context():
            start.wait()
            approved, refused = StepApprover.approve_many(company.sales_head, seats)
            outcome["batch"] = ({r.id for r in approved}, {r.id for r, _ in refused})

    def one_by_one():
        with app.app_context(), db.connection_context():
            rejected = set()
            start.wait()
            for request, step_id in zip(reversed(either_head), reversed(steps), strict=True):
                try:
                    ResourceRequest.get_by_id(request.id).decide(company.finance_head, step_id, "reject", "不行")
                    rejected.add(request.id)
                except ValueError:
                    pass
            outcome["single"] = rejected

    threads = [threading.Thread(target=batch), threading.Thread(target=one_by_one)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    db.connect(reuse_if_open=True)
    approved, refused = outcome["batch"]
    everyone = {r.id for r in either_head}
    assert approved | outcome["single"] == everyone and not approved & outcome["single"]
    assert refused == outcome["single"]
    for request in map(ResourceRequest.get_by_id, everyone):
        first = request.round_steps()[0]
        assert len([s for s in first.seats() if s.state in ("approved", "rejected")]) == 1
        assert request.state == ("rejected" if request.id in outcome["single"] else "in_review")
    assert decisions() == 5
