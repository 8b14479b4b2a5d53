"""The request type builder: details, custom fields and the approval flow, edited with htmx."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.models import User
from portal.audit import AuditEntry
from portal.db import Invalid
from portal.permissions import authorize, authorized
from portal.render import render, wants_fragment
from portal.requests import approvers, fields
from portal.i18n import current_language
from portal.requests.forms import FieldForm, PresetForm, RequestTypeForm, StepForm
from portal.requests.presets import PRESETS
from portal.requests.types import IF_EMPTY, MODES, ON_TIMEOUT, FlowStep, RequestType, TypeField, requester_departments

request_types = Blueprint("request_types", __name__, url_prefix="/admin/request-types")
SECTIONS = {"fields": "requests/_type_fields.html", "steps": "requests/_type_steps.html"}


@request_types.route("/")
def index():
    authorize("administer")
    return render("requests/type_index.html", types=RequestType.for_admin(), preset_form=PresetForm())


@request_types.route("/presets", methods=["POST"])
def install():
    authorize("administer")
    form = PresetForm()
    if not form.validate_on_submit():
        return render("requests/type_index.html", types=RequestType.for_admin(), preset_form=form)
    request_type = RequestType.install(current_user, PRESETS[form.preset.data], form.departments[form.provider.data],
                                       english=current_language() == "en")
    flash(_("Request type %(name)s is ready as a draft. Check its fields and steps, then publish it.",
            name=request_type.name), "success")
    return redirect(url_for("request_types.edit", type_id=request_type.id), 303)


@request_types.route("/new")
def new():
    authorize("administer")
    return render("requests/type_new.html", form=RequestTypeForm())


@request_types.route("/", methods=["POST"])
def create():
    authorize("administer")
    form = RequestTypeForm()
    if form.validate_on_submit():
        try:
            request_type = RequestType.add(current_user, **form.values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Request type %(name)s created. Now add its fields and steps, then publish it.",
                    name=request_type.name), "success")
            return redirect(url_for("request_types.edit", type_id=request_type.id), 303)
    return render("requests/type_new.html", form=form)


@request_types.route("/<int:type_id>")
def edit(type_id):
    request_type = authorized(RequestType, type_id, "edit")
    return _builder(request_type)


@request_types.route("/<int:type_id>", methods=["POST"])
def update(type_id):
    request_type = authorized(RequestType, type_id, "edit")
    form = RequestTypeForm()
    if form.validate_on_submit():
        try:
            request_type.update_details(current_user, **form.values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Saved. Publish to use the changes for new requests."), "success")
            return redirect(url_for("request_types.edit", type_id=type_id), 303)
    return _builder(request_type, details_form=form)


@request_types.route("/<int:type_id>/publish", methods=["POST"])
def publish(type_id):
    request_type = authorized(RequestType, type_id, "edit")
    try:
        version = request_type.publish(current_user)
    except Invalid as invalid:
        return _builder(request_type, publish_error=invalid.message)
    flash(_("Version %(n)d is published. New requests follow it; earlier requests keep their version.",
            n=version.number), "success")
    return redirect(url_for("request_types.edit", type_id=type_id), 303)


# -- fields -----------------------------------------------------------------------------------

@request_types.route("/<int:type_id>/fields")
def fields_section(type_id):
    return _section(authorized(RequestType, type_id, "edit"), "fields", moved=_moved())


@request_types.route("/<int:type_id>/fields/new")
def new_field(type_id):
    request_type = authorized(RequestType, type_id, "edit")
    kind = request.args.get("kind", "")
    if kind not in fields.KINDS:
        return _section(request_type, "fields", choosing_kind=True)
    return _section(request_type, "fields", field_form=FieldForm(kind=kind, request_type=request_type, formdata=None,
                                                                 data={"kind": kind, "currency": "CNY"}))


@request_types.route("/<int:type_id>/fields", methods=["POST"])
def add_field(type_id):
    request_type = authorized(RequestType, type_id, "edit")
    if request.form.get("kind") not in fields.KINDS:
        abort(400)
    form = FieldForm(request_type=request_type)
    if form.validate_on_submit():
        try:
            field = request_type.add_field(current_user, kind=form.kind.data, **form.values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            return _saved(request_type, "fields", _("Field “%(label)s” added.", label=field.label))
    return _section(request_type, "fields", field_form=form)


@request_types.route("/<int:type_id>/fields/<int:field_id>/edit")
def edit_field(type_id, field_id):
    request_type, field = _part(TypeField, type_id, field_id)
    form = FieldForm.of(field)
    return _section(request_type, "fields", field_form=form, editing_field=field)


@request_types.route("/<int:type_id>/fields/<int:field_id>", methods=["POST"])
def update_field(type_id, field_id):
    request_type, field = _part(TypeField, type_id, field_id)
    form = FieldForm(kind=field.kind, request_type=request_type)
    if form.validate_on_submit():
        try:
            field.update_settings(current_user, **form.values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            return _saved(request_type, "fields", _("Field “%(label)s” saved.", label=field.label))
    return _section(request_type, "fields", field_form=form, editing_field=field)


@request_types.route("/<int:type_id>/fields/<int:field_id>/move", methods=["POST"])
def move_field(type_id, field_id):
    request_type, field = _part(TypeField, type_id, field_id)
    field.move(current_user, -1 if _direction() == "up" else 1)
    return _saved(request_type, "fields", None, moved="field-%d-%s" % (field.id, _direction()))


@request_types.route("/<int:type_id>/fields/<int:field_id>/remove", methods=["POST"])
def remove_field(type_id, field_id):
    request_type, field = _part(TypeField, type_id, field_id)
    try:
        field.remove(current_user)
    except Invalid as invalid:
        return _section(request_type, "fields", field_error=(field.id, invalid.message))
    return _saved(request_type, "fields", _("Field “%(label)s” removed.", label=field.label))


# -- steps ------------------------------------------------------------------------------------

@request_types.route("/<int:type_id>/steps")
def steps_section(type_id):
    return _section(authorized(RequestType, type_id, "edit"), "steps", moved=_moved())


@request_types.route("/<int:type_id>/steps/new")
def new_step(type_id):
    request_type = authorized(RequestType, type_id, "edit")
    form = StepForm(request_type=request_type, formdata=None, data={"mode": "any", "on_timeout": "remind",
                                                                     "condition_op": ">"})
    return _section(request_type, "steps", step_form=form)


@request_types.route("/<int:type_id>/steps", methods=["POST"])
def add_step(type_id):
    request_type = authorized(RequestType, type_id, "edit")
    form = StepForm(request_type=request_type)
    if form.validate_on_submit():
        try:
            step = request_type.add_step(current_user, **form.values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            return _saved(request_type, "steps", _("Step “%(name)s” added.", name=step.name))
    return _section(request_type, "steps", step_form=form)


@request_types.route("/<int:type_id>/steps/<int:step_id>/edit")
def edit_step(type_id, step_id):
    request_type, step = _part(FlowStep, type_id, step_id)
    return _section(request_type, "steps", step_form=StepForm.of(step, request_type), editing_step=step)


@request_types.route("/<int:type_id>/steps/<int:step_id>", methods=["POST"])
def update_step(type_id, step_id):
    request_type, step = _part(FlowStep, type_id, step_id)
    form = StepForm(request_type=request_type)
    if form.validate_on_submit():
        try:
            step.update_settings(current_user, **form.values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            return _saved(request_type, "steps", _("Step “%(name)s” saved.", name=step.name))
    return _section(request_type, "steps", step_form=form, editing_step=step)


@request_types.route("/<int:type_id>/steps/<int:step_id>/move", methods=["POST"])
def move_step(type_id, step_id):
    request_type, step = _part(FlowStep, type_id, step_id)
    step.move(current_user, -1 if _direction() == "up" else 1)
    return _saved(request_type, "steps", None, moved="step-%d-%s" % (step.id, _direction()))


@request_types.route("/<int:type_id>/steps/<int:step_id>/remove", methods=["POST"])
def remove_step(type_id, step_id):
    request_type, step = _part(FlowStep, type_id, step_id)
    step.remove(current_user)
    return _saved(request_type, "steps", _("Step “%(name)s” removed.", name=step.name))


# -- rendering ----------------------------------------------------------------------------------

def _part(model, type_id, part_id):
    request_type = authorized(RequestType, type_id, "edit")
    part = model.get_or_none((model.id == part_id) & (model.type == request_type))
    if part is None:
        abort(404)
    return request_type, part


def _saved(request_type, section, message, moved=None):
    """After a change, 303: htmx follows it to the section, a plain form back to the builder page."""
    if message:
        flash(message, "success")
    if wants_fragment():
        return redirect(url_for("request_types.%s_section" % section, type_id=request_type.id, moved=moved), 303)
    return redirect(url_for("request_types.edit", type_id=request_type.id, _anchor="type-" + section), 303)


def _section(request_type, section, **context):
    # The status card (published? complete?) changes with the section: it comes along out of band.
    return _builder(RequestType.get_by_id(request_type.id), fragment=SECTIONS[section], oob=wants_fragment(),
                    **context)


def _direction():
    return "up" if request.form.get("direction") == "up" else "down"


def _moved():
    """("field" | "step", id, "up" | "down") from `?moved=step-12-up`: where the focus goes after a move."""
    kind, _, rest = request.args.get("moved", "").partition("-")
    number, _, direction = rest.partition("-")
    if kind in ("field", "step") and number.isdigit() and direction in ("up", "down"):
        return kind, int(number), direction
    return None


def _builder(request_type, fragment=None, details_form=None, **context):
    type_fields = list(request_type.ordered_fields())
    steps = list(request_type.ordered_steps())
    ids = {i for step in steps for entry in step.approver_entries for i in entry.get("ids", [])}
    ids.update(i for step in steps for i in step.copied_ids)
    names = {u.id: u.name for u in User.select(User.id, User.name).where(User.id.in_(list(ids)))}
    return render("requests/type_edit.html", fragment, request_type=request_type,
                  details_form=details_form or RequestTypeForm.of(request_type),
                  type_fields=type_fields, steps=steps, names=names, describe=approvers.describe,
                  departments=requester_departments(step.requester_condition() for step in steps),
                  kinds=fields.KINDS, operators=fields.OPERATORS, modes=MODES, on_timeout=ON_TIMEOUT,
                  if_empty=IF_EMPTY,
                  history=AuditEntry.for_object(request_type).limit(30), **context)
