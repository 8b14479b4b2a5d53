"""Language and time zone per request: the user's setting, else the browser's, else the default; time
zones and countries by the names people use, for reading and for choosing."""
import functools
import zoneinfo

from babel.core import get_global
from babel.dates import get_timezone_location
from babel.support import Translations
from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Domain, force_locale, get_locale, get_translations, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.i18n import messages_path

# Each language by its own name, as a language menu shows it.
LANGUAGES = {"zh_CN": "简体中文", "en": "English"}

# China's zone and the names it went by; people say 北京时间, not "Asia/Shanghai".
BEIJING_ZONES = {"Asia/Shanghai", "Asia/Chongqing", "Asia/Chungking", "Asia/Harbin", "PRC"}
# Where Duiqi's people and their partners mostly are: offered first, after Beijing time.
COMMON_ZONES = ["Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "Asia/Seoul",
                "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC"]
REGIONS = {"Asia": _l("Asia"), "Europe": _l("Europe"), "America": _l("Americas"), "Africa": _l("Africa"),
           "Australia": _l("Australia"), "Pacific": _l("Pacific"), "Indian": _l("Indian Ocean"),
           "Atlantic": _l("Atlantic"), "Antarctica": _l("Antarctica")}


def select_locale():
    if not has_request_context():
        return current_app.config["DEFAULT_LOCALE"]
    if g.get("locale") in LANGUAGES:  # the request settled it itself (the API does)
        return g.locale
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


def preload(app):
    """Read now what every process reads on its first pages anyway: Babel's data on places and zones,
    and each language's locale data and catalogue (5 MiB). A server that forks its workers after
    loading the app (gunicorn --preload) then holds one copy, shared, instead of one per worker."""
    get_global("zone_aliases")  # loads all of Babel's global data
    with app.test_request_context():
        for language in LANGUAGES:
            with force_locale(language):
                get_locale().territories  # noqa: B018  (reading a property loads the locale's data)
                get_translations()
                form_messages(get_locale())


def current_language():
    """The LANGUAGES key in use (Babel spells zh_CN as zh_Hans_CN)."""
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"


_LABELS = {}


def in_language(labels):
    """`labels` ({key: lazy_gettext(...)}, a module's constant) as plain strings in the reader's
    language. Worked out once per language and process: a board's card translated a dozen labels
    at every move. (Keyed by the catalogue in force, so `force_locale` gets its own.)"""
    key = (id(labels), get_translations())
    known = _LABELS.get(key)
    if known is None or known[0] is not labels:
        known = _LABELS[key] = (labels, {name: str(label) for name, label in labels.items()})
    return known[1]


@functools.cache
def form_messages(locale):
    """WTForms' own messages ("Not a valid choice") in `locale`. Flask-WTF reads their catalogue
    from disk again in every request that builds a form (a millisecond of a card move); it does not
    change while the process runs."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class FormMessages:
    """WTForms' messages in the reader's language, whose language is worked out when the first
    message is written: most forms are read without one to show (a card move's form never)."""

    def gettext(self, string):
        return form_messages(get_locale()).gettext(string)

    def ngettext(self, singular, plural, n):
        return form_messages(get_locale()).ngettext(singular, plural, n)


def zone_name(zone):
    """A time zone as people call it: 北京时间 for China's, others by their place ("Germany (Berlin)
    Time"); a zone of no place (UTC, Etc/GMT+8) keeps its id."""
    if zone in BEIJING_ZONES:
        return gettext("Beijing time")
    if get_global("zone_territories").get(zone, "ZZ") == "ZZ":
        return zone
    # Babel reads only the zone's name. Given the name alone, it first builds a pytz zone, which pytz
    # keeps for good: for the ~400 zones of the zone select, 3.4 MiB per process and 2 s.
    return get_timezone_location(zoneinfo.ZoneInfo(zone), locale=get_locale())


def zone_choices(current=None):
    """Choices for a time zone select: {group: [(zone, name)]}, Beijing time and the common ones first,
    then each region's by name; `current` (an older name of a zone, say) is offered too, so a saved
    choice is never lost."""
    groups = dict(_zone_choices(str(get_locale())))
    listed = {zone for choices in groups.values() for zone, _name in choices}
    if current and current not in listed:
        common = gettext("Common")
        groups[common] = [(current, zone_name(current))] + groups[common]
    return groups


# The IANA zones this machine knows, listed once: listing them walks the time zone database's
# folder, 60 ms each time, and planning a series or saving a form with a zone asked every time.
ZONES = frozenset(zoneinfo.available_timezones())


@functools.cache
def _zone_choices(_locale_name):
    known = get_global("zone_territories")
    groups = {gettext("Common"): [(zone, zone_name(zone)) for zone in COMMON_ZONES]}
    for prefix, region in REGIONS.items():
        zones = [z for z in ZONES
                 if z.startswith(prefix + "/") and z in known and z not in BEIJING_ZONES]
        groups[str(region)] = sorted(((z, zone_name(z)) for z in zones), key=lambda pair: pair[1])
    return groups


def country_choices(codes):
    """Choices for a country select: [(code, name)], China first, then by name in the reader's language."""
    names = get_locale().territories
    rest = sorted((code for code in codes if code != "CN"), key=lambda code: names.get(code, code))
    return [(code, names.get(code, code)) for code in (["CN"] if "CN" in codes else []) + rest]
