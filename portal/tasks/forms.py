"""Forms for tasks, their parts, card moves and the boards' filters."""
import re

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (BooleanField, DateField, DecimalField, IntegerField, SelectChoice, SelectField, StringField,
                     TextAreaField, ValidationError)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.fields.core import UnboundField
from wtforms.widgets import HiddenInput

from portal.accounts.forms import people_choices
from portal.accounts.models import Department, User
from portal.db import Invalid
from portal.forms import Form
from portal.params import whole_number
from portal.projects.models import LIVE, Project
from portal.tasks.models import PRIORITIES, STATUSES, TAG_LENGTH, URGENT

NONE = SelectChoice(0, _l("— none —"))
TASK_NUMBER = re.compile(r"^#?\s*(\d{1,9})$")


class TaskForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    owner = SelectField(_l("Owner"), coerce=int, validate_choice=False)
    requesting_department = SelectField(_l("Asked for by"), coerce=int)
    project = SelectField(_l("Project"), coerce=int, default=0)
    # The model names an unknown priority or status more clearly than "Not a valid choice".
    priority = SelectField(_l("Priority"), choices=[SelectChoice(k, v) for k, v in PRIORITIES.items()],
                           validate_choice=False, default="P2")
    status = SelectField(_l("Status"), choices=[SelectChoice(k, v) for k, v in STATUSES.items()],
                         validate_choice=False, default="todo")
    due_date = DateField(_l("Due date"), format=["%Y-%m-%d", "%Y/%m/%d"], validators=[Optional()],
                         invalid_value_message=_l("Enter the date as YYYY-MM-DD, for example 2026-05-31."))
    estimate_hours = DecimalField(_l("Estimate (hours)"), places=1,
                                  validators=[Optional(), NumberRange(min=0, max=100000)])
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=400)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])
    reason = StringField(_l("Reason for this change"), validators=[Optional(), Length(max=300)])
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        if task is None:
            del self.version
        self.departments = {d.id: d for d in Department.ordered()}
        self.owner.choices = people_choices(User.active | (User.id == (task.owner_id if task else 0)), self.departments)
        self.requesting_department.choices = [NONE] + [SelectChoice(d.id, d.display_name)
                                                       for d in self.departments.values()]
        # Live projects the person may see, and the task's own project whatever its state.
        projects = (Project.visible_to(current_user).select(Project.id, Project.name)
                    .where(Project.status.in_(LIVE) | (Project.id == (task.project_id if task else 0)))
                    .order_by(Project.name))
        self.project_ids = set()
        self.project.choices = [NONE]
        for project_id, name in projects.tuples():
            self.project_ids.add(project_id)
            self.project.choices.append(SelectChoice(project_id, name))
        if task is not None and task.project_id is not None and task.project_id not in self.project_ids:
            # A project the editor may not see is neither offered nor changed: a list without it
            # would read "none" and move the task out of the project, into everyone's view.
            del self.project

    @classmethod
    def of(cls, task):
        """The form filled with the task as it is (ids, not objects, for the choice fields)."""
        return cls(task=task, data={
            "title": task.title, "owner": task.owner_id, "requesting_department": task.requesting_department_id or 0,
            "project": task.project_id or 0,
            "priority": task.priority, "status": task.status, "due_date": task.due_date,
            "estimate_hours": task.estimate_hours, "tags": ", ".join(task.tag_names()),
            "description": task.description, "version": task.version})

    def chosen_owner(self):
        owner = User.get_or_none(User.id == self.owner.data)
        if owner is None:
            raise Invalid(_l("Choose the owner from the list."), "owner")
        return owner

    def values(self):
        """The task's fields as the form has them (the owner is resolved separately: it can be refused)."""
        return {"title": self.title.data, "description": self.description.data or "",
                "requesting_department": self.departments.get(self.requesting_department.data),
                **({"project": self._chosen_project()} if "project" in self else {}),
                "priority": self.priority.data, "status": self.status.data, "due_date": self.due_date.data,
                "estimate_hours": self.estimate_hours.data}

    def _chosen_project(self):
        chosen = self.project.data
        return Project.get_by_id(chosen) if chosen in self.project_ids else None

    def rebase(self, version):
        """After a refused stale edit: what the person typed stays, now against the current version."""
        self.version.data = version
        self.version.raw_data = [str(version)]


class MoveForm(Form):
    status = StringField(validators=[DataRequired(message=_l("Choose a column to move the card to."))])
    version = IntegerField(validators=[InputRequired(message=_l("Reload the board and try again."))])


class BlockerForm(Form):
    blocker = StringField(_l("Waits for task number"), validators=[DataRequired(), Length(max=20)])

    def validate_blocker(self, field):
        if not TASK_NUMBER.match(field.data or ""):
            raise ValidationError(_l("Enter the number of the task, like 123."))

    @property
    def blocker_id(self):
        return int(TASK_NUMBER.match(self.blocker.data).group(1))


class CommentForm(Form):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=10000)])


class ChecklistItemForm(Form):
    text = StringField(_l("New item"), validators=[DataRequired(), Length(max=200)])


class BoardFilterForm(Form):
    """The filters of a board, read from the URL so a view can be bookmarked and shared."""

    class Meta:
        csrf = False

    department = SelectField(_l("Department"), coerce=whole_number, default=0)
    owner = SelectField(_l("Owner"), coerce=whole_number, default=0)
    priority = SelectField(_l("Priority"), default="")
    tag = StringField(_l("Tag"), validators=[Optional(), Length(max=TAG_LENGTH)], default="")
    overdue = BooleanField(_l("Overdue"))
    blocked = BooleanField(_l("Blocked"))
    side = SelectField(default="all", choices=[SelectChoice(k) for k in ("all", "asked", "asking")])
    project = SelectField(_l("Project"), coerce=whole_number, default=0)

    def __init__(self, formdata, scope, shown=True):
        """`shown`: the form is drawn, so each list offers every choice; otherwise (a card move, a
        column's next cards) only the values asked for are looked up, to check them, and a list
        nobody asked from is not read at all: a move paid three queries for filters it did not use."""
        super().__init__(formdata=formdata)
        projects = departments = owners = ()
        if shown:
            projects = (Project.visible_to(current_user).select(Project.id, Project.name, Project.status)
                        .order_by(Project.status == "archived", Project.name))
        elif self.project.data:
            projects = [project for project in [Project.seen_by(current_user, self.project.data)] if project]
        if shown or self.department.data:
            departments = Department.ordered()
            if not shown:
                departments = departments.where(Department.id == self.department.data)
        # The owner is found by name (the people picker), so only the one asked for is offered: the
        # whole company was 300 options on every board. "My tasks" has no owner to choose.
        if self.owner.data and scope != "mine":
            owners = (User.select(User.id, User.name)
                      .where((User.active == True) & (User.id == self.owner.data)).tuples())  # noqa: E712
        self.projects = {p.id: p for p in projects}
        self.project.choices = [SelectChoice(0, _l("Choose a project") if scope == "project" else _l("Any"))] + [
            SelectChoice(p.id, p.name) for p in self.projects.values()]
        # On the department board the department is not a filter but the board itself.
        self.department.choices = [SelectChoice(0, _l("Mine") if scope == "department" else _l("Any"))] + [
            SelectChoice(d.id, d.display_name) for d in departments]
        self.owner.choices = [SelectChoice(0, _l("Anyone"))] + [SelectChoice(user_id, name) for user_id, name in owners]
        priorities = URGENT if scope == "priorities" else PRIORITIES
        self.priority.choices = [SelectChoice("", _l("Any"))] + [SelectChoice(k, PRIORITIES[k]) for k in priorities]
        self.validate()
        # A bad value in a shared link is dropped, not an error page: the rest of the view still works.
        for field in self:
            if field.errors:
                field.data = field.default
                field.errors = []

    @classmethod
    def passed_on(cls, args):
        """The filters among `args`, unread and unchecked, to carry to another board address."""
        return {name: args[name] for name in FILTERS if args.get(name)}

    @property
    def chosen_project(self):
        return self.projects.get(self.project.data)

    def args(self, **changes):
        """The filters that differ from the defaults, as URL parameters (with `changes` applied)."""
        values = {field.name: field.data for field in self if field.data != field.default}
        values.update(changes)
        return {name: ("1" if value is True else value) for name, value in values.items()
                if value not in (None, "", 0, False, "all")}


FILTERS = tuple(name for name, value in vars(BoardFilterForm).items() if isinstance(value, UnboundField))
