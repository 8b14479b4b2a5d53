"""委托: a person away delegates all their approvals for some days; the trail names both."""
import datetime

import time_machine

from portal.audit import AuditEntry
from portal.notifications.models import Notification
from portal.projects.models import today
from portal.requests.delegation import Delegation
from portal.requests.escalation import enforce_time_limits
from portal.requests.models import ResourceRequest
from tests.requests.conftest import login

HX = {"HX-Request": "true"}
DAY = datetime.timedelta(days=1)


def holders(request):
    step = ResourceRequest.get_by_id(request.id).active_step()
    return sorted((s.user.name, s.state, s.reason) for s in step.seats())


def test_a_head_delegates_from_settings_and_the_delegate_decides_on_their_behalf(client, file_request, company):
    waiting = file_request(title="已在等")
    login(client, company.sales_head)
    assert "/requests/delegations" in client.get("/settings").get_data(as_text=True)
    fragment = client.get("/requests/delegations", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="delegations"') and "None: your approvals come to you." in fragment
    first, last = today(), today() + 3 * DAY
    response = client.post("/requests/delegations", data={
        "delegate": company.finance_head.id, "starts_on": first.isoformat(), "ends_on": last.isoformat(),
        "reason": "年假"})
    assert response.status_code == 303
    assert holders(waiting) == [("Li Na", "replaced", ""), ("Wang Fang", "pending", "delegated")], "at once"
    filed = file_request(title="休假时提交")
    assert holders(filed) == [("Wang Fang", "pending", "delegated")]
    assert Notification.select().where((Notification.user == company.sales_head)
                                       & (Notification.event == "approval.waiting")).count() == 1, "only the first"
    assert Notification.select().where((Notification.user == company.finance_head)
                                       & (Notification.event == "approval.delegated")).count() == 1
    filed.decide(company.finance_head, filed.active_step().id, "approve", "代批")
    login(client, company.seller)
    page = client.get("/requests/%d" % filed.id).get_data(as_text=True)
    assert "Wang Fang on behalf of Li Na" in page and "Li Na is away; Wang Fang decides for them" in page
    assert "on behalf of Li Na (委托)" in page
    assert AuditEntry.select().where(AuditEntry.action == "delegation.add").count() == 1


def test_a_delegation_ends_by_itself_after_its_last_day(file_request, company):
    Delegation.add(company.sales_head, company.finance_head, today() + DAY, today() + 2 * DAY)
    assert holders(file_request(title="before")) == [("Li Na", "pending", "")]
    with time_machine.travel(datetime.datetime.combine(today() + DAY, datetime.time(4)), tick=False):
        early = file_request(title="early")
        enforce_time_limits()
        assert holders(early) == [("Wang Fang", "pending", "delegated")]
        assert ("Li Na", "replaced", "") in holders(ResourceRequest.get(ResourceRequest.title == "before"))
    with time_machine.travel(datetime.datetime.combine(today() + 3 * DAY, datetime.time(4)), tick=False):
        assert holders(file_request(title="back")) == [("Li Na", "pending", "")]


def test_a_delegation_to_oneself_backwards_or_overlapping_is_refused_keeping_what_was_typed(client, company):
    login(client, company.sales_head)
    first = today().isoformat()
    for data, message in (
            ({"delegate": company.sales_head.id, "starts_on": first, "ends_on": first}, "Choose someone other"),
            ({"delegate": company.admin.id, "starts_on": first, "ends_on": (today() - DAY).isoformat()},
             "The last day cannot be before the first."),
            ({"delegate": 0, "starts_on": first, "ends_on": first}, "Choose someone who can sign in.")):
        response = client.post("/requests/delegations", data=dict(data, reason="出差"))
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and message in body and 'value="出差"' in body
    Delegation.add(company.sales_head, company.admin, today(), today() + DAY)
    body = client.post("/requests/delegations", data={"delegate": company.finance_head.id, "starts_on": first,
                                                      "ends_on": first}).get_data(as_text=True)
    assert "You have delegated to Ada Admin from" in body
    assert Delegation.select().count() == 1


def test_the_delegator_cancels_and_nobody_else_may(client, company):
    delegation = Delegation.add(company.sales_head, company.finance_head, today() + DAY, today() + 2 * DAY)
    login(client, company.developer)
    assert client.post("/requests/delegations/%d/cancel" % delegation.id).status_code == 404
    login(client, company.finance_head)
    assert client.post("/requests/delegations/%d/cancel" % delegation.id).status_code == 403
    login(client, company.sales_head)
    assert client.post("/requests/delegations/%d/cancel" % delegation.id).status_code == 303
    assert Delegation.get_by_id(delegation.id).cancelled_at is not None
    assert Delegation.acting_for(company.sales_head) is None
