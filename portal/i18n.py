"""Language and time zone per request: the user's setting, else the browser's, else the default."""
from babel.core import get_global
from babel.dates import get_timezone_location
from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Domain, get_locale, gettext
from flask_login import current_user

# Each language by its own name, as a language menu shows it.
LANGUAGES = {"zh_CN": "简体中文", "en": "English"}

# China's zone and the names it went by; people say 北京时间, not "Asia/Shanghai".
BEIJING_ZONES = {"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"}


def select_locale():
    if not has_request_context():
        return current_app.config["DEFAULT_LOCALE"]
    if current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    chosen = session.get("language")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=current_app.config["DEFAULT_LOCALE"])


def select_timezone():
    if has_request_context() and current_user.is_authenticated:
        return current_user.timezone
    return current_app.config["DEFAULT_TIMEZONE"]


class Catalogues(Domain):
    """Flask-Babel's message domain, keeping per request the catalogue of the locale in force.
    Its own lookup spells the locale out afresh on every call (about 15 µs, against 0.2 µs for the
    translation itself) and a page translates hundreds of strings. `force_locale` and `refresh`
    put another Locale object in force, so a catalogue is reused only while the same one is."""

    def get_translations(self):
        context = g.get("_flask_babel") if has_app_context() else None
        locale = getattr(context, "babel_locale", None)
        if locale is None:
            return super().get_translations()
        known = getattr(context, "duiqi_catalogue", None)
        if known is None or known[0] is not locale:
            known = context.duiqi_catalogue = (locale, super().get_translations())
        return known[1]


def init_app(app):
    from portal.extensions import babel
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    babel.domain_instance = Catalogues(domain=app.extensions["babel"].default_domain)
    app.jinja_env.filters["zone_name"] = zone_name
    app.jinja_env.globals["languages"] = LANGUAGES
    app.jinja_env.globals["current_locale"] = current_language


def current_language():
    """The LANGUAGES key in use (Babel spells zh_CN as zh_Hans_CN)."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"


def zone_name(zone):
    """A time zone as people call it: 北京时间 for China's, others by their place ("Germany (Berlin)
    Time"); a zone of no place (UTC, Etc/GMT+8) keeps its id."""
    if zone in BEIJING_ZONES:
        return gettext("Beijing time")
    if get_global("zone_territories").get(zone, "ZZ") == "ZZ":
        return zone
    return get_timezone_location(zone, locale=get_locale())
