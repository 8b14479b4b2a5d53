"""Lists of codes people choose from, shown as names in the reader's language: time zones grouped by
region with 北京时间 first, and the countries of the holiday calendar with China first."""
import functools
import zoneinfo

from babel.core import get_global
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

BEIJING = "Asia/Shanghai"
# Where Duiqi's people and their partners mostly are: offered first, after Beijing time.
COMMON_ZONES = ["Asia/Hong_Kong", "Asia/Taipei", "Asia/Singapore", "Asia/Tokyo", "Asia/Seoul", "Europe/London",
                "Europe/Berlin", "America/New_York", "America/Los_Angeles", "UTC"]
REGIONS = {"Asia": _l("Asia"), "Europe": _l("Europe"), "America": _l("Americas"), "Africa": _l("Africa"),
           "Australia": _l("Australia"), "Pacific": _l("Pacific"), "Indian": _l("Indian Ocean"),
           "Atlantic": _l("Atlantic"), "Antarctica": _l("Antarctica")}


def zone_label(zone, locale=None):
    """"北京时间" for China's zone, else "City (Country)" in the reader's language; an id of no place
    (UTC) stays as it is."""
    if zone == BEIJING:
        return gettext("Beijing time")
    locale = locale or get_locale()
    territory = get_global("zone_territories").get(zone)
    if territory is None:
        return zone
    city = locale.time_zones.get(zone, {}).get("city") or zone.rsplit("/", 1)[-1].replace("_", " ")
    return gettext("%(city)s (%(country)s)", city=city, country=locale.territories.get(territory, territory))


def zone_choices(current=None):
    """Choices for a time zone select: {group: [(zone, name)]}, Beijing time and the common ones first;
    `current` (an older name of a zone, say) is offered too, so a saved choice is never lost."""
    groups = dict(_zone_choices(str(get_locale())))
    listed = {zone for choices in groups.values() for zone, _name in choices}
    if current and current not in listed:
        common = gettext("Common")
        groups[common] = [(current, zone_label(current))] + groups[common]
    return groups


@functools.cache
def _zone_choices(_locale_name):
    locale = get_locale()
    known = get_global("zone_territories")
    groups = {gettext("Common"): [(zone, zone_label(zone, locale)) for zone in [BEIJING] + COMMON_ZONES]}
    for prefix, region in REGIONS.items():
        zones = [z for z in zoneinfo.available_timezones() if z.startswith(prefix + "/") and z in known]
        groups[str(region)] = sorted(((z, zone_label(z, locale)) for z in zones), key=lambda pair: pair[1])
    return groups


def country_choices(codes):
    """Choices for a country select: [(code, name)], China first, then by name in the reader's language."""
    names = get_locale().territories
    rest = sorted((code for code in codes if code != "CN"), key=lambda code: names.get(code, code))
    return [(code, names.get(code, code)) for code in (["CN"] if "CN" in codes else []) + rest]
