"""A project's updates feed: pages of older updates, posting with photos, and serving the photos."""
from flask import Blueprint, abort, flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import Invalid
from portal.params import query_int
from portal.permissions import authorized
from portal.projects import photos
from portal.projects.feed import Photo, ProjectUpdate
from portal.projects.forms import UpdateForm
from portal.projects.models import Project
from portal.projects.views import project_page
from portal.render import render, wants_fragment
from portal.storage import storage

updates = Blueprint("updates", __name__)
# Served photos are images, never documents: nothing in them may run or load anything.
PHOTO_POLICY = "default-src 'none'; img-src 'self'; sandbox"


@updates.route("/projects/<int:project_id>/updates")
def index(project_id):
    project = authorized(Project, project_id)
    updates, more = ProjectUpdate.feed(project, query_int("before", low=1))
    return render("projects/updates.html", "projects/_update_page.html", project=project, updates=updates,
                  more=more)


@updates.route("/projects/<int:project_id>/updates", methods=["POST"])
def create(project_id):
    project = authorized(Project, project_id, "post_update")
    form = UpdateForm()
    if form.validate_on_submit():
        try:
            pictures = photos.prepare_all(form.uploads)
            posted = ProjectUpdate.post(current_user, project, form.body.data, pictures)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Update posted."), "success")
            if wants_fragment():
                return project_page(project, "projects/_update_form.html", posted=posted)
            return redirect(url_for("projects.show", project_id=project.id, _anchor="updates"), 303)
    return project_page(project, "projects/_update_form.html", update_form=form)


@updates.route("/updates/<int:update_id>/delete", methods=["POST"])
def delete(update_id):
    update = authorized(ProjectUpdate, update_id, "delete")
    try:
        update.withdraw(current_user)
    except Invalid as invalid:  # the project was archived in the meantime
        flash(invalid.message, "error")
        gone = False
    else:
        flash(_("Update deleted."), "success")
        gone = True
    if wants_fragment():
        # An empty answer takes the update off the feed; "no content" leaves it where it is.
        return ("", 200) if gone else ("", 204)
    return redirect(url_for("projects.show", project_id=update.project_id, _anchor="updates"), 303)


@updates.route("/photos/<int:photo_id>")
def photo(photo_id):
    return _send(authorized(Photo, photo_id))


@updates.route("/photos/<int:photo_id>/thumb")
def thumb(photo_id):
    return _send(authorized(Photo, photo_id), thumb=True)


def _send(found, thumb=False):
    try:
        data = storage().get(found.key(thumb))
    except FileNotFoundError:
        abort(404)
    response = send_file(data, mimetype=found.content_type, download_name=found.download_name, conditional=False,
                         etag=False)
    response.headers["Content-Security-Policy"] = PHOTO_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Private: only this browser may keep it, as only signed-in people allowed may see it.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
