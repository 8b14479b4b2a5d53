"""The search page's question: the words, and what to narrow them to."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from portal.accounts.models import User
from portal.finder import KINDS, searched_kinds
from portal.forms import Form
from portal.projects.models import Project

DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
DATE_MESSAGE = _l("Enter the date as YYYY-MM-DD, for example 2026-05-31.")


class SearchForm(Form):
    class Meta:
        csrf = False  # a question, changing nothing: it travels in the address, to be bookmarked and shared

    # Long enough for what anyone pastes; the search itself says when a question is too long.
    q = StringField(_l("Search"))
    kind = SelectField(_l("Kind"), default="")
    project = SelectField(_l("Project"), coerce=int, default=0)
    person = SelectField(_l("Person"), coerce=int, default=0)
    since = DateField(_l("Changed from"), format=DATE_FORMATS, validators=[Optional()],
                      invalid_value_message=DATE_MESSAGE)
    until = DateField(_l("Changed until"), format=DATE_FORMATS, validators=[Optional()],
                      invalid_value_message=DATE_MESSAGE)

    def __init__(self, formdata, user):
        super().__init__(formdata)
        self.kind.choices = [SelectChoice("", _l("Everything"))] + [SelectChoice(k, v) for k, v in KINDS.items()]
        self.project.choices = [SelectChoice(0, _l("Any project"))] + [
            SelectChoice(p.id, p.name) for p in Project.visible_to(user).select(Project.id, Project.name)
            .order_by(Project.name)]
        self.person.choices = [SelectChoice(0, _l("Anyone"))] + [
            SelectChoice(u.id, u.name) for u in User.select(User.id, User.name).where(User.active == True)  # noqa: E712
            .order_by(User.name)]

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date cannot be before the start date."))

    def filters(self):
        """The narrowing the form asks for, as portal.search.query's arguments (dates still local)."""
        return {"kinds": searched_kinds(self.kind.data) if self.kind.data else None,
                "project_id": self.project.data or None,
                "person_id": self.person.data or None}

    @property
    def narrowed(self):
        return bool(self.kind.data or self.project.data or self.person.data or self.since.data or self.until.data)
