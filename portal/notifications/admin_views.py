"""Admin pages of the notifications area: the mail outbox and the company calendar."""
import datetime

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.calendar import ClosedDay, CompanyCalendar
from portal.db import Invalid, utcnow
from portal.mail import OutboxMessage
from portal.notifications.forms import CalendarForm, ClosedDayForm
from portal.pagination import paginate
from portal.permissions import authorize, authorized
from portal.render import render

outbox = Blueprint("outbox", __name__, url_prefix="/admin/outbox")
calendar = Blueprint("calendar", __name__, url_prefix="/admin/calendar")
PAGE_SIZE = 50


@outbox.route("/")
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


@calendar.route("/")
def show():
    authorize("administer")
    settings = CompanyCalendar.current()
    return _page(CalendarForm(obj=settings), ClosedDayForm(), settings)


@calendar.route("/", methods=["POST"])
def update():
    authorize("administer")
    settings = CompanyCalendar.current()
    form = CalendarForm()
    if form.validate_on_submit():
        settings.update_settings(current_user, **{name: form[name].data for name in (
            "country", "quiet_start", "quiet_end", "digest_hour", "stale_checkin_days")})
        flash(_("Saved."), "success")
        return redirect(url_for("calendar.show"), 303)
    return _page(form, ClosedDayForm(), settings)


@calendar.route("/closed-days", methods=["POST"])
def close_day():
    authorize("administer")
    form = ClosedDayForm()
    if form.validate_on_submit():
        try:
            ClosedDay.add(current_user, form.day.data, form.label.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("%(day)s is now a closed day.", day=form.day.data.isoformat()), "success")
            return redirect(url_for("calendar.show"), 303)
    settings = CompanyCalendar.current()
    return _page(CalendarForm(obj=settings), form, settings)


@calendar.route("/closed-days/<int:day_id>/delete", methods=["POST"])
def open_day(day_id):
    closed = authorized(ClosedDay, day_id, "edit")
    closed.remove(current_user)
    flash(_("%(day)s is a normal day again.", day=closed.day.isoformat()), "success")
    return redirect(url_for("calendar.show"), 303)


def _page(form, day_form, settings):
    today = utcnow().date()
    closed = settings.closed_days()
    coming = [today + datetime.timedelta(days=n) for n in range(60)]
    # What the next weeks look like: holidays off, make-up weekend days on.
    unusual = [(day, settings.holiday_name(day), settings.is_working_day(day, closed)) for day in coming
               if settings.is_working_day(day, closed) == (day.weekday() >= 5)]
    return render("calendar/show.html", form=form, day_form=day_form, unusual=unusual,
                  closed_days=ClosedDay.select().order_by(ClosedDay.day.desc()))
