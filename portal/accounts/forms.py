"""Sign-in, password and account forms."""
from flask_babel import gettext, lazy_pgettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.accounts.models import ROLES, Department, User
from portal.forms import Form, TimeZoneField, object_id
from portal.i18n import LANGUAGES

PASSWORD_RULES = [DataRequired(), Length(min=8, max=200)]
NONE = SelectChoice(0, _l("— none —"))


def people_choices(condition, departments=None):
    """The people `condition` picks, as a select's choices: one group per department in the
    departments' order (those without one last), by name within it; someone deactivated says so.
    `departments`: {id: Department} in order, when the form has read them already."""
    if departments is None:
        departments = {d.id: d for d in Department.ordered()}
    place = {department_id: index for index, department_id in enumerate(departments)}
    # Rows, not models: the company's 300 people and their departments as models took 14 ms a form.
    people = sorted(User.listed(condition), key=lambda person: (place.get(person[2], len(place)), person[1], person[0]))
    return [SelectChoice(user_id, name if active else gettext("%(name)s (deactivated)", name=name),
                         optgroup=departments[department_id].display_name if department_id
                         else gettext("No department"))
            for user_id, name, department_id, active in people]


def _language_choices():
    return [SelectChoice("", _l("Same as my browser"))] + [SelectChoice(k, v) for k, v in LANGUAGES.items()]


class LoginForm(Form):
    email = StringField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class SetPasswordForm(Form):
    password = PasswordField(_l("New password"), validators=PASSWORD_RULES)
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", _l("The two passwords differ."))])


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])


class PreferencesForm(Form):
    language = SelectField(_l("Language"), choices=_language_choices())
    timezone = TimeZoneField(_l("Time zone"))


class MobileForm(Form):
    mobile = StringField(_l("Mobile number"), validators=[Length(max=40)],
                         render_kw={"inputmode": "tel", "autocomplete": "tel"})


class UserForm(Form):
    name = StringField(lazy_pgettext("person", "Name"), validators=[DataRequired(), Length(max=100)])
    department = SelectField(_l("Department"), coerce=object_id)
    role = SelectField(_l("Role"), choices=[SelectChoice(k, v) for k, v in ROLES.items()])
    supervisor = SelectField(_l("Direct supervisor (直属主管)"), coerce=object_id)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.departments = {d.id: d for d in Department.ordered()}
        self.department.choices = [NONE] + [SelectChoice(d.id, d.display_name) for d in self.departments.values()]
        if "supervisor" in self:
            # Someone who supervises others stays offered after leaving, so that saving a person
            # whose supervisor left does not drop them unnoticed.
            supervising = User.select(User.supervisor).where(User.supervisor.is_null(False))
            people = people_choices(User.active | User.id.in_(supervising), self.departments)
            self.supervisor_ids = {choice.value for choice in people}
            self.supervisor.choices = [NONE, *people]
            if self.supervisor.raw_data == []:
                # A client that posts only name, role and department leaves the supervisor as it is.
                self.supervisor.validate_choice = False

    @property
    def chosen_department(self):
        return self.departments.get(self.department.data)

    def account_values(self):
        """What an admin's edit changes, for User.update_account."""
        values = {"name": self.name.data, "role": self.role.data, "department": self.chosen_department}
        if self.supervisor.raw_data:
            chosen = self.supervisor.data
            values["supervisor"] = User.get_by_id(chosen) if chosen in self.supervisor_ids else None
        return values


class NewUserForm(UserForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), Email()])
    language = SelectField(_l("Language for mail"), choices=_language_choices())
    supervisor = None  # chosen once the person exists, as a department's head is


class DepartmentForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("English name"), validators=[Optional(), Length(max=100)])
    head = SelectField(_l("Head"), coerce=object_id)

    def __init__(self, *args, department=None, **kwargs):
        super().__init__(*args, **kwargs)
        if department is None:
            del self.head  # A new department has no members to choose from yet.
            return
        self.members = {u.id: u for u in department.active_members()}
        self.head.choices = [NONE] + [SelectChoice(u.id, u.name) for u in self.members.values()]

    @property
    def chosen_head(self):
        return self.members.get(self.head.data)


class TokenForm(Form):
    name = StringField(_l("What will use it"), validators=[DataRequired(), Length(max=100)])
    access = SelectField(_l("Access"), choices=[SelectChoice("read", _l("Read only")),
                                                SelectChoice("write", _l("Read and write"))], default="read")
    days = SelectField(_l("Lasts"), coerce=int, default=90, choices=[
        SelectChoice(30, _l("30 days")), SelectChoice(90, _l("90 days")), SelectChoice(365, _l("One year")),
        SelectChoice(0, _l("Until revoked"))])
