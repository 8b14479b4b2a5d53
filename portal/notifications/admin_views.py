"""Admin pages of the notifications area: the mail outbox and the company calendar."""
import datetime

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.calendar import ClosedDay, CompanyCalendar, WorkingDay
from portal.db import Invalid, utcnow
from portal.mail import OutboxMessage
from portal.notifications.forms import CalendarForm, DayForm
from portal.pagecache import kept
from portal.pagination import paginate
from portal.permissions import authorize, authorized
from portal.render import render

outbox = Blueprint("outbox", __name__, url_prefix="/admin/outbox")
calendar = Blueprint("calendar", __name__, url_prefix="/admin/calendar")
PAGE_SIZE = 50


@outbox.route("/")
@kept
def index():
    authorize("administer")
    state = request.args.get("state", "")
    messages = paginate(OutboxMessage.recent(state), PAGE_SIZE)
    return render("outbox/index.html", "outbox/_list.html", messages=messages, state=state,
                  counts=OutboxMessage.counts(), states=OutboxMessage.STATES)


@outbox.route("/<int:message_id>/resend", methods=["POST"])
def resend(message_id):
    message = authorized(OutboxMessage, message_id, "resend")
    message.resend()
    flash(_("The message to %(address)s is queued again.", address=message.to_address), "success")
    return redirect(url_for("outbox.index", state=request.args.get("state", "")), 303)


SETTINGS = ("country", "quiet_start", "quiet_end", "digest_hour", "stale_checkin_days", "office_hours")


@calendar.route("/")
def show():
    authorize("administer")
    return _page()


@calendar.route("/", methods=["POST"])
def update():
    authorize("administer")
    settings = CompanyCalendar.current()
    form = CalendarForm()
    if form.validate_on_submit():
        try:
            settings.update_settings(current_user, **{name: form[name].data for name in SETTINGS})
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("calendar.show"), 303)
    return _page(form=form)


@calendar.route("/closed-days", methods=["POST"])
def close_day():
    authorize("administer")
    form = DayForm()
    if _set_apart(ClosedDay, form):
        flash(_("%(day)s is now a closed day.", day=form.day.data.isoformat()), "success")
        return redirect(url_for("calendar.show"), 303)
    return _page(day_form=form)


@calendar.route("/working-days", methods=["POST"])
def work_day():
    authorize("administer")
    form = DayForm(prefix="working")
    if _set_apart(WorkingDay, form):
        flash(_("%(day)s is now a working day.", day=form.day.data.isoformat()), "success")
        return redirect(url_for("calendar.show"), 303)
    return _page(working_form=form)


@calendar.route("/closed-days/<int:day_id>/delete", methods=["POST"])
def open_day(day_id):
    return _make_normal(authorized(ClosedDay, day_id, "edit"))


@calendar.route("/working-days/<int:working_day_id>/delete", methods=["POST"])
def unwork_day(working_day_id):
    return _make_normal(authorized(WorkingDay, working_day_id, "edit"))


def _make_normal(special):
    special.remove(current_user)
    flash(_("%(day)s is a normal day again.", day=special.day.isoformat()), "success")
    return redirect(url_for("calendar.show"), 303)


def _set_apart(model, form):
    if not form.validate_on_submit():
        return False
    try:
        model.add(current_user, form.day.data, form.label.data)
    except Invalid as invalid:
        form.show_error(invalid)
        return False
    return True


def _page(form=None, day_form=None, working_form=None):
    settings = CompanyCalendar.current()
    today = utcnow().date()
    coming = [today + datetime.timedelta(days=n) for n in range(60)]
    # What the next weeks look like: holidays off, make-up weekend days on.
    unusual = []
    for day in coming:
        working = settings.is_working_day(day)
        if working == (day.weekday() >= 5):
            unusual.append((day, settings.holiday_name(day), working))
    return render("calendar/show.html", form=form or CalendarForm(obj=settings), day_form=day_form or DayForm(),
                  working_form=working_form or DayForm(prefix="working"), unusual=unusual,
                  closed_days=ClosedDay.select().order_by(ClosedDay.day.desc()),
                  working_days=WorkingDay.select().order_by(WorkingDay.day.desc()))
