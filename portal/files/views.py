"""Files: a project's Files page, the attachments panel of other pages, versions, downloads only
through the permission check, deleting and restoring; the admin's limit and storage figures."""
from flask import Blueprint, abort, flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import Invalid
from portal.files.forms import FileSettingsForm, UploadForm
from portal.files.models import File, FileSettings, FileVersion
from portal.meetings.models import Meeting
from portal.permissions import authorize, authorized, can
from portal.projects.models import Project
from portal.render import render, wants_fragment
from portal.requests.models import ResourceRequest
from portal.storage import storage
from portal.tasks.models import Task

files = Blueprint("files", __name__)
admin_files = Blueprint("admin_files", __name__, url_prefix="/admin/files")
PLACES = {"project": Project, "task": Task, "request": ResourceRequest, "meeting": Meeting}
# What a download may do in a browser: nothing. Its type is never HTML, and it is never shown in the page.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"
PREVIEW_POLICY = "default-src 'none'; img-src 'self'; sandbox"


@files.app_context_processor
def _upload_limit():
    return {"max_upload_bytes": lambda: FileSettings.current().max_bytes}


def _place(place, place_id, action="view"):
    model = PLACES.get(place)
    if model is None:
        abort(404)
    return authorized(model, place_id, action)


@files.route("/projects/<int:project_id>/files")
def project_files(project_id):
    project = authorized(Project, project_id)
    return _project_page(project, UploadForm())


def _project_page(project, form, status=200):
    return render("files/project.html", "files/_panel.html", status=status, project=project, place=project,
                  place_name="project", files=list(File.kept_in(project)), form=form,
                  task_files=list(File.of_project_tasks(project)), deleted=_deleted(project))


def _deleted(place):
    """Deleted files the reader may bring back."""
    return [kept for kept in File.kept_in(place, deleted=True) if can(current_user, "restore", kept)]


@files.route("/files/on/<place>/<int:place_id>")
def panel(place, place_id):
    found = _place(place, place_id)
    return _panel(found, place)


def _panel(found, place_name, form=None, status=200):
    if place_name == "project" and not wants_fragment():
        return _project_page(found, form or UploadForm(), status)
    return render("files/panel.html", "files/_panel.html", status=status, place=found, place_name=place_name,
                  files=list(File.kept_in(found)), form=form or UploadForm(), deleted=_deleted(found))


@files.route("/files/on/<place>/<int:place_id>", methods=["POST"])
def upload(place, place_id):
    found = _place(place, place_id, "attach")
    form = UploadForm()
    if form.validate_on_submit():
        try:
            kept = File.upload(current_user, found, form.upload.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("“%(name)s” is kept here.", name=kept.name), "success")
            return redirect(url_for("files.panel", place=place, place_id=place_id), 303)
    return _panel(found, place, form, status=200)


@files.route("/files/<int:file_id>")
def show(file_id):
    kept = authorized(File, file_id)
    return _show(kept, UploadForm())


def _show(kept, form):
    return render("files/show.html", kept=kept, versions=list(kept.history()), form=form)


@files.route("/files/<int:file_id>/versions", methods=["POST"])
def add_version(file_id):
    kept = authorized(File, file_id, "add_version")
    form = UploadForm()
    if form.validate_on_submit():
        try:
            version = kept.add_version(current_user, form.upload.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Version %(n)d of “%(name)s” is kept; the earlier ones stay below.", n=version.number,
                    name=version.name), "success")
            return redirect(url_for("files.show", file_id=kept.id), 303)
    return _show(kept, form)


@files.route("/files/<int:file_id>/download")
def download(file_id):
    kept = authorized(File, file_id)
    if kept.deleted:
        abort(404)
    return _send(kept.latest())


@files.route("/files/versions/<int:file_version_id>/download")
def download_version(file_version_id):
    version = authorized(FileVersion, file_version_id)
    if version.file.deleted:
        abort(404)
    return _send(version)


def _send(version):
    try:
        data = storage().get(version.key)
    except FileNotFoundError:
        abort(404)
    # send_file writes the name as RFC 6266 asks: an ASCII fallback and filename*=UTF-8''…, so
    # Chinese names survive every browser; the type comes from what the content was found to be.
    return _guarded(send_file(data, mimetype=version.content_type, as_attachment=True, download_name=version.name,
                              conditional=False, etag=False), DOWNLOAD_POLICY, "private, no-store")


def _guarded(response, policy, caching):
    response.headers["Content-Security-Policy"] = policy
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = caching
    return response


@files.route("/files/<int:file_id>/preview")
def preview(file_id):
    kept = authorized(File, file_id)
    version = kept.latest()
    if kept.deleted or version is None or not version.preview_key:
        abort(404)
    try:
        data = storage().get(version.preview_key)
    except FileNotFoundError:
        abort(404)
    return _guarded(send_file(data, mimetype=version.preview_type, download_name="preview-%d" % version.id,
                              conditional=False, etag=False), PREVIEW_POLICY, "private, max-age=86400")


@files.route("/files/<int:file_id>/delete", methods=["POST"])
def delete(file_id):
    kept = authorized(File, file_id, "delete")
    try:
        kept.delete_softly(current_user)
    except Invalid as invalid:
        flash(invalid.message, "error")
    else:
        flash(_("“%(name)s” was deleted. It can be restored for 30 days.", name=kept.name), "success")
    return redirect(_back_to(kept), 303)


@files.route("/files/<int:file_id>/restore", methods=["POST"])
def restore(file_id):
    kept = authorized(File, file_id, "restore")
    try:
        kept.restore(current_user)
    except Invalid as invalid:
        flash(invalid.message, "error")
    else:
        flash(_("“%(name)s” is back.", name=kept.name), "success")
    return redirect(_back_to(kept), 303)


def _back_to(kept):
    return url_for("files.panel", place=kept.place_name, place_id=kept.place.id)


@admin_files.route("/")
def index():
    authorize("administer")
    return _admin_page(FileSettingsForm(max_mb=FileSettings.current().max_mb))


def _admin_page(form):
    return render("files/admin.html", form=form, largest=FileSettings.largest_allowed(),
                  usage=File.storage_by_project())


@admin_files.route("/", methods=["POST"])
def update():
    authorize("administer")
    form = FileSettingsForm()
    if form.validate_on_submit():
        try:
            FileSettings.change(current_user, form.max_mb.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("admin_files.index"), 303)
    return _admin_page(form)
