"""The alignment map, setting goals, and naming or removing tensions between targets."""
from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import Invalid
from portal.pagecache import kept
from portal.permissions import authorize, authorized
from portal.projects.alignment import AlignmentMap, Tension
from portal.projects.forms import CheckInForm, GoalForm, TensionForm
from portal.projects.map import MapDrawing
from portal.projects.models import Target, today
from portal.projects.target_views import tracking
from portal.render import render

alignment = Blueprint("alignment", __name__)


@alignment.route("/alignment/")
@kept
def index():
    authorize("view_alignment")
    tree = AlignmentMap(current_user, today())
    return render("projects/alignment.html", tree=tree, drawing=MapDrawing(tree),
                  tensions=list(Tension.visible_to(current_user)), unaligned=tree.unaligned_count(current_user))


@alignment.route("/goals/new")
def new_goal():
    authorize("set_goals")
    on = today()
    form = GoalForm(formdata=None, viewer=current_user, start_date=on.replace(month=1, day=1),
                    due_date=on.replace(month=12, day=31),
                    department=0 if current_user.is_admin else current_user.heads.id, owner=current_user.id)
    return render("projects/target_form.html", form=form, project=None, target=None)


@alignment.route("/goals/", methods=["POST"])
def create_goal():
    authorize("set_goals")
    form = GoalForm(viewer=current_user)
    if form.validate_on_submit():
        try:
            goal = Target.define(current_user, None, **form.values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Goal %(title)s set.", title=goal.title), "success")
            return redirect(url_for("targets.show", target_id=goal.id), 303)
    return render("projects/target_form.html", form=form, project=None, target=None)


@alignment.route("/targets/<int:target_id>/tensions", methods=["POST"])
def name_tension(target_id):
    target = authorized(Target, target_id, "name_tension")
    form = TensionForm(viewer=current_user, target=target)
    if form.validate_on_submit():
        try:
            Tension.name(current_user, target, form.chosen, form.note.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("The tension is on the alignment map; the next alignment meeting will see it."), "success")
            return redirect(url_for("targets.show", target_id=target.id, _anchor="tensions"), 303)
    return tracking(target, CheckInForm(formdata=None), form)


@alignment.route("/tensions/<int:tension_id>/delete", methods=["POST"])
def remove_tension(tension_id):
    tension = authorized(Tension, tension_id, "remove")
    tension.remove(current_user)
    flash(_("Tension removed."), "success")
    return redirect(url_for("alignment.index", _anchor="tensions"), 303)
