"""Personal access tokens: made and revoked in one's settings (admins revoke anyone's), and the CLI."""
import click
from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.forms import TokenForm
from portal.accounts.models import User
from portal.accounts.tokens import LIFETIMES, AccessToken
from portal.accounts.views import settings_page
from portal.db import Invalid
from portal.permissions import authorized
from portal.render import render

tokens = Blueprint("tokens", __name__, url_prefix="/settings/tokens", cli_group="token")


@tokens.route("/", methods=["POST"])
def create():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            token, secret = AccessToken.issue(current_user, current_user, form.name.data,
                                              can_write=form.access.data == "write", days=form.days.data or None)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            # The secret is shown in this answer and nowhere else: no redirect, no flash (the session
            # cookie would carry it), and no copy kept by the browser's cache.
            response = render("accounts/token_made.html", token=token, secret=secret)
            response.headers["Cache-Control"] = "no-store"
            return response
    return settings_page(token_form=form)


@tokens.route("/<int:token_id>/revoke", methods=["POST"])
def revoke(token_id):
    token = authorized(AccessToken, token_id, "revoke")
    token.revoke(current_user)
    flash(_("The token “%(name)s” no longer works.", name=token.name), "success")
    if token.user_id == current_user.id:
        return redirect(url_for("accounts.settings", _anchor="tokens"), 303)
    return redirect(url_for("users.edit", user_id=token.user_id, _anchor="tokens"), 303)


@tokens.cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="What will use the token, e.g. \"finance export\".")
@click.option("--write", is_flag=True, help="Allow changes too; without it the token only reads.")
@click.option("--days", type=click.Choice([str(d) for d in LIFETIMES if d]), default=None,
              help="Expire after this many days; without it the token lasts until revoked.")
def create_command(email, name, write, days):
    """Make an access token for EMAIL's account and print it (it is shown only this once)."""
    user = User.by_email(email)
    if user is None:
        raise click.BadParameter("no account with this email", param_hint="EMAIL")
    try:
        _, secret = AccessToken.issue(None, user, name, can_write=write, days=int(days) if days else None)
    except Invalid as invalid:
        raise click.ClickException(invalid.message) from None
    click.echo(secret)
