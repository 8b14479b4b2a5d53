"""Admin pages for departments."""
from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.forms import DepartmentForm
from portal.accounts.models import Department
from portal.audit import AuditEntry
from portal.db import Invalid
from portal.pagecache import kept
from portal.permissions import authorize, authorized
from portal.render import render

departments = Blueprint("departments", __name__, url_prefix="/admin/departments")


@departments.route("/")
@kept
def index():
    authorize("administer")
    return render("departments/index.html", departments=Department.with_counts())


@departments.route("/new")
def new():
    authorize("administer")
    return render("departments/form.html", form=DepartmentForm(), department=None)


@departments.route("/", methods=["POST"])
def create():
    authorize("administer")
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            department = Department.add(current_user, form.name.data, form.name_en.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Department %(name)s added.", name=department.name), "success")
            return redirect(url_for("departments.index"), 303)
    return render("departments/form.html", form=form, department=None)


@departments.route("/<int:department_id>")
def edit(department_id):
    department = authorized(Department, department_id, "edit")
    form = DepartmentForm(obj=department, department=department)
    return render("departments/form.html", form=form, department=department,
                  history=AuditEntry.for_object(department).limit(20))


@departments.route("/<int:department_id>", methods=["POST"])
def update(department_id):
    department = authorized(Department, department_id, "edit")
    form = DepartmentForm(department=department)
    if form.validate_on_submit():
        try:
            department.update_details(current_user, form.name.data, form.name_en.data, form.chosen_head)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("departments.index"), 303)
    return render("departments/form.html", form=form, department=department,
                  history=AuditEntry.for_object(department).limit(20))
