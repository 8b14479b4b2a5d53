"""The feeds' addresses: no sign-in and no header (calendar apps send neither), the secret in the
address instead; HEAD works, and clients are told how often to come back."""
from flask import Blueprint, abort, current_app, g

from portal.accounts import auth
from portal.accounts.tokens import feed_owner
from portal.db import utcnow
from portal.feeds import ics
from portal.permissions import authorize
from portal.projects.models import Project

feeds = Blueprint("feeds", __name__, url_prefix="/calendar")
MEDIA_TYPE = "text/calendar; charset=utf-8"


@feeds.route("/<key>.ics")
@auth.own_credentials
def personal(key):
    owner = _owner(key)
    return _calendar(ics.personal(owner, utcnow()))


@feeds.route("/<key>/projects/<int:project_id>.ics")
@auth.own_credentials
def project(key, project_id):
    owner = _owner(key)
    found = Project.get_or_none(Project.id == project_id)
    if found is None:
        abort(404)
    # Asked at every fetch: whoever loses access to the project gets nothing more of it.
    authorize("view", found, user=owner)
    return _calendar(ics.milestones(found, utcnow(), owner.timezone))


def _owner(key):
    owner = feed_owner(key)
    if owner is None:
        abort(404)
    g.locale = owner.language or current_app.config["DEFAULT_LOCALE"]
    return owner


def _calendar(body):
    response = current_app.response_class(body, mimetype=MEDIA_TYPE)
    response.headers["Content-Disposition"] = 'inline; filename="duiqi.ics"'
    # The address is a secret: no shared cache keeps a copy; the owner's app may, for a quarter hour.
    response.headers["Cache-Control"] = "private, max-age=900"
    return response
