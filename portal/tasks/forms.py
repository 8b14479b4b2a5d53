"""Forms for tasks, their parts, card moves and the boards' filters."""
import functools
import re

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import (BooleanField, DateField, DecimalField, IntegerField, SelectChoice, SelectField, StringField,
                     TextAreaField, ValidationError)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from portal.accounts.forms import people_choices
from portal.accounts.models import Department, User
from portal.db import Invalid
from portal.forms import CONTROL_CHARACTERS, Form
from portal.params import whole_number
from portal.projects.models import LIVE, Project
from portal.tasks.models import PRIORITIES, STATUSES, TAG_LENGTH, URGENT

NONE = SelectChoice(0, _l("— none —"))
TASK_NUMBER = re.compile(r"^#?\s*(\d{1,9})$")
SIDES = ("all", "asked", "asking")


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
    """The filter form a board draws; what it sends is read and checked by BoardFilters."""

    class Meta:
        csrf = False

    department = SelectField(_l("Department"), coerce=whole_number, default=0)
    owner = SelectField(_l("Owner"), coerce=whole_number, default=0)
    priority = SelectField(_l("Priority"), default="")
    # Its length limit is drawn as the box's maxlength (BoardFilters applies the same limit to a link).
    tag = StringField(_l("Tag"), validators=[Length(max=TAG_LENGTH)], default="")
    overdue = BooleanField(_l("Overdue"))
    blocked = BooleanField(_l("Blocked"))
    side = SelectField(_l("Show"), default="all", choices=[SelectChoice(k) for k in SIDES])
    project = SelectField(_l("Project"), coerce=whole_number, default=0)


class BoardFilters:
    """The filters of a board, read from its address so a view can be bookmarked and shared. A value
    its reader could not have chosen (a project they do not see, a department since removed, a tag
    too long) is dropped, not an error page: the rest of the view still works.

    `shown`: the board draws its filter form (`form`), so each list is read whole, to offer every
    choice; otherwise (a card move, a column's next cards, an export) only the values asked for are
    looked up, to check them, and a list nobody asked from is not read at all (a move paid three
    queries for filters it did not use). Read without WTForms: binding and validating a form of
    eight fields was a tenth of a card move's CPU, for a form it never drew."""

    def __init__(self, args, scope, shown=False):
        self.scope, self.shown = scope, shown
        project, department, owner = (_number(args.get(name)) for name in ("project", "department", "owner"))
        projects = departments = owners = ()
        if shown:
            projects = (Project.visible_to(current_user).select(Project.id, Project.name, Project.status)
                        .order_by(Project.status == "archived", Project.name))
        elif project:
            projects = [found for found in [Project.seen_by(current_user, project)] if found]
        if shown or department:
            departments = Department.ordered()
            if not shown:
                departments = departments.where(Department.id == department)
        # The owner is found by name (the people picker), so only the one asked for is offered: the
        # whole company was 300 options on every board. "My tasks" has no owner to choose.
        if owner and scope != "mine":
            owners = (User.select(User.id, User.name)
                      .where((User.active == True) & (User.id == owner)).tuples())  # noqa: E712
        self.projects = {p.id: p for p in projects}
        self.departments, self.owners = list(departments), list(owners)
        self.project = project if project in self.projects else 0
        self.department = department if department in {d.id for d in self.departments} else 0
        self.owner = owner if owner in {user_id for user_id, _ in self.owners} else 0
        priority = args.get("priority", "")
        self.priority = priority if priority in self.priorities else ""
        tag = args.get("tag", "").strip()
        self.tag = "" if len(tag) > TAG_LENGTH or CONTROL_CHARACTERS.search(tag) else tag
        self.overdue, self.blocked = (args.get(name, "").strip().lower() not in OFF for name in ("overdue", "blocked"))
        side = args.get("side", "all")
        self.side = side if side in SIDES else "all"

    @property
    def priorities(self):
        return URGENT if self.scope == "priorities" else PRIORITIES

    @classmethod
    def passed_on(cls, args):
        """The filters among `args`, unread and unchecked, to carry to another board address."""
        return {name: args[name] for name in FILTERS if args.get(name)}

    @property
    def chosen_project(self):
        return self.projects.get(self.project)

    def args(self, **changes):
        """The filters that differ from the defaults, as URL parameters (with `changes` applied)."""
        values = {name: getattr(self, name) for name, default in FILTERS.items() if getattr(self, name) != default}
        values.update(changes)
        return {name: ("1" if value is True else value) for name, value in values.items()
                if value not in (None, "", 0, False, "all")}

    @functools.cached_property
    def form(self):
        """The form the board draws, these filters chosen in it (only for a board read `shown`)."""
        if not self.shown:
            raise RuntimeError("the filters were read for a board that draws no form")
        form = BoardFilterForm(formdata=None, data={name: getattr(self, name) for name in FILTERS})
        form.project.choices = [SelectChoice(0, _l("Choose a project") if self.scope == "project" else _l("Any"))] + [
            SelectChoice(p.id, p.name) for p in self.projects.values()]
        # On the department board the department is not a filter but the board itself.
        form.department.choices = [SelectChoice(0, _l("Mine") if self.scope == "department" else _l("Any"))] + [
            SelectChoice(d.id, d.display_name) for d in self.departments]
        form.owner.choices = [SelectChoice(0, _l("Anyone"))] + [SelectChoice(user_id, name)
                                                                 for user_id, name in self.owners]
        form.priority.choices = [SelectChoice("", _l("Any"))] + [SelectChoice(k, PRIORITIES[k])
                                                                 for k in self.priorities]
        return form


def _number(value):
    """A filter's id, 0 when it is missing or not a whole number."""
    try:
        return whole_number(value) if value else 0
    except ValueError:
        return 0


# What turns a yes-or-no filter off in a hand-made or old link (the form sends "y", `args()` writes "1").
OFF = ("", "0", "n", "no", "false", "off")
# Each filter and its value when the address does not set it.
FILTERS = {"department": 0, "owner": 0, "priority": "", "tag": "", "overdue": False, "blocked": False, "side": "all",
           "project": 0}
