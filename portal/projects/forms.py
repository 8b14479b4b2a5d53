"""Forms for projects, targets, check-ins, milestones and updates."""
import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_pgettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import (DateField, Field, IntegerField, RadioField, SelectChoice, SelectField, SelectMultipleField,
                     StringField, TextAreaField, widgets)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.accounts.models import Department, User
from portal.db import Invalid
from portal.forms import Form
from portal.projects.feed import ProjectUpdate
from portal.projects.models import DIRECTIONS, LIVE, STATUSES, VISIBILITIES, Project, Target, exact_number

NONE = SelectChoice(0, _l("— choose —"))
# 1,234,567.5 is a number; 1,5 is not (it is not clear whether it means 1.5 or 15).
THOUSANDS = re.compile(r"[+-]?\d{1,3}([,，]\d{3})+(\.\d*)?")


class NumberField(Field):
    """An exact decimal typed by a person: spaces, thousands separators and full-width digits
    are forgiven; NaN, infinities and absurd sizes are refused with a message."""

    widget = widgets.TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format(self.data.normalize(), "f") if isinstance(self.data, Decimal) else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip().replace(" ", "")
        if THOUSANDS.fullmatch(text):
            text = text.replace(",", "").replace("，", "")
        if not text:
            self.data = None
            return
        try:
            Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError(_l("Enter a number, like 12.5.")) from None
        try:
            self.data = exact_number(text, self.name)
        except Invalid as invalid:
            self.data = None
            raise ValueError(invalid.message) from None


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def _people(condition, departments):
    """Choices of the people `condition` picks, each named with their department ("—" for none)."""
    names = {d.id: d.display_name for d in departments}
    return [NONE] + [SelectChoice(user_id, "%s · %s" % (name, names.get(department_id, "—")))
                     for user_id, name, department_id, _active in User.listed(condition)]


def _person(user_id):
    """The person chosen in a select of `_people` (the select has checked the choice)."""
    return User.get_or_none(User.id == user_id) if user_id else None


def _departments():
    return {d.id: d for d in Department.ordered()}


class ProjectForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    goal = TextAreaField(_l("Goal"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 4})
    coordinator = SelectField(_l("Coordinator"), coerce=int)
    departments = CheckboxesField(_l("Participating departments"), coerce=int)
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    end_date = DateField(_l("End date"), validators=[InputRequired()])
    status = SelectField(_l("Status"), choices=[SelectChoice(key, STATUSES[key]) for key in LIVE + ("done",)])
    visibility = RadioField(_l("Who may see it"), choices=[SelectChoice(k, v) for k, v in VISIBILITIES.items()],
                            default="company")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.all_departments = _departments()
        self.coordinator.choices = _people(User.active, self.all_departments.values())
        self.departments.choices = [SelectChoice(d.id, d.display_name) for d in self.all_departments.values()]

    def values(self):
        return dict(name=self.name.data, goal=self.goal.data or "",
                    coordinator=_person(self.coordinator.data),
                    departments=[self.all_departments[i] for i in self.departments.data or ()
                                 if i in self.all_departments],
                    start_date=self.start_date.data, end_date=self.end_date.data, status=self.status.data,
                    visibility=self.visibility.data)


def _servable(viewer, target):
    """Choices of what `target` (None: a new one) may serve: goals and live projects' targets the
    viewer may see, without `target` itself; the model refuses a circle. Read as rows, not models:
    a company's hundreds of targets with their projects took 10 ms of each target form and page."""
    query = (Target.visible_to(viewer).select(Target.id, Target.title, Target.project, Target.department, Project.name)
             .where(Target.project.is_null() | Project.status.in_(LIVE))
             .order_by(Target.project.is_null(False), Project.name, Target.title))
    if target is not None:
        query = query.where(Target.id != target.id)
    return [SelectChoice(target_id, _serve_label(title, project_id, department_id, project_name))
            for target_id, title, project_id, department_id, project_name in query.tuples()]


def _serve_label(title, project_id, department_id, project_name):
    if project_id is not None:
        return "%s · %s" % (title, project_name)
    return "%s · %s" % (title, _l("Company goal") if department_id is None else _l("Department goal"))


def _target(target_id):
    """The target chosen in a select of `_servable` (the select has checked the choice)."""
    return Target.get_or_none(Target.id == target_id) if target_id else None


class _Measure(Form):
    """What every target states: what is measured, from where to where, by when, serving what."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    unit = StringField(_l("Unit"), validators=[Optional(), Length(max=30)],
                       render_kw={"placeholder": _l("e.g. 万元, %, units")})
    direction = RadioField(_l("Direction"), choices=[SelectChoice(k, v) for k, v in DIRECTIONS.items()],
                           default="raise")
    baseline = NumberField(_l("Baseline"), validators=[InputRequired()])
    target_value = NumberField(_l("Target"), validators=[InputRequired()])
    start_date = DateField(_l("Start date"), validators=[InputRequired()])
    due_date = DateField(_l("Due date"), validators=[InputRequired()])
    department = SelectField(_l("Owning department"), coerce=int)
    owner = SelectField(_l("Owner"), coerce=int)
    weight = IntegerField(_l("Weight"), default=1, validators=[InputRequired(), NumberRange(1, 100)],
                          render_kw={"inputmode": "numeric"})
    serves = SelectField(_l("Serves"), coerce=int, default=0)

    def __init__(self, *args, viewer, target=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.serves.choices = [SelectChoice(0, _l("— none —"))] + _servable(viewer, target)

    def values(self):
        return dict(title=self.title.data, unit=self.unit.data or "", direction=self.direction.data,
                    baseline=self.baseline.data, target_value=self.target_value.data,
                    start_date=self.start_date.data, due_date=self.due_date.data,
                    department=self.owning_departments.get(self.department.data),
                    owner=_person(self.owner.data), weight=self.weight.data,
                    serves=_target(self.serves.data))


class GoalForm(_Measure):
    """A goal: the company's (no department) or a department's, which its head may set."""

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, viewer=viewer, **kwargs)
        allowed = Department.ordered()
        if not viewer.is_admin:
            allowed = allowed.where(Department.id == (viewer.heads.id if viewer.heads else 0))
        self.owning_departments = {d.id: d for d in allowed}
        self.department.label.text = _l("Whose goal")
        self.department.choices = ([SelectChoice(0, _l("The company's"))] if viewer.is_admin else []) + [
            SelectChoice(d.id, d.display_name) for d in self.owning_departments.values()]
        self.owner.choices = _people(User.active, Department.ordered())


class TargetForm(_Measure):
    """A project's target, owned by one of its departments."""

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.owning_departments = {d.id: d for d in Department.ordered().where(
            Department.id.in_(list(project.department_ids)))}
        self.department.choices = [NONE] + [SelectChoice(d.id, d.display_name)
                                            for d in self.owning_departments.values()]
        self.owner.choices = _people(User.active & User.department.in_(list(project.department_ids)),
                                     self.owning_departments.values())


class TensionForm(Form):
    other = SelectField(_l("Competes with"), coerce=int, default=0)
    note = TextAreaField(_l("How they pull against each other"), validators=[DataRequired(), Length(max=500)],
                         render_kw={"rows": 2, "maxlength": 500,
                                    "placeholder": _l("e.g. a faster launch needs overtime; lower cost forbids it")})

    def __init__(self, *args, viewer, target, **kwargs):
        super().__init__(*args, **kwargs)
        self.other.choices = [NONE] + _servable(viewer, target)

    @property
    def chosen(self):
        return _target(self.other.data)


class CheckInForm(Form):
    value = NumberField(_l("New value"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500)],
                         render_kw={"rows": 2, "maxlength": 500})


class MilestoneForm(Form):
    title = StringField(_l("Milestone"), validators=[DataRequired(), Length(max=200)])
    due_date = DateField(_l("Due date"), validators=[InputRequired()])


class CloseMilestoneForm(Form):
    review_note = TextAreaField(_l("Review (复盘)"), validators=[DataRequired(), Length(max=5000)],
                                render_kw={"rows": 4})


class UpdateForm(Form):
    body = TextAreaField(lazy_pgettext("project update", "Update"), validators=[Optional(), Length(max=5000)],
                         render_kw={"rows": 3})
    photos = MultipleFileField(_l("Photos"), render_kw={"accept": "image/*"})

    @property
    def uploads(self):
        """The files actually chosen (a browser sends an empty part when none is)."""
        return [f for f in self.photos.data or () if getattr(f, "filename", "")]

    def validate_photos(self, field):
        if len(self.uploads) > ProjectUpdate.MAX_PHOTOS:
            raise ValidationError(_l("Add at most %(n)d photos to one update.", n=ProjectUpdate.MAX_PHOTOS))
