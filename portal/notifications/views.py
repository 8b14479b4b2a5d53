"""The notification centre: the bell, the list, marking read, and each person's preferences."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import Invalid
from portal.links import safe_next
from portal.notifications.events import CHANNELS, EVENTS, LEVELS
from portal.notifications.forms import preferences_form
from portal.notifications.models import Notification, Preference
from portal.pagination import paginate
from portal.permissions import authorized
from portal.render import render, trigger

notifications = Blueprint("notifications", __name__, url_prefix="/notifications")
PAGE_SIZE = 30


@notifications.route("/")
def index():
    level = request.args.get("level", "")
    state = request.args.get("state", "")
    items = paginate(Notification.listing(current_user, level, state), PAGE_SIZE)
    items.items = Notification.shown_to(current_user, items.items)
    response = render("notifications/index.html", "notifications/_list.html", items=items, level=level,
                      state=state, levels=LEVELS)
    return trigger(response, "notificationsChanged")  # the bell refreshes after the list changes


@notifications.route("/bell")
def bell():
    return render("notifications/_bell.html", "notifications/_bell.html",
                  unread=Notification.unread_count(current_user))


@notifications.route("/<int:notification_id>/follow", methods=["POST"])
def follow(notification_id):
    """Open what the notification is about, marking it read on the way."""
    notification = authorized(Notification, notification_id, "read")
    Notification.mark_read(current_user, notification.id)
    return redirect(safe_next(notification.link) or url_for("notifications.index"), 303)


@notifications.route("/<int:notification_id>/read", methods=["POST"])
def read(notification_id):
    notification = authorized(Notification, notification_id, "read")
    Notification.mark_read(current_user, notification.id)
    return redirect(_back_to_list(), 303)


@notifications.route("/read-all", methods=["POST"])
def read_all():
    count = Notification.mark_read(current_user)
    flash(_("%(n)d notifications marked as read.", n=count), "success")
    return redirect(_back_to_list(), 303)


def _back_to_list():
    return url_for("notifications.index", level=request.form.get("level") or None,
                   state=request.form.get("state") or None)


@notifications.route("/preferences", methods=["GET", "POST"])
def preferences():
    form = preferences_form(Preference.channels_for(current_user),
                            formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        try:
            Preference.save_for(current_user._get_current_object(), {event: form[event].data for event in EVENTS})
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Your notification preferences are saved."), "success")
            return redirect(url_for("notifications.preferences"), 303)
    return render("notifications/preferences.html", form=form, events=EVENTS, levels=LEVELS, channels=CHANNELS)
