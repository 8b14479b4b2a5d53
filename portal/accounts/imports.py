"""Importing people from a spreadsheet: matched by email to an account to create (mailed a link to
set a password) or update (name, department, role, direct supervisor), or leave as it is. A
supervisor is someone who already has an account (import the managers first)."""
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from portal import imports
from portal.accounts.models import ROLES, Department, User, normalize_email
from portal.audit import apply_changes
from portal.db import Invalid, db


def _email(text):
    try:
        return normalize_email(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError:
        raise Invalid(gettext("“%(value)s” is not an email address.", value=text)) from None


def _name(text):
    if len(text) > 100:
        raise Invalid(_l("Keep the name under 100 characters."))
    return text


def department_cell(text):
    """A department named in Chinese or English."""
    department = Department.find(text)
    if department is None:
        raise Invalid(gettext("There is no department “%(value)s”.", value=text))
    return department


def _role(text):
    key = imports.choice_cell(ROLES, text)
    if key is None:
        raise Invalid(gettext("There is no role “%(value)s”; choose admin, coordinator or member.", value=text))
    return key


FIELDS = [
    imports.Field("email", _l("Email"), ("email", "e-mail", "邮箱", "电子邮箱", "邮件"), _email, required=True,
                  matches=True),
    imports.Field("name", lazy_pgettext("person", "Name"), ("name", "姓名", "名字"), _name, required=True),
    imports.Field("department", _l("Department"), ("department", "部门"), department_cell),
    imports.Field("role", _l("Role"), ("role", "角色"), _role),
    imports.Field("supervisor", _l("Supervisor"), ("supervisor", "manager", "直属主管", "主管", "上级"), User.named),
]
EXAMPLE = ["li.lei@example.com", "李雷", "销售部", "member", ""]
UPDATED = ("name", "department", "role", "supervisor")


def planner(_place):
    """`decide` for imports.plan: a row names an account by its email."""
    def decide(row):
        email = row.values["email"]
        person = existing.get(email)
        if person is None:
            return
        row.existing = person
        wanted = {key: row.values[key] for key in UPDATED if key in row.values}
        current = {"name": person.name, "role": person.role, "department": person.department_id,
                   "supervisor": person.supervisor_id}
        if "supervisor" in wanted:
            if wanted["supervisor"].id != person.supervisor_id:
                person._check_supervisor(wanted["supervisor"])
            wanted["supervisor"] = wanted["supervisor"].id
        if "department" in wanted:
            wanted["department"] = wanted["department"].id
            if person.department_id and person.heads and wanted["department"] != person.department_id:
                raise Invalid(_l("This user heads their department; name another head first."), "department")
        row.changes = {key: value for key, value in wanted.items() if current[key] != value}
        row.action = "update" if row.changes else "unchanged"

    existing = {person.email: person for person in User.select()}
    return decide


def apply(by, place, rows, mapping, source):
    """Create and update accounts as the rows say, in one transaction with one audit entry (on the
    admin who imported them); each new person is mailed a link to set a password."""
    def save_row(row):
        values = dict(row.values)
        if row.action == "create":
            person = User.create(email=values.pop("email"), timezone=current_app.config["DEFAULT_TIMEZONE"], **values)
            person.index_for_search(values.get("department"))
            person.send_password_link(by, welcome=True)
            return
        person = User.get_by_id(row.existing.id)
        if "supervisor" in row.changes:
            person._check_supervisor(values["supervisor"])  # again: an earlier row may have closed a circle
        apply_changes(person, **{key: values[key] for key in row.changes})
        person.save()
        if person.active:
            person.index_for_search()

    with db.atomic():
        importer = User.get_by_id(by.id)  # the audit names a row, not the signed-in proxy
        return imports.save(by, importer, "user.import", rows, mapping, FIELDS, planner(place), save_row, source)
