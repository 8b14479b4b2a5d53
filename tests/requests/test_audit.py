"""Every change leaves exactly one audit row, naming the real object it changed: the behaviours of
requests, their time limits, the flow builder, the calendar and preferences, walked one by one."""
import datetime
import zoneinfo

import time_machine

from portal import all_models
from portal.audit import AuditEntry
from portal.calendar import ClosedDay, CompanyCalendar, WorkingDay
from portal.requests.escalation import enforce_time_limits
from portal.requests.models import ResourceRequest
from portal.requests.types import RequestType
from portal.tasks.models import Task
from tests.requests.conftest import login, step

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MODELS = {model.__name__ for model in all_models()}


def rows_of(change):
    """Run `change`; the audit rows it wrote, as (action, object type, object id, state change)."""
    last = AuditEntry.select(AuditEntry.id).order_by(AuditEntry.id.desc()).scalar() or 0
    change()
    rows = AuditEntry.select().where(AuditEntry.id > last).order_by(AuditEntry.id)
    return [(row.action, row.object_type, row.object_id, dict(row.change_list).get("state")) for row in rows]


def one_row(change, obj, action, state=None):
    rows = rows_of(change)
    assert rows == [(action, type(obj).__name__, obj.id, state)], rows


def test_each_decision_on_a_request_is_one_audit_row_with_the_state_it_leaves(file_request, company, make_type):
    request_type, holder = make_type(), {}
    rows = rows_of(lambda: holder.update(request=file_request(request_type)))
    request = holder["request"]
    assert rows == [("request.file", "ResourceRequest", request.id, [None, "in_review"])]
    step = lambda: ResourceRequest.get_by_id(request.id).active_step().id  # noqa: E731
    one_row(lambda: request.decide(company.sales_head, step(), "return", "Say more"), request, "request.return",
            ["in_review", "returned"])
    one_row(lambda: request.resubmit(company.seller, "Again", request.value_map), request, "request.resubmit",
            ["returned", "in_review"])
    one_row(lambda: request.decide(company.sales_head, step(), "approve"), request, "request.approve")
    one_row(lambda: request.decide(company.rnd_head, step(), "approve"), request, "request.approve",
            ["in_review", "approved"])
    rejected = file_request(request_type, title="Rejected")
    one_row(lambda: rejected.decide(company.sales_head, rejected.active_step().id, "reject", "No"), rejected,
            "request.reject", ["in_review", "rejected"])
    withdrawn = file_request(request_type, title="Withdrawn")
    one_row(lambda: withdrawn.withdraw(company.seller, "Not needed"), withdrawn, "request.withdrawn",
            ["in_review", "withdrawn"])
    allocated = file_request(make_type(name="With allocation", allocation=True), title="Allocated")
    allocated.decide(company.sales_head, allocated.active_step().id, "approve")
    one_row(lambda: allocated.decide(company.rnd_head, ResourceRequest.get_by_id(allocated.id).active_step().id,
                                     "approve"), allocated, "request.approve", ["in_review", "allocating"])
    one_row(lambda: allocated.record_allocation(company.rnd_head, ResourceRequest.get_by_id(allocated.id)
                                                .active_step().id, "Zhou Jie"), allocated, "request.allocate",
            ["allocating", "approved"])


def test_a_final_approval_that_makes_a_task_writes_one_row_for_the_request_and_one_for_the_task(
        file_request, company, make_type):
    request_type = make_type(name="With a task")
    RequestType.update(creates_tasks=True).where(RequestType.id == request_type.id).execute()
    RequestType.get_by_id(request_type.id).publish(company.admin)
    request = file_request(RequestType.get_by_id(request_type.id))
    request.decide(company.sales_head, request.active_step().id, "approve")
    rows = rows_of(lambda: request.decide(company.rnd_head, ResourceRequest.get_by_id(request.id).active_step().id,
                                          "approve"))
    task = Task.get()
    assert rows == [("task.create", "Task", task.id, None),
                    ("request.approve", "ResourceRequest", request.id, ["in_review", "approved"])]


def test_nudges_reminders_escalations_time_outs_and_hand_overs_are_one_row_each(file_request, company, make_type):
    moment = lambda *args: datetime.datetime(*args, tzinfo=SHANGHAI)  # noqa: E731
    with time_machine.travel(moment(2026, 6, 9, 9, 0), tick=False) as clock:
        escalating = file_request(make_type(name="Escalates", first_step={"time_limit_hours": 8,
                                                                         "on_timeout": "escalate"}))
        clock.move_to(moment(2026, 6, 9, 14, 0))
        one_row(enforce_time_limits, escalating, "request.nudge")
        clock.move_to(moment(2026, 6, 9, 18, 0))
        one_row(enforce_time_limits, escalating, "request.escalate")
        clock.move_to(moment(2026, 6, 10, 18, 0))
        one_row(enforce_time_limits, escalating, "request.remind")
        escalating.withdraw(company.seller)
        returning = file_request(make_type(name="Returns", first_step={"time_limit_hours": 2, "on_timeout": "return"}))
        clock.move_to(moment(2026, 6, 11, 12, 0))
        assert rows_of(enforce_time_limits) == [
            ("request.nudge", "ResourceRequest", returning.id, None),
            ("request.time_out", "ResourceRequest", returning.id, ["in_review", "returned"])]
        handed = file_request(make_type(name="Hands over", first_step={"approvers": [
            {"kind": "people", "ids": [company.developer.id]}]}))
        company.developer.deactivate(company.admin)
        one_row(enforce_time_limits, handed, "request.hand_over")


def test_building_a_flow_is_one_row_per_change_on_the_type(company):
    admin = company.admin
    holder = {}
    rows = rows_of(lambda: holder.update(t=RequestType.add(admin, name="出差", provider=company.finance)))
    request_type = holder["t"]
    assert rows == [("request_type.create", "RequestType", request_type.id, None)]
    one_row(lambda: request_type.update_details(admin, name="出差申请"), request_type, "request_type.update")
    one_row(lambda: holder.update(f=request_type.add_field(admin, label="天数", kind="number")), request_type,
            "request_type.field_add")
    one_row(lambda: request_type.add_field(admin, label="目的地", kind="text"), request_type, "request_type.field_add")
    one_row(lambda: holder["f"].move(admin, 1), request_type, "request_type.reorder")
    one_row(lambda: request_type.add_step(admin, **step(name="审批", approvers=[{"kind": "requester_head"}])),
            request_type, "request_type.step_add")
    one_row(lambda: request_type.publish(admin), request_type, "request_type.publish")
    one_row(lambda: holder["f"].remove(admin), request_type, "request_type.field_remove")


def test_the_calendar_and_preferences_are_one_row_per_change_naming_the_real_object(admin, member, client):
    calendar = CompanyCalendar.current()
    calendar.update_settings(admin, quiet_start=22)
    calendar = CompanyCalendar.current()
    one_row(lambda: calendar.update_settings(admin, office_hours="08:30-17:30"), calendar, "calendar.update")
    holder = {}
    rows_of(lambda: holder.update(closed=ClosedDay.add(admin, datetime.date(2026, 12, 31), "年会")))
    one_row(lambda: holder["closed"].remove(admin), holder["closed"], "calendar.open_day")
    rows = rows_of(lambda: holder.update(working=WorkingDay.add(admin, datetime.date(2027, 1, 9), "调休")))
    assert rows == [("calendar.work_day", "WorkingDay", holder["working"].id, None)]
    login(client, member)
    rows = rows_of(lambda: client.post("/notifications/preferences", data={"task.assigned": "digest"}))
    assert rows == [("notifications.preferences", "User", member.id, None)]
    assert not AuditEntry.select().where(AuditEntry.object_type.not_in(MODELS)).exists()
