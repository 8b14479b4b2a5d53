"""Importing a project's plan: upload a spreadsheet, choose which column is which, see every row
that would be created or updated and every problem, then confirm."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import imports, sheets
from portal.db import Invalid
from portal.forms import Form
from portal.permissions import authorized
from portal.projects.models import Project
from portal.render import render
from portal.tasks import imports as task_imports

task_imports_bp = Blueprint("task_imports", __name__, url_prefix="/projects/<int:project_id>/tasks/import")


@task_imports_bp.route("")
def new(project_id):
    project = authorized(Project, project_id, "import_tasks")
    return render("tasks/import.html", project=project, form=Form(), fields=task_imports.FIELDS, stage="upload")


@task_imports_bp.route("", methods=["POST"])
def upload(project_id):
    project = authorized(Project, project_id, "import_tasks")
    form = Form()
    if form.validate_on_submit():
        try:
            token = imports.stage(current_user, request.files.get("upload") or _Nothing())
            headers, rows = imports.table(token, current_user)
        except Invalid as invalid:
            return _start_again(project, form, invalid)
        mapping = imports.recognised(headers, task_imports.FIELDS)
        return _preview(project, token, headers, rows, mapping, request.files["upload"].filename)
    return render("tasks/import.html", project=project, form=form, fields=task_imports.FIELDS, stage="upload")


@task_imports_bp.route("/preview", methods=["POST"])
def preview(project_id):
    project = authorized(Project, project_id, "import_tasks")
    form, token = Form(), request.form.get("token", "")
    try:
        headers, rows = _staged(form, token)
    except Invalid as invalid:
        return _start_again(project, form, invalid)
    return _preview(project, token, headers, rows, _mapping(headers), request.form.get("source", ""))


@task_imports_bp.route("/confirm", methods=["POST"])
def confirm(project_id):
    project = authorized(Project, project_id, "import_tasks")
    form, token, source = Form(), request.form.get("token", ""), request.form.get("source", "")[:200]
    try:
        headers, rows = _staged(form, token)
    except Invalid as invalid:
        return _start_again(project, form, invalid)
    mapping = _mapping(headers)
    try:
        created, updated = task_imports.apply(current_user, project, rows, mapping, source)
    except Invalid as invalid:
        form.show_error(invalid)
        return _preview(project, token, headers, rows, mapping, source, form)
    imports.discard(token, current_user)
    flash(_("Imported: %(created)d tasks created, %(updated)d updated.", created=created, updated=updated), "success")
    return redirect(url_for("boards.show", scope="project", project=project.id), 303)


@task_imports_bp.route("/template")
def template(project_id):
    project = authorized(Project, project_id, "import_tasks")
    headers, example = task_imports.template_rows()
    columns = [sheets.Column(header, width=24) for header in headers]
    return sheets.response([sheets.Sheet(_("Tasks"), columns, [example])], "tasks-template-%d" % project.id,
                           sheets.wanted_kind(request.args))


def _staged(form, token):
    """The staged upload's table, once the form (its CSRF token) checks out."""
    if not form.validate_on_submit():
        raise Invalid(_("This form expired. Upload the file again."))
    return imports.table(token, current_user)


def _start_again(project, form, invalid):
    form.show_error(invalid)
    return render("tasks/import.html", project=project, form=form, fields=task_imports.FIELDS, stage="upload")


def _mapping(headers):
    """{field key: column index} as chosen on the preview page (a column once, in range)."""
    mapping = {}
    for spec in task_imports.FIELDS:
        raw = request.form.get("column-" + spec.key, "")
        if raw.isdigit() and int(raw) < len(headers) and int(raw) not in mapping.values():
            mapping[spec.key] = int(raw)
    return mapping


def _preview(project, token, headers, rows, mapping, source, form=None):
    plan = imports.plan(rows, mapping, task_imports.FIELDS, task_imports.planner(project))
    return render("tasks/import.html", project=project, form=form or Form(), fields=task_imports.FIELDS,
                  stage="preview", token=token, headers=headers, mapping=mapping, plan=plan, source=source)


class _Nothing:
    filename, stream = "", None
