"""Target pages: defining and editing a target, its chart and check-ins, its history."""
from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.audit import AuditEntry
from portal.db import Invalid
from portal.permissions import authorized, can
from portal.projects.chart import TrendChart
from portal.projects.alignment import Tension
from portal.projects.forms import CheckInForm, GoalForm, TargetForm, TensionForm
from portal.projects.models import AT_RISK_LAG, GRACE_DAYS, OFF_TRACK_LAG, Project, Target, today
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
