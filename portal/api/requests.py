"""Resource requests: lists (all I may see, filed by me, waiting for me), one request with its
fields, and decisions made through the requests area, where exactly one decision of a seat counts."""
from flask_login import current_user

from portal.api import schemas
from portal.api.protocol import answer, api, body, links, operation, query, ref, refused
from portal.api.cursor import page
from portal.api.problems import Problem
from portal.db import Invalid
from portal.permissions import authorize, authorized
from portal.requests.models import RequestStep, ResourceRequest, StepApprover

TAGS = ["requests"]


@api.route("/requests")
@operation(query=schemas.RequestQuery, model=schemas.RequestPage, tags=TAGS)
def requests():
    """Requests the token's owner may see, newest first; `scope=waiting` lists those waiting for their
    decision. A finance script reads approved spending with `state=approved`."""
    asked = query(schemas.RequestQuery)
    found = ResourceRequest.find(current_user, asked.scope, asked.state, asked.type, asked.submitted_from,
                                 asked.submitted_to)
    rows, cursor = page(found, [ResourceRequest.id], asked.cursor, asked.limit, descending=True)
    url = links("requests.show", "request_id")
    return answer(schemas.RequestPage(items=[_request(r, url) for r in rows], next_cursor=cursor))


@api.route("/requests/<int:request_id>")
@operation(model=schemas.RequestDetail, answers=(404,), tags=TAGS)
def request_detail(request_id):
    """A request with its fields and the step now waiting, with whom it waits for."""
    return answer(_detail(authorized(ResourceRequest, request_id)))


@api.route("/requests/<int:request_id>/approve", methods=["POST"])
@operation(body=schemas.Decision, model=schemas.RequestDetail, answers=(404,), tags=TAGS)
def approve(request_id):
    """Approve the step named, as one of the people it waits for."""
    return _decide(request_id, "approve")


@api.route("/requests/<int:request_id>/reject", methods=["POST"])
@operation(body=schemas.Decision, model=schemas.RequestDetail, answers=(404,), tags=TAGS)
def reject(request_id):
    """Reject the request at the step named; the comment, required, tells the requester why."""
    return _decide(request_id, "reject")


def _decide(request_id, decision):
    item = authorized(ResourceRequest, request_id)
    sent = body(schemas.Decision)
    step = RequestStep.get_or_none((RequestStep.id == sent.step_id) & (RequestStep.request == item))
    if step is None:
        raise Problem(404)
    authorize("decide", step)
    try:
        decided = item.decide(current_user, step.id, decision, sent.comment)
    except Invalid as invalid:
        raise refused(invalid) from None
    return answer(_detail(decided))


def _request(r, url):
    return schemas.Request(
        id=r.id, title=r.title, type=ref(r.type, r.type.display_name),
        requester=ref(r.requester, r.requester.name), department=_named(r.department),
        provider=_named(r.provider), project_id=r.project_id, state=r.state, round=r.round, amount=r.amount,
        currency=r.currency, people_days=r.people_days, submitted_at=r.submitted_at, finished_at=r.finished_at,
        url=url(r.id))


def _detail(r):
    r = ResourceRequest.get_by_id(r.id)
    step = r.active_step()
    waiting = None
    if step is not None:
        holders = [seat.user for seat in StepApprover.on_steps([step.id]).where(StepApprover.state == "pending")]
        waiting = schemas.Step(id=step.id, name=str(step.display_name), state=step.state, started_at=step.started_at,
                               due_at=step.due_at, waiting_for=[ref(u, u.name) for u in holders])
    fields = [schemas.FieldValue(key=spec.key, label=spec.display_label, value=str(text or ""))
              for spec, text in r.shown_values()]
    return schemas.RequestDetail(**_request(r, links("requests.show", "request_id")).model_dump(), fields=fields,
                                 waiting_step=waiting)


def _named(department):
    return None if department is None else ref(department, department.display_name)
