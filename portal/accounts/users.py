"""Admin pages and the CLI for user accounts."""
import click
from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from flask_login import current_user

from portal import mail, sheets
from portal.accounts import imports as people_imports
from portal.accounts.forms import NewUserForm, UserForm
from portal.accounts.models import ROLES, Department, User
from portal.accounts.tokens import AccessToken
from portal.audit import AuditEntry
from portal.db import Invalid
from portal.i18n import LANGUAGES
from portal.import_views import Importer, blueprint
from portal.pagecache import kept
from portal.pagination import paginate
from portal.permissions import authorize, authorized
from portal.render import render

users = Blueprint("users", __name__, url_prefix="/admin/users", cli_group="user")
# A page of people, found by search: the whole company on one page (300 rows) was the slowest
# admin page, and an admin looks for someone rather than reads everyone.
PAGE_SIZE = 50


@users.route("/")
@kept
def index():
    authorize("administer")
    search = request.args.get("q", "").strip()[:100]
    people = paginate(User.directory(search), PAGE_SIZE)
    return render("users/index.html", "users/_list.html", users=people, search=search,
                  roles={key: str(label) for key, label in ROLES.items()})


@users.route("/export")
def export():
    """Everyone (or those the search finds), as a spreadsheet (?format=csv for CSV)."""
    authorize("administer")
    people = User.directory(request.args.get("q", "").strip()[:100])
    columns = [sheets.Column(pgettext("person", "Name")), sheets.Column(_("Email"), width=28),
               sheets.Column(_("Department")), sheets.Column(_("Role")), sheets.Column(_("Head of the department")),
               sheets.Column(pgettext("account status", "Active")), sheets.Column(_("Added"), "datetime", 17)]
    rows = ([user.name, user.email, user.department.display_name if user.department_id else "",
             str(user.role_label), _("Yes") if user.heads else "", _("Yes") if user.active else _("No"),
             sheets.local(user.created_at)] for user in people)
    return sheets.response([sheets.Sheet(_("People"), columns, rows)], "people", sheets.wanted_kind(request.args))


@users.route("/new")
def new():
    authorize("administer")
    return render("users/form.html", form=NewUserForm(language=""), user=None)


@users.route("/", methods=["POST"])
def create():
    authorize("administer")
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = User.invite(current_user, form.email.data, form.name.data, form.chosen_department,
                               form.role.data, form.language.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            _announce_password_link(user, _("%(name)s was added and has been mailed a link to set a password.",
                                            name=user.name))
            return redirect(url_for("users.edit", user_id=user.id), 303)
    return render("users/form.html", form=form, user=None)


@users.route("/<int:user_id>")
def edit(user_id):
    user = authorized(User, user_id, "edit")
    return _page(UserForm(obj=user), user)


@users.route("/<int:user_id>", methods=["POST"])
def update(user_id):
    user = authorized(User, user_id, "edit")
    form = UserForm()
    if form.validate_on_submit():
        try:
            user.update_account(current_user, **form.account_values())
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("users.edit", user_id=user.id), 303)
    return _page(form, user)


def _page(form, user):
    return render("users/form.html", form=form, user=user, history=AuditEntry.for_object(user).limit(20),
                  tokens=list(AccessToken.live_of(user)))


@users.route("/<int:user_id>/deactivate", methods=["POST"])
def deactivate(user_id):
    user = authorized(User, user_id, "deactivate")
    user.deactivate(current_user)
    flash(_("%(name)s can no longer sign in. Their history stays.", name=user.name), "success")
    return redirect(url_for("users.edit", user_id=user.id), 303)


@users.route("/<int:user_id>/reactivate", methods=["POST"])
def reactivate(user_id):
    user = authorized(User, user_id, "deactivate")
    user.reactivate(current_user)
    flash(_("%(name)s can sign in again.", name=user.name), "success")
    return redirect(url_for("users.edit", user_id=user.id), 303)


@users.route("/<int:user_id>/password-link", methods=["POST"])
def password_link(user_id):
    user = authorized(User, user_id, "edit")
    user.send_password_link(current_user)
    _announce_password_link(user, _("A new set-password link was mailed to %(name)s.", name=user.name))
    return redirect(url_for("users.edit", user_id=user.id), 303)


def _announce_password_link(user, message):
    flash(message, "success")
    if not current_app.config["MAIL_SERVER"]:
        # Without a mail server the admin passes the link on by hand.
        flash(_password_link(user), "password-link")


def _password_link(user):
    return mail.absolute_url("accounts.set_password", token=user.password_token())


@users.cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Display name.")
@click.option("--department", default="", help="Department name (Chinese or English).")
@click.option("--role", type=click.Choice(list(ROLES)), default="member", show_default=True)
@click.option("--password", default="", help="Set a password now instead of mailing a link.")
@click.option("--language", type=click.Choice(["", *LANGUAGES]), default="")
def create_command(email, name, department, role, password, language):
    """Create a user account."""
    found = None
    if department:
        found = Department.find(department)
        if found is None:
            raise click.BadParameter("no department named %r" % department, param_hint="--department")
    if password and len(password) < 8:
        raise click.BadParameter("at least 8 characters", param_hint="--password")
    try:
        user = User.invite(None, email, name, found, role, language, password=password or None)
    except Invalid as invalid:
        raise click.ClickException(str(invalid.message)) from None
    click.echo("created %s <%s> (%s)" % (user.name, user.email, user.role))
    if not password:
        click.echo("set-password link: %s" % _password_link(user))


def _administer():
    authorize("administer")


PEOPLE = Importer(
    fields=people_imports.FIELDS, shown=("email", "name", "department"), place=_administer,
    planner=people_imports.planner, apply=people_imports.apply,
    page=lambda _: {"title": _l("Import people"), "heading": _l("Import people"), "back": url_for("users.index"),
                    "back_label": _l("People")},
    done=lambda _: url_for("users.index"), example=people_imports.EXAMPLE, sheet_title=_l("People"),
    hint=_l("Someone whose email already has an account is updated, not added again, so importing the same file "
            "twice changes nothing. Each new person is mailed a link to set a password."))
people_imports_bp = blueprint("people_imports", "/admin/users/import", PEOPLE)
