"""Time limits: a periodic job nudges approvers at half a step's limit, and reminds, escalates
(升级处理) or returns steps past it; it hands the seats of deactivated approvers to their
stand-ins, and those of approvers away to their delegates (委托). Nothing is done twice: each
action moves the step's own clock in a conditional update."""
from flask import current_app

from portal import jobs
from portal.accounts.models import User
from portal.calendar import CompanyCalendar
from portal.db import db, utcnow
from portal.requests import announcements, approvers
from portal.requests.delegation import Delegation
from portal.requests.models import RequestStep, ResourceRequest, StepApprover, deadline
from portal.requests.notices import tell


@jobs.periodic_task(jobs.crontab(minute="*/5"))
def enforce_time_limits_periodically():
    enforce_time_limits()


def enforce_time_limits(now=None):
    """Act on every step past its time limit and on deactivated approvers; return the actions taken.

    Deactivated approvers are replaced at once (an admin's doing, and the flow must go on); nudges,
    reminders and escalations wait for working time: none goes out in quiet hours or on a day off,
    also when the worker catches up after being down."""
    now = now or utcnow()
    stale = (StepApprover.select(StepApprover.id).join(User)
             .where((StepApprover.state == "pending") & (User.active == False)))  # noqa: E712
    for seat in list(stale):
        hand_over(StepApprover.get_by_id(seat.id))
    hand_seats_to_delegates(Delegation.live().select(Delegation.user))
    if CompanyCalendar.current().is_quiet_at(now, current_app.config["DEFAULT_TIMEZONE"]):
        return []
    halfway = RequestStep.select(RequestStep.id).where((RequestStep.state == "active") & (RequestStep.nudge_at <= now))
    actions = [nudge(RequestStep.get_by_id(row.id), now) for row in list(halfway)]
    due = RequestStep.select(RequestStep.id).where((RequestStep.state == "active")
                                                   & (RequestStep.next_check_at <= now))
    actions += [act_on_time_limit(RequestStep.get_by_id(row.id), now) for row in list(due)]
    return [action for action in actions if action]


def nudge(step, now):
    """Half the time limit has passed: remind whoever has not decided yet, once."""
    with db.atomic():
        ResourceRequest.locked(step.request_id)  # the request first, as every change to it does
        taken = (RequestStep.update(nudge_at=None)
                 .where((RequestStep.id == step.id) & (RequestStep.state == "active")
                        & (RequestStep.nudge_at == step.nudge_at)).execute())
        if not taken:
            return None
        waited = CompanyCalendar.current().working_time(current_app.config["DEFAULT_TIMEZONE"]).between(
            step.started_at, now)
        hours = int(waited.total_seconds() // 3600)
        request = step.request
        for seat in step.pending_seats():
            tell(seat.user, "approval.nudge", request, key="approval.nudge:%d" % seat.id, hours=hours)
        request.audit(None, "request.nudge", request.state, {"step": [step.name, "nudged"]})
        announcements.waiting(step, hours)
        return "nudge"


def act_on_time_limit(step, now):
    """Remind, escalate or return one step whose time is up; None if there is nothing (left) to do."""
    with db.atomic():
        request = ResourceRequest.locked(step.request_id)  # the request first, as every change to it does
        step = RequestStep.get_by_id(step.id)  # again, inside the write lock
        if step.state != "active" or step.next_check_at is None or step.next_check_at > now:
            return None
        before = request.state
        if step.on_timeout == "return" and step.kind == "approval":
            step.close("returned")
            request.note(None, "timed_out", step, waited=step.waited(now))
            request.send_back(None, "")
            request.audit(None, "request.time_out", before, {"step": [step.name, "returned"]})
            return "return"
        escalate = step.on_timeout == "escalate" and step.escalated_at is None
        # The next look is one more time limit away: a step nobody decides keeps being raised.
        taken = (RequestStep.update(next_check_at=deadline(now, step.time_limit_hours),
                                    escalated_at=now if escalate else step.escalated_at,
                                    reminders_sent=step.reminders_sent + (0 if escalate else 1))
                 .where((RequestStep.id == step.id) & (RequestStep.next_check_at == step.next_check_at))
                 .execute())
        if not taken:
            return None
        pending = step.pending_seats()
        round_key = "%d:%s" % (step.id, step.next_check_at.isoformat())
        for seat in pending:
            tell(seat.user, "approval.waiting", request, key="approval.reminder:%s:%d" % (round_key, seat.user_id),
                 requester=request.requester.name)
        if not escalate:
            request.note(None, "reminded", step, waited=step.waited(now))
            request.audit(None, "request.remind", before, {"step": [step.name, "reminded"]},
                          summary=", ".join(seat.user.name for seat in pending))
            return "remind"
        added = _seat_escalation(step, request, pending)
        names = ", ".join(user.name for user in added)
        request.note(None, "escalated", step, waited=step.waited(now), detail={"to": names})
        for user in [request.requester, *added]:
            tell(user, "request.escalated", request, key="request.escalated:%s:%d" % (round_key, user.id),
                 to=names or "—")
        request.audit(None, "request.escalate", before, {"step": [step.name, "escalated"]}, summary=names)
        announcements.escalated(step, added)
        return "escalate"


def _seat_escalation(step, request, pending):
    """Seat the department head of each waiting approver (an admin where there is none, or where
    the head already sits on the step); any one of them may then decide the whole step."""
    seated = [seat.user for seat in step.seats()]
    added = []
    for seat in pending:
        user = approvers.stand_in_for(seat.user, request.requester)
        if user is None or user in seated:
            user = approvers.any_admin(request.requester, *seated)
        if user is None or user in seated:
            continue
        seated.append(user)
        added.append(user)
        StepApprover.create(step=step, user=user, reason="escalated", replaces=seat.user)
    return added


def hand_over(seat):
    """Give a deactivated approver's seat to their stand-in, with a note in the trail. A stand-in
    who already sits on the step keeps their one seat, noted as counting for both; if they have
    already approved and nobody else is waiting, the step is approved."""
    with db.atomic():
        request = ResourceRequest.locked(seat.step.request_id)  # the request first, as every change to it does
        seat = StepApprover.locked(seat.id)
        if seat.state != "pending" or seat.user.active:
            return None
        step = seat.step
        before = request.state
        StepApprover.update(state="replaced").where(StepApprover.id == seat.id).execute()
        seated = {s.user_id: s for s in step.seats().where(StepApprover.state != "replaced")}
        if seat.reason == "added_before":
            # Added before someone (加签) who waits for them: that person decides again instead.
            user, merged = seat.replaces, True
            step.release_held(user.id, request)
        else:
            user = approvers.stand_in_for(seat.user, request.requester)
            merged = user is not None and user.id in seated
        if user is not None and not merged:
            StepApprover.create(step=step, user=user, replaces=seat.user,
                                reason="escalated" if seat.reason == "escalated" else "substitute")
            tell(user, "approval.waiting", request, requester=request.requester.name)
        request.note_replacement(step, seat.user, user, merged)
        if not step.pending_seats():
            if merged and seated[user.id].state == "approved":
                step.close("approved")
                request._advance(None)
            else:
                request.note(None, "unassigned", step)
        request.audit(None, "request.hand_over", before, {"approver": [seat.user.name, user.name if user else None]})
        return user


def hand_seats_to_delegates(users):
    """Hand every seat waiting for these people (ids, or a query of them) to their delegates, each
    in its own transaction."""
    away = StepApprover.select(StepApprover.id).where((StepApprover.state == "pending") & StepApprover.user.in_(users))
    for seat in list(away):
        hand_to_delegate(StepApprover.get_by_id(seat.id))


def hand_to_delegate(seat):
    """Give the waiting seat of someone away to the colleague they delegated to (委托), noted in the
    trail; a delegate already seated on the step keeps their one seat, counting for both."""
    with db.atomic():
        request = ResourceRequest.locked(seat.step.request_id)  # the request first, as every change to it does
        seat = StepApprover.locked(seat.id)
        delegate = Delegation.acting_for(seat.user, excluded=[request.requester])
        if seat.state != "pending" or delegate is None:
            return None
        step = seat.step
        before = request.state
        StepApprover.update(state="replaced").where(StepApprover.id == seat.id).execute()
        own = step.seats().where(StepApprover.user == delegate).first()
        if own is None:
            StepApprover.create(step=step, user=delegate, replaces=seat.user, reason="delegated")
            tell(delegate, "approval.waiting", request, requester=request.requester.name)
        request.note_delegation(step, seat.user, delegate, own is not None)
        if not step.pending_seats():
            if own is not None and own.state == "approved":
                step.close("approved")
                request._advance(None)
            else:
                request.note(None, "unassigned", step)
        request.audit(None, "request.delegate", before, {"approver": [seat.user.name, delegate.name]})
        return delegate
