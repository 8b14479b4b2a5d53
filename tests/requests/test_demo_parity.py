"""The large company's requests are written in bulk, beside the behaviours rather than through them
(5,000 requests through the behaviours would take minutes). This proves the bulk writer leaves each
outcome in exactly the shape the behaviours do: the same request, steps, seats, trail, allocation
and audit rows, down to the timestamps, when the behaviours replay the same decisions at the same
moments. A change to the state machine that the bulk writer misses fails here."""
import datetime
import json

import pytest
import time_machine

from demo.requests import OUTCOMES, TYPES, _Flow, _LargeRequests
from portal.audit import AuditEntry
from portal.requests.models import Allocation, RequestEvent, RequestStep, ResourceRequest

# The job's own bookkeeping (when to look at a step again, how often it reminded) is not part of
# what a flow leaves: the bulk writer sets it as the job would find it, the replay as filing did.
JOB_FIELDS = ("next_check_at", "nudge_at", "reminders_sent")
JSON_FIELDS = ("values", "copied")
DECISIONS = {"approved": "approve", "rejected": "reject", "returned": "return"}


@pytest.fixture
def migrated_database(demo_database):
    return demo_database


@pytest.fixture
def demo_company(app):
    """The app on a copy of the demo company (`migrated_database` above)."""
    return app


def _row(model, leave_out=()):
    """A row's stored values, JSON read as data: both writers may spell the same JSON differently."""
    values = {name: value for name, value in model.__data__.items() if name not in ("id", "request", *leave_out)}
    return {name: json.loads(value) if name in JSON_FIELDS else value for name, value in values.items()}


def _shape(request_id):
    request = ResourceRequest.get_by_id(request_id)
    steps = list(RequestStep.select().where(RequestStep.request == request_id)
                 .order_by(RequestStep.round, RequestStep.position))
    position = {step.id: step.position for step in steps}
    events = RequestEvent.select().where(RequestEvent.request == request_id).order_by(RequestEvent.at, RequestEvent.id)
    audit = (AuditEntry.select().where((AuditEntry.object_type == "ResourceRequest")
                                       & (AuditEntry.object_id == request_id)).order_by(AuditEntry.at, AuditEntry.id))
    return {
        "request": _row(request),
        "steps": [_row(step, JOB_FIELDS) for step in steps],
        "seats": sorted((position[seat.step_id], seat.user_id, seat.state, seat.reason, seat.replaces_id,
                         seat.added_at, seat.decided_at, seat.comment)
                        for step in steps for seat in step.approver_seats),
        "events": [(position.get(e.step_id), e.at, e.actor_id, e.action, e.comment, e.waited_seconds,
                    json.loads(e.detail)) for e in events],
        "allocation": [_row(a) for a in Allocation.select().where(Allocation.request == request_id)],
        "audit": [(a.at, a.actor_id, a.actor_name, a.action, a.summary, json.loads(a.changes)) for a in audit],
    }


def _at(moment):
    return time_machine.travel(moment.replace(tzinfo=datetime.timezone.utc), tick=False)


def _replay(flow):
    """The same request filed and decided through the behaviours, each decision at the moment the
    bulk writer gave it."""
    with _at(flow.filed):
        request = ResourceRequest.file(flow.requester, flow.version, flow.title, flow.values)
    decisions = (RequestEvent.select().where((RequestEvent.request == flow.id) & RequestEvent.actor.is_null(False)
                                             & (RequestEvent.action != "filed"))
                 .order_by(RequestEvent.at, RequestEvent.id))
    for event in decisions:
        with _at(event.at):
            step = request.active_step()
            if event.action == "allocated":  # keeping what the allocation form offers
                starts_on, ends_on = request.requested_period()
                request.record_allocation(event.actor, step.id, event.comment, people_days=request.people_days,
                                          amount=request.amount, starts_on=starts_on, ends_on=ends_on)
            elif event.action == "withdrawn":
                request.withdraw(event.actor, event.comment)
            else:
                request.decide(event.actor, step.id, DECISIONS[event.action], event.comment)
        request = ResourceRequest.get_by_id(request.id)
    return request.id


def test_every_outcome_the_bulk_writer_seeds_is_what_the_behaviours_leave(demo_company):
    for kind, *_ in TYPES:
        for n, (_, outcome) in enumerate(OUTCOMES):
            # Afresh for each request: the bulk writer hands out ids past those the replay took.
            company = _LargeRequests()
            version, specs = company.flows[kind]
            if outcome == "allocating" and version.allocation is None:
                continue
            flow = _Flow(company, version, company.requesters[n % len(company.requesters)],
                         "%s %s" % (kind, outcome))
            flow.plan(outcome, company.values(kind, specs, company.now.date()))
            flow.run(outcome)
            company.write()
            seeded, replayed = _shape(flow.id), _shape(_replay(flow))
            assert seeded["request"]["state"] == outcome
            for part in seeded:
                assert replayed[part] == seeded[part], (kind, outcome, part)
