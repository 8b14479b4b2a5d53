"""Signing in and out, the login wall, and the rate limit on guessing passwords.

Sessions live server-side (LoginSession): the cookie carries only a token, so logging out,
changing the password or being deactivated ends every copy of that cookie at its next request.
flask-login's "strong" protection is off: it signed people out whenever their address changed, which
a phone does all day between Wi-Fi and 4G. What it guarded is kept: a new token at every sign-in, and
a session only honoured from the kind of device that started it (LoginSession.device).
"""
import functools

from urllib.parse import urlsplit

from flask import current_app, flash, g, make_response, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from werkzeug.security import check_password_hash, generate_password_hash

from portal.accounts.forms import LoginForm
from portal import jobs
from portal.accounts.models import LoginAttempt, LoginSession, User, normalize_email
from portal.extensions import login_manager
from portal.links import safe_next

# The prefix of the sign-in form shown over a page: its fields must not take the page's ids.
AGAIN = "again"


def public(view):
    """Mark a view as reachable without signing in; every other view is behind the wall."""
    view.public = True
    return view


def own_credentials(view):
    """Mark a view that checks a credential of its own (an API token, a calendar address) instead
    of the session: the login wall lets it through, and it never reads the session cookie."""
    view.own_credentials = True
    return view


def act_as(user):
    """This request acts as `user` (the holder of the credential it carried), whatever session
    cookie came with it: the session is not even read."""
    login_manager._update_request_context_with_user(user)


def init_app(app):
    login_manager.init_app(app)
    login_manager.session_protection = None
    login_manager.login_view = "accounts.login"
    login_manager.user_loader(_load_user)
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(_login_wall)


def _load_user(token):
    return LoginSession.user_for(token, request.user_agent.string or "")


def _login_wall():
    view = current_app.view_functions.get(request.endpoint)
    if view is None or getattr(view, "public", False) or getattr(view, "own_credentials", False):
        return None
    if current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


def _unauthorized():
    if request.htmx:
        # A redirect would be followed inside the XHR and the login page swapped into a div. The
        # page's script shows this sign-in form over the page instead, then sends the request again,
        # so nothing typed is lost; HX-Redirect is what a page without that script follows.
        form = LoginForm(formdata=None, prefix=AGAIN)
        response = make_response(render_template("accounts/_sign_in_again.html", form=form), 401)
        response.headers["HX-Redirect"] = url_for(
            "accounts.login", next=safe_next(request.htmx.current_url or ""))
        response.headers["HX-Reswap"] = "none"
        return response
    flash(_l("Please sign in to continue."), "info")
    # After a form was sent, back to the page that held it: its draft is restored there (forms.js).
    target = request.full_path if request.method == "GET" else _referring_path()
    return redirect(url_for("accounts.login", next=safe_next(target) or None))


def _referring_path():
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host:
        return ""
    return referrer.path + ("?" + referrer.query if referrer.query else "")


def authenticate(email, password):
    """(user, None) on success, else (None, reason) where reason is a translated message.

    Unknown and known emails get the same answer and take the same time.
    """
    user = User.by_email(normalize_email(email))

    def matches():
        if user is None or not user.password_hash:
            check_password_hash(_dummy_hash(), password)
            return False
        return user.check_password(password)

    refusal = _limited(email, matches, _l("The email or password is not correct."))
    if refusal is not None:
        return None, refusal
    if not user.active:
        return None, _l("This account has been deactivated. Ask an administrator.")
    return user, None


def confirm_password(user, password):
    """None when `password` is the signed-in user's own, else the translated refusal. Guesses
    count against the same limit as signing in: a session left open must not be a way round it."""
    return _limited(user.email, lambda: user.check_password(password), _l("This is not your current password."))


def _limited(email, matches, wrong):
    """Run the password check `matches()` under the rate limit of the account and the address."""
    keys = ["email:" + normalize_email(email), "ip:" + (request.remote_addr or "unknown")]
    wait = LoginAttempt.wait(keys)
    if wait:
        return _locked_message(wait)
    if matches():
        LoginAttempt.forget(keys[0])
        return None
    LoginAttempt.fail(keys)
    wait = LoginAttempt.wait(keys)
    return _locked_message(wait) if wait else wrong


def log_in(user, remember=False):
    # A fresh session against fixation; the language picked on the sign-in page carries over.
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    # The CSRF token lived in the old session; forms.js gives the new one to the open page.
    g.pop("csrf_token", None)
    user.session_token = LoginSession.start(user, request.user_agent.string or "")
    login_user(user, remember=remember)


def log_out():
    if current_user.is_authenticated:
        LoginSession.end(current_user.session_token)
    logout_user()
    session.clear()


def _locked_message(seconds):
    if seconds >= 120:
        return _l("Too many failed sign-in attempts. Try again in %(n)d minutes.",
                  n=(seconds + 59) // 60)
    return _l("Too many failed sign-in attempts. Try again in %(n)d seconds.", n=seconds)


@functools.cache
def _dummy_hash():
    return generate_password_hash("not a password", method=current_app.config["PASSWORD_HASH_METHOD"])


@jobs.periodic_task(jobs.crontab(minute="23", hour="4"))
def purge_sign_in_records():
    """Failed sign-ins older than the rate limit's window and sessions idle past their limit."""
    return LoginAttempt.purge(), LoginSession.purge()
