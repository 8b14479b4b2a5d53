"""Minutes while the meeting runs: agenda items and their notes, decisions, attendance, action items.

Each part of the meeting page has a GET route answering its fragment (or the whole page); a change
redirects there with 303, so htmx swaps the fresh fragment and a browser without JS reloads the page.
"""
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import Invalid, Stale
from portal.meetings.forms import (ActionItemForm, ActionStatusForm, AgendaItemForm, DecisionEditForm, DecisionForm,
                                   NotesForm)
from portal.meetings.models import ActionItem, AgendaItem, Decision, Meeting
from portal.meetings.views import meeting_context
from portal.params import whole_number
from portal.permissions import authorized, can
from portal.render import render

minutes = Blueprint("minutes", __name__, url_prefix="/meetings")
PAGE = "meetings/show.html"


def _page(meeting, fragment, status=200, **overrides):
    return render(PAGE, fragment, status=status, **meeting_context(meeting, **overrides))


# -- agenda ---------------------------------------------------------------------------------------

@minutes.route("/<int:meeting_id>/agenda")
def agenda(meeting_id):
    return _page(authorized(Meeting, meeting_id), "meetings/_agenda.html")


@minutes.route("/<int:meeting_id>/agenda", methods=["POST"])
def add_item(meeting_id):
    meeting = authorized(Meeting, meeting_id, "manage")
    form = AgendaItemForm()
    if form.validate_on_submit():
        try:
            meeting.add_agenda_item(current_user, form.section.data, form.title.data, form.link.data or "")
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Added to the agenda."), "success")
            return redirect(url_for("minutes.agenda", meeting_id=meeting.id), 303)
    return _page(meeting, "meetings/_agenda.html", agenda_form=form)


@minutes.route("/<int:meeting_id>/agenda/refresh", methods=["POST"])
def refresh_agenda(meeting_id):
    meeting = authorized(Meeting, meeting_id, "manage")
    meeting.build_agenda()
    flash(_("The agenda is up to date."), "success")
    return redirect(url_for("minutes.agenda", meeting_id=meeting.id), 303)


@minutes.route("/agenda/<int:item_id>")
def item(item_id):
    item = authorized(AgendaItem, item_id)
    return _page(item.meeting, "meetings/_agenda_item.html", item=item)


@minutes.route("/agenda/<int:item_id>/notes", methods=["POST"])
def write_notes(item_id):
    item = authorized(AgendaItem, item_id, "write")
    form = NotesForm()
    if form.validate_on_submit():
        try:
            item.write_notes(current_user, form.notes.data or "", form.version.data, form.reason.data or "",
                             correcting=can(current_user, "correct", item.meeting))
        except Invalid as invalid:
            return _editing(item.meeting, "meetings/_agenda_item.html", "agenda-item-%d" % item.id, form, invalid,
                            item=AgendaItem.get_by_id(item.id))
        flash(_("Notes saved."), "success")
        return redirect(url_for("minutes.item", item_id=item.id), 303)
    return _editing(item.meeting, "meetings/_agenda_item.html", "agenda-item-%d" % item.id, form, None, item=item)


@minutes.route("/agenda/<int:item_id>/move", methods=["POST"])
def move_item(item_id):
    item = authorized(AgendaItem, item_id, "arrange")
    try:
        item.move(current_user, -1 if request.form.get("direction") == "up" else 1)
    except Invalid as invalid:
        flash(invalid.message, "error")
    return redirect(url_for("minutes.agenda", meeting_id=item.meeting_id), 303)


@minutes.route("/agenda/<int:item_id>/remove", methods=["POST"])
def remove_item(item_id):
    item = authorized(AgendaItem, item_id, "arrange")
    try:
        item.remove(current_user)
    except Invalid as invalid:
        flash(invalid.message, "error")
    else:
        flash(_("“%(title)s” is off the agenda.", title=item.title), "success")
    return redirect(url_for("minutes.agenda", meeting_id=item.meeting_id), 303)


def _editing(meeting, fragment, key, form, invalid, **context):
    """Re-render a text being edited with its error; a version conflict also shows the other text."""
    stale = invalid if isinstance(invalid, Stale) else None
    if stale is not None:
        form.version.data = stale.current.version  # saving again now is a deliberate choice
    if invalid is not None:
        form.show_error(invalid)
    editing = {"key": key, "form": form, "conflict": stale}
    return _page(meeting, fragment, editing=editing, **context)


# -- decisions --------------------------------------------------------------------------------------

@minutes.route("/<int:meeting_id>/decisions")
def decisions(meeting_id):
    return _page(authorized(Meeting, meeting_id), "meetings/_decisions.html")


@minutes.route("/<int:meeting_id>/decisions", methods=["POST"])
def add_decision(meeting_id):
    meeting = authorized(Meeting, meeting_id, "contribute")
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            meeting.record_decision(current_user, form.text.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Decision recorded."), "success")
            return redirect(url_for("minutes.decisions", meeting_id=meeting.id), 303)
    return _page(meeting, "meetings/_decisions.html", decision_form=form)


@minutes.route("/decisions/<int:decision_id>")
def decision(decision_id):
    decision = authorized(Decision, decision_id)
    return _page(decision.meeting, "meetings/_decision.html", decision=decision)


@minutes.route("/decisions/<int:decision_id>", methods=["POST"])
def revise_decision(decision_id):
    decision = authorized(Decision, decision_id, "write")
    form = DecisionEditForm()
    key = "decision-%d" % decision.id
    if form.validate_on_submit():
        try:
            decision.revise(current_user, form.text.data, form.version.data, form.reason.data or "",
                            correcting=can(current_user, "correct", decision.meeting))
        except Invalid as invalid:
            return _editing(decision.meeting, "meetings/_decision.html", key, form, invalid,
                            decision=Decision.get_by_id(decision.id))
        flash(_("Decision saved."), "success")
        return redirect(url_for("minutes.decision", decision_id=decision.id), 303)
    return _editing(decision.meeting, "meetings/_decision.html", key, form, None, decision=decision)


@minutes.route("/decisions/<int:decision_id>/delete", methods=["POST"])
def withdraw_decision(decision_id):
    decision = authorized(Decision, decision_id, "write")
    try:
        decision.withdraw(current_user)
    except Invalid as invalid:
        flash(invalid.message, "error")
    else:
        flash(_("Decision removed."), "success")
    return redirect(url_for("minutes.decisions", meeting_id=decision.meeting_id), 303)


# -- attendance ---------------------------------------------------------------------------------------

@minutes.route("/<int:meeting_id>/attendance")
def attendance(meeting_id):
    return _page(authorized(Meeting, meeting_id), "meetings/_attendance.html")


@minutes.route("/<int:meeting_id>/attendance", methods=["POST"])
def record_attendance(meeting_id):
    meeting = authorized(Meeting, meeting_id, "contribute")
    statuses = {}
    for key, value in request.form.items():
        if key.startswith("status-"):
            try:
                statuses[whole_number(key.removeprefix("status-"))] = value
            except ValueError:
                continue  # no person's number: nobody to record
    try:
        meeting.record_attendance(current_user, statuses)
    except Invalid as invalid:
        return _page(meeting, "meetings/_attendance.html", attendance_error=invalid.message)
    flash(_("Attendance saved."), "success")
    return redirect(url_for("minutes.attendance", meeting_id=meeting.id), 303)


# -- action items ---------------------------------------------------------------------------------------

@minutes.route("/<int:meeting_id>/action-items")
def action_items(meeting_id):
    return _page(authorized(Meeting, meeting_id), "meetings/_action_items.html")


@minutes.route("/<int:meeting_id>/action-items", methods=["POST"])
def add_action_item(meeting_id):
    meeting = authorized(Meeting, meeting_id, "contribute")
    form = ActionItemForm(people=meeting.participants())
    if form.validate_on_submit():
        try:
            meeting.assign_action(current_user, form.what.data, form.chosen_owner, form.due_on.data,
                                  confirmed=form.confirmed)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Action item recorded."), "success")
            return redirect(url_for("minutes.action_items", meeting_id=meeting.id), 303)
    return _page(meeting, "meetings/_action_items.html", action_form=form)


@minutes.route("/action-items/<int:action_id>/delete", methods=["POST"])
def drop_action_item(action_id):
    item = authorized(ActionItem, action_id, "write")
    try:
        item.drop(current_user)
    except Invalid as invalid:
        flash(invalid.message, "error")
    else:
        flash(_("Action item removed."), "success")
    return redirect(url_for("minutes.action_items", meeting_id=item.meeting_id), 303)


@minutes.route("/action-items/<int:action_id>/status", methods=["POST"])
def settle_action_item(action_id):
    item = authorized(ActionItem, action_id, "follow_up")
    form = ActionStatusForm()
    if not form.validate_on_submit():
        flash(_("Choose open, done or cancelled."), "error")
    else:
        try:
            item.settle(current_user, form.status.data)
        except Invalid as invalid:
            flash(invalid.message, "error")
        else:
            flash(_("“%(what)s” is now %(status)s.", what=item.what, status=item.outcome_label), "success")
    return redirect(url_for("minutes.action_items", meeting_id=item.meeting_id), 303)
