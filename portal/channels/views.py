"""The channel pages: per scope, the channels, adding one, its settings, a test message, its deliveries."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import robots
from portal.accounts.models import Department
from portal.channels.forms import EditChannelForm, NewChannelForm
from portal.db import Invalid
from portal.meetings.models import MeetingSeries
from portal.params import query_int
from portal.permissions import authorize
from portal.projects.models import Project
from portal.render import render
from portal.robots.models import DEFAULT_EVENTS, Channel

channels = Blueprint("channels", __name__, url_prefix="/channels")
SCOPE_MODELS = {"project": Project, "series": MeetingSeries, "department": Department}
SCOPE_LABELS = {"company": _l("The whole company"), "project": _l("Project"), "series": _l("Meeting series"),
                "department": _l("Department")}


@channels.route("/company", defaults={"scope_kind": "company", "scope_id": None})
@channels.route("/<scope_kind>/<int:scope_id>")
def index(scope_kind, scope_id):
    scope = _scope(scope_kind, scope_id)
    form = NewChannelForm(scope_kind, data={"events": list(DEFAULT_EVENTS[scope_kind]),
                                            "language": current_user.mail_language})
    return _index(scope_kind, scope_id, scope, form)


@channels.route("/company", defaults={"scope_kind": "company", "scope_id": None}, methods=["POST"])
@channels.route("/<scope_kind>/<int:scope_id>", methods=["POST"])
def create(scope_kind, scope_id):
    scope = _scope(scope_kind, scope_id)
    form = NewChannelForm(scope_kind)
    if form.validate_on_submit():
        try:
            channel = Channel.add(current_user, name=form.name.data, kind=form.kind.data, url=form.url.data,
                                  secret=form.secret.data or "", scope_kind=scope_kind, scope_id=scope_id,
                                  language=form.language.data, events=form.events.data or [])
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("%(name)s is set up. Send it a test message to see that it works.", name=channel.name), "success")
            return redirect(url_for("channels.show", channel_id=channel.id), 303)
    return _index(scope_kind, scope_id, scope, form)


@channels.route("/<int:channel_id>")
def show(channel_id):
    """The channel; `?tested=ID` names the test message just sent, whose answer is shown first."""
    channel, scope = _channel(channel_id)
    form = EditChannelForm(channel.scope_kind, data={"name": channel.name, "language": channel.language,
                                                     "events": channel.event_set, "active": channel.active})
    return _show(channel, scope, form, results=channel.test_messages(query_int("tested")))


@channels.route("/<int:channel_id>", methods=["POST"])
def update(channel_id):
    channel, scope = _channel(channel_id)
    form = EditChannelForm(channel.scope_kind)
    if form.validate_on_submit():
        try:
            channel.update_settings(current_user, name=form.name.data, language=form.language.data,
                                    events=form.events.data or [], active=form.active.data, url=form.url.data or "",
                                    secret=form.secret.data or "", clear_secret=form.clear_secret.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("channels.show", channel_id=channel.id), 303)
    return _show(channel, scope, form)


@channels.route("/<int:channel_id>/test", methods=["POST"])
def send_test(channel_id):
    channel = _channel(channel_id)[0]
    [row] = robots.send_test(channel)
    return redirect(url_for("channels.show", channel_id=channel.id, tested=row.id), 303)


@channels.route("/<int:channel_id>/delete", methods=["POST"])
def delete(channel_id):
    channel, scope = _channel(channel_id)
    channel.remove(current_user)
    flash(_("%(name)s is deleted; its group hears nothing more from Duiqi.", name=channel.name), "success")
    return redirect(_index_url(channel.scope_kind, channel.scope_id), 303)


def _scope(scope_kind, scope_id):
    """The project, series or department (None for the company), once the user may set up its channels."""
    if scope_kind == "company":
        authorize("manage_channels")
        return None
    model = SCOPE_MODELS.get(scope_kind)
    scope = model.get_or_none(model.id == scope_id) if model is not None else None
    if scope is None:
        abort(404)
    authorize("manage_channels", scope)
    return scope


def _channel(channel_id):
    channel = Channel.get_or_none(Channel.id == channel_id)
    if channel is None:
        abort(404)
    return channel, _scope(channel.scope_kind, channel.scope_id)


def _index_url(scope_kind, scope_id):
    return url_for("channels.index", scope_kind=scope_kind, scope_id=scope_id)


def _index(scope_kind, scope_id, scope, form):
    return render("channels/index.html", channels=Channel.of_scope(scope_kind, scope_id), form=form,
                  scope=scope, scope_kind=scope_kind, scope_label=SCOPE_LABELS[scope_kind],
                  action=_index_url(scope_kind, scope_id))


def _show(channel, scope, form, results=None):
    return render("channels/show.html", "channels/_test_result.html", channel=channel, scope=scope, form=form,
                  results=results, scope_label=SCOPE_LABELS[channel.scope_kind], messages=channel.recent_messages(),
                  back=_index_url(channel.scope_kind, channel.scope_id))
