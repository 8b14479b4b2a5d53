"""Signing in and out, set-password links, and one's own settings."""
from flask import Blueprint, abort, flash, make_response, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.accounts import auth
from portal.accounts.forms import (ChangePasswordForm, LoginForm, MobileForm, PreferencesForm, SetPasswordForm,
                                   TokenForm)
from portal.accounts.models import User
from portal.accounts.tokens import AccessToken, feed_key, new_feed_key
from portal.db import Invalid
from portal.i18n import LANGUAGES
from portal.links import safe_next
from portal.mail import absolute_url
from portal.permissions import authorize, can
from portal.render import render, trigger, wants_fragment

accounts = Blueprint("accounts", __name__)


# -- signing in and out -------------------------------------------------------------------

@accounts.route("/login", methods=["GET", "POST"])
@auth.public
def login():
    again = wants_fragment()  # the form shown over a page whose session ended (auth._unauthorized)
    if current_user.is_authenticated and not again:
        return redirect(url_for("home.index"))
    form = LoginForm(next=request.args.get("next", ""), prefix=auth.AGAIN if again else "")
    if form.validate_on_submit():
        user, refusal = auth.authenticate(form.email.data, form.password.data)
        if user is not None:
            auth.log_in(user, remember=form.remember.data)
            if again:
                # The page stays; it takes the new CSRF token and sends what it was sending.
                return trigger(make_response("", 204), "signedIn", {"csrfToken": generate_csrf()})
            return redirect(safe_next(form.next.data) or url_for("home.index"), 303)
        form.form_errors.append(refusal)
    return render("accounts/login.html", "accounts/_sign_in_again.html", form=form)


@accounts.route("/logout", methods=["POST"])
@auth.public
def logout():
    auth.log_out()
    flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.login"), 303)


@accounts.route("/password/set/<token>", methods=["GET", "POST"])
@auth.public
def set_password(token):
    user = User.from_password_token(token)
    if user is None:
        return render("accounts/link_expired.html", status=404)
    form = SetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        auth.log_in(user)
        flash(_("Your password is set. Welcome!"), "success")
        return redirect(url_for("home.index"), 303)
    return render("accounts/set_password.html", form=form, user=user)


@accounts.route("/language", methods=["POST"])
@auth.public
def set_language():
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400)
    session["language"] = language
    if current_user.is_authenticated:
        current_user.update_preferences(language, current_user.timezone)
    return redirect(safe_next(request.form.get("next", "")) or url_for("home.index"), 303)


# -- choosing people in a form ----------------------------------------------------------------

# As many as a phone shows under the box without scrolling far; typing more narrows the list.
PEOPLE_FOUND = 12


@accounts.route("/people/found")
def people_found():
    """Active people whose name, email or department holds what was typed: the list under a people
    picker (the `people` macro in _form_macros.html)."""
    authorize("search")
    typed = request.args.get("q", "").strip()[:100]
    found = User.directory(typed).where(User.active).limit(PEOPLE_FOUND) if typed else []
    return render("accounts/_people_found.html", "accounts/_people_found.html", typed=typed,
                  people=[person for person in found if can(current_user, "view", person)])


# -- one's own settings ---------------------------------------------------------------------

@accounts.route("/me")
def me():
    """The phone's "Me" tab: every place not on the tab bar, one's settings, signing out."""
    return render("accounts/me.html")


@accounts.route("/settings", methods=["GET", "POST"])
def settings():
    form = PreferencesForm(obj=current_user)
    if form.validate_on_submit():
        current_user.update_preferences(form.language.data, form.timezone.data)
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("accounts.settings"), 303)
    return settings_page(form=form)


@accounts.route("/settings/mobile", methods=["POST"])
def update_mobile():
    form = MobileForm()
    if form.validate_on_submit():
        try:
            current_user.set_mobile(current_user, form.mobile.data)
        except Invalid as invalid:
            form.show_error(invalid)
        else:
            flash(_("Your mobile number is saved.") if current_user.mobile else _("Your mobile number is removed."),
                  "success")
            return redirect(url_for("accounts.settings"), 303)
    return settings_page(mobile_form=form)


@accounts.route("/settings/password", methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        refusal = auth.confirm_password(current_user, form.current.data)
        if refusal is None:
            current_user.set_password(form.password.data, keep_session=current_user.session_token)
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.settings"), 303)
        form.current.errors = [refusal]
    return settings_page(password_form=form)


@accounts.route("/settings/calendar", methods=["POST"])
def new_calendar_address():
    new_feed_key(current_user._get_current_object())
    flash(_("Your calendar has a new address. Subscribe to it again; the old one no longer works."), "success")
    return redirect(url_for("accounts.settings", _anchor="calendar"), 303)


def settings_page(form=None, password_form=None, mobile_form=None, token_form=None):
    """The settings page; a view passes the form it re-renders with its errors."""
    address = absolute_url("feeds.personal", key=feed_key(current_user))
    return render("accounts/settings.html",
                  form=PreferencesForm(formdata=None, obj=current_user) if form is None else form,
                  password_form=ChangePasswordForm(formdata=None) if password_form is None else password_form,
                  mobile_form=MobileForm(formdata=None, obj=current_user) if mobile_form is None else mobile_form,
                  token_form=TokenForm(formdata=None) if token_form is None else token_form,
                  tokens=list(AccessToken.live_of(current_user)),
                  calendar_address=address, webcal_address="webcal://" + address.split("://", 1)[1])
