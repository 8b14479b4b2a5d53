"""The Flask extensions, created unbound here and initialised in create_app."""
from flask import g, session
from flask_babel import Babel
from flask_login import LoginManager
from flask_mail import Mail
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx


class SignedOnce(CSRFProtect):
    """Flask-WTF's CSRF protection, each session's form token signed once per process.

    Flask-WTF signs the session's token afresh in every request that writes a form (every full page,
    every card) and keeps the result for that request alone; signing is a serializer, a key
    derivation and an HMAC, a twentieth of a card move. A token never expires here
    (WTF_CSRF_TIME_LIMIT is None), so one signed earlier for the same session token is as good: it
    is put where Flask-WTF looks first (`g`). A new session (sign-in, sign-out) has a new token and
    so a new signature; checking a submitted token is left to Flask-WTF."""

    KEPT = 4096  # sessions per process; past it the whole table is dropped at once (thread-safe)

    def init_app(self, app):
        super().init_app(app)
        if app.config["WTF_CSRF_TIME_LIMIT"] is not None:
            return  # a token signed earlier would expire earlier
        name = app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        signed = {}

        @app.before_request
        def _signed_before():
            known = signed.get(session.get(name))
            if known is not None:
                setattr(g, name, known)

        @app.after_request
        def _keep_signed(response):
            token, raw = g.get(name), session.get(name)
            if token is not None and raw is not None and raw not in signed:
                if len(signed) >= self.KEPT:
                    signed.clear()
                signed[raw] = token
            return response


babel = Babel()
csrf = SignedOnce()
htmx = Htmx()
login_manager = LoginManager()
mail = Mail()
