"""Forms: the type and flow builder, the request form built from a version's fields, decisions."""
import json

from flask import request
from flask_babel import lazy_pgettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (BooleanField, DateField, FieldList, FormField, HiddenField, IntegerField, RadioField,
                     SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField)
from wtforms import Form as PlainForm
from wtforms.widgets import CheckboxInput
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from portal.accounts.forms import people_choices
from portal.accounts.models import MAX_LEVELS, ROLES, Department, User
from portal.projects.models import LIVE, Project
from portal.forms import Form
from portal.requests import approvers, fields
from portal.requests.presets import PRESETS
from portal.requests.types import IF_EMPTY, JOINS, MODES, ON_TIMEOUT

HOURS = [Optional(), NumberRange(min=1, max=2000, message=_l("Give between 1 and 2000 hours."))]
COMMENT = [Optional(), Length(max=2000)]


class RequestTypeForm(Form):
    name = StringField(_l("Name"), [DataRequired(), Length(max=100)])
    name_en = StringField(_l("English name"), [Optional(), Length(max=100)])
    description = TextAreaField(_l("Description"), [Optional(), Length(max=2000)])
    provider = SelectField(_l("Providing department"), coerce=int)
    allocation_step = BooleanField(_l("End with an allocation step: the providing department records what it commits"))
    allocation_hours = IntegerField(_l("Time limit for the allocation, in working hours"), HOURS)
    creates_tasks = BooleanField(_l("Create tasks for the providing department when approved"))
    active = BooleanField(_l("Open for new requests"), default=True)
    number_prefix = StringField(_l("Number prefix"), [Optional(), Regexp(
        r"^[A-Za-z][A-Za-z0-9]{0,9}$", message=_l("Use up to 10 Latin letters and digits, starting with a letter."))],
        filters=[lambda text: (text or "").strip().upper()], render_kw={"autocapitalize": "characters"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {d.id: d for d in Department.ordered()}
        self.provider.choices = [SelectChoice(0, _l("— choose —"))] + [
            SelectChoice(d.id, d.display_name) for d in self.departments.values()]

    @classmethod
    def of(cls, request_type):
        return cls(formdata=None, data={name: getattr(request_type, name) for name in (
            "name", "name_en", "description", "allocation_step", "allocation_hours", "creates_tasks", "active",
            "number_prefix")},
            provider=request_type.provider_id)

    def validate_provider(self, field):
        if field.data not in self.departments:
            raise ValidationError(_l("Choose the department that provides."))

    def values(self):
        return {"name": self.name.data, "name_en": self.name_en.data or "", "description": self.description.data or "",
                "provider": self.departments[self.provider.data], "allocation_step": self.allocation_step.data,
                "allocation_hours": self.allocation_hours.data, "creates_tasks": self.creates_tasks.data,
                "active": self.active.data, "number_prefix": self.number_prefix.data or ""}


class PresetForm(Form):
    """Install a ready-made type: the button pressed names the preset."""

    preset = SelectField(choices=[SelectChoice(key, preset["title"]) for key, preset in PRESETS.items()])
    provider = SelectField(_l("Providing department"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {d.id: d for d in Department.ordered()}
        self.provider.choices = [SelectChoice(d.id, d.display_name) for d in self.departments.values()]
        if not self.is_submitted() and current_user.department_id in self.departments:
            self.provider.data = current_user.department_id


class ColumnForm(PlainForm):
    name = StringField(_l("Column"), [Optional(), Length(max=50)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in fields.COLUMN_KINDS.items()],
                       default="text")


class FieldForm(Form):
    """A custom field's settings; which of them show depends on the kind (fields.SETTINGS)."""

    id_prefix = "field-"
    kind = HiddenField()
    label = StringField(_l("Label"), [DataRequired(), Length(max=100)], render_kw={"data-focus": True})
    label_en = StringField(_l("English label"), [Optional(), Length(max=100)])
    help = StringField(_l("Help text"), [Optional(), Length(max=300)])
    required = BooleanField(_l("Required"))
    min_value = fields.DecimalText(_l("Smallest value"), [Optional()], render_kw={"inputmode": "decimal"})
    max_value = fields.DecimalText(_l("Largest value"), [Optional()], render_kw={"inputmode": "decimal"})
    max_length = IntegerField(_l("Longest answer, in characters"), [Optional(), NumberRange(min=1)])
    choices = TextAreaField(_l("Choices, one per line"), [Optional(), Length(max=5000)])
    currency = SelectField(_l("Currency"), choices=[SelectChoice(c) for c in fields.CURRENCIES])
    measure = BooleanField()
    columns = FieldList(FormField(ColumnForm), _l("Columns"), min_entries=fields.MAX_COLUMNS,
                        max_entries=fields.MAX_COLUMNS)
    formula_op = RadioField(_l("Calculate"), choices=[SelectChoice(k, v) for k, v in fields.FORMULAS.items()],
                            default="sum")
    formula_fields = SelectMultipleField(_l("From the fields"), coerce=int, option_widget=CheckboxInput())

    def __init__(self, *args, kind=None, request_type=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind_key = kind or self.kind.data
        shown = fields.SETTINGS.get(self.kind_key, set())
        for setting in ("min_value", "max_value", "max_length", "choices", "currency", "measure"):
            if setting not in shown:
                delattr(self, setting)  # a setting this kind does not take is neither shown nor checked
        if "columns" not in shown:
            delattr(self, "columns")
        if "formula" in shown:
            self.formula_fields.choices = [SelectChoice(f.id, f.label) for f in request_type.ordered_fields()
                                           if f.kind in fields.OPERAND_KINDS]
            self.currency.choices = [SelectChoice("", _l("— a plain number —"))] + self.currency.choices
            self.currency.label.text = _l("Show the result as money in")
        else:
            delattr(self, "formula_op")
            delattr(self, "formula_fields")
        if "measure" in shown:
            self.measure.label.text = fields.MEASURES[self.kind_key][1]

    @classmethod
    def of(cls, field):
        """The form filled in from a field's settings."""
        data = {name: getattr(field, name) for name in (
            "kind", "label", "label_en", "help", "required", "min_value", "max_value", "max_length", "choices",
            "currency")}
        return cls(kind=field.kind, request_type=field.type, formdata=None, data=dict(
            data, measure=bool(field.measure),
            columns=[{"name": column["label"], "kind": column["kind"]} for column in field.column_list],
            formula_op=field.formula_map.get("op", "sum"), formula_fields=field.formula_map.get("fields", [])))

    def shows(self, setting):
        return setting in self

    def values(self):
        def given(name, empty=None):
            return self[name].data if name in self and self[name].data is not None else empty
        return {
            "label": self.label.data, "label_en": self.label_en.data or "", "help": self.help.data or "",
            "required": self.required.data, "min_value": given("min_value"), "max_value": given("max_value"),
            "max_length": given("max_length"), "choices": given("choices", ""), "currency": given("currency", ""),
            "measure": fields.MEASURES[self.kind_key][0] if "measure" in self and self.measure.data else "",
            "columns": json.dumps([{"label": entry["name"].data.strip(), "kind": entry["kind"].data}
                                   for entry in self.columns if (entry["name"].data or "").strip()]
                                  if "columns" in self else [], ensure_ascii=False),
            "formula": json.dumps({"op": self.formula_op.data, "fields": self.formula_fields.data or []}
                                  if "formula_op" in self else {}),
        }


class StepForm(Form):
    id_prefix = "step-"
    name = StringField(_l("Step name"), [DataRequired(), Length(max=100)], render_kw={"data-focus": True})
    name_en = StringField(_l("English name"), [Optional(), Length(max=100)])
    kinds = SelectMultipleField(_l("Who decides"), option_widget=CheckboxInput(),
                                choices=[SelectChoice(k, v) for k, v in approvers.SIMPLE_KINDS.items()])
    people = SelectMultipleField(_l("Named people"), coerce=int)
    role = SelectField(_l("Everyone with the role"), choices=[SelectChoice("", _l("— nobody by role —"))] + [
        SelectChoice(k, v) for k, v in approvers.APPROVER_ROLES.items()], default="")
    levels = IntegerField(_l("Supervisors up this many levels, one after another (逐级)"),
                          [Optional(), NumberRange(min=1, max=MAX_LEVELS)])
    mode = RadioField(_l("When several people decide"), choices=[SelectChoice(k, v) for k, v in MODES.items()],
                      default="any")
    condition_field = SelectField(_l("Only when the field"), coerce=int)
    condition_op = SelectField(_l("Comparison"), choices=[SelectChoice(k, v[0]) for k, v in fields.OPERATORS.items()],
                               default=">")
    condition_value = StringField(_l("Value"), [Optional(), Length(max=100)])
    condition_if_empty = RadioField(_l("When the field is left empty"), [Optional()],
                                    choices=[SelectChoice(k, v) for k, v in IF_EMPTY.items()], default="fails")
    condition_department_join = SelectField(_l("Joined by"), choices=[SelectChoice(k, v) for k, v in JOINS.items()],
                                            default="and")
    condition_department = SelectField(_l("The requester is in the department"), coerce=int, default=0)
    condition_role_join = SelectField(_l("Joined by"), choices=[SelectChoice(k, v) for k, v in JOINS.items()],
                                      default="and")
    condition_role = SelectField(_l("The requester has the role"), default="",
                                 choices=[SelectChoice("", _l("— any role —"))] + [
                                     SelectChoice(k, v) for k, v in ROLES.items()])
    copied = SelectMultipleField(_l("People copied (抄送)"), coerce=int)
    time_limit_hours = IntegerField(_l("Time limit, in working hours"), HOURS)
    on_timeout = SelectField(_l("When the time limit passes"),
                             choices=[SelectChoice(k, v) for k, v in ON_TIMEOUT.items()], default="remind")

    def __init__(self, *args, request_type, **kwargs):
        super().__init__(*args, **kwargs)
        people = people_choices(User.active)
        self.people.choices = people
        self.copied.choices = people
        self.testable = {f.id: f for f in request_type.ordered_fields() if f.kind in fields.CONDITION_KINDS}
        self.condition_field.choices = [SelectChoice(0, _l("— always —"))] + [
            SelectChoice(f.id, f.label if f.required else _l("%(label)s (may be left empty)", label=f.label))
            for f in self.testable.values()]
        self.condition_department.choices = [SelectChoice(0, _l("— any department —"))] + [
            SelectChoice(d.id, str(d)) for d in Department.ordered()]

    @classmethod
    def of(cls, step, request_type):
        """The form filled in from a step's settings."""
        entries = step.approver_entries
        return cls(request_type=request_type, data={
            "name": step.name, "name_en": step.name_en, "mode": step.mode,
            "kinds": [e["kind"] for e in entries if e["kind"] in approvers.SIMPLE_KINDS],
            "people": next((e["ids"] for e in entries if e["kind"] == "people"), []),
            "role": next((e["role"] for e in entries if e["kind"] == "role"), ""),
            "levels": next((e["levels"] for e in entries if e["kind"] == "supervisors"), None),
            "condition_field": step.condition_field_id or 0, "condition_op": step.condition_op or ">",
            "condition_value": step.condition_value, "condition_if_empty": step.condition_if_empty,
            "condition_department": step.condition_department_id or 0, "condition_role": step.condition_role,
            "condition_department_join": step.condition_department_join,
            "condition_role_join": step.condition_role_join,
            "copied": step.copied_ids,
            "time_limit_hours": step.time_limit_hours, "on_timeout": step.on_timeout})

    def values(self):
        entries = [{"kind": kind} for kind in self.kinds.data]
        if self.people.data:
            entries.append({"kind": "people", "ids": self.people.data})
        if self.role.data:
            entries.append({"kind": "role", "role": self.role.data})
        if self.levels.data:
            entries.append({"kind": "supervisors", "levels": self.levels.data})
        field = self.testable.get(self.condition_field.data)
        return {"name": self.name.data, "name_en": self.name_en.data or "", "approvers": json.dumps(entries),
                "mode": self.mode.data, "condition_field": field,
                "condition_op": self.condition_op.data if field else "",
                "condition_value": (self.condition_value.data or "") if field else "",
                "condition_if_empty": self.condition_if_empty.data if field else "fails",
                "condition_department": self.condition_department.data or None,
                "condition_department_join": self.condition_department_join.data,
                "condition_role": self.condition_role.data or "", "condition_role_join": self.condition_role_join.data,
                "copied": json.dumps(self.copied.data or []), "time_limit_hours": self.time_limit_hours.data,
                "on_timeout": self.on_timeout.data}


class DecisionForm(Form):
    comment = TextAreaField(lazy_pgettext("approval", "Comment"), COMMENT)


class BatchApprovalForm(Form):
    # Any id is accepted here: the behaviour approves only the reader's own waiting seats.
    seats = SelectMultipleField(_l("Requests to approve"), coerce=int, validate_choice=False,
                                validators=[DataRequired(_l("Tick the requests you approve first."))])
    comment = TextAreaField(lazy_pgettext("approval", "Comment"), COMMENT)


class WithdrawForm(Form):
    comment = TextAreaField(_l("Why (optional)"), COMMENT)


class AllocationForm(Form):
    commitment = TextAreaField(_l("What is committed: who or what, and how"), [DataRequired(), Length(max=2000)])
    people_days = fields.DecimalText(_l("People-days"), [Optional()], render_kw={"inputmode": "decimal"})
    amount = fields.DecimalText(_l("Amount"), [Optional()], money=True, render_kw={"inputmode": "decimal"})
    starts_on = DateField(lazy_pgettext("date range", "From"), [Optional()])
    ends_on = DateField(lazy_pgettext("date range", "To"), [Optional()])


def request_form(version, data=None, for_project=True):
    """The form for filing a request under `version`, built from its field definitions; with
    `for_project`, it also asks which project (if any) the request is for."""
    specs = version.fields
    kinds = {spec.kind for spec in specs}
    people = list(User.select(User.id, User.name).where(User.active).order_by(User.name).tuples()) \
        if "person" in kinds else []
    departments = list(Department.ordered()) if "department" in kinds else []

    class RequestForm(Form):
        title = StringField(_l("Subject"), [DataRequired(), Length(max=200)],
                            description=_l("What it is for, in a few words."))
        version_id = HiddenField(default=version.id)

        def validate(self, extra_validators=None):
            if self.rows_changed:  # adding or removing a line-item row shows the form again, it does not send it
                return False
            return super().validate(extra_validators)

    projects = {}
    if for_project:
        projects = {p.id: p for p in Project.visible_to(current_user).where(Project.status.in_(LIVE))
                    .order_by(Project.name)}
        RequestForm.project = SelectField(_l("For project"), coerce=int, default=0, choices=[
            SelectChoice(0, _l("— none —"))] + [SelectChoice(p.id, p.name) for p in projects.values()])
    for spec in specs:
        if spec.kind != "calculated":
            setattr(RequestForm, spec.key, spec.form_field(people, departments))
    form = RequestForm(data=data)
    form.specs = specs
    form.rows_changed = _change_rows(form)
    form.focus_row = form.rows_changed if form.rows_changed and form.rows_changed.endswith("-new") else None
    form.max_rows = fields.MAX_ROWS
    form.preview = lambda spec: spec.shown(spec.calculate(
        {s.key: s.stored(form[s.key].data) for s in specs if s.key in spec.formula["fields"]}, specs), {})
    form.preview_totals = lambda spec: _total_text(spec, form)
    form.chosen_project = lambda: projects.get(form.project.data) if for_project else None
    return form


def _change_rows(form):
    """Add or remove a line-item row as the pressed button says (`f12:add`, `f12:remove:3`); the
    id of the row to focus (or "" after a removal), None when no row button was pressed."""
    if not form.is_submitted():
        return None
    key, _, action = (request.form.get("rows") or "").partition(":")
    table = form._fields.get(key) if any(spec.key == key and spec.kind == "table" for spec in form.specs) else None
    if table is None:
        return None
    if action == "add":
        if len(table.entries) < fields.MAX_ROWS:
            table.append_entry()
        return table.entries[-1].id + "-new"
    verb, _, name = action.partition(":")
    if verb == "remove":
        table.entries = [entry for entry in table.entries if entry.name != "%s-%s" % (key, name)]
        if not table.entries:
            table.append_entry()
        return "removed"
    return None


def _total_text(spec, form):
    rows = spec.stored(form[spec.key].data)
    return "" if rows is None or spec.total_column is None else spec.shown(rows, {}).total


def stored_values(form):
    """The filled-in request form's values, as the request keeps them; calculated fields last,
    from the others."""
    values = {spec.key: spec.stored(form[spec.key].data) for spec in form.specs if spec.kind != "calculated"}
    for spec in form.specs:
        if spec.kind == "calculated":
            values[spec.key] = spec.calculate(values, form.specs)
    return values


def form_data(request):
    """A returned request's title and values, to edit and send again."""
    values = request.value_map
    data = {spec.key: spec.form_data(values.get(spec.key)) for spec in request.version.fields}
    data["title"] = request.title
    return data

