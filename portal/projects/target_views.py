"""Target pages: defining and editing a target, its chart and check-ins, its history."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import sheets
from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.db import Invalid
from portal.import_views import Importer, blueprint
from portal.pagecache import kept
from portal.permissions import authorized, can
from portal.projects import target_imports
from portal.projects.alignment import Tension
from portal.projects.chart import TrendChart
from portal.projects.forms import CheckInForm, GoalForm, TargetForm, TensionForm
from portal.projects.models import AT_RISK_LAG, GRACE_DAYS, OFF_TRACK_LAG, CheckIn, Project, Target, today
from portal.render import render, wants_fragment

targets = Blueprint("targets", __name__)
RULE = dict(at_risk=AT_RISK_LAG, off_track=OFF_TRACK_LAG, grace=GRACE_DAYS)


@targets.route("/projects/<int:project_id>/targets/new")
def new(project_id):
    project = authorized(Project, project_id, "edit")
    form = TargetForm(formdata=None, project=project, viewer=current_user, start_date=project.start_date,
                      due_date=project.end_date)
    return render("projects/target_form.html", form=form, project=project, target=None)


@targets.route("/projects/<int:project_id>/targets/", methods=["POST"])
def create(project_id):
    project = authorized(Project, project_id, "edit")
    form = TargetForm(project=project, viewer=current_user)
    if form.validate_on_submit():
        try:
            target = Target.define(current_user, project, **form.values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Target %(title)s added.", title=target.title), "success")
            return redirect(url_for("projects.show", project_id=project.id, _anchor="targets"), 303)
    return render("projects/target_form.html", form=form, project=project, target=None)


@targets.route("/targets/<int:target_id>")
@kept
def show(target_id):
    target = authorized(Target, target_id)
    return tracking(target, CheckInForm(formdata=None))


def tracking(target, form, tension_form=None):
    check_ins = list(target.check_ins())
    return render("projects/target.html", "projects/_tracking.html", target=target, project=target.project,
                  check_ins=check_ins, chart=TrendChart(target, check_ins, today()), form=form, rule=RULE,
                  today=today(), tensions=list(Tension.touching(target, current_user)),
                  alignment=target.neighbours(current_user),
                  tension_form=tension_form or (TensionForm(formdata=None, viewer=current_user, target=target)
                                                if can(current_user, "name_tension", target) else None))


@targets.route("/targets/<int:target_id>/check-ins", methods=["POST"])
def check_in(target_id):
    target = authorized(Target, target_id, "check_in")
    form = CheckInForm()
    if form.validate_on_submit():
        try:
            target.check_in(current_user, form.value.data, form.note.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Check-in recorded."), "success")
            if not wants_fragment():
                return redirect(url_for("targets.show", target_id=target.id), 303)
            form = CheckInForm(formdata=None)
    return tracking(target, form)


@targets.route("/targets/<int:target_id>/edit")
def edit(target_id):
    target = authorized(Target, target_id, "edit")
    form = _form(target, formdata=None, obj=target, department=target.department_id or 0, owner=target.owner_id,
                 serves=target.serves_id or 0)
    return render("projects/target_form.html", form=form, project=target.project, target=target)


@targets.route("/targets/<int:target_id>/edit", methods=["POST"])
def update(target_id):
    target = authorized(Target, target_id, "edit")
    form = _form(target)
    if form.validate_on_submit():
        try:
            target.update_details(current_user, **form.values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("targets.show", target_id=target.id), 303)
    return render("projects/target_form.html", form=form, project=target.project, target=target)


def _form(target, **kwargs):
    if target.is_goal:
        return GoalForm(viewer=current_user, target=target, **kwargs)
    return TargetForm(project=target.project, viewer=current_user, target=target, **kwargs)


@targets.route("/targets/<int:target_id>/history")
def history(target_id):
    target = authorized(Target, target_id)
    return render("projects/target_history.html", target=target, project=target.project,
                  entries=AuditEntry.for_object(target).limit(200))


@targets.route("/projects/<int:project_id>/targets/export")
def export(project_id):
    """The project's targets, and every check-in on them, as a spreadsheet (?format=csv: the targets)."""
    project = authorized(Project, project_id)
    listed = list(Target.of_project(project))
    targets_sheet = sheets.Sheet(_("Targets"), [
        sheets.Column(_("Target"), width=30), sheets.Column(_("Unit"), width=8),
        sheets.Column(_("Starting value"), "number"), sheets.Column(_("Target value"), "number"),
        sheets.Column(_("Current value"), "number"), sheets.Column(_("Progress (%)"), "percent"),
        sheets.Column(_("Status")), sheets.Column(_("Owning department")), sheets.Column(_("Owner")),
        sheets.Column(_("Start date"), "date"), sheets.Column(_("Due date"), "date"),
        sheets.Column(_("Last check-in"), "datetime", 17)],
        ([t.title, t.unit, t.baseline, t.target_value, t.current_value, t.progress, str(t.status_label),
          t.department.display_name, t.owner.name, t.start_date, t.due_date, sheets.local(t.checked_in_at)]
         for t in listed))
    titles = {t.id: t.title for t in listed}
    check_ins = (CheckIn.select(CheckIn, User.id, User.name).join_from(CheckIn, User)
                 .join_from(CheckIn, Target).where(Target.project == project.id)
                 .order_by(CheckIn.target, CheckIn.created_at))
    check_ins_sheet = sheets.Sheet(_("Check-ins"), [
        sheets.Column(_("Target"), width=30), sheets.Column(_("When"), "datetime", 17),
        sheets.Column(_("Value"), "number"), sheets.Column(_("By")), sheets.Column(_("Note"), width=40)],
        ([titles.get(c.target_id, ""), sheets.local(c.created_at), c.value, c.author.name, c.note]
         for c in check_ins))
    return sheets.response([targets_sheet, check_ins_sheet], "targets-%d" % project.id,
                           sheets.wanted_kind(request.args))


def _import_names(project):
    return {"title": _l("Import targets"), "heading": _l("Import targets into %(project)s", project=project.name),
            "back": url_for("projects.show", project_id=project.id), "back_label": project.name}


TARGETS = Importer(
    fields=target_imports.FIELDS, shown=("title", "baseline", "target_value", "owner"),
    place=lambda project_id: authorized(Project, project_id, "edit"),
    planner=target_imports.planner, apply=target_imports.apply, page=_import_names,
    done=lambda project: url_for("projects.show", project_id=project.id, _anchor="targets"),
    example=target_imports.EXAMPLE, sheet_title=_l("Targets"),
    hint=_l("A target whose title is already in the project is updated, not added again, so importing the same "
            "file twice changes nothing. Without a direction, it follows from the baseline and the goal."))
target_imports_bp = blueprint("target_imports", "/projects/<int:project_id>/targets/import", TARGETS)
