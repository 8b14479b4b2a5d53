"""Filing requests, deciding them, and the lists that say where each one is and who holds it."""
import datetime

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import format_datetime, get_locale, pgettext
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from peewee import JOIN

from portal import sheets
from portal.accounts.models import Department, User
from portal.db import Invalid, utcnow
from portal.pagecache import kept
from portal.pagination import paginate
from portal.params import query_int
from portal.permissions import authorize, authorized, can
from portal.render import render
from portal.requests import approvers, fields, reports
from portal.requests.forms import (AllocationForm, BatchApprovalForm, DecisionForm, WithdrawForm, form_data,
                                   request_form, stored_values)
from portal.requests.comments import RequestComment
from portal.requests.delegation import Delegation
from portal.requests.seat_forms import AddApproverForm, DelegationForm, HandOverForm, ReturnForm, RevokeForm
from portal.requests.models import DECISIONS, RequestEvent, RequestStep, ResourceRequest, StepApprover, StepCopy
from portal.requests.types import RequestType, requester_condition_text, requester_departments
from portal.tasks.forms import CommentForm

requests_bp = Blueprint("requests", __name__, url_prefix="/requests")
requests_bp.add_app_template_filter(requester_condition_text, "requester_condition")
PAGE_SIZE = 50
TABS = {"mine": _l("Filed by me"), "involved": _l("Passed through me"), "department": _l("My department"),
        "all": _l("All requests")}
DONE = {"approve": _l("You approved “%(title)s”."), "reject": _l("You rejected “%(title)s”."),
        "return": _l("You sent “%(title)s” back for changes.")}
# What an approver may do with their seat besides deciding, each confirmed in a form of its own.
HAND_OVER = {"transfer": HandOverForm, "add": AddApproverForm}


@requests_bp.app_template_filter("approver")
def _approver(entry, names):
    return approvers.describe(entry, names)


@requests_bp.route("/")
def index():
    tabs = {key: label for key, label in TABS.items()
            if key in ("mine", "involved") or (key == "department" and can(current_user, "list_department_requests"))
            or (key == "all" and can(current_user, "list_all_requests"))}
    tab = request.args.get("tab") if request.args.get("tab") in tabs else "mine"
    query = {"mine": lambda: ResourceRequest.filed_by(current_user),
             "involved": lambda: ResourceRequest.passed_through(current_user),
             "department": lambda: ResourceRequest.of_department(current_user.heads),
             "all": ResourceRequest.listing}[tab]()
    page = paginate(query, PAGE_SIZE)
    page.items = ResourceRequest.with_holders(page.items)
    return render("requests/index.html", "requests/_list.html", items=page, tabs=tabs, tab=tab,
                  can_see_reports=can(current_user, "view_request_reports"),
                  export_types=list(RequestType.open_for_filing()))


@requests_bp.route("/approvals")
@kept
def approvals():
    return _approvals(BatchApprovalForm(formdata=None))


@requests_bp.route("/approvals", methods=["POST"])
def approve_selected():
    form = BatchApprovalForm()
    if not form.validate_on_submit():
        return _approvals(form)
    approved, refused = StepApprover.approve_many(current_user, form.seats.data, form.comment.data or "")
    if approved:
        flash(ngettext("You approved %(num)d request.", "You approved %(num)d requests.", len(approved)), "success")
    for item, why in refused:
        flash(_("“%(title)s” was not approved: %(why)s", title=item.title, why=why), "error")
    return redirect(url_for("requests.approvals"), 303)


def _approvals(batch_form):
    return render("requests/approvals.html", seats=list(StepApprover.inbox(current_user)),
                  decision_form=DecisionForm(formdata=None), batch_form=batch_form)


# -- delegating one's approvals (委托) -----------------------------------------------------------

@requests_bp.route("/delegations")
def delegations():
    authorize("delegate_approvals")
    return _delegations(DelegationForm(formdata=None, user=current_user))


@requests_bp.route("/delegations", methods=["POST"])
def delegate():
    authorize("delegate_approvals")
    form = DelegationForm(user=current_user)
    if form.validate_on_submit():
        try:
            delegation = Delegation.add(current_user, form.chosen(), form.starts_on.data, form.ends_on.data,
                                        form.reason.data or "")
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("From %(start)s to %(end)s your approvals go to %(name)s.", start=delegation.starts_on.isoformat(),
                    end=delegation.ends_on.isoformat(), name=delegation.delegate.name), "success")
            return redirect(url_for("requests.delegations"), 303)
    return _delegations(form)


@requests_bp.route("/delegations/<int:delegation_id>/cancel", methods=["POST"])
def cancel_delegation(delegation_id):
    delegation = authorized(Delegation, delegation_id, "cancel")
    try:
        delegation.cancel(current_user)
    except Invalid as invalid:
        flash(invalid.message, "error")
    else:
        flash(_("The delegation is cancelled; new approvals come to %(name)s again.", name=delegation.user.name),
              "success")
    return redirect(url_for("requests.delegations"), 303)


def _delegations(form):
    return render("requests/delegations.html", "requests/_delegations.html", form=form,
                  delegations=list(Delegation.of(current_user)))


# -- filing -----------------------------------------------------------------------------------

@requests_bp.route("/new")
def choose_type():
    return render("requests/choose_type.html", types=RequestType.open_for_filing())


@requests_bp.route("/new/<int:type_id>")
def new(type_id):
    request_type = authorized(RequestType, type_id, "file")
    version = request_type.latest_version()
    return render("requests/form.html", form=request_form(version), version=version, item=None)


@requests_bp.route("/new/<int:type_id>", methods=["POST"])
def create(type_id):
    request_type = authorized(RequestType, type_id, "file")
    version = request_type.latest_version()
    form = request_form(version)
    if form.validate_on_submit():
        if form.version_id.data != str(version.id):
            form.version_id.data = version.id
            form.form_errors.append(_("The form of this request type changed while you were filling it in. "
                                      "Check the fields below and send it again."))
        else:
            try:
                item = ResourceRequest.file(current_user, version, form.title.data, stored_values(form),
                                            project=form.chosen_project())
            except Invalid as invalid:
                form.show_error(invalid)
            else:
                flash(_("Your request is filed. You can follow it here."), "success")
                return redirect(url_for("requests.show", request_id=item.id), 303)
    return render("requests/form.html", form=form, version=version, item=None)


@requests_bp.route("/<int:request_id>/edit")
def edit(request_id):
    item = authorized(ResourceRequest, request_id, "resubmit")
    if item.state != "returned":
        flash(_("Only a request sent back for changes can be edited."), "info")
        return redirect(url_for("requests.show", request_id=item.id), 303)
    return render("requests/form.html", form=request_form(item.version, data=form_data(item), for_project=False),
                  version=item.version, item=item)


@requests_bp.route("/<int:request_id>/edit", methods=["POST"])
def resubmit(request_id):
    item = authorized(ResourceRequest, request_id, "resubmit")
    form = request_form(item.version, for_project=False)
    if form.validate_on_submit():
        try:
            item.resubmit(current_user, form.title.data, stored_values(form))
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Your request is sent again; its steps start over."), "success")
            return redirect(url_for("requests.show", request_id=item.id), 303)
    return render("requests/form.html", form=form, version=item.version, item=item)


@requests_bp.route("/<int:request_id>/withdraw")
def confirm_withdraw(request_id):
    item = authorized(ResourceRequest, request_id, "withdraw")
    return _show(item, "requests/_requester_actions.html", withdrawing=True)


@requests_bp.route("/<int:request_id>/withdraw", methods=["POST"])
def withdraw(request_id):
    item = authorized(ResourceRequest, request_id, "withdraw")
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            item.withdraw(current_user, form.comment.data or "")
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Your request is withdrawn."), "success")
            return redirect(url_for("requests.show", request_id=item.id), 303)
    return _show(item, "requests/_requester_actions.html", withdrawing=True, withdraw_form=form)


@requests_bp.route("/<int:request_id>/comments")
def comments(request_id):
    return _show(authorized(ResourceRequest, request_id), "requests/_comments.html")


@requests_bp.route("/<int:request_id>/comments", methods=["POST"])
def add_comment(request_id):
    item = authorized(ResourceRequest, request_id, "comment")
    form = CommentForm()
    if form.validate_on_submit():
        try:
            RequestComment.post(current_user, item, form.body.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            return redirect(url_for("requests.comments", request_id=item.id, _anchor="request-comments"), 303)
    return _show(item, "requests/_comments.html", comment_form=form)


@requests_bp.route("/<int:request_id>/revoke")
def confirm_revoke(request_id):
    item = authorized(ResourceRequest, request_id, "revoke")
    return _show(item, "requests/_requester_actions.html", revoking=True)


@requests_bp.route("/<int:request_id>/revoke", methods=["POST"])
def revoke(request_id):
    """撤销: ask the last approvers to undo the approval."""
    item = authorized(ResourceRequest, request_id, "revoke")
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            item.ask_to_revoke(current_user, form.comment.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Your request to revoke it is with those who approved it last."), "success")
            return redirect(url_for("requests.show", request_id=item.id), 303)
    return _show(item, "requests/_requester_actions.html", revoking=True, revoke_form=form)


@requests_bp.route("/<int:request_id>/urge", methods=["POST"])
def urge(request_id):
    """催办: nudge whoever the request waits for."""
    item = authorized(ResourceRequest, request_id, "urge")
    try:
        item.urge(current_user)
    except Invalid as invalid:
        return _show(item, "requests/_requester_actions.html", urge_refused=invalid.message)
    flash(_("The approvers are reminded that you wait for their decision."), "success")
    return redirect(url_for("requests.show", request_id=item.id), 303)


# -- the decision screen ------------------------------------------------------------------------

@requests_bp.route("/<int:request_id>")
def show(request_id):
    return _show(authorized(ResourceRequest, request_id))


@requests_bp.route("/<int:request_id>/print")
def print_view(request_id):
    """The request on one A4 sheet: its fields, line items, amounts in capitals, and each step of
    the current round with who decided and when, for the paper file (and signatures beside it)."""
    item = authorized(ResourceRequest, request_id)
    steps = list(item.round_steps())
    seats = {}
    for seat in StepApprover.on_steps([step.id for step in steps]):
        seats.setdefault(seat.step_id, []).append(seat)
    return render("requests/print.html", item=item, values=item.shown_values(), steps=steps, seats=seats,
                  trail=list(item.trail()), printed_at=utcnow())


@requests_bp.route("/<int:request_id>/steps/<int:step_id>/decision")
def decision(request_id, step_id):
    item = authorized(ResourceRequest, request_id)
    confirm = request.args.get("confirm")
    if confirm in HAND_OVER:
        step = _step_of(item, step_id)
        return _show(item, "requests/_decision.html", step_id=step_id, confirm=confirm,
                     hand_over_form=_hand_over_form(confirm, step, formdata=None))
    return _show(item, "requests/_decision.html", step_id=step_id, confirm=confirm if confirm in DECISIONS else None)


@requests_bp.route("/<int:request_id>/steps/<int:step_id>/transfer", methods=["POST"])
def transfer(request_id, step_id):
    """转交: pass my seat on this step to someone else."""
    return _hand_over(request_id, step_id, "transfer", lambda item, form: item.transfer(
        current_user, step_id, form.chosen(), form.comment.data),
        _("You passed “%(title)s” on to %(name)s."))


@requests_bp.route("/<int:request_id>/steps/<int:step_id>/add-approver", methods=["POST"])
def add_approver(request_id, step_id):
    """加签: add an approver before or after me."""
    return _hand_over(request_id, step_id, "add", lambda item, form: item.add_approver(
        current_user, step_id, form.chosen(), form.where.data, form.comment.data),
        _("%(name)s is added to “%(title)s”."))


def _hand_over_form(kind, step, formdata):
    leave_out = [step.request.requester_id, *(seat.user_id for seat in step.seats())]
    return HAND_OVER[kind](formdata=formdata, leave_out=leave_out)


def _hand_over(request_id, step_id, kind, act, done):
    item = authorized(ResourceRequest, request_id)
    step = _step_of(item, step_id)
    authorize("hand_over", step)
    form = _hand_over_form(kind, step, formdata=request.form)
    if form.validate_on_submit():
        try:
            act(item, form)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(done % {"title": item.title, "name": form.chosen().name}, "success")
            return _to_next()
    return _show(item, "requests/_decision.html", step_id=step_id, confirm=kind, hand_over_form=form)


@requests_bp.route("/<int:request_id>/steps/<int:step_id>/approve", methods=["POST"])
def approve(request_id, step_id):
    return _decide(request_id, step_id, "approve")


@requests_bp.route("/<int:request_id>/steps/<int:step_id>/reject", methods=["POST"])
def reject(request_id, step_id):
    return _decide(request_id, step_id, "reject")


@requests_bp.route("/<int:request_id>/steps/<int:step_id>/return", methods=["POST"])
def send_back(request_id, step_id):
    return _decide(request_id, step_id, "return")


@requests_bp.route("/<int:request_id>/steps/<int:step_id>/allocate", methods=["POST"])
def allocate(request_id, step_id):
    item = authorized(ResourceRequest, request_id)
    authorize("decide", _step_of(item, step_id))
    form = AllocationForm()
    if form.validate_on_submit():
        try:
            item.record_allocation(current_user, step_id, form.commitment.data, form.people_days.data,
                                   form.amount.data, form.starts_on.data, form.ends_on.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("The allocation is recorded and the request is complete."), "success")
            return _to_next()
    return _show(item, allocation_form=form)


def _report_months():
    months = query_int("months", 6)
    return months if months in (3, 6, 12, 24) else 6


@requests_bp.route("/reports")
def report():
    authorize("view_request_reports")
    months = _report_months()
    starts = reports.months_back(months)
    return render("requests/reports.html", months=months,
                  by_provider=reports.monthly_totals(starts, "provider", current_user),
                  by_requester=reports.monthly_totals(starts, "department", current_user),
                  step_times=reports.step_times(starts[0][1], current_user),
                  longest_waiting=ResourceRequest.with_holders(ResourceRequest.waiting_longest(viewer=current_user)))


@requests_bp.route("/reports/export")
def report_export():
    """The report's tables as a workbook: the totals of both sides in one sheet (CSV gives that
    one), how long each step takes in another."""
    authorize("view_request_reports")
    months = _report_months()
    starts = reports.months_back(months)
    sides = ((_("Providing department"), reports.monthly_totals(starts, "provider", current_user)),
             (_("Requesting department"), reports.monthly_totals(starts, "department", current_user)))
    totals = [sheets.Column(_("Month"), width=9), sheets.Column(_("Counted for"), width=18),
              sheets.Column(_("Department"), width=18), sheets.Column(pgettext("count", "Requests"), "integer", 9),
              sheets.Column(_("People-days asked"), "number"), sheets.Column(_("People-days provided"), "number"),
              sheets.Column(_("Currency"), width=9), sheets.Column(_("Money asked"), "money"),
              sheets.Column(_("Money provided"), "money")]
    english = str(get_locale()) == "en"
    steps = [sheets.Column(_("Type"), width=24), sheets.Column(_("Step"), width=24),
             sheets.Column(_("Decided"), "integer", 9), sheets.Column(_("Average, in working hours"), "number"),
             sheets.Column(_("Slowest, in working hours"), "number")]
    return sheets.response([
        sheets.Sheet(_("Requests by month"), totals, (
            [row["month"], side, row["department"], row["requests"], row["asked_days"], row["given_days"],
             row["currency"] if row["asked_amount"] is not None else "", row["asked_amount"], row["given_amount"]]
            for side, rows in sides for row in rows)),
        sheets.Sheet(_("How long each step takes"), steps, (
            [(english and row["type_name_en"]) or row["type_name"],
             _("Allocation by the providing department") if row["kind"] == "allocation"
             else (english and row["name_en"]) or row["name"], row["decided"],
             round(row["average"].total_seconds() / 3600, 1), round(row["slowest"].total_seconds() / 3600, 1)]
            for row in reports.step_times(starts[0][1], current_user)))],
        "request-reports-%dm" % months, sheets.wanted_kind(request.args))


# How each kind of field is typed in a spreadsheet; other kinds are written as the page shows them.
FIELD_COLUMNS = {"money": "money", "number": "number", "date": "date"}


@requests_bp.route("/types/<int:type_id>/export")
def export(type_id):
    """The requests of a type that the reader may see, with their fields and where each stands."""
    request_type = authorized(RequestType, type_id)
    version = request_type.latest_version()
    specs = version.fields if version else []
    items = list(ResourceRequest.visible_to(current_user).where(ResourceRequest.type == request_type.id)
                 .limit(sheets.MAX_ROWS))
    names = {("person", u.id): u.name for u in User.select(User.id, User.name)}
    names.update({("department", d.id): d.display_name for d in Department.select()})
    last = {}
    for event in (RequestEvent.select(RequestEvent, User.id, User.name)
                  .join(User, JOIN.LEFT_OUTER, on=(RequestEvent.actor == User.id))
                  .where(RequestEvent.request.in_([item.id for item in items])).order_by(RequestEvent.id)):
        last[event.request_id] = event
    columns = ([sheets.Column(pgettext("column of ids", "Number"), "integer", 8), sheets.Column(_("Title"), width=30),
                sheets.Column(_("State")), sheets.Column(_("Requester")), sheets.Column(_("Requesting department")),
                sheets.Column(_("Providing department")), sheets.Column(_("Filed"), "datetime", 17),
                sheets.Column(_("Finished"), "datetime", 17)]
               + [sheets.Column(spec.display_label, FIELD_COLUMNS.get(spec.kind, "text")) for spec in specs]
               + [sheets.Column(_("Latest in the trail"), width=40)])

    def row(item):
        values = item.value_map
        cells = [item.id, item.title, str(item.state_label), item.requester.name,
                 names.get(("department", item.department_id), ""), names.get(("department", item.provider_id), ""),
                 sheets.local(item.submitted_at), sheets.local(item.finished_at)]
        cells += [_cell(spec, values.get(spec.key), names) for spec in specs]
        event = last.get(item.id)
        cells.append("%s · %s · %s" % (event.action_label, event.actor.name if event.actor_id else _("Portal"),
                                       format_datetime(event.at, "short")) if event else "")
        return cells
    return sheets.response([sheets.Sheet(request_type.name, columns, (row(item) for item in items))],
                           "requests-%d" % request_type.id, sheets.wanted_kind(request.args))


def _cell(spec, value, names):
    if value is None or value == "":
        return ""
    if spec.kind == "date":
        return datetime.date.fromisoformat(value)
    if spec.kind in FIELD_COLUMNS:
        return value
    return str(spec.shown(value, names))


def _decide(request_id, step_id, decision):
    item = authorized(ResourceRequest, request_id)
    authorize("decide", _step_of(item, step_id))
    form = ReturnForm() if decision == "return" else DecisionForm()
    if form.validate_on_submit():
        try:
            item.decide(current_user, step_id, decision, form.comment.data or "",
                        to_step=form.to_step.data if decision == "return" else None)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(DONE[decision] % {"title": item.title}, "success")
            return _to_next()
    return _show(item, "requests/_decision.html", step_id=step_id, confirm=decision, decision_form=form)


def _step_of(item, step_id):
    step = RequestStep.get_or_none((RequestStep.id == step_id) & (RequestStep.request == item))
    if step is None:
        abort(404)
    return step


def _to_next():
    """After a decision, straight on to the next item waiting for this person."""
    seat = StepApprover.next_for(current_user)
    if seat is None:
        flash(_("Nothing else is waiting for your decision."), "info")
        return redirect(url_for("requests.approvals"), 303)
    return redirect(url_for("requests.show", request_id=seat.step.request_id, _anchor="decision"), 303)


def _show(item, fragment=None, **context):
    item = ResourceRequest.get_by_id(item.id)
    seat = item.seat_of(current_user)
    steps = list(RequestStep.select().where(RequestStep.request == item)
                 .order_by(RequestStep.round.desc(), RequestStep.position))
    seats, copies = {}, StepCopy.names_on_steps([step.id for step in steps])
    for s in StepApprover.on_steps([step.id for step in steps]):
        seats.setdefault(s.step_id, []).append(s)
    ids = {i for step in steps for entry in step.approver_entries(item.version) for i in entry.get("ids", [])}
    names = {u.id: u.name for u in User.select(User.id, User.name).where(User.id.in_(list(ids)))}
    specs = [step.spec(item.version) for step in steps]
    context["departments"] = requester_departments(spec.get("requester") for spec in specs if spec)
    context.setdefault("step_id", seat.step_id if seat else None)
    context.setdefault("confirm", None)
    context.setdefault("decision_form", DecisionForm(formdata=None))
    if "allocation_form" not in context:
        starts_on, ends_on = item.requested_period()
        context["allocation_form"] = AllocationForm(formdata=None, data={
            "people_days": item.people_days, "amount": item.amount, "starts_on": starts_on, "ends_on": ends_on})
    context.setdefault("withdraw_form", WithdrawForm(formdata=None))
    context.setdefault("comment_form", CommentForm(formdata=None))
    context.setdefault("revoke_form", RevokeForm(formdata=None))
    context["return_steps"] = item.steps_to_return_to(seat.step) if seat and context["confirm"] == "return" else []
    values, changes = item.values_and_changes()
    return render("requests/show.html", fragment, item=item, seat=seat, steps=steps, seats=seats, copies=copies,
                  names=names, operators=fields.OPERATORS, values=values, changes=changes, trail=list(item.trail()),
                  comments=list(RequestComment.on(item)),
                  allocation=item.allocation(), may_withdraw=item.is_open and can(current_user, "withdraw", item),
                  may_urge=item.state in ("in_review", "allocating") and can(current_user, "urge", item),
                  may_revoke=item.state == "approved" and can(current_user, "revoke", item),
                  may_edit=item.state == "returned" and can(current_user, "resubmit", item), **context)
