"""Meeting series and meetings: the list, planning a series, the meeting page, closing, delivery."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import sheets
from portal.db import Invalid, utcnow
from portal.meetings.forms import ActionItemForm, ActionStatusForm, AgendaItemForm, CloseForm, DecisionForm, SeriesForm
from portal.meetings.models import ATTENDANCE, ActionItem, AlreadyClosed, Meeting, MeetingSeries, MinutesVersion
from portal.pagecache import kept
from portal.params import whole_number
from portal.permissions import authorize, authorized, can
from portal.render import render

meetings = Blueprint("meetings", __name__, url_prefix="/meetings")


@meetings.route("/")
def index():
    authorize("browse_meetings")
    series = list(MeetingSeries.visible_to(current_user).order_by(MeetingSeries.active.desc(), MeetingSeries.title))
    return render("meetings/index.html", series=series, open_meetings=list(Meeting.open_for(current_user)),
                  may_create=can(current_user, "create_meeting_series"))


# -- series -------------------------------------------------------------------------------------

@meetings.route("/series/new")
def new_series():
    authorize("create_meeting_series")
    form = SeriesForm(formdata=None, coordinator=current_user.id, timezone=current_user.timezone)
    return render("meetings/series_form.html", form=form, series=None)


@meetings.route("/series/", methods=["POST"])
def create_series():
    authorize("create_meeting_series")
    form = SeriesForm()
    if form.validate_on_submit():
        try:
            series, meeting = MeetingSeries.plan(current_user, **form.details())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("%(title)s is planned; its first meeting is open.", title=series.title), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id), 303)
    return render("meetings/series_form.html", form=form, series=None)


@meetings.route("/series/<int:series_id>")
def show_series(series_id):
    series = authorized(MeetingSeries, series_id)
    return render("meetings/series.html", series=series, upcoming=series.upcoming(),
                  departments=list(series.departments()), people=list(series.people()),
                  archive=series.archive(), may_manage=can(current_user, "manage", series))


@meetings.route("/series/<int:series_id>/edit")
def edit_series(series_id):
    series = authorized(MeetingSeries, series_id, "manage")
    upcoming = series.upcoming()
    form = SeriesForm(formdata=None, schedule=upcoming is not None, coordinator=series.coordinator_id,
                      departments=[d.id for d in series.departments()], people=[u.id for u in series.people()],
                      day=upcoming.local_start.date() if upcoming else None,
                      start_time=series.start_time.strftime("%H:%M"), **{name: getattr(series, name) for name in (
                          "title", "recurring", "duration_minutes", "timezone", "location", "video_link",
                          "reminder_minutes")})
    return render("meetings/series_form.html", form=form, series=series)


@meetings.route("/series/<int:series_id>", methods=["POST"])
def update_series(series_id):
    series = authorized(MeetingSeries, series_id, "manage")
    form = SeriesForm(schedule=series.upcoming() is not None)
    if form.validate_on_submit():
        try:
            series.update_details(current_user, **form.details())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("meetings.show_series", series_id=series.id), 303)
    return render("meetings/series_form.html", form=form, series=series)


@meetings.route("/series/<int:series_id>/end", methods=["POST"])
def end_series(series_id):
    series = authorized(MeetingSeries, series_id, "manage")
    series.end(current_user)
    flash(_("%(title)s has ended; no further meetings will be planned.", title=series.title), "success")
    return redirect(url_for("meetings.show_series", series_id=series.id), 303)


# -- the meeting page -------------------------------------------------------------------------------

def meeting_context(meeting, **overrides):
    """Everything the meeting page shows; a view passes the form it re-renders with its errors."""
    participants = list(meeting.participants())
    context = {
        "meeting": meeting, "series": meeting.series, "sections": meeting.agenda_sections(current_user),
        "decisions": list(meeting.decisions_in_order()), "participants": participants,
        # Translated once: the attendance list asks for a label per participant, a hundred of them.
        "attendance": meeting.attendance(), "attendance_choices": {k: str(v) for k, v in ATTENDANCE.items()},
        "actions": list(meeting.action_items_with_owners()), "versions": list(meeting.versions()),
        "may_manage": can(current_user, "manage", meeting) and not meeting.closed,
        "may_contribute": can(current_user, "contribute", meeting) and not meeting.closed,
        "may_correct": can(current_user, "correct", meeting),
        "agenda_form": AgendaItemForm(formdata=None), "decision_form": DecisionForm(formdata=None),
        "action_form": ActionItemForm(formdata=None, people=participants),
        "status_form": ActionStatusForm(formdata=None), "editing": None, "today": utcnow().date(),
    }
    context.update(overrides)
    return context


@meetings.route("/<int:meeting_id>")
@kept
def show(meeting_id):
    meeting = authorized(Meeting, meeting_id)
    meeting.refresh_agenda()
    return render("meetings/show.html", **meeting_context(meeting))


@meetings.route("/series/<int:series_id>/actions/export")
def export_actions(series_id):
    """Every action item of the series' meetings, with its outcome now, as a spreadsheet."""
    series = authorized(MeetingSeries, series_id)
    items = (ActionItem.with_tasks().select_extend(Meeting.starts_at).join_from(ActionItem, Meeting)
             .where(Meeting.series == series.id).order_by(Meeting.starts_at, ActionItem.id))
    columns = [sheets.Column(_("Meeting"), "date"), sheets.Column(_("Action item"), width=40),
               sheets.Column(_("Owner")), sheets.Column(_("Due"), "date"), sheets.Column(_("Outcome")),
               sheets.Column(_("Task"), "integer", 8)]
    rows = ([sheets.local(item.meeting.starts_at).date(), item.what, item.owner.name, item.due_on,
             str(item.outcome_label), item.task_id] for item in items)
    return sheets.response([sheets.Sheet(series.title, columns, rows)], "actions-%d" % series.id,
                           sheets.wanted_kind(request.args))


@meetings.route("/versions/<int:version_id>")
def version(version_id):
    minutes = authorized(MinutesVersion, version_id)
    return render("meetings/version.html", version=minutes, content=minutes.content_for(current_user),
                  meeting=minutes.meeting, attendance_choices=ATTENDANCE)


# -- close and send, delivery -----------------------------------------------------------------------

@meetings.route("/<int:meeting_id>/close")
def close_form(meeting_id):
    meeting = authorized(Meeting, meeting_id, "manage")
    if meeting.closed:
        return redirect(url_for("meetings.delivery", meeting_id=meeting.id), 303)
    candidates = meeting.recipient_candidates()
    form = CloseForm(formdata=None, candidates=candidates, recipients=[u.id for u in candidates])
    return render("meetings/close.html", form=form, meeting=meeting)


@meetings.route("/<int:meeting_id>/close", methods=["POST"])
def close(meeting_id):
    meeting = authorized(Meeting, meeting_id, "manage")
    form = CloseForm(candidates=meeting.recipient_candidates())
    if form.validate_on_submit():
        try:
            sent_to = meeting.close(current_user, form.chosen, confirmed=form.confirmed)
        except AlreadyClosed as closed:
            # A second click: land where the first one went.
            flash(closed.message, "info")
            return redirect(url_for("meetings.delivery", meeting_id=meeting.id), 303)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("The minutes are closed and queued to %(n)d people.", n=len(sent_to)), "success")
            return redirect(url_for("meetings.delivery", meeting_id=meeting.id), 303)
    return render("meetings/close.html", form=form, meeting=meeting)


@meetings.route("/<int:meeting_id>/delivery")
def delivery(meeting_id):
    meeting = authorized(Meeting, meeting_id, "manage")
    return render("meetings/delivery.html", "meetings/_delivery.html", meeting=meeting,
                  messages=list(meeting.delivery()))


@meetings.route("/<int:meeting_id>/delivery/resend", methods=["POST"])
def resend(meeting_id):
    meeting = authorized(Meeting, meeting_id, "manage")
    try:
        messages = meeting.resend_minutes(current_user, request.form.get("message_id", type=whole_number) or None)
    except Invalid as invalid:
        flash(invalid.message, "error")
    else:
        if messages:
            flash(_("Queued again to %(who)s.", who=", ".join(m.to_address for m in messages)), "success")
        else:
            flash(_("No mail has failed; nothing to send again."), "info")
    return redirect(url_for("meetings.delivery", meeting_id=meeting.id), 303)
