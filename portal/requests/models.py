"""Resource requests: filing, routing through the steps of their flow version, decisions, the trail.

Each decision runs in one write transaction that re-reads the request under the write lock, then
the step and the approver's seat, and marks the seat with a conditional update: of two clicks or two tabs
exactly one counts, the other is told who decided. Every change to a request, its steps and seats locks
the request first, always in that order: two of them on one request take turns instead of deadlocking.
"""
import datetime
import decimal
import json
import zoneinfo

from flask import current_app
from flask_babel import format_datetime, lazy_pgettext
from flask_babel import lazy_gettext as _l
from peewee import (JOIN, SQL, BigIntegerField, CharField, DateField, DateTimeField, ForeignKeyField,
                    IntegerField, TextField)

from portal import search
from portal.accounts.models import Department, User
from portal.audit import AuditEntry
from portal.db import BaseModel, ExactDecimalField, Invalid, Prepared, db, utcnow
from portal.i18n import current_language
from portal.calendar import CompanyCalendar
from portal.projects.models import Project
from portal.requests import announcements, approvers, fields
from portal.requests.notices import tell
from portal.requests.types import FlowVersion, RequestType
from portal.tasks.models import Task

STATES = {"in_review": _l("In review"), "returned": _l("Returned for changes"),
          "allocating": _l("Awaiting allocation"), "approved": lazy_pgettext("request state", "Approved"),
          "rejected": _l("Rejected"), "withdrawn": _l("Withdrawn"),
          "revoking": _l("Revocation asked (撤销审批中)"), "revoked": _l("Revoked (已撤销)")}
OPEN_STATES = ("in_review", "returned", "allocating")
STEP_STATES = {"waiting": _l("Not reached yet"), "active": _l("Waiting for a decision"),
               "approved": _l("Approved"), "rejected": _l("Rejected"), "returned": _l("Sent back"),
               "skipped": _l("Skipped: its condition does not apply"), "cancelled": _l("Not needed any more")}
SEAT_STATES = {"pending": _l("Waiting"), "approved": _l("Approved"), "rejected": _l("Rejected"),
               "returned": _l("Sent back"), "not_needed": _l("Not needed"), "replaced": _l("Replaced"),
               "transferred": _l("Passed on (转交)"), "held": _l("Waits for the approver added before")}
DECISIONS = {"approve": "approved", "reject": "rejected", "return": "returned"}
# The most decisions one batch approval takes: a page of the inbox, well within a request's time.
BATCH_MAX = 50
ACTIONS = {
    "filed": lazy_pgettext("request trail", "Filed"), "resubmitted": _l("Resubmitted after changes"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"), "returned": _l("Sent back for changes"), "withdrawn": _l("Withdrawn"),
    "skipped": _l("Skipped: its condition does not apply"), "reminded": _l("Reminded: the time limit passed"),
    "escalated": _l("Escalated (升级处理)"), "timed_out": _l("Returned to the requester: the time limit passed"),
    "substituted": _l("Approver replaced"), "unassigned": _l("Nobody can decide this step"),
    "allocated": _l("Allocation recorded"), "completed": _l("Approved in full"),
    "no_task": _l("No task was made: the providing department has no head to own it"),
    "transferred": _l("Passed on (转交)"), "added_before": _l("Added an approver before themselves (加签)"),
    "added_after": _l("Added an approver after themselves (加签)"),
    "delegated": _l("Delegated (委托)"), "urged": _l("Nudged the approvers (催办)"),
    "revocation_asked": _l("Asked to revoke the approved request (撤销)"), "revoked": _l("Revoked (已撤销)"),
    "revocation_refused": _l("Revocation refused: the approval stands"),
}
# How often a requester may nudge the approvers of one request (催办).
URGE_EVERY = datetime.timedelta(hours=24)
# Where 加签 puts the added approver: before me (the step waits for them first) or after me (a
# step of its own after mine).
ADD_WHERE = ("before", "after")


def deadline(start, hours):
    """When a time limit of `hours` that starts at `start` runs out: only the hours of working
    days count (public holidays, 调休 make-up days and the company's closed days as the admin set
    them), in the company's time zone."""
    return CompanyCalendar.current().working_deadline(start, hours, current_app.config["DEFAULT_TIMEZONE"])


class ResourceRequest(BaseModel):
    type = ForeignKeyField(RequestType, backref="requests", on_delete="RESTRICT")
    version = ForeignKeyField(FlowVersion, backref="requests", on_delete="RESTRICT")
    requester = ForeignKeyField(User, backref="resource_requests", on_delete="RESTRICT")
    # The requester's department and the provider when filed, so moves later keep the reports true.
    department = ForeignKeyField(Department, null=True, backref="requests_filed", on_delete="RESTRICT")
    provider = ForeignKeyField(Department, backref="requests_received", on_delete="RESTRICT")
    project = ForeignKeyField(Project, null=True, backref="resource_requests", on_delete="SET NULL")
    # The task the providing department got on final approval, when the type asks for one.
    task = ForeignKeyField(Task, null=True, backref="+", on_delete="SET NULL")
    title = CharField(max_length=200)
    # BX-2026-0001 when its type numbers requests (RequestType.next_number), else "".
    number = CharField(max_length=30, default="")
    values = TextField(default="{}")
    # Copied out of the fields that count in reports, so the database can sum them.
    amount_cents = BigIntegerField(null=True)
    currency = CharField(max_length=3, default="")
    people_days = ExactDecimalField(max_digits=12, decimal_places=2, null=True)
    state = CharField(max_length=12, index=True)
    round = IntegerField(default=1)
    submitted_at = DateTimeField(default=utcnow, index=True)
    finished_at = DateTimeField(null=True)
    # When the requester last nudged the approvers (催办): once a day at most.
    urged_at = DateTimeField(null=True)

    def __str__(self):
        return "#%d %s" % (self.id, self.title)

    @property
    def state_label(self):
        return STATES.get(self.state, self.state)

    @property
    def reference(self):
        return self.number or "#%d" % self.id

    @property
    def is_open(self):
        return self.state in OPEN_STATES

    @property
    def value_map(self):
        return json.loads(self.values)

    @property
    def amount(self):
        return None if self.amount_cents is None else decimal.Decimal(self.amount_cents).scaleb(-2)

    def shown_values(self, *value_maps):
        """[(field spec, value as text)] in the order of the request's version, for its values or,
        given several value maps, [(field spec, text, text, ...)] one text per map."""
        value_maps = value_maps or (self.value_map,)
        specs = self.version.fields
        wanted = {kind: [values[s.key] for values in value_maps for s in specs if s.kind == kind and values.get(s.key)]
                  for kind in ("person", "department")}
        names = {("person", u.id): u.name for u in User.select(User.id, User.name).where(User.id.in_(wanted["person"]))}
        names.update({("department", d.id): d.display_name for d in Department.select().where(
            Department.id.in_(wanted["department"]))})
        return [(spec, *(spec.shown(values.get(spec.key), names) for values in value_maps)) for spec in specs]

    def rounds(self):
        return list(RequestRound.select().where(RequestRound.request == self).order_by(RequestRound.number))

    def values_and_changes(self):
        """The values as shown [(field spec, text)], and what the requester changed for this round
        [(label, before, after)], the subject first (none in the first round)."""
        rounds = self.rounds()
        if len(rounds) < 2:
            return self.shown_values(), []
        before, after = rounds[-2], rounds[-1]
        rows = self.shown_values(after.value_map, before.value_map)
        changes = [(_l("Subject"), before.title, after.title)] if before.title != after.title else []
        changes += [(spec.display_label, was, now) for spec, now, was in rows if str(was) != str(now)]
        return [(spec, now) for spec, now, _ in rows], changes

    def requested_period(self):
        """(first day, last day) of the first date range asked for, else (None, None)."""
        values = self.value_map
        for spec in self.version.fields:
            if spec.kind == "date_range" and values.get(spec.key):
                return tuple(datetime.date.fromisoformat(day) for day in values[spec.key])
        return None, None

    def round_steps(self, round=None):
        return (RequestStep.select().where((RequestStep.request == self)
                                           & (RequestStep.round == (round or self.round)))
                .order_by(RequestStep.position))

    def active_step(self):
        return RequestStep.get_or_none((RequestStep.request == self) & (RequestStep.state == "active"))

    def seat_of(self, user):
        """The user's undecided seat on the step now waiting, or None."""
        return (StepApprover.select(StepApprover, RequestStep).join(RequestStep)
                .where((RequestStep.request == self) & (RequestStep.state == "active")
                       & (StepApprover.user == user) & (StepApprover.state == "pending")).first())

    def search_document(self, version=None):
        """What search finds the request by: its title and the text it was filed with."""
        values = self.value_map
        texts = [values[spec.key] for spec in (version or self.version).fields
                 if spec.kind in ("text", "long_text", "choice") and isinstance(values.get(spec.key), str)]
        return dict(kind="request", object_id=self.id, title=self.title, body="\n".join(texts), at=self.submitted_at,
                    owner_id=self.requester_id, department_id=self.department_id,
                    other_department_id=self.provider_id, project_id=self.project_id)

    def index_for_search(self):
        search.index(**self.search_document())

    def trail(self):
        Actor = User.alias()
        return (RequestEvent.select(RequestEvent, Actor, RequestStep)
                .join(Actor, JOIN.LEFT_OUTER, on=(RequestEvent.actor == Actor.id))
                .switch(RequestEvent).join(RequestStep, JOIN.LEFT_OUTER)
                .where(RequestEvent.request == self).order_by(RequestEvent.at, RequestEvent.id))

    def allocation(self):
        return Allocation.get_or_none(Allocation.request == self)

    def copied_ids(self):
        """Who is copied on a step this request has taken or will take (skipped steps copy nobody)."""
        return {copy.user_id for copy in StepCopy.select(StepCopy.user).join(RequestStep)
                .where(RequestStep.request == self)}

    def involves(self, user):
        """Whether the user holds or held a seat on one of this request's steps."""
        return (StepApprover.select().join(RequestStep)
                .where((RequestStep.request == self) & (StepApprover.user == user)).exists())

    # -- lists --------------------------------------------------------------------------------

    @classmethod
    def listing(cls):
        Requester = User.alias()
        return (cls.select(cls, RequestType, Requester)
                .join(RequestType).switch(cls).join(Requester, on=(cls.requester == Requester.id))
                .order_by(cls.submitted_at.desc(), cls.id.desc()))

    @classmethod
    def filed_by(cls, user):
        return cls.listing().where(cls.requester == user)

    @classmethod
    def passed_through(cls, user):
        seats = StepApprover.select(RequestStep.request).join(RequestStep).where(StepApprover.user == user)
        return cls.listing().where(cls.id.in_(seats))

    @classmethod
    def of_department(cls, department):
        return cls.listing().where((cls.department == department) | (cls.provider == department))

    @classmethod
    def visible_to(cls, user):
        """The requests `user` may see, as the permissions module's rule says, in SQL."""
        return cls.listing().where(cls.visibility_for(user))

    @classmethod
    def visibility_for(cls, user):
        """The view rule of portal.permissions as a condition on requests (a parity test holds
        the two together)."""
        if user.is_admin or user.is_coordinator:
            return SQL("1 = 1")
        sources = (cls, RequestStep, StepApprover, StepCopy)
        if user.department_id is None:
            return _SEEN_BY_OUTSIDER(sources, user.id)
        return _SEEN_BY_MEMBER(sources, user.id, user.department_id)

    @classmethod
    def waiting_for(cls, user):
        """The requests with a step waiting for the user's decision."""
        seats = (StepApprover.select(RequestStep.request).join(RequestStep)
                 .where((StepApprover.user == user) & (StepApprover.state == "pending")))
        return cls.listing().where(cls.id.in_(seats))

    @classmethod
    def find(cls, user, scope="visible", state=None, type_id=None, submitted_from=None, submitted_to=None):
        """Requests for a script: those `user` may see (or filed, or must decide), narrowed by state,
        type and the days (in the company's time zone) they were filed, with both departments."""
        query = {"mine": cls.filed_by, "waiting": cls.waiting_for}.get(scope, cls.visible_to)(user)
        Requesting, Provider = Department.alias(), Department.alias()
        query = (query.select_extend(Requesting, Provider)
                 .join_from(cls, Requesting, JOIN.LEFT_OUTER, on=(cls.department == Requesting.id), attr="department")
                 .join_from(cls, Provider, on=(cls.provider == Provider.id), attr="provider"))
        if state is not None:
            query = query.where(cls.state == state)
        if type_id is not None:
            query = query.where(cls.type == type_id)
        zone = current_app.config["DEFAULT_TIMEZONE"]
        if submitted_from is not None:
            query = query.where(cls.submitted_at >= _day_start(submitted_from, zone))
        if submitted_to is not None:
            query = query.where(cls.submitted_at < _day_start(submitted_to + datetime.timedelta(days=1), zone))
        return query

    @classmethod
    def waiting_longest(cls, limit=10, viewer=None):
        """Open requests whose current step has waited longest (of those `viewer` may see)."""
        query = cls.visible_to(viewer) if viewer is not None else cls.listing()
        return (query.join_from(cls, RequestStep).where(RequestStep.state == "active")
                .order_by(RequestStep.started_at).limit(limit))

    @classmethod
    def waiting_longer_than(cls, hours, departments, now=None):
        """Requests to or from `departments` (ids) whose step has waited over `hours`, with holders."""
        cutoff = (now or utcnow()) - datetime.timedelta(hours=hours)
        return cls.with_holders(cls.waiting_longest(limit=None).where(
            (RequestStep.started_at <= cutoff) & (cls.department.in_(departments) | cls.provider.in_(departments))))

    @staticmethod
    def with_holders(requests):
        """The requests, each with .step (the one waiting) and .holders (names), in two queries."""
        requests = list(requests)
        by_id = {r.id: r for r in requests}
        for r in requests:
            r.step, r.holders = None, []
        seats = (StepApprover.select(StepApprover, RequestStep, User).join(RequestStep).switch(StepApprover).join(User)
                 .where(RequestStep.request.in_(list(by_id)) & (RequestStep.state == "active")
                        & (StepApprover.state == "pending")).order_by(User.name))
        for seat in seats:
            owner = by_id[seat.step.request_id]
            owner.step = seat.step
            owner.holders.append(seat.user.name)
        for step in RequestStep.select().where(RequestStep.request.in_([r.id for r in requests if r.step is None])
                                               & (RequestStep.state == "active")):
            by_id[step.request_id].step = step
        return requests

    # -- behaviours -----------------------------------------------------------------------------

    @classmethod
    def file(cls, requester, version, title, values, project=None):
        """File a request under a published version; `values` are the fields' stored values."""
        if project is not None and project.read_only:
            raise Invalid(_l("“%(name)s” is archived; choose a live project.", name=project.name), "project")
        with db.atomic():
            request = cls(type=version.type_id, version=version, requester=requester,
                          department=requester.department_id, provider=version.data["provider_id"],
                          project=project, title=title, state="in_review")
            request.number = version.type.next_number(request.submitted_at)
            request._set_values(values)
            request.save()
            RequestRound.create(request=request, number=1, title=title, values=request.values,
                                submitted_at=request.submitted_at)
            request.note(requester, "filed")
            request._start_round(requester)
            request.audit(requester, "request.file", None, summary=title)
            request.index_for_search()
        return request

    def resubmit(self, user, title, values):
        with db.atomic():
            request = ResourceRequest.locked(self.id)
            if request.state != "returned":
                raise Invalid(_l("Only a request sent back for changes can be sent again."))
            request.title = title
            request._set_values(values)
            request.round += 1
            request.state = "in_review"
            request.save()
            RequestRound.create(request=request, number=request.round, title=title, values=request.values)
            request.note(user, "resubmitted")
            request._start_round(user)
            request.audit(user, "request.resubmit", "returned")
            request.index_for_search()
        return request

    def withdraw(self, user, comment=""):
        with db.atomic():
            request = ResourceRequest.locked(self.id)
            if not request.is_open:
                raise Invalid(_l("This request has already ended (%(state)s); there is nothing to withdraw.",
                                 state=request.state_label))
            before = request.state
            step = request.active_step()
            holders = [seat.user for seat in step.pending_seats()] if step else []
            if step is not None:
                step.close("cancelled")
            request._cancel_waiting_steps()
            request._end(user, "withdrawn", comment)
            request.audit(user, "request.withdrawn", before, summary=comment)
            for holder in holders:
                tell(holder, "request.withdrawn", request, actor=user.name)
        return request

    def urge(self, user):
        """催办: the requester nudges whoever the waiting step waits for, at most once a day and
        never in quiet hours; they hear it through their notifications, the departments' group
        robots that hear waiting requests too."""
        now = utcnow()
        if CompanyCalendar.current().is_quiet_at(now, current_app.config["DEFAULT_TIMEZONE"]):
            raise Invalid(_l("It is outside office hours now; nudge them once the working day starts."))
        with db.atomic():
            request = ResourceRequest.locked(self.id)
            step = request.active_step() if request.is_open else None
            waiting_on = [seat.user for seat in step.pending_seats()] if step is not None else []
            if not waiting_on:
                raise Invalid(_l("This request is not waiting for anyone's decision now."))
            since = now - URGE_EVERY
            if request.urged_at is not None and request.urged_at > since:
                raise Invalid(_l("You nudged them less than a day ago; you can nudge them again from %(when)s.",
                                 when=format_datetime(request.urged_at + URGE_EVERY, "short")))
            (ResourceRequest.update(urged_at=now)
             .where((ResourceRequest.id == self.id)
                    & (ResourceRequest.urged_at.is_null() | (ResourceRequest.urged_at <= since))).execute())
            names = "、".join(person.name for person in waiting_on)
            for person in waiting_on:
                tell(person, "approval.urged", request, requester=user.name)
            request.note(user, "urged", step, detail={"to": names})
            request.audit(user, "request.urge", request.state, summary=names)
            announcements.urged(step, user)
        return request

    def ask_to_revoke(self, user, reason):
        """撤销: the requester asks to undo an approved request; those who approved its last approval
        step decide, in a small step of its own (approve: revoked; reject: the approval stands)."""
        if not reason:
            raise Invalid(_l("Say why it should be revoked."), "comment")
        with db.atomic():
            request = ResourceRequest.locked(self.id)
            if request.state != "approved":
                raise Invalid(_l("Only an approved request can be revoked."))
            steps = list(request.round_steps())
            last = next((s for s in reversed(steps) if s.kind == "approval" and s.state == "approved"), None)
            deciders = ([seat.user_id for seat in last.seats().where(StepApprover.state == "approved")]
                        if last is not None else [])
            entries = [{"kind": "people", "ids": deciders}] if deciders else [{"kind": "provider_head"}]
            step = RequestStep.create(request=request, round=request.round, position=steps[-1].position + 1,
                                      kind="revocation", name="撤销审批", name_en="Revocation", mode="any",
                                      added_approvers=json.dumps(entries))
            request.state = "revoking"
            request.save()
            request.note(user, "revocation_asked", step, reason)
            step._activate(request)
            request.audit(user, "request.ask_revoke", "approved", summary=reason)
        return request

    def _settle_revocation(self, user, step, decision, comment):
        """Inside decide(): the revocation step is approved (the request is revoked) or rejected
        (it stands approved, as before)."""
        step.close("approved" if decision == "approve" else "rejected")
        if decision == "approve":
            self.state, self.finished_at = "revoked", utcnow()
            self.note(None, "revoked", step)
        else:
            self.state = "approved"
            self.note(None, "revocation_refused", step)
        self.save()
        tell(self.requester, "request.revocation", self, comment=comment or "—",
             outcome=_l("it is revoked") if decision == "approve" else _l("refused, the approval stands"))

    def decide(self, user, step_id, decision, comment="", to_step=None):
        """Approve, reject or send back (decision "approve"/"reject"/"return") the waiting step; a
        send-back goes to the requester, or with `to_step` (an id) to that earlier step of this
        round (退回到指定节点), which then runs again with every step after it."""
        if decision not in DECISIONS:
            raise Invalid(_l("Choose approve, reject or send back."))
        if decision != "approve" and not comment:
            raise Invalid(_l("Say why, so the requester knows what to do next."), "comment")
        with db.atomic():
            request, step, seat = self._seat_for(user, step_id)
            if step.kind == "allocation":
                raise Invalid(_l("Record the allocation to finish this step."))
            before = request.state
            target = request.earlier_step(step, to_step) if decision == "return" and to_step else None
            if step.kind == "revocation" and decision == "return":
                raise Invalid(_l("Approve or reject the revocation; there is nothing to change and send again."))
            seat.mark(DECISIONS[decision], comment)
            detail = dict(seat.on_behalf() or {}, **({"to_step": target.id} if target else {}))
            request.note(user, DECISIONS[decision], step, comment, waited=step.waited(), detail=detail)
            if step.kind == "revocation":
                request._settle_revocation(user, step, decision, comment)
            elif decision == "approve":
                if seat.reason == "added_before":
                    step.release_held(seat.replaces, request)
                elif step.mode == "any" or seat.reason == "escalated" or not step.pending_seats(escalated=False):
                    step.close("approved")
                    request._advance(user)
            elif decision == "reject":
                step.close("rejected")
                request._cancel_waiting_steps()
                request._end(user, "rejected", comment, note=False)
            elif target is not None:
                step.close("returned")
                request._run_again(target, step)
            else:
                step.close("returned")
                request.send_back(user, comment)
            request.audit(user, "request." + decision, before, {"step": [step.name, DECISIONS[decision]]},
                          summary=comment)
        return request

    def steps_to_return_to(self, step):
        """The steps of this round that `step` may send the request back to: those approved before it."""
        return list(self.round_steps().where((RequestStep.position < step.position) & (RequestStep.kind == "approval")
                                             & (RequestStep.state == "approved")))

    def earlier_step(self, step, step_id):
        target = next((s for s in self.steps_to_return_to(step) if s.id == step_id), None)
        if target is None:
            raise Invalid(_l("Choose a step this request has passed already."), "to_step")
        return target

    def _run_again(self, target, current):
        """退回到指定节点: the steps from `target` to `current` (both included) run again, as new
        steps right after `current`; the steps not reached yet follow them as before."""
        again = list(self.round_steps().where((RequestStep.position >= target.position)
                                              & (RequestStep.position <= current.position)
                                              & (RequestStep.state != "skipped")))
        self._make_room(current.position, len(again))
        copied = StepCopy.select().where(StepCopy.step.in_([s.id for s in again]))
        copies = {}
        for row in copied:
            copies.setdefault(row.step_id, []).append(row.user_id)
        for offset, old in enumerate(again, start=1):
            step = RequestStep.create(
                request=self, round=self.round, position=current.position + offset, kind=old.kind,
                spec_index=old.spec_index, level=old.level, name=old.name, name_en=old.name_en, mode=old.mode,
                time_limit_hours=old.time_limit_hours, on_timeout=old.on_timeout,
                added_approvers=old.added_approvers)
            step.copy_to(copies.get(old.id, []))
        self._advance(None)

    def transfer(self, user, step_id, to, reason):
        """转交: pass the user's waiting seat on the step to `to`, who then decides in their place;
        the trail names both, with the reason."""
        if not reason:
            raise Invalid(_l("Say why you pass it on, so the next approver knows what is expected."), "comment")
        with db.atomic():
            request, step, seat = self._seat_for(user, step_id)
            to = step.newcomer(request, to)
            before = request.state
            seat.mark("transferred", reason)
            StepApprover.create(step=step, user=to, reason="transferred", replaces=user)
            request.note(user, "transferred", step, reason, detail={"to": to.name})
            tell(to, "approval.waiting", request, requester=request.requester.name)
            request.audit(user, "request.transfer", before, {"approver": [user.name, to.name]}, summary=reason)
        return request

    def add_approver(self, user, step_id, other, where, reason):
        """加签: `other` decides before the user (the user's seat waits until they approve) or after
        (a step of its own right after this one); noted in the trail."""
        if where not in ADD_WHERE:
            raise Invalid(_l("Choose before or after you."), "where")
        if not reason:
            raise Invalid(_l("Say why another approver is needed."), "comment")
        with db.atomic():
            request, step, seat = self._seat_for(user, step_id)
            if step.kind != "approval":
                raise Invalid(_l("This step is decided by the people it names; pass it on instead."))
            other = step.newcomer(request, other)
            before = request.state
            if where == "before":
                seat.mark("held", reason, decided=False)
                StepApprover.create(step=step, user=other, reason="added_before", replaces=user)
                tell(other, "approval.waiting", request, requester=request.requester.name)
            else:
                request._make_room(step.position)
                RequestStep.create(request=request, round=step.round, position=step.position + 1,
                                   name="加签审批", name_en="Added approval", mode="any",
                                   added_approvers=json.dumps([{"kind": "people", "ids": [other.id]}]),
                                   time_limit_hours=step.time_limit_hours, on_timeout=step.on_timeout)
            request.note(user, "added_" + where, step, reason, detail={"to": other.name})
            request.audit(user, "request.add_approver", before, {"approver": [None, other.name], "where": where},
                          summary=reason)
        return request

    def record_allocation(self, user, step_id, commitment, people_days=None, amount=None, starts_on=None,
                          ends_on=None):
        if starts_on and ends_on and ends_on < starts_on:
            raise Invalid(_l("The last day cannot be before the first."), "ends_on")
        for field, value in (("people_days", people_days), ("amount", amount)):
            if value is not None and value < 0:
                raise Invalid(_l("What is committed cannot be less than zero."), field)
        with db.atomic():
            request, step, seat = self._seat_for(user, step_id)
            if step.kind != "allocation":
                raise Invalid(_l("This step is an approval, not the allocation."))
            before = request.state
            Allocation.create(request=request, recorded_by=user, commitment=commitment, people_days=people_days,
                              amount_cents=None if amount is None else int(amount * 100),
                              currency=request.currency or "CNY", starts_on=starts_on, ends_on=ends_on)
            seat.mark("approved", commitment)
            request.note(user, "allocated", step, commitment, waited=step.waited(), detail=seat.on_behalf())
            step.close("approved")
            request._advance(user)
            request.audit(user, "request.allocate", before, {"people_days": [None, _plain(people_days)],
                                                             "amount": [None, _plain(amount)]})
        return request

    # -- routing --------------------------------------------------------------------------------

    def _seat_for(self, user, step_id):
        """Inside the write transaction: the request, the step and the user's seat, or why not."""
        request = ResourceRequest.locked(self.id)
        if request.state == "withdrawn":
            raise Invalid(_l("%(name)s withdrew this request; there is nothing left to decide.",
                             name=request.requester.name))
        step = RequestStep.get_or_none((RequestStep.id == step_id) & (RequestStep.request == request))
        if step is None or step.state != "active":
            decided = step.decided_by() if step is not None else ""
            if decided:
                raise Invalid(_l("This step was already decided by %(names)s.", names=decided))
            raise Invalid(_l("This step is not waiting for a decision now."))
        if user.id == request.requester_id:
            raise Invalid(_l("Nobody decides on their own request."))
        seat = StepApprover.get_or_none((StepApprover.step == step) & (StepApprover.user == user))
        if seat is None or seat.state == "replaced":
            raise Invalid(_l("This step is not yours to decide."))
        if seat.state == "transferred":
            raise Invalid(_l("You passed this step on; it is no longer yours to decide."))
        if seat.state == "held":
            raise Invalid(_l("This step waits first for the approver you added before you."))
        if seat.state != "pending":
            raise Invalid(_l("You have already decided this step."))
        return request, step, seat

    def _make_room(self, position, count=1):
        """Move this round's steps after `position` on by `count` places. In two updates, through
        negative numbers, since the positions of a round are unique at every row either engine
        writes."""
        mine = (RequestStep.request == self) & (RequestStep.round == self.round)
        (RequestStep.update(position=(RequestStep.position + count) * -1)
         .where(mine & (RequestStep.position > position)).execute())
        RequestStep.update(position=RequestStep.position * -1).where(mine & (RequestStep.position < 0)).execute()

    def _set_values(self, values):
        version = self.version
        self.values = json.dumps(values, ensure_ascii=False)
        money, days = version.measure_field("money"), version.measure_field("people_days")
        amount = money.number(values.get(money.key)) if money else None
        self.amount_cents = None if amount is None else int(amount * 100)
        self.currency = money.currency if money else ""
        self.people_days = days.number(values.get(days.key)) if days else None

    def _step_applies(self, spec, values):
        """Whether a step's conditions hold: on a field, on the requester's department (when filed)
        and role, each joined to those before it by "and" or "or", "and" binding first; a step
        with none always applies."""
        version, condition, requester = self.version, spec["condition"], spec.get("requester") or {}
        tests = []
        if condition is not None:
            tests.append(("and", fields.condition_holds(condition, version.field(condition["field"]),
                                                        values.get(condition["field"]))))
        if requester.get("department"):
            tests.append((requester["department_join"], self.department_id == requester["department"]))
        if requester.get("role"):
            tests.append((requester["role_join"], self.requester.role == requester["role"]))
        alternatives = [[]]
        for index, (join, holds) in enumerate(tests):
            if index and join == "or":
                alternatives.append([])
            alternatives[-1].append(holds)
        return any(all(alternative) for alternative in alternatives)

    def _start_round(self, by):
        version, values = self.version, self.value_map
        position = 0
        for index, spec in enumerate(version.steps):
            holds = self._step_applies(spec, values)
            for level in self._levels(spec) if holds else [None]:
                position += 1
                step = RequestStep.create(
                    request=self, round=self.round, position=position, spec_index=index, level=level,
                    name=spec["name"], name_en=spec.get("name_en", ""), mode=spec["mode"],
                    state="waiting" if holds else "skipped", time_limit_hours=spec["time_limit_hours"],
                    on_timeout=spec["on_timeout"])
                if holds:
                    step.copy_to(spec["copied"])
                else:
                    self.note(None, "skipped", step)
        if version.allocation is not None:
            RequestStep.create(request=self, round=self.round, position=position + 1, kind="allocation",
                               name="", mode="any", time_limit_hours=version.allocation["time_limit_hours"],
                               on_timeout="remind")
        self._advance(by)

    def _levels(self, spec):
        """[None] for an ordinary step; for supervisors level by level (逐级), one level per
        supervisor the requester has now (at least one, whom routing then finds a stand-in for)."""
        chains = [entry for entry in spec["approvers"] if entry["kind"] in approvers.CHAIN_KINDS]
        if not chains:
            return [None]
        return list(range(1, max(1, len(approvers.supervisor_chain(self, chains[0]))) + 1))

    def _advance(self, by):
        step = self.round_steps().where(RequestStep.state == "waiting").first()
        if step is None:
            self._end(by, "approved", note=False)
            self.note(None, "completed")
            if not Allocation.select().where(Allocation.request == self).exists():
                # Without an allocation step, approval commits what was asked for.
                starts_on, ends_on = self.requested_period()
                Allocation.create(request=self, recorded_by=by, commitment="", people_days=self.people_days,
                                  amount_cents=self.amount_cents, currency=self.currency, starts_on=starts_on,
                                  ends_on=ends_on)
            tell(self.requester, "request.approved", self)
            if self.version.data.get("creates_tasks"):
                self._hand_to_provider(by)
            return
        if step.kind == "allocation" and self.state != "allocating":
            self.state = "allocating"
            self.save()
        step._activate(self)

    def _hand_to_provider(self, by):
        """The approved work as a task of the providing department, owned by its head."""
        head = self.provider.head if self.provider.head_id else None
        if head is None or not head.active:
            self.note(None, "no_task")  # nobody to own it: the trail says so, the request stands
            return
        allocation = self.allocation()
        task = Task.open(by, title=self.title[:200], owner=head, requesting_department=self.department,
                         project=self.project if self.project_id and not self.project.read_only else None,
                         due_date=allocation.ends_on if allocation else None, origin=("request", self.id))
        ResourceRequest.update(task=task).where(ResourceRequest.id == self.id).execute()
        self.task = task

    def send_back(self, by, comment):
        """Hand the request back to its requester to change and send again (or withdraw)."""
        self._cancel_waiting_steps()
        self.state = "returned"
        self.save()
        tell(self.requester, "request.rejected", self, comment=comment or _l("nobody decided within the time limit"))

    def _cancel_waiting_steps(self):
        (RequestStep.update(state="cancelled")
         .where((RequestStep.request == self) & (RequestStep.state == "waiting")).execute())

    def _end(self, by, state, comment="", note=True):
        self.state, self.finished_at = state, utcnow()
        self.save()
        if note:
            self.note(by, state, comment=comment)
        if state == "rejected":
            tell(self.requester, "request.rejected", self, comment=comment)
        if state in ("approved", "rejected"):
            # 抄送: everyone copied hears the outcome at once, as on the platforms people know.
            for user in User.select().where(User.id.in_(list(self.copied_ids()))):
                tell(user, "request.decided_copy", self, outcome=STATES[state])
            announcements.decided(self, state, by)

    def audit(self, by, action, before, changes=None, summary=""):
        """The one audit row of a behaviour: what it did, and the state it left the request in
        when that moved (a final approval, a send-back, a rejection are one change each)."""
        changes = dict(changes or {})
        if self.state != before:
            changes["state"] = [before, self.state]
        return AuditEntry.record(by, action, self, changes, summary=summary)

    def note_replacement(self, step, replaced, stand_in, merged):
        """The trail's line for a deactivated approver: who decides instead, and whether that
        person already had a seat on the step (one seat now counts for both)."""
        detail = {"to": stand_in.name if stand_in else "", "reason": "substitute", "for": replaced.name}
        if merged:
            detail["merged"] = True
        return self.note(None, "substituted", step, detail=detail)

    def note_delegation(self, step, away, delegate, merged):
        """The trail's line for a seat that goes to the delegate of someone away (委托)."""
        detail = {"to": delegate.name, "for": away.name}
        if merged:
            detail["merged"] = True
        return self.note(None, "delegated", step, detail=detail)

    def note(self, actor, action, step=None, comment="", waited=None, detail=None):
        """Add a line to the trail (actor None: the portal itself)."""
        return RequestEvent.create(request=self, step=step, actor=actor, action=action, comment=comment,
                                   waited_seconds=None if waited is None else int(waited.total_seconds()),
                                   detail=json.dumps(detail or {}, ensure_ascii=False))


# A safety net under the counter: no two requests ever share a number.
ResourceRequest.add_index(ResourceRequest.index(ResourceRequest.number, unique=True)
                          .where(ResourceRequest.number != ""))


class RequestRound(BaseModel):
    """What the requester sent in one round: the first filing, then each resubmission after a
    send-back. Never changed once written; the request itself holds the latest round's values."""

    request = ForeignKeyField(ResourceRequest, backref="rounds_sent", on_delete="CASCADE")
    number = IntegerField()
    title = CharField(max_length=200)
    values = TextField(default="{}")
    submitted_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("request", "number"), True),)

    @property
    def value_map(self):
        return json.loads(self.values)


class RequestStep(BaseModel):
    """One step of one round of a request: a copy of the version's step, with its clock."""

    request = ForeignKeyField(ResourceRequest, backref="steps", on_delete="CASCADE")
    round = IntegerField()
    position = IntegerField()
    kind = CharField(max_length=12, default="approval")
    # Where the step came from in the version's flow; None for the allocation step.
    spec_index = IntegerField(null=True)
    # Which level of the org chart decides, for supervisors level by level (逐级): 1 the nearest.
    level = IntegerField(null=True)
    name = CharField(max_length=100)
    name_en = CharField(max_length=100, default="")
    mode = CharField(max_length=3, default="any")
    state = CharField(max_length=10, default="waiting", index=True)
    time_limit_hours = IntegerField(null=True)
    on_timeout = CharField(max_length=10, default="remind")
    started_at = DateTimeField(null=True)
    due_at = DateTimeField(null=True)
    # When the time-limit job looks at this step next; moved on by each action it takes.
    next_check_at = DateTimeField(null=True, index=True)
    # Half the time limit: the approvers are nudged then, once (cleared when done).
    nudge_at = DateTimeField(null=True, index=True)
    escalated_at = DateTimeField(null=True)
    reminders_sent = IntegerField(default=0)
    finished_at = DateTimeField(null=True)
    # Approver entries of a step added by hand (加签 after someone); None for the flow's own steps.
    added_approvers = TextField(null=True)

    class Meta:
        indexes = ((("request", "round", "position"), True),)

    @property
    def display_name(self):
        if self.kind == "allocation":
            return _l("Allocation by the providing department")
        if self.kind == "revocation":
            return _l("Revocation (撤销审批)")
        name = self.name_en if self.name_en and current_language() == "en" else self.name
        return _l("%(name)s, level %(n)d", name=name, n=self.level) if self.level else name

    @property
    def state_label(self):
        return STEP_STATES.get(self.state, self.state)

    def spec(self, version):
        return None if self.spec_index is None else version.steps[self.spec_index]

    def approver_entries(self, version):
        """Who decides this step, as approver entries: the flow's, those added by hand, or the
        providing department's head for the allocation."""
        if self.added_approvers is not None:
            return json.loads(self.added_approvers)
        if self.kind == "allocation":
            return [{"kind": "provider_head"}]
        entries = self.spec(version)["approvers"]
        return [dict(entry, level=self.level) for entry in entries] if self.level else entries

    def newcomer(self, request, user):
        """`user`, checked as a new approver of this step (转交, 加签): active, not the requester,
        not already seated here."""
        if user is None or not user.active:
            raise Invalid(_l("Choose someone who can sign in."), "to")
        if user.id == request.requester_id:
            raise Invalid(_l("Nobody decides on their own request."), "to")
        if self.seats().where(StepApprover.user == user).exists():
            raise Invalid(_l("%(name)s already has a seat on this step.", name=user.name), "to")
        return user

    def release_held(self, user_id, request):
        """The approver added before `user_id` approved: their seat waits for their decision again."""
        released = (StepApprover.update(state="pending")
                    .where((StepApprover.step == self) & (StepApprover.user == user_id)
                           & (StepApprover.state == "held")).execute())
        if released:
            tell(User.get_by_id(user_id), "approval.waiting", request, requester=request.requester.name)

    def waited(self, now=None):
        if self.started_at is None:
            return None
        return (self.finished_at or now or utcnow()) - self.started_at

    def overdue(self, now=None):
        return self.state == "active" and self.due_at is not None and (now or utcnow()) > self.due_at

    def seats(self):
        return StepApprover.on_steps([self.id])

    def seated(self, user):
        """Whether `user` holds a seat here, decided or not; a replaced seat no longer counts."""
        return self.seats().where((StepApprover.user == user) & (StepApprover.state != "replaced")).exists()

    def pending_seats(self, escalated=True):
        query = self.seats().where(StepApprover.state == "pending")
        if not escalated:
            query = query.where(StepApprover.reason != "escalated")
        return list(query)

    def decided_by(self):
        return ", ".join(seat.user.name for seat in self.seats().where(
            StepApprover.state.in_(["approved", "rejected", "returned"])))

    def _activate(self, request):
        entries = self.approver_entries(request.version)
        now = utcnow()
        self.state, self.started_at = "active", now
        if self.time_limit_hours:
            self.due_at = self.next_check_at = deadline(now, self.time_limit_hours)
            self.nudge_at = deadline(now, self.time_limit_hours / 2)
        self.save()
        seating = approvers.assign(request, entries)
        for replaced, stand_in, merged in seating.replaced:
            request.note_replacement(self, replaced, stand_in, merged)
        for away, delegate, merged in seating.delegated:
            request.note_delegation(self, away, delegate, merged)
        for user, reason, replaces in seating.seats:
            StepApprover.create(step=self, user=user, reason=reason, replaces=replaces)
            if reason in ("own_request", "fallback"):
                request.note(None, "substituted", self, detail={"to": user.name, "reason": reason, "for": ""})
            tell(user, "approval.waiting", request, requester=request.requester.name)
        if not seating.seats:
            request.note(None, "unassigned", self)

    def close(self, state):
        """End this step; seats still waiting are not needed any more; copied people hear of it."""
        self.state, self.finished_at = state, utcnow()
        self.save()
        (StepApprover.update(state="not_needed")
         .where((StepApprover.step == self) & StepApprover.state.in_(["pending", "held"])).execute())
        if state in ("approved", "rejected", "returned"):
            request = self.request
            for user in User.select().join(StepCopy, on=(StepCopy.user == User.id)).where(StepCopy.step == self):
                tell(user, "request.copied", request, step=self.display_name, outcome=STEP_STATES[state])

    def copy_to(self, user_ids):
        """Copy (抄送) these people on this step: they may read the request and hear its outcome."""
        rows = [{"step": self.id, "user": user.id} for user in User.select(User.id).where(User.id.in_(list(user_ids)))]
        if rows:
            StepCopy.insert_many(rows).execute()


class StepCopy(BaseModel):
    """A person copied (抄送) on a step of a request: they may read it, and hear of the step's outcome."""

    step = ForeignKeyField(RequestStep, backref="copies", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="request_copies", on_delete="RESTRICT")

    class Meta:
        indexes = ((("step", "user"), True),)

    @classmethod
    def names_on_steps(cls, step_ids):
        """{step id: [names of the people copied]}, in one query."""
        names = {}
        for copy in cls.select(cls, User).join(User).where(cls.step.in_(step_ids)).order_by(User.name):
            names.setdefault(copy.step_id, []).append(copy.user.name)
        return names


class StepApprover(BaseModel):
    """A person's seat on a step: someone who decides, with their decision once made."""

    step = ForeignKeyField(RequestStep, backref="approver_seats", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="approval_seats", on_delete="RESTRICT")
    state = CharField(max_length=12, default="pending")
    # "" named by the flow; "substitute", "own_request", "fallback", "escalated", "transferred" (转交),
    # "added_before" (加签) or "delegated" (委托) otherwise.
    reason = CharField(max_length=12, default="")
    replaces = ForeignKeyField(User, null=True, backref="replaced_seats", on_delete="RESTRICT")
    added_at = DateTimeField(default=utcnow)
    decided_at = DateTimeField(null=True)
    comment = TextField(default="")

    class Meta:
        # decided_at: the decisions of a period (the scorecard) without walking every one ever made.
        indexes = ((("step", "user"), True), (("user", "state"), False), (("decided_at",), False))

    @property
    def state_label(self):
        return SEAT_STATES.get(self.state, self.state)

    @classmethod
    def waiting(cls, user):
        """The user's seats that wait for a decision (pending seats exist only on waiting steps)."""
        return cls.select().where((cls.user == user) & (cls.state == "pending"))

    @classmethod
    def on_steps(cls, step_ids):
        """The seats of these steps with their people (and whom they replace), in one query."""
        Replaced = User.alias()
        return (cls.select(cls, User, Replaced).join(User).switch(cls)
                .join(Replaced, JOIN.LEFT_OUTER, on=(cls.replaces == Replaced.id))
                .where(cls.step.in_(step_ids)).order_by(cls.added_at, cls.id))

    @classmethod
    def decided_by(cls, user, start, end):
        """The seats `user` decided between `start` and `end` (naive UTC), with step, request, and the
        request's project (None for most)."""
        return (cls.select(cls, RequestStep, ResourceRequest, Project).join(RequestStep).join(ResourceRequest)
                .join(Project, JOIN.LEFT_OUTER)
                .where((cls.user == user.id) & cls.state.in_(["approved", "rejected", "returned"])
                       & (cls.decided_at >= start) & (cls.decided_at < end))
                .order_by(cls.decided_at, cls.id))

    @classmethod
    def inbox(cls, user):
        Requester = User.alias()
        # Of the requester, what an inbox shows (their name), not their whole account (a password hash).
        return (cls.select(cls, RequestStep, ResourceRequest, RequestType,
                           Requester.id, Requester.name, Requester.active)
                .join(RequestStep).join(ResourceRequest).join(RequestType)
                .switch(ResourceRequest).join(Requester, on=(ResourceRequest.requester == Requester.id))
                .where((cls.user == user) & (cls.state == "pending"))
                .order_by(RequestStep.started_at, cls.id))

    @classmethod
    def next_for(cls, user):
        return cls.inbox(user).first()

    @classmethod
    def approve_many(cls, user, seat_ids, comment=""):
        """Approve several waiting requests at once from the inbox (批量审批): each is decided as
        on its own page, in its own transaction, so one that someone else settled first is
        refused alone. Returns the approved requests and [(request, why not)] for the rest;
        seats that are not the user's, and allocations (which need their figures), are left out."""
        seats = list(cls.select(cls, RequestStep).join(RequestStep)
                     .where((cls.id.in_(list(seat_ids)[:BATCH_MAX])) & (cls.user == user)
                            & (RequestStep.kind == "approval"))
                     .order_by(RequestStep.started_at, cls.id))
        approved, refused = [], []
        for seat in seats:
            request = ResourceRequest.get_by_id(seat.step.request_id)
            try:
                approved.append(request.decide(user, seat.step_id, "approve", comment))
            except Invalid as invalid:
                refused.append((request, invalid.message))
        return approved, refused

    def on_behalf(self):
        """What the trail says of a decision from this seat: whom a delegate (委托) decides for."""
        return {"for": self.replaces.name} if self.reason == "delegated" else None

    def mark(self, state, comment, decided=True):
        taken = (StepApprover.update(state=state, decided_at=utcnow() if decided else None, comment=comment)
                 .where((StepApprover.id == self.id) & (StepApprover.state == "pending")).execute())
        if not taken:
            raise Invalid(_l("You have already decided this step."))
        self.state = state


class RequestEvent(BaseModel):
    """One line of a request's trail. Never changed once written."""

    request = ForeignKeyField(ResourceRequest, backref="events", on_delete="CASCADE")
    step = ForeignKeyField(RequestStep, null=True, backref="events", on_delete="CASCADE")
    at = DateTimeField(default=utcnow)
    actor = ForeignKeyField(User, null=True, backref="request_events", on_delete="RESTRICT")
    action = CharField(max_length=20)
    comment = TextField(default="")
    waited_seconds = IntegerField(null=True)
    # Names as they were (who it was escalated to, who stood in for whom).
    detail = TextField(default="{}")

    def save(self, *args, **kwargs):
        if self.id is not None and not kwargs.get("force_insert"):
            raise RuntimeError("the request trail is append-only")
        return super().save(*args, **kwargs)

    @property
    def action_label(self):
        return ACTIONS.get(self.action, self.action)

    @property
    def details(self):
        return json.loads(self.detail)

    @property
    def waited(self):
        return None if self.waited_seconds is None else datetime.timedelta(seconds=self.waited_seconds)


class Allocation(BaseModel):
    """What the providing department commits: recorded in the allocation step, or what was asked
    for when a flow without one is approved (commitment left empty)."""

    request = ForeignKeyField(ResourceRequest, unique=True, backref="allocations", on_delete="CASCADE")
    recorded_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    recorded_at = DateTimeField(default=utcnow)
    commitment = TextField()
    people_days = ExactDecimalField(max_digits=12, decimal_places=2, null=True)
    amount_cents = BigIntegerField(null=True)
    currency = CharField(max_length=3, default="")
    starts_on = DateField(null=True)
    ends_on = DateField(null=True)

    @property
    def amount(self):
        return None if self.amount_cents is None else decimal.Decimal(self.amount_cents).scaleb(-2)


def _seen_by_outsider(request, step, seat, copy, user_id):
    seats = seat.select(step.request).join(step).where(seat.user == user_id)
    copies = copy.select(step.request).join(step).where(copy.user == user_id)
    return (request.requester == user_id) | request.id.in_(seats) | request.id.in_(copies)


def _seen_by_member(request, step, seat, copy, user_id, department_id):
    return (_seen_by_outsider(request, step, seat, copy, user_id)
            | (request.department == department_id) | (request.provider == department_id))


_SEEN_BY_OUTSIDER = Prepared(_seen_by_outsider, places=1)
_SEEN_BY_MEMBER = Prepared(_seen_by_member, places=2)


def _plain(value):
    return None if value is None else str(value)


def _day_start(day, zone):
    """Naive UTC of midnight starting `day` in `zone`."""
    return (datetime.datetime.combine(day, datetime.time(), tzinfo=zoneinfo.ZoneInfo(zone))
            .astimezone(datetime.UTC).replace(tzinfo=None))
